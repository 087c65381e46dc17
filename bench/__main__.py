"""``python -m bench`` (``make bench``): seed a blog, time its pages, print one table.

In-process by default: each page is requested through the WSGI app for a few seconds
and compared with a bare Flask "hello" route measured the same way in the same run;
round trips and time inside the database are counted per request (``bench.meter``),
and our own code's share is the request's CPU time less the database's.
``--http`` starts gunicorn with 2 workers on 127.0.0.1 and drives it with a small
load generator instead. ``MONGODB_URI`` selects a real server (default: mongomock).
"""
import argparse
import contextlib
import gc
import http.client
import json
import os
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from bench.indexes import unserved
from bench.load import HOST, hammer
from bench.meter import METER, install
from bench.site import USER_AGENT, make_app, pages, reader_headers, seed, sign_in

ROOT = Path(__file__).resolve().parent.parent
OWN_CODE_TARGET = 5  # our code's time per front page, in bare "hello" requests
OWN_CPU_TARGET = 1.5e-3  # ... and in seconds of CPU


@dataclass
class Result:
    name: str
    latencies: list = field(default_factory=list)  # seconds, one per request
    trips: list = field(default_factory=list)
    db_seconds: list = field(default_factory=list)
    own_cpu: list = field(default_factory=list)  # this thread's CPU time outside the database
    wall: float = 0.0
    errors: int = 0
    timings: list = field(default_factory=list)  # --http: the server's {"db", "total"} seconds per request

    def p(self, q):
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def rps(self):
        return len(self.latencies) / self.wall if self.wall else 0.0

    @property
    def db_share(self):
        """The database's share of the server's time on these requests (--http)."""
        total = sum(t.get("total", 0) for t in self.timings)
        return sum(t.get("db", 0) for t in self.timings) / total if total else 0.0

    @property
    def own(self):
        """Median CPU time per request spent in our code (and the libraries it calls),
        not in the database. CPU time, not wall time: a busy machine barely moves it."""
        return statistics.median(self.own_cpu)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=2000, help="posts to seed (default 2000)")
    parser.add_argument("--per-page", type=int, default=10, help="posts per list page (default 10)")
    parser.add_argument("--seconds", type=float, default=3.0, help="time spent on each page (default 3)")
    parser.add_argument("--requests", type=int, default=2000, help="most requests per page (default 2000)")
    parser.add_argument("--http", action="store_true", help="measure gunicorn (2 workers) over loopback")
    parser.add_argument("--concurrency", type=int, default=16, help="--http client threads (default 16)")
    parser.add_argument("--fresh", action="store_true", help="drop MONGODB_URI's database before seeding")
    args = parser.parse_args(argv)
    if args.posts < 1 or args.per_page < 1 or args.seconds <= 0 or args.requests < 1 or args.concurrency < 1:
        parser.error("--posts, --per-page, --seconds, --requests and --concurrency must be positive")
    return args


def rss_mb(pid="self"):
    """Resident memory of a process, in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure_in_process(app, rows, cookie, args):
    """Time every row through the WSGI app, counting round trips per request."""
    client = app.test_client(use_cookies=False)
    results, operations = [], []
    for name, path, reader in rows:
        headers = reader_headers(reader, cookie, lambda: client.get(path, headers={"User-Agent": USER_AGENT}).headers)
        result = Result(name)
        # Each request still writes its log line, as in production, but not to the screen.
        with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
            operations += measure_page(client, path, headers, result, args)
        results.append(result)
        print(f"  {name}: {len(result.latencies)} requests", file=sys.stderr)
    return results, operations


def measure_page(client, path, headers, result, args):
    """Request ``path`` until ``args.requests`` are made or ``args.seconds`` pass,
    filling ``result``; return the database operations the requests made."""
    for _ in range(3):  # warm-up: templates compiled, indexes ensured
        client.get(path, headers=headers)
    operations = []
    began = time.perf_counter()
    while len(result.latencies) < args.requests and time.perf_counter() - began < args.seconds:
        # mongomock copies the whole collection per find; collect that garbage here,
        # not inside the next request's own-code time.
        gc.collect()
        with METER.recording() as ops:
            started, cpu_started = time.perf_counter(), time.thread_time()
            response = client.get(path, headers=headers)
            result.latencies.append(time.perf_counter() - started)
            cpu = time.thread_time() - cpu_started
        result.own_cpu.append(cpu - sum(op.cpu for op in ops))
        result.errors += response.status_code >= 400
        result.trips.append(len(ops))
        result.db_seconds.append(sum(op.seconds for op in ops))
        operations += ops
    result.wall = time.perf_counter() - began
    return operations


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def first_visit(port, path):
    """The response headers gunicorn gives a signed-out reader's first visit of ``path``."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path, headers={"User-Agent": USER_AGENT})
        response = connection.getresponse()
        response.read()
        return dict(response.getheaders())
    finally:
        connection.close()


