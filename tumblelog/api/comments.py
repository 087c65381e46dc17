"""A post's comments: read them a page at a time, or add one as the token's user."""
from flask import g, jsonify, request, url_for
from werkzeug.datastructures import MultiDict

from ..forms import CommentForm
from ..models import MAX_COMMENTS, Comment, CommentsClosed, Post
from ..moderation import Blocked, submit_comment
from ..ratelimit import TOO_MANY_COMMENTS, action_limit
from . import ApiError, bp, check_fields, json_object
from .posts import limit_arg
from .serialise import comment_dict
from .tokens import api_reader, token_required


def post_or_404(post_id, *fields, exclude=()):
    """The post with ``fields`` loaded (all when none are named, less ``exclude``), if
    the reader may see it: a draft or a private post of someone else's is a 404 too."""
    posts = Post.objects(id=post_id)
    posts = posts.only(*fields, *Post.VISIBILITY_FIELDS) if fields else posts.exclude(*exclude)
    return visible_or_404(posts.first())


def visible_or_404(post):
    """``post`` if it exists for the reader; else the 404 an unknown id gets."""
    if post is None or not post.visible_to(api_reader()):
        raise ApiError(404, "There is no post with that id.")
    return post


def comments_page(post_id, skip, limit):
    """The post with only its comments ``skip`` to ``skip + limit`` (one query), and
    that page as the API shows it: ``{"comments", "next_cursor", "next"}``."""
    post = visible_or_404(Post.with_comments(post_id, skip, limit))
    end = skip + len(post.comments)
    # The cursor is the position to go on from: comments are only ever appended, so
    # it stays good while the thread grows (a deleted comment shifts it by one).
    next_cursor = str(end) if end < post.comment_count else None
    page = {
        "comments": [comment_dict(comment) for comment in post.comments],
        "next_cursor": next_cursor,
        "next": url_for("api.list_comments", post_id=post_id, limit=request.args.get("limit"), cursor=next_cursor)
        if next_cursor else None,
    }
    return post, page


@bp.route("/posts/<objectid:post_id>/comments", methods=("GET",))
def list_comments(post_id):
    """A post's comments, oldest first, ``limit`` at a time; ``next`` goes on, or is null."""
    limit = limit_arg()
    raw = request.args.get("cursor", "0")
    if not (raw.isascii() and raw.isdigit() and int(raw) < MAX_COMMENTS):
        raise ApiError(400, "Not a cursor from this API.", {"cursor": ["Use the next_cursor of a page."]})
    return jsonify(comments_page(post_id, int(raw), limit)[1])


@bp.route("/posts/<objectid:post_id>/comments", methods=("POST",))
# The site's comment counters: one count whichever way the comment comes in.
@action_limit("comment", "RATELIMIT_COMMENT", TOO_MANY_COMMENTS)
@token_required
def add_comment(post_id):
    """Comment as the token's user: ``{"body": "…"}``, checked by the HTML comment form."""
    post = post_or_404(post_id, "id", "author")
    data = json_object()
    check_fields(data, {"body"})
    form = CommentForm(formdata=MultiDict(data), meta={"csrf": False})
    if not form.validate():
        raise ApiError(400, "Some fields are not valid.", {name: list(errors) for name, errors in form.errors.items()})
    comment = Comment(body=form.body.data, author=g.api_user, author_name=g.api_user.username)
    try:
        held, added = submit_comment(post, comment)
    except CommentsClosed as closed:
        raise ApiError(409, str(closed)) from None
    except Blocked as blocked:
        raise ApiError(403, str(blocked)) from None
    if not added:
        raise ApiError(404, "There is no post with that id.")
    headers = {"Location": url_for("api.list_comments", post_id=post.id)}
    # 202: accepted, waiting for review (comment_dict says "state": "held").
    return jsonify(comment_dict(comment)), 202 if held else 201, headers
