"""Whole-site backup and restore: ``export --all --output site.zip`` then ``import
site.zip`` into an empty database gives back the same site, page for page, and an
import refuses (leaving the database empty) anything that is not a sound backup."""
import io
import json
import random
import re
import zipfile

import pytest
from bson import ObjectId

from conftest import AuthActions, page
from factories import PASSWORD, SAMPLE_FIELDS, add_comments, backup_zip, image_bytes, make_post, make_user
from tumblelog.backup import MANIFEST, MAX_LINE
from tumblelog.federation.models import ActorKey, BlockedDomain, Follower, RemoteFollowing
from tumblelog.mentions import Mention
from tumblelog.models import Like, Post, User
from tumblelog.moderation import AuditEntry, Invite, Report, SiteSettings
from tumblelog.seed import seed_posts


def seed_site(app):
    """A site with every post type, comments, likes, follows, a reblog (with its notes and
    notifications), uploaded images and a profile with an avatar."""
    client = app.test_client()
    with app.app_context():
        alice, bob = make_user("alice", is_admin=True), make_user("bob")
        make_user("carol")
        for number, post_type in enumerate(SAMPLE_FIELDS):  # every type the models declare
            author = (alice, bob)[number % 2]
            add_comments(make_post(post_type, author=author, tags=["backup", post_type]), 3)
        seed_posts(6, rng=random.Random(7))  # with demo pictures that no one post owns
    reader = AuthActions(client)
    reader.login("carol")
    upload = {"image": (io.BytesIO(image_bytes(size=(900, 600))), "sunset.png"), "alt": "A sunset", "tags": "sky"}
    assert client.post("/post/new/image", data=upload, content_type="multipart/form-data").status_code == 303
    with app.app_context():
        posts = list(Post.objects.only("id").order_by("-created_at"))
    client.post(f"/post/{posts[0].id}/comments", data={"body": "My own photo."})
    for post in posts[:4]:
        client.post(f"/post/{post.id}/like", data={"action": "like"})
    client.post("/tag/backup/follow")
    client.post("/user/alice/follow")
    avatar = (io.BytesIO(image_bytes(size=(300, 200))), "me.png")
    profile = {"section": "profile", "avatar": avatar, "bio": "Reads everything.", "blog_title": "Carol's"}
    assert client.post("/settings", data=profile, content_type="multipart/form-data").status_code == 303
    assert client.post(f"/post/{posts[2].id}/reblog", data={"comment": "Look, @alice", "tags": "shared"}).status_code == 303
    client.post(f"/post/{posts[3].id}/report", data={"reason": "Looks like spam"})
    reader.logout()
    client.post(f"/post/{posts[1].id}/comments", data={"name": "Guest", "body": "Passing by."})
    # The moderation's records: site settings, an invitation, the audit log.
    reader.login("alice")
    client.post("/admin/settings", data={"title": "Backed up", "description": "A site kept whole.", "signups": "invite"})
    client.post("/admin/invites", data={"days": "3", "note": "for Dan"})
    reader.logout()
    # The fediverse identity and a Webmention: alice's key pair and a remote follower,
    # carol's follow of a remote account, a blocked domain, a verified mention.
    with app.app_context():
        alice, carol = User.by_username("alice"), User.by_username("carol")
        ActorKey.for_user(alice.id)
        Follower(user=alice, actor="https://social.example/users/zed", inbox="https://social.example/users/zed/inbox",
                 shared_inbox="https://social.example/inbox", handle="@zed@social.example").save()
        RemoteFollowing(user=carol, actor="https://social.example/users/yan", follow_id="https://blog.example/f/1",
                        handle="@yan@social.example", accepted=True).save()
        BlockedDomain.block("spam.example")
        Mention(source="https://elsewhere.example/reply", post=posts[0].id, target=f"http://localhost/post/{posts[0].id}",
                author_name="Wen", excerpt="Nice one.").save()


