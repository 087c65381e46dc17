"""Reblogs, notes and notifications through the API, with the forms' field names."""
from flask import g, jsonify, request, url_for

from ..models import Post
from ..notes import Note, Notification, Reblog, ReblogRefused, root_of
from . import ApiError, bp, json_object
from .comments import visible_or_404
from .posts import MAX_LIMIT, limit_arg, stored, validated_form
from .serialise import iso
from ..ratelimit import action_limit
from .tokens import token_required


def offset_arg():
    """``?cursor=``: the ``next_cursor`` of the previous page (an offset), else 0.
    These lists take ``limit`` and ``cursor`` only: anything else is a 400."""
    unknown = set(request.args) - {"limit", "cursor"}
    if unknown:
        raise ApiError(400, "Unknown query parameters.", {name[:64]: ["Unknown parameter."] for name in unknown})
    raw = request.args.get("cursor", "0")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 5 and int(raw) <= 100 * MAX_LIMIT):
        raise ApiError(400, "Not a cursor from this API.", {"cursor": ["Use the next_cursor of a page."]})
    return int(raw)


def page(items, offset, limit, endpoint, **args):
    """``(items on this page, next_cursor, next)`` from ``limit + 1`` fetched items."""
    more = len(items) > limit
    next_cursor = str(offset + limit) if more else None
    next_url = url_for(endpoint, **args, limit=limit, cursor=next_cursor) if more else None
    return items[:limit], next_cursor, next_url


@bp.route("/posts/<objectid:post_id>/reblog", methods=("POST",))
@token_required
@action_limit("reblog", "RATELIMIT_REBLOG")
def reblog_post(post_id):
    """Reblog a post onto the token user's blog with an optional ``comment`` and ``tags``."""
    if not g.api_user.can("post"):
        raise ApiError(403, "Your account may comment, like and follow, but not post.")
    source = visible_or_404(Post.objects(id=post_id).exclude("comments", "search_terms").first())
    try:
        post = Reblog.of(source, g.api_user)
    except ReblogRefused as error:
        raise ApiError(409, str(error)) from None
    form = validated_form(Reblog, json_object())
    form.apply_to(post)
    return stored(post, form, 201)


def note_dict(note):
    data = {"kind": note.kind, "actor": note.actor_name, "post": str(note.post), "created_at": iso(note.created_at)}
    if note.kind == "reblog":
        data.update(reblog=str(note.reblog), reblogged_from=note.from_name)
    elif note.kind == "webmention":
        data.update(url=note.url, excerpt=note.excerpt or "")
    return data


@bp.route("/posts/<objectid:post_id>/notes", methods=("GET",))
def list_notes(post_id):
    """The notes (likes, reblogs, comments, webmentions) of the post's trail, newest first."""
    post = visible_or_404(Post.objects(id=post_id).only("id", "reblog_of", *Post.VISIBILITY_FIELDS).first())
    limit, offset = limit_arg(), offset_arg()
    found = list(Note.objects(root=root_of(post)).order_by("-created_at", "-id").skip(offset).limit(limit + 1))
    notes, next_cursor, next_url = page(found, offset, limit, "api.list_notes", post_id=post_id)
    return jsonify(notes=[note_dict(note) for note in notes], next_cursor=next_cursor, next=next_url)


def notification_dict(notification):
    return {
        "id": str(notification.id),
        "kind": notification.kind,
        "text": f"{notification.who} {notification.verb}",
        "actors": list(notification.actors),
        "count": notification.count,
        "post": str(notification.post) if notification.post else None,
        "url": url_for("blog.show", post_id=notification.link, _external=True) if notification.link else None,
        "read": notification.read,
        "updated_at": iso(notification.updated_at),
    }


@bp.route("/notifications", methods=("GET",))
@token_required
def list_notifications():
    """The token user's notifications, newest first; reading them does not mark them read."""
    limit, offset = limit_arg(), offset_arg()
    found = Notification.for_reader(g.api_user, offset, limit + 1)
    items, next_cursor, next_url = page(found, offset, limit, "api.list_notifications")
    return jsonify(notifications=[notification_dict(n) for n in items], unread_count=g.api_user.unread_count,
                   next_cursor=next_cursor, next=next_url)


@bp.route("/notifications/read", methods=("POST",))
@token_required
def mark_notifications_read():
    """Mark every notification of the token user read."""
    Notification.mark_read(g.api_user)
    return jsonify(unread_count=0)


@bp.route("/notifications/<objectid:notification_id>/read", methods=("POST",))
@token_required
def mark_notification_read(notification_id):
    """Mark one notification of the token user read (404 if it is not theirs)."""
    if not Notification.mark_one_read(g.api_user, notification_id):
        raise ApiError(404, "There is no notification of yours with that id.")
    return jsonify(unread_count=g.api_user.unread_count)

