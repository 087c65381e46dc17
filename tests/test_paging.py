"""Paging deep into a list: "Older posts" and "Newer posts" links carry a cursor, so
every page costs what the first does; ``?page=N`` keeps working for the first pages."""
import base64
from datetime import timedelta

import pytest

from conftest import page, post_ids
from factories import make_post, make_user
from tumblelog.models import Post, utcnow
from tumblelog.paging import MAX_PAGE, Page, decode_cursor, encode_cursor


def link(response, rel):
    anchor = page(response).select_one(f"a[rel={rel}]")
    return anchor["href"] if anchor else None


def make_posts(count, same_time_every=1, **kwargs):
    """``count`` quote posts, newest first; every ``same_time_every`` posts share a
    timestamp, so paging must break ties by id."""
    start = utcnow() - timedelta(days=1)
    posts = []
    for i in range(count):
        post = make_post("quote", quote=f"Quote {i}", **kwargs)
        post.created_at = post.published_at = start + timedelta(minutes=i // same_time_every)
        posts.append(post.save())
    posts.sort(key=lambda p: (p.published_at, p.id), reverse=True)
    return [str(p.id) for p in posts]


def walk(client, url, rel):
    """Follow ``rel`` links from ``url`` to the end; every page's post ids, in order."""
    pages = []
    for _ in range(50):  # bounded: a loop in the links must fail the test, not hang it
        response = client.get(url)
        assert response.status_code == 200
        pages.append(post_ids(response))
        url = link(response, rel)
        if url is None:
            return pages
    pytest.fail(f"more than 50 pages following {rel} links")


@pytest.mark.parametrize("same_time_every", [1, 7])
def test_older_links_visit_every_post_once(client, same_time_every):
    ids = make_posts(43, same_time_every=same_time_every)
    pages = walk(client, "/", "next")
    assert [len(p) for p in pages] == [10, 10, 10, 10, 3]
    assert sum(pages, []) == ids


def test_newer_links_walk_back_to_the_newest_posts(client):
    ids = make_posts(35, same_time_every=3)
    last = client.get("/")
    for _ in range(3):
        last = client.get(link(last, "next"))
    assert post_ids(last) == ids[30:]
    pages = walk(client, link(last, "prev"), "prev")
    assert pages == [ids[20:30], ids[10:20], ids[:10]]


def test_cursor_pages_show_no_page_number(client):
    make_posts(15)
    second = client.get(link(client.get("/"), "next"))
    assert page(second).select_one(".pager__number") is None
    assert page(client.get("/?page=2")).select_one(".pager__number").get_text() == "Page 2"


@pytest.mark.parametrize("kind, url", [("tag", "/tag/python"), ("user", "/user/bob")])
def test_tag_and_user_pages_keep_their_filter_across_pages(client, kind, url):
    bob = make_user("bob")
    ids = make_posts(23, tags=["python"], author=bob)
    make_posts(9, tags=["cats"], author=make_user("alice"))
    pages = walk(client, url, "next")
    assert sum(pages, []) == ids
    assert link(client.get(url), "next").startswith(f"{url}?before=")


def test_a_post_deleted_meanwhile_does_not_break_the_next_page(client):
    ids = make_posts(25)
    older = link(client.get("/"), "next")
    Post.objects(id=ids[9]).delete()  # the post the cursor points at
    assert post_ids(client.get(older)) == ids[10:20]


@pytest.mark.parametrize(
    "cursor",
    [
        "abc",
        "",
        "A" * 27 + "A",
        "!" * 27,
        "%00" * 9,
        "é" * 27,
        base64.urlsafe_b64encode(b"\x7f" + b"\xff" * 19).decode().rstrip("="),  # year 292,000
        "AAAAAAAAAAAAAAAAAAAAAAAAAA",  # 26 characters
    ],
)
@pytest.mark.parametrize("arg", ["before", "after"])
def test_malformed_cursors_are_404_not_500(client, arg, cursor):
    make_posts(3)
    assert client.get(f"/?{arg}={cursor}").status_code == 404


def test_a_cursor_past_the_end_is_404(client):
    ids = make_posts(3)
    oldest = Post.objects(id=ids[-1]).first()
    assert client.get(f"/?before={encode_cursor(oldest)}").status_code == 404
    newest = Post.objects(id=ids[0]).first()
    assert client.get(f"/?after={encode_cursor(newest)}").status_code == 404


def test_numbered_pages_stop_at_max_page(client):
    assert client.get(f"/?page={MAX_PAGE + 1}").status_code == 404


def test_other_spellings_redirect_with_the_cursor_and_nothing_else(client):
    make_user("Bob")
    response = client.get("/user/bob?before=abc&_external=1&username=x")
    assert response.status_code == 301
    assert response.headers["Location"] == "/user/Bob?before=abc"
    response = client.get("/tag/Python?after=xyz&_scheme=javascript")
    assert response.headers["Location"] == "/tag/python?after=xyz"


def test_cursor_round_trip_keeps_microseconds_and_id(app):
    post = make_post("quote")
    post.published_at = post.published_at.replace(microsecond=123456)
    assert decode_cursor(encode_cursor(post)) == (post.published_at, post.id)


def test_pages_built_without_keyset_link_by_number():
    second = Page(["a", "b"], 2, has_older=True)
    assert (second.has_newer, second.newer_args, second.older_args) == (True, {}, {"page": 3})
    assert Page(["a"], 3, has_older=False).newer_args == {"page": 2}
    assert Page(["a"], 1, has_older=False).has_newer is False


def test_paging_links_keep_other_query_arguments_but_never_url_for_options(client):
    make_posts(15)
    older = link(client.get("/?q=cats&_external=1&_scheme=javascript&page=1"), "next")
    assert older.startswith("/?q=cats&before=")


@pytest.mark.parametrize("url", ["/?endpoint=x", "/tag/python?endpoint=x&tag=cats", "/?before_=1&endpoint=y&q=a%26b"])
def test_query_arguments_never_break_the_page_links(client, url):
    make_posts(15, tags=["python"])
    response = client.get(url)
    assert response.status_code == 200
    older = link(response, "next")
    assert older.startswith(url.split("?")[0] + "?")
    assert "before=" in older
