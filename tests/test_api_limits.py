"""Rate limits on the API: per address, per token, on password guessing through
``POST /tokens`` and on comments; over a limit, a JSON 429 with Retry-After."""
import pytest

from api_helpers import API, ApiClient, basic, bearer
from conftest import AuthActions
from factories import make_post, make_user

# Addresses from the documentation range (RFC 5737): only ever a WSGI environ value here.
ADDRESS, OTHER_ADDRESS = "192.0.2.1", "192.0.2.2"


def from_address(address):
    return {"environ_base": {"REMOTE_ADDR": address}}


@pytest.fixture
def limited(app_factory):
    """An API client for an app with the limits given."""
    return lambda **limits: ApiClient(app_factory(**limits).test_client())


def assert_too_many(response):
    assert response.status_code == 429
    assert response.json["error"]["status"] == 429
    assert int(response.headers["Retry-After"]) > 0


def test_requests_per_address(limited):
    api = limited(RATELIMIT_API="3 per minute")
    for _ in range(3):
        assert api.get("/tags", **from_address(ADDRESS)).status_code == 200
    assert_too_many(api.get("/posts", **from_address(ADDRESS)))
    # Another address has its own count.
    assert api.get("/tags", **from_address(OTHER_ADDRESS)).status_code == 200


def test_requests_per_token_from_any_address(limited):
    api = limited(RATELIMIT_API_TOKEN="2 per minute")
    token = api.token_for("alice")
    quote = {"type": "quote", "quote": "Hi."}
    assert api.post("/posts", json=quote, **from_address(ADDRESS)).status_code == 201
    assert api.post("/posts", json=quote, **from_address(OTHER_ADDRESS)).status_code == 201
    assert_too_many(api.post("/posts", json=quote, **from_address("192.0.2.3")))
    # Another token, and reading without one, are not held back.
    other = ApiClient(api.client)
    other.token_for("alice")
    assert other.post("/posts", json=quote).status_code == 201
    assert api.client.get(f"{API}/posts").status_code == 200
    assert api.client.get(f"{API}/posts", headers=bearer(token)).status_code == 429


def test_wrong_passwords_for_a_token_are_limited_per_account_and_address(limited):
    api = limited(RATELIMIT_LOGIN_ACCOUNT="2 per minute")
    make_user("alice")
    for username in ("alice", "ALICE"):
        response = api.client.post(f"{API}/tokens", headers=basic(username, "guess"), **from_address(ADDRESS))
        assert response.status_code == 401
    # Now even the right password waits there: a guesser cannot tell when it was right.
    # Its owner, elsewhere, is not locked out.
    assert_too_many(api.client.post(f"{API}/tokens", headers=basic("ALICE"), **from_address(ADDRESS)))
    assert api.client.post(f"{API}/tokens", headers=basic("alice"), **from_address(OTHER_ADDRESS)).status_code == 201
    assert api.client.post(f"{API}/tokens", headers=basic("bob")).status_code == 401  # others unaffected


def test_right_passwords_do_not_use_up_the_limit(limited):
    api = limited(RATELIMIT_LOGIN="2 per minute", RATELIMIT_LOGIN_ACCOUNT="2 per minute")
    make_user("alice")
    for _ in range(4):
        assert api.client.post(f"{API}/tokens", headers=basic("alice")).status_code == 201


def test_comments_share_the_sites_comment_limit(limited):
    api = limited(RATELIMIT_COMMENT="2 per minute")
    post = make_post("quote")
    api.token_for("alice")
    for body in ("One.", "Two."):
        assert api.post(f"/posts/{post.id}/comments", json={"body": body}).status_code == 201
    assert_too_many(api.post(f"/posts/{post.id}/comments", json={"body": "Three."}))


def test_a_comment_by_form_and_one_by_the_api_are_two_of_one_count(limited):
    api = limited(RATELIMIT_COMMENT="2 per minute")
    post = make_post("quote")
    api.token_for("alice")
    assert api.client.post(f"/post/{post.id}/comments", data={"name": "Sam", "body": "By form."}).status_code == 303
    assert api.post(f"/posts/{post.id}/comments", json={"body": "By API."}).status_code == 201
    assert_too_many(api.post(f"/posts/{post.id}/comments", json={"body": "Three."}))
    assert api.client.post(f"/post/{post.id}/comments", data={"name": "Sam", "body": "Four."}).status_code == 429


def test_reblogs_share_one_limit_across_the_form_and_the_api(limited):
    api = limited(RATELIMIT_REBLOG="2 per minute")
    post = make_post("quote", author=make_user("bob"))
    api.token_for("alice")
    assert api.post(f"/posts/{post.id}/reblog", json={}).status_code == 201
    AuthActions(api.client).login("alice")
    assert api.client.get(f"/post/{post.id}/reblog").status_code == 200  # reading the form is free
    assert api.client.post(f"/post/{post.id}/reblog", data={"comment": "Two"}).status_code == 303
    assert_too_many(api.post(f"/posts/{post.id}/reblog", json={"comment": "Three"}))
    assert api.client.post(f"/post/{post.id}/reblog", data={"comment": "Four"}).status_code == 429
