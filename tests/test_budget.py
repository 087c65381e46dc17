"""The database round-trip budget: what each page may cost, whatever the page size and
however many posts exist, for readers and for signed-in users; and every query the
pages make is served by a declared index. Counted, never timed (``make bench`` times).

To budget a new page, add a row to ``PAGES``.
"""
import random

import pytest

from bench.indexes import declared_indexes, serving_index, unserved
from bench.meter import METER, install
from bench.site import routed
from conftest import AuthActions, page
from tumblelog.models import POST_TYPES, Post
from tumblelog.notes import reblog
from tumblelog.paging import encode_cursor
from tumblelog.seed import ensure_user, seed_discussion, seed_posts

install()  # at import, before any app here connects, so pymongo's listener sees it

# (name, how to reach the page from a seeded blog, most round trips allowed)
PAGES = [
    ("front page", lambda blog: "/", 2),
    ("front page, older by cursor", lambda blog: blog.older("/", times=2), 2),
    ("front page, newer by cursor", lambda blog: blog.newer(blog.older("/", times=2)), 2),
    ("front page, ?page=2", lambda blog: "/?page=2", 2),
    ("tag page", lambda blog: "/tag/python", 2),
    ("tag page, older by cursor", lambda blog: blog.older("/tag/python"), 2),
    ("rare tag page", lambda blog: "/tag/winter", 2),
    # The first page looks for the blogger's pinned post (unless it is among the posts).
    ("user page", lambda blog: "/user/ada", 3),
    ("user page, older by cursor", lambda blog: blog.older("/user/ada"), 2),
    ("user page, no posts yet", lambda blog: "/user/quiet", 2),
    ("user page, other spelling", lambda blog: "/user/ADA", 2),
    ("user page, unknown", lambda blog: "/user/nobody", 2),
    # A permalink: the post with a page of its comments, and a page of its notes.
    ("permalink with 20 comments", lambda blog: blog.discussion_url, 3),
    ("permalink, a later comment page", lambda blog: f"{blog.discussion_url}?page=2", 3),
    ("permalink, a later notes page", lambda blog: f"{blog.discussion_url}?notes=2", 3),
    # The account and a page of notifications; when some were unread, two writes mark them read.
    ("activity", lambda blog: "/activity", 4),
    # Pages that other features add: budgeted from the moment their routes exist.
    ("dashboard", lambda blog: "/dashboard", 3),
    ("search", lambda blog: "/search?q=python", 3),
    ("site feed", lambda blog: "/feed.atom", 2),
    ("site JSON feed", lambda blog: "/feed.json", 2),
    ("search, last word begun", lambda blog: "/search?q=python+flas", 3),
    ("oEmbed", lambda blog: f"/oembed?url=http://localhost/post/{blog.discussion.id}", 1),
    # Built with three queries, however many posts, then kept for SITEMAP_CACHE_SECONDS.
    ("sitemap", lambda blog: "/sitemap.xml", 0),
    ("API post list", lambda blog: "/api/v1/posts", 2),
    # The blogger's own pages: the account, then one query (a reader is sent to sign in).
    ("drafts", lambda blog: "/drafts", 2),
    ("queue", lambda blog: "/queue", 2),
]


