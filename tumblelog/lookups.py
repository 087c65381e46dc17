"""The tag, blogger or post a URL segment names, or a 404: shared by the views that
hang off ``/tag/<tag>/...``, ``/user/<username>/...`` and ``/post/<id>/...``."""
from flask import abort
from flask_login import current_user

from .models import Post, User
from .tags import TagError, parse_tags


def tag_or_404(raw):
    """The normal form of the tag ``raw`` ("Python" → "python"); 404 if it is no tag."""
    try:
        tags = parse_tags([raw])
    except TagError:
        abort(404)
    return tags[0] if tags else abort(404)


def user_or_404(username):
    """The account called ``username`` in any case; 404 if there is none."""
    return User.by_username(username) or abort(404)


def visible_post_or_404(post_id, exclude=()):
    """The post, if the signed-in user (or a reader) may see it; 404 otherwise, also for
    a draft or a private post: for them it does not exist."""
    post = Post.objects(id=post_id).exclude(*exclude).first()
    if post is None or not post.visible_to(current_user):
        abort(404)
    return post
