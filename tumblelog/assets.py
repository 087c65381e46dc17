"""Cache-busted, minified static files.

Every ``url_for("static", filename=...)`` gains ``?v=<hash of the file's content>``, so
templates need nothing special: a changed file gets a new URL at once, and a request
for the current version may be cached by browsers for a year.

Stylesheets and scripts are served minified (rcssmin, rjsmin), made from the source in
``static/`` the first time each version is asked for and kept in memory: there is no
build step to forget, and the source stays readable.
"""
import hashlib
import os
from functools import lru_cache

import rcssmin
import rjsmin
from flask import request, send_from_directory
from werkzeug.security import safe_join

ONE_YEAR = 365 * 24 * 3600
MINIFIERS = {".css": (rcssmin.cssmin, "text/css"), ".js": (rjsmin.jsmin, "text/javascript")}


@lru_cache(maxsize=256)
def _content_hash(path, mtime_ns, size):
    # Keyed on mtime and size as well: an edited file (in development) is hashed again.
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:12]


def static_version(app, filename):
    """A short hash of the static file's content, or None if there is no such file."""
    path = safe_join(app.static_folder, filename)
    try:
        stat = os.stat(path) if path else None
    except OSError:
        return None
    if stat is None or not os.path.isfile(path):
        return None
    return _content_hash(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _minified(path, mtime_ns, size):
    # Keyed like _content_hash: an edited file is minified again.
    with open(path, encoding="utf-8") as f:
        source = f.read()
    minify, mimetype = MINIFIERS[os.path.splitext(path)[1]]
    return minify(source).encode(), mimetype


def static_file(app, filename):
    """The static view: a stylesheet or script minified, anything else as it is."""
    path = safe_join(app.static_folder, filename)
    if path is None or os.path.splitext(path)[1] not in MINIFIERS or not os.path.isfile(path):
        return send_from_directory(app.static_folder, filename)
    stat = os.stat(path)
    body, mimetype = _minified(path, stat.st_mtime_ns, stat.st_size)
    response = app.response_class(body, mimetype=mimetype)
    response.set_etag(_content_hash(path, stat.st_mtime_ns, stat.st_size))
    response.last_modified = stat.st_mtime
    return response.make_conditional(request)


def register(app):
    app.view_functions["static"] = lambda filename: static_file(app, filename)

    @app.url_defaults
    def version_static_urls(endpoint, values):
        if endpoint == "static" and "v" not in values:
            version = static_version(app, values.get("filename", ""))
            if version:
                values["v"] = version

    @app.after_request
    def cache_versioned_static(response):
        """The current version of a file never changes under its URL: keep it a year."""
        if (
            request.endpoint == "static"
            and response.status_code == 200
            and request.args.get("v")
            and request.args.get("v") == static_version(app, request.view_args.get("filename", ""))
        ):
            response.cache_control.public = True
            response.cache_control.max_age = ONE_YEAR
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        return response
