"""Webmention: a post on one site links to a post on another, and the mention arrives
there, verified, as a note; the endpoint refuses what it must; verification keeps,
updates or forgets a mention as its source changes; moderators hold and remove them;
sending discovers endpoints as the spec says. Real HTTP on loopback throughout."""
from datetime import datetime, timedelta, timezone

import pytest
from flask import Flask, Response

from tests.conftest import TestConfig, page
from tests.factories import make_post, make_user
from tests.live import Site
from tumblelog import create_app
from tumblelog.htmlscan import MAX_TEXT, scan
from tumblelog.mentions import MAX_TARGETS, Mention, Told, discover, links_of
from tumblelog.federation import net
from tumblelog.models import Post
from tumblelog.moderation import SiteSettings
from tumblelog.notes import Note

LIVE = {"FEDERATION_ALLOW_PRIVATE": True, "WEBMENTION_SEND": True}


@pytest.fixture
def sites(app_factory):
    """Two tumblelog sites sharing one database (MongoEngine has one connection per
    process), each on its own loopback address; the posts a test checks are on each."""
    first = app_factory(**LIVE)
    second = create_app(type("SecondSite", (TestConfig,), {"MONGODB_SETTINGS": first.config["MONGODB_SETTINGS"], **LIVE}))
    with Site(first, "127.0.0.1") as one, Site(second, "127.0.0.2") as two:
        yield one, two
        assert not one.errors and not two.errors


def notes_of(site, client, path):
    html = page(client.get(path, base_url=site.url))
    return [" ".join(note.get_text().split()) for note in html.select(".notes__list .note")], html


def test_a_post_linking_to_another_sites_post_shows_there_as_a_note(sites):
    one, two = sites
    with one.app.app_context():
        make_user("alice"), make_user("bob")
    alice, bob = one.client("alice"), two.client("bob")
    created = alice.post("/post/new/blog", data={"title": "Tabs or spaces", "body": "Discuss."}, base_url=one.url)
    target = f"{one.url}{created.headers['Location']}"

    # The permalink advertises its endpoint, in a Link header and in the page.
    shown = alice.get(created.headers["Location"], base_url=one.url)
    assert shown.headers["Link"] == f'<{one.url}/webmention>; rel="webmention"'
    assert page(shown).select_one('link[rel="webmention"]')["href"] == f"{one.url}/webmention"

    # bob links to it from the other site: saving his post tells alice's site, which
    # fetches bob's post back, sees the link and shows the mention.
    reply = bob.post("/post/new/blog", data={"title": "Spaces", "body": f"Spaces, [of course]({target})."},
                     base_url=two.url)
    source = f"{two.url}{reply.headers['Location']}"
    reply_path = reply.headers["Location"].rsplit("/", 1)[0]  # /post/<id>, without the slug
    notes, html = notes_of(one, one.app.test_client(), created.headers["Location"])
    assert notes == ["bob linked to this: Spaces, of course."]  # read from the h-entry of bob's post
    link = html.select_one(".note--webmention a")
    assert link["href"] == source and set(link["rel"]) >= {"nofollow", "ugc"}
    assert "1 note" in html.select_one(".post__notes").get_text()
    activity = page(alice.get("/activity", base_url=one.url)).select_one(".activity__item").get_text()
    assert " ".join(activity.split()).startswith("bob linked to “Tabs or spaces”")

    # bob drops the link: his site tells alice's again, which finds it gone.
    bob.post(f"{reply_path}/edit", data={"title": "Spaces", "body": "Spaces."}, base_url=two.url)
    notes, html = notes_of(one, alice, created.headers["Location"])
    assert notes == [] and "0 notes" in html.select_one(".post__notes").get_text()

    # Linked again, then deleted: the mention comes and goes with it.
    bob.post(f"{reply_path}/edit", data={"title": "Spaces", "body": f"[Again]({target})"}, base_url=two.url)
    assert len(notes_of(one, alice, created.headers["Location"])[0]) == 1
    bob.post(f"{reply_path}/delete", base_url=two.url)
    assert notes_of(one, alice, created.headers["Location"])[0] == []
    with one.app.app_context():
        assert Mention.objects.count() == 0 and Told.objects.count() == 0


