"""Comment spam without captchas: a honeypot field and a minimum time to write.

People never see the honeypot (it is moved off screen and hidden from screen
readers), so text in it means a form-filling bot. The comment form also carries the
time it was rendered, signed so it cannot be forged; a comment posted sooner than
``COMMENT_MIN_SECONDS`` after that was not typed by a person. Either way the comment
is held for a moderator to review (a person may have been caught), and the bot gets
the same answer as a real comment, so it learns nothing to adapt to. Signed-in
readers are never timed: a quick reply from an account is a person's.
"""
import time

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

HONEYPOT_FIELD = "website"


def clock():
    """Seconds since the epoch (a function, so tests can move time on)."""
    return time.time()


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="comment-form-time")


def form_time_token():
    """The signed render time that the comment form carries."""
    return _serializer().dumps(int(clock()))


def is_spam(form, signed_in=False):
    """True when a comment form looks filled in by a bot (see the module docstring)."""
    if form[HONEYPOT_FIELD].data:
        return True
    minimum = current_app.config["COMMENT_MIN_SECONDS"]
    if minimum <= 0 or signed_in:
        return False
    try:
        rendered = _serializer().loads(form.rendered.data or "")
    except BadSignature:
        return True
    return not isinstance(rendered, int) or clock() - rendered < minimum
