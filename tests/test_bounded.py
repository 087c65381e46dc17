"""Bounded posts: a long thread reads a page at a time, a full post closes its
comments (on the form and the API, with no race past the cap), a full post stays far
under MongoDB's 16 MB, and a write the database refuses is a clear 4xx, never a 500."""
import bson
import pytest
from bson import ObjectId
from mongoengine import OperationError
from pymongo.errors import DocumentTooLarge, WriteError

from api_helpers import api  # noqa: F401  (the fixture)
from bench.meter import METER, install
from conftest import page, textarea_value
from factories import add_comments, make_post, make_user
from tumblelog.markup import MAX_MARKDOWN_LENGTH
from tumblelog.models import (
    COMMENT_MAX,
    MAX_COMMENTS,
    MAX_HELD,
    NAME_MAX,
    TITLE_MAX,
    BlogPost,
    Comment,
    CommentsClosed,
    Post,
)

install()  # at import, before any app here connects, so pymongo's listener sees it


def shown(response):
    """The comment bodies a permalink page shows, in order."""
    return [body.get_text() for body in page(response).select("li.comment .comment__body")]


def numbered(first, last):
    return [f"comment {n}" for n in range(first, last + 1)]


def full_post():
    return add_comments(make_post("quote"), MAX_COMMENTS)


# --- a long thread, a page at a time --------------------------------------------------


def test_a_long_thread_opens_on_its_first_page_oldest_first(client):
    post = add_comments(make_post("blog"), 120)

    response = client.get(f"/post/{post.id}/{post.slug}")

    assert shown(response) == numbered(1, 50)
    html = page(response)
    assert html.select_one("#comments-heading").get_text() == "120 comments"
    assert html.select_one(".comments .pager__number").get_text() == "Comments 1–50 of 120"
    assert html.select_one(".comments a[rel=prev]") is None


def test_later_comment_pages_follow_without_javascript(client):
    post = add_comments(make_post("blog"), 120)

    second = client.get(page(client.get(f"/post/{post.id}/{post.slug}")).select_one(".comments a[rel=next]")["href"])
    third = client.get(page(second).select_one(".comments a[rel=next]")["href"])

    assert shown(second) == numbered(51, 100)
    assert shown(third) == numbered(101, 120)
    assert page(third).select_one(".comments a[rel=next]") is None
    back = page(third).select_one(".comments a[rel=prev]")["href"]
    assert shown(client.get(back)) == numbered(51, 100)
    assert page(third).select_one("ol.comments__list")["start"] == "101"


@pytest.mark.parametrize("query", ["?page=4", "?page=101"])
def test_a_comment_page_past_the_last_is_not_found(client, query):
    post = add_comments(make_post("blog"), 120)
    assert client.get(f"/post/{post.id}/{post.slug}{query}").status_code == 404


def test_a_post_without_comments_has_its_page_one(client):
    post = make_post("quote")
    response = client.get(f"/post/{post.id}/{post.slug}?page=1")
    assert response.status_code == 200
    assert page(response).select_one(".comments .pager") is None


def test_a_new_comment_lands_on_the_page_that_shows_it(client):
    post = add_comments(make_post("blog"), 100)

    response = client.post(f"/post/{post.id}/comments", data={"name": "Ann", "body": "Number 101."})

    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(f"/post/{post.id}/{post.slug}?page=3#comment-")
    assert shown(client.get(location)) == ["Number 101."]


def test_a_long_thread_costs_the_permalink_no_more_queries(client):
    short, long = add_comments(make_post("blog"), 5), add_comments(make_post("blog"), 300)
    costs = {}
    for post in (short, long):
        client.get(f"/post/{post.id}/{post.slug}")
        with METER.recording() as operations:
            client.get(f"/post/{post.id}/{post.slug}")
        costs[post.comment_count] = len(operations)
    assert 1 <= costs[5] == costs[300] <= 2


# --- a full post ------------------------------------------------------------------------


def test_a_full_post_closes_its_comment_form(client):
    post = full_post()

    html = page(client.get(f"/post/{post.id}/{post.slug}"))

    assert "Comments are closed on this post" in html.select_one(".comments__closed").get_text()
    assert html.select_one("form.comment-form") is None


def test_a_comment_on_a_full_post_is_refused_and_its_text_given_back(client):
    post = full_post()

    response = client.post(f"/post/{post.id}/comments", data={"name": "Ann", "body": "One more?"})

    assert response.status_code == 409
    html = page(response)
    assert "Comments are closed on this post" in html.select_one(".comments__closed").get_text()
    assert textarea_value(html.select_one("textarea#unsent-comment")) == "One more?"
    assert Post.objects.get(id=post.id).comment_count == MAX_COMMENTS


def test_the_api_refuses_a_comment_on_a_full_post(api):
    post = full_post()
    api.token_for("bob")

    response = api.post(f"/posts/{post.id}/comments", json={"body": "One more?"})

    assert response.status_code == 409
    assert "Comments are closed on this post" in response.json["error"]["message"]
    assert Post.objects.get(id=post.id).comment_count == MAX_COMMENTS


