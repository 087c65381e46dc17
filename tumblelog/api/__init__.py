"""The JSON API, version 1, under ``/api/v1``.

Reads are public; writes need a Bearer token from ``POST /api/v1/tokens``. The browser's
session cookie is never read here, so the blueprint is exempt from CSRF: a forged
cross-site request carries no Authorization header and is refused with 401.
"""
import json
import re

from flask import Blueprint, request

from ..errors import json_error
from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

MAX_BODY = 128 * 1024  # a long Markdown post with room to spare; larger bodies get 413
# JSON's "\ud800" escapes decode to lone UTF-16 surrogates: not text, and unencodable as
# UTF-8, so BSON and every page showing them would fail. (Forms cannot carry them:
# Werkzeug decodes form data as UTF-8 and replaces what is not.)
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class ApiError(Exception):
    """An error the client can fix: sent as ``{"error": {"status", "message", "fields"}}``."""

    def __init__(self, status, message, fields=None, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields
        self.headers = headers or {}


@bp.errorhandler(ApiError)
def api_error(error):
    return json_error(error.status, error.message, error.fields, error.headers)


@bp.before_request
def limit_body():
    # Flask reads this per request, so the HTML side keeps its own (upload) limit.
    request.max_content_length = MAX_BODY


def json_object():
    """The request body as a JSON object, or an ``ApiError`` saying what is wrong with it."""
    if not request.is_json:
        raise ApiError(415, "Send a JSON body with Content-Type: application/json.")
    try:
        data = json.loads(request.get_data())
    except (ValueError, RecursionError):
        # ValueError covers bad JSON and bad UTF-8; RecursionError, "[[[[…" nested too deep.
        raise ApiError(400, "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object.")
    if has_surrogate(data):
        raise ApiError(400, "The body contains a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text.")
    return data


def has_surrogate(value):
    """True if any string in the decoded JSON ``value`` (keys too) has a lone surrogate.
    A loop, not recursion: the document may be nested as deep as the parser allowed."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def check_fields(data, allowed, lists=()):
    """Refuse unknown keys, and values that are not strings (or, for ``lists``, a list
    of strings). Operator-shaped input such as ``{"$ne": null}`` stops here."""
    fields = {}
    for name, value in data.items():
        if name not in allowed:
            fields[name] = ["Unknown field."]
        elif isinstance(value, str):
            continue
        elif name in lists and isinstance(value, list) and all(isinstance(v, str) for v in value):
            continue
        else:
            fields[name] = ["Must be a list of strings." if name in lists else "Must be a string."]
    if fields:
        raise ApiError(400, "Some fields are not valid.", fields)


from . import comments, directory, likes, limits, notes, openapi, posts, tokens  # noqa: E402,F401  (routes register on bp)
