"""What a blogger's inbox takes from the fediverse, and the hostile requests it refuses
cleanly (a 4xx with the reason, never a 500, nothing stored)."""
import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import page
from tests.factories import make_user
from tests.fediverse import RemoteUser, fresh_fetch_time, key_pair
from tumblelog.federation import delivery, net
from tumblelog.federation.models import Follower, RemoteActor, RemoteFollowing, RemotePost, RemoteReaction
from tumblelog.models import Post, User, utcnow

INBOX = "/user/alice/inbox"
ALICE = "http://localhost/user/alice"


@pytest.fixture
def sent(monkeypatch):
    """What our site delivers, captured instead of sent: (inbox, activity, headers).
    Fetches fail, as for a server that is away."""
    deliveries = []

    def capture(method, url, body=None, headers=None):
        if method != "POST":
            raise net.FetchError(f"{url} is away")
        deliveries.append((url, json.loads(body), headers))
        return 202, b""

    monkeypatch.setattr(delivery.net, "request", capture)
    return deliveries


@pytest.fixture
def bob(app):
    with app.app_context():
        make_user("alice")
        return RemoteUser().remember()


def stored(app, document, **filters):
    with app.app_context():
        return document.objects(**filters).count()


def test_a_follow_makes_a_follower_and_an_accept_goes_back_signed(app, client, bob, sent):
    follow = bob.activity("Follow", ALICE)
    assert bob.send(client, INBOX, follow).status_code == 202
    assert stored(app, Follower, actor=bob.id) == 1
    [(inbox, accept, headers)] = sent
    assert inbox == bob.inbox
    assert accept["type"] == "Accept" and accept["object"]["id"] == follow["id"] and accept["actor"] == ALICE
    assert accept["id"].startswith(ALICE + "#")
    assert 'headers="(request-target) host date digest"' in headers["Signature"]
    assert client.get("/user/alice/followers").get_json(force=True)["totalItems"] == 1


def test_following_twice_is_one_follower_and_undo_ends_it(app, client, bob, sent):
    follow = bob.activity("Follow", ALICE)
    bob.send(client, INBOX, follow)
    bob.send(client, INBOX, bob.activity("Follow", ALICE, number=2))
    assert stored(app, Follower) == 1
    assert bob.send(client, INBOX, bob.activity("Undo", follow)).status_code == 202
    assert stored(app, Follower) == 0


def test_a_follow_for_someone_else_is_refused(app, client, bob, sent):
    response = bob.send(client, INBOX, bob.activity("Follow", "http://localhost/user/carol"))
    assert response.status_code == 400
    assert stored(app, Follower) == 0 and not sent


def test_posts_of_remote_accounts_a_reader_follows_arrive_sanitised(app, client, bob):
    with app.app_context():
        alice = make_user("carol")
        RemoteFollowing(user=alice, actor=bob.id, follow_id=ALICE + "#follows/1", accepted=True).save()
    note = bob.note(content='<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:x">there</a></p>')
    assert bob.send(client, INBOX, bob.activity("Create", note)).status_code == 202
    with app.app_context():
        post = RemotePost.objects.get(object_id=note["id"])
    assert post.actor == bob.id and post.url == note["url"]
    assert "script" not in post.content_html and "onclick" not in post.content_html and "javascript" not in post.content_html
    bob.send(client, INBOX, bob.activity("Update", {**note, "content": "<p>Edited</p>"}, number=2))
    assert stored(app, RemotePost, content_html="<p>Edited</p>") == 1
    bob.send(client, INBOX, bob.activity("Delete", {"id": note["id"], "type": "Tombstone"}, number=3))
    assert stored(app, RemotePost) == 0


def test_posts_of_accounts_nobody_follows_are_not_kept(app, client, bob):
    assert bob.send(client, INBOX, bob.activity("Create", bob.note())).status_code == 202
    assert stored(app, RemotePost) == 0


def test_an_account_deleted_remotely_stops_following(app, client, bob, sent):
    bob.send(client, INBOX, bob.activity("Follow", ALICE))
    assert bob.send(client, INBOX, bob.activity("Delete", bob.id)).status_code == 202
    assert stored(app, Follower) == 0


