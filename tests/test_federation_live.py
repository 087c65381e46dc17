"""Two tumblelog sites federating over real HTTP on loopback, with real signatures: a
reader of the second follows a blogger of the first, and her posts, edits and deletions
arrive. Both sites share one database (MongoEngine has one connection per process);
everything federation stores is keyed by actor URL, whose hosts differ."""
import pytest

from tests.conftest import TestConfig, page
from tests.factories import PASSWORD, make_user
from tumblelog import create_app
from tumblelog.federation import actor_of_handle, delivery, follow_remote, net, objects
from tumblelog.federation.inbox import Refused
from tumblelog.federation.delivery import FailedDelivery
from tumblelog.federation.models import Follower, RemoteFollowing, RemotePost
from tumblelog.models import Post, User

from tests.live import Site


@pytest.fixture
def sites(app_factory):
    federating = {"FEDERATION_ALLOW_PRIVATE": True}
    first = app_factory(**federating)
    shared = type("SecondSite", (TestConfig,), {"MONGODB_SETTINGS": first.config["MONGODB_SETTINGS"], **federating})
    second = create_app(shared)
    with Site(first, "127.0.0.1") as one, Site(second, "127.0.0.2") as two:
        yield one, two
        assert not one.errors and not two.errors
        with first.app_context():
            assert [(f.inbox, f.error) for f in FailedDelivery.objects] == []  # every delivery arrived


def remote_posts(site):
    with site.app.app_context():
        return {post.object_id: post.content_html for post in RemotePost.objects}


def test_a_reader_follows_a_blogger_on_another_site_and_sees_her_posts_change(sites):
    one, two = sites
    with one.app.app_context():
        make_user("alice")
        bob = make_user("bob")  # the sites share a database: bob is on the second

    reader = two.client("bob")
    handle = f"@alice@{one.url.removeprefix('http://')}"
    followed = reader.post("/fediverse/follow", data={"handle": handle}, base_url=two.url)  # found by WebFinger
    assert followed.status_code == 303
    with one.app.app_context():
        follower = Follower.objects.get()
        assert follower.actor == f"{two.url}/user/bob" and follower.inbox == f"{two.url}/user/bob/inbox"
        assert RemoteFollowing.objects.get(user=bob.pk).accepted  # the Accept came back
    assert "waiting" not in page(reader.get("/fediverse", base_url=two.url)).select_one(".following li").get_text()

    blogger = one.client("alice")
    created = blogger.post("/post/new/quote", data={"quote": "Ship it.", "source": "Alice", "tags": "ops"}, base_url=one.url)
    assert created.status_code == 303
    # The post's ActivityPub id is its slug-free permalink, which a retitle never changes.
    post_path = "/".join(created.headers["Location"].split("/")[:3])
    post_url = one.url + post_path
    assert "<blockquote><p>Ship it.</p></blockquote>" in remote_posts(two)[post_url]
    [arrived] = page(reader.get("/dashboard", base_url=two.url)).select(".post--remote")
    assert arrived["data-remote-id"] == post_url and "Ship it." in arrived.get_text()

    # bob likes and boosts it from his dashboard, and replies (signed by his key there).
    for button in arrived.select(".post__footer form"):
        assert reader.post(button["action"], data={"action": "on"}, base_url=two.url).status_code == 303
    buttons = page(reader.get("/dashboard", base_url=two.url)).select(".post--remote .post__footer button")
    assert [button.get_text() for button in buttons] == ["Unlike", "Unboost"]
    with two.app.test_request_context(base_url=two.url):
        reply = {"id": f"{two.url}/user/bob#notes/1", "type": "Note", "attributedTo": f"{two.url}/user/bob",
                 "inReplyTo": post_url, "content": "<p>Shipped!</p>"}
        sent = objects.activity("Create", "bob", reply, objects.new_id("bob", "Create"))
        assert delivery.deliver(bob.pk, objects.key_id("bob"), f"{one.url}/user/alice/inbox", sent) == 202
    permalink = blogger.get(created.headers["Location"], base_url=one.url).get_data(as_text=True)
    assert "Shipped!" in permalink and f"@bob@127.0.0.2:" in permalink
    with one.app.app_context():
        counted = Post.objects.get(id=created.headers["Location"].split("/")[2])
        assert (counted.like_count, counted.reblog_count, counted.comment_count) == (1, 1, 1)
    unlike = page(reader.get("/dashboard", base_url=two.url)).select(".post--remote .post__footer form")[0]
    assert reader.post(unlike["action"], data={"action": "off"}, base_url=two.url).status_code == 303
    with one.app.app_context():
        assert Post.objects.get(id=counted.id).like_count == 0  # the Undo arrived

    edit = post_path + "/edit"
    assert blogger.post(edit, data={"quote": "Ship it today.", "source": "Alice"}, base_url=one.url).status_code == 303
    assert "Ship it today." in remote_posts(two)[post_url]

    assert blogger.post(post_path + "/delete", base_url=one.url).status_code == 303
    assert post_url not in remote_posts(two)

    unfollowed = reader.post("/fediverse/unfollow", data={"actor": f"{one.url}/user/alice"}, base_url=two.url)
    assert unfollowed.status_code == 303
    with one.app.app_context():
        assert Follower.objects.count() == 0  # the Undo arrived
        assert User.by_username("bob").followed_actors == []


