"""The blog under test: an app with a bare "hello" route beside the real pages, seeded
demo content, and the list of pages to measure.

``make_app`` is shared by the in-process run and the gunicorn workers of ``--http``
(``bench.serve``), so both measure the same thing.
"""
import os
import random
import sys

from bs4 import BeautifulSoup
from markupsafe import Markup
from mongoengine.connection import get_db
from werkzeug.exceptions import HTTPException, NotFound

from config import Config
from tumblelog import create_app
from tumblelog.models import RECENT_LIKES
from tumblelog.models import BlogPost, Post, User
from tumblelog.paging import encode_cursor
from tumblelog.seed import ensure_user, seed_discussion, seed_posts, seed_reblogs

HELLO = "/_bench/hello"
FLOOR = "/_bench/floor"
READER, READER_PASSWORD = "bench-reader", "bench-reader-password"
USER_AGENT = "tumblelog-bench"
RETURNING = "returning"  # a signed-out reader revalidating the page it holds


def reader_headers(reader, cookie, first_visit):
    """The request headers of ``reader`` (see ``pages``). A returning reader sends back
    the ETag and the cookie (a permalink's comment form starts a session) of its first
    visit: ``first_visit()`` fetches the page and returns its response headers."""
    headers = {"User-Agent": USER_AGENT}
    if reader is True:
        headers["Cookie"] = cookie
    elif reader == RETURNING:
        first = first_visit()
        headers["If-None-Match"] = first["ETag"]
        if first.get("Set-Cookie"):
            headers["Cookie"] = first["Set-Cookie"].split(";")[0]
    return headers
DISCUSSION_TITLE = "A post everyone has an opinion on"


class BenchConfig(Config):
    SECRET_KEY = "bench-only-secret"
    POSTS_PER_PAGE = 10
    BCRYPT_LOG_ROUNDS = 4  # the demo accounts' hashes; no page measured checks a password


def make_app(per_page=10):
    """The production app on ``MONGODB_URI`` (or mongomock), plus ``HELLO``."""
    config = type("Bench", (BenchConfig,), {"POSTS_PER_PAGE": per_page, "MONGODB_URI": os.environ.get("MONGODB_URI")})
    app = create_app(config)
    app.add_url_rule(HELLO, "bench_hello", lambda: "hello")
    app.add_url_rule(FLOOR, "bench_floor", floor_view(app, per_page))
    return app