def test_a_rotated_key_is_fetched_again_once(app, client, bob, sent, monkeypatch):
    new_private, new_public = key_pair("bob-rotated")
    fetched = []

    def fetch(url, signed_by=None):
        fetched.append(url)
        assert signed_by[0] == ALICE + "#main-key"  # for servers that only answer signed fetches
        return {"id": bob.id, "type": "Person", "inbox": bob.inbox,
                "publicKey": {"id": bob.key_id, "owner": bob.id, "publicKeyPem": new_public}}

    monkeypatch.setattr("tumblelog.federation.inbox.net.fetch_json", fetch)
    with app.app_context():
        RemoteActor.objects(actor_id=bob.id).update_one(set__fetched_at=utcnow() - timedelta(hours=1))
    assert bob.send(client, INBOX, bob.activity("Follow", ALICE), private_pem=new_private).status_code == 202
    assert fetched == [bob.id]
    assert bob.send(client, INBOX, bob.activity("Follow", ALICE, number=2), private_pem=new_private).status_code == 202
    assert fetched == [bob.id]  # the new key is cached


def hostile(bob):
    """(name, how to send it, the status expected): each a way to get a bad activity in."""
    follow = bob.activity("Follow", ALICE)
    mallory = RemoteUser(host="evil.example", name="mallory", keys=key_pair("mallory"))
    other_key = key_pair("mallory")[0]
    return {
        "unsigned": (lambda c: c.post(INBOX, json=follow), 401),
        "signed with another key": (lambda c: bob.send(c, INBOX, follow, private_pem=other_key), 401),
        "a stale date": (lambda c: bob.send(c, INBOX, follow, now=utcnow() - timedelta(hours=13)), 401),
        "a date from the future": (lambda c: bob.send(c, INBOX, follow, now=utcnow() + timedelta(hours=13)), 401),
        "a body other than the one signed": (
            lambda c: bob.send(c, INBOX, follow, Digest="SHA-256=" + "A" * 43 + "="), 401),
        "no Date header": (lambda c: bob.send(c, INBOX, follow, Date=None), 401),
        "a malformed Signature": (lambda c: bob.send(c, INBOX, follow, Signature='keyId="x",signature'), 401),
        "a signature over fewer headers": (
            lambda c: bob.send(c, INBOX, follow, Signature=bob_signature_over_date_only(bob)), 401),
        "another actor than the key's owner": (
            lambda c: bob.send(c, INBOX, {**follow, "actor": mallory.id}), 403),
        "an activity id on another host": (
            lambda c: bob.send(c, INBOX, {**follow, "id": "https://evil.example/follow/1"}), 403),
        "a spoofed object id": (
            lambda c: bob.send(c, INBOX, bob.activity("Create", {**bob.note(), "id": "https://evil.example/n/1"})), 403),
        "an object attributed to someone else": (
            lambda c: bob.send(c, INBOX, bob.activity("Create", bob.note(attributedTo=mallory.id))), 403),
        "an unknown activity type": (lambda c: bob.send(c, INBOX, bob.activity("Explode", ALICE)), 400),
        "a Follow without an id": (lambda c: bob.send(c, INBOX, {**follow, "id": None}), 400),
        "a Follow whose id is not a URL": (lambda c: bob.send(c, INBOX, {**follow, "id": "urn:x:1"}), 400),
        "an Accept of someone else's Follow": (
            lambda c: bob.send(c, INBOX, bob.activity("Accept", {"type": "Follow", "actor": mallory.id, "object": bob.id})), 400),
        "a type that is not a string": (lambda c: bob.send(c, INBOX, {**follow, "type": ["Follow"]}), 400),
        "an actor that is not a URL": (lambda c: bob.send(c, INBOX, {**follow, "actor": {"id": bob.id}}), 400),
        "not JSON": (lambda c: bob.send(c, INBOX, None, body=b"\xff{not json"), 400),
        "a JSON list": (lambda c: bob.send(c, INBOX, None, body=b"[1, 2]"), 400),
        "a lone surrogate": (
            lambda c: bob.send(c, INBOX, None, body=json.dumps(bob.activity("Follow", ALICE, note="\ud800")).encode()), 400),
        "deeply nested JSON": (lambda c: bob.send(c, INBOX, None, body=b"[" * 100_000 + b"]" * 100_000), 400),
        "a 10 MB body": (lambda c: bob.send(c, INBOX, {**follow, "padding": "x" * 10_000_000}), 413),
        "an unknown key": (lambda c: RemoteUser(host="127.0.0.1", keys=key_pair("bob")).send(c, INBOX, follow), 401),
    }


