"""Browser tests: Playwright drives the machine's Chromium against a live server.

The app runs with CSRF on (a real browser must send real tokens), on a database of its
own, served by werkzeug in a thread on a free port of 127.0.0.1. Each test starts from
an empty database and a fresh browser context (no cookies); one Chromium serves them all.

Chromium comes from Debian (``apt-get install chromium``), never from Playwright's own
downloads. Without it every test here is skipped with one message saying how to install
it; under CI (``CI`` set) a missing Chromium fails instead, so CI cannot pass by skipping.

A test fails if the server raised, if the page threw a script error or logged one
(a blocked resource or a CSP violation does), or if the page asked for anything but the
live server: the app must serve its own CSS, fonts and scripts. Video players are the
one outside thing a page loads; they get a local stand-in.
"""
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask, got_request_exception
from mongoengine.connection import disconnect_all, get_db
from werkzeug.middleware.shared_data import SharedDataMiddleware
from werkzeug.serving import WSGIRequestHandler, make_server

from conftest import make_app
from tumblelog.embeds import PLAYER_ORIGINS

from .media import write_landscape

CHROMIUM = os.environ.get("TUMBLELOG_CHROMIUM", "/usr/bin/chromium")
# The machine's network is closed: without the last five flags Chromium keeps dialling
# Google's services and logs refused connections by the dozen. Playwright already gives
# every launch a fresh, temporary profile (--user-data-dir).
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING_CHROMIUM = (
    f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium` to run "
    "the browser tests (or set TUMBLELOG_CHROMIUM to a Chromium binary)"
)
HERE = Path(__file__).parent
SCREENSHOTS = HERE.parents[1] / "artifacts" / "screenshots"
# Every player the site may frame (video and audio) is answered by a stand-in.
VIDEO_HOSTS = tuple(origin + "/" for origin in PLAYER_ORIGINS)
VIDEO_STAND_IN = (
    "<!doctype html><title>Video</title>"
    "<body style='margin:0;display:grid;place-items:center;height:100vh;"
    "background:#111;color:#eee;font:600 20px system-ui'>▶ video player</body>"
)


def chromium_missing():
    return not os.access(CHROMIUM, os.X_OK)


def pytest_collection_modifyitems(items):
    # Skipped at collection, so a machine without Chromium starts no server either.
    skip = chromium_missing() and not os.environ.get("CI")
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)
            if skip:
                item.add_marker(pytest.mark.skip(reason=MISSING_CHROMIUM))


class QuietHandler(WSGIRequestHandler):
    """Logs errors but not every request: a failing test's output stays readable."""

    def log_request(self, code="-", size="-"):
        pass


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.skipped and HERE in item.path.parents and chromium_missing():
        # Reported from this file, so the summary folds them into one line, not one per module.
        report.longrepr = (__file__, None, MISSING_CHROMIUM)
    return report


@dataclass
class LiveServer:
    """The running app: ``live_server("/path")`` is that page's absolute URL."""

    app: Flask
    url: str
    errors: list = field(default_factory=list)

    def __call__(self, path=""):
        return self.url + path


@pytest.fixture(scope="package")
def media_dir(tmp_path_factory):
    """Files the live server serves under /test-media/: a photo for image posts."""
    folder = tmp_path_factory.mktemp("media")
    write_landscape(folder / "landscape.jpg")
    return folder


@pytest.fixture(scope="package")
def live_server(media_dir):
    app = make_app(WTF_CSRF_ENABLED=True)

    server_errors = []

    def record(sender, exception, **extra):
        server_errors.append(exception)

    got_request_exception.connect(record, app)
    served = SharedDataMiddleware(app, {"/test-media": str(media_dir)})
    server = make_server("127.0.0.1", 0, served, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}", server_errors)
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db = get_db()
        db.client.drop_database(db.name)
    disconnect_all()


@pytest.fixture(autouse=True)
def empty_site(live_server):
    """Every test starts on an empty site (indexes kept) and must not crash the server."""
    db = get_db()
    for name in db.list_collection_names():
        db[name].delete_many({})
    live_server.errors.clear()
    yield
    assert not live_server.errors, f"the server raised: {live_server.errors!r}"


@pytest.fixture(scope="package")
def browser():
    if chromium_missing():  # only under CI: elsewhere the tests were skipped
        pytest.fail(MISSING_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def console_error(message):
    # A page that is itself a 404 (on purpose) logs "Failed to load resource";
    # ``broken_resource`` reports the failures that matter, with their URLs.
    return message.type == "error" and not message.text.startswith("Failed to load resource")


def broken_resource(response):
    """A stylesheet, script, image or fetch that failed (pages may be 4xx on purpose)."""
    return response.status >= 400 and response.request.resource_type != "document"


DEFAULT_CONTEXT = {
    "viewport": {"width": 1280, "height": 900},
    "color_scheme": "light",
    "locale": "en-GB",
    "timezone_id": "UTC",
}


@pytest.fixture
def page_for(browser, live_server):
    """``page_for(**options)``: a tab in a new browser context (Playwright's
    ``new_context`` options over ``DEFAULT_CONTEXT``), with the checks the module
    docstring lists applied when the test ends."""
    contexts, problems = [], []

    def stand_in(route):
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=VIDEO_STAND_IN)

    def outside(request):
        # Only the players are routed: intercepting every request would slow every page.
        if not request.url.startswith((live_server.url, "data:", "about:", *VIDEO_HOSTS)):
            problems.append(f"asked for an outside resource: {request.url}")

    def new_page(**options):
        context = browser.new_context(base_url=live_server.url, **{**DEFAULT_CONTEXT, **options})
        context.set_default_timeout(5000)
        for host in VIDEO_HOSTS:
            context.route(host + "**", stand_in)
        contexts.append(context)
        page = context.new_page()
        page.on("request", outside)
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        page.on("console", lambda message: console_error(message) and problems.append(f"console: {message.text}"))
        page.on("response", lambda response: broken_resource(response) and problems.append(f"{response.status} {response.url}"))
        return page

    yield new_page
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def page(page_for):
    """A desktop-sized tab, light colour scheme."""
    return page_for()


@pytest.fixture(scope="package")
def screenshots():
    """The folder screenshots go to (artifacts/ is git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
