"""A blogger who forgot their password asks for a mail, follows its link and chooses a
new one; the mail arrives at a real SMTP server on loopback."""
import pytest
from conftest import page
from factories import PASSWORD, make_user
from mail_helpers import app, html_of, link_in, smtp, text_of  # noqa: F401  (fixtures)

from tumblelog.moderation import SiteSettings


def ask_for_reset(client, email="alice@example.com"):
    return client.post("/auth/reset", data={"email": email})


def test_the_sign_in_page_offers_a_reset(client):
    link = page(client.get("/auth/login")).find("a", string="Forgot your password?")
    assert link["href"] == "/auth/reset"


def test_a_forgotten_password_is_reset_by_the_mailed_link(app, client, auth, smtp):
    make_user("alice")
    response = ask_for_reset(client)
    assert response.status_code == 303
    [mail] = smtp.to("alice@example.com")
    assert mail["Subject"] == "Choose a new password"
    assert "/auth/reset/" in text_of(mail) and "/auth/reset/" in html_of(mail)

    link = link_in(mail, "/auth/reset/")
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "a new passphrase", "confirm": "a new passphrase"})
    assert response.status_code == 303
    auth.logout()
    assert auth.login(password=PASSWORD).status_code == 422
    assert auth.login(password="a new passphrase").status_code == 303


def test_the_mail_speaks_in_the_sites_name(client, smtp):
    SiteSettings(title="Night Owls").save()
    make_user("alice")
    ask_for_reset(client)
    [mail] = smtp.to("alice@example.com")
    for part in (text_of(mail), html_of(mail)):
        assert "your account on Night Owls" in part and "tumblelog" not in part


def test_the_link_works_once(client, smtp):
    make_user("alice")
    ask_for_reset(client)
    link = link_in(smtp.messages[0], "/auth/reset/")
    client.post(link, data={"password": "a new passphrase", "confirm": "a new passphrase"})
    response = client.post(link, data={"password": "another one!", "confirm": "another one!"})
    assert response.status_code == 303 and response.location.endswith("/auth/reset")
    assert "expired or was already used" in page(client.get("/auth/reset")).get_text()


def test_the_link_dies_when_the_password_changes_another_way(client, auth, smtp):
    make_user("alice")
    ask_for_reset(client)
    link = link_in(smtp.messages[0], "/auth/reset/")
    auth.login()
    client.post("/settings", data={"section": "password", "current_password": PASSWORD,
                                   "password": "changed in settings", "confirm": "changed in settings"})
    assert client.get(link).status_code == 303


def test_the_link_expires(app, client, smtp):
    from datetime import timedelta

    make_user("alice")
    ask_for_reset(client)
    link = link_in(smtp.messages[0], "/auth/reset/")
    app.config["RESET_LINK_MAX_AGE"] = timedelta(seconds=-1)
    assert client.get(link).status_code == 303


@pytest.mark.parametrize("token", ["nonsense", "a" * 300, "eyJpZCI6IjEifQ.forged.signature"])
def test_a_forged_link_is_refused(client, token):
    assert client.get(f"/auth/reset/{token}").status_code == 303


def test_the_answer_never_tells_whether_an_address_has_an_account(client, smtp):
    make_user("alice")
    known = ask_for_reset(client, "alice@example.com")
    known_page = page(client.get(known.location)).select_one(".flashes").get_text()
    unknown = ask_for_reset(client, "nobody@example.com")
    unknown_page = page(client.get(unknown.location)).select_one(".flashes").get_text()
    assert (known.status_code, known.location, known_page) == (unknown.status_code, unknown.location, unknown_page)
    assert [m.envelope_to for m in smtp.messages] == [["alice@example.com"]]


@pytest.mark.parametrize("email", ["", "not-an-address", "a@" + "b" * 300 + ".com"])
def test_a_bad_address_is_shown_again_with_the_error(client, email):
    assert ask_for_reset(client, email).status_code == 422


@pytest.mark.parametrize("limit", ["RATELIMIT_RESET", "RATELIMIT_RESET_ACCOUNT"])
def test_reset_mails_are_rate_limited(app_factory, smtp, limit):
    client = app_factory(**smtp.config, **{limit: "2 per hour"}).test_client()
    make_user("alice")
    assert [ask_for_reset(client).status_code for _ in range(3)] == [303, 303, 429]
    assert len(smtp.messages) == 2


def test_reset_mails_per_address_count_whatever_the_client(app_factory, smtp):
    app = app_factory(**smtp.config, RATELIMIT_RESET_ACCOUNT="1 per hour")
    make_user("alice")
    first = app.test_client().post("/auth/reset", data={"email": "alice@example.com"},
                                   environ_base={"REMOTE_ADDR": "10.0.0.1"})
    second = app.test_client().post("/auth/reset", data={"email": "ALICE@example.com"},
                                    environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert (first.status_code, second.status_code) == (303, 429)


def test_new_password_must_be_repeated(client, smtp):
    make_user("alice")
    ask_for_reset(client)
    link = link_in(smtp.messages[0], "/auth/reset/")
    response = client.post(link, data={"password": "a new passphrase", "confirm": "something else"})
    assert response.status_code == 422
    assert "do not match" in page(response).get_text()
