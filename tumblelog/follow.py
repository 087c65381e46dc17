"""Following tags and bloggers, the dashboard of what you follow, and the list of it.

What a reader follows lives on their account (``followed_tags``, ``followed_users``),
which Flask-Login loads on every request anyway: the dashboard is then a single query
(``User.followed_posts``). The lists change only through ``User.follow``/``unfollow``
(``$addToSet``/``$pull``, never load-append-save), capped at ``MAX_FOLLOWS``.
"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .auth import safe_next
from .federation.models import RemotePost
from .lookups import tag_or_404, user_or_404
from .models import MAX_FOLLOWS, User
from .paging import Page, list_page, page_of
from .ratelimit import action_limit

bp = Blueprint("follow", __name__)

REMOTE_POSTS_SHOWN = 20  # the newest posts of followed fediverse accounts, atop the dashboard's first page


def sign_in_first(back):
    """Send an anonymous reader to sign in, then back to the page ``back``."""
    flash(_("Sign in to do that; you will come back here."), "info")
    return redirect(url_for("auth.login", next=back), 303)


def wanted_state(is_on, on="follow", off="unfollow"):
    """True to switch on (follow, like), False to switch off. The button sends the
    ``action`` it meant, so a double submit does the same thing twice; a POST without
    one toggles, asking ``is_on()`` for the current state."""
    action = request.form.get("action")
    if action in (on, off):
        return action == on
    return not is_on()


def toggle(target, page_url, name):
    """The follow/unfollow view body shared by tags and bloggers; ``target`` is
    ``{"tag": tag}`` or ``{"user": account}`` as ``User.follow`` takes it."""
    back = safe_next(request.form.get("next") or page_url)
    if current_user.is_anonymous:
        return sign_in_first(page_url)
    user = current_user._get_current_object()
    follow = wanted_state(lambda: user.is_following(**target))
    if not follow:
        user.unfollow(**target)
        flash(_("You no longer follow %(name)s.", name=name), "success")
    elif user.follow(**target):
        flash(_("You follow %(name)s.", name=name), "success")
    else:
        flash(_("You already follow %(max)s; unfollow something first.", max=MAX_FOLLOWS), "info")
    return redirect(back, 303)


follow_limit = action_limit("follow", "RATELIMIT_FOLLOW")


@bp.route("/tag/<tag>/follow", methods=("POST",))
@follow_limit
def follow_tag(tag):
    """Follow or unfollow a tag (the same URL toggles)."""
    tag = tag_or_404(tag)
    return toggle({"tag": tag}, url_for("blog.tag", tag=tag), f"#{tag}")


@bp.route("/user/<username>/follow", methods=("POST",))
@follow_limit
def follow_user(username):
    """Follow or unfollow a blogger (the same URL toggles)."""
    author = user_or_404(username)
    page_url = url_for("blog.user", username=author.username)
    if current_user.is_authenticated and author.id == current_user.id:
        flash(_("That is your own blog."), "info")
        return redirect(page_url, 303)
    # Someone the blogger blocks may still unfollow, never follow.
    if (current_user.is_authenticated and User.blocks(author.id, current_user.id)
            and wanted_state(lambda: current_user.is_following(user=author))):
        flash(f"{author.username} has blocked you: you cannot follow their blog.", "error")
        return redirect(safe_next(request.form.get("next") or page_url), 303)
    return toggle({"user": author}, page_url, author.username)


def follow_state(page, author=None):
    """``(url, following)`` for the Follow button of this tag or user page, or None."""
    args = request.view_args or {}
    signed_in = current_user.is_authenticated
    if request.endpoint == "blog.tag":
        tag = args["tag"]
        return url_for("follow.follow_tag", tag=tag), signed_in and tag in current_user.followed_tags
    user_id = page_blogger_id(page, author)
    if user_id is None or (signed_in and user_id == current_user.id):
        return None  # not a user page, or your own: no following yourself
    url = url_for("follow.follow_user", username=args["username"])
    return url, signed_in and user_id in current_user.followed_users


def page_blogger_id(page, author=None):
    """The id of a user page's blogger (None elsewhere): from ``author`` or, when the
    view did not load the account, from the page's posts (each carries its author's id)."""
    if request.endpoint != "blog.user":
        return None
    if author is not None:
        return author.id
    return page.posts[0].author.pk if page and page.posts else None


@bp.route("/dashboard")
@login_required
def dashboard():
    """What the reader follows, newest first, each post once."""
    query = current_user.followed_posts()
    page = page_of(query) if query is not None else Page([], 1, False)
    remote = RemotePost.for_reader(current_user, REMOTE_POSTS_SHOWN) if page.number == 1 else []
    reader = current_user.id
    # Kept for readers who follow the same tags and bloggers and reacted alike to the
    # fediverse posts shown (whose buttons say so), beyond what every list page names.
    follows = (sorted(current_user.followed_tags), sorted(current_user.followed_users),
               [(post.id, reader in post.liked_by, reader in post.boosted_by) for post in remote])
    return list_page(page, "reader/dashboard.html", reader_extra=follows, remote_posts=remote,
                     heading=_("Your dashboard"))


@bp.route("/following")
@login_required
def following():
    """The tags and bloggers the reader follows, each with an unfollow button."""
    names = []
    if current_user.followed_users:
        names = [user.username for user in User.objects(id__in=current_user.followed_users).only("username")]
    return render_template(
        "reader/following.html",
        tags=sorted(current_user.followed_tags),
        users=sorted(names, key=str.lower),
        heading=_("Following"),
    )


def register(app):
    app.jinja_env.globals["follow_state"] = follow_state
