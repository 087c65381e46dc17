"""The tag or blogger a URL segment names, or a 404: shared by the views that hang
off ``/tag/<tag>/...`` and ``/user/<username>/...``."""
from flask import abort

from .models import User
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
