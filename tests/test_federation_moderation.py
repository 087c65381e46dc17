"""Moderation reaches the fediverse: a post a moderator hides, and every post of a
suspended account, is taken back from the followers' servers (a Delete of the post),
and comes back (its Create) when shown again; edits that hide a post from followers do
the same. What followers never had, they are never told about."""
import io
import json

import pytest

from tests.api_helpers import ApiClient
from tests.conftest import AuthActions, page
from tests.factories import image_bytes, make_post, make_user
from tests.roundtrips import round_trips
from tumblelog import federation, tasks
from tumblelog.federation import delivery
from tumblelog.federation.models import Follower
from tumblelog.models import Post

FOLLOWER_INBOX = "https://social.example/users/fran/inbox"


@pytest.fixture
def sent(monkeypatch):
    """What our site delivers, as ``(activity type, object id)``; the whole activities
    are in ``sent.activities``, and where each went in ``sent.inboxes``."""

    class Sent(list):
        def clear(self):
            super().clear()
            self.activities.clear()
            self.inboxes.clear()

    deliveries = Sent()
    deliveries.activities, deliveries.inboxes = [], []

    def request(method, url, body=None, headers=None):
        activity = json.loads(body)
        obj = activity["object"]
        deliveries.append((activity["type"], obj["id"] if isinstance(obj, dict) else obj))
        deliveries.activities.append(activity)
        deliveries.inboxes.append(url)
        return 202, b""

    monkeypatch.setattr(delivery.net, "request", request)
    return deliveries


@pytest.fixture
def bob(app):
    """bob blogs, and fran follows him from social.example; a moderator and an admin
    look after the site."""
    with app.app_context():
        bob = make_user("bob")
        Follower(user=bob, actor="https://social.example/users/fran", inbox=FOLLOWER_INBOX).save()
        make_user("mod", role="moderator")
        return bob


def post_of(app, author, **fields):
    with app.app_context():
        return make_post("quote", author=author, **fields)


def url(post):
    return f"http://localhost/post/{post.id}"


def moderate(client, auth, path, **data):
    auth.login("mod")
    response = client.post(path, data={"reason": "spam", **data})
    auth.logout()
    assert response.status_code == 303, response.status_code
    return response


def hide(client, auth, post, action="hide"):
    return moderate(client, auth, f"/admin/posts/{post.id}/hide", action=action)


def suspend(client, auth, action="suspend"):
    return moderate(client, auth, "/admin/users/bob/suspend", action=action)


def test_a_post_a_moderator_hides_is_deleted_from_the_followers_server_and_comes_back(app, client, auth, bob, sent):
    post = post_of(app, bob)
    sent.clear()
    hide(client, auth, post)
    assert sent == [("Delete", url(post))] and sent.inboxes == [FOLLOWER_INBOX]
    assert sent.activities[0]["object"] == {"id": url(post), "type": "Tombstone"}
    assert sent.activities[0]["actor"] == "http://localhost/user/bob"
    hide(client, auth, post, "unhide")
    assert sent[1:] == [("Create", url(post))]


def test_hiding_twice_tells_followers_once(app, client, auth, bob, sent):
    post = post_of(app, bob)
    sent.clear()
    hide(client, auth, post)
    hide(client, auth, post)
    assert sent == [("Delete", url(post))]


def test_a_post_hidden_from_the_report_queue_is_deleted_remotely(app, client, auth, bob, sent):
    post = post_of(app, bob)
    with app.app_context():
        make_user("rita", role="reader")
    auth.login("rita")
    client.post(f"/post/{post.id}/report", data={"reason": "This is spam."})
    auth.logout()
    sent.clear()
    auth.login("mod")
    form = page(client.get("/admin/reports")).select_one(".admin-report form")
    client.post(form["action"], data={"action": "hide", "reason": "spam"})
    assert sent == [("Delete", url(post))]


