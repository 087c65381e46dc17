"""``make bench`` keeps working: a tiny in-process run prints the full table, and its
index check gives the same verdict on mongomock and on the test server.
(Nothing here is timed; the benchmark itself reports speed.)"""
import re
import uuid

import pytest
from mongoengine.connection import disconnect_all
from pymongo import MongoClient

from bench.__main__ import main
from bench.site import LATER_PAGES
from config import Config
from conftest import TEST_MONGODB_URI, database_settings

TINY = ["--posts", "25", "--per-page", "5", "--seconds", "0.05", "--requests", "3"]


def bench_output(capsys):
    """What ``python -m bench`` prints for a tiny blog."""
    disconnect_all()
    try:
        main(TINY)
    finally:
        disconnect_all()
    return capsys.readouterr().out


def test_a_small_benchmark_run_prints_one_row_per_page(capsys, monkeypatch):
    monkeypatch.delenv("MONGODB_URI", raising=False)
    out = bench_output(capsys)
    rows = [line.split("|")[1:-1] for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    header, *pages = [[cell.strip() for cell in row] for row in rows]
    trips = {page[0]: int(page[header.index("DB trips")]) for page in pages}
    names = [re.sub(r"\d+", "N", name) for name in trips]
    assert set(names[15:]) <= {name for name, _, _ in LATER_PAGES}  # once those pages exist
    assert names[:15] == [
        "hello (bare Flask route)", "floor (the front page's posts: plain dicts, one template)", "front page", "front page, signed in", "front page N, by cursor",
        "front page N, ?page=N", "tag page (common tag)", "tag page (common tag), signed in",
        "tag page (rare tag)", "user page", "user page, signed in", "permalink, N comments, N notes",
        "permalink, N comments, N notes, signed in", "front page, a returning reader (N)",
        "permalink, a returning reader (N)",
    ]
    # Counted, not judged: tests/test_budget.py holds the budget.
    assert trips.pop("hello (bare Flask route)") == 0
    assert all(count >= 1 for count in trips.values())
    assert "queries no declared index serves: 0" in out
    assert "errors:" not in out


@pytest.mark.skipif(not TEST_MONGODB_URI, reason="needs a MongoDB server (TUMBLELOG_TEST_MONGODB_URI)")
def test_on_a_server_every_query_is_served_too(capsys, monkeypatch):
    """There the rate limiter counts in MongoDB as well, in collections no document
    declares: the index check must not see a scan where the server has its _id index."""
    name = f"tumblelog_test_bench_{uuid.uuid4().hex[:12]}"
    uri = database_settings(name)["host"]
    monkeypatch.setenv("MONGODB_URI", uri)
    # What config.py reads from MONGODB_URI when the process starts with it set.
    monkeypatch.setattr(Config, "RATELIMIT_STORAGE_URI", uri)
    try:
        out = bench_output(capsys)
    finally:
        with MongoClient(uri) as client:
            client.drop_database(name)
    assert "MongoDB at MONGODB_URI" in out
    assert "queries no declared index serves: 0" in out
    assert "errors:" not in out
