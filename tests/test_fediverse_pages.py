"""The fediverse pages: a reader's /fediverse (follow by handle) and the admin's
/admin/federation (domain blocks); what bad input gets."""
import pytest

from tests.conftest import page
from tests.factories import make_user
from tumblelog.federation.models import BlockedDomain, RemoteFollowing


@pytest.fixture
def reader(app, auth):
    with app.app_context():
        make_user("alice")
    auth.login("alice")


@pytest.mark.parametrize("handle", ["", "alice", "@alice", "@al ice@host.example", "@x@" + "h" * 400])
def test_following_something_that_is_no_handle_says_so(app, client, reader, handle):
    response = client.post("/fediverse/follow", data={"handle": handle})
    assert response.status_code == 422
    assert page(response).select_one("#handle-error").get_text(strip=True)
    with app.app_context():
        assert RemoteFollowing.objects.count() == 0


def test_following_an_account_whose_server_does_not_answer_says_so(app, client, reader):
    # Without FEDERATION_ALLOW_PRIVATE a loopback address is never asked at all.
    response = client.post("/fediverse/follow", data={"handle": "@bob@127.0.0.1:9"})
    assert response.status_code == 422
    assert "did not answer" in page(response).select_one("#handle-error").get_text()


def test_unfollowing_an_account_not_followed_is_not_found(client, reader):
    assert client.post("/fediverse/unfollow", data={"actor": "https://social.example/users/x"}).status_code == 404


def test_switched_off_the_fediverse_pages_are_not_found(app_factory):
    app = app_factory(FEDERATION_ENABLED=False)
    with app.app_context():
        make_user("alice", role="admin")
    client = app.test_client()
    client.post("/auth/login", data={"username": "alice", "password": "correct horse"})
    assert client.get("/fediverse").status_code == 404
    assert client.get("/admin/federation").status_code == 404


@pytest.fixture
def admin(app, auth):
    with app.app_context():
        make_user("root", role="admin")
    auth.login("root")


def test_an_admin_blocks_and_unblocks_a_domain_from_the_console(app, client, admin):
    assert client.post("/admin/federation", data={"domain": "Spam.Example."}).status_code == 303
    [listed] = page(client.get("/admin/federation")).select(".blocked-domains li")
    assert listed.get_text(" ", strip=True).startswith("spam.example")
    with app.app_context():
        assert BlockedDomain.blocks("a.spam.example:443")
    assert client.post(listed.form["action"]).status_code == 303
    with app.app_context():
        assert BlockedDomain.objects.count() == 0
    assert client.post("/admin/federation/spam.example/unblock").status_code == 404


@pytest.mark.parametrize("domain", ["", "not a domain", "http://x.example/", "x_y.example"])
def test_the_console_refuses_what_is_not_a_domain(app, client, admin, domain):
    response = client.post("/admin/federation", data={"domain": domain})
    assert response.status_code == 422 and page(response).select_one("#domain-error")
    with app.app_context():
        assert BlockedDomain.objects.count() == 0


@pytest.mark.parametrize("role", ["moderator", "author", "reader"])
def test_only_admins_block_domains(app, client, auth, role):
    with app.app_context():
        make_user("moira", role=role)
    auth.login("moira")
    assert client.get("/admin/federation").status_code == 403
    assert client.post("/admin/federation", data={"domain": "spam.example"}).status_code == 403
