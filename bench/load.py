"""A small HTTP load generator for loopback only: threads sending GETs, bounded in
both request count and time, recording each request's latency."""
import http.client
import threading
import time

HOST = "127.0.0.1"  # never anything else: this drives a server we started ourselves


def server_timings(header):
    """``{"db": seconds, "total": seconds}`` from a ``Server-Timing`` header (bench.serve)."""
    timings = {}
    for metric in (header or "").split(","):
        name, _, params = metric.strip().partition(";")
        if params.startswith("dur="):
            timings[name] = float(params[4:]) / 1e3
    return timings


def hammer(port, path, headers, seconds, max_requests, concurrency):
    """GET ``path`` from ``concurrency`` threads until ``max_requests`` are sent or
    ``seconds`` pass. Returns (latencies in seconds, non-2xx/3xx count, wall seconds,
    the server's timings of each answered request: ``server_timings``)."""
    latencies, errors, timings = [], [], []
    lock = threading.Lock()
    sent = 0
    deadline = time.perf_counter() + seconds

    def worker():
        nonlocal sent
        while time.perf_counter() < deadline:
            with lock:
                if sent >= max_requests:
                    return
                sent += 1
            started = time.perf_counter()
            connection = http.client.HTTPConnection(HOST, port, timeout=10)
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status < 400
                timing = server_timings(response.getheader("Server-Timing"))
            except OSError:
                ok, timing = False, {}
            finally:
                connection.close()
            with lock:
                latencies.append(time.perf_counter() - started)
                if timing:
                    timings.append(timing)
                if not ok:
                    errors.append(path)

    began = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 15)  # a request in flight at the deadline may finish
    return latencies, len(errors), time.perf_counter() - began, timings
