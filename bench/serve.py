"""gunicorn's entry for ``python -m bench --http``: the bench app, seeded when it runs
on mongomock (with ``--preload`` the workers fork with the data already in memory),
and the pages to request written to ``BENCH_PAGES_FILE`` for the load generator.

Each response says how long the request spent in the database and in all
(``Server-Timing: db;dur=…, total;dur=…``, milliseconds), so the load generator can
show the database's share of the server's time.
"""
import json
import os
import time

from bench.meter import METER, install
from bench.site import make_app, pages, seed, sign_in

install()


class ServerTiming:
    """WSGI middleware: times each request and its database round trips (``bench.meter``;
    a sync gunicorn worker serves one request at a time, so one meter per process)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        with METER.recording() as operations:
            started = time.perf_counter()

            def timed(status, headers, exc_info=None):
                db, total = sum(op.seconds for op in operations), time.perf_counter() - started
                headers.append(("Server-Timing", f"db;dur={db * 1e3:.3f}, total;dur={total * 1e3:.3f}"))
                return start_response(status, headers, exc_info)

            return self.wsgi_app(environ, timed)


app = make_app(int(os.environ.get("BENCH_PER_PAGE", "10")))
app.wsgi_app = ServerTiming(app.wsgi_app)
if app.config["EMBEDDED_DB"]:
    seed(app, int(os.environ.get("BENCH_POSTS", "2000")), progress=False)
_target = os.environ["BENCH_PAGES_FILE"]
with open(_target + f".{os.getpid()}", "w") as _file:
    json.dump({"pages": pages(app), "cookie": sign_in(app)}, _file)
os.replace(_target + f".{os.getpid()}", _target)