def bob_signature_over_date_only(bob):
    return f'keyId="{bob.key_id}",algorithm="rsa-sha256",headers="date",signature="AAAA"'


CASES = list(hostile(RemoteUser()))


@pytest.mark.parametrize("case", CASES)
def test_hostile_requests_are_refused_cleanly_and_change_nothing(app, client, bob, sent, case):
    send, status = hostile(bob)[case]
    with app.app_context():
        fresh_fetch_time(bob.id)
    response = send(client)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json and response.json["error"]
    assert stored(app, Follower) == stored(app, RemotePost) == 0
    assert not sent


def test_an_inbox_of_nobody_is_not_found(client, bob, sent):
    assert bob.send(client, "/user/nobody/inbox", bob.activity("Follow", ALICE)).status_code == 404


@pytest.fixture
def post(app, bob):
    from tests.factories import make_post

    with app.app_context():
        return make_post("quote", author=User.by_username("alice"))


def permalink(post):
    return f"http://localhost/post/{post.id}"


def test_a_reply_from_the_fediverse_is_a_comment_linking_its_author(app, client, bob, post):
    reply = bob.note(content='<p><a href="http://localhost/user/alice" class="mention">@alice</a> Lovely <b>quote</b></p>'
                             "<p>Second <script>bad()</script>line</p>", inReplyTo=permalink(post))
    assert bob.send(client, INBOX, bob.activity("Create", reply)).status_code == 202
    assert bob.send(client, INBOX, bob.activity("Create", reply)).status_code == 202  # delivered twice
    html = page(client.get(f"/post/{post.id}", follow_redirects=True))
    [comment] = html.select(".comment")
    author = comment.select_one(".comment__remote")
    assert author.get_text() == "@bob@remote.example" and author["href"] == bob.id
    assert comment.select_one(".comment__body").get_text() == "@alice Lovely quote\nSecond line"

    bob.send(client, INBOX, bob.activity("Update", {**reply, "content": "<p>Edited</p>"}, number=2))
    assert page(client.get(f"/post/{post.id}", follow_redirects=True)).select_one(".comment__body").get_text() == "Edited"
    bob.send(client, INBOX, bob.activity("Delete", {"id": reply["id"], "type": "Tombstone"}, number=3))
    assert page(client.get(f"/post/{post.id}", follow_redirects=True)).select(".comment") == []
    with app.app_context():
        assert Post.objects.get(id=post.id).comment_count == 0


@pytest.mark.parametrize("in_reply_to, status", [
    ("http://localhost/post/0123456789abcdef01234567", 404),  # a post that is gone
    ("http://localhost/user/alice", 202),  # not a post: nothing to comment on
    ("https://elsewhere.example/post/0123456789abcdef01234567", 202),  # another site's
])
def test_a_reply_to_no_post_of_ours_is_no_comment(app, client, bob, post, in_reply_to, status):
    response = bob.send(client, INBOX, bob.activity("Create", bob.note(inReplyTo=in_reply_to)))
    assert response.status_code == status
    with app.app_context():
        assert sum(p.comment_count for p in Post.objects) == 0


def test_likes_count_once_per_remote_account_and_undo_takes_them_back(app, client, bob, post):
    like = bob.activity("Like", permalink(post))
    assert bob.send(client, INBOX, like).status_code == 202
    assert bob.send(client, INBOX, bob.activity("Like", permalink(post), number=2)).status_code == 202
    boost = bob.activity("Announce", permalink(post))
    assert bob.send(client, INBOX, boost).status_code == 202
    with app.app_context():
        assert Post.objects.get(id=post.id).like_count == 1
        assert RemoteReaction.objects(kind="Announce").count() == 1
    bob.send(client, INBOX, bob.activity("Undo", like, number=3))
    bob.send(client, INBOX, bob.activity("Undo", boost, number=4))
    with app.app_context():
        assert Post.objects.get(id=post.id).like_count == 0
        assert RemoteReaction.objects.count() == 0


