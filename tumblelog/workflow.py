"""The blogger's workflow: ``/drafts``, ``/queue`` (with its settings, reordering and
shuffle), "Publish now" and pinning a post to the top of one's blog page.

Only the author sees these pages; they list the signed-in user's own posts. Every
change here counts against the blogger's post-writing limit (``RATELIMIT_POST``).
"""
import random

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .blog import editable_post, post_limit
from .forms import QueueSettingsForm, form_status
from .models import Post, QueueSettings, User
from .paging import Page, page_number
from .publishing import MAX_QUEUE, QUEUED, post_status

bp = Blueprint("workflow", __name__)


bp.add_app_template_global(post_status)


@bp.route("/drafts")
@login_required
def drafts():
    """The signed-in blogger's drafts, newest first, ``?page=N``."""
    per_page = current_app.config["POSTS_PER_PAGE"]
    number = page_number()
    posts = list(Post.drafts_of(current_user.pk).skip((number - 1) * per_page).limit(per_page + 1))
    if not posts and number > 1:
        abort(404)
    page = Page(posts[:per_page], number, len(posts) > per_page)
    return render_template("workflow/drafts.html", page=page, heading="Drafts")


def queue_ids(user):
    """The ids of ``user``'s queued posts still to go, in queue order."""
    return list(Post.queue_of(user.pk, states=(QUEUED,)).scalar("id"))


@bp.route("/queue")
@login_required
def queue():
    """Queued and scheduled posts in the order they go out, with when each goes, and
    the queue's settings."""
    form = QueueSettingsForm(obj=current_user.queue_settings)
    return render_queue(form)


def render_queue(form):
    posts = list(Post.queue_of(current_user.pk).limit(MAX_QUEUE))
    queued = [post.id for post in posts if post.state == QUEUED]
    return render_template(
        "workflow/queue.html", posts=posts, queued=queued, form=form, heading="Queue", max_queue=MAX_QUEUE
    ), form_status(form)


@bp.route("/queue/settings", methods=("POST",))
@post_limit
@login_required
def queue_settings():
    """Change how many posts go out a day and when; the queue's times follow."""
    form = QueueSettingsForm()
    if not form.validate_on_submit():
        return render_queue(form)
    settings = QueueSettings(
        per_day=form.per_day.data, start_hour=form.start_hour.data or 0, end_hour=form.end_hour.data,
        utc_offset=form.utc_offset.data,
    )
    User.objects(id=current_user.pk).update_one(set__queue_settings=settings)
    current_user.queue_settings = settings
    Post.requeue(current_user, queue_ids(current_user))
    flash("Queue settings saved; the queue follows them.", "success")
    return redirect(url_for("workflow.queue"), 303)


@bp.route("/queue/<objectid:post_id>/move", methods=("POST",))
@post_limit
@login_required
def move(post_id):
    """Move a queued post one place ``direction=up`` (sooner) or ``down`` (later)."""
    order = queue_ids(current_user)
    if post_id not in order:
        abort(404)
    here = order.index(post_id)
    there = here - 1 if request.form.get("direction") == "up" else here + 1
    if 0 <= there < len(order):
        order[here], order[there] = order[there], order[here]
        Post.requeue(current_user, order)
    return redirect(url_for("workflow.queue", _anchor=f"post-{post_id}"), 303)


@bp.route("/queue/shuffle", methods=("POST",))
@post_limit
@login_required
def shuffle():
    """Put the queue in a random order (its slots stay where they were)."""
    order = queue_ids(current_user)
    random.shuffle(order)
    Post.requeue(current_user, order)
    flash("The queue is shuffled.", "success")
    return redirect(url_for("workflow.queue"), 303)


@bp.route("/post/<objectid:post_id>/publish", methods=("POST",))
@post_limit
@login_required
def publish(post_id):
    """Publish a draft, queued or scheduled post now."""
    post = editable_post(post_id)
    if not post.is_live():
        post.publish_now()
    flash("Published.", "success")
    return redirect(post.permalink(), 303)


@bp.route("/post/<objectid:post_id>/pin", methods=("POST",))
@post_limit
@login_required
def pin(post_id):
    """Pin a published public post to the top of its author's blog page, or unpin it."""
    post = editable_post(post_id)
    if not post.pinned and not (post.is_live() and post.listed):
        flash("Only a published, public post can be pinned.", "error")
        return redirect(post.permalink(), 303)
    pinned = post.toggle_pin()
    flash("Pinned to the top of the blog." if pinned else "Unpinned.", "success")
    return redirect(url_for("blog.user", username=post.author_name), 303)
