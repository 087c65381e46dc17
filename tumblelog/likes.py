"""Likes: ``POST /post/<id>/like`` likes or unlikes a post for the signed-in reader.

A like is a ``Like`` document (unique on user + post) and ``Post.like_count`` moves by
one only when a Like is really inserted or deleted, so a double click or two requests
at once never count twice, and a popular post's document does not grow.
"""
from flask import Blueprint, redirect, request, url_for
from flask_login import current_user
from mongoengine import NotUniqueError

from .auth import safe_next
from .follow import sign_in_first, wanted_state
from .models import Like, Post

bp = Blueprint("likes", __name__)


def like(user, post_id):
    """Like the post; True if this call added the like."""
    try:
        Like(user=user, post=post_id).save(force_insert=True)
    except NotUniqueError:
        return False  # liked already, perhaps by a request a moment ago
    Post.objects(id=post_id).update_one(inc__like_count=1)
    return True


def unlike(user, post_id):
    """Take the like back; True if this call removed it."""
    if not Like.objects(user=user, post=post_id).delete():
        return False
    Post.objects(id=post_id).update_one(dec__like_count=1)
    return True


def liked_ids(posts):
    """The ids of those of ``posts`` the signed-in reader likes: one query per page."""
    if current_user.is_anonymous or not posts:
        return set()
    likes = Like.objects(user=current_user.id, post__in=[post.id for post in posts])
    return {row["post"] for row in likes.only("post").as_pymongo()}


@bp.route("/post/<objectid:post_id>/like", methods=("POST",))
def toggle(post_id):
    """Like or unlike (the same URL toggles; the button says which it means)."""
    Post.objects(id=post_id).only("id").first_or_404()
    back = safe_next(request.form.get("next") or url_for("blog.show", post_id=post_id))
    if current_user.is_anonymous:
        return sign_in_first(back)
    user = current_user._get_current_object()
    if wanted_state(lambda: Like.objects(user=user, post=post_id).first() is not None, "like", "unlike"):
        like(user, post_id)
    else:
        unlike(user, post_id)
    return redirect(f"{back}#post-{post_id}", 303)  # back to the post, not the page top


def register(app):
    app.jinja_env.globals["liked_ids"] = liked_ids
