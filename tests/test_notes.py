"""Notes and notifications: who liked, reblogged and commented, on the permalink and
on the blogger's /activity page, with exact counts under concurrent requests."""
import pytest

from api_helpers import API, api, bearer  # noqa: F401  (api is a fixture)
from conftest import page, post_ids
from factories import make_post, make_user
from test_likes import racing, run_together, signed_in_clients  # noqa: F401  (racing is a fixture)
from test_reblogs import reblog, signed_in
from tumblelog.models import Post, User
from tumblelog.notes import GROUP_WINDOW, Note, Notification, Reblog, utcnow


def activity(client):
    """The lines of the signed-in reader's /activity page, newest first."""
    html = page(client.get("/activity"))
    return [" ".join(item.get_text(" ", strip=True).split()) for item in html.select(".activity__item")]


def notes(client, post_id, **args):
    html = page(client.get(f"/post/{post_id}", query_string=args, follow_redirects=True))
    return [" ".join(note.get_text(" ", strip=True).split()) for note in html.select(".note")]


def unread(client):
    badge = page(client.get("/")).select_one(".site-nav__activity .badge")
    return int(badge.get_text()) if badge else 0


@pytest.fixture
def alice_post(app):
    return make_post("blog", author=make_user("alice"), title="Hello trail")


def test_the_blogger_hears_of_reblogs_down_the_trail_and_likes(app, alice_post):
    bob, carol, alice = signed_in(app, "bob"), signed_in(app, "carol"), signed_in(app, "alice")
    bob_reblog = reblog(bob, alice_post.id, comment="Nice", tags="thoughts")
    reblog(carol, bob_reblog)
    carol.post(f"/post/{alice_post.id}/like", data={"action": "like"})
    assert unread(alice) == 2  # the reblogs (told together) and the like
    lines = [line.split(" · ")[0] for line in activity(alice)]
    assert lines == ["carol liked your post “Hello trail”", "carol and bob reblogged your post “Hello trail”"]
    assert unread(alice) == 0  # seen
    assert [line.split(" · ")[0] for line in activity(bob)] == ["carol reblogged your post “Hello trail”"]
    # The permalink lists the trail's notes, newest first.
    assert notes(alice, alice_post.id) == [
        "carol liked this", "carol reblogged this from bob", "bob reblogged this from alice",
    ]
    counts = Post.objects(id=alice_post.id).first()
    assert (counts.like_count, counts.reblog_count, counts.note_count) == (1, 2, 3)


def test_notes_are_paged_newest_first(app, alice_post):
    for number in range(25):
        user = make_user(f"fan{number:02}")
        user.like(alice_post.id)
    reader = app.test_client()
    first, second = notes(reader, alice_post.id), notes(reader, alice_post.id, notes=2)
    assert first[0] == "fan24 liked this" and len(first) == 20
    assert second == [f"fan{n:02} liked this" for n in range(4, -1, -1)]
    assert reader.get(f"/post/{alice_post.id}?notes=abc", follow_redirects=True).status_code == 200


def test_unlike_and_deleted_comments_take_their_notes_away(app, alice_post):
    bob = signed_in(app, "bob")
    bob.post(f"/post/{alice_post.id}/like", data={"action": "like"})
    bob.post(f"/post/{alice_post.id}/comments", data={"body": "hi @alice"})
    assert notes(bob, alice_post.id) == ["bob commented", "bob liked this"]
    bob.post(f"/post/{alice_post.id}/like", data={"action": "unlike"})
    comment = Post.objects(id=alice_post.id).first().comments[0]
    signed_in(app, "alice").post(f"/post/{alice_post.id}/comments/{comment.id}/delete")
    assert notes(bob, alice_post.id) == []
    assert Post.objects(id=alice_post.id).first().note_count == 0


def test_mentions_are_linked_and_notify(app, alice_post):
    make_user("mei")
    bob = signed_in(app, "bob")
    bob.post(f"/post/{alice_post.id}/comments", data={"body": "@mei look <b>here</b>, and @nobody"})
    body = page(bob.get(f"/post/{alice_post.id}", follow_redirects=True)).select_one(".comment__body")
    assert [a["href"] for a in body.select("a")] == ["/user/mei", "/user/nobody"]
    assert body.select("b") == [] and "<b>here</b>" in body.get_text()
    mei = signed_in(app, "mei")
    assert [line.split(" · ")[0] for line in activity(mei)] == ["bob mentioned you in “Hello trail”"]


