"""Atom and JSON feeds: the whole blog, a tag, a blogger; conditional GET; feed links."""
import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema_rs
import pytest
from bs4 import BeautifulSoup
from bson import ObjectId

from conftest import page
from factories import make_post, make_user
from tumblelog.feeds import rfc3339
from tumblelog.models import User, utcnow

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(response):
    """The feed's root element; fails the test unless it is well-formed Atom."""
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    return root


def entries(root):
    return root.findall(f"{ATOM}entry")


def entry_ids(root):
    return [entry.findtext(f"{ATOM}id") for entry in entries(root)]


def permalink(post):
    return f"http://localhost/post/{post.id}/{post.slug}"


def content_html(entry):
    """An entry's content, parsed as the HTML a feed reader would show."""
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html"
    return BeautifulSoup(content.text, "html.parser")


def aged_posts(count, **kwargs):
    """``count`` posts a minute apart, newest first."""
    posts = []
    for minute in range(count):
        post = make_post("quote", quote=f"Quote {minute}", **kwargs)
        post.created_at = post.published_at = post.updated_at = utcnow() - timedelta(minutes=minute)
        posts.append(post.save())
    return posts


def test_site_feed_has_the_newest_twenty_entries(client):
    posts = aged_posts(25)
    root = parse(client.get("/feed.atom"))
    assert root.findtext(f"{ATOM}id") == "http://localhost/feed.atom"
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "http://localhost/feed.atom"
    assert root.find(f"{ATOM}link[@rel='alternate']").get("href") == "http://localhost/"
    assert entry_ids(root) == [permalink(post) for post in posts[:20]]
    assert root.findtext(f"{ATOM}updated") == posts[0].updated_at.isoformat(timespec="seconds")


def test_an_entry_has_title_link_dates_author_and_categories(client):
    post = make_post("blog", title="Hello <world>", body="Some *text*", tags=["python", "zen"])
    entry = entries(parse(client.get("/feed.atom")))[0]
    assert entry.findtext(f"{ATOM}title") == "Hello <world>"
    assert entry.find(f"{ATOM}link[@rel='alternate']").get("href") == permalink(post)
    assert entry.findtext(f"{ATOM}published").startswith(str(post.created_at.year))
    assert entry.findtext(f"{ATOM}updated")
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "alice"
    assert entry.findtext(f"{ATOM}author/{ATOM}uri") == "http://localhost/user/alice"
    assert [c.get("term") for c in entry.findall(f"{ATOM}category")] == ["python", "zen"]
    assert content_html(entry).select_one("em").get_text() == "text"


def test_tag_feed_carries_only_that_tag(client):
    tagged = make_post("quote", tags=["python"])
    make_post("quote", tags=["cats"])
    root = parse(client.get("/tag/python/feed.atom"))
    assert entry_ids(root) == [permalink(tagged)]
    assert root.find(f"{ATOM}link[@rel='alternate']").get("href") == "http://localhost/tag/python"


def test_user_feed_carries_only_that_blogger(client):
    bobs = make_post("quote", author=make_user("bob"))
    make_post("quote", author=make_user("alice"))
    assert entry_ids(parse(client.get("/user/bob/feed.atom"))) == [permalink(bobs)]


def test_empty_feed_is_still_valid(client):
    root = parse(client.get("/tag/nothing/feed.atom"))
    assert entries(root) == [] and root.findtext(f"{ATOM}updated")


@pytest.mark.parametrize(
    "url, status, location",
    [
        ("/tag/Python/feed.atom", 301, "/tag/python/feed.atom"),
        ("/tag/a..b/feed.atom", 404, None),
        ("/user/nobody/feed.atom", 404, None),
        ("/user/BOB/feed.atom", 301, "/user/bob/feed.atom"),
    ],
)
def test_odd_feed_urls(client, url, status, location):
    make_user("bob")
    response = client.get(url)
    assert response.status_code == status
    assert response.headers.get("Location") == location