# The floor: the front page's posts as the simplest correct Flask + Jinja code shows
# them. One raw query, plain dicts, one template with no includes, macros or url_for;
# the same escaping as the real page (stored HTML is already sanitised at save).
FLOOR_TEMPLATE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>tumblelog</title><link rel="stylesheet" href="/static/style.css"></head><body><main>
{% for post in posts %}<article id="post-{{ post.id }}" class="post post--{{ post.type }}">
{% if post.title %}<h2><a href="{{ post.url }}">{{ post.title }}</a></h2>{% endif %}
{% if post.html %}<div class="prose">{{ post.html }}</div>{% endif %}
{% if post.text %}<p>{{ post.text }}</p>{% endif %}
<footer><ul class="tags">{% for tag in post.tags %}<li><a href="/tag/{{ tag|urlencode }}">#{{ tag }}</a></li>{% endfor %}</ul>
<p><a href="/user/{{ post.author|urlencode }}">{{ post.author }}</a> ·
<a href="{{ post.url }}"><time datetime="{{ post.created }}">{{ post.day }}</time></a> ·
<a href="{{ post.url }}#comments">{{ post.comments }} comments</a> · {{ post.likes }} likes</p></footer>
</article>{% endfor %}</main></body></html>"""


def floor_view(app, per_page):
    template = app.jinja_env.from_string(FLOOR_TEMPLATE)

    def floor():
        # The front page's own filter (hidden posts, and whatever else lists leave out),
        # so the floor walks the same index range as the page it is the floor of.
        found = Post._get_collection().find(
            Post.listing()._query, {"comments": 0, "body": 0, "search_terms": 0},
            sort=[("published_at", -1), ("_id", -1)], limit=per_page,
        )
        posts = [
            {
                "id": doc["_id"], "type": doc.get("_cls", "").removeprefix("Post.").lower(), "url": f"/post/{doc['_id']}",
                "title": doc.get("title"), "html": Markup(doc.get("body_html") or ""),
                "text": doc.get("caption") or doc.get("quote") or doc.get("url"),
                "tags": doc.get("tags", []), "author": doc["author_name"], "created": doc["created_at"].isoformat(),
                "day": f"{doc['created_at']:%d %b %Y}", "comments": doc.get("comment_count", 0),
                "likes": doc.get("like_count", 0),
            }
            for doc in found
        ]
        return template.render(posts=posts)

    return floor


def seed(app, count, fresh=False, progress=True):
    """Fill the database with ``count`` posts and a discussion (20 comments, 20 notes).

    A real database that already holds posts is left alone unless ``fresh`` (which
    drops it): the benchmark must never mix its data into a blog.
    """
    with app.app_context():
        if not app.config["EMBEDDED_DB"]:
            database = get_db()
            if fresh:
                database.client.drop_database(database.name)
            elif Post.objects.only("id").first():
                sys.exit(f"error: database {database.name!r} already has posts; pass --fresh to drop it first.")
        done = 0

        def report(n):
            nonlocal done
            done += n
            if progress:
                print(f"\rseeding {done}/{count} posts", end="", file=sys.stderr, flush=True)

        seed_posts(count, progress=report, rng=random.Random(2026))
        discussion = seed_discussion(20, rng=random.Random(20))
        for i in range(20):  # and 20 notes: likes from 20 readers
            ensure_user(f"fan{i:02d}").like(discussion.id)
        seed_reblogs(20, rng=random.Random(15))  # lists show reblogs, each with its trail
        reader = ensure_user(READER, READER_PASSWORD)
        # What the reader follows fills the dashboard.
        User.objects(id=reader.id).update_one(
            set__followed_tags=["python", "photography"], set__followed_users=[ensure_user("ada").id]
        )
        # The reader likes as many of the newest posts as an account remembers, so the
        # signed-in rows load the largest user document and show liked posts.
        for post_id in Post.listing().limit(RECENT_LIKES).scalar("id"):
            reader.like(post_id)
        if progress:
            print(file=sys.stderr)
        return reader


def sign_in(app):
    """A session cookie for ``READER``, got through the real sign-in form."""
    client = app.test_client()
    headers = {"User-Agent": USER_AGENT}
    form = BeautifulSoup(client.get("/auth/login", headers=headers).data, "html.parser")
    token = form.select_one("input[name=csrf_token]")
    data = {"username": READER, "password": READER_PASSWORD, **({"csrf_token": token["value"]} if token else {})}
    response = client.post("/auth/login", data=data, headers=headers)
    assert response.status_code == 303, "the bench reader could not sign in"
    client.get(response.headers["Location"], headers=headers)  # shows (and so clears) "Signed in as ..."
    return f"session={client.get_cookie('session').value}"


def pages(app, deep_page=100):
    """``[(name, path, reader)]``: what the benchmark measures, in table order. ``reader``
    is False (signed out), True (the signed-in bench reader) or ``RETURNING``: signed
    out, asking with the ETag of the page it already holds (``If-None-Match``).

    Add a row here for every new page that lists posts.
    """
    per_page = app.config["POSTS_PER_PAGE"]
    with app.app_context():
        total = Post.objects.count()
        deep = max(1, min(deep_page, (total - 1) // per_page + 1))
        # The post just before page ``deep`` starts: its cursor opens that page.
        above = Post.listing().skip((deep - 1) * per_page - 1).first() if deep > 1 else None
        discussion = BlogPost.objects(title=DISCUSSION_TITLE).only("id", "title").first()
    rows = [
        ("hello (bare Flask route)", HELLO, False),
        ("floor (the front page's posts: plain dicts, one template)", FLOOR, False),
        ("front page", "/", False),
        ("front page, signed in", "/", True),
    ]
    if above is not None:
        rows += [
            (f"front page {deep}, by cursor", f"/?before={encode_cursor(above)}", False),
            (f"front page {deep}, ?page={deep}", f"/?page={deep}", False),
        ]
    rows += [
        ("tag page (common tag)", "/tag/python", False),
        ("tag page (common tag), signed in", "/tag/python", True),
        ("tag page (rare tag)", "/tag/winter", False),
        ("user page", "/user/ada", False),
        ("user page, signed in", "/user/ada", True),
        ("permalink, 20 comments, 20 notes", f"/post/{discussion.id}/{discussion.slug}", False),
        ("permalink, 20 comments, 20 notes, signed in", f"/post/{discussion.id}/{discussion.slug}", True),
        ("front page, a returning reader (304)", "/", RETURNING),
        ("permalink, a returning reader (304)", f"/post/{discussion.id}/{discussion.slug}", RETURNING),
    ]
    return rows + [row for row in LATER_PAGES if routed(app, row[1])]


# Pages that other features add: measured from the moment their routes exist.
LATER_PAGES = [
    ("dashboard", "/dashboard", True),
    ("search", "/search?q=python", False),
    ("site feed", "/feed.atom", False),
    ("API post list", "/api/v1/posts", False),
    ("drafts", "/drafts", True),
    ("queue", "/queue", True),
    ("activity (notifications)", "/activity", True),
]


def routed(app, url):
    """Whether ``app`` has a GET route for ``url``."""
    try:
        app.url_map.bind("localhost").match(url.split("?")[0], method="GET")
    except HTTPException as error:
        return not isinstance(error, NotFound)
    return True