def test_a_blogger_approving_followers_accepts_a_reader_of_another_site(sites):
    one, two = sites
    with one.app.app_context():
        make_user("alice")
        bob = make_user("bob")
    blogger = one.client("alice")
    assert blogger.post("/fediverse/settings", data={"approve_followers": "y"}, base_url=one.url).status_code == 303
    reader = two.client("bob")
    reader.post("/fediverse/follow", data={"handle": f"@alice@{one.url.removeprefix('http://')}"}, base_url=two.url)
    with one.app.app_context():
        assert not RemoteFollowing.objects.get(user=bob.pk).accepted
    assert "waiting" in page(reader.get("/fediverse", base_url=two.url)).select_one(".following li").get_text()

    accept = page(blogger.get("/fediverse", base_url=one.url)).select(".follow-request form")[0]["action"]
    assert blogger.post(accept, base_url=one.url).status_code == 303
    with one.app.app_context():
        assert RemoteFollowing.objects.get(user=bob.pk).accepted
        assert User.by_username("bob").followed_actors == [f"{one.url}/user/alice"]


def test_a_boost_from_another_site_is_a_note_and_a_reblog_there_an_announce(sites):
    one, two = sites
    with one.app.app_context():
        make_user("alice")
        make_user("bob")
    handle = f"@alice@{one.url.removeprefix('http://')}"
    two.client("bob").post("/fediverse/follow", data={"handle": handle}, base_url=two.url)
    blogger = one.client("alice")
    created = blogger.post("/post/new/quote", data={"quote": "Boost me."}, base_url=one.url)
    post_path = "/".join(created.headers["Location"].split("/")[:3])
    # alice's own reblog of her post federates to bob as an Announce, which his site takes.
    assert blogger.post(post_path + "/reblog", data={"comment": ""}, base_url=one.url).status_code == 303
    with two.app.test_request_context(base_url=two.url):
        with two.app.app_context():
            bob = User.by_username("bob")
        boost = objects.activity("Announce", "bob", f"{one.url}{post_path}", objects.new_id("bob", "Announce"))
        assert delivery.deliver(bob.pk, objects.key_id("bob"), f"{one.url}/user/alice/inbox", boost) == 202
    notes = page(blogger.get(post_path, base_url=one.url, follow_redirects=True)).select(".note")
    assert any(note.get_text(" ", strip=True) == f"@bob@{two.url.removeprefix('http://')} boosted this" for note in notes)


def test_a_follow_of_a_site_that_is_down_fails_without_an_error_page(sites):
    one, two = sites
    with one.app.app_context():
        bob = make_user("bob")
    with two.app.test_request_context(base_url=two.url), pytest.raises(net.FetchError):
        follow_remote(bob, "http://127.0.0.1:9/user/nobody")


@pytest.mark.parametrize("handle", ["alice", "@alice", "alice@", "@alice@host/path", "@al ice@host.example", "@@x@y"])
def test_a_handle_must_be_name_at_host(app, handle):
    with app.test_request_context(), pytest.raises(Refused, match="@name@host"):
        actor_of_handle(handle)


def test_a_blocked_domain_cannot_be_followed(app, runner):
    with app.app_context():
        bob = make_user("bob")
    runner.invoke(args=["federation", "block", "social.example"])
    with app.test_request_context(), pytest.raises(Refused, match="blocked"):
        follow_remote(bob, "https://social.example/users/carol")
