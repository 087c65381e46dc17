"""Tags with their post counts, and bloggers' public profiles."""
from flask import jsonify

from ..models import Post, User
from . import ApiError, bp
from .posts import limit_arg
from .serialise import user_dict


@bp.route("/tags", methods=("GET",))
def list_tags():
    """The most used tags, most used first (ties by name)."""
    pipeline = [
        {"$project": {"tags": 1}},
        {"$unwind": "$tags"},
        {"$group": {"_id": "$tags", "count": {"$sum": 1}}},
        {"$sort": {"count": -1, "_id": 1}},
        {"$limit": limit_arg()},
    ]
    rows = Post.objects.aggregate(pipeline)
    return jsonify(tags=[{"tag": row["_id"], "count": row["count"]} for row in rows])


@bp.route("/users/<username>", methods=("GET",))
def get_user(username):
    """A blogger's public profile: name, since when, and how many posts."""
    user = User.by_username(username[:64])
    if user is None:
        raise ApiError(404, "There is no user with that name.")
    return jsonify(user_dict(user, Post.objects(author=user).count()))
