"""Likes through the API: the token's user likes a post, or takes the like back."""
from flask import g, jsonify, request

from ..models import Post
from ..moderation import Blocked, refuse_if_blocked
from ..ratelimit import action_limit
from . import ApiError, bp, json_object
from .comments import post_or_404
from .tokens import token_required


def wanted(post_id):
    """``{"liked": true|false}`` sets the state (a retried request does no harm); an
    empty body toggles it, as the HTML like button does."""
    if not request.content_length:
        return not g.api_user.likes(post_id)
    data = json_object()
    if set(data) != {"liked"} or not isinstance(data["liked"], bool):
        raise ApiError(400, "Send {\"liked\": true} or {\"liked\": false}, or no body to toggle.",
                       {"liked": ["Must be true or false."]})
    return data["liked"]


@bp.route("/posts/<objectid:post_id>/like", methods=("POST",))
@action_limit("like", "RATELIMIT_LIKE")
@token_required
def toggle_like(post_id):
    """Like or unlike a post; answer whether it is liked now and its like count."""
    post = post_or_404(post_id, "id", "author")
    liked = wanted(post_id)
    if liked:
        try:
            refuse_if_blocked(post, g.api_user)
        except Blocked as blocked:
            raise ApiError(403, str(blocked)) from None
    (g.api_user.like if liked else g.api_user.unlike)(post_id)
    post = Post.objects(id=post_id).only("like_count").first()
    if post is None:
        raise ApiError(404, "There is no post with that id.")
    return jsonify(liked=liked, like_count=post.like_count)