def worker_pids(master):
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def measure_http(args):
    """Start gunicorn with 2 workers on loopback, drive every row, stop it."""
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="tumblelog-bench-"))
    pages_file, log = workdir / "pages.json", open(workdir / "gunicorn.log", "w")
    env = {**os.environ, "BENCH_POSTS": str(args.posts), "BENCH_PER_PAGE": str(args.per_page),
           "BENCH_PAGES_FILE": str(pages_file)}
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"{HOST}:{port}", "bench.serve:app"]
    if not os.environ.get("MONGODB_URI"):
        command.insert(-1, "--preload")  # seed mongomock once, then fork: both workers share it
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60 + args.posts / 100  # seeding runs before the workers start
        while not pages_file.exists() or not hammer(port, "/healthz", {}, 1, 1, 1)[0]:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not come up; its log:\n{(workdir / 'gunicorn.log').read_text()}")
            time.sleep(0.3)
        plan = json.loads(pages_file.read_text())
        results = []
        for name, path, reader in plan["pages"]:
            headers = reader_headers(reader, plan["cookie"], lambda: first_visit(port, path))
            hammer(port, path, headers, 1, 10, args.concurrency)  # warm-up
            latencies, errors, wall, timings = hammer(port, path, headers, args.seconds, args.requests, args.concurrency)
            results.append(Result(name, latencies, wall=wall, errors=errors, timings=timings))
            print(f"  {name}: {len(latencies)} requests", file=sys.stderr)
        rss = [rss_mb(pid) for pid in worker_pids(server.pid)]
        return results, rss
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


def to_target(own, hello):
    """"met" when ``own`` CPU seconds are within both targets (``OWN_CPU_TARGET``, and
    ``OWN_CODE_TARGET`` times hello's), else how many ms over the stricter one."""
    over = own - min(OWN_CPU_TARGET, OWN_CODE_TARGET * hello)
    return "met" if over <= 0 else f"+{over * 1e3:.2f} ms"


def table(results, in_process):
    """The results as one markdown table, each page also as a ratio to "hello"."""
    hello, floor = results[0], results[1]
    if in_process:
        lines = ["| page | req/s | p50 ms | p95 ms | × hello | DB trips | DB ms p50 | own CPU ms p50 | own × hello"
                 " | own × floor | to target |", "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    else:
        lines = ["| page | req/s | p50 ms | p95 ms | p99 ms | × hello | server ms p50 | DB ms p50 | DB share | errors |",
                 "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for r in results:
        row = f"| {r.name} | {r.rps:,.0f} | {r.p(0.5) * 1e3:.2f} | {r.p(0.95) * 1e3:.2f} |"
        row += "" if in_process else f" {r.p(0.99) * 1e3:.2f} |"
        row += f" {r.p(0.5) / hello.p(0.5):.1f} |"
        if in_process:
            row += (f" {max(r.trips)} | {statistics.median(r.db_seconds) * 1e3:.2f} | {r.own * 1e3:.2f}"
                    f" | {r.own / hello.own:.1f} | {r.own / floor.own:.1f} | {to_target(r.own, hello.own)} |")
        else:
            server = statistics.median([t.get("total", 0) for t in r.timings] or [0])
            db = statistics.median([t.get("db", 0) for t in r.timings] or [0])
            row += f" {server * 1e3:.2f} | {db * 1e3:.2f} | {r.db_share:.0%} | {r.errors} |"
        lines.append(row)
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    database = "MongoDB at MONGODB_URI" if os.environ.get("MONGODB_URI") else "mongomock (in-process)"
    command = shlex.join(["python", "-m", "bench", *(argv if argv is not None else sys.argv[1:])])
    if args.http:
        if os.environ.get("MONGODB_URI"):
            seed(make_app(args.per_page), args.posts, fresh=args.fresh)
        results, rss = measure_http(args)
        notes = [f"gunicorn workers' RSS: {', '.join(f'{mb:.0f} MB' for mb in rss)}"]
    else:
        install()
        app = make_app(args.per_page)
        seed(app, args.posts, fresh=args.fresh)
        gc.freeze()  # the seeded data is long-lived, as in a preloaded worker: stop rescanning it
        rows = pages(app)
        results, operations = measure_in_process(app, rows, sign_in(app), args)
        front = next(r for r in results if r.name == "front page")
        ratio = front.own / results[0].own
        met = ratio <= OWN_CODE_TARGET and front.own <= OWN_CPU_TARGET
        notes = [
            f"own code per front page: {front.own * 1e3:.2f} ms of CPU = {ratio:.1f}× hello's, "
            f"{front.own / results[1].own:.1f}× the floor's (target ≤ {OWN_CPU_TARGET * 1e3} ms and"
            f" ≤ {OWN_CODE_TARGET}× hello: {'met' if met else 'NOT met'})",
            f"process RSS: {rss_mb():.0f} MB" + (" (holds mongomock's copy of the data)" if "mongomock" in database else ""),
            f"queries no declared index serves: {len(unserved(operations))}",
        ]
        if any(r.errors for r in results):
            notes.append("errors: " + ", ".join(f"{r.name} ({r.errors})" for r in results if r.errors))
    print(f"`{command}` · {args.posts:,} posts · {args.per_page} a page · {database} · "
          f"{'gunicorn, 2 workers, over loopback' if args.http else 'in-process WSGI'} · "
          f"Python {sys.version.split()[0]} · {os.cpu_count()} cores · {datetime.now(timezone.utc):%Y-%m-%d}\n")
    print(table(results, in_process=not args.http))
    print()
    for note in notes:
        print(f"- {note}")


if __name__ == "__main__":
    main()