# --- the endpoint's checks, made before anything is queued ---------------------------


@pytest.fixture
def post(app):
    with app.app_context():
        return make_post(title="Hello")


def mention(client, source, target):
    return client.post("/webmention", data={"source": source, "target": target})


@pytest.mark.parametrize("source, target, reason", [
    ("", "{post}", "Give the source URL"),
    ("https://elsewhere.example/a", "", "Give the target URL"),
    ("ftp://elsewhere.example/a", "{post}", "http:// or https://"),
    ("javascript:alert(1)", "{post}", "http:// or https://"),
    ("https://elsewhere.example/a b", "{post}", "spaces"),
    ("https://user:secret@elsewhere.example/a", "{post}", "user name or password"),
    ("https://elsewhere.example/" + "a" * 2100, "{post}", "at most 2048"),
    ("{post}", "{post}", "the same page"),
    ("{post}#reply", "{post}", "the same page"),
    ("https://elsewhere.example/a", "https://elsewhere.example/post/{id}", "not on this site"),
    ("https://elsewhere.example/a", "http://localhost/tag/python", "not a post of this site"),
    ("https://elsewhere.example/a", "http://localhost/post/0123456789abcdef01234567", "not a post of this site"),
    ("https://elsewhere.example/a", "http://localhost/post/nonsense", "not a post of this site"),
    ("https://elsewhere.example/a", "http://localhost/webmention", "not a post of this site"),
])
def test_the_endpoint_refuses_what_it_cannot_take(client, post, source, target, reason):
    url = f"http://localhost/post/{post.id}"
    answer = mention(client, source.format(post=url), target.format(post=url, id=post.id))
    assert answer.status_code == 400 and reason in answer.get_data(as_text=True)


@pytest.mark.parametrize("fields", [
    {"hidden": "moderator"},
    {"state": "draft"},
    {"visibility": "private"},
    {"visibility": "unlisted"},
    {"state": "scheduled", "published_at": datetime.now(timezone.utc) + timedelta(days=1)},
], ids=["hidden", "draft", "private", "unlisted", "scheduled"])
def test_a_post_readers_cannot_list_takes_no_mentions(app, client, fields):
    with app.app_context():
        post = make_post(title="Not for everyone", **fields)
    answer = mention(client, "https://elsewhere.example/a", f"http://localhost/post/{post.id}")
    assert answer.status_code == 400 and "not a post of this site" in answer.get_data(as_text=True)


def test_a_huge_request_is_refused(client, post):
    answer = client.post("/webmention", data={"source": "https://e.example/" + "a" * 10_000, "target": "x"})
    assert answer.status_code == 413


def test_the_endpoint_is_rate_limited(app_factory):
    app = app_factory(RATELIMIT_WEBMENTION="2 per minute")
    client = app.test_client()
    answers = [mention(client, "https://elsewhere.example/a", "http://localhost/nothing").status_code for _ in range(3)]
    assert answers == [400, 400, 429]


# --- verification: what the source says decides --------------------------------------


class Source:
    """Another site on loopback whose pages a test writes: ``pages[path] = (status,
    content type, body)``; ``asked`` lists the paths requested."""

    def __init__(self):
        self.pages, self.asked = {}, []
        self.app = Flask("source")
        self.app.add_url_rule("/<path:path>", "page", self.serve)

    def serve(self, path):
        self.asked.append(path)
        status, content_type, body = self.pages.get(path, (404, "text/plain", "no such page"))
        headers = {"Location": body} if 300 <= status < 400 else {}
        return Response(body, status, content_type=content_type, headers=headers)


@pytest.fixture
def source():
    fake = Source()
    with Site(fake.app, "127.0.0.2") as site:
        fake.url = site.url
        yield fake