@pytest.mark.parametrize("target", ["http://localhost/post/0123456789abcdef01234567", "https://elsewhere.example/post/1", 42])
def test_a_like_of_something_that_is_not_our_post_is_refused(client, bob, target):
    assert bob.send(client, INBOX, bob.activity("Like", target)).status_code == 404


@pytest.mark.parametrize("blocked", ["remote.example", "example", "REMOTE.example."])
def test_an_admin_blocks_a_domain_and_nothing_comes_from_or_goes_to_it(app, client, bob, sent, runner, blocked):
    bob.send(client, INBOX, bob.activity("Follow", ALICE))
    sent.clear()
    result = runner.invoke(args=["federation", "block", blocked])
    assert result.exit_code == 0 and "Blocked" in result.output
    assert stored(app, Follower) == 0  # forgotten with the block
    response = bob.send(client, INBOX, bob.activity("Follow", ALICE, number=2))
    assert response.status_code == 403
    assert stored(app, Follower) == 0 and not sent
    with app.app_context():
        assert delivery.deliver(User.by_username("alice").pk, ALICE + "#main-key", bob.inbox, {"type": "Create"}) is None
    assert not sent
    assert runner.invoke(args=["federation", "unblock", blocked]).exit_code == 0
    bob.remember()
    assert bob.send(client, INBOX, bob.activity("Follow", ALICE, number=3)).status_code == 202


def test_a_block_spares_other_domains_that_merely_end_alike(app, client, bob, sent, runner):
    runner.invoke(args=["federation", "block", "mote.example"])
    assert bob.send(client, INBOX, bob.activity("Follow", ALICE)).status_code == 202


@pytest.mark.parametrize("domain", ["", "not a domain", "http://x.example/", "a" * 300, "x_y.example"])
def test_blocking_something_that_is_not_a_domain_says_so(runner, domain):
    result = runner.invoke(args=["federation", "block", domain])
    assert result.exit_code == 2 and "is not a domain name" in result.output


def test_a_server_flooding_an_inbox_is_slowed_down(app_factory):
    app = app_factory(RATELIMIT_INBOX="2 per minute")
    client = app.test_client()
    statuses = [client.post(INBOX, json={}).status_code for _ in range(3)]
    assert statuses == [404, 404, 429]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30)
    | st.sampled_from([ALICE, "http://localhost/post/0123456789abcdef01234567", RemoteUser().id, RemoteUser().id + "/x"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "type", "actor", "object", "inReplyTo", "content", "attributedTo", "url", "name"]),
        inner, max_size=4),
    max_leaves=12,
)
ACTIVITY_TYPES = ["Follow", "Undo", "Accept", "Reject", "Create", "Update", "Delete", "Like", "Announce", "Block", "Move"]


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(ACTIVITY_TYPES), obj=JSON_VALUES, activity_id=JSON_VALUES)
def test_signed_activities_of_any_shape_never_crash_the_inbox(app, client, bob, sent, kind, obj, activity_id):
    activity = {"type": kind, "actor": bob.id, "object": obj, "id": activity_id}
    response = bob.send(client, INBOX, activity)
    assert response.status_code in (202, 400, 403, 404, 409), response.get_data(as_text=True)


@pytest.mark.parametrize("body, deep", [
    (b'{"a": [[["]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"]]]}', False),  # brackets in a string
    (b'{"a": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', False),  # after an escaped quote
    (b"[" * 33 + b"]" * 33, True),
    (b"[" * 32 + b"]" * 32, False),
    (b'{"a": "\\\\"' + b"[" * 40 + b"]" * 40 + b"}", True),  # an escaped backslash ends the string
])
def test_nesting_is_measured_outside_strings(body, deep):
    from tumblelog.federation.inbox import too_deep

    assert too_deep(body) is deep


