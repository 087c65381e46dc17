"""Lists through the API: posts filtered and paged with cursors, comments, tags and
profiles."""
import base64
import struct
from urllib.parse import parse_qs, urlsplit
from datetime import datetime, timedelta, timezone

import pytest

from api_helpers import api  # noqa: F401  (a fixture)
from factories import make_post, make_user
from tumblelog.models import Post

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def make_posts(count, **kwargs):
    """``count`` posts, a minute apart, oldest first; returns their ids newest first."""
    posts = [make_post("quote", quote=f"q{i}", **kwargs) for i in range(count)]
    for i, post in enumerate(posts):
        Post.objects(id=post.id).update_one(set__created_at=START + timedelta(minutes=i), set__published_at=START + timedelta(minutes=i))
    return [str(post.id) for post in reversed(posts)]


def ids(response):
    return [post["id"] for post in response.json["posts"]]


def walk(api, query="", limit=7, between=None):
    """Follow ``next`` from the first page to the last; return every id seen."""
    seen, url = [], f"/api/v1/posts?limit={limit}{query}"
    while url:
        response = api.client.get(url)
        assert response.status_code == 200
        seen += ids(response)
        url = response.json["next"]
        if between:
            between()
    return seen


def test_list_is_newest_first_with_default_limit(api):
    newest_first = make_posts(25)
    response = api.get("/posts")
    assert ids(response) == newest_first[:20]
    assert response.json["next"] is not None


def test_cursor_pages_neither_skip_nor_repeat_while_posts_are_added(api):
    newest_first = make_posts(23)
    seen = walk(api, between=lambda: make_post("quote", quote="new"))
    assert seen == newest_first


def test_cursor_breaks_ties_in_published_at_by_id(api):
    posts = [make_post("quote", quote=f"q{i}") for i in range(9)]
    Post.objects.update(set__published_at=START)  # every post in the same millisecond
    assert walk(api, limit=2) == sorted((str(post.id) for post in posts), reverse=True)


def test_next_keeps_the_filters(api):
    make_posts(3, tags=["x"])
    tagged = make_posts(5, tags=["python"])
    assert walk(api, "&tag=Python", limit=2) == tagged


