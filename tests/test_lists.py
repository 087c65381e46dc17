"""The front page, tag pages and bloggers' pages: what readers browse."""
from datetime import timedelta

import pytest

from conftest import page, post_ids
from factories import make_post, make_user
from tumblelog.models import POST_TYPES, utcnow


def make_posts(count, **kwargs):
    """``count`` posts, one minute apart, returned newest first."""
    start = utcnow() - timedelta(days=1)
    posts = []
    for i in range(count):
        post = make_post("quote", quote=f"Quote {i}", **kwargs)
        post.created_at = post.published_at = start + timedelta(minutes=i)
        posts.append(post.save())
    return [str(post.id) for post in reversed(posts)]


def test_front_page_shows_all_types_newest_first(client):
    alice = make_user("alice")
    kinds = list(POST_TYPES)
    ids = [str(make_post(kind, author=alice).id) for kind in kinds]
    html = page(client.get("/"))
    assert [a["data-post-type"] for a in html.select("article.post")] == kinds[::-1]
    assert post_ids(client.get("/")) == ids[::-1]


def test_each_post_links_author_permalink_tags_and_comments(client):
    post = make_post("quote", tags=["python", "zen"])
    article = page(client.get("/")).select_one("article.post")
    assert article.select_one(".post__author")["href"] == "/user/alice"
    assert article.select_one(".post__permalink")["href"] == f"/post/{post.id}/simple-is-better-than-complex"
    assert article.select_one("time")["datetime"].startswith(str(post.created_at.year))
    assert [(a.get_text(), a["href"]) for a in article.select('a[rel="tag"]')] == [
        ("#python", "/tag/python"),
        ("#zen", "/tag/zen"),
    ]
    assert article.select_one(".post__comments").get_text() == "0 comments"


def test_front_page_pages_by_ten_with_newer_and_older_links(client):
    ids = make_posts(25)
    first = client.get("/")
    assert post_ids(first) == ids[:10]
    assert page(first).select_one("a[rel=prev]") is None

    second = client.get(page(first).select_one("a[rel=next]")["href"])
    assert post_ids(second) == ids[10:20]
    third = client.get(page(second).select_one("a[rel=next]")["href"])
    assert post_ids(third) == ids[20:]
    assert page(third).select_one("a[rel=next]") is None

    back = client.get(page(third).select_one("a[rel=prev]")["href"])
    assert post_ids(back) == ids[10:20]


def test_numbered_pages_still_work(client):
    ids = make_posts(25)
    second = client.get("/?page=2")
    assert post_ids(second) == ids[10:20]
    assert page(second).select_one(".pager__number").get_text() == "Page 2"
    assert page(second).select_one("a[rel=prev]")["href"] == "/"
    assert post_ids(client.get(page(second).select_one("a[rel=next]")["href"])) == ids[20:]
    assert post_ids(client.get("/?page=3")) == ids[20:]


def test_exactly_one_full_page_has_no_older_link(client):
    make_posts(10)
    assert page(client.get("/")).select_one("a[rel=next]") is None


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", "", "%00", "1e3", "٣", "1_0", "+2", "%202"])
def test_odd_page_values_show_the_first_page(client, value):
    ids = make_posts(12)
    response = client.get(f"/?page={value}")
    assert response.status_code == 200
    assert post_ids(response) == ids[:10]


@pytest.mark.parametrize("value", ["3", "10001", "999999999", "99999999999999999999999"])
def test_pages_past_the_end_are_404_not_500(client, value):
    make_posts(12)
    assert client.get(f"/?page={value}").status_code == 404


def test_empty_blog_says_what_to_do(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Nothing has been posted yet" in page(response).select_one(".empty").get_text()


def test_tag_page_lists_only_that_tag_with_a_heading(client):
    tagged = make_posts(3, tags=["python"])
    make_posts(2, tags=["cats"])
    response = client.get("/tag/python")
    assert page(response).select_one("h1").get_text() == "#python"
    assert post_ids(response) == tagged


def test_tag_page_paginates(client):
    ids = make_posts(13, tags=["python"])
    make_posts(5, tags=["cats"])
    assert post_ids(client.get("/tag/python?page=2")) == ids[10:]
    older = page(client.get("/tag/python")).select_one("a[rel=next]")["href"]
    assert older.startswith("/tag/python?before=")
    assert post_ids(client.get(older)) == ids[10:]


@pytest.mark.parametrize("spelling", ["Python", "PYTHON", "%23python", "%20python%20"])
def test_other_spellings_of_a_tag_redirect_to_its_page(client, spelling):
    response = client.get(f"/tag/{spelling}")
    assert response.status_code == 301
    assert response.headers["Location"] == "/tag/python"


def test_tags_are_normalised_when_saved(client, auth):
    auth.register("alice")
    client.post("/post/new/quote", data={"quote": "q", "tags": " Café , #MongoDB,, cafe\u0301, ZEN "})
    article = page(client.get("/")).select_one("article.post")
    assert [a.get_text() for a in article.select('a[rel="tag"]')] == ["#café", "#mongodb", "#zen"]
    assert client.get("/tag/caf%C3%A9").status_code == 200
    assert len(post_ids(client.get("/tag/caf%C3%A9"))) == 1


def test_unknown_tag_page_is_empty_not_an_error(client):
    response = client.get("/tag/nothing-here")
    assert response.status_code == 200
    assert "No posts are tagged #nothing-here" in response.get_data(as_text=True)


@pytest.mark.parametrize("tag", ["..", "a%2Fb", "%E2%80%AE", "x" * 65])
def test_impossible_tags_are_404(client, tag):
    assert client.get(f"/tag/{tag}").status_code == 404


def test_user_page_lists_one_bloggers_posts(client):
    bob = make_user("bob")
    bobs = make_posts(2, author=bob)
    make_posts(3, author=make_user("alice"))
    response = client.get("/user/bob")
    assert page(response).select_one("h1").get_text() == "Posts by bob"
    assert post_ids(response) == bobs


def test_user_page_with_other_case_redirects(client):
    make_user("Bob")
    response = client.get("/user/bob")
    assert response.status_code == 301
    assert response.headers["Location"] == "/user/Bob"


def test_user_without_posts_has_an_empty_page(client):
    make_user("bob")
    assert "bob has not posted yet" in client.get("/user/bob").get_data(as_text=True)
