"""A blogger downloads everything they made, then deletes their account: what the
settings page promises is what happens."""
import io
import json
import zipfile

import pytest
from conftest import page
from factories import PASSWORD, image_bytes, make_post, make_user

from tumblelog.models import Like, Post, User


@pytest.fixture
def alice(client, auth):
    user = make_user("alice")
    auth.login()
    return user


def upload_image_post(client):
    response = client.post("/post/new/image", data={"image": (io.BytesIO(image_bytes(size=(900, 700))), "cat.png"),
                                                    "caption": "A cat", "tags": "cats"},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    return Post.objects(author_name="alice", _cls="Post.ImagePost").first()


def comment(client, post, body):
    assert client.post(f"/post/{post.id}/comments", data={"body": body}).status_code == 303


def test_the_export_is_a_zip_of_posts_media_comments_and_follows(client, alice):
    image_post = upload_image_post(client)
    make_post(author=alice, title="My first post")
    bob = make_user("bob")
    bobs = make_post(author=bob, title="Bob writes")
    comment(client, bobs, "Nice one, Bob.")
    client.post("/user/bob/follow")
    client.post("/tag/cats/follow")

    response = client.get("/settings/export")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    posts = json.loads(archive.read("posts.json"))
    assert posts["username"] == "alice"
    assert sorted(post.get("title") or post["caption"] for post in posts["posts"]) == ["A cat", "My first post"]
    media = [name for name in archive.namelist() if name.startswith("media/")]
    assert f"media/{image_post.image_file}.png" in media and f"media/{image_post.thumb_file}.png" in media
    comments = json.loads(archive.read("comments.json"))["comments"]
    assert [(c["post"], c["body"]) for c in comments] == [(str(bobs.id), "Nice one, Bob.")]
    assert json.loads(archive.read("following.json")) == {"tags": ["cats"], "bloggers": ["bob"]}
    assert json.loads(archive.read("profile.json"))["email"] == "alice@example.com"


def test_the_export_is_only_for_the_signed_in_blogger(client):
    assert client.get("/settings/export").status_code == 302


def test_the_settings_page_says_what_deleting_does(client, alice):
    text = page(client.get("/settings")).select_one("#settings-delete").get_text(" ", strip=True)
    for promise in ("every post you made", "comments you wrote", "likes", "follows you", "API tokens",
                    "avatar", "retires the name alice"):
        assert promise in text


def test_deleting_needs_the_password(client, alice):
    response = client.post("/settings/delete", data={"password": "not it"})
    assert response.status_code == 422
    assert "nothing was deleted" in page(response).get_text()
    assert User.by_username("alice")


def test_deleting_removes_everything_the_account_made(app, client, alice):
    image_post = upload_image_post(client)
    bob = make_user("bob")
    bobs = make_post(author=bob, title="Bob writes")
    comment(client, bobs, "First!")
    comment(client, bobs, "Second!")
    client.post(f"/post/{bobs.id}/like")
    client.post("/tag/cats/follow")
    bob_client = app.test_client()
    bob_client.post("/auth/login", data={"username": "bob", "password": PASSWORD})
    comment(bob_client, bobs, "Thanks, all.")
    bob_client.post("/user/alice/follow")
    bob_client.post(f"/post/{image_post.id}/like")
    client.post("/settings/tokens", data={"name": "script"})

    response = client.post("/settings/delete", data={"password": PASSWORD})
    assert response.status_code == 303
    assert client.get("/settings").status_code == 302  # signed out
    assert User.by_username("alice") is None
    assert Post.objects(author_name="alice").count() == 0
    assert client.get(f"/media/{image_post.image_file}").status_code == 404
    bobs.reload()
    assert [c.body for c in bobs.comments] == ["Thanks, all."] and bobs.comment_count == 1
    assert bobs.like_count == 0 and Like.objects.count() == 0
    assert User.by_username("bob").followed_users == []
    from tumblelog.api.tokens import ApiToken

    assert ApiToken.objects.count() == 0
    assert client.get("/user/alice").status_code == 404


def test_a_deleted_name_is_retired(client, alice, auth):
    client.post("/settings/delete", data={"password": PASSWORD})
    response = auth.register("ALICE", email="new@example.com")
    assert response.status_code == 422
    assert "taken" in page(response).get_text()
