"""Nothing unpublished leaks: a draft, a queued post, a post scheduled a minute ahead, an
unlisted and a private post, against every list, feed, search, count and API endpoint,
signed out, as another blogger and as their author.

Alice has one public post and one post of each hidden kind, all tagged #secret and
containing the word "hush"; the hidden ones are also tagged #hiddenonly. Bob follows
#secret and alice; alice follows #secret.
"""
from datetime import timedelta

import pytest

from api_helpers import API, basic, bearer
from conftest import AuthActions, page
from factories import make_post, make_user
from tumblelog.models import Post, utcnow

HIDDEN = ["draft", "queued", "scheduled", "unlisted", "private"]
VIEWERS = ["anonymous", "bob", "alice"]


def hidden_post(kind, author):
    """A post of one hidden kind by ``author``."""
    fields = {"quote": f"A {kind} hush", "tags": ["secret", "hiddenonly"], "author": author}
    if kind == "draft":
        fields["state"] = "draft"
    elif kind in ("queued", "scheduled"):
        fields.update(state=kind, published_at=utcnow() + timedelta(minutes=1))
    else:
        fields["visibility"] = kind
    return make_post("quote", **fields)


class Site:
    """Alice's blog with every kind of hidden post, and a client (with an API token)
    for each viewer."""

    def __init__(self, app):
        self.alice, bob = make_user("alice"), make_user("bob")
        self.public = make_post("quote", quote="A public hush", tags=["secret"], author=self.alice)
        self.hidden = {kind: hidden_post(kind, self.alice) for kind in HIDDEN}
        self.clients, self.tokens = {"anonymous": app.test_client()}, {"anonymous": None}
        for name in ("bob", "alice"):
            client = self.clients[name] = app.test_client()
            AuthActions(client).login(name)
            client.post("/tag/secret/follow")
            if name == "bob":
                client.post("/user/alice/follow")
            self.tokens[name] = client.post(f"{API}/tokens", headers=basic(name)).json["token"]
        bob.reload()

    def get(self, viewer, url, api=False):
        headers = bearer(self.tokens[viewer]) if api and self.tokens[viewer] else {}
        return self.clients[viewer].get(url, headers=headers)


@pytest.fixture
def site(app_factory):
    return Site(app_factory(TOP_TAGS_TTL=0))


LISTS = [
    "/", "/tag/secret", "/user/alice", "/dashboard", "/search?q=hush",
    "/feed.atom", "/tag/secret/feed.atom", "/user/alice/feed.atom",
    "/feed.json", "/user/alice/feed.json", "/sitemap.xml", "/user/alice/outbox?page=1",
]
API_LISTS = ["/posts", "/posts?tag=secret", "/posts?author=alice", "/posts?type=quote"]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_lists_feeds_and_search_show_only_the_published_public_post(site, viewer):
    for url in LISTS:
        if url == "/dashboard" and viewer == "anonymous":
            continue
        body = site.get(viewer, url).get_data(as_text=True)
        assert str(site.public.id) in body, url
        leaked = [kind for kind, post in site.hidden.items() if str(post.id) in body]
        assert leaked == [], url


@pytest.mark.parametrize("viewer", VIEWERS)
def test_api_lists_show_only_the_published_public_post(site, viewer):
    for url in API_LISTS:
        ids = [post["id"] for post in site.get(viewer, API + url, api=True).json["posts"]]
        assert ids == [str(site.public.id)], url


@pytest.mark.parametrize("viewer", VIEWERS)
def test_counts_and_top_tags_leave_hidden_posts_out(site, viewer):
    assert site.get(viewer, f"{API}/users/alice", api=True).json["post_count"] == 1
    tags = {row["tag"]: row["count"] for row in site.get(viewer, f"{API}/tags", api=True).json["tags"]}
    assert tags == {"secret": 1}
    sidebar = page(site.get(viewer, "/")).select(".sidebar a[rel=tag], .sidebar a")
    assert "hiddenonly" not in " ".join(a.get_text() for a in sidebar)
    assert "No posts are tagged #hiddenonly" in site.get(viewer, "/tag/hiddenonly").get_data(as_text=True)


