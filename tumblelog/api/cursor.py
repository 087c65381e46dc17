"""Opaque keyset cursors: the (created_at, id) of the last post on a page.

Keyset pagination neither skips nor repeats posts when new ones arrive meanwhile (new
posts sort before the cursor), and each page costs one index range scan however deep
it is, which ``skip()`` does not.
"""
import base64
import binascii
import re
from datetime import datetime, timedelta, timezone

from bson import ObjectId
from mongoengine.queryset.visitor import Q

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_CURSOR = re.compile(r"^(\d{1,15})\.([0-9a-f]{24})$")


def encode(post):
    """The cursor that continues after ``post``."""
    created = post.created_at.replace(tzinfo=post.created_at.tzinfo or timezone.utc)
    millis = (created - EPOCH) // timedelta(milliseconds=1)  # integers: floats round
    raw = f"{millis}.{post.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor):
    """(created_at, id) from a cursor; ValueError if it is not one this API made."""
    if len(cursor) > 64 or not re.fullmatch(r"[A-Za-z0-9_-]+", cursor):
        raise ValueError("bad cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError("bad cursor") from None
    match = _CURSOR.match(raw)
    if not match:
        raise ValueError("bad cursor")
    try:
        moment = EPOCH + timedelta(milliseconds=int(match[1]))
    except OverflowError:
        raise ValueError("bad cursor") from None
    return moment, ObjectId(match[2])


def after(cursor):
    """The query for posts that come after ``cursor`` in (-created_at, -id) order."""
    moment, post_id = decode(cursor)
    return Q(created_at__lt=moment) | Q(created_at=moment, id__lt=post_id)