def test_followers_likers_and_commenters_are_grouped_and_never_counted_twice(app, alice_post):
    alice = signed_in(app, "alice")
    for name in ("sam", "mei", "ada", "lin", "kim"):
        fan = signed_in(app, name)
        fan.post("/user/alice/follow", data={"action": "follow"})
        fan.post(f"/post/{alice_post.id}/like", data={"action": "like"})
    sam = signed_in(app, "sam")
    sam.post(f"/post/{alice_post.id}/like", data={"action": "unlike"})
    sam.post(f"/post/{alice_post.id}/like", data={"action": "like"})  # told once already
    lines = [line.split(" · ")[0] for line in activity(alice)]
    assert lines == ["kim and 4 others liked your post “Hello trail”", "kim and 4 others followed you"]


def test_a_group_closes_once_read_or_after_a_while(app, alice_post):
    make_user("sam").like(alice_post.id)
    alice = User.by_username("alice")
    Notification.mark_read(alice)
    make_user("mei").like(alice_post.id)
    Notification.objects(recipient=alice.id, read=False).update(set__updated_at=utcnow() - GROUP_WINDOW * 2)
    make_user("kim").like(alice_post.id)
    # mei's group was aged past the window: kim starts a new one.
    assert sorted(n.who for n in Notification.for_reader(alice, 0, 10)) == ["kim", "mei", "sam"]
    assert User.by_username("alice").unread_count == 2


def test_kinds_can_be_turned_off(app, alice_post):
    alice = signed_in(app, "alice")
    form = page(alice.get("/activity")).select_one("form.activity-settings")
    assert {box["value"] for box in form.select("input[name=on]")} == {
        "like", "reblog", "comment", "mention", "follow", "boost", "request", "webmention"}
    alice.post("/activity/settings", data={"on": ["reblog", "comment", "mention"]})
    make_user("sam").like(alice_post.id)
    signed_in(app, "sam").post("/user/alice/follow")
    reblog(signed_in(app, "bob"), alice_post.id)
    assert [line.split(" · ")[0] for line in activity(alice)] == ["bob reblogged your post “Hello trail”"]


def test_nobody_is_told_of_their_own_doing(app, alice_post):
    alice = signed_in(app, "alice")
    alice.post(f"/post/{alice_post.id}/like", data={"action": "like"})
    reblog(alice, alice_post.id)
    assert activity(alice) == []


def test_a_blocked_account_is_never_heard_of(app, alice_post):
    alice, bob = signed_in(app, "alice"), signed_in(app, "bob")
    assert alice.post("/user/bob/block", data={"action": "block"}).status_code == 303
    assert bob.post(f"/post/{alice_post.id}/reblog", data={"comment": "Mine"}).status_code == 403
    reblog(bob, make_post("quote", author=User.by_username("sam") or make_user("sam")).id, comment="Look, @alice")
    bob.post("/user/alice/follow")
    signed_in(app, "sam").post(f"/post/{alice_post.id}/like", data={"action": "like"})
    assert [line.split(" · ")[0] for line in activity(alice)] == ["sam liked your post “Hello trail”"]


def test_blocking_hides_what_the_blocked_account_did_before(app, api, alice_post):
    alice, bob = signed_in(app, "alice"), signed_in(app, "bob")
    bob.post(f"/post/{alice_post.id}/like", data={"action": "like"})
    bob.post("/user/alice/follow")
    signed_in(app, "sam").post("/user/alice/follow")
    assert unread(alice) == 2  # bob's like; bob and sam following, told together
    assert alice.post("/user/bob/block", data={"action": "block"}).status_code == 303
    assert unread(alice) == 1
    assert [line.split(" · ")[0] for line in activity(alice)] == ["sam followed you"]
    api.token_for("alice")
    assert [n["text"] for n in api.get("/notifications").json["notifications"]] == ["sam followed you"]


