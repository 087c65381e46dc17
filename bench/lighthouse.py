"""Lighthouse scores of the main pages: ``make lighthouse`` (``python -m bench.lighthouse``).

Serves the production app (no debug) on the embedded database with the demo content on
a free local port, then runs the npm ``lighthouse`` pinned in ``bench/lighthouse/`` (npm
installs it there on first use) against the machine's Chromium, offline: the front page,
the newest permalink of each post type, a tag page and the sign-in page, with the mobile
and the desktop presets. Prints a markdown table of the four category scores and, under
it, every audit that cost a point, so each can be fixed or explained.

Options: ``--only mobile|desktop``, ``--pages N`` (the first N pages), ``--json DIR``
(keep each report). ``TUMBLELOG_CHROMIUM`` names another Chromium or Chrome.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

from bench.site import BenchConfig
from tumblelog import create_app
from tumblelog.models import POST_TYPES
from tumblelog.seed import seed_posts

HERE = Path(__file__).parent / "lighthouse"
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("TUMBLELOG_CHROMIUM", "/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PRESETS = ("mobile", "desktop")
# Headless, and quiet on a machine without a network: no calls home, no sandbox (root).
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync "
    "--disable-default-apps --disable-domain-reliability --metrics-recording-only"
)


class Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


def serve():
    """The demo blog on a free port of 127.0.0.1; returns ``(base_url, pages)``."""
    app = create_app(type("Lighthouse", (BenchConfig,), {"MONGODB_URI": None, "LOG_LEVEL": "WARNING"}))
    with app.app_context():
        seed_posts(40, rng=random.Random(2026))
        newest = {kind: cls.listing().first() for kind, cls in POST_TYPES.items()}
    tag = next(post.tags[0] for post in newest.values() if post and post.tags)
    pages = {"front page": "/"}
    pages.update({f"{kind} permalink": f"/post/{post.id}" for kind, post in newest.items() if post})
    pages.update({"tag page": f"/tag/{tag}", "sign-in page": "/auth/login"})
    client = app.test_client()
    for path in pages.values():  # templates compiled, caches warm: as a running site is
        client.get(path)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", pages


def install():
    if not LIGHTHOUSE.exists():
        print("installing lighthouse (npm ci in bench/lighthouse)...", file=sys.stderr)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)


def audit(url, preset, keep=None):
    """The Lighthouse report (a dict) of ``url`` with ``preset``."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(keep or scratch) / "report.json"
        command = [
            str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
            f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}",
            "--disable-full-page-screenshot",
        ]
        if preset == "desktop":
            command.append("--preset=desktop")
        subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=300)
        return json.loads(report.read_text())


def lost_points(report):
    """``[(category, audit id, title, score)]`` of the audits that scored below 1."""
    lost = []
    for category in CATEGORIES:
        for ref in report["categories"][category]["auditRefs"]:
            result = report["audits"][ref["id"]]
            if ref["weight"] and result["score"] is not None and result["score"] < 1:
                lost.append((category, ref["id"], result["title"], result["score"]))
    return lost


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=PRESETS)
    parser.add_argument("--pages", type=int)
    parser.add_argument("--json", type=Path, help="keep each report in this folder")
    args = parser.parse_args(argv)
    install()
    base, pages = serve()
    rows, notes = [], []
    for name, path in list(pages.items())[: args.pages]:
        for preset in [args.only] if args.only else PRESETS:
            keep = None
            if args.json:
                keep = args.json / f"{name.replace(' ', '-')}-{preset}"
                keep.mkdir(parents=True, exist_ok=True)
            report = audit(base + path, preset, keep)
            scores = [round(report["categories"][c]["score"] * 100) for c in CATEGORIES]
            rows.append(f"| {name} | {preset} | " + " | ".join(map(str, scores)) + " |")
            notes += [f"- {name}, {preset}: {cat} · {title} ({audit_id}, {score:.2f})"
                      for cat, audit_id, title, score in lost_points(report)]
            print(rows[-1], file=sys.stderr, flush=True)
    print("| page | preset | performance | accessibility | best practices | SEO |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    if notes:
        print("\nAudits below full marks:\n" + "\n".join(notes))


if __name__ == "__main__":
    main()