@pytest.fixture
def live_app(app_factory):
    return app_factory(FEDERATION_ALLOW_PRIVATE=True)


def h_entry(target, content="Nice post.", extra=""):
    return f"""<!doctype html><html><head><title>A reply</title></head><body>
      <article class="h-entry">
        <a class="p-author h-card" href="https://sam.example/"><img class="u-photo" src="/sam.png" alt="">Sam Writer</a>
        <time class="dt-published" datetime="2026-11-20T08:30:00Z">20 Nov</time>
        <div class="e-content">{content} <a href="{target}">this</a></div>{extra}
      </article></body></html>"""


def stored(app):
    with app.app_context():
        return [(m.kind, m.author_name, m.author_url, m.excerpt, m.state) for m in Mention.objects]


def test_an_h_entry_reply_is_shown_with_its_author_and_text(live_app, source):
    client = live_app.test_client()
    with live_app.app_context():
        post = make_post(title="Hello")
    target = f"http://localhost/post/{post.id}"
    source.pages["reply"] = (200, "text/html; charset=utf-8", h_entry(
        target, content="<script>alert(1)</script>Agreed &amp; more.", extra=f'<a class="u-in-reply-to" href="{target}"></a>'))
    assert mention(client, f"{source.url}/reply", target).status_code == 202
    with live_app.app_context():
        found = Mention.objects.get()
    assert (found.kind, found.author_name, found.author_url) == ("reply", "Sam Writer", "https://sam.example/")
    assert found.author_photo == f"{source.url}/sam.png" and found.published.isoformat() == "2026-11-20T08:30:00+00:00"
    assert found.excerpt == "Agreed & more. this"  # the script's text never came along
    html = client.get(f"/post/{post.id}", follow_redirects=True).get_data(as_text=True)
    assert "Sam Writer" in html and "Agreed &amp; more." in html and "<script>alert" not in html
    [note] = client.get(f"/api/v1/posts/{post.id}/notes").get_json()["notes"]
    assert (note["kind"], note["actor"], note["url"]) == ("webmention", "Sam Writer", f"{source.url}/reply")
    assert client.get(f"/api/v1/posts/{post.id}").get_json()["note_count"] == 1


@pytest.mark.parametrize("page_at, why", [
    ((200, "text/html", "<p>No link here, just <a href='https://elsewhere.example/'>elsewhere</a>.</p>"), "no link"),
    ((200, "text/plain", "{target}"), "not HTML"),
    ((200, "application/json", '{{"url": "{target}"}}'), "not HTML"),
    ((200, "text/html", "<a href='{target}'>x</a>" + " " * (net.MAX_RESPONSE + 10)), "larger than the cap"),
    ((404, "text/html", "<a href='{target}'>x</a>"), "not found"),
    ((410, "text/html", "<a href='{target}'>x</a>"), "gone"),
    ((500, "text/html", "<a href='{target}'>x</a>"), "failing"),
    ((302, "text/html", "http://127.0.0.1:1/private"), "a redirect to nowhere"),
])
def test_a_source_that_does_not_link_shows_nothing(live_app, source, page_at, why):
    client = live_app.test_client()
    with live_app.app_context():
        post = make_post(title="Hello")
    target = f"http://localhost/post/{post.id}"
    status, content_type, body = page_at
    source.pages["page"] = (status, content_type, body.format(target=target) if status < 300 else body)
    assert mention(client, f"{source.url}/page", target).status_code == 202
    assert stored(live_app) == [], why
    assert page(client.get(f"/post/{post.id}", follow_redirects=True)).select(".note--webmention") == []


