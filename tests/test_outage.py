"""MongoDB going away: every page answers 503 in the site's layout (JSON for API
clients), a posted form keeps what was typed, and the app recovers by itself.

Two kinds of outage: a real pymongo client pointed at a closed port on this machine
(no server needed), and, on the suite's normal database, ``database_down`` making
every collection call raise ``ServerSelectionTimeoutError`` until it ends.
"""
import contextlib
import io
import socket
from unittest import mock

import pytest
from bson import ObjectId
from mongoengine.connection import disconnect_all, get_db
from pymongo.errors import ServerSelectionTimeoutError
from werkzeug.routing import AnyConverter

from config import ProductionConfig
from conftest import SITE_SCRIPTS, AuthActions, TestConfig, make_app, page, scripts, textarea_value
from factories import make_post, make_user
from fake_mongo import FakeMongo
from tumblelog import ObjectIdConverter, create_app
from tumblelog.models import Post, User

COLLECTION_CALLS = (
    "find", "find_one", "insert_one", "insert_many", "update_one", "update_many", "replace_one",
    "delete_one", "delete_many", "find_one_and_update", "find_one_and_replace", "find_one_and_delete",
    "aggregate", "count_documents", "estimated_document_count", "distinct", "bulk_write",
    "create_index", "create_indexes", "index_information", "list_indexes",
)


@contextlib.contextmanager
def database_down():
    """Every collection call and database command raises as pymongo does when no server
    answers; yields a list that records each attempt."""
    attempts = []

    def fail(*args, **kwargs):
        attempts.append(args)
        raise ServerSelectionTimeoutError("No servers found yet (simulated outage)")

    database = get_db()
    collection_class = type(database["outage_probe"])
    with contextlib.ExitStack() as stack:
        for name in COLLECTION_CALLS:
            if hasattr(collection_class, name):
                stack.enter_context(mock.patch.object(collection_class, name, side_effect=fail, autospec=False))
        stack.enter_context(mock.patch.object(type(database), "command", side_effect=fail))
        yield attempts


