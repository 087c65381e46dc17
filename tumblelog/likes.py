"""Likes: ``POST /post/<id>/like`` likes or unlikes a post for the signed-in reader
(``User.like``/``User.unlike`` do it; the API calls them too).

A like is a ``Like`` document (unique on user + post) and ``Post.like_count`` moves by
one only when a Like is really inserted or deleted, so a double click or two requests
at once never count twice, and a popular post's document does not grow.

Pages show which posts the reader likes from ``User.recent_likes``, the ids of their
last ``RECENT_LIKES`` likes, which comes with the account every request loads: no query
of its own. An older like shows as not liked; pressing Like then adds no second Like and
no count, and brings the post back into the list. The list is not changed in one
transaction with the Like: a like and an unlike racing may leave the two disagreeing on
that post, until the reader presses its button again (both ways mend it).
"""
import click
from flask import Blueprint, flash, redirect, request
from flask_login import current_user

from .auth import safe_next
from .follow import sign_in_first, wanted_state
from . import models
from .lookups import visible_post_or_404
from .models import Like, Post, User
from .moderation import Blocked, refuse_if_blocked
from .ratelimit import action_limit

bp = Blueprint("likes", __name__, cli_group="likes")
bp.cli.help = "Maintain what accounts remember of their likes."


def liked_ids(posts):
    """The ids of those of ``posts`` the signed-in reader likes (recently): read from
    their account, already loaded, so no query."""
    if current_user.is_anonymous or not posts:
        return set()
    return {post.id for post in posts} & set(current_user.recent_likes)


@bp.route("/post/<objectid:post_id>/like", methods=("POST",))
@action_limit("like", "RATELIMIT_LIKE")
def toggle(post_id):
    """Like or unlike (the same URL toggles; the button says which it means)."""
    post = visible_post_or_404(post_id, exclude=("comments",))  # none for a draft
    back = safe_next(request.form.get("next") or post.permalink())
    if current_user.is_anonymous:
        return sign_in_first(back)
    user = current_user._get_current_object()
    # A bare POST asks the Like documents, not the list: right for older likes too.
    if wanted_state(lambda: user.likes(post_id), "like", "unlike"):
        try:
            refuse_if_blocked(post, user)
        except Blocked as blocked:
            flash(str(blocked), "error")
            return redirect(back, 303)
        user.like(post_id)
    else:
        user.unlike(post_id)
    return redirect(f"{back}#post-{post_id}", 303)  # back to the post, not the page top


@bp.cli.command("remember")
def remember_all():
    """Fill every account's recent likes from its likes (once, for likes made before
    accounts kept them). A like made during the run may drop out of the list; liking
    that post again brings it back."""
    readers = Like.objects.distinct("user")  # their ids
    with click.progressbar(readers, label="Remembering likes") as bar:
        for reader in bar:
            newest = Like.objects(user=reader).order_by("-id").limit(models.RECENT_LIKES).only("post")
            ids = [row["post"] for row in newest.as_pymongo()]
            User.objects(id=reader).update_one(set__recent_likes=ids[::-1])
    click.echo(f"Remembered the likes of {len(readers)} readers.")


def register(app):
    app.jinja_env.globals["liked_ids"] = liked_ids