def test_a_source_that_stops_linking_or_goes_takes_its_mention_away(live_app, source):
    client = live_app.test_client()
    with live_app.app_context():
        post = make_post(title="Hello")
    target = f"http://localhost/post/{post.id}"
    source.pages["page"] = (200, "text/html", h_entry(target))
    mention(client, f"{source.url}/page", target)
    source.pages["page"] = (200, "text/html", h_entry(target, content="Edited."))
    mention(client, f"{source.url}/page", target)  # sent again: updated, still one
    assert stored(live_app) == [("mention", "Sam Writer", "https://sam.example/", "Edited. this", None)]
    assert "Edited." in page(client.get(f"/post/{post.id}", follow_redirects=True)).select_one(".note--webmention").get_text()
    source.pages["page"] = (410, "text/html", "gone")
    mention(client, f"{source.url}/page", target)
    assert stored(live_app) == []
    with live_app.app_context():
        assert Note.objects(kind="webmention").count() == 0
    assert "0 notes" in page(client.get(f"/post/{post.id}", follow_redirects=True)).select_one(".post__notes").get_text()


def test_a_source_on_a_private_address_is_never_fetched(app, source):
    client = app.test_client()  # FEDERATION_ALLOW_PRIVATE off, as in production
    with app.app_context():
        post = make_post(title="Hello")
    target = f"http://localhost/post/{post.id}"
    source.pages["page"] = (200, "text/html", h_entry(target))
    assert mention(client, f"{source.url}/page", target).status_code == 202
    assert source.asked == [] and stored(app) == []


# --- moderation ---------------------------------------------------------------------


def test_the_comment_policy_holds_mentions_for_moderators(live_app, source):
    client, moderator = live_app.test_client(), live_app.test_client()
    with live_app.app_context():
        post = make_post(title="Hello")
        SiteSettings(hold_anonymous=True).save()
        make_user("mod", role="moderator")
    moderator.post("/auth/login", data={"username": "mod", "password": "correct horse"})
    target = f"http://localhost/post/{post.id}"
    source.pages["page"] = (200, "text/html", h_entry(target))
    mention(client, f"{source.url}/page", target)
    assert page(client.get(f"/post/{post.id}", follow_redirects=True)).select(".note--webmention") == []

    queue = page(moderator.get("/admin/mentions"))
    assert "Sam Writer" in queue.select_one(".held-mentions").get_text()
    approve = queue.select_one(f'form[action$="/approve"]')["action"]
    assert moderator.post(approve).status_code == 303
    assert len(page(client.get(f"/post/{post.id}", follow_redirects=True)).select(".note--webmention")) == 1

    # Removed from the permalink, it stays away when the source sends it again.
    remove = page(moderator.get(f"/post/{post.id}", follow_redirects=True)).select_one('.note--webmention form')["action"]
    assert client.post(remove).status_code == 302  # a reader is sent to sign in
    assert moderator.post(remove).status_code == 303
    mention(client, f"{source.url}/page", target)
    assert page(client.get(f"/post/{post.id}", follow_redirects=True)).select(".note--webmention") == []
    assert stored(live_app)[0][-1] == "removed"


def test_only_the_posts_author_or_a_moderator_removes_a_mention(live_app, source):
    with live_app.app_context():
        post = make_post(title="Hello")
        make_user("eve")
    target = f"http://localhost/post/{post.id}"
    source.pages["page"] = (200, "text/html", h_entry(target))
    mention(live_app.test_client(), f"{source.url}/page", target)
    with live_app.app_context():
        found = Mention.objects.get()
    eve = live_app.test_client()
    eve.post("/auth/login", data={"username": "eve", "password": "correct horse"})
    assert eve.post(f"/mentions/{found.id}/remove").status_code == 403
    assert eve.post("/mentions/0123456789abcdef01234567/remove").status_code == 404
    alice = live_app.test_client()
    alice.post("/auth/login", data={"username": "alice", "password": "correct horse"})
    assert alice.post(f"/mentions/{found.id}/remove").status_code == 303
    assert stored(live_app)[0][-1] == "removed"


# --- sending: endpoint discovery -------------------------------------------------------


