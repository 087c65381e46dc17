"""Webmention's routes: the endpoint other sites post to (advertised on every permalink
by a ``Link`` header and a ``<link rel="webmention">``), and moderators' review of the
mentions the comment policy held. What a mention is and does lives in mentions.py."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .admin import permitted
from .auth import safe_next
from .blog import post_limit
from .extensions import csrf
from .mentions import Mention, Refused, approve, remove, target_post
from .models import Post
from .moderation import record
from .ratelimit import action_limit
from .tasks import enqueue, verify_webmention
from .urls import external_url_for

bp = Blueprint("webmention", __name__)

MAX_REQUEST = 8 * 1024  # two URLs of at most 2,048 characters, encoded, and room
HELD_SHOWN = 50


def plain(text, status):
    return current_app.response_class(text + "\n", status, mimetype="text/plain")


@bp.route("/webmention", methods=("POST",))
@action_limit("webmention", "RATELIMIT_WEBMENTION")
def receive():
    """Take a Webmention (``source``, ``target``): checked now, verified by a background
    job (202), or refused with the reason (400)."""
    request.max_content_length = MAX_REQUEST
    source, target = request.form.get("source", "").strip(), request.form.get("target", "").strip()
    try:
        post = target_post(source, target)
    except Refused as refused:
        return plain(str(refused), 400)
    if not enqueue(verify_webmention, source, target, str(post.id)):
        return plain("The mention could not be queued just now; please send it again later.", 503)
    return plain("Accepted: the mention shows once its source is seen to link here.", 202)


# Other sites post here with no CSRF token; nothing here acts for a signed-in reader.
csrf.exempt(receive)


@bp.after_app_request
def advertise(response):
    """Every permalink names the endpoint in a ``Link`` header (Webmention §3.1.2)."""
    if request.endpoint == "blog.show" and response.status_code == 200:
        response.headers.add("Link", f'<{external_url_for("webmention.receive")}>; rel="webmention"')
    return response


@bp.route("/admin/mentions")
@permitted("moderate")
def held():
    """Mentions the comment policy held, newest first, to approve or remove."""
    mentions = list(Mention.objects(state="held").order_by("-created_at", "-id").limit(HELD_SHOWN))
    return render_template("admin/mentions.html", mentions=mentions)


def mention_for(mention_id):
    """The mention, if the reader may moderate its post's comments (404, 403)."""
    mention = Mention.objects(id=mention_id).first_or_404()
    post = Post.objects(id=mention.post).only("author").first_or_404()
    if not current_user.can("moderate_comments", post):
        abort(403)
    return mention


# What a moderator may do to a mention: the model's action, and what to flash.
ACTIONS = {"approve": (approve, "The mention is shown."), "remove": (remove, "The mention is removed.")}


@bp.route("/mentions/<objectid:mention_id>/approve", methods=("POST",), defaults={"action": "approve"})
@bp.route("/mentions/<objectid:mention_id>/remove", methods=("POST",), defaults={"action": "remove"})
@post_limit
@login_required
def moderate(mention_id, action):
    """Approve a held mention or remove one (the post's author or a moderator); back to
    ``next`` (the queue), else the post."""
    mention = mention_for(mention_id)
    act, message = ACTIONS[action]
    if act(mention):
        record(current_user, f"mention {action}", mention.source)
        flash(message, "info")
    return redirect(safe_next(request.form.get("next") or url_for("blog.show", post_id=mention.post)), 303)
