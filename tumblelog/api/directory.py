"""Tags with their post counts, and bloggers' public profiles."""
from flask import current_app, jsonify

from ..cache import app_cache
from ..models import Post, User
from ..toptags import count_top_tags
from . import ApiError, bp
from .posts import MAX_LIMIT, limit_arg
from .serialise import user_dict


@bp.route("/tags", methods=("GET",))
def list_tags():
    """The most used tags, most used first (ties by name)."""
    limit = limit_arg()
    # The sidebar's aggregation, run once per TOP_TAGS_TTL for the largest page and
    # sliced, so that requests do not each scan every post.
    ttl = current_app.config.get("TOP_TAGS_TTL", 60)
    rows = app_cache().get("api_top_tags", ttl, lambda: count_top_tags(MAX_LIMIT))
    return jsonify(tags=[{"tag": tag, "count": count} for tag, count in rows[:limit]])


@bp.route("/users/<username>", methods=("GET",))
def get_user(username):
    """A blogger's public profile: name, since when, and how many posts they published."""
    user = User.by_username(username[:64])
    if user is None:
        raise ApiError(404, "There is no user with that name.")
    return jsonify(user_dict(user, Post.published().filter(author=user).count()))
