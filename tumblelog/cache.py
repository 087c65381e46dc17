"""A tiny in-process cache whose entries expire after a few seconds.

For values that are costly to compute and fine to show slightly stale, such as the
top tags. Each app has its own store (tests build many apps); each worker process
has its own copy, so a value is at most ``ttl`` seconds old in every worker.
"""
import threading
import time

from flask import current_app


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

    def clear(self):
        with self._lock:
            self._entries.clear()


def app_cache():
    """The current app's cache."""
    return current_app.extensions.setdefault("tumblelog_cache", TTLCache())
