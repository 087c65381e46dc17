"""``make bench`` keeps working: a tiny in-process run prints the full table.
(Nothing here is timed; the benchmark itself reports speed.)"""
import re

from mongoengine.connection import disconnect_all

from bench.__main__ import main
from bench.site import LATER_PAGES


def test_a_small_benchmark_run_prints_one_row_per_page(capsys, monkeypatch):
    monkeypatch.delenv("MONGODB_URI", raising=False)
    disconnect_all()
    try:
        main(["--posts", "25", "--per-page", "5", "--seconds", "0.05", "--requests", "3"])
    finally:
        disconnect_all()
    out = capsys.readouterr().out
    rows = [line.split("|")[1:-1] for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    header, *pages = [[cell.strip() for cell in row] for row in rows]
    trips = {page[0]: int(page[header.index("DB trips")]) for page in pages}
    names = [re.sub(r"\d+", "N", name) for name in trips]
    assert set(names[12:]) <= {name for name, _, _ in LATER_PAGES}  # once those pages exist
    assert names[:12] == [
        "hello (bare Flask route)", "front page", "front page, signed in", "front page N, by cursor",
        "front page N, ?page=N", "tag page (common tag)", "tag page (common tag), signed in",
        "tag page (rare tag)", "user page", "user page, signed in", "permalink, N comments",
        "permalink, N comments, signed in",
    ]
    # Counted, not judged: tests/test_budget.py holds the budget.
    assert trips.pop("hello (bare Flask route)") == 0
    assert all(count >= 1 for count in trips.values())
    assert "queries no declared index serves: 0" in out
    assert "errors:" not in out