def test_the_api_marks_one_notification_read(app, client, api, alice_post):
    signed_in(app, "bob").post(f"/post/{alice_post.id}/like", data={"action": "like"})
    signed_in(app, "sam").post("/user/alice/follow")
    api.token_for("alice")
    follow, like = api.get("/notifications").json["notifications"]
    assert api.post(f"/notifications/{like['id']}/read").json == {"unread_count": 1}
    assert api.post(f"/notifications/{like['id']}/read").json == {"unread_count": 1}  # twice: still 1
    assert [n["read"] for n in api.get("/notifications").json["notifications"]] == [False, True]
    api.token_for("sam")
    assert api.post(f"/notifications/{follow['id']}/read").status_code == 404  # not sam's
    assert api.post("/notifications/0123456789abcdef01234567/read").status_code == 404
    assert api.post("/notifications/nope/read").status_code == 404
    assert client.post(f"{API}/notifications/{follow['id']}/read").status_code == 401


def test_activity_needs_an_account_and_pages_past_the_end_are_404(app, client, alice_post):
    assert client.get("/activity").status_code == 302
    assert signed_in(app, "alice").get("/activity?page=2").status_code == 404


def test_counts_stay_exact_under_concurrent_likes_reblogs_and_unreblogs(app, alice_post, racing):
    for document in (Note, Notification, Post, User):
        document.ensure_indexes()
    names = [f"fan{number:02}" for number in range(20)]
    clients = signed_in_clients(app, names)
    for client, name in zip(clients, names):
        client.username = name
    run_together(clients, lambda c: c.post(f"/post/{alice_post.id}/like", data={"action": "like"}))
    statuses = run_together(clients, lambda c: c.post(f"/post/{alice_post.id}/reblog", data={"comment": "yes"}))
    assert statuses == [303] * 20
    reblogs = {r.author_name: r.id for r in Reblog.objects}
    # Half take their reblog back, each twice at once: each counts down once.
    takers = [c for c, name in zip(clients, names) if int(name[3:]) % 2] * 2
    run_together(takers, lambda c: c.post(f"/post/{reblogs[c.username]}/delete"))
    post = Post.objects(id=alice_post.id).first()
    assert (post.like_count, post.reblog_count, post.note_count) == (20, 10, 30)
    assert Note.objects(root=alice_post.id).count() == 30
    alice = User.by_username("alice")
    assert sum(n.count for n in Notification.objects(recipient=alice.id)) == 40  # 20 likes, 20 reblogs


def test_the_api_reblogs_and_lists_notes_and_notifications(app, client, api, alice_post):
    api.token_for("bob")
    response = api.post(f"/posts/{alice_post.id}/reblog", json={"comment": "**Yes**", "tags": ["b"]})
    assert response.status_code == 201, response.json
    data = response.json
    assert (data["type"], data["reblog_of"], data["comment_html"].strip()) == ("reblog", str(alice_post.id), "<p><strong>Yes</strong></p>")
    assert data["original"]["title"] == "Hello trail" and data["tags"] == ["b"]
    assert api.get(f"/posts/{alice_post.id}").json["reblog_count"] == 1
    assert api.get(f"/posts/{alice_post.id}").json["note_count"] == 1
    assert api.get(f"/posts/{alice_post.id}/notes").json["notes"][0]["reblogged_from"] == "alice"
    assert api.post(f"/posts/{alice_post.id}/reblog", json={"comment": 3}).status_code == 400
    assert api.post(f"/posts/{alice_post.id}/reblog", json={"nope": ""}).status_code == 400
    assert api.post("/posts/0123456789abcdef01234567/reblog", json={}).status_code == 404
    api.token_for("alice")
    listed = api.get("/notifications", headers=bearer(api.token)).json
    assert [n["text"] for n in listed["notifications"]] == ["bob reblogged your post"] and listed["unread_count"] == 1
    assert api.post("/notifications/read").json == {"unread_count": 0}
    assert api.get("/notifications", headers=bearer(api.token)).json["notifications"][0]["read"] is True
    assert client.get(f"{API}/notifications").status_code == 401
    # A reblog's own comment and tags change through PATCH; its snapshot does not.
    api.token_for("bob")
    changed = api.patch(f"/posts/{data['id']}", json={"comment": "Changed"})
    assert changed.status_code == 200 and changed.json["comment"] == "Changed"
    assert changed.json["original"]["title"] == "Hello trail"


