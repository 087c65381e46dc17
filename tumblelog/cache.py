"""Caching: a tiny in-process cache whose entries expire after a few seconds, and
responses that clients revalidate with ``ETag`` / ``Last-Modified`` (feeds, sitemaps).

For values that are costly to compute and fine to show slightly stale, such as the
top tags. Each app has its own store (tests build many apps); each worker process
has its own copy, so a value is at most ``ttl`` seconds old in every worker.
"""
import threading
import time

from flask import Response, current_app, request
from werkzeug.http import is_resource_modified


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
    sent = request.if_none_match
    if sent:  # If-None-Match, when sent, decides alone (RFC 9110, 13.2.2)
        fresh = sent.star_tag or any(tag.partition(":")[0] == etag for tag in sent.as_set())
    else:
        fresh = bool(last_modified) and not is_resource_modified(request.environ, last_modified=last_modified)
    if fresh:
        response = Response(status=304)
    else:
        response = Response(build(), mimetype=mimetype)
    response.set_etag(etag)
    response.last_modified = last_modified
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response
