"""Reblogs: a reader puts someone's post on their own blog with a comment and tags;
the post travels with its trail, which later edits and deletion do not change."""
from datetime import datetime

import pytest

import conftest
from conftest import page, post_ids
from factories import make_post, make_user
from tumblelog.models import POST_TYPES, Post
from tumblelog.notes import TRAIL_MAX, Reblog, TrailEntry


def signed_in(app, name):
    """A client signed in as ``name`` (made if new)."""
    if not Post._get_db()["user"].find_one({"username": name}):
        make_user(name)
    return conftest.signed_in(app, name)


def reblog(client, post_id, comment="", tags=""):
    response = client.post(f"/post/{post_id}/reblog", data={"comment": comment, "tags": tags})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].split("/post/")[1].split("/")[0]


def article(client, url):
    return page(client.get(url, follow_redirects=True)).select_one("article.post")


@pytest.fixture
def alice_post(app):
    return make_post("blog", author=make_user("alice"), title="Hello trail", body="First *words*.")


def test_the_trail_survives_edits_and_deletion(app, alice_post):
    bob, carol = signed_in(app, "bob"), signed_in(app, "carol")
    bob_reblog = reblog(bob, alice_post.id, comment="So true, @alice", tags="Thoughts")
    carol_reblog = reblog(carol, bob_reblog, comment="Agreed.")
    alice = signed_in(app, "alice")
    alice.post(f"/post/{alice_post.id}/edit", data={"title": "Changed", "body": "New words.", "tags": ""})
    assert alice.post(f"/post/{alice_post.id}/delete").status_code == 303

    # The snapshot holds what shows (the rendered HTML), not the Markdown source.
    snapshot = Reblog.objects(id=carol_reblog).first().original_fields
    assert "body" not in snapshot and "<em>words</em>" in snapshot["body_html"]
    shown = article(carol, f"/post/{carol_reblog}")
    assert shown["data-reblog-of"] == str(alice_post.id)
    assert shown["data-post-type"] == "blog"
    assert shown.select_one(".trail__item--original .prose").get_text().strip() == "First words."
    assert "Changed" not in shown.get_text()
    assert "has been deleted" in shown.select_one(".trail__gone").get_text()
    # Bob's comment, then Carol's, each linked to its blogger.
    authors = [a.get_text() for a in shown.select(".trail__item .trail__author a:first-child")]
    assert authors == ["alice", "bob"]
    assert shown.select_one(".reblog__comment").get_text(" ", strip=True) == "carol Agreed."
    mention = shown.select_one(".trail__item:not(.trail__item--original) a[href='/user/alice']")
    assert mention is not None and mention.get_text() == "@alice"
    # Bob's reblog is on the tag page of the tag he added, and on his blog.
    tagged = page(bob.get("/tag/thoughts")).select("article.post")
    assert [a["data-post-id"] for a in tagged] == [bob_reblog]
    assert bob_reblog in post_ids(bob.get("/user/bob"))


@pytest.mark.parametrize("post_type", list(POST_TYPES))
def test_every_type_is_reblogged_as_itself(app, post_type):
    original = make_post(post_type, author=make_user("alice"))
    bob = signed_in(app, "bob")
    reblog_id = reblog(bob, original.id)
    mine, theirs = article(bob, f"/post/{reblog_id}"), article(bob, f"/post/{original.id}")
    assert mine["data-post-type"] == theirs["data-post-type"] == post_type
    assert "post--reblog" in mine["class"]
    for front_page in (page(bob.get("/")), ):
        assert front_page.select_one(f"article[data-post-id='{reblog_id}'][data-reblog-of='{original.id}']")


def test_the_form_page_works_without_javascript(app, alice_post):
    bob = signed_in(app, "bob")
    form = page(bob.get(f"/post/{alice_post.id}/reblog")).select_one("form.reblog-form")
    assert {field["name"] for field in form.select("[name]")} >= {"comment", "tags"}
    response = bob.post(f"/post/{alice_post.id}/reblog", data={"comment": "x" * 2001, "tags": ""})
    assert response.status_code == 422
    assert "2000" in page(response).select_one(".field__errors").get_text()
    assert Reblog.objects.count() == 0


