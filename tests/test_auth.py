"""Accounts as a visitor meets them: signing up, signing in and out, the checks on
each form field, where ``?next=`` may lead, CSRF on the account forms, and passwords
longer than bcrypt's 72 bytes."""
from urllib.parse import quote

import pytest
from mongoengine import NotUniqueError

from conftest import SITE_SCRIPTS, page, scripts
from factories import PASSWORD, make_user
from tumblelog.forms import PASSWORD_MAX
from tumblelog.models import User

GOOD_SIGN_UP = {
    "username": "alice",
    "email": "alice@example.com",
    "password": PASSWORD,
    "confirm": PASSWORD,
}


def signed_in_name(response):
    """The username the header shows, or None when nobody is signed in."""
    soup = page(response)
    user_link = soup.select_one(".site-header .site-nav__user")
    if user_link is None:
        assert soup.select_one(".site-header").find("a", string="Sign in") is not None
        return None
    return user_link.get_text(strip=True)


def field_errors(soup):
    """{field name: [error texts]} for every field the page marks as wrong."""
    found = {}
    for box in soup.select(".field"):
        errors = box.select(".field__errors li")
        if errors:
            name = box.find(["input", "textarea"])["name"]
            found[name] = [error.get_text(strip=True) for error in errors]
    return found


def form_token(client, path):
    """The CSRF token of the form at ``path``, as the browser would send it back."""
    return page(client.get(path)).select_one("form input[name=csrf_token]")["value"]


def header_token(client):
    """The CSRF token of the header's sign-out form."""
    return page(client.get("/")).select_one(".site-header form input[name=csrf_token]")["value"]


# --- signing up --------------------------------------------------------------------


def test_signing_up_signs_you_in(client):
    response = client.post("/auth/register", data=GOOD_SIGN_UP)

    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    front = client.get("/")
    assert signed_in_name(front) == "alice"
    assert "Welcome, alice!" in page(front).select_one(".flashes").get_text()
    user = User.objects.get()
    assert (user.username, user.email, user.is_admin) == ("alice", "alice@example.com", False)
    assert user.password_hash != PASSWORD and user.check_password(PASSWORD)


def test_the_sign_up_form_asks_for_every_field(client):
    response = client.get("/auth/register")

    assert response.status_code == 200
    form = page(response).select_one("main form")
    names = {field["name"] for field in form.select("input") if field.get("type") != "hidden"}
    assert names == {"username", "email", "password", "confirm"}
    assert signed_in_name(response) is None


USERNAME_RULE = "3–32 characters"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        pytest.param("username", "", "This field is required.", id="username-missing"),
        pytest.param("username", "ab", USERNAME_RULE, id="username-too-short"),
        pytest.param("username", "a" * 33, USERNAME_RULE, id="username-33-chars"),
        pytest.param("username", "has space", USERNAME_RULE, id="username-with-space"),
        pytest.param("username", "-dash-first", USERNAME_RULE, id="username-dash-first"),
        pytest.param("username", "_under-first", USERNAME_RULE, id="username-underscore-first"),
        pytest.param("username", "<script>", USERNAME_RULE, id="username-markup"),
        pytest.param("username", "ålice", USERNAME_RULE, id="username-non-ascii"),
        pytest.param("email", "", "This field is required.", id="email-missing"),
        pytest.param("email", "not-an-email", "Invalid email address.", id="email-no-at"),
        pytest.param("email", "alice@", "Invalid email address.", id="email-no-domain"),
        pytest.param("password", "", "This field is required.", id="password-missing"),
        pytest.param("password", "short", "between 8 and 1024", id="password-short"),
        pytest.param("password", "x" * (PASSWORD_MAX + 1), "between 8 and 1024", id="password-over-max"),
        pytest.param("confirm", "another horse", "The passwords do not match.", id="confirm-mismatch"),
    ],
)
def test_a_bad_sign_up_field_is_explained_next_to_it(client, field, value, message):
    data = dict(GOOD_SIGN_UP, **{field: value})
    if field == "password":
        data["confirm"] = value  # only the password itself is wrong

    response = client.post("/auth/register", data=data)

    assert response.status_code == 422
    soup = page(response)
    errors = field_errors(soup)
    # An empty password leaves nothing to repeat, so "confirm" is flagged as well.
    also = {"confirm"} if field == "password" and not value else set()
    assert set(errors) == {field} | also
    assert any(message in error for error in errors[field]), errors
    # Only the site's own script file; nothing typed became a script.
    assert scripts(soup) == SITE_SCRIPTS
    if field in ("username", "email"):
        assert soup.select_one(f"input[name={field}]").get("value", "") == value
    assert signed_in_name(response) is None
    assert User.objects.count() == 0


