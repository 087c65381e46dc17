"""gunicorn's entry for ``python -m bench --http``: the bench app, seeded when it runs
on mongomock (with ``--preload`` the workers fork with the data already in memory),
and the pages to request written to ``BENCH_PAGES_FILE`` for the load generator."""
import json
import os

from bench.site import make_app, pages, seed, sign_in

app = make_app(int(os.environ.get("BENCH_PER_PAGE", "10")))
if app.config["EMBEDDED_DB"]:
    seed(app, int(os.environ.get("BENCH_POSTS", "2000")), progress=False)
_target = os.environ["BENCH_PAGES_FILE"]
with open(_target + f".{os.getpid()}", "w") as _file:
    json.dump({"pages": pages(app), "cookie": sign_in(app)}, _file)
os.replace(_target + f".{os.getpid()}", _target)
