"""List pages reuse each post's rendered card until the post changes (cards.py): a
reader never sees an old version, and never another reader's buttons."""
import pytest

from conftest import AuthActions, page
from factories import add_comments, make_post, make_user
from tumblelog.cards import CardCache
from tumblelog.models import Post, User

# Every list page the post is on: the bloggers' and readers' ways to it.
LIST_PAGES = ["/", "/tag/python", "/user/alice", "/search?q=python", "/dashboard"]


def card(client, url, post):
    return page(client.get(url)).select_one(f"#post-{post.id}")


@pytest.fixture
def reader(app):
    """A second browser, signed in as a reader who follows #python (the dashboard)."""
    client = app.test_client()
    AuthActions(client).register("reader")
    User.objects(username="reader").update_one(set__followed_tags=["python"])
    return client


@pytest.fixture
def post(client, auth):
    auth.register("alice")
    return make_post("blog", author=User.by_username("alice"), tags=["python"], title="First draft")


def test_an_edit_shows_on_every_list_page(client, reader, post):
    for url in LIST_PAGES:
        assert card(reader, url, post).select_one(".post__title").get_text(strip=True) == "First draft"
    response = client.post(f"/post/{post.id}/edit", data={"title": "Final words", "body": "b", "tags": "python"})
    assert response.status_code == 303
    for url in LIST_PAGES:
        assert card(reader, url, post).select_one(".post__title").get_text(strip=True) == "Final words"


def api_post(client, post):
    return next(item for item in client.get("/api/v1/posts").get_json()["posts"] if item["id"] == str(post.id))


def test_an_edit_shows_in_the_feeds_and_the_api(client, reader, post):
    feeds = ["/feed.atom", "/feed.json", "/tag/python/feed.atom", "/user/alice/feed.json"]
    for url in feeds:
        assert "First draft" in reader.get(url).get_data(as_text=True)
    assert api_post(reader, post)["title"] == "First draft"
    client.post(f"/post/{post.id}/edit", data={"title": "Final words", "body": "b", "tags": "python"})
    for url in feeds:
        text = reader.get(url).get_data(as_text=True)
        assert "Final words" in text and "First draft" not in text
    assert api_post(reader, post)["title"] == "Final words"


def test_a_like_shows_in_the_api_list(reader, post):
    assert api_post(reader, post)["like_count"] == 0
    Post.objects(id=post.id).update_one(inc__like_count=1)
    assert api_post(reader, post)["like_count"] == 1


@pytest.mark.parametrize(
    "change, shown",
    [
        # Counts move by $inc, without touching updated_at.
        ({"inc__like_count": 1}, ".likes__count"),
        ({"inc__comment_count": 1}, ".post__comments"),
        # A change that bypasses the forms (a script, a migration) is seen too.
        ({"set__author_name": "alice2"}, ".post__author"),
    ],
)
def test_a_change_that_keeps_updated_at_shows_too(reader, post, change, shown):
    before = {url: card(reader, url, post).select_one(shown).get_text() for url in ["/", "/dashboard"]}
    Post.objects(id=post.id).update_one(**change)
    for url, text in before.items():
        assert card(reader, url, post).select_one(shown).get_text() != text


def test_the_author_and_a_reader_see_their_own_buttons_on_the_same_card(client, reader, post):
    assert card(client, "/", post).select_one(".post__actions") is not None
    assert card(reader, "/", post).select_one(".post__actions") is None
    reader.post(f"/post/{post.id}/like", data={"action": "like", "next": "/"})
    assert card(reader, "/", post).select_one(".likes button")["aria-pressed"] == "true"
    assert card(client, "/", post).select_one(".likes button")["aria-pressed"] == "false"
    assert card(client, "/", post).select_one(".likes__count").get_text() == "1 like"


def test_a_deleted_post_leaves_every_list_page(client, reader, post):
    make_post("quote", author=make_user("bob"), tags=["python"])  # the pages are not empty
    for url in LIST_PAGES:
        assert card(reader, url, post) is not None
    client.post(f"/post/{post.id}/delete")
    for url in LIST_PAGES:
        assert card(reader, url, post) is None


def test_the_permalink_shows_an_edit_and_a_deleted_comment_to_every_reader(client, reader, post):
    add_comments(post, 2)
    url = f"/post/{post.id}"  # the slug changes with the title: the redirect is followed
    assert [c.get_text() for c in page(reader.get(url, follow_redirects=True)).select(".comment__body")] == [
        "comment 1", "comment 2"]
    client.post(f"/post/{post.id}/edit", data={"title": "Final words", "body": "b", "tags": "python"})
    first = Post.objects.get(id=post.id).comments[0]
    client.post(f"/post/{post.id}/comments/{first.id}/delete")
    shown = page(reader.get(url, follow_redirects=True))
    assert shown.select_one(".post__title").get_text(strip=True) == "Final words"
    assert [c.get_text() for c in shown.select(".comment__body")] == ["comment 2"]
    # The author, who may delete comments, gets the list with its buttons.
    assert len(page(client.get(url, follow_redirects=True)).select(".comment__delete")) == 1


def test_the_cache_keeps_the_most_recently_shown_cards_within_its_size():
    cache = CardCache(2)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"  # now the most recent
    cache.put("c", "C")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("A", None, "C")