def test_a_removed_accounts_name_is_never_given_out_again(client, auth):
    from factories import make_post

    old = make_user("alice")
    make_post("quote", author=old)
    old.retire_name()  # what removing an account does first
    old.delete()
    response = auth.register("ALICE", email="new@example.com")
    assert response.status_code == 422
    assert any("taken" in error for error in field_errors(page(response))["username"])
    assert User.objects.count() == 0


def test_retiring_a_name_twice_is_harmless(app):
    user = make_user("alice")
    user.retire_name()
    user.retire_name()
    assert User.name_is_claimed("Alice")


@pytest.mark.parametrize("name", ["admin", "Moderator", "guest", "tumblelog"])
def test_reserved_names_cannot_be_registered(client, auth, name):
    response = auth.register(name)
    assert response.status_code == 422
    assert User.objects.count() == 0


def test_a_username_is_taken_whatever_its_case(client, auth):
    auth.register("Alice")
    assert signed_in_name(client.get("/")) == "Alice"
    auth.logout()

    response = auth.register("alice", email="other@example.com")

    assert response.status_code == 422
    assert any("taken" in error for error in field_errors(page(response))["username"])
    assert signed_in_name(response) is None
    assert [user.username for user in User.objects] == ["Alice"]


@pytest.mark.parametrize(
    ("first", "second"),
    [("A@Example.com", "a@example.com"), ("a@example.com", "A@EXAMPLE.COM")],
)
def test_an_email_has_one_account_whatever_its_case(client, auth, first, second):
    auth.register("alice", email=first)
    auth.logout()

    response = auth.register("bob", email=second)

    assert response.status_code == 422
    assert any("already exists" in error for error in field_errors(page(response))["email"])
    assert [(user.username, user.email) for user in User.objects] == [("alice", "a@example.com")]


def test_the_database_refuses_a_second_username_in_another_case(app):
    User(username="Alice", email="a1@example.com", password_hash="x").save()

    with pytest.raises(NotUniqueError):
        User(username="alice", email="a2@example.com", password_hash="x").save()
    assert User.objects.count() == 1


def test_the_database_refuses_a_second_account_with_one_email(app):
    User(username="alice", email="same@example.com", password_hash="x").save()

    with pytest.raises(NotUniqueError):
        User(username="bob", email="same@example.com", password_hash="x").save()
    assert User.objects.count() == 1


def test_accounts_without_an_email_do_not_clash(app):
    User(username="alice", password_hash="x").save()
    User(username="bob", password_hash="x").save()

    assert User.objects.count() == 2


# --- signing in --------------------------------------------------------------------


def test_signing_in_shows_your_name(client, auth):
    make_user("alice")

    response = auth.login("alice")

    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    front = client.get("/")
    assert signed_in_name(front) == "alice"
    assert "Signed in as alice." in page(front).select_one(".flashes").get_text()


@pytest.mark.parametrize("typed", ["ALICE", "alice", "aLiCe", "  alice  "])
def test_signing_in_ignores_the_case_of_the_username(client, auth, typed):
    make_user("Alice")

    response = auth.login(typed)

    assert response.status_code == 303
    assert signed_in_name(client.get("/")) == "Alice"


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(client, auth):
    make_user("alice")

    wrong_password = auth.login("alice", "not the password")
    unknown_user = auth.login("mallory", PASSWORD)

    assert wrong_password.status_code == unknown_user.status_code == 422
    wrong_errors = field_errors(page(wrong_password))
    assert wrong_errors == field_errors(page(unknown_user))
    assert wrong_errors == {"password": ["Wrong username or password."]}
    assert signed_in_name(client.get("/")) is None


@pytest.mark.parametrize(
    ("username", "password", "field"),
    [
        pytest.param("", PASSWORD, "username", id="no-username"),
        pytest.param("alice", "", "password", id="no-password"),
        pytest.param("alice", "x" * (PASSWORD_MAX + 1), "password", id="password-over-max"),
    ],
)
def test_an_incomplete_sign_in_is_explained(client, auth, username, password, field):
    make_user("alice")

    response = auth.login(username, password)

    assert response.status_code == 422
    assert list(field_errors(page(response))) == [field]
    assert signed_in_name(client.get("/")) is None


@pytest.mark.parametrize("target", ["/tag/python", "/post/new/blog", "/user/alice?page=2"])
def test_signing_in_returns_you_to_the_page_you_came_from(client, auth, target):
    make_user("alice")

    response = client.post(
        "/auth/login?next=" + quote(target, safe=""), data={"username": "alice", "password": PASSWORD}
    )

    assert response.status_code == 303
    assert response.headers["Location"] == target


def encoded(target):
    """``target`` as a browser puts it in the query string."""
    return quote(target, safe="")