class Blog:
    """A seeded blog, and two clients to browse it: a reader and a signed-in user."""

    def __init__(self, app, posts):
        self.app = app
        with app.app_context():
            seed_posts(posts, rng=random.Random(posts))
            self.discussion = seed_discussion(20, rng=random.Random(1))
            self.discussion_url = f"/post/{self.discussion.id}/{self.discussion.slug}"
            ensure_user("quiet")
            # Reblogs in the lists (and on the python tag page and the dashboard): each
            # carries its trail, so none may cost a query of its own.
            echo = ensure_user("echo")
            for source in list(Post.listing().filter(tags="python").limit(3)):
                reblog(reblog(source, echo, "Worth a read", ["python"]), echo, "Again", ["python"])
            self.liked = [self.discussion.id, *Post.listing().limit(3).scalar("id")]
        self.clients = {"reader": app.test_client(), "signed-in": app.test_client()}
        AuthActions(self.clients["signed-in"]).register("reader")
        for followed in ("/tag/python/follow", "/user/ada/follow"):  # fills the dashboard
            self.clients["signed-in"].post(followed)
        for post_id in self.liked:  # so pages show liked posts, at no extra cost
            self.clients["signed-in"].post(f"/post/{post_id}/like", data={"action": "like"})
        self.client = self.clients["reader"]
        self.statuses = {}
        # MongoEngine ensures a collection's indexes on first use: not any page's cost.
        self.client.get("/user/nobody")

    def link(self, url, rel):
        return page(self.client.get(url)).select_one(f"a[rel={rel}]")["href"]

    def older(self, url, times=1):
        """Follow "Older posts" ``times``; on a blog too small for that, the posts older
        than the newest one (a cursor page all the same)."""
        for _ in range(times):
            html = page(self.client.get(url))
            if html.select_one("a[rel=next]") is None:
                newest = Post.objects(id=html.select_one("article.post")["data-post-id"]).first()
                return f"{url.split('?')[0]}?before={encode_cursor(newest)}"
            url = html.select_one("a[rel=next]")["href"]
        return url

    def newer(self, url):
        return self.link(url, "prev")

    def round_trips(self, url, who):
        """The database operations one GET of ``url`` by ``who`` makes, once caches are
        warm (site-wide figures such as top tags are cached briefly, by design)."""
        client = self.clients[who]
        client.get(url)
        with METER.recording() as operations:
            response = client.get(url)
        # 404 too: ?page=2 of a blog smaller than two pages, an unknown blogger.
        assert response.status_code in (200, 301, 302, 303, 404), (url, response.status_code)
        self.statuses[who, url] = response.status_code
        return operations

    def costs(self, per_page=5):
        """``{(who, page name): (status, operations)}`` for every row of ``PAGES`` whose
        page exists, at ``per_page`` posts a page."""
        # Read afresh by every request; at 5 a page the discussion has later comment pages.
        self.app.config["POSTS_PER_PAGE"] = self.app.config["COMMENTS_PER_PAGE"] = per_page
        urls = {name: where(self) for name, where, _ in PAGES}
        return {
            (who, name, per_page): (self.statuses[who, url], operations)
            for who in self.clients
            for name, url in urls.items()
            if routed(self.app, url)  # rows for features not built yet wait
            for operations in [self.round_trips(url, who)]
        }


BUDGETS = {name: budget for name, _, budget in PAGES}


def over_budget(name, operations):
    """Whether ``operations`` break page ``name``'s budget."""
    return len(operations) > BUDGETS[name]


def test_pages_stay_within_their_round_trip_budget_as_the_blog_grows(app_factory):
    def measured(posts):
        blog = Blog(app_factory(), posts)
        return {**blog.costs(per_page=5), **blog.costs(per_page=20)}

    # One blog at a time: MongoEngine has one connection, the last app's.
    small, large = measured(15), measured(60)
    over = {
        key: [f"{op.command} {op.collection} {op.filter}" for op in large[key][1]]
        for key in large
        if over_budget(key[1], large[key][1]) or over_budget(key[1], small[key][1])
    }
    assert over == {}
    # The same page costs the same at 60 posts as at 15 (where it is the same page:
    # ?page=2 of 20 a page exists only on the larger blog).
    same = [key for key in large if large[key][0] == small[key][0]]
    assert {key: len(large[key][1]) for key in same} == {key: len(small[key][1]) for key in same}


def test_every_query_the_pages_make_is_served_by_a_declared_index(app_factory):
    operations = [op for _, ops in Blog(app_factory(), 30).costs().values() for op in ops]
    assert [op.command for op in operations if op.filter is not None]  # it saw the reads
    assert [(op.collection, op.filter, op.sort) for op in unserved(operations)] == [], [str(op.filter) for op in unserved(operations)]


def test_lists_load_neither_comments_nor_markdown_source(app_factory):
    blog = Blog(app_factory(), 15)
    with blog.app.app_context():
        listed = list(Post.listing().limit(20))
    assert listed and all(post.comments == [] for post in listed)
    assert all(post.body is None for post in listed if post.type == "blog")
    assert any(post.comment_count for post in listed)


POST = "post"
POST_INDEXES = {
    POST: [
        [("_id", 1)],
        [("created_at", -1), ("_id", -1)],
        [("tags", 1), ("created_at", -1), ("_id", -1)],
    ]
}
NEWEST = [("created_at", -1), ("_id", -1)]


