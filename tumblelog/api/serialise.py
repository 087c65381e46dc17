"""Posts, comments and users as JSON: one shape for each, used by every endpoint."""
from datetime import timezone

from flask import request, url_for

from ..cards import ListedPost, kept


def iso(moment):
    """A stored datetime as ISO 8601 in UTC with a ``Z`` (MongoDB keeps milliseconds)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def post_dict(post):
    """A post as the API shows it; a ``ListedPost``'s once per stored version."""
    if isinstance(post, ListedPost):
        # The URLs in it are absolute: on this request's address.
        return kept(("api", request.url_root, post.version), lambda: _post_dict(post))
    return _post_dict(post)


def _post_dict(post):
    data = {
        "id": str(post.id),
        "type": post.type,
        "author": post.author_name,
        "created_at": iso(post.created_at),
        "updated_at": iso(post.updated_at),
        "tags": list(post.tags),
        "labels": list(post.labels or []),
        "comment_count": post.comment_count,
        "like_count": post.like_count,
        "reblog_count": post.reblog_count,
        "note_count": post.note_count,
        "url": post.permalink(_external=True),
        "state": post.current_state,
        "visibility": post.visibility,
        "published_at": iso(post.published_at) if post.published_at else None,
        "slug": post.slug,
    }
    for name in post.api_fields:  # each type's own, as its class declares them
        value = post.api_value(name)
        data[name] = "" if value is None else value
    return data


def comment_dict(comment):
    return {
        "id": str(comment.id),
        "author": comment.author_name,
        "body": comment.body,
        "state": comment.state or "published",
        "created_at": iso(comment.created_at),
    }


# The profile a blogger sets on /settings, by the settings form's names.
PROFILE_FIELDS = ("display_name", "bio", "blog_title", "blog_description")


def user_dict(user, post_count):
    avatar = user.avatar_large and url_for("media.file", file_id=user.avatar_large, _external=True)
    return {
        "username": user.username,
        "created_at": iso(user.created_at),
        "post_count": post_count,
        "url": url_for("blog.user", username=user.username, _external=True),
        **{name: getattr(user, name) or "" for name in PROFILE_FIELDS},
        "avatar_url": avatar or None,
    }
