"""Deliveries as background jobs: one per inbox, tried again further apart while the
other server is away, given up after days or at once when it refuses, and every
failure where the admin can see it."""
import json

import pytest
from celery.exceptions import Retry

from tests.conftest import page
from tests.factories import make_user
from tumblelog.federation import delivery, net
from tumblelog.federation.delivery import DELIVERY_TRIES, FailedDelivery

INBOX = "https://social.example/inbox"
ACTIVITY = {"id": "http://localhost/post/1#create", "type": "Create", "object": {"id": "http://localhost/post/1"}}


@pytest.fixture
def alice(app):
    with app.app_context():
        return make_user("alice", role="admin")


def answering(monkeypatch, outcome):
    """The remote inbox answers ``outcome``: a status, or an exception to raise."""
    calls = []

    def request(method, url, body=None, headers=None):
        calls.append((url, json.loads(body), headers))
        if isinstance(outcome, Exception):
            raise outcome
        return outcome, b""

    monkeypatch.setattr(delivery.net, "request", request)
    return calls


def run_as_worker(app, alice, retries):
    """Run the delivery job as a worker would on try ``retries + 1``: return the wait
    it asked for before the next try, or None when it did not ask for one."""
    task = app.extensions["celery"].tasks["tumblelog.tasks.deliver_activity"]
    asked = []

    def retry(countdown, max_retries):
        asked.append(countdown)
        return Retry(when=countdown)

    task.retry = retry
    task.push_request(retries=retries, is_eager=False)
    try:
        task.run(str(alice.pk), "http://localhost/user/alice#main-key", INBOX, ACTIVITY)
    except Retry:
        pass
    finally:
        task.pop_request()
        del task.retry
    return asked[0] if asked else None


@pytest.mark.parametrize("outcome", [500, 502, 503, 429, net.FetchError("timed out")])
def test_a_server_that_is_away_is_tried_again_later_each_wait_longer(app, alice, monkeypatch, outcome):
    answering(monkeypatch, outcome)
    with app.app_context():
        waits = [run_as_worker(app, alice, retries) for retries in range(4)]
        assert all(later > earlier for earlier, later in zip(waits, waits[1:])), waits
        assert 48 <= waits[0] <= 60
        failure = FailedDelivery.objects.get()
        assert (failure.inbox, failure.attempts, failure.final) == (INBOX, 4, False)


def test_a_delivery_gives_up_after_days(app, alice, monkeypatch):
    answering(monkeypatch, 503)
    # Even with the most jitter (each wait 80% of its nominal), the tries span over two days.
    assert sum(delivery.backoff(n) for n in range(DELIVERY_TRIES - 1)) > 2 * 24 * 3600
    with app.app_context():
        assert run_as_worker(app, alice, DELIVERY_TRIES - 1) is None
        assert FailedDelivery.objects.get().final


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_a_refusal_is_final_and_recorded(app, alice, monkeypatch, status):
    calls = answering(monkeypatch, status)
    with app.app_context():
        assert run_as_worker(app, alice, 0) is None
        failure = FailedDelivery.objects.get()
    assert len(calls) == 1 and failure.final and str(status) in failure.error


def test_a_later_success_clears_the_failure(app, alice, monkeypatch):
    answering(monkeypatch, 503)
    with app.app_context():
        run_as_worker(app, alice, 0)
    answering(monkeypatch, 202)
    with app.app_context():
        assert run_as_worker(app, alice, 1) is None
        assert FailedDelivery.objects.count() == 0


def test_without_a_broker_a_delivery_runs_once_in_the_request(app, alice, monkeypatch):
    calls = answering(monkeypatch, 503)
    with app.app_context():
        delivery.send(alice.pk, "http://localhost/user/alice#main-key", INBOX, ACTIVITY)
        assert len(calls) == 1
        assert FailedDelivery.objects.get().final
    url, body, headers = calls[0]
    assert url == INBOX and body == ACTIVITY and 'headers="(request-target) host date digest"' in headers["Signature"]


def test_the_admin_sees_failed_deliveries(app, alice, monkeypatch, client, auth):
    answering(monkeypatch, 410)
    with app.app_context():
        delivery.send(alice.pk, "http://localhost/user/alice#main-key", INBOX, ACTIVITY)
    auth.login("alice")
    [row] = page(client.get("/admin/federation")).select(".failed-deliveries tbody tr")
    assert INBOX in row.get_text() and "gave up" in row.get_text() and "410" in row.get_text()