def test_last_page_has_no_next(api):
    make_posts(3)
    body = api.get("/posts?limit=3").json
    assert (body["next"], body["next_cursor"]) == (None, None)


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "x" * 65,
        base64.urlsafe_b64encode(b"123.nothex").decode(),  # a position too short
        base64.urlsafe_b64encode(b"\x00" * 21).decode().rstrip("="),  # too long
        base64.urlsafe_b64encode(struct.pack(">q12s", 2**63 - 1, b"a" * 12)).decode().rstrip("="),  # no such time
        base64.urlsafe_b64encode(b'{"$gt": ""}').decode(),
        "",
        "A",
    ],
)
def test_bad_cursor_is_400(api, cursor):
    make_posts(2)
    response = api.client.get("/api/v1/posts", query_string={"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json["error"]["fields"]


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", "٣", " 5", ""])
def test_bad_limit_is_400(api, limit):
    response = api.client.get("/api/v1/posts", query_string={"limit": limit})
    assert response.status_code == 400
    assert "limit" in response.json["error"]["fields"]


def test_filter_by_type_tag_and_author(api):
    bob = make_user("bob")
    video = make_post("video", author=bob, tags=["music"])
    quote = make_post("quote", tags=["music", "words"])
    make_post("blog", tags=["words"])
    assert ids(api.get("/posts?type=video")) == [str(video.id)]
    assert ids(api.get("/posts?tag=%23MUSIC")) == [str(quote.id), str(video.id)]
    assert ids(api.get("/posts?author=BOB")) == [str(video.id)]
    assert ids(api.get("/posts?tag=words&type=quote")) == [str(quote.id)]


@pytest.mark.parametrize(
    "query, status, field",
    [
        ("type=poll", 400, "type"),
        ("tag=a/b", 400, "tag"),
        ("tag=%20", 400, "tag"),
        ("tag[$ne]=x", 200, None),  # not a parameter this API knows: ignored, never an operator
        ("author=nobody", 404, None),
    ],
)
def test_bad_filters(api, query, status, field):
    make_post("quote", tags=["x"])
    response = api.client.get(f"/api/v1/posts?{query}")
    assert response.status_code == status
    if field:
        assert field in response.json["error"]["fields"]


def test_listed_text_posts_carry_their_markdown_and_html(api):
    make_post("blog", title="Hi", body="Hello **there**")
    listed = api.get("/posts").json["posts"][0]
    assert listed["body"] == "Hello **there**"
    assert listed["body_html"].strip() == "<p>Hello <strong>there</strong></p>"
    one = api.get(f"/posts/{listed['id']}").json
    one.pop("comments"), one.pop("comments_next")
    assert listed == one  # a post reads the same in a list as on its own


@pytest.mark.parametrize("extra", ["endpoint=x", "_external=1&_scheme=javascript", "_anchor=x", "cursor_extra=1"])
def test_next_link_carries_only_the_lists_own_filters(api, extra):
    make_posts(3)
    response = api.client.get(f"/api/v1/posts?limit=1&{extra}")
    assert response.status_code == 200
    assert response.json["next"].startswith("/api/v1/posts?")
    link = urlsplit(response.json["next"])
    assert set(parse_qs(link.query)) == {"limit", "cursor"}
    assert link.fragment == ""


def test_list_does_not_carry_comments(api):
    post = make_post("quote")
    api.token_for("alice")
    api.post(f"/posts/{post.id}/comments", json={"body": "hi"})
    listed = api.get("/posts").json["posts"][0]
    assert listed["comment_count"] == 1
    assert "comments" not in listed


# --- comments ---------------------------------------------------------------


def test_comment_and_list_comments(api):
    post = make_post("quote", author=make_user("bob"))
    api.token_for("alice")
    first = api.post(f"/posts/{post.id}/comments", json={"body": "  Lovely.  "})
    assert first.status_code == 201
    assert first.json["author"] == "alice"
    assert first.json["body"] == "Lovely."
    api.post(f"/posts/{post.id}/comments", json={"body": "Again."})
    listed = api.get(f"/posts/{post.id}/comments").json["comments"]
    assert [c["body"] for c in listed] == ["Lovely.", "Again."]
    assert listed[0]["id"] == first.json["id"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "body"),
        ({"body": "   "}, "body"),
        ({"body": "x" * 2001}, "body"),
        ({"body": {"$ne": None}}, "body"),
        ({"body": "hi", "name": "someone else"}, "name"),
        ({"body": "hi", "author": "bob"}, "author"),
    ],
)
def test_invalid_comment_is_400(api, body, field):
    post = make_post("quote")
    api.token_for("alice")
    response = api.post(f"/posts/{post.id}/comments", json=body)
    assert response.status_code == 400
    assert field in response.json["error"]["fields"]
    assert Post.objects.get().comment_count == 0


def test_comment_needs_a_token_and_a_post(api):
    post = make_post("quote")
    assert api.post(f"/posts/{post.id}/comments", json={"body": "hi"}).status_code == 401
    api.token_for("alice")
    missing = "0" * 24
    assert api.post(f"/posts/{missing}/comments", json={"body": "hi"}).status_code == 404
    assert api.get(f"/posts/{missing}/comments").status_code == 404


# --- tags and users ---------------------------------------------------------


def test_top_tags_with_counts(api):
    make_post("quote", tags=["python", "travel"])
    make_post("blog", tags=["python"])
    make_post("image", tags=["art"])
    assert api.get("/tags").json["tags"] == [
        {"tag": "python", "count": 2},
        {"tag": "art", "count": 1},
        {"tag": "travel", "count": 1},
    ]
    assert api.get("/tags?limit=1").json["tags"] == [{"tag": "python", "count": 2}]
    assert api.get("/tags?limit=0").status_code == 400


def test_user_profile_with_post_count(api):
    bob = make_user("Bob")
    make_post("quote", author=bob)
    make_post("blog", author=bob)
    make_post("blog")
    body = api.get("/users/bob").json
    assert body["username"] == "Bob"
    assert body["post_count"] == 2
    assert body["url"].endswith("/user/Bob")
    assert "email" not in body and "password_hash" not in body


@pytest.mark.parametrize("name", ["nobody", "x" * 300, "$ne"])
def test_unknown_user_is_404(api, name):
    assert api.get(f"/users/{name}").status_code == 404
