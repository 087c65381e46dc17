"""Error pages in the site's layout, and JSON errors for API clients."""
from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from pymongo.errors import ConnectionFailure
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    403: ("Not allowed", "You can only change your own posts."),
    404: ("Not found", "There is no page here. It may have been deleted, or the link is mistyped."),
    405: ("Method not allowed", "This page does not accept that kind of request."),
    413: ("Too large", "What you sent is larger than this blog accepts."),
    429: ("Slow down", "Too many requests; please wait a moment and try again."),
    500: ("Something went wrong", "The error is logged. Please try again in a moment."),
    501: ("Not offered", "This blog does not offer that."),
    503: ("Back soon", "The blog cannot reach its database right now. Please try again shortly."),
}


def wants_json():
    """API paths and clients that prefer JSON get JSON errors."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def json_error(status, message, fields=None, headers=None):
    """The JSON error every API client gets: ``{"error": {"status", "message", "fields"}}``."""
    error = {"status": status, "message": message}
    if fields:
        error["fields"] = fields
    response = jsonify(error=error)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def render_error(status, message=None):
    """The error page (or JSON body) for ``status``."""
    title, default = MESSAGES.get(status, MESSAGES[500])
    message = message or default
    if wants_json():
        return json_error(status, message), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register(app):
    """Route every HTTP error we know to ``render_error``."""

    def handle_http(error):
        # abort(404) carries Werkzeug's generic text; show ours unless a view said more.
        custom = error.description if error.description != type(error).description else None
        try:
            body, status = render_error(error.code, custom)
        except ConnectionFailure as lost:
            # The page loads the signed-in reader: with the database gone, say that instead
            # (a view that 404s before any query, such as /oembed, gets here).
            from .outage import database_unavailable

            return database_unavailable(lost)
        # A 405 must say which methods the URL does take.
        allowed = getattr(error, "valid_methods", None)
        return body, status, {"Allow": ", ".join(allowed)} if allowed else {}

    for status in MESSAGES:
        if status != 500:
            app.register_error_handler(status, handle_http)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400, "This form has expired or was sent from another site. Go back, reload the page and send it again."
        )

    @app.errorhandler(SecurityError)
    def untrusted_host(error):
        # A Host header not in TRUSTED_HOSTS: Flask refused it before routing, so there is
        # no URL adapter and the site's layout (full of url_for) cannot be drawn.
        return "This site does not answer for that host name.", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(InternalServerError)
    def internal_error(error):
        return render_error(500)

    @app.errorhandler(HTTPException)
    def other_http(error):
        return render_error(error.code or 500, error.description)