def test_a_suspended_accounts_posts_are_all_withdrawn_and_come_back_when_restored(app, client, auth, bob, sent,
                                                                                  monkeypatch):
    monkeypatch.setattr(federation, "SUSPENSION_BATCH", 2)  # three batches, run one after another
    posts = [post_of(app, bob, quote=f"pills {n}") for n in range(5)]
    sent.clear()
    suspend(client, auth)
    assert sorted(sent) == sorted(("Delete", url(post)) for post in posts)
    sent.clear()
    suspend(client, auth, "unsuspend")
    assert sorted(sent) == sorted(("Create", url(post)) for post in posts)


def test_what_a_moderator_hid_stays_withdrawn_through_a_suspension_and_after_it(app, client, auth, bob, sent):
    shown, hidden = post_of(app, bob, quote="shown"), post_of(app, bob, quote="hidden")
    hide(client, auth, hidden)
    sent.clear()
    suspend(client, auth)
    assert sent == [("Delete", url(shown))]  # the hidden one was withdrawn already
    suspend(client, auth, "unsuspend")
    assert sent[1:] == [("Create", url(shown))]
    hide(client, auth, hidden, "unhide")  # a moderator shows it again: then it comes back
    assert sent[2:] == [("Create", url(hidden))]


def test_unhiding_a_post_of_a_suspended_account_brings_nothing_back(app, client, auth, bob, sent):
    post = post_of(app, bob)
    suspend(client, auth)
    sent.clear()
    hide(client, auth, post, "unhide")
    assert sent == []
    with app.app_context():
        assert Post.objects.get(id=post.id).hidden == "suspended"


@pytest.mark.parametrize("fields", [{"state": "draft", "published_at": None}, {"visibility": "private"}],
                         ids=["draft", "private"])
def test_a_post_followers_never_had_is_never_withdrawn_nor_restored(app, client, auth, bob, sent, fields):
    post = post_of(app, bob, **fields)
    assert sent == []
    hide(client, auth, post)
    hide(client, auth, post, "unhide")
    suspend(client, auth)
    suspend(client, auth, "unsuspend")
    assert sent == []


def test_with_federation_off_moderation_sends_nothing(app_factory, monkeypatch):
    app = app_factory(FEDERATION_ENABLED=False)
    calls = []
    monkeypatch.setattr(delivery.net, "request", lambda *args, **kwargs: calls.append(args) or (202, b""))
    with app.app_context():
        bob = make_user("bob")
        Follower(user=bob, actor="https://social.example/users/fran", inbox=FOLLOWER_INBOX).save()
        make_user("mod", role="moderator")
        post = make_post("quote", author=bob)
    client = app.test_client()
    auth = AuthActions(client)
    hide(client, auth, post)
    hide(client, auth, post, "unhide")
    suspend(client, auth)
    suspend(client, auth, "unsuspend")
    assert calls == []


def test_an_account_nobody_follows_queues_no_job_when_suspended(app, client, auth, monkeypatch):
    with app.app_context():
        make_post("quote", author=make_user("bob"))
        make_user("mod", role="moderator")
    queued, enqueue = [], tasks.enqueue
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args: queued.append(task.name) or enqueue(task, *args))
    suspend(client, auth)
    assert "tumblelog.tasks.federate_suspension" not in queued


def test_a_boost_a_moderator_hides_is_undone(app, client, auth, bob, sent):
    with app.app_context():
        original = make_post("quote", author=make_user("carol"))
    auth.login("bob")
    client.post(f"/post/{original.id}/reblog", data={"comment": "", "tags": ""})
    auth.logout()
    assert [kind for kind, _ in sent] == ["Announce"]
    boost = sent.activities[0]["id"].removesuffix("#announce").rsplit("/", 1)[1]
    hide(client, auth, Post(id=boost))
    assert sent[1][0] == "Undo" and sent.activities[1]["object"]["type"] == "Announce"
    hide(client, auth, Post(id=boost), "unhide")
    assert sent[2] == ("Announce", url(original))


# --- a suspension as a worker runs it -----------------------------------------------------


