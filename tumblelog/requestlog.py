"""Request logging: one line per request (method, path, status, duration, request id),
the request id in the ``X-Request-ID`` response header, full tracebacks for 500s (Flask
logs them on ``app.logger``, which is the ``tumblelog`` logger configured here), and the
level from ``LOG_LEVEL``.

A sane ``X-Request-ID`` from a reverse proxy is kept, so one id follows a request
through the proxy's log and ours; anything else is replaced by a fresh one.
"""
import logging
import re
import sys
import time
import uuid

from flask import g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and . _ : - only: an id is written into log lines, so no spaces,
# newlines or quotes that could forge or break one.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

log = logging.getLogger("tumblelog.requests")

# What could end a log line early or forge another: C0 and C1 controls (newlines, escape
# sequences for terminals), DEL, Unicode's line and paragraph separators, and the
# backslash itself, so that an escape in the output always means one was made here.
_UNSAFE_IN_LOG = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\\\\]")


def escape_log_text(text):
    """``text`` with every character that could break or forge a log line written as a
    Python-style escape (a newline becomes ``\\n``)."""
    return _UNSAFE_IN_LOG.sub(lambda match: repr(match.group())[1:-1], text)


class EscapingFormatter(logging.Formatter):
    """Escapes each record's message (its arguments come from requests: a path with
    ``%0a`` in it must not start a new line). Tracebacks, added after, stay readable."""

    def formatMessage(self, record):
        record.message = escape_log_text(record.message)
        return super().formatMessage(record)


class RequestIdFilter(logging.Filter):
    """Stamp every record with the current request's id ("-" outside a request)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class StderrHandler(logging.StreamHandler):
    """Writes to ``sys.stderr`` as it is when a record comes: servers and test runners
    swap it after the app is made."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def configure_logging(app):
    """Send the ``tumblelog`` loggers (``app.logger`` among them) to stderr at
    ``LOG_LEVEL``. Call before anything touches ``app.logger``, so that Flask does not
    add its own handler as well."""
    name = str(app.config.get("LOG_LEVEL") or "INFO").strip().upper()
    if name not in LEVELS:
        raise RuntimeError(f"LOG_LEVEL={name!r} is not one of: {', '.join(LEVELS)}")
    logger = logging.getLogger("tumblelog")
    logger.setLevel(name)
    if not any(isinstance(handler, StderrHandler) for handler in logger.handlers):
        handler = StderrHandler()
        handler.setFormatter(EscapingFormatter(FORMAT))
        handler.addFilter(RequestIdFilter())
        logger.addHandler(handler)


def start_request():
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def log_request(response):
    """The request's one log line; health checks polled every few seconds only at DEBUG."""
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("request_started")
    duration_ms = (time.perf_counter() - started) * 1000 if started else 0.0
    status = response.status_code
    if status >= 500:
        level = logging.ERROR if status == 500 else logging.WARNING
    elif request.endpoint == "health.healthz":
        level = logging.DEBUG
    else:
        level = logging.INFO
    log.log(level, "%s %s %s %.1fms", request.method, request.path, status, duration_ms,
            extra={"request_id": request_id})
    return response


def register(app):
    configure_logging(app)
    # First of all before_request functions: the id and the clock must be set even when
    # a later one (the CSRF check) ends the request early.
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)
    app.after_request(log_request)
