"""Caching: a tiny in-process cache whose entries expire after a few seconds, and
responses that clients revalidate with ``ETag`` / ``Last-Modified`` (feeds, sitemaps,
and the pages signed-out readers see).

For values that are costly to compute and fine to show slightly stale, such as the
top tags. Each app has its own store (tests build many apps); each worker process
has its own copy, so a value is at most ``ttl`` seconds old in every worker.
"""
import functools
import hashlib
import threading
import time
from pathlib import Path

from flask import Response, current_app, make_response, request, session
from flask_login import current_user
from werkzeug.http import is_resource_modified

from .urls import site_root


class TTLCache:
    """``get(key, ttl, compute)``: the cached value, or ``compute()`` when it is older
    than ``ttl`` seconds. Threads share one store; a lock guards it."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._entries = {}

    def get(self, key, ttl, compute):
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
        if entry and now - entry[0] < ttl:
            return entry[1]
        # Computed outside the lock: a slow query must not block readers of other keys.
        # Two threads may both compute on expiry; both results are good.
        value = compute()
        with self._lock:
            self._entries[key] = (now, value)
        return value

    def forget(self, key):
        """Drop ``key``: the next ``get`` computes it afresh (after its source changed)."""
        with self._lock:
            self._entries.pop(key, None)

    def clear(self):
        with self._lock:
            self._entries.clear()


def app_cache():
    """The current app's cache."""
    return current_app.extensions.setdefault("tumblelog_cache", TTLCache())


def conditional_response(etag, last_modified, build, mimetype, max_age):
    """A response that readers and crawlers may revalidate cheaply.

    ``etag`` and ``last_modified`` describe the content; ``build()`` makes its body and
    runs only when the client's copy (``If-None-Match`` / ``If-Modified-Since``) is
    stale. Flask-Compress appends the encoding to a strong ETag (``"abc:br"``), so the
    client may send that form back: it matches too.
    """
    if client_has(etag, last_modified):
        response = Response(status=304)
    else:
        response = Response(build(), mimetype=mimetype)
    response.set_etag(etag)
    response.last_modified = last_modified
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response


def client_has(etag, last_modified=None):
    """Whether the request's ``If-None-Match`` (or, without one, ``If-Modified-Since``)
    says the client holds this version. Flask-Compress appends the encoding to a strong
    ETag (``"abc:br"``), so the client may send that form back: it matches too."""
    sent = request.if_none_match
    if sent:  # If-None-Match, when sent, decides alone (RFC 9110, 13.2.2)
        return sent.star_tag or any(tag.partition(":")[0] == etag for tag in sent.as_set())
    return bool(last_modified) and not is_resource_modified(request.environ, last_modified=last_modified)


@functools.lru_cache(maxsize=1)
def code_version():
    """A digest of the package's files (code, templates, static files, catalogues): a
    deployment that changes how any page looks changes every page's ETag."""
    root = Path(__file__).parent
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def app_version(app):
    """``code_version`` and the app's plain settings (page sizes, names...), once per app."""
    if "page_version" not in app.extensions:
        plain = (str, int, float, bool, type(None), tuple, list)
        settings = sorted((key, value) for key, value in app.config.items() if isinstance(value, plain))
        app.extensions["page_version"] = hashlib.blake2b(
            f"{code_version()}|{settings!r}".encode(), digest_size=16
        ).hexdigest()
    return app.extensions["page_version"]


# A signed-out page may carry tokens that stay good for days, not forever (the comment
# form's signed render time, COMMENT_FORM_MAX_AGE): a kept copy is renewed daily.
TOKEN_DAY = 24 * 3600


def page_key(version):
    """What a page showing ``version`` (``cards.version_of``) looks like to every reader
    of this request's kind, beyond their cookies: the code and settings, the URL (its
    links keep the query's other arguments) and the host its absolute links name, the
    site's title and description (site settings, kept in the database), the page's
    language, and the day."""
    from .i18n import page_locale
    from .moderation import SiteSettings  # moderation keeps its settings in this cache

    return "|".join([
        app_version(current_app._get_current_object()), version, request.url, site_root(),
        SiteSettings.shown().page_stamp, str(page_locale()), str(int(time.time() // TOKEN_DAY)),
    ])


def page_etag(version):
    """The ETag of a signed-out page showing ``version`` (``cards.version_of``) to this
    request: ``page_key``, and the reader's languages and cookies (a choice kept in
    one) and the session's CSRF secret (a form on the page carries a token made from it)."""
    cookies = sorted((name, value) for name, value in request.cookies.items()
                     if name != current_app.config["SESSION_COOKIE_NAME"])
    parts = [page_key(version), request.headers.get("Accept-Language", ""), repr(cookies),
             repr(session.get("csrf_token"))]
    return hashlib.blake2b("|".join(parts).encode(), digest_size=16).hexdigest()


def revalidated_page(render, version, shared=False, reader=None):
    """``render()``'s page with an ``ETag``, or ``304 Not Modified`` when the client
    already holds it: for signed-out readers, whose pages are the same for all (no
    per-reader form; see reader/_macros.html), with no message waiting to be shown.
    Signed-in pages are answered in full: they carry the reader's own buttons and
    tokens. Caches must ask again every time (``no-cache``), so an edit shows at once.

    ``version()`` must change whenever anything the page shows changes (cards.version_of).
    A ``shared`` page carries no token at all, so the process keeps it, rendered, under
    its ETag (``PAGE_CACHE_SIZE`` pages) for the next signed-out reader. Given
    ``reader()`` (what of a reader changes the page: paging.reader_state,
    blog.permalink_reader), other pages are kept too, with each reader's own parts
    (tokens, likes, menu) filled in per request (holes.py).
    """
    if (request.method not in ("GET", "HEAD") or not current_app.extensions["cards"].size
            or session.get("_flashes")):
        return render()
    from .holes import kept_page  # holes imports cards, which imports the models

    pages = current_app.extensions["pages"]
    share, keep = shared and pages.size, reader is not None and pages.size
    if current_user.is_authenticated:
        return kept_page(render, (page_key(version()), reader())) if keep else render()
    version = version()
    etag = page_etag(version)
    if client_has(etag):
        response = make_response("", 304)
    elif share and (body := pages.get(etag)) is not None:
        response = make_response(body)  # as kept: this request made nothing new
    else:
        if share:
            body = render()
            pages.put(etag, body)
            response = make_response(body)
        elif keep:
            response = kept_page(render, (page_key(version), reader()))
        else:
            response = make_response(render())
        # Computed again after rendering: a page that made the session's CSRF secret names it.
        etag = page_etag(version)
    response.set_etag(etag)
    response.cache_control.no_cache = True
    return response
