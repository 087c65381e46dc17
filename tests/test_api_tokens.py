"""API tokens: created with a password, stored only as a hash, expiring, revocable;
and the API never takes the browser's session in their place."""
import hashlib
from datetime import timedelta

import pytest

from api_helpers import API, ApiClient, api, basic, bearer  # noqa: F401  (api is a fixture)
from factories import make_user
from tumblelog.api.tokens import ApiToken
from tumblelog.models import User, utcnow

NEW_QUOTE = {"type": "quote", "quote": "Less is more."}


def test_token_for_username_and_password(client):
    make_user("alice")
    response = client.post(f"{API}/tokens", headers=basic("alice"))
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    token = response.json["token"]
    assert len(token) >= 40
    expires = response.json["expires_at"]
    assert expires.endswith("Z")
    # It works as a Bearer token.
    assert client.post(f"{API}/posts", json=NEW_QUOTE, headers=bearer(token)).status_code == 201


def test_token_is_stored_only_as_its_hash(client):
    make_user("alice")
    token = client.post(f"{API}/tokens", headers=basic("alice")).json["token"]
    stored = ApiToken.objects.get()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ApiToken._get_collection().find_one())


def test_each_token_is_new(client):
    make_user("alice")
    tokens = {client.post(f"{API}/tokens", headers=basic("alice")).json["token"] for _ in range(3)}
    assert len(tokens) == 3


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic("alice", "wrong password"),
        basic("nobody"),
        basic("", ""),
        {"Authorization": "Basic not-base64!"},
        {"Authorization": "Bearer abc"},
        basic("alice", "x" * 5000),
    ],
    ids=["none", "wrong-password", "unknown-user", "empty", "garbled", "bearer", "huge-password"],
)
def test_token_refused_without_valid_credentials(client, headers):
    make_user("alice")
    response = client.post(f"{API}/tokens", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert response.json["error"]["status"] == 401
    assert ApiToken.objects.count() == 0


def test_revoked_token_is_refused(api):
    token = api.token_for("alice")
    other = ApiClient(api.client)
    other.token_for("alice")
    assert api.delete("/tokens").status_code == 204
    response = api.post("/posts", json=NEW_QUOTE)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert api.delete("/tokens", headers=bearer(token)).status_code == 401
    # Revoking one token leaves the user's others alone.
    assert other.post("/posts", json=NEW_QUOTE).status_code == 201


def test_expired_token_is_refused(api):
    api.token_for("alice")
    ApiToken.objects.update(set__expires_at=utcnow() - timedelta(seconds=1))
    assert api.post("/posts", json=NEW_QUOTE).status_code == 401


def test_token_lifetime_is_configurable(app_factory):
    api = ApiClient(app_factory(API_TOKEN_LIFETIME=timedelta(hours=1)).test_client())
    api.token_for("alice")
    left = ApiToken.objects.get().expires_at - utcnow()
    assert timedelta(minutes=59) < left <= timedelta(hours=1)


def test_token_of_deleted_user_is_refused(api):
    api.token_for("alice")
    User.objects(username="alice").delete()
    assert api.post("/posts", json=NEW_QUOTE).status_code == 401


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer ", "Bearer not-a-token", "Token abc", "Bearer " + "x" * 500, "bearer\tabc"],
)
def test_writes_need_a_live_bearer_token(api, authorization):
    api.token_for("alice")
    response = api.post("/posts", json=NEW_QUOTE, headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.json["error"]["message"].startswith("Send a valid token")


def test_session_cookie_is_not_accepted_for_writes(client, auth):
    auth.register("alice")
    auth.login("alice")
    assert client.get("/").status_code == 200  # signed in on the HTML side
    response = client.post(f"{API}/posts", json=NEW_QUOTE)
    assert response.status_code == 401


def test_api_is_exempt_from_csrf_but_html_forms_are_not(app_factory):
    api = ApiClient(app_factory(WTF_CSRF_ENABLED=True).test_client())
    api.token_for("alice")
    assert api.post("/posts", json=NEW_QUOTE).status_code == 201
    # The HTML forms still demand their CSRF token.
    assert api.client.post("/auth/login", data={"username": "alice", "password": "x"}).status_code == 400
