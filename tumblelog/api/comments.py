"""A post's comments: read them, or add one as the token's user."""
from flask import g, jsonify, url_for
from werkzeug.datastructures import MultiDict

from ..extensions import limiter
from ..forms import CommentForm
from ..models import Comment, Post
from ..ratelimit import TOO_MANY_COMMENTS, config_limit
from . import ApiError, bp, check_fields, json_object
from .serialise import comment_dict
from .tokens import api_reader, token_required


def post_or_404(post_id, *fields, exclude=()):
    """The post with ``fields`` loaded (all when none are named, less ``exclude``), if
    the reader may see it: a draft or a private post of someone else's is a 404 too."""
    posts = Post.objects(id=post_id)
    posts = posts.only(*fields, *Post.VISIBILITY_FIELDS) if fields else posts.exclude(*exclude)
    post = posts.first()
    if post is None or not post.visible_to(api_reader()):
        raise ApiError(404, "There is no post with that id.")
    return post


@bp.route("/posts/<objectid:post_id>/comments", methods=("GET",))
def list_comments(post_id):
    """All of a post's comments, oldest first."""
    post = post_or_404(post_id, "comments")
    return jsonify(comments=[comment_dict(comment) for comment in post.comments])


@bp.route("/posts/<objectid:post_id>/comments", methods=("POST",))
# The site's comment limit, per address, whichever way the comment comes in.
@limiter.limit(config_limit("RATELIMIT_COMMENT"), override_defaults=False, error_message=TOO_MANY_COMMENTS)
@token_required
def add_comment(post_id):
    """Comment as the token's user: ``{"body": "…"}``, checked by the HTML comment form."""
    post = post_or_404(post_id, "id")
    data = json_object()
    check_fields(data, {"body"})
    form = CommentForm(formdata=MultiDict(data), meta={"csrf": False})
    if not form.validate():
        raise ApiError(400, "Some fields are not valid.", {name: list(errors) for name, errors in form.errors.items()})
    comment = Comment(body=form.body.data, author=g.api_user, author_name=g.api_user.username)
    if not post.add_comment(comment):
        raise ApiError(404, "There is no post with that id.")
    headers = {"Location": url_for("api.list_comments", post_id=post.id)}
    return jsonify(comment_dict(comment)), 201, headers