def test_readers_must_sign_in_and_unknown_posts_are_404(app, client, alice_post):
    response = client.post(f"/post/{alice_post.id}/reblog", data={"comment": "hi"})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    bob = signed_in(app, "bob")
    assert bob.get("/post/0123456789abcdef01234567/reblog").status_code == 404
    assert bob.get("/post/nothex/reblog").status_code == 404


def test_only_authors_reblog_and_hidden_posts_are_not_found(app, alice_post):
    make_user("rita", role="reader")
    assert signed_in(app, "rita").post(f"/post/{alice_post.id}/reblog", data={}).status_code == 403
    bob = signed_in(app, "bob")
    Post.objects(id=alice_post.id).update_one(set__hidden="moderator")
    assert bob.get(f"/post/{alice_post.id}/reblog").status_code == 404
    assert bob.post(f"/post/{alice_post.id}/reblog", data={}).status_code == 404
    assert Reblog.objects.count() == 0


def test_a_reblog_keeps_the_labels_and_leaves_held_comments_behind(app, alice_post):
    Post.objects(id=alice_post.id).update_one(set__labels=["mature"], push__held_comments={"body": "wait", "author_name": "x"})
    reblogged = Reblog.objects.get(id=reblog(signed_in(app, "bob"), alice_post.id))
    assert reblogged.labels == ["mature"]
    assert "held_comments" not in reblogged.original_fields
    assert page(signed_in(app, "carol").get("/")).select_one(f"#post-{reblogged.id} .label-gate") is not None


def test_comments_are_sanitised(app, alice_post):
    bob = signed_in(app, "bob")
    reblog_id = reblog(bob, alice_post.id, comment="<script>alert(1)</script> [x](javascript:alert(1)) **ok**")
    shown = article(bob, f"/post/{reblog_id}")
    assert shown.select("script") == [] and not shown.select("a[href^=javascript]")
    assert shown.select_one(".reblog__comment strong").get_text() == "ok"


def test_a_full_trail_is_refused_with_a_reason(app, alice_post):
    bob = signed_in(app, "bob")
    first = Post.objects(id=reblog(bob, alice_post.id, comment="start")).first()
    entries = [TrailEntry(post=alice_post.id, author_name="bob", comment_html="<p>x</p>", created_at=first.created_at)]
    Reblog.objects(id=first.id).update_one(set__trail=entries * TRAIL_MAX)
    response = bob.post(f"/post/{first.id}/reblog", data={"comment": "one more"})
    assert response.status_code == 409
    assert "reblog the original" in page(response).select_one(".reblog__refused").get_text()
    assert page(bob.get(f"/post/{first.id}")).select_one(".post__reblog") is None
    assert Reblog.objects.count() == 1


def test_feeds_carry_the_trail(app, alice_post):
    bob = signed_in(app, "bob")
    reblog(bob, alice_post.id, comment="Read this")
    feed = bob.get("/user/bob/feed.atom").get_data(as_text=True)
    assert "First &lt;em&gt;words&lt;/em&gt;" in feed and "Read this" in feed


def test_deleting_a_reblog_uncounts_it(app, alice_post):
    bob = signed_in(app, "bob")
    reblog_id = reblog(bob, alice_post.id)
    assert Post.objects(id=alice_post.id).first().reblog_count == 1
    bob.post(f"/post/{reblog_id}/delete")
    assert Post.objects(id=alice_post.id).first().reblog_count == 0


def test_the_demo_has_reblogs_with_trails(app):
    import random

    from tumblelog.seed import seed_posts, seed_reblogs

    seed_posts(12, rng=random.Random(3))
    made = seed_reblogs(4, rng=random.Random(3))
    assert made == Reblog.objects.count() >= 4
    reader = app.test_client()
    listed = page(reader.get("/")).select("article.post--reblog")
    assert listed and all(article.select_one(".trail__item--original") for article in listed)