def test_a_new_post_goes_once_to_each_shared_inbox_and_to_each_other_inbox(app, alice, monkeypatch, client, auth):
    from tumblelog.federation.models import Follower

    calls = answering(monkeypatch, 202)
    with app.app_context():
        for name, shared in (("bob", "https://social.example/inbox"), ("carol", "https://social.example/inbox"),
                             ("dan", None)):
            Follower(user=alice, actor=f"https://social.example/users/{name}", inbox=f"https://social.example/users/{name}/inbox",
                     shared_inbox=shared).save()
        Follower(user=alice, actor="https://other.example/users/erin", inbox="https://other.example/users/erin/inbox",
                 pending=True).save()  # still waiting for alice's yes
    auth.login("alice")
    assert client.post("/post/new/quote", data={"quote": "To all"}).status_code == 303
    assert sorted(url for url, _, _ in calls) == ["https://social.example/inbox", "https://social.example/users/dan/inbox"]
    assert {body["type"] for _, body, _ in calls} == {"Create"}


# --- what the workflow federates ------------------------------------------------------


@pytest.fixture
def followed(app, alice):
    """alice has a follower on social.example."""
    from tumblelog.federation.models import Follower

    with app.app_context():
        Follower(user=alice, actor="https://social.example/users/bob", inbox="https://social.example/users/bob/inbox").save()


def write(client, quote, state="publish", **fields):
    response = client.post("/post/new/quote", data={"quote": quote, "state": state, **fields})
    assert response.status_code == 303
    return response.headers["Location"].split("/")[2]


def test_drafts_and_private_posts_stay_home_until_published(app, alice, followed, monkeypatch, client, auth):
    calls = answering(monkeypatch, 202)
    auth.login("alice")
    draft = write(client, "Not yet", "draft")
    write(client, "Just for me", visibility="private")
    assert calls == []
    client.post(f"/post/{draft}/publish")
    [(_, create, _)] = calls
    assert create["type"] == "Create" and create["object"]["id"] == f"http://localhost/post/{draft}"


def test_an_unlisted_post_goes_to_followers_as_mastodons_unlisted(app, alice, followed, monkeypatch, client, auth):
    calls = answering(monkeypatch, 202)
    auth.login("alice")
    post = write(client, "Quietly", visibility="unlisted")
    [(_, create, _)] = calls
    assert create["object"]["to"] == ["http://localhost/user/alice/followers"]
    assert create["object"]["cc"] == ["https://www.w3.org/ns/activitystreams#Public"]
    assert post not in json.dumps(client.get("/user/alice/outbox?page=1").get_json(force=True))


def test_a_scheduled_post_federates_when_its_time_comes(app_factory, monkeypatch, clock):
    from datetime import timedelta

    from tests.factories import PASSWORD
    from tumblelog.federation.models import Follower

    app = app_factory(TRUSTED_HOSTS=["blog.example"])
    with app.app_context():
        Follower(user=make_user("alice"), actor="https://social.example/users/bob",
                 inbox="https://social.example/users/bob/inbox").save()
    calls = answering(monkeypatch, 202)
    client = app.test_client()
    client.post("/auth/login", data={"username": "alice", "password": PASSWORD}, base_url="http://blog.example")
    when = (clock.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/post/new/quote", data={"quote": "Later", "state": "schedule", "publish_at": when},
                           base_url="http://blog.example")
    assert response.status_code == 303 and calls == []
    clock.advance(hours=2)
    runner = app.test_cli_runner()
    assert "Published 1 posts." in runner.invoke(args=["posts", "publish-due"]).output  # from cron: no request
    [(_, create, _)] = calls
    assert create["type"] == "Create" and create["object"]["id"].startswith("http://blog.example/post/")


def test_editing_a_live_post_sends_its_update(app, alice, followed, monkeypatch, client, auth):
    calls = answering(monkeypatch, 202)
    auth.login("alice")
    post = write(client, "First")
    client.post(f"/post/{post}/edit", data={"quote": "Second", "state": "publish"})
    assert [body["type"] for _, body, _ in calls] == ["Create", "Update"]
    assert "Second" in calls[1][1]["object"]["content"]


def test_a_post_made_private_is_deleted_remotely_and_made_public_again_created(app, alice, followed, monkeypatch,
                                                                                client, auth):
    calls = answering(monkeypatch, 202)
    auth.login("alice")
    post = write(client, "Change of heart")
    for visibility in ("private", "public"):
        client.post(f"/post/{post}/edit", data={"quote": "Change of heart", "state": "publish", "visibility": visibility})
    assert [body["type"] for _, body, _ in calls] == ["Create", "Delete", "Create"]
    assert calls[1][1]["object"] == {"id": f"http://localhost/post/{post}", "type": "Tombstone"}
