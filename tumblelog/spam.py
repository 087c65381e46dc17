"""Comment spam without captchas: a honeypot field, a minimum time to write, and a
form that posts one comment.

People never see the honeypot (it is moved off screen and hidden from screen
readers), so text in it means a form-filling bot. The comment form also carries the
time it was rendered and a random nonce, signed so neither can be forged; a comment
posted sooner than ``COMMENT_MIN_SECONDS`` after that was not typed by a person, and
a token that already posted a comment (``SpentFormToken``) or is older than
``COMMENT_FORM_MAX_AGE`` is a replay. Either way the comment is dropped quietly: the
bot gets the same answer as a real comment, so it learns nothing to adapt to.
"""
import secrets
import time
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from .models import SpentFormToken, utcnow

HONEYPOT_FIELD = "website"


def clock():
    """Seconds since the epoch (a function, so tests can move time on)."""
    return time.time()


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="comment-form-time")


def form_time_token():
    """The signed render time and nonce that the comment form carries."""
    return _serializer().dumps([int(clock()), secrets.token_urlsafe(12)])


def is_spam(form):
    """True when a comment form was filled in by a bot or sent again (see the module
    docstring). Spends the form's token: call it once, for a comment about to be kept."""
    if form[HONEYPOT_FIELD].data:
        return True
    minimum = current_app.config["COMMENT_MIN_SECONDS"]
    if minimum <= 0:
        return False
    try:
        rendered, nonce = _serializer().loads(form.rendered.data or "")
    except (BadSignature, TypeError, ValueError):
        return True
    if not (isinstance(rendered, int) and isinstance(nonce, str)):
        return True
    age, max_age = clock() - rendered, current_app.config["COMMENT_FORM_MAX_AGE"]
    if not minimum <= age <= max_age:
        return True
    # Remembered for as long as the token could still be accepted.
    return not SpentFormToken.spend(nonce, utcnow() + timedelta(seconds=max_age - age))