def test_the_last_free_place_goes_to_one_comment_only(app):
    post = add_comments(make_post("quote"), MAX_COMMENTS - 1)
    # Both loaded the post while it had room: a check on what they loaded would let both in.
    first, second = Post.objects.get(id=post.id), Post.objects.get(id=post.id)

    assert first.add_comment(Comment(author_name="A", body="last")) == MAX_COMMENTS
    with pytest.raises(CommentsClosed):
        second.add_comment(Comment(author_name="B", body="one too many"))
    assert Post.objects.get(id=post.id).comment_count == MAX_COMMENTS


def test_a_full_post_of_the_largest_comments_stays_far_under_16_mb(app):
    wide = "\U0001F600"  # four bytes in UTF-8, one character to the length limits
    author = make_user("alice")
    post = BlogPost(
        author=author, author_name="alice", title=wide * TITLE_MAX, body=wide * MAX_MARKDOWN_LENGTH,
        comments=[
            Comment(author_name=wide * NAME_MAX, author=ObjectId(), body=wide * COMMENT_MAX)
            for _ in range(MAX_COMMENTS)
        ],
        comment_count=MAX_COMMENTS,
        # and a full moderation queue beside them
        held_comments=[
            Comment(author_name=wide * NAME_MAX, author=ObjectId(), body=wide * COMMENT_MAX, state="held")
            for _ in range(MAX_HELD)
        ],
        held_count=MAX_HELD,
    )
    post.validate()  # runs clean(): the rendered HTML and search terms are in the weight
    size = len(bson.encode(post.to_mongo()))
    assert size < 11 * 1024 * 1024, size


# --- the API reads a thread a page at a time -----------------------------------------------


def test_the_api_pages_a_thread_with_next_links(api):
    post = add_comments(make_post("blog"), 45)

    first = api.get(f"/posts/{post.id}/comments?limit=20").json
    second = api.client.get(first["next"]).json
    third = api.client.get(second["next"]).json

    bodies = [c["body"] for batch in (first, second, third) for c in batch["comments"]]
    assert bodies == numbered(1, 45)
    assert (third["next"], third["next_cursor"]) == (None, None)


def test_a_post_in_the_api_carries_its_first_comments_and_a_link_to_the_rest(api):
    post = add_comments(make_post("blog"), 45)

    one = api.get(f"/posts/{post.id}").json

    assert [c["body"] for c in one["comments"]] == numbered(1, 20)
    assert one["comment_count"] == 45
    rest = api.client.get(one["comments_next"]).json
    assert [c["body"] for c in rest["comments"]] == numbered(21, 40)


@pytest.mark.parametrize("cursor", ["-1", "abc", "1e3", str(MAX_COMMENTS), "٣"])
def test_the_api_refuses_a_cursor_it_did_not_make(api, cursor):
    post = add_comments(make_post("blog"), 3)
    response = api.get(f"/posts/{post.id}/comments", query_string={"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json["error"]["fields"]


# --- a write the database refuses ----------------------------------------------------------


def refuse_updates(monkeypatch, error):
    """Make the post collection refuse every comment as a server would."""

    def refuse(*args, **kwargs):
        raise error

    monkeypatch.setattr(Post._get_collection(), "find_one_and_update", refuse)


TOO_LARGE = WriteError("Resulting document after update is larger than 16777216", code=17419)


@pytest.mark.parametrize("error", [TOO_LARGE, DocumentTooLarge("BSON document too large")])
def test_a_post_the_database_finds_too_large_is_a_413_that_keeps_the_text(client, monkeypatch, error):
    post = make_post("quote")
    refuse_updates(monkeypatch, error)

    response = client.post(f"/post/{post.id}/comments", data={"name": "Ann", "body": "Kept, not lost."})

    assert response.status_code == 413
    html = page(response)
    assert "larger than the database allows" in html.get_text()
    assert "Kept, not lost." in [field.get("value") or field.get_text().strip() for field in html.select("form.unsaved-form [name]")]


def test_any_other_refused_write_is_a_409_for_the_api(api, monkeypatch):
    post = make_post("quote")
    api.token_for("bob")
    refuse_updates(monkeypatch, WriteError("Document failed validation", code=121))

    response = api.post(f"/posts/{post.id}/comments", json={"body": "hi"})

    assert response.status_code == 409
    assert response.json["error"]["message"] == "The database refused this change, so it was not saved."


def test_an_operation_error_with_no_refusal_behind_it_stays_a_500(app, client, monkeypatch):
    post = make_post("quote")
    refuse_updates(monkeypatch, OperationError("a bug of ours"))
    app.testing = False  # the 500 page, as in production, not the exception
    app.config["PROPAGATE_EXCEPTIONS"] = False

    response = client.post(f"/post/{post.id}/comments", data={"name": "Ann", "body": "hi"})

    assert response.status_code == 500