def test_hostile_text_is_escaped_and_stays_well_formed(client):
    make_post(
        "blog",
        title="</title><script>alert(1)</script> & \x0b\x00]]>",
        body="<script>alert(2)</script><img src=x onerror=alert(3)>",
        tags=["x"],
    )
    make_post("quote", quote="<b onmouseover=alert(4)>hi</b>", source="<i>me</i>")
    root = parse(client.get("/feed.atom"))
    quote, blog = entries(root)
    assert blog.findtext(f"{ATOM}title") == "</title><script>alert(1)</script> & ]]>"
    for entry in (quote, blog):
        html = content_html(entry)
        assert html.select("script, b, i, img[onerror]") == []
    assert "<b onmouseover=alert(4)>hi</b>" in content_html(quote).select_one("blockquote").get_text()


def test_each_post_type_has_readable_content(client):
    make_post("image", image_url="https://img.example/cat.jpg", caption="A cat")
    make_post("video", video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ", caption="Song")
    make_post("video", video_url="https://vimeo.com/76979871", caption="")
    make_post("quote", quote="Simple is better.", source="Tim")
    quote, vimeo, youtube, image = (content_html(e) for e in entries(parse(client.get("/feed.atom"))))
    assert image.select_one("img")["src"] == "https://img.example/cat.jpg"
    assert image.select_one("img")["alt"] == "A cat"
    assert youtube.select_one("img")["src"] == "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg"
    assert youtube.select_one("a")["href"] == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert vimeo.select_one("img") is None
    assert vimeo.select_one("a")["href"] == "https://vimeo.com/76979871"
    assert quote.select_one("blockquote").get_text() == "Simple is better."
    assert quote.select_one("cite").get_text() == "Tim"


def test_an_uploaded_image_has_an_absolute_url(client):
    post = make_post("image", image_url="", image_file=ObjectId(), alt="A red door")
    image = content_html(entries(parse(client.get("/feed.atom")))[0]).select_one("img")
    assert (image["src"], image["alt"]) == (f"http://localhost/media/{post.image_file}", "A red door")


def test_a_matching_etag_gets_304(client):
    make_post("quote")
    first = client.get("/feed.atom")
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    again = client.get("/feed.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag


def test_a_new_post_changes_the_etag(client):
    make_post("quote")
    etag = client.get("/feed.atom").headers["ETag"]
    make_post("quote", quote="Another")
    response = client.get("/feed.atom", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert len(entries(parse(response))) == 2


def test_if_modified_since_gets_304(client):
    make_post("quote")
    last_modified = client.get("/feed.atom").headers["Last-Modified"]
    assert client.get("/feed.atom", headers={"If-Modified-Since": last_modified}).status_code == 304


def an_hour_old(*posts):
    for post in posts:
        post.created_at = post.published_at = post.updated_at = utcnow() - timedelta(hours=1, minutes=len(posts) - posts.index(post))
        post.save()
    return posts


@pytest.mark.parametrize("url", ["/feed.atom", "/user/alice/feed.atom", "/tag/python/feed.atom"])
def test_a_deleted_post_changes_last_modified_and_the_etag(client, auth, url):
    auth.register("alice")
    alice = User.by_username("alice")
    older, newest = an_hour_old(make_post("quote", author=alice, tags=["python"]), make_post("quote", author=alice, tags=["python"]))
    first = client.get(url)
    client.post(f"/post/{newest.id}/delete")
    by_date = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 200
    assert entry_ids(parse(by_date)) == [permalink(older)]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_the_etag_varies_with_the_host_the_links_are_built_on(client):
    make_post("quote")
    first = client.get("/feed.atom", headers={"Host": "blog.example"})
    other = client.get("/feed.atom", headers={"Host": "other.example", "If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200
    assert other.headers["ETag"] != first.headers["ETag"]
    assert "blog.example" not in other.get_data(as_text=True)


@pytest.mark.parametrize(
    "url, feed",
    [
        ("/", "/feed.atom"),
        ("/tag/python", "/tag/python/feed.atom"),
        ("/user/alice", "/user/alice/feed.atom"),
        ("/dashboard", "/feed.atom"),
        ("/search?q=x", "/feed.atom"),
    ],
)
def test_list_pages_advertise_and_link_their_feed(client, auth, url, feed):
    auth.register("alice")
    html = page(client.get(url))
    assert html.select_one("head link[rel=alternate][type='application/atom+xml']")["href"] == feed
    assert html.select_one("a.feed-link")["href"] == feed


# JSON Feed 1.1 beside every Atom feed

JSON_FEED_SCHEMA = jsonschema_rs.validator_for(
    json.loads((Path(__file__).parent / "schemas" / "jsonfeed-1.1.json").read_text()), validate_formats=True
)


def parse_json(response):
    """The JSON feed; fails the test unless it validates against the JSON Feed 1.1 schema."""
    assert response.status_code == 200
    assert response.mimetype == "application/feed+json"
    feed = json.loads(response.data)
    errors = [str(error) for error in JSON_FEED_SCHEMA.iter_errors(feed)]
    assert errors == []
    return feed


@pytest.mark.parametrize("path", ["/feed", "/tag/python/feed", "/user/alice/feed"])
def test_every_atom_feed_has_a_json_twin_with_the_same_entries(client, path):
    posts = [make_post(post_type, tags=["python"]) for post_type in ("blog", "image", "video", "quote")]
    atom = parse(client.get(f"{path}.atom"))
    feed = parse_json(client.get(f"{path}.json"))
    assert [item["id"] for item in feed["items"]] == entry_ids(atom) == [permalink(p) for p in reversed(posts)]
    assert feed["feed_url"] == f"http://localhost{path}.json"
    assert feed["home_page_url"] == atom.find(f"{ATOM}link[@rel='alternate']").get("href")


def test_a_json_feed_item_carries_what_a_reader_shows(client):
    post = make_post("image", image_url="https://img.example/cat.jpg", caption="A <cat>", tags=["cats"])
    (item,) = parse_json(client.get("/feed.json"))["items"]
    assert item["title"] == "A <cat>"
    assert item["url"] == permalink(post)
    assert item["image"] == "https://img.example/cat.jpg"
    assert item["tags"] == ["cats"]
    assert item["authors"] == [{"name": "alice", "url": "http://localhost/user/alice"}]
    assert BeautifulSoup(item["content_html"], "html.parser").select_one("img")["alt"] == "A <cat>"
    assert item["date_published"] == rfc3339(post.created_at)


def test_hostile_text_stays_text_in_the_json_feed(client):
    make_post("quote", quote='<script>alert(1)</script>"\u2028', source="\x00")
    (item,) = parse_json(client.get("/feed.json"))["items"]
    assert BeautifulSoup(item["content_html"], "html.parser").select("script") == []


def test_the_json_feed_answers_conditional_requests_apart_from_the_atom_feed(client):
    make_post("quote")
    atom, json_feed = client.get("/feed.atom"), client.get("/feed.json")
    assert atom.headers["ETag"] != json_feed.headers["ETag"]
    again = client.get("/feed.json", headers={"If-None-Match": json_feed.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "url, status, location",
    [("/tag/Python/feed.json", 301, "/tag/python/feed.json"), ("/user/BOB/feed.json", 301, "/user/bob/feed.json"),
     ("/user/nobody/feed.json", 404, None)],
)
def test_odd_json_feed_urls(client, url, status, location):
    make_user("bob")
    response = client.get(url)
    assert (response.status_code, response.headers.get("Location")) == (status, location)


@pytest.mark.parametrize("url, feed", [("/", "/feed.json"), ("/tag/python", "/tag/python/feed.json")])
def test_list_pages_advertise_their_json_feed(client, url, feed):
    html = page(client.get(url))
    assert html.select_one("head link[rel=alternate][type='application/feed+json']")["href"] == feed


def test_the_atom_feed_has_what_rfc_4287_requires(client):
    """No validator for Atom installs from a package registry: the RFC's musts, checked."""
    for post_type in ("blog", "image", "video", "quote"):
        make_post(post_type, tags=["python"])
    root = parse(client.get("/feed.atom"))
    rfc3339_date = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
    for element in [root, *entries(root)]:
        assert urlsplit(element.findtext(f"{ATOM}id")).scheme == "http"
        assert element.findtext(f"{ATOM}title")
        assert rfc3339_date.fullmatch(element.findtext(f"{ATOM}updated"))
        assert len(element.findall(f"{ATOM}link[@rel='alternate']")) == 1
    for entry in entries(root):
        assert entry.find(f"{ATOM}author/{ATOM}name") is not None
        assert rfc3339_date.fullmatch(entry.findtext(f"{ATOM}published"))
        assert entry.find(f"{ATOM}content").get("type") == "html"
    assert root.find(f"{ATOM}link[@rel='self']").get("type") == "application/atom+xml"
