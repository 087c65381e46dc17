"""How mail leaves the app: to the log in full without a mail server (``make run``),
refused with a clear message while the queue is down, and sign-up confirmation when
``REQUIRE_EMAIL_VERIFICATION`` is on."""
import logging
import re

import pytest
from conftest import page
from factories import PASSWORD, make_user
from mail_helpers import free_port, link_in, smtp  # noqa: F401  (fixture)


def test_without_a_mail_server_the_mail_is_written_to_the_log_in_full(client, caplog):
    make_user("alice")
    with caplog.at_level(logging.INFO, logger="tumblelog.mail"):
        client.post("/auth/reset", data={"email": "alice@example.com"})
    [logged] = [record.getMessage() for record in caplog.records if record.name == "tumblelog.mail"]
    assert "To: alice@example.com" in logged and "Subject: Choose a new password" in logged
    link = re.search(r"http://localhost(/auth/reset/\S+)", logged).group(1)
    assert client.get(link).status_code == 200  # a make-run user can follow it


def test_while_the_queue_is_down_the_user_is_told_and_nothing_changes(app_factory):
    app = app_factory(CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0")
    client = app.test_client()
    make_user("alice")
    response = client.post("/auth/reset", data={"email": "alice@example.com"})
    assert response.status_code == 503
    assert "could not send the mail" in page(response).get_text()
    # An address without an account gets the same answer: the page still tells nothing.
    assert client.post("/auth/reset", data={"email": "nobody@example.com"}).status_code == 503
    client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    response = client.post("/settings", data={"section": "email", "email": "new@example.com",
                                              "current_password": PASSWORD})
    assert response.status_code == 503


@pytest.fixture
def verifying(app_factory, smtp):
    return app_factory(REQUIRE_EMAIL_VERIFICATION=True, **smtp.config)


def test_with_verification_required_a_new_account_confirms_its_address_first(verifying, smtp):
    client = verifying.test_client()
    response = client.post("/auth/register", data={"username": "alice", "email": "alice@example.com",
                                                   "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 303 and response.location.endswith("/auth/login")
    assert client.get("/settings").status_code == 302  # not signed in
    refused = client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    assert refused.status_code == 422 and "Confirm your address" in page(refused).get_text()
    first, again = smtp.to("alice@example.com")  # the right password sends the link again
    assert first["Subject"] == again["Subject"] == "Confirm your e-mail address"
    client.get(link_in(again, "/auth/verify/"))
    assert client.post("/auth/login", data={"username": "alice", "password": PASSWORD}).status_code == 303


def test_a_reset_link_confirms_the_address_too(verifying, smtp):
    client = verifying.test_client()
    client.post("/auth/register", data={"username": "alice", "email": "alice@example.com",
                                        "password": PASSWORD, "confirm": PASSWORD})
    client.post("/auth/reset", data={"email": "alice@example.com"})
    link = link_in(smtp.messages[-1], "/auth/reset/")
    client.post(link, data={"password": "a new passphrase", "confirm": "a new passphrase"})
    assert client.get("/settings").status_code == 200


def test_a_mail_server_that_refuses_is_reported_without_a_broker(app_factory):
    client = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port()).test_client()
    make_user("alice")
    response = client.post("/auth/reset", data={"email": "alice@example.com"})
    assert response.status_code == 503
    assert "could not send the mail" in page(response).get_text()


def test_verification_is_off_by_default(client, auth):
    assert auth.register().status_code == 303
    assert client.get("/settings").status_code == 200