def run_as_worker(app, bob, suspended, cursor=None):
    """Run one suspension job as a worker would; return the jobs it queued."""
    task = app.extensions["celery"].tasks["tumblelog.tasks.federate_suspension"]
    queued = []
    task.delay = lambda *args: queued.append(args)
    task.push_request(is_eager=False)
    try:
        with app.app_context():
            task.run(str(bob.pk), suspended, cursor)
    finally:
        task.pop_request()
        del task.delay
    return queued


def test_a_worker_takes_a_batch_per_job_and_queues_the_rest(app_factory, monkeypatch, sent):
    # A worker has no request: it builds URLs for the configured host.
    app = app_factory(TRUSTED_HOSTS=["blog.example"])
    monkeypatch.setattr(federation, "SUSPENSION_BATCH", 2)
    with app.app_context():
        bob = make_user("bob")
        Follower(user=bob, actor="https://social.example/users/fran", inbox=FOLLOWER_INBOX).save()
        posts = [make_post("quote", author=bob, quote=f"pills {n}") for n in range(3)]
        Post.objects(author=bob).update(set__hidden="suspended")
        bob.update(set__suspended=True)
    sent.clear()
    [(user_id, suspended, cursor)] = run_as_worker(app, bob, True)
    assert (user_id, suspended) == (str(bob.pk), True) and len(sent) == 2
    assert run_as_worker(app, bob, True, cursor) == []
    assert sorted(sent) == sorted(("Delete", f"http://blog.example/post/{post.id}") for post in posts)


def test_a_job_for_a_suspension_lifted_meanwhile_sends_nothing(app, bob, sent):
    with app.app_context():
        make_post("quote", author=bob)
    sent.clear()
    assert run_as_worker(app, bob, True) == []  # bob is not (or no longer) suspended
    assert sent == []


# --- edits ----------------------------------------------------------------------------------


def write(client, quote, **fields):
    response = client.post("/post/new/quote", data={"quote": quote, "state": "publish", **fields})
    assert response.status_code == 303
    return Post(id=response.headers["Location"].split("/")[2])


def edit(client, post, **fields):
    response = client.post(f"/post/{post.id}/edit", data={"quote": "Second thoughts", **fields})
    assert response.status_code == 303


@pytest.mark.parametrize("state", ["draft", "queue"])
def test_a_post_taken_back_to_drafts_or_the_queue_is_withdrawn_and_published_again(client, auth, bob, sent, state):
    auth.login("bob")
    post = write(client, "First thoughts")
    edit(client, post, state=state)
    assert sent == [("Create", url(post)), ("Delete", url(post))]
    client.post(f"/post/{post.id}/publish")
    assert sent[2:] == [("Create", url(post))]


def test_a_public_post_made_unlisted_is_updated_not_created_again(client, auth, bob, sent):
    auth.login("bob")
    post = write(client, "First thoughts")
    edit(client, post, state="publish", visibility="unlisted")
    assert sent == [("Create", url(post)), ("Update", url(post))]
    assert sent.activities[1]["object"]["to"] == ["http://localhost/user/bob/followers"]


def test_editing_a_draft_or_a_private_post_tells_nobody(client, auth, bob, sent):
    auth.login("bob")
    draft = write(client, "Not yet", state="draft")
    private = write(client, "Mine", visibility="private")
    edit(client, draft, state="draft")
    edit(client, private, state="publish", visibility="private")
    edit(client, draft, state="publish", visibility="private")
    assert sent == []


def test_new_content_labels_reach_followers_as_an_update(app, client, auth, bob, sent):
    post = post_of(app, bob)
    sent.clear()
    auth.login("mod")
    assert client.post(f"/post/{post.id}/labels", data={"labels": ["violence"]}).status_code == 303
    assert sent == [("Update", url(post))]
    assert sent.activities[0]["object"]["sensitive"] is True
    assert sent.activities[0]["object"]["summary"] == "Violence"
    hide(client, auth, post)
    sent.clear()
    auth.login("mod")
    client.post(f"/post/{post.id}/labels", data={"labels": ["mature"]})  # hidden: followers have nothing to update
    assert sent == []