def test_a_comment_too_complex_to_format_is_refused_on_the_form(app, alice_post, monkeypatch):
    monkeypatch.setattr("tumblelog.markup.RENDER_BUDGET_SECONDS", -1)  # every text is over it
    bob = signed_in(app, "bob")
    response = bob.post(f"/post/{alice_post.id}/reblog", data={"comment": "[[[" * 100})
    assert response.status_code == 422
    assert "too complex" in page(response).select_one("#comment-error").get_text()
    assert Reblog.objects.count() == 0 and Post.objects(id=alice_post.id).first().reblog_count == 0


def test_followers_see_reblogs_on_their_dashboard_and_the_api_lists_them(app, alice_post):
    bob, dana = signed_in(app, "bob"), signed_in(app, "dana")
    dana.post("/user/bob/follow", data={"action": "follow"})
    reblog_id = reblog(bob, alice_post.id, comment="Look")
    assert post_ids(dana.get("/dashboard")) == [reblog_id]
    listed = dana.get("/api/v1/posts?author=bob").json["posts"]
    assert [(p["id"], p["type"], p["original"]["type"]) for p in listed] == [(reblog_id, "reblog", "blog")]


def test_reblogs_have_link_previews_a_json_feed_entry_and_an_oembed(app, alice_post):
    bob = signed_in(app, "bob")
    reblog_id = reblog(bob, alice_post.id, comment="Read this")
    html = page(bob.get(f"/post/{reblog_id}", follow_redirects=True))
    assert html.select_one("meta[property='og:title']")["content"] == "Hello trail"
    entry = bob.get("/user/bob/feed.json").json["items"][0]
    assert "First <em>words</em>" in entry["content_html"] and "Read this" in entry["content_html"]
    embed = bob.get("/oembed", query_string={"url": f"http://localhost/post/{reblog_id}", "format": "json"})
    assert embed.status_code == 200 and embed.json["title"] == "Hello trail"


def reblog_count(post):
    return Post.objects(id=post.id).first().reblog_count


def notes_on(client, post):
    html = page(client.get(f"/post/{post.id}", follow_redirects=True))
    return [" ".join(note.get_text(" ", strip=True).split()) for note in html.select(".note")]


def test_a_reblog_can_wait_in_drafts_and_counts_only_when_published(app, alice_post):
    bob = signed_in(app, "bob")
    response = bob.post(f"/post/{alice_post.id}/reblog", data={"comment": "Later", "state": "draft"})
    assert response.status_code == 303
    draft = Reblog.objects.get(author_name="bob")
    assert draft.state == "draft" and reblog_count(alice_post) == 0
    assert page(bob.get("/drafts")).select_one(f"#post-{draft.id}") is not None
    assert not Post._get_db()["notification"].find_one({"kind": "reblog"})
    assert bob.post(f"/post/{draft.id}/publish").status_code == 303
    assert reblog_count(alice_post) == 1
    assert notes_on(bob, alice_post) == ["bob reblogged this from alice"]


@pytest.mark.parametrize("fields, status", [
    ({"state": "draft"}, 404),
    ({"visibility": "private"}, 404),
    ({"state": "queued", "published_at": datetime(2999, 1, 1)}, 404),
    ({"visibility": "unlisted"}, 409),
])
def test_only_published_public_posts_can_be_reblogged(app, fields, status):
    hers = make_post("quote", author=make_user("alice"))
    Post.objects(id=hers.id).update_one(**{f"set__{name}": value for name, value in fields.items()})
    bob = signed_in(app, "bob")
    assert bob.get(f"/post/{hers.id}/reblog").status_code == (404 if status == 404 else 200)
    assert bob.post(f"/post/{hers.id}/reblog", data={"comment": "mine"}).status_code == status
    assert Reblog.objects.count() == 0