@pytest.mark.parametrize(
    "filter_, sort",
    [
        ({}, NEWEST),
        ({}, [("created_at", 1), ("_id", 1)]),  # the same index, walked backwards
        ({"tags": "python"}, NEWEST),
        ({"tags": "python", "created_at": {"$lte": 5}, "$or": [{"created_at": {"$lt": 5}}, {"_id": {"$lt": 3}}]}, NEWEST),
        ({"tags": {"$all": ["python", "flask"]}}, NEWEST),
        ({"tags": {"$in": ["python", "flask"]}}, NEWEST),  # one scan per tag, merged
        # the last search word as a prefix, filtering what the $all lookup finds
        ({"tags": {"$all": ["python"], "$elemMatch": {"$gte": "fla", "$lt": "flb"}}}, NEWEST),
        ({"$or": [{"tags": {"$in": ["a"]}}, {"_id": {"$in": [1, 2]}}]}, None),
        ({"_id": 7}, None),
        ({"_id": 7, "comment_count": {"$gt": 3}}, NEWEST),  # one document, whatever else
        ({"created_at": {"$gt": 5}}, None),
        # The dashboard: the rest of the filter goes into each branch of the $or.
        ({"created_at": {"$lte": 5}, "$or": [{"tags": {"$in": ["a"]}}, {"tags": "b"}]}, NEWEST),
    ],
)
def test_index_check_accepts_served_shapes(filter_, sort):
    assert serving_index(POST, filter_, sort, POST_INDEXES)


# What the rate limiter sends when it counts in MongoDB (on a server; mongomock runs it
# in memory): its collections are no document's, but have their _id index all the same.
@pytest.mark.parametrize("filter_, served", [
    ({"_id": "LIMITER/127.0.0.1/api-address/300/1/minute"}, True),
    ({"_id": "LIMITER/127.0.0.1/api-address/300/1/minute", "entries.299": {"$not": {"$gte": 1795959175.8}}}, True),
    ({"expireAt": {"$lt": 1795959175.8}}, False),
])
def test_index_check_knows_every_collection_has_an_id_index(filter_, served):
    assert bool(serving_index("windows", filter_, None, POST_INDEXES)) is served


@pytest.mark.parametrize(
    "filter_, sort",
    [
        ({}, None),  # a collection scan
        ({}, [("updated_at", -1)]),  # an in-memory sort
        ({}, [("created_at", -1), ("_id", 1)]),  # mixed directions: not this index
        ({"tags": "python"}, [("_id", -1)]),
        ({"author_name": "ada"}, NEWEST),  # no such index declared here
        ({"tags": "python", "comment_count": {"$gt": 3}}, NEWEST),  # a filter off the index
        ({"tags": {"$regex": "^py"}}, None),
        ({"tags": {"$nin": ["a", "b"]}}, NEWEST),  # every other value: a scan of the index
        ({"tags": {"$elemMatch": {"$gte": "a", "$lt": "b"}}}, NEWEST),  # a range, then a sort in memory
        ({"$or": [{"tags": "a"}, {"comment_count": 3}]}, NEWEST),
        ({"$or": [{"tags": "a"}, {"author_name": "b"}]}, None),
        ({"created_at": {"$lte": 5}, "$or": [{"tags": "a"}, {"author_name": "b"}]}, NEWEST),
    ],
)
def test_index_check_rejects_unserved_shapes(filter_, sort):
    assert serving_index(POST, filter_, sort, POST_INDEXES) is None


def test_class_filter_is_ignored_only_when_it_admits_every_post_type(app):
    indexes = declared_indexes()
    # Every stored class: the post types and the reblog (which no form creates).
    every_type = {"_cls": {"$in": list(Post._subclasses)}}
    assert {*(model._class_name for model in POST_TYPES.values()), "Post.Reblog"} <= set(every_type["_cls"]["$in"])
    newest = [("published_at", -1), ("_id", -1)]
    shown = {"listed": True, "hidden": None}
    assert serving_index(POST, {**shown, **every_type}, newest, indexes)
    assert serving_index(POST, {**shown, "_cls": {"$in": ["Post.BlogPost"]}}, newest, indexes) is None


def test_pages_never_render_markdown(app_factory, monkeypatch):
    blog = Blog(app_factory(), 15)

    def refuse(text):
        raise AssertionError("Markdown rendered while showing a page")

    monkeypatch.setattr("tumblelog.markup._md.render", refuse)  # whoever calls it
    for who, client in blog.clients.items():
        for name, where, _ in PAGES:
            assert client.get(where(blog)).status_code in (200, 301, 302, 303, 404), (who, name)


@pytest.mark.parametrize("visited", ["quiet", "QUIET", "nobody", "reader"])
def test_a_signed_in_reader_stays_themselves_on_user_pages_found_with_one_query(client, auth, visited):
    ensure_user("quiet")
    auth.register("reader")
    response = client.get(f"/user/{visited}", follow_redirects=True)
    assert page(response).select_one(".site-nav__user").get_text() == "reader"
    if visited != "nobody":
        assert "has not posted yet" in page(response).select_one(".empty").get_text()
