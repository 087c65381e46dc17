"""When MongoDB is away: a 503 in the site's layout (JSON under ``/api/``), forms that
keep what was typed, and recovery by itself once the database is back.

pymongo raises a ``ConnectionFailure`` (``ServerSelectionTimeoutError``,
``AutoReconnect``, ``NetworkTimeout``, ``NotPrimaryError``...) wherever a request first
touches the database, after at most ``serverSelectionTimeoutMS`` (2 s, see config.py).
One handler catches them all, so every view, the user loader behind ``current_user``
and any lazy query in a template are covered without code of their own. The client
keeps looking for the server in the background: the first request after it is back
succeeds, no restart needed.

A write the database refuses (``WriteError``: a document past 16 MB, say) is answered
the same way, with a 4xx that says nothing was saved and gives the text back.
"""
import logging

from flask import g, render_template, request, url_for
from mongoengine import Document, OperationError
from pymongo.errors import ConnectionFailure, DocumentTooLarge, WriteError
from werkzeug.exceptions import HTTPException

from flask_babel import lazy_gettext as _l
from .errors import render_error, wants_json
from .extensions import login_manager

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
# Server codes for a write that would take a document past 16 MB.
TOO_LARGE_CODES = frozenset({10334, 17419, 17420})
TOO_LARGE = _l("This change would make the post larger than the database allows, so it was not saved.")
REFUSED = _l("The database refused this change, so it was not saved.")
# Never echoed back into a page: the CSRF token goes back hidden, passwords are typed again.
SECRET_FIELDS = frozenset({"password", "confirm"})
HIDDEN_FIELDS = frozenset({"csrf_token"})


def _get_collection_retrying(cls, _original=Document._get_collection.__func__):
    """MongoEngine's ``_get_collection``, but a failed first use is retried.

    MongoEngine caches the collection *before* it creates the indexes, so when the
    database is down on a document's first use the collection stays cached with no
    indexes, and the unique ones that back every uniqueness rule would never be made
    until a restart. Forgetting it on failure makes the next use try again.
    """
    try:
        return _original(cls)
    except ConnectionFailure:
        cls._collection = None
        raise


if not getattr(Document._get_collection, "retries_indexes", False):
    _get_collection_retrying.retries_indexes = True
    Document._get_collection = classmethod(_get_collection_retrying)


def without_loading_user():
    """Render as signed out if the user is not loaded yet: the user loader may be the
    query that just failed, and the page must not wait on the database a second time."""
    if "_login_user" not in g:
        login_manager._update_request_context_with_user(None)


def kept_fields():
    """What the failed POST carried, in order, as (name, label, value, kind) for the
    page that offers to send it again; passwords come back empty."""
    fields = []
    for name, value in request.form.items(multi=True):
        if name in HIDDEN_FIELDS:
            kind = "hidden"
        elif name in SECRET_FIELDS:
            kind, value = "password", ""
        else:
            kind = "textarea" if "\n" in value or len(value) > 120 else "text"
        fields.append((name, name.replace("_", " ").capitalize(), value, kind))
    return fields


def same_url():
    """This request's own URL, built by the router (never a raw, user-sent path)."""
    url = url_for(request.endpoint, **(request.view_args or {}))
    query = request.query_string.decode("utf-8", "replace")
    return f"{url}?{query}" if query else url


def posted_form():
    """The request's form fields, or None when there are none or they cannot be read
    (a body over the size limit raises here when the view failed before reading it)."""
    try:
        return request.form or None
    except HTTPException:
        return None


def not_saved(status, message=None, headers=None):
    """The answer to a write that did not happen: a form comes back with its text in
    it, anything else gets the error page (or JSON) for ``status``."""
    if request.method == "POST" and request.endpoint and not wants_json() and posted_form():
        files = [f.filename for f in request.files.values() if f.filename]
        page = render_template(
            "errors/unsaved.html", fields=kept_fields(), files=files, action=same_url(), status=status, reason=message
        )
        return page, status, headers or {}
    body, status = render_error(status, message)
    return body, status, headers or {}


def database_unavailable(error):
    """503 for any lost connection; a failed form comes back with its text in it."""
    log.warning("database unreachable: %s: %s", type(error).__name__, str(error).splitlines()[0][:300])
    g.database_down = True  # what renders the page asks nothing more of the database
    without_loading_user()
    return not_saved(503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def write_refused(error):
    """413 for a document that would pass 16 MB, 409 for any other refused write.

    MongoEngine wraps pymongo's ``WriteError`` in its ``OperationError`` (keeping it as
    the context); an ``OperationError`` with no database error behind it is a bug: 500.
    """
    refusal = error if isinstance(error, (WriteError, DocumentTooLarge)) else error.__cause__ or error.__context__
    if not isinstance(refusal, (WriteError, DocumentTooLarge)):
        raise error
    too_large = isinstance(refusal, DocumentTooLarge) or getattr(refusal, "code", None) in TOO_LARGE_CODES
    log.warning("write refused: %s: %s", type(refusal).__name__, str(refusal).splitlines()[0][:300])
    return not_saved(413, TOO_LARGE) if too_large else not_saved(409, REFUSED)


def register(app):
    app.register_error_handler(ConnectionFailure, database_unavailable)
    for refused in (WriteError, DocumentTooLarge, OperationError):
        app.register_error_handler(refused, write_refused)
