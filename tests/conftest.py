"""Fixtures: an app per test on its own database, a client, a CLI runner, and
``auth`` for registering and signing in as a user would.

Tests run on mongomock, or on the server in ``TUMBLELOG_TEST_MONGODB_URI`` when it is
set; either way each test gets a fresh database, dropped at the end.
"""
import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import jinja2
import mongomock
import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from mongoengine.connection import disconnect_all, get_db

from config import Config
from tumblelog import create_app
from tumblelog.models import Post

TEST_MONGODB_URI = os.environ.get("TUMBLELOG_TEST_MONGODB_URI")


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    WTF_CSRF_ENABLED = False
    BCRYPT_LOG_ROUNDS = 4
    # Limits a test cannot reach by accident; a test of a limit sets it low with
    # app_factory(RATELIMIT_...="2 per minute"), or turns them off with RATELIMIT_ENABLED=False.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_LOGIN = RATELIMIT_LOGIN_ACCOUNT = RATELIMIT_REGISTER = RATELIMIT_COMMENT = "10000 per hour"
    RATELIMIT_API = RATELIMIT_API_TOKEN = "10000 per hour"
    RATELIMIT_RESET = RATELIMIT_RESET_ACCOUNT = RATELIMIT_ACCOUNT_MAIL = RATELIMIT_TOKEN_CREATE = "10000 per hour"
    RATELIMIT_SIGN_IN = RATELIMIT_POST = RATELIMIT_UPLOAD = RATELIMIT_LIKE = "10000 per hour"
    RATELIMIT_FOLLOW = RATELIMIT_PREVIEW = RATELIMIT_REBLOG = RATELIMIT_REPORT = "10000 per hour"
    # Tests post comments straight away; the spam tests set a minimum themselves.
    COMMENT_MIN_SECONDS = 0
    RATELIMIT_WEBMENTION = "10000 per hour"
    # Saving a post would look up the pages it links to (example.com...): the
    # Webmention tests turn it on.
    WEBMENTION_SEND = False


def database_settings(name):
    """Connection settings for a database called ``name`` on the test server."""
    if TEST_MONGODB_URI:
        parts = urlsplit(TEST_MONGODB_URI)
        host = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
        return {"host": host, "tz_aware": True, "serverSelectionTimeoutMS": 5000}
    return {"host": f"mongodb://localhost/{name}", "tz_aware": True, "mongo_client_class": mongomock.MongoClient}


class SharedBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept across the apps of a test run. Each test builds its own
    app, and compiling every template again for each one was most of the suite's time.
    Keys include a checksum of the template source, so an edited template recompiles."""

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = SharedBytecodeCache()


class RequestClient(FlaskClient):
    """A test client whose every request runs in an app context of its own, as in
    production, even inside a test's ``with app.app_context():``. A request there would
    otherwise reuse that context's ``g``: Flask-Login's cached ``current_user`` would
    outlive the request (and leak between two clients of one test)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_app(**overrides):
    """An app on a fresh database; ``overrides`` are extra config values."""
    name = f"tumblelog_test_{uuid.uuid4().hex[:12]}"
    config = type("AppTestConfig", (TestConfig,), {"MONGODB_SETTINGS": database_settings(name), **overrides})
    disconnect_all()  # also forgets the collections documents cached from the last app
    app = create_app(config)
    app.config["TEST_DATABASE"] = name
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    app.test_client_class = RequestClient
    return app


@pytest.fixture
def app_factory():
    """Build apps with extra config (e.g. CSRF on); their databases are dropped after."""
    apps = []

    def build(**overrides):
        apps.append(make_app(**overrides))
        return apps[-1]

    yield build
    if apps:
        # The last app's client reaches the test server; mongomock's die with their apps.
        client = get_db().client
        for app in apps:
            client.drop_database(app.config["TEST_DATABASE"])
    disconnect_all()


@pytest.fixture
def app(app_factory):
    # No app context held open: each request pushes its own, as in production, so
    # nothing cached on ``g`` (the signed-in user, say) leaks from one request to the next.
    return app_factory()


def server_description(database):
    """What answers at ``TUMBLELOG_TEST_MONGODB_URI``, from its ``buildInfo``."""
    info = database.command("buildInfo")
    return f"a server reporting MongoDB {info.get('version')} (gitVersion {info.get('gitVersion')})"


@pytest.fixture
def query_plan(app):
    """``query_plan(queryset)``: the plan the server chose for a queryset's first page, as
    text (its stage names: IXSCAN, COLLSCAN…). A test that uses it runs only where there is
    a query planner to ask: it is skipped on mongomock and on servers whose ``explain``
    has no ``queryPlanner`` (mongoeco's reports its own engine instead)."""
    if not TEST_MONGODB_URI:
        pytest.skip("query plans need a MongoDB server (TUMBLELOG_TEST_MONGODB_URI)")
    database = get_db()
    if "queryPlanner" not in database.command("explain", {"find": Post._get_collection_name(), "filter": {}}):
        pytest.skip(f"{server_description(database)} has no query planner: explain() gives no queryPlanner")

    def plan(queryset):
        return str(queryset.limit(11).explain()["queryPlanner"]["winningPlan"])

    return plan


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Sign up, in and out through the real forms."""

    def __init__(self, client):
        self.client = client

    def register(self, username="alice", password="correct horse", email=None):
        return self.client.post(
            "/auth/register",
            data={
                "username": username,
                "email": email or f"{username}@example.com",
                "password": password,
                "confirm": password,
            },
        )

    def login(self, username="alice", password="correct horse", next=None):
        url = "/auth/login" + (f"?next={next}" if next else "")
        return self.client.post(url, data={"username": username, "password": password})

    def logout(self):
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def alice(auth):
    """alice, registered and signed in: her ``auth`` actions. (Modules that want her
    ``User`` instead define their own ``alice``.)"""
    auth.register("alice")
    return auth


def signed_in(app, username):
    """Another browser on ``app``, signed in as ``username`` through the form."""
    client = app.test_client()
    assert AuthActions(client).login(username).status_code == 303
    return client


# Every page loads the site's own script file; nothing else may become a script.
SITE_SCRIPTS = ["/static/tumblelog.js"]


def scripts(html):
    """The paths of the scripts in parsed ``html`` (an inline script counts as "")."""
    return [script.get("src", "").split("?")[0] for script in html.find_all("script")]


def page(response):
    """The response's HTML, parsed."""
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def post_ids(response):
    """The ids of the posts a page shows, in order."""
    return [article["data-post-id"] for article in page(response).select("article.post")]


def textarea_value(element):
    """A textarea's value as a browser shows it: one leading newline is dropped."""
    text = element.get_text()
    return text[2:] if text.startswith("\r\n") else text.removeprefix("\n")



@pytest.fixture
def clock(monkeypatch):
    """The site's clock, for tests that move it forward (``clock.advance(minutes=2)``)."""
    from clock import Clock

    return Clock(monkeypatch)