def test_a_deleted_reblog_leaves_the_reblogs_of_it_counted(app, alice_post):
    bob, carol = signed_in(app, "bob"), signed_in(app, "carol")
    bob_reblog = reblog(bob, alice_post.id)
    carol.post(f"/post/{bob_reblog}/like", data={"action": "like"})
    carol_reblog = reblog(carol, bob_reblog)
    bob.post(f"/post/{bob_reblog}/delete")
    assert notes(carol, alice_post.id) == ["carol reblogged this from bob"]
    assert Post.objects(id=alice_post.id).first().reblog_count == 1
    assert carol.get(f"/post/{carol_reblog}", follow_redirects=True).status_code == 200


def test_a_reblog_edits_only_its_own_comment_and_tags(app, alice_post):
    bob = signed_in(app, "bob")
    reblog_id = reblog(bob, alice_post.id, comment="First thought")
    form = page(bob.get(f"/post/{reblog_id}/edit")).select_one("form.post-form")
    # Its own words and tags, and when and to whom it shows: never the original's fields.
    assert {field["name"] for field in form.select("[name]")} - {"csrf_token"} == {
        "comment", "tags", "state", "publish_at", "utc_offset", "visibility"}
    response = bob.post(f"/post/{reblog_id}/edit", data={"comment": "Second *thought*", "tags": "later"})
    assert response.status_code == 303
    shown = page(bob.get(f"/post/{reblog_id}", follow_redirects=True)).select_one("article.post")
    assert shown.select_one(".reblog__comment em").get_text() == "thought"
    assert [a.get_text() for a in shown.select("a[rel=tag]")] == ["#later"]
    assert signed_in(app, "carol").post(f"/post/{reblog_id}/edit", data={"comment": "mine"}).status_code == 403


@pytest.mark.parametrize("cursor", ["-1", "abc", "1" * 5000, "٣", "10001"])
def test_the_api_refuses_odd_cursors(app, api, alice_post, cursor):
    assert api.get(f"/posts/{alice_post.id}/notes", query_string={"cursor": cursor}).status_code == 400


@pytest.mark.parametrize("number", ["-1", "abc", "1" * 5000, "٣", "0"])
def test_odd_notes_pages_show_the_first(app, client, alice_post, number):
    make_user("sam").like(alice_post.id)
    assert notes(client, alice_post.id, notes=number) == ["sam liked this"]


def test_the_loop_alice_posts_bob_and_carol_reblog_alice_edits_then_deletes(app, alice_post, racing):
    """The issue's story, start to end."""
    for document in (Note, Notification, Post, User):
        document.ensure_indexes()
    bob, carol, alice = signed_in(app, "bob"), signed_in(app, "carol"), signed_in(app, "alice")
    bob_reblog = reblog(bob, alice_post.id, comment="So true", tags="thoughts")
    carol_reblog = reblog(carol, bob_reblog, comment="Agreed")
    carol.post(f"/post/{alice_post.id}/like", data={"action": "like"})
    assert [line.split(" · ")[0] for line in activity(alice)] == [
        "carol liked your post “Hello trail”", "carol and bob reblogged your post “Hello trail”"]

    fans = signed_in_clients(app, [f"fan{number:02}" for number in range(20)])
    run_together(fans, lambda c: c.post(f"/post/{alice_post.id}/like", data={"action": "like"}))
    assert run_together(fans, lambda c: c.post(f"/post/{alice_post.id}/reblog", data={"comment": "yes"})) == [303] * 20
    counts = Post.objects(id=alice_post.id).first()
    assert (counts.like_count, counts.reblog_count, counts.note_count) == (21, 22, 43)
    assert Note.objects(root=alice_post.id).count() == 43

    def trails():
        """What Bob's and Carol's reblogs show of the trail: each entry's author and words."""
        shown = [page(client.get(f"/post/{post_id}", follow_redirects=True)).select(".trail__item")
                 for client, post_id in ((bob, bob_reblog), (carol, carol_reblog))]
        return [[(item.select_one(".trail__author a").get_text(), " ".join(item.select_one(".prose").get_text().split()))
                 for item in items] for items in shown]

    before = [[("alice", "Some Markdown text.")], [("alice", "Some Markdown text."), ("bob", "So true")]]
    assert trails() == before
    alice.post(f"/post/{alice_post.id}/edit", data={"title": "Changed", "body": "New words.", "tags": ""})
    assert trails() == before
    assert alice.post(f"/post/{alice_post.id}/delete").status_code == 303
    assert trails() == before
    assert post_ids(bob.get("/tag/thoughts")) == [bob_reblog]
