"""Security headers on every response.

The Content-Security-Policy is the second wall behind escaping and sanitising: even
if some markup slipped through, the browser runs no inline script, loads no plugin,
frames only the two video players, and sends forms only to this site. Templates keep
to it by carrying no inline ``<script>``, ``style`` attribute or ``on*`` handler.
"""
from flask import current_app, session

from .embeds import PLAYER_ORIGINS

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Image posts may show an image by its https link; uploads are served from here.
        "img-src 'self' https:",
        "frame-src " + " ".join(PLAYER_ORIGINS),
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # Other sites learn that a reader came from this blog, not which page.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # For browsers that predate frame-ancestors.
    "X-Frame-Options": "SAMEORIGIN",
}


def set_security_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["HSTS_SECONDS"]:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={current_app.config['HSTS_SECONDS']}")
    # A signed-in reader's page shows their name, follows and likes: no shared cache may
    # keep it, nor the browser's disk. (``_user_id`` is where Flask-Login keeps the id;
    # read from the session, no query.) Responses that chose their own caching, such as
    # static files and feeds, which are the same for everyone, keep it.
    if session.get("_user_id") and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def register(app):
    app.after_request(set_security_headers)
