"""Starting the app: production refuses to start without its secrets and database,
development fills the gaps itself, ``TUMBLELOG_CONFIG`` picks the configuration, and
``python run.py`` on the embedded database brings demo content and says so."""
import importlib
import logging
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import mongomock
import pytest
from flask import Config as FlaskConfig
from flask import Flask
from mongoengine.connection import disconnect_all, get_db

import config
from config import DevelopmentConfig, ProductionConfig, config_from_environment
from conftest import database_settings, page
from fake_mongo import FakeMongo
from tumblelog import check_config, create_app, mongodb_settings
from tumblelog.models import Post, User

# Nothing listens here; no test connects to it.
UNREACHABLE_URI = "mongodb://127.0.0.1:1/tumblelog"


@pytest.fixture(autouse=True)
def no_leftover_connections():
    """Each app here opens the default connection; close it whatever the test did."""
    disconnect_all()
    yield
    disconnect_all()


def unused_name():
    return f"tumblelog_test_{uuid.uuid4().hex[:12]}"


def unused_database():
    """Settings for a test database that the test never writes to (so none is created)."""
    return database_settings(unused_name())


def config_class(base, **values):
    return type(f"Custom{base.__name__}", (base,), values)


def test_production_without_a_secret_key_refuses_to_start():
    production = config_class(ProductionConfig, SECRET_KEY=None, MONGODB_URI=UNREACHABLE_URI)

    with pytest.raises(RuntimeError) as error:
        create_app(production)

    message = str(error.value)
    assert "SECRET_KEY" in message
    assert "secrets.token_hex" in message  # how to make one


@pytest.mark.parametrize("empty", [None, ""])
def test_production_refuses_an_empty_secret_key(empty):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config_class(ProductionConfig, SECRET_KEY=empty, MONGODB_URI=UNREACHABLE_URI))


@pytest.mark.parametrize("empty", [None, ""])
def test_production_without_a_database_refuses_to_start(empty):
    production = config_class(ProductionConfig, SECRET_KEY="k" * 64, MONGODB_URI=empty)

    with pytest.raises(RuntimeError) as error:
        create_app(production)

    assert "MONGODB_URI" in str(error.value)
    assert "mongodb://" in str(error.value)  # an example of what to set


def test_production_starts_with_a_secret_key_and_a_database_uri():
    app = Flask(__name__)
    app.config.from_object(
        config_class(ProductionConfig, SECRET_KEY="k" * 64, MONGODB_URI=UNREACHABLE_URI, TRUSTED_HOSTS=["blog.example"])
    )

    check_config(app)  # no error

    assert app.config["SECRET_KEY"] == "k" * 64


def test_development_without_a_secret_key_makes_up_a_new_one_each_start(caplog):
    development = config_class(DevelopmentConfig, SECRET_KEY=None, MONGODB_SETTINGS=unused_database())

    with caplog.at_level(logging.WARNING, logger="tumblelog"):
        first = create_app(development)
        disconnect_all()
        second = create_app(development)
        assert "SECRET_KEY is not set" not in caplog.text  # commands and --help stay quiet
        second.test_client().get("/healthz")

    keys = [first.secret_key, second.secret_key]
    assert all(isinstance(key, str) and len(key) >= 32 for key in keys)
    assert keys[0] != keys[1]
    assert caplog.text.count("SECRET_KEY is not set") == 1
    second.test_client().get("/healthz")
    assert caplog.text.count("SECRET_KEY is not set") == 1  # once, not on every request


def test_development_keeps_a_secret_key_it_is_given():
    app = create_app(config_class(DevelopmentConfig, SECRET_KEY="my key", MONGODB_SETTINGS=unused_database()))

    assert app.secret_key == "my key"
    assert app.debug is True


def test_development_without_a_database_runs_on_the_embedded_one():
    app = create_app(config_class(DevelopmentConfig, SECRET_KEY="my key", MONGODB_URI=None))

    assert app.config["EMBEDDED_DB"] is True
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert "Nothing has been posted yet." in page(response).select_one("main").get_text()


def test_each_app_uses_its_own_database():
    first_name, second_name = unused_name(), unused_name()
    create_app(config_class(DevelopmentConfig, SECRET_KEY="k", MONGODB_SETTINGS=database_settings(first_name)))
    disconnect_all()

    second = create_app(
        config_class(DevelopmentConfig, SECRET_KEY="k", MONGODB_SETTINGS=database_settings(second_name))
    )

    with second.app_context():
        assert get_db().name == second_name


