"""Likes through the API: toggle, or set the state so a retry does no harm; one like
per reader however often it is sent."""
import pytest

from api_helpers import api  # noqa: F401  (a fixture)
from factories import make_post, make_user
from tumblelog.models import Like, Post, User


@pytest.fixture
def post():
    return make_post("quote", author=make_user("bob"))


def test_empty_post_toggles_the_like(client, api, post):
    api.token_for("alice")
    first = api.post(f"/posts/{post.id}/like")
    assert (first.status_code, first.json) == (200, {"liked": True, "like_count": 1})
    assert api.get(f"/posts/{post.id}").json["like_count"] == 1
    second = api.post(f"/posts/{post.id}/like")
    assert second.json == {"liked": False, "like_count": 0}
    assert Like.objects.count() == 0


def test_liked_true_twice_is_one_like(api, post):
    api.token_for("alice")
    for _ in range(2):
        assert api.post(f"/posts/{post.id}/like", json={"liked": True}).json == {"liked": True, "like_count": 1}
    assert api.post(f"/posts/{post.id}/like", json={"liked": False}).json == {"liked": False, "like_count": 0}
    assert api.post(f"/posts/{post.id}/like", json={"liked": False}).json == {"liked": False, "like_count": 0}
    assert Post.objects.get().like_count == 0


def test_api_likes_are_kept_on_the_account_as_the_pages_show_them(api, post):
    api.token_for("alice")
    api.post(f"/posts/{post.id}/like", json={"liked": True})
    assert User.by_username("alice").recent_likes == [post.id]
    api.post(f"/posts/{post.id}/like")
    assert User.by_username("alice").recent_likes == []


def test_likes_of_two_readers_add_up(api, post):
    for name in ("alice", "carol"):
        api.token_for(name)
        api.post(f"/posts/{post.id}/like")
    assert api.get("/posts").json["posts"][0]["like_count"] == 2


@pytest.mark.parametrize(
    "body", [{"liked": "yes"}, {"liked": None}, {"liked": {"$ne": False}}, {"liked": True, "user": "bob"}, {}, []]
)
def test_bad_like_bodies_are_400(api, post, body):
    api.token_for("alice")
    response = api.post(f"/posts/{post.id}/like", json=body)
    assert response.status_code == 400
    assert Post.objects.get().like_count == 0


def test_like_needs_a_token_and_a_post(api, post):
    assert api.post(f"/posts/{post.id}/like").status_code == 401
    api.token_for("alice")
    assert api.post(f"/posts/{'0' * 24}/like").status_code == 404