def moderation_records(app):
    """What the console shows of reports, invitations, settings and the audit log."""
    with app.app_context():
        settings = SiteSettings.current()
        return (
            [(r.post.pk, r.reporter_name, r.reason, r.state) for r in Report.objects.order_by("id")],
            [(i.code, i.created_by_name, i.note, i.expires_at) for i in Invite.objects.order_by("id")],
            [(e.actor_name, e.action, e.target, e.at) for e in AuditEntry.objects.order_by("id")],
            (settings.title, settings.description, settings.signups),
        )


def federation_records(app):
    """The fediverse identity and Webmentions, as a restore must bring them back."""
    with app.app_context():
        return (
            [(k.user.pk, k.private_pem, k.public_pem) for k in ActorKey.objects.order_by("id")],
            [(f.user.pk, f.actor, f.inbox, f.shared_inbox) for f in Follower.objects.order_by("id")],
            [(f.user.pk, f.actor, f.accepted) for f in RemoteFollowing.objects.order_by("id")],
            [b.domain for b in BlockedDomain.objects],
            [(m.source, m.post, m.excerpt) for m in Mention.objects.order_by("id")],
        )


def comparable(text):
    """Page text without what differs per session and per second: CSRF and form-timer
    tokens, and the time an empty feed gives as its last change (now)."""
    text = re.sub(r'(name="(?:csrf_token|rendered)"[^>]*value=")[^"]*"', r'\1"', text)
    return text if "<entry>" in text else re.sub(r"<updated>[^<]*</updated>", "<updated/>", text)


def every_page(app):
    """``{url: (status, body)}`` for every page and API response a reader or a signed-in
    reader of the site can reach, and every uploaded file."""
    with app.app_context():
        post_ids = [str(post_id) for post_id in Post.objects.scalar("id")]
        tags = sorted(Post.objects.distinct("tags"))
        names = sorted(user.username for user in User.objects)
    urls = ["/", "/?page=2", "/feed.atom", "/search?q=python", "/api/v1/posts", "/api/v1/tags"]
    for tag in tags:
        urls += [f"/tag/{tag}", f"/tag/{tag}/feed.atom", f"/api/v1/posts?tag={tag}"]
    for name in names:
        urls += [f"/user/{name}", f"/user/{name}/feed.atom", f"/api/v1/users/{name}"]
    for post_id in post_ids:
        urls += [f"/post/{post_id}", f"/api/v1/posts/{post_id}", f"/api/v1/posts/{post_id}/comments"]
    pages = {}
    reader = app.test_client()
    for url in urls:
        response = reader.get(url, follow_redirects=True)  # permalinks go on to their slug
        pages[url] = (response.status_code, comparable(response.get_data(as_text=True)))
        for image in page(response).select("img[src^='/media/']") if response.mimetype == "text/html" else ():
            pages.setdefault(image["src"], (200, reader.get(image["src"]).get_data()))
    signed_in = app.test_client()
    assert AuthActions(signed_in).login("carol").status_code == 303  # the old password works
    for url in ["/dashboard", "/following", *[f"/post/{post_id}" for post_id in post_ids]]:
        response = signed_in.get(url, follow_redirects=True)
        pages["carol " + url] = (response.status_code, comparable(response.get_data(as_text=True)))
    return pages


def export_all(app, path):
    result = app.test_cli_runner().invoke(args=["export", "--all", "--output", str(path)])
    assert result.exit_code == 0, result.output
    return result


def import_into(app, path):
    return app.test_cli_runner().invoke(args=["import", str(path)])


def test_a_restored_site_shows_every_page_as_before(app_factory, tmp_path):
    site = tmp_path / "site.zip"
    before_app = app_factory()
    seed_site(before_app)
    exported = export_all(before_app, site)
    before = every_page(before_app)

    after_app = app_factory()  # a new, empty database
    result = import_into(after_app, site)

    assert result.exit_code == 0, result.output
    assert "Exporting" in exported.output and "Importing" in result.output  # the progress bars
    with after_app.app_context():
        counts = (User.objects.count(), Post.objects.count(), Like.objects.count())
    assert f"Imported {counts[0]} users, {counts[1]} posts" in result.output
    assert counts[2] == 4
    after = every_page(after_app)
    assert moderation_records(after_app) == moderation_records(before_app)
    assert moderation_records(after_app)[3] == ("Backed up", "A site kept whole.", "invite")
    assert federation_records(after_app) == federation_records(before_app)
    assert all(federation_records(after_app))  # one of each was there to restore
    assert sorted(after) == sorted(before)
    assert len([url for url in before if url.startswith("/media/")]) >= 2
    assert {url for url in before if before[url] != after[url]} == set()
    assert all(status == 200 for status, _ in before.values())