# --- mongodb_settings --------------------------------------------------------------


def settings_for(config_cls, uri):
    values = FlaskConfig(".")
    values.from_object(config_cls)
    values["MONGODB_URI"] = uri
    return mongodb_settings(values)


@pytest.mark.parametrize("config_cls", [DevelopmentConfig, ProductionConfig])
@pytest.mark.parametrize("uri", [None, ""])
def test_no_uri_means_the_embedded_database(config_cls, uri):
    settings = settings_for(config_cls, uri)

    assert settings["mongo_client_class"] is mongomock.MongoClient
    assert settings["tz_aware"] is True
    assert 0 < settings["serverSelectionTimeoutMS"] <= 5000


@pytest.mark.parametrize("config_cls", [DevelopmentConfig, ProductionConfig])
def test_a_uri_means_that_server(config_cls):
    uri = "mongodb://db.example:27017/tumblelog?replicaSet=rs0"

    settings = settings_for(config_cls, uri)

    assert settings["host"] == uri
    assert "mongo_client_class" not in settings
    assert settings["tz_aware"] is True
    assert 0 < settings["serverSelectionTimeoutMS"] <= 5000


# What a site on a server runs: mongomock (for the embedded database) cannot be
# imported, as where it is not installed; the app starts and answers from its server.
WITHOUT_MONGOMOCK = """
import sys
sys.modules["mongomock"] = None  # any import of it now raises ImportError
import run
print(run.app.test_client().get("/healthz").get_json())
"""


def test_a_site_on_a_server_never_imports_mongomock():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "TUMBLELOG_CONFIG": "production", "SECRET_KEY": "s" * 32, "TRUSTED_HOSTS": "localhost",
           "MONGODB_URI": f"mongodb://127.0.0.1:{port}/tumblelog"}
    with FakeMongo(port):
        done = subprocess.run([sys.executable, "-c", WITHOUT_MONGOMOCK], env=env, capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parent.parent, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "{'database': 'ok', 'status': 'ok'}"


# --- TUMBLELOG_CONFIG --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("development", DevelopmentConfig),
        ("production", ProductionConfig),
        ("Production", ProductionConfig),
        pytest.param(" production\n", ProductionConfig, id="surrounding-white-space"),
        ("DEVELOPMENT", DevelopmentConfig),
    ],
)
def test_tumblelog_config_picks_the_configuration(monkeypatch, value, expected):
    monkeypatch.setenv("TUMBLELOG_CONFIG", value)

    assert config_from_environment() is expected


def test_development_is_the_default(monkeypatch):
    monkeypatch.delenv("TUMBLELOG_CONFIG", raising=False)

    assert config_from_environment() is DevelopmentConfig


@pytest.mark.parametrize("value", ["staging", "prod", "testing"])
def test_an_unknown_configuration_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("TUMBLELOG_CONFIG", value)

    with pytest.raises(SystemExit) as stop:
        create_app()

    message = str(stop.value.code)
    assert repr(value) in message
    assert "development" in message and "production" in message


def test_create_app_reads_tumblelog_config_by_default(monkeypatch):
    monkeypatch.setenv("TUMBLELOG_CONFIG", "production")
    monkeypatch.setattr(config.Config, "SECRET_KEY", None)

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


# --- cookies in production ---------------------------------------------------------


def test_production_cookies_are_secure_and_http_only():
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.REMEMBER_COOKIE_SECURE is True
    assert ProductionConfig.SESSION_COOKIE_HTTPONLY is True
    assert ProductionConfig.REMEMBER_COOKIE_HTTPONLY is True


@pytest.fixture
def production_app():
    """A production app on its own test database, dropped afterwards."""
    app = create_app(
        config_class(
            ProductionConfig,
            SECRET_KEY="k" * 64,
            MONGODB_URI=None,
            MONGODB_SETTINGS=database_settings(unused_name()),
            BCRYPT_LOG_ROUNDS=4,
            TRUSTED_HOSTS=["blog.example", "localhost"],
        )
    )
    yield app
    with app.app_context():
        db = get_db()
        db.client.drop_database(db.name)


