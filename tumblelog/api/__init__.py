"""The JSON API, version 1, under ``/api/v1``.

Reads are public; writes need a Bearer token from ``POST /api/v1/tokens``. The browser's
session cookie is never read here, so the blueprint is exempt from CSRF: a forged
cross-site request carries no Authorization header and is refused with 401.
"""
import json

from flask import Blueprint, request

from ..errors import json_error
from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

MAX_BODY = 128 * 1024  # a long Markdown post with room to spare; larger bodies get 413


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
    return data


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