def test_the_manifest_counts_what_the_backup_holds(app, tmp_path):
    site = tmp_path / "site.zip"
    make_post("quote", author=make_user("alice"))
    add_comments(Post.objects.get(), 2)

    export_all(app, site)

    manifest = json.loads(zipfile.ZipFile(site).read(MANIFEST))
    assert (manifest["format"], manifest["version"]) == ("tumblelog-site", 1)
    assert manifest["counts"] == {
        "users": 1, "posts": 1, "comments": 2, "likes": 0, "notes": 0, "notifications": 0, "media": 0,
        "reports": 0, "audit": 0, "invites": 0, "site_settings": 0, "actor_keys": 0, "followers": 0,
        "remote_following": 0, "remote_replies": 0, "remote_reactions": 0, "blocked_domains": 0, "mentions": 0,
    }


def test_an_import_into_a_database_with_data_is_refused(app_factory, tmp_path):
    site = tmp_path / "site.zip"
    app = app_factory()
    make_post("quote", author=make_user("alice"))
    export_all(app, site)

    result = import_into(app, site)

    assert result.exit_code == 1
    assert "The database is not empty" in result.output
    assert Post.objects.count() == 1


@pytest.mark.parametrize("export_args", [[], ["alice", "--all", "-o", "x.zip"], ["--all"]])
def test_export_says_what_it_needs(runner, export_args):
    result = runner.invoke(args=["export", *export_args])
    assert result.exit_code == 2
    assert "--all" in result.output


# --- hostile or damaged backups -------------------------------------------------------------


def a_user(**fields):
    return {"_id": ObjectId(), "username": "mallory", "username_key": "mallory", "password_hash": "x", **fields}


def a_post(author, **fields):
    fields = {"_cls": "Post.QuotePost", "quote": "Hi", **fields}
    fields = {name: value for name, value in fields.items() if value is not None}
    return {"_id": ObjectId(), "author": author["_id"], "author_name": author["username"], "tags": [], **fields}


USER = a_user()