def cookie_header(response, name):
    (header,) = [value for value in response.headers.getlist("Set-Cookie") if value.startswith(f"{name}=")]
    return [part.strip().lower() for part in header.split(";")]


def test_production_sends_its_cookies_over_https_only(production_app):
    client = production_app.test_client()
    with production_app.app_context():
        user = User(username="alice", email="alice@example.com")
        user.set_password("correct horse")
        user.save()

    form = client.get("/auth/login", base_url="https://localhost")
    token = page(form).select_one("form input[name=csrf_token]")["value"]
    response = client.post(
        "/auth/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/auth/login"},  # over https, Flask-WTF checks it
        data={"username": "alice", "password": "correct horse", "remember": "y", "csrf_token": token},
    )

    assert response.status_code == 303
    for name in ("session", "remember_token"):
        attributes = cookie_header(response, name)
        assert "secure" in attributes
        assert "httponly" in attributes
        assert "samesite=lax" in attributes


# --- python run.py -----------------------------------------------------------------


@pytest.fixture
def run_module(monkeypatch):
    """``run.py`` imported as ``python run.py`` would, with no MONGODB_URI set."""
    monkeypatch.delenv("TUMBLELOG_CONFIG", raising=False)
    monkeypatch.setattr(config.Config, "MONGODB_URI", None)
    monkeypatch.setattr(config.Config, "SECRET_KEY", None)
    monkeypatch.setattr(config.Config, "BCRYPT_LOG_ROUNDS", 4, raising=False)
    sys.modules.pop("run", None)
    module = importlib.import_module("run")
    yield module
    with module.app.app_context():
        db = get_db()
        db.client.drop_database(db.name)
    sys.modules.pop("run", None)


def test_run_py_without_a_database_brings_demo_content_and_says_so(run_module, capsys):
    app = run_module.app
    assert app.config["EMBEDDED_DB"] is True

    run_module.seed_embedded_demo()

    banner = capsys.readouterr().err
    assert "EMBEDDED IN-MEMORY DATABASE" in banner
    assert "NOTHING IS KEPT" in banner
    assert f"'{run_module.DEMO_USER}' / '{run_module.DEMO_PASSWORD}'" in banner
    with app.app_context():
        assert Post.objects.count() > 0
        assert User.by_username(run_module.DEMO_USER).is_admin

    client = app.test_client()
    token = page(client.get("/auth/login")).select_one("form input[name=csrf_token]")["value"]
    response = client.post(
        "/auth/login",
        data={"username": run_module.DEMO_USER, "password": run_module.DEMO_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 303
    front = page(client.get("/"))
    assert front.select_one(".site-nav__user").get_text(strip=True) == run_module.DEMO_USER
    assert len(front.select("article.post")) == 10


# --- host names and HTTPS in production -------------------------------------------------


def test_production_without_trusted_hosts_refuses_to_start():
    production = config_class(ProductionConfig, SECRET_KEY="k" * 64, MONGODB_URI=UNREACHABLE_URI, TRUSTED_HOSTS=None)
    with pytest.raises(RuntimeError, match="TRUSTED_HOSTS=blog.example.com"):
        create_app(production)


@pytest.mark.parametrize(
    "raw, hosts",
    [("", None), (" , ", None), ("blog.example", ["blog.example"]), ("Blog.Example, localhost ,", ["blog.example", "localhost"])],
)
def test_trusted_hosts_reads_a_comma_separated_list(monkeypatch, raw, hosts):
    from config import host_names

    monkeypatch.setenv("TRUSTED_HOSTS", raw)
    assert host_names("TRUSTED_HOSTS") == hosts


@pytest.mark.parametrize("path", ["/", "/feed.atom", "/api/v1/posts", "/auth/login"])
def test_production_refuses_hosts_it_was_not_told(production_app, path):
    client = production_app.test_client()
    assert client.get(path, headers={"Host": "evil.example"}).status_code == 400
    response = client.get(path, headers={"Host": "blog.example"})
    assert response.status_code == 200
    assert "evil.example" not in response.get_data(as_text=True)


def test_production_sends_hsts(production_app):
    response = production_app.test_client().get("/", base_url="https://blog.example")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_development_answers_any_host_and_sends_no_hsts(client):
    response = client.get("/", headers={"Host": "127.0.0.1:5000"})
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