def test_suspending_costs_the_moderators_request_the_same_however_many_posts(app, client, auth, bob, monkeypatch):
    def add_posts(count):
        with app.app_context():
            for n in range(count):
                make_post("quote", author=bob, quote=f"pills {n}")

    def suspending():
        with round_trips() as commands:
            assert client.post("/admin/users/bob/suspend", data={"action": "suspend"}).status_code == 303
        client.post("/admin/users/bob/suspend", data={"action": "unsuspend"})
        return commands

    queued = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args: queued.append(task.name) or True)  # a worker's job
    add_posts(2)
    auth.login("mod")
    suspending()  # the first request of an app makes its indexes
    few = suspending()
    add_posts(200)
    assert suspending() == few
    assert queued.count("tumblelog.tasks.federate_suspension") == 3 * 2  # each suspension and its lifting


@pytest.mark.parametrize("change, back", [
    ({"state": "draft"}, {"state": "publish"}),
    ({"visibility": "private"}, {"visibility": "public"}),
], ids=["draft", "private"])
def test_the_api_withdraws_and_restores_a_post_as_the_forms_do(app, client, bob, sent, change, back):
    api = ApiClient(client)
    with app.app_context():
        api.token_for("bob")
    created = api.post("/posts", json={"type": "quote", "quote": "By the API"})
    assert created.status_code == 201
    post = Post(id=created.json["id"])
    assert api.patch(f"/posts/{post.id}", json=change).status_code == 200
    assert api.patch(f"/posts/{post.id}", json=back).status_code == 200
    assert sent == [("Create", url(post)), ("Delete", url(post)), ("Create", url(post))]


def test_the_author_editing_a_hidden_post_tells_followers_nothing(app, client, auth, bob, sent):
    auth.login("bob")
    post = write(client, "Before")
    auth.logout()
    hide(client, auth, post)
    auth.login("bob")
    edit(client, post, state="publish", visibility="unlisted")
    edit(client, post, state="draft")
    assert sent == [("Create", url(post)), ("Delete", url(post))]


@pytest.mark.parametrize("state, sent_first", [("publish", ["Create"]), ("draft", [])])
def test_an_uploaded_image_post_goes_out_once_published_and_back_to_drafts_withdraws_it(client, auth, bob, sent,
                                                                                       state, sent_first):
    auth.login("bob")
    response = client.post("/post/new/image", content_type="multipart/form-data", data={
        "image": (io.BytesIO(image_bytes()), "photo.png", "image/png"), "caption": "A photo", "state": state})
    assert response.status_code == 303
    post = Post(id=response.headers["Location"].split("/")[2])
    assert [kind for kind, _ in sent] == sent_first
    client.post(f"/post/{post.id}/publish")
    client.post(f"/post/{post.id}/edit", data={"caption": "Not yet after all", "state": "draft"})
    assert sent[-2:] == [("Create", url(post)), ("Delete", url(post))]


def test_an_account_deleted_before_its_suspension_job_ran_still_withdraws_its_posts(app, client, auth, bob, sent,
                                                                                    monkeypatch):
    posts = [post_of(app, bob, quote=f"pills {n}") for n in range(2)]
    hidden = post_of(app, bob, quote="hidden")
    hide(client, auth, hidden)
    sent.clear()
    enqueue = tasks.enqueue
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args: task.name == "tumblelog.tasks.federate_suspension"
                        or enqueue(task, *args))  # the worker is busy: the suspension's job waits
    suspend(client, auth)
    assert sent == []
    with app.app_context():
        make_user("root", role="admin")
    auth.login("root")
    assert client.post("/admin/users/bob/delete", data={"confirm": "bob"}).status_code == 303
    assert sorted(sent) == sorted(("Delete", url(post)) for post in posts)  # what a moderator hid went already