@pytest.mark.parametrize(
    ("contents", "says"),
    [
        ({"members": {"../../etc/passwd": "x"}}, "a file it should not"),
        ({"members": {"media/../../x": "x"}}, "a file it should not"),
        ({"manifest": {"format": "something else", "version": 1}}, "not a tumblelog site backup"),
        ({"manifest": {"format": "tumblelog-site", "version": 2, "counts": {}}}, "version 2"),
        ({"manifest": {"format": "tumblelog-site", "version": 1, "counts": {"users": -1}}}, "no valid counts"),
        ({"users": [a_user(username="<script>")]}, "users.jsonl line 1 is not valid"),
        ({"users": [a_user(_cls="Post.BlogPost")]}, "users.jsonl line 1"),
        ({"users": [a_user(_id="6b0c2b9e5fa6dd38885b4a72")]}, "no ObjectId _id"),
        ({"users": [a_user(followed_users=[ObjectId()])]}, "follow bloggers the backup does not hold"),
        ({"users": [USER, a_user(_id=USER["_id"], username="other")]}, None),  # a duplicate id
        ({"users": [USER], "posts": [a_post(USER, _cls="User")]}, "unknown post type"),
        ({"users": [USER], "posts": [a_post(USER, author_name="someone")]}, "not a user of the backup"),
        ({"users": [USER], "posts": [a_post({"_id": ObjectId(), "username": "mallory"})]}, "not a user of the backup"),
        ({"users": [USER], "posts": [a_post(USER, comments=[{"author_name": "x", "body": "y"}] * 1001)]}, "posts.jsonl"),
        ({"users": [USER], "likes": [{"_id": ObjectId(), "user": USER["_id"], "post": ObjectId()}]}, "likes.jsonl"),
        ({"users": [USER], "posts": [a_post(USER, _cls="Post.ImagePost", quote=None, image_file=ObjectId())]},
         "files the backup does not hold"),
        ({"users": [USER], "reports": [{"_id": ObjectId(), "post": ObjectId(), "reporter": USER["_id"],
                                        "reporter_name": "mallory", "reason": "x"}]}, "reports.jsonl line 1"),
        ({"site_settings": [{"_id": ObjectId(), "key": "other"}]}, "site_settings.jsonl line 1"),
        ({"users": [USER], "followers": [{"_id": ObjectId(), "user": ObjectId(), "actor": "https://x.example/a",
                                          "inbox": "https://x.example/i"}]}, "does not hold"),
        ({"users": [USER], "actor_keys": [{"_id": ObjectId(), "user": USER["_id"]}]}, "actor_keys.jsonl line 1"),
        ({"mentions": [{"_id": ObjectId(), "source": "https://x.example/", "post": ObjectId(),
                        "target": "https://y.example/"}]}, "mentions.jsonl line 1"),
        ({"site_settings": [{"_id": ObjectId(), "key": "site", "title": "<b>" * 100}]}, "site_settings.jsonl line 1"),
        ({"audit": [{"_id": ObjectId(), "actor": ObjectId(), "actor_name": "x", "action": "x", "target": "x",
                     "at": "not a date"}]}, "audit.jsonl line 1"),
    ],
)
def test_a_hostile_backup_is_refused_and_leaves_the_database_empty(app, runner, tmp_path, contents, says):
    result = import_into(app, backup_zip(tmp_path, **contents))

    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith("Error: ")
    assert says is None or says in result.output
    assert (User.objects.count(), Post.objects.count()) == (0, 0)


def test_a_backup_whose_manifest_promises_more_than_it_holds_is_refused(app, tmp_path):
    counts = {"users": 2, "posts": 0, "comments": 0, "likes": 0, "media": 0}
    result = import_into(app, backup_zip(tmp_path, manifest={"format": "tumblelog-site", "version": 1, "counts": counts},
                                     users=[USER]))
    assert result.exit_code == 1
    assert "manifest promises" in result.output
    assert User.objects.count() == 0


def test_a_zip_bomb_is_refused_before_it_is_read(app, tmp_path, monkeypatch):
    # 20 MB of zeros packs into 20 KB; a cap below that must stop it unread.
    monkeypatch.setattr("tumblelog.backup.MAX_TOTAL_SIZE", 10 * 1024 * 1024)
    bomb = backup_zip(tmp_path, members={"media/" + "0" * 24: b"\0" * (20 * 1024 * 1024)})
    assert bomb.stat().st_size < 100 * 1024

    result = import_into(app, bomb)

    assert result.exit_code == 1
    assert "unpacks to" in result.output


def test_an_overlong_line_is_refused(app, tmp_path, monkeypatch):
    monkeypatch.setattr("tumblelog.backup.MAX_LINE", 1000)
    result = import_into(app, backup_zip(tmp_path, users=[a_user(password_hash="x" * 2000)]))
    assert result.exit_code == 1
    assert "longer than" in result.output
    assert MAX_LINE > 16 * 1024 * 1024  # the real cap takes any document MongoDB stores


@pytest.mark.parametrize("data", [b"not a zip", b"PK\x03\x04 cut short"])
def test_a_file_that_is_not_a_zip_is_refused(app, tmp_path, data):
    path = tmp_path / "broken.zip"
    path.write_bytes(data)
    result = import_into(app, path)
    assert result.exit_code == 1
    assert "as a zip file" in result.output


def test_the_old_passwords_still_sign_in_after_a_restore(app_factory, tmp_path):
    site = tmp_path / "site.zip"
    before = app_factory()
    with before.app_context():
        make_user("alice")
    export_all(before, site)
    after = app_factory()
    assert import_into(after, site).exit_code == 0
    client = after.test_client()
    assert AuthActions(client).login("alice", PASSWORD).status_code == 303
    assert AuthActions(client).login("alice", "wrong password").status_code != 303