def test_a_blogger_approving_followers_answers_each_request(app, client, bob, sent, auth):
    with app.app_context():
        User.objects(username="alice").update_one(set__approve_followers=True)
    assert client.get("/user/alice", headers={"Accept": "application/activity+json"}).get_json(force=True)[
        "manuallyApprovesFollowers"] is True
    follow = bob.activity("Follow", ALICE)
    assert bob.send(client, INBOX, follow).status_code == 202
    assert not sent and stored(app, Follower, pending=True) == 1
    assert client.get("/user/alice/followers").get_json(force=True)["totalItems"] == 0

    auth.login("alice")
    assert "asked to follow you" in page(client.get("/activity")).select_one(".activity__item").get_text()
    [request] = page(client.get("/fediverse")).select(".follow-request")
    assert request.a.get_text() == "@bob@remote.example"
    accept = request.select("form")[0]["action"]
    assert client.post(accept).status_code == 303
    [(inbox, answer, _)] = sent
    assert inbox == bob.inbox and answer["type"] == "Accept" and answer["object"]["id"] == follow["id"]
    assert stored(app, Follower, pending=False) == 1
    assert client.post(accept).status_code == 404  # answered already


def test_a_rejected_request_is_told_and_forgotten(app, client, bob, sent, auth):
    with app.app_context():
        User.objects(username="alice").update_one(set__approve_followers=True)
    bob.send(client, INBOX, bob.activity("Follow", ALICE))
    auth.login("alice")
    reject = page(client.get("/fediverse")).select(".follow-request form")[1]["action"]
    assert client.post(reject).status_code == 303
    assert [answer["type"] for _, answer, _ in sent] == ["Reject"]
    assert stored(app, Follower) == 0


def test_nobody_answers_another_bloggers_requests(app, client, bob, sent, auth):
    with app.app_context():
        User.objects(username="alice").update_one(set__approve_followers=True)
        make_user("carol")
    bob.send(client, INBOX, bob.activity("Follow", ALICE))
    with app.app_context():
        request_id = Follower.objects.get().id
    auth.login("carol")
    assert client.post(f"/fediverse/requests/{request_id}/accept").status_code == 404
    assert client.post("/fediverse/requests/nothex/accept").status_code == 404
    assert stored(app, Follower, pending=True) == 1 and not sent


def test_remote_likes_and_boosts_are_notes_and_notifications(app, client, bob, post, auth):
    like, boost = bob.activity("Like", permalink(post)), bob.activity("Announce", permalink(post))
    bob.send(client, INBOX, like)
    bob.send(client, INBOX, boost)
    with app.app_context():
        counted = Post.objects.get(id=post.id)
        assert (counted.like_count, counted.reblog_count, counted.note_count) == (1, 1, 2)
    notes = page(client.get(f"/post/{post.id}", follow_redirects=True)).select(".note")
    assert [" ".join(note.get_text().split()) for note in notes] == [
        "@bob@remote.example boosted this", "@bob@remote.example liked this"]
    assert notes[0].a["href"] == bob.id
    auth.login("alice")
    told = [" ".join(item.get_text().split()) for item in page(client.get("/activity")).select(".activity__item")]
    assert any(line.startswith("@bob@remote.example boosted your post") for line in told)
    assert any(line.startswith("@bob@remote.example liked your post") for line in told)
    bob.send(client, INBOX, bob.activity("Undo", boost, number=2))
    assert [n.get_text(" ", strip=True) for n in page(client.get(f"/post/{post.id}", follow_redirects=True)).select(".note")] == [
        "@bob@remote.example liked this"]


def test_a_reply_is_held_when_the_comment_policy_holds_signed_out_comments(app, client, bob, post):
    from tumblelog.moderation import SiteSettings

    with app.app_context():
        settings = SiteSettings.current()
        settings.hold_anonymous = True
        settings.save()
    reply = bob.note(inReplyTo=permalink(post))
    assert bob.send(client, INBOX, bob.activity("Create", reply)).status_code == 202
    with app.app_context():
        held = Post.objects.get(id=post.id)
        assert held.comment_count == 0 and [c.body for c in held.held_comments] == ["Hello from afar"]
    bob.send(client, INBOX, bob.activity("Delete", {"id": reply["id"], "type": "Tombstone"}, number=2))
    with app.app_context():
        assert Post.objects.get(id=post.id).held_comments == []