@pytest.mark.parametrize("headers, html, expected", [
    ({"Link": '</wm/header?x=1>; rel="webmention"'}, "<link rel='webmention' href='/wm/html'>", "/wm/header?x=1"),
    ({"Link": '<https://a.example/x>; rel="other", <wm/rel>; rel="webmention somethingelse"'}, "", "/t/wm/rel"),
    ({"Link": "</wm/bare>; rel=webmention"}, "", "/wm/bare"),
    ({}, "<head><link rel='stylesheet' href='/s.css'><link rel='webmention' href='/wm/link'></head>", "/wm/link"),
    ({}, "<body><a rel='webmention' href='/wm/a'>endpoint</a><link rel='webmention' href='/wm/later'>", "/wm/a"),
    ({}, "<link rel='webmention' href=''>", "/t/page"),  # the page itself
    ({}, "<!-- <link rel='webmention' href='/wm/comment'> --><a href='/x'>none</a>", None),
])
def test_endpoints_are_discovered_as_the_spec_says(live_app, headers, html, expected):
    site = Flask("target")
    site.add_url_rule("/t/page", "page", lambda: Response(html, 200, content_type="text/html", headers=headers))
    with Site(site, "127.0.0.2") as target, live_app.app_context():
        found = discover(f"{target.url}/t/page")
        assert found == (f"{target.url}{expected}" if expected else None)


def test_a_post_tells_at_most_so_many_other_sites(app):
    with app.app_context():
        body = " ".join(f"[{n}](https://site{n}.example/)" for n in range(MAX_TARGETS + 5))
        post = make_post(body=body + " [mine](http://localhost/post/1) ![pic](https://pics.example/a.png)")
        links = links_of(post, "http://localhost/post/2")
    assert links == [f"https://site{n}.example/" for n in range(MAX_TARGETS)]


def test_a_reblog_comment_tells_the_pages_it_links_to(app_factory, monkeypatch):
    app = app_factory(WEBMENTION_SEND=True)
    told = []
    monkeypatch.setattr("tumblelog.mentions.discover", lambda target: told.append(target))
    with app.app_context():
        original = make_post(title="Original", body="No links.")
        make_user("bob")
    assert told == []  # saved outside a request: nothing to tell, and no host to name
    bob = app.test_client()
    bob.post("/auth/login", data={"username": "bob", "password": "correct horse"})
    bob.post(f"/post/{original.id}/reblog", data={"comment": "See [this](https://elsewhere.example/a)", "tags": ""})
    assert told == ["https://elsewhere.example/a"]


def test_a_scheduled_post_tells_its_links_when_its_time_comes(app_factory, monkeypatch):
    app = app_factory(WEBMENTION_SEND=True, TRUSTED_HOSTS=["blog.example"])
    sent = []
    monkeypatch.setattr("tumblelog.mentions.send", lambda post_id, source: sent.append(source))
    with app.app_context():
        post = make_post(title="Later", body="[x](https://elsewhere.example/)", state="scheduled",
                         published_at=datetime.now(timezone.utc) - timedelta(minutes=1))
        assert sent == []  # saved outside a request
        Post.publish_due()  # `flask posts publish-due`, run by cron or a periodic job
    assert sent == [f"http://blog.example/post/{post.id}/later"]


@pytest.mark.parametrize("html", [
    "<div>" * 100_000,  # deeper than any page
    "<a href='/x'>x</a>" * 50_000,  # more elements than are read
    "<div class='h-entry'>" + "<span class='p-name e-content u-url'>" * 30_000 + "x" * 100_000,
    "<![CDATA[" * 100_000,  # quadratic for the standard library's parser
    "<" * 500_000,
    "&#" * 500_000,
    "",
])
def test_hostile_html_is_read_within_its_bounds(html):
    scanned = scan(html, "https://elsewhere.example/")
    assert len(scanned.links) <= 1 and len(scanned.title) <= MAX_TEXT
    if scanned.entry:
        assert all(len(value) <= MAX_TEXT for value in scanned.entry.properties.get("name", []))
