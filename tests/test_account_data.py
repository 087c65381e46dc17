"""A blogger downloads everything they made, then deletes their account: what the
settings page promises is what happens."""
import io
import json
import zipfile
from datetime import timedelta

import pytest
from conftest import page, signed_in
from factories import PASSWORD, image_bytes, make_post, make_user

from tumblelog.federation.models import Follower, RemoteFollowing
from tumblelog.mentions import Mention
from tumblelog.models import Like, Post, User, utcnow
from tumblelog.moderation import SiteSettings
from tumblelog.notes import Notification


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
    assert json.loads(archive.read("following.json")) == {"tags": ["cats"], "bloggers": ["bob"], "fediverse": []}
    assert json.loads(archive.read("profile.json"))["email"] == "alice@example.com"


def exported(client):
    """The signed-in blogger's "Your data" zip: each JSON file by its name, "posts" too."""
    archive = zipfile.ZipFile(io.BytesIO(client.get("/settings/export").data))
    return {name.removesuffix(".json"): json.loads(archive.read(name))
            for name in archive.namelist() if name.endswith(".json")}


def test_the_export_is_named_after_the_site_and_the_blogger(client, alice):
    SiteSettings(title="Night Owls: Notes").save()
    disposition = client.get("/settings/export").headers["Content-Disposition"]
    assert "filename=night-owls-notes-alice-" in disposition and disposition.endswith(".zip")


def test_the_export_keeps_unpublished_posts_with_their_state(client, alice):
    make_post("quote", author=alice, quote="Later", state="draft")
    make_post("quote", author=alice, quote="Soon", state="queued", published_at=utcnow() + timedelta(hours=3))
    make_post("quote", author=alice, quote="Mine alone", visibility="private")
    posts = exported(client)["posts"]["posts"]
    assert sorted((p["quote"], p["state"], p["visibility"]) for p in posts) == [
        ("Later", "draft", "public"), ("Mine alone", "published", "private"), ("Soon", "queued", "public")]


def test_the_export_lists_the_posts_the_blogger_liked(client, alice):
    liked = make_post("quote", author=make_user("bob"))
    make_post("quote", author=make_user("carol"))  # not liked
    client.post(f"/post/{liked.id}/like")
    assert [like["post"] for like in exported(client)["likes"]["likes"]] == [str(liked.id)]


def test_the_export_keeps_blocks_mutes_label_choices_and_mail_settings(client, alice):
    make_user("bob")
    client.post("/user/bob/block")
    client.post("/mutes", data={"tags": "spoilers", "words": "finale"})
    client.post("/labels", data={"mature": "show", "violence": "hide", "drug_use": "blur", "sexual_themes": "hide"})
    client.post("/activity/settings", data={"on": ["like", "comment"], "email": "daily"})
    settings = exported(client)["settings"]
    assert settings["blocked"] == ["bob"]
    assert (settings["muted_tags"], settings["muted_words"]) == (["spoilers"], ["finale"])
    assert settings["label_choices"]["mature"] == "show" and settings["label_choices"]["violence"] == "hide"
    assert settings["notification_mail"] == "daily" and "reblog" in settings["notifications_off"]


def test_the_export_keeps_the_bloggers_notifications(app, client, alice):
    post = make_post("quote", author=alice, quote="Hello")
    signed_in(app, make_user("bob").username).post(f"/post/{post.id}/like")
    [notification] = exported(client)["notifications"]["notifications"]
    assert (notification["kind"], notification["post"], notification["actors"]) == ("like", str(post.id), ["bob"])


def test_the_export_keeps_the_webmentions_of_the_bloggers_posts(client, alice):
    mine, bobs = make_post("quote", author=alice), make_post("quote", author=make_user("bob"))
    for post, source in ((mine, "https://elsewhere.example/reply"), (bobs, "https://elsewhere.example/other")):
        Mention(source=source, post=post.id, target=f"http://localhost/post/{post.id}", kind="reply",
                author_name="Zed", excerpt="Great read.").save()
    [mention] = exported(client)["mentions"]["mentions"]
    assert (mention["post"], mention["source"], mention["kind"], mention["excerpt"]) == (
        str(mine.id), "https://elsewhere.example/reply", "reply", "Great read.")


def test_the_export_keeps_followers_and_fediverse_follows(app, client, alice):
    signed_in(app, make_user("bob").username).post("/user/alice/follow")
    Follower(user=alice, actor="https://social.example/users/zed", inbox="https://social.example/users/zed/inbox",
             handle="@zed@social.example").save()
    RemoteFollowing(user=alice, actor="https://social.example/users/yan", follow_id="https://blog.example/f/1",
                    handle="@yan@social.example", accepted=True).save()
    data = exported(client)
    assert data["followers"]["bloggers"] == ["bob"]
    assert [f["handle"] for f in data["followers"]["fediverse"]] == ["@zed@social.example"]
    assert [(f["handle"], f["accepted"]) for f in data["following"]["fediverse"]] == [("@yan@social.example", True)]


def test_the_export_keeps_what_the_blogger_reported_but_not_what_moderators_did(client, alice):
    post = make_post("quote", author=make_user("bob"))
    client.post(f"/post/{post.id}/report", data={"reason": "Spam links"})
    [report] = exported(client)["reports"]["reports"]
    assert (report["post"], report["reason"]) == (str(post.id), "Spam links") and "state" not in report


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
    bob_client = signed_in(app, "bob")
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


def test_deleting_takes_the_accounts_notes_off_other_posts_and_its_notifications_with_it(app, client, alice):
    bobs = make_post("quote", author=make_user("bob"), quote="Bob's")
    client.post(f"/post/{bobs.id}/like")
    comment(client, bobs, "Hi Bob")
    signed_in(app, "bob").post(f"/post/{make_post('quote', author=alice).id}/like")
    assert Notification.objects(recipient=alice.id).count() == 1

    client.post("/settings/delete", data={"password": PASSWORD})
    notes = page(app.test_client().get(f"/post/{bobs.id}", follow_redirects=True)).select(".note")
    assert [note.get_text(" ", strip=True) for note in notes] == []
    assert Notification.objects(recipient=alice.id).count() == 0


def test_a_deleted_name_is_retired(client, alice, auth):
    client.post("/settings/delete", data={"password": PASSWORD})
    response = auth.register("ALICE", email="new@example.com")
    assert response.status_code == 422
    assert "taken" in page(response).get_text()