# Each is the raw query value; the server sees it percent-decoded.
HOSTILE_NEXT = [
    pytest.param(encoded("//evil.example"), id="protocol-relative"),
    pytest.param(encoded("////evil.example"), id="many-slashes"),
    pytest.param(encoded("/\\evil.example"), id="slash-backslash"),
    pytest.param(encoded("\\\\evil.example"), id="backslashes"),
    pytest.param(encoded("https://evil.example"), id="absolute-url"),
    pytest.param(encoded("HTTPS://evil.example/x"), id="absolute-url-upper-case"),
    pytest.param(encoded("https:evil.example"), id="scheme-without-slashes"),
    pytest.param(encoded("javascript:alert(1)"), id="javascript"),
    pytest.param(encoded(" /x"), id="leading-space"),
    pytest.param(encoded("/\t/evil.example"), id="tab-between-slashes"),
    pytest.param(encoded("/\n/evil.example"), id="newline-between-slashes"),
    pytest.param("%2F%2Fevil.example", id="percent-encoded-slashes"),  # decodes to //evil.example
    pytest.param(encoded("%2F%2Fevil.example"), id="double-encoded-slashes"),
    pytest.param("//evil.example", id="unencoded-protocol-relative"),
]


@pytest.mark.parametrize("raw_next", HOSTILE_NEXT)
def test_signing_in_never_sends_you_to_another_site(client, raw_next):
    make_user("alice")

    response = client.post(
        f"/auth/login?next={raw_next}", data={"username": "alice", "password": PASSWORD}
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert signed_in_name(client.get("/")) == "alice"


@pytest.mark.parametrize("raw_next", HOSTILE_NEXT)
def test_a_signed_in_visit_to_the_sign_in_page_never_leaves_the_site(client, auth, raw_next):
    make_user("alice")
    auth.login("alice")

    response = client.get(f"/auth/login?next={raw_next}")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register"])
def test_a_signed_in_user_is_sent_away_from_the_account_forms(client, auth, path):
    auth.register("alice")

    response = client.get(path)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_signed_in_user_cannot_register_another_account(client, auth):
    auth.register("alice")

    response = auth.register("bob")

    assert response.status_code in (302, 303)
    assert [user.username for user in User.objects] == ["alice"]


# --- signing out -------------------------------------------------------------------


def test_signing_out_takes_a_post(client, auth):
    auth.register("alice")

    response = client.get("/auth/logout")

    assert response.status_code == 405
    assert signed_in_name(client.get("/")) == "alice"


def test_signing_out_signs_you_out(client, auth):
    auth.register("alice")

    response = auth.logout()

    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert signed_in_name(client.get("/")) is None
    assert client.get("/post/new/blog").status_code == 302  # writing needs signing in again


# --- CSRF --------------------------------------------------------------------------


def test_a_sign_up_without_its_csrf_token_is_refused(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()

    response = client.post("/auth/register", data=GOOD_SIGN_UP)

    assert response.status_code == 400
    assert "expired" in page(response).select_one("main").get_text()
    with app.app_context():
        assert User.objects.count() == 0

    token = form_token(client, "/auth/register")
    response = client.post("/auth/register", data=dict(GOOD_SIGN_UP, csrf_token=token))
    assert response.status_code == 303
    with app.app_context():
        assert User.objects.count() == 1


def test_a_sign_out_without_its_csrf_token_keeps_you_signed_in(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    token = form_token(client, "/auth/register")
    client.post("/auth/register", data=dict(GOOD_SIGN_UP, csrf_token=token))

    response = client.post("/auth/logout")

    assert response.status_code == 400
    assert signed_in_name(client.get("/")) == "alice"

    response = client.post("/auth/logout", data={"csrf_token": header_token(client)})
    assert response.status_code == 303
    assert signed_in_name(client.get("/")) is None


# --- long passwords ----------------------------------------------------------------

LONG_PASSWORD = ("correct horse battery staple " * 7)[:200]


@pytest.mark.parametrize(
    "password",
    [
        pytest.param(LONG_PASSWORD, id="200-bytes"),
        pytest.param("é" * 100, id="200-bytes-of-100-characters"),
        pytest.param("x" * PASSWORD_MAX, id="the-maximum"),
    ],
)
def test_a_password_longer_than_bcrypt_takes_still_works(client, auth, password):
    assert auth.register("alice", password=password).status_code == 303
    auth.logout()

    response = auth.login("alice", password)

    assert response.status_code == 303
    assert signed_in_name(client.get("/")) == "alice"


@pytest.mark.parametrize(
    "guess",
    [
        pytest.param(LONG_PASSWORD[:72], id="the-first-72-bytes"),
        pytest.param(LONG_PASSWORD[:72] + "X" + LONG_PASSWORD[73:], id="byte-73-differs"),
        pytest.param(LONG_PASSWORD[:-1] + "X", id="last-byte-differs"),
        pytest.param(LONG_PASSWORD + "X", id="one-byte-more"),
    ],
)
def test_every_byte_of_a_long_password_counts(client, auth, guess):
    auth.register("alice", password=LONG_PASSWORD)
    auth.logout()

    response = auth.login("alice", guess)

    assert response.status_code == 422
    assert signed_in_name(client.get("/")) is None
