"""The workflow through the API: drafts, queued and scheduled posts, visibility, and
the state every post object carries."""
from datetime import timedelta

import pytest

from api_helpers import api  # noqa: F401  (api is a fixture)
from factories import SAMPLE_FIELDS
from tumblelog.models import Post, utcnow


@pytest.fixture
def alice(api):
    api.token_for("alice")
    return api


def new(**fields):
    return {"type": "quote", **SAMPLE_FIELDS["quote"], **fields}


def public_ids(api):
    return [post["id"] for post in api.get("/posts").json["posts"]]


def test_a_new_post_is_published_and_public_with_a_slug(alice):
    body = alice.post("/posts", json=new()).json
    assert (body["state"], body["visibility"], body["slug"]) == ("published", "public", "simple-is-better-than-complex")
    assert body["url"].endswith(f"/post/{body['id']}/simple-is-better-than-complex")
    assert body["published_at"] is not None


@pytest.mark.parametrize("state, stored", [("draft", "draft"), ("queue", "queued")])
def test_drafts_and_queued_posts_wait(alice, state, stored):
    body = alice.post("/posts", json=new(state=state)).json
    assert body["state"] == stored and body["id"] not in public_ids(alice)
    assert (body["published_at"] is None) == (state == "draft")


def test_a_schedule_takes_an_iso_time_with_its_offset(alice, clock):
    when = (utcnow() + timedelta(hours=3)).replace(microsecond=0)
    body = alice.post("/posts", json=new(state="schedule", publish_at=when.isoformat())).json
    assert body["state"] == "scheduled" and body["published_at"] == when.isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )
    clock.advance(hours=3, seconds=1)
    assert alice.get(f"/posts/{body['id']}").json["state"] == "published"
    assert body["id"] in public_ids(alice)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"state": "later"}, "state"),
        ({"state": "schedule"}, "publish_at"),
        ({"state": "schedule", "publish_at": "2001-01-01T00:00:00Z"}, "publish_at"),
        ({"state": "schedule", "publish_at": {"$gt": ""}}, "publish_at"),
        ({"visibility": "friends"}, "visibility"),
        ({"state": ["draft"]}, "state"),
    ],
)
def test_bad_states_are_400_naming_the_field(alice, fields, field):
    response = alice.post("/posts", json=new(**fields))
    assert response.status_code == 400 and field in response.json["error"]["fields"]
    assert Post.objects.count() == 0


def test_patch_refuses_an_unknown_state(alice):
    post_id = alice.post("/posts", json=new(state="draft")).json["id"]
    response = alice.patch(f"/posts/{post_id}", json={"state": "someday"})
    assert response.status_code == 400 and "state" in response.json["error"]["fields"]
    assert Post.objects.get(id=post_id).state == "draft"


def test_patch_changes_state_and_visibility(alice):
    post_id = alice.post("/posts", json=new(state="draft")).json["id"]
    assert alice.patch(f"/posts/{post_id}", json={"source": "PEP 20"}).json["state"] == "draft"  # kept
    published = alice.patch(f"/posts/{post_id}", json={"state": "publish"}).json
    assert published["state"] == "published" and post_id in public_ids(alice)
    hidden = alice.patch(f"/posts/{post_id}", json={"visibility": "private"}).json
    assert hidden["visibility"] == "private" and post_id not in public_ids(alice)
    assert hidden["published_at"] == published["published_at"]  # publishing again keeps its time
    alice.token_for("bob")
    assert alice.get(f"/posts/{post_id}").status_code == 404
    assert alice.patch(f"/posts/{post_id}", json={"visibility": "public"}).status_code == 404


def test_the_queue_lists_next_first_and_pages_by_cursor(alice):
    ids = [alice.post("/posts", json=new(quote=f"Q{i}", state="queue")).json["id"] for i in range(5)]
    seen, url = [], "/posts?state=queued&limit=2"
    while url:
        body = alice.get(url.removeprefix("/api/v1")).json
        seen += [post["id"] for post in body["posts"]]
        url = body["next"]
    assert seen == ids


def test_drafts_list_newest_first_and_page_by_cursor(alice, clock):
    ids = []
    for i in range(5):
        clock.advance(minutes=1)
        ids.append(alice.post("/posts", json=new(quote=f"D{i}", state="draft")).json["id"])
    first = alice.get("/posts?state=draft&limit=3").json
    rest = alice.get(f"/posts?state=draft&limit=3&cursor={first['next_cursor']}").json
    assert [post["id"] for post in first["posts"] + rest["posts"]] == ids[::-1] and rest["next"] is None


def test_an_unknown_state_list_is_400(alice):
    assert alice.get("/posts?state=everything").status_code == 400