def test_a_readers_follow_accepted_then_rejected(app, client, bob):
    with app.app_context():
        carol = make_user("carol")
        RemoteFollowing(user=carol, actor=bob.id, follow_id="http://localhost/user/carol#follows/1").save()
    carol_inbox = "/user/carol/inbox"
    assert bob.send(client, carol_inbox, bob.activity("Accept", "http://localhost/user/carol#follows/1")).status_code == 202
    with app.app_context():
        assert User.by_username("carol").followed_actors == [bob.id]
    assert bob.send(client, carol_inbox, bob.activity("Reject", "http://localhost/user/carol#follows/1", number=2)).status_code == 202
    with app.app_context():
        assert User.by_username("carol").followed_actors == [] and RemoteFollowing.objects.count() == 0


def test_an_accept_nobody_asked_for_follows_nothing(app, client, bob):
    with app.app_context():
        make_user("carol")
    assert bob.send(client, "/user/carol/inbox", bob.activity("Accept", "http://localhost/user/carol#follows/1")).status_code == 202
    with app.app_context():
        assert User.by_username("carol").followed_actors == []


def test_remote_posts_show_on_the_followers_dashboard_behind_their_warning(app, client, bob, auth):
    with app.app_context():
        carol = make_user("carol")
        RemoteFollowing(user=carol, actor=bob.id, follow_id=ALICE + "#follows/1", accepted=True).save()
        User.objects(id=carol.id).update_one(push__followed_actors=bob.id)
    older = bob.note(1, "<p>Older</p>", published="2026-01-01T10:00:00Z")
    newer = bob.note(2, "<p>Newer <img src=x onerror=alert(1)></p>", published="2026-02-01T10:00:00Z",
                     sensitive=True, summary="<b>spoilers</b>")
    for number, note in enumerate((newer, older), start=1):
        assert bob.send(client, INBOX, bob.activity("Create", note, number=number)).status_code == 202
    auth.login("carol")
    shown = page(client.get("/dashboard")).select(".post--remote")
    assert [post["data-remote-id"] for post in shown] == [newer["id"], older["id"]]
    assert shown[0].select_one("details summary").get_text() == "spoilers"
    assert "onerror" not in str(shown[0]) and shown[0].select_one(".post__footer a")["href"] == newer["url"]
    assert shown[1].select_one(".post__meta a").get_text() == "@bob@remote.example"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "x" * 3000, 7])
def test_a_remote_post_links_home_only_by_http(app, client, bob, url):
    with app.app_context():
        carol = make_user("carol")
        RemoteFollowing(user=carol, actor=bob.id, follow_id=ALICE + "#follows/1", accepted=True).save()
    note = {**bob.note(), "url": url}
    assert bob.send(client, INBOX, bob.activity("Create", note)).status_code == 202
    with app.app_context():
        assert RemotePost.objects.get().url == note["id"]


def test_another_account_of_the_same_server_cannot_overwrite_a_remote_post(app, client, bob):
    carla = RemoteUser(name="carla", keys=key_pair("carla")).remember()
    with app.app_context():
        reader = make_user("carol")
        for actor in (bob, carla):
            RemoteFollowing(user=reader, actor=actor.id, follow_id=f"{ALICE}#follows/{actor.name}", accepted=True).save()
    note = bob.note()
    bob.send(client, INBOX, bob.activity("Create", note))
    forged = {**note, "attributedTo": carla.id, "content": "<p>Not what bob said</p>"}
    assert carla.send(client, INBOX, carla.activity("Update", forged)).status_code == 403
    with app.app_context():
        assert RemotePost.objects.get().content_html == "<p>Hello from afar</p>"


def test_a_remote_post_from_the_future_is_dated_when_it_arrived(app, client, bob):
    with app.app_context():
        RemoteFollowing(user=make_user("carol"), actor=bob.id, follow_id=ALICE + "#follows/1", accepted=True).save()
    bob.send(client, INBOX, bob.activity("Create", bob.note(published="2999-01-01T00:00:00Z")))
    with app.app_context():
        assert RemotePost.objects.get().published.year == utcnow().year


def test_a_profile_update_of_a_followed_account_is_no_post(app, client, bob):
    with app.app_context():
        RemoteFollowing(user=make_user("carol"), actor=bob.id, follow_id=ALICE + "#follows/1", accepted=True).save()
    profile = {"id": bob.id, "type": "Person", "name": "Bob B.", "summary": "<p>New bio</p>"}
    assert bob.send(client, INBOX, bob.activity("Update", profile)).status_code == 202
    assert stored(app, RemotePost) == 0
