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


def following_bob(app, posts):
    """alice follows https://social.example/users/bob, who posted ``posts`` times."""
    from tumblelog.federation.models import RemotePost
    from tumblelog.models import User

    bob = "https://social.example/users/bob"
    with app.app_context():
        User.objects(username="alice").update_one(push__followed_actors=bob)
        for number in range(posts):
            RemotePost(object_id=f"{bob}/statuses/{number}", actor=bob, handle="@bob@social.example",
                       url=f"{bob}/statuses/{number}", content_html=f"<p>Post {number}</p>").save()
        return RemotePost.objects.first()


def test_remote_posts_cost_the_dashboard_one_query_however_many(app_factory):
    from tests.conftest import AuthActions
    from tests.roundtrips import round_trips

    def cost(posts):
        app = app_factory()
        with app.app_context():
            make_user("alice")
        client = app.test_client()
        AuthActions(client).login("alice")
        client.get("/dashboard")
        with round_trips() as commands:
            client.get("/dashboard")
        without = len(commands)
        following_bob(app, posts)
        with round_trips() as commands:
            assert len(page(client.get("/dashboard")).select(".post--remote")) == min(posts, 20)
        return without, len(commands)

    few, many = cost(2), cost(30)
    assert few == many and few[1] == few[0] + 1


@pytest.mark.parametrize("path", ["/fediverse/posts/0123456789abcdef01234567/like", "/fediverse/posts/nothex/like",
                                  "/fediverse/posts/0123456789abcdef01234567/boost"])
def test_reacting_to_no_remote_post_is_not_found(client, reader, path):
    assert client.post(path, data={"action": "on"}).status_code == 404


def test_reacting_to_a_remote_post_of_an_account_not_followed_is_not_found(app, client, reader):
    from tumblelog.models import User

    post = following_bob(app, 1)
    with app.app_context():
        User.objects(username="alice").update_one(set__followed_actors=[])
    assert client.post(f"/fediverse/posts/{post.id}/like", data={"action": "on"}).status_code == 404


def test_a_blogger_of_this_site_is_followed_from_their_blog_not_by_handle(client, reader):
    response = client.post("/fediverse/follow", data={"handle": "http://localhost/user/alice"})
    assert response.status_code == 422
    assert "on this site" in page(response).select_one("#handle-error").get_text()