def closed_port():
    """A TCP port on 127.0.0.1 that nothing listens on (bound, read, released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unreachable_settings(timeout_ms=100):
    return {
        "host": f"mongodb://127.0.0.1:{closed_port()}/tumblelog",
        "serverSelectionTimeoutMS": timeout_ms,
        "tz_aware": True,
    }


@pytest.fixture
def unreachable_app():
    """An app whose real pymongo client points at a closed port."""
    app = make_app(MONGODB_SETTINGS=unreachable_settings())
    yield app
    disconnect_all()


@pytest.fixture
def site(app_factory):
    """A client whose every request runs in its own app context, as in production (the
    ``client`` fixture's requests share one, and with it Flask-Login's loaded user)."""
    return app_factory().test_client()


@pytest.fixture
def signed_in(site):
    """``site``, signed in as alice, who has a post."""
    AuthActions(site).register()
    with site.application.app_context():
        make_post("quote", quote="Still here after the outage.")
    return site


def sign_in_as_stranger(client):
    """A session cookie for a signed-in user; loading that user needs the database."""
    with client.session_transaction() as session:
        session["_user_id"] = str(ObjectId())
        session["_fresh"] = True


# One of each kind on the real client (each failure costs pymongo ~0.5 s at least);
# every route is checked on the simulated outage below.
PAGES = [
    ("get", "/", None),
    ("get", f"/post/{ObjectId()}", None),
    ("post", f"/post/{ObjectId()}/comments", {"name": "Ann", "body": "Hello"}),
]


def assert_unavailable_page(response):
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    html = page(response)
    assert html.select_one("header.site-header"), "the 503 page is in the site's layout"
    assert html.select_one(".error-page__status").get_text() == "503"
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("method, url, data", PAGES)
def test_every_page_that_reads_the_database_answers_503_on_a_closed_port(unreachable_app, method, url, data):
    response = getattr(unreachable_app.test_client(), method)(url, data=data)
    assert_unavailable_page(response)


def test_signed_in_reader_gets_503_for_any_page(unreachable_app):
    """Flask-Login loads the user from the database on every signed-in request, even
    for a page that reads nothing else, like the sign-in form."""
    client = unreachable_app.test_client()
    sign_in_as_stranger(client)
    assert_unavailable_page(client.get("/auth/login"))


def test_api_clients_get_json_503(site):
    with database_down():
        response = site.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.get_json()["error"]["status"] == 503
    assert response.headers["Retry-After"].isdigit()


def sample_arguments(rule):
    """Values that match ``rule``'s URL parts: an ObjectId where it wants one, one of
    the words an ``any(...)`` part takes, and the rule's own defaults (``/feed.json``
    is ``site_feed`` with ``kind="json"``)."""
    samples = {"post_type": "blog", "tag": "python", "username": "alice"}
    defaults = rule.defaults or {}

    def sample(name):
        # Rule keeps its converters in a private mapping; there is no public one.
        converter = rule._converters.get(name)
        if isinstance(converter, ObjectIdConverter):
            return str(ObjectId())
        if isinstance(converter, AnyConverter):
            return min(converter.items)
        return samples.get(name, "1")

    return {name: defaults.get(name) or sample(name) for name in rule.arguments}


def test_every_route_answers_503_for_a_signed_in_reader(site):
    """Whatever routes exist (the API's included), each one that tries the database
    answers 503, never a 500 or a traceback."""
    sign_in_as_stranger(site)
    app = site.application
    adapter = app.url_map.bind("localhost")
    checked = 0
    with database_down() as attempts:
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            url = adapter.build(rule.endpoint, sample_arguments(rule))
            for method in sorted(rule.methods & {"GET", "POST", "PUT", "PATCH", "DELETE"}):
                tried = len(attempts)
                response = site.open(url, method=method, data={"body": "x"})
                if len(attempts) == tried:  # a route that never needs the database
                    assert response.status_code < 500, (method, url, response.status_code)
                    continue
                assert response.status_code == 503, (method, url, response.status_code)
                if url.startswith("/api/") or url == "/healthz":
                    assert response.is_json
                checked += 1
    assert checked >= 10


def test_the_app_starts_without_a_database():
    """No query at import or in create_app: a production app builds while nothing
    listens on its MONGODB_URI, then serves 503 until the database comes."""
    settings = unreachable_settings()

    class Production(ProductionConfig):
        SECRET_KEY = "s" * 64
        TRUSTED_HOSTS = ["localhost"]
        MONGODB_URI = settings["host"]
        MONGODB_SERVER_SELECTION_TIMEOUT_MS = settings["serverSelectionTimeoutMS"]

    disconnect_all()
    try:
        app = create_app(Production)
        client = app.test_client()
        health = client.get("/healthz")
        assert health.status_code == 503 and health.get_json()["database"] == "unreachable"
        assert_unavailable_page(client.get("/"))
    finally:
        disconnect_all()


def test_a_real_client_recovers_when_the_server_comes_up():
    """The app started with nothing on its port; once a server listens there, the same
    app (no restart) finds it. ``FakeMongo`` answers only the handshake and ``ping``."""
    # Over pymongo's 0.5 s minimum between server checks, so one request sees the server.
    settings = unreachable_settings(timeout_ms=1000)
    port = int(settings["host"].split(":")[2].split("/")[0])
    app = make_app(MONGODB_SETTINGS=settings)
    client = app.test_client()
    try:
        assert client.get("/healthz").status_code == 503
        with FakeMongo(port):
            assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}
    finally:
        disconnect_all()


@pytest.mark.parametrize("query, seconds", [
    ("", 2),  # not pymongo's default 30 s
    ("?serverSelectionTimeoutMS=5000", 5),  # the operator's own choice in MONGODB_URI
    ("?replicaSet=rs0&SERVERSELECTIONTIMEOUTMS=700", 0.7),
])
def test_pages_give_up_on_the_database_within_two_seconds(query, seconds):
    class Configured(TestConfig):
        MONGODB_URI = unreachable_settings()["host"] + query

    disconnect_all()
    try:
        app = create_app(Configured)
        with app.app_context():
            assert get_db().client.options.server_selection_timeout == seconds
    finally:
        disconnect_all()


def test_one_failed_attempt_per_request(signed_in):
    """A signed-in reader's page fails on loading the user; the 503 page then renders
    as signed out instead of waiting on the database a second time."""
    with database_down() as attempts:
        assert_unavailable_page(signed_in.get("/"))
    assert len(attempts) == 1


def test_pages_recover_when_the_database_is_back(signed_in):
    with database_down():
        for url in ("/", "/tag/python", "/user/alice", "/auth/login"):
            assert_unavailable_page(signed_in.get(url))
        assert signed_in.get("/healthz").status_code == 503
    html = page(signed_in.get("/"))
    assert "Still here after the outage." in html.get_text()
    assert html.select_one(".site-nav__user").get_text() == "alice"
    assert signed_in.get("/healthz").get_json() == {"status": "ok", "database": "ok"}


def test_indexes_are_made_on_the_first_use_after_an_outage(app):
    """MongoEngine creates indexes on a collection's first use; when that use fails,
    the next one must try again, or unique usernames would go unenforced."""
    with database_down():
        for document in (User, Post):
            with pytest.raises(ServerSelectionTimeoutError):
                document.objects.first()
    make_user("alice")
    make_post("blog")
    assert "username_key_1" in User._get_collection().index_information()
    post_indexes = Post._get_collection().index_information()
    assert {"listed_1_hidden_1_published_at_-1__id_-1", "listed_1_hidden_1_tags_1_published_at_-1__id_-1"} <= set(post_indexes)


def kept_form(response):
    """The 'not saved' page's form: its action and fields as a browser would send them."""
    form = page(response).select_one("form.unsaved-form")
    fields = {tag["name"]: tag.get("value", "") for tag in form.select("input[name]")}
    fields.update({tag["name"]: textarea_value(tag) for tag in form.select("textarea[name]")})
    return form["action"], fields


def test_a_comment_posted_during_an_outage_is_kept_and_can_be_sent_again(site):
    with site.application.app_context():
        post = make_post("quote")
    body = "First line of a long comment\nand its second line."
    with database_down():
        response = site.post(f"/post/{post.id}/comments", data={"name": "Ann", "body": body})
    assert response.status_code == 503
    html = page(response)
    assert html.select_one("h1").get_text() == "Not saved"
    assert "not saved" in html.select_one(".error-page").get_text()
    action, fields = kept_form(response)
    assert action == f"/post/{post.id}/comments"
    assert fields == {"name": "Ann", "body": body}
    # The database is back: "Send again" posts the same text.
    assert site.post(action, data=fields).status_code == 303
    assert body in page(site.get(f"/post/{post.id}", follow_redirects=True)).get_text()


def test_a_new_post_written_during_an_outage_keeps_its_text(signed_in):
    data = {"title": "Outage diary", "body": "# Day one\n\nThe database *left*.", "tags": "ops, mongo"}
    with database_down():
        response = signed_in.post("/post/new/blog?draft=1", data=data)
    assert response.status_code == 503
    action, fields = kept_form(response)
    assert action == "/post/new/blog?draft=1"
    assert fields == data


def test_passwords_are_never_sent_back(site):
    with database_down():
        response = site.post("/auth/login", data={"username": "alice", "password": "hunter2 secret"})
    assert response.status_code == 503
    assert "hunter2" not in response.get_data(as_text=True)
    _, fields = kept_form(response)
    assert fields == {"username": "alice", "password": ""}


def test_user_text_on_the_kept_form_is_escaped(site):
    with site.application.app_context():
        post = make_post("quote")
    evil = '</textarea><script>alert(1)</script>"><b>'
    with database_down():
        response = site.post(f"/post/{post.id}/comments", data={"name": evil, "body": evil * 10})
    html = page(response)
    assert scripts(html) == SITE_SCRIPTS and not html.select("form.unsaved-form b")
    _, fields = kept_form(response)
    assert fields == {"name": evil, "body": evil * 10}


def test_an_attached_file_is_named_as_not_kept(signed_in):
    data = {"caption": "Sunset", "tags": "sky", "image": (io.BytesIO(b"\x89PNG fake"), "sunset.png")}
    with database_down():
        response = signed_in.post("/post/new/image", data=data, content_type="multipart/form-data")
    assert response.status_code == 503
    assert "sunset.png" in page(response).select_one("form.unsaved-form").get_text()
    _, fields = kept_form(response)
    assert fields == {"caption": "Sunset", "tags": "sky"}


def test_a_body_over_the_size_limit_still_gets_the_503_page(app_factory):
    site = app_factory(MAX_CONTENT_LENGTH=100).test_client()
    with site.application.app_context():
        post = make_post("quote")
    with database_down():
        response = site.post(f"/post/{post.id}/comments", data={"name": "Ann", "body": "x" * 500})
    assert_unavailable_page(response)


def test_signing_in_while_the_database_and_its_rate_limit_counts_are_down_keeps_the_form():
    """The limits count in MongoDB too (RATELIMIT_STORAGE_URI defaults to MONGODB_URI):
    the sign-in's failed-attempt count must not turn the "Not saved" page into a 500."""
    settings = unreachable_settings()
    app = make_app(MONGODB_SETTINGS=settings, RATELIMIT_STORAGE_URI=settings["host"] + "?serverSelectionTimeoutMS=100")
    try:
        response = app.test_client().post("/auth/login", data={"username": "alice", "password": "hunter2 secret"})
    finally:
        disconnect_all()
    assert response.status_code == 503
    _, fields = kept_form(response)
    assert fields == {"username": "alice", "password": ""}