# Who may open each hidden post's permalink: unlisted is for anyone with the link.
SEES = {kind: {"alice"} for kind in HIDDEN} | {"unlisted": set(VIEWERS)}


@pytest.mark.parametrize("kind", HIDDEN)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_hidden_post_exists_only_for_whom_it_is_meant(site, kind, viewer):
    post = site.hidden[kind]
    expected = 200 if viewer in SEES[kind] else 404
    client = site.clients[viewer]
    assert site.get(viewer, f"/post/{post.id}/{post.slug}").status_code == expected
    assert site.get(viewer, f"/post/{post.id}").status_code == (301 if expected == 200 else 404)
    assert site.get(viewer, f"{API}/posts/{post.id}", api=True).status_code == expected
    assert site.get(viewer, f"{API}/posts/{post.id}/comments", api=True).status_code == expected
    assert site.get(viewer, f"{API}/posts/{post.id}/notes", api=True).status_code == expected
    # Only what lists show is embeddable elsewhere, and only that is reblogged.
    assert site.get(viewer, f"/oembed?url=http://localhost/post/{post.id}").status_code == 404
    if viewer != "anonymous":
        assert site.get(viewer, f"/post/{post.id}/reblog").status_code == expected
        assert client.post(f"/post/{post.id}/reblog").status_code == (409 if expected == 200 else 404)
    comment = client.post(f"/post/{post.id}/comments", data={"name": "Sam", "body": "hi"})
    assert comment.status_code == (303 if expected == 200 else 404)
    if viewer != "anonymous":
        assert client.post(f"/post/{post.id}/like").status_code == (303 if expected == 200 else 404)
        api_like = client.post(f"{API}/posts/{post.id}/like", headers=bearer(site.tokens[viewer]))
        assert api_like.status_code == (200 if expected == 200 else 404)


def test_a_scheduled_post_appears_everywhere_when_its_time_comes_and_not_before(site, clock):
    scheduled = site.hidden["scheduled"]
    clock.advance(seconds=59)
    assert str(scheduled.id) not in site.get("bob", "/").get_data(as_text=True)
    clock.advance(minutes=1)
    for url in LISTS:
        assert str(scheduled.id) in site.get("bob", url).get_data(as_text=True), url
    for url in API_LISTS:
        assert str(scheduled.id) in [post["id"] for post in site.get("bob", API + url).json["posts"]], url
    assert site.get("anonymous", f"/post/{scheduled.id}/{scheduled.slug}").status_code == 200
    assert site.get("bob", f"{API}/posts/{scheduled.id}").json["state"] == "published"


def test_the_author_lists_drafts_and_queue_with_their_token_only(site):
    def listed(viewer, state):
        response = site.get(viewer, f"{API}/posts?state={state}", api=True)
        return response.status_code, [post["id"] for post in (response.json or {}).get("posts", [])]

    for state in ("draft", "queued", "scheduled"):
        assert listed("alice", state) == (200, [str(site.hidden[state].id)])
        assert listed("bob", state) == (200, [])
        assert listed("anonymous", state)[0] == 401
    assert site.get("bob", f"{API}/posts?state=draft&author=alice", api=True).status_code == 403


def test_the_drafts_and_queue_pages_are_the_authors_own(site):
    drafts = site.get("alice", "/drafts").get_data(as_text=True)
    assert str(site.hidden["draft"].id) in drafts and str(site.public.id) not in drafts
    queue = site.get("alice", "/queue").get_data(as_text=True)
    assert str(site.hidden["queued"].id) in queue and str(site.hidden["scheduled"].id) in queue
    for page_url in ("/drafts", "/queue"):
        body = site.get("bob", page_url).get_data(as_text=True)
        assert not any(str(post.id) in body for post in site.hidden.values()), page_url
        assert site.get("anonymous", page_url).status_code == 302


def test_nothing_unpublished_is_stored_as_listed(app):
    """The flag every list index starts with follows state and visibility."""
    alice = make_user("alice")
    posts = {kind: hidden_post(kind, alice) for kind in HIDDEN}
    assert {kind: post.listed for kind, post in posts.items()} == {
        "draft": False, "queued": True, "scheduled": True, "unlisted": False, "private": False,
    }
    assert [post.id for post in Post.listing()] == []
