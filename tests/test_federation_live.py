"""Two tumblelog sites federating over real HTTP on loopback, with real signatures: a
reader of the second follows a blogger of the first, and her posts, edits and deletions
arrive. Both sites share one database (MongoEngine has one connection per process);
everything federation stores is keyed by actor URL, whose hosts differ."""
import threading

import pytest
from flask import got_request_exception
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import TestConfig
from tests.factories import PASSWORD, make_user
from tumblelog import create_app
from tumblelog.federation import actor_of_handle, delivery, follow_remote, net, objects
from tumblelog.federation.inbox import Refused
from tumblelog.federation.models import Follower, RemoteFollowing, RemotePost
from tumblelog.models import Post


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args):
        pass


class Site:
    """An app served on ``address`` by a threaded werkzeug server, while in a ``with``."""

    def __init__(self, app, address):
        self.app, self.address, self.errors = app, address, []
        got_request_exception.connect(lambda sender, exception, **extra: self.errors.append(exception), app, weak=False)

    def __enter__(self):
        self.server = make_server(self.address, 0, self.app, threaded=True, request_handler=QuietHandler)
        self.url = f"http://{self.address}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)

    def client(self, username):
        """A test client signed in as ``username``, reaching the app as this host."""
        client = self.app.test_client()
        client.post("/auth/login", data={"username": username, "password": PASSWORD}, base_url=self.url)
        return client


@pytest.fixture
def sites(app_factory):
    federating = {"FEDERATION_ALLOW_PRIVATE": True}
    first = app_factory(**federating)
    shared = type("SecondSite", (TestConfig,), {"MONGODB_SETTINGS": first.config["MONGODB_SETTINGS"], **federating})
    second = create_app(shared)
    with Site(first, "127.0.0.1") as one, Site(second, "127.0.0.2") as two:
        yield one, two
        assert not one.errors and not two.errors


def remote_posts(site):
    with site.app.app_context():
        return {post.object_id: post.content_html for post in RemotePost.objects}


def test_a_reader_follows_a_blogger_on_another_site_and_sees_her_posts_change(sites):
    one, two = sites
    with one.app.app_context():
        make_user("alice")
        bob = make_user("bob")  # the sites share a database: bob is on the second

    with two.app.test_request_context(base_url=two.url):
        follow_remote(bob, f"@alice@{one.url.removeprefix('http://')}")  # found by WebFinger
    with one.app.app_context():
        follower = Follower.objects.get()
        assert follower.actor == f"{two.url}/user/bob" and follower.inbox == f"{two.url}/user/bob/inbox"
        assert RemoteFollowing.objects.get(user=bob.pk).accepted  # the Accept came back

    blogger = one.client("alice")
    created = blogger.post("/post/new/quote", data={"quote": "Ship it.", "source": "Alice", "tags": "ops"}, base_url=one.url)
    assert created.status_code == 303
    post_url = f"{one.url}{created.headers['Location']}"
    assert "<blockquote><p>Ship it.</p></blockquote>" in remote_posts(two)[post_url]

    # bob replies, likes and boosts from the second site, signed by his key there.
    with two.app.test_request_context(base_url=two.url):
        alice_inbox = f"{one.url}/user/alice/inbox"
        reply = {"id": f"{two.url}/user/bob#notes/1", "type": "Note", "attributedTo": f"{two.url}/user/bob",
                 "inReplyTo": post_url, "content": "<p>Shipped!</p>"}
        for kind, obj in (("Create", reply), ("Like", post_url), ("Announce", post_url)):
            sent = objects.activity(kind, "bob", obj, objects.new_id("bob", kind))
            assert delivery.deliver(bob.pk, objects.key_id("bob"), alice_inbox, sent) == 202
    permalink = blogger.get(created.headers["Location"], base_url=one.url).get_data(as_text=True)
    assert "Shipped!" in permalink and f"@bob@127.0.0.2:" in permalink
    with one.app.app_context():
        assert Post.objects.get(id=created.headers["Location"].rsplit("/", 1)[1]).like_count == 1

    edit = created.headers["Location"] + "/edit"
    assert blogger.post(edit, data={"quote": "Ship it today.", "source": "Alice"}, base_url=one.url).status_code == 303
    assert "Ship it today." in remote_posts(two)[post_url]

    assert blogger.post(created.headers["Location"] + "/delete", base_url=one.url).status_code == 303
    assert post_url not in remote_posts(two)


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
