"""A blogger's workflow: drafts, the queue, scheduled posts, publishing now, pinning,
readable permalinks, and posts stored before any of this."""
from datetime import datetime, timedelta, timezone

import pytest
from bson import ObjectId

from conftest import page, post_ids
from factories import add_comments, make_post, make_user
from tumblelog.models import Post, User, utcnow
from tumblelog.publishing import queue_times, slugify

UTC = timezone.utc


@pytest.fixture
def alice(client, auth):
    auth.register("alice")
    return User.by_username("alice")


def write(client, state="publish", quote="Hello", **fields):
    """Write a quote post through the form; the response."""
    return client.post("/post/new/quote", data={"quote": quote, "state": state, **fields})


def newest(quote):
    return Post.objects(quote=quote).get()


def shown_ids(client, url="/"):
    return post_ids(client.get(url))


# --- drafts and publishing --------------------------------------------------------


def test_a_draft_waits_on_the_drafts_page_until_published_now(client, alice):
    response = write(client, "draft", "Not yet")
    draft = newest("Not yet")
    assert response.status_code == 303 and draft.state == "draft" and draft.published_at is None
    assert str(draft.id) not in shown_ids(client) and str(draft.id) in shown_ids(client, "/drafts")
    response = client.post(f"/post/{draft.id}/publish")
    assert response.headers["Location"] == f"/post/{draft.id}/not-yet"
    published = Post.objects.get(id=draft.id)
    assert published.state == "published" and published.created_at == draft.created_at
    assert shown_ids(client) == [str(draft.id)] and shown_ids(client, "/drafts") == []


def test_publishing_a_draft_lists_it_by_when_it_was_published(client, alice, clock):
    write(client, "draft", "Written first")
    clock.advance(minutes=5)
    write(client, "publish", "Written second")
    clock.advance(minutes=5)
    client.post(f"/post/{newest('Written first').id}/publish")
    assert shown_ids(client) == [str(newest("Written first").id), str(newest("Written second").id)]


def test_publishing_runs_the_hook_once(client, alice, monkeypatch):
    published = []
    monkeypatch.setattr(Post, "on_published", lambda post: published.append(post.quote))
    write(client, "draft", "Later")
    write(client, "publish", "Now")
    assert published == ["Now"]
    client.post(f"/post/{newest('Later').id}/publish")
    client.post(f"/post/{newest('Later').id}/publish")  # already live: nothing more
    client.post(f"/post/{newest('Later').id}/edit", data={"quote": "Later, edited", "state": "publish"})
    assert published == ["Now", "Later"]


def test_due_queued_and_scheduled_posts_get_their_hook_once(app, clock, monkeypatch):
    published = []
    monkeypatch.setattr(Post, "on_published", lambda post: published.append(post.quote))
    soon = make_post("quote", quote="Soon", state="scheduled", published_at=utcnow() + timedelta(minutes=1))
    make_post("quote", quote="Later", state="scheduled", published_at=utcnow() + timedelta(days=1))
    assert Post.publish_due() == 0
    clock.advance(minutes=2)
    assert (Post.publish_due(), Post.publish_due()) == (1, 0)
    assert published == ["Soon"] and Post.objects.get(id=soon.id).state == "published"


def test_a_periodic_job_marks_due_posts_published(app, runner, clock):
    make_post("quote", quote="Soon", state="queued", published_at=utcnow() + timedelta(minutes=1))
    assert "Published 0 posts." in runner.invoke(args=["posts", "publish-due"]).output
    clock.advance(minutes=2)
    assert "Published 1 posts." in runner.invoke(args=["posts", "publish-due"]).output
    assert Post.objects.get().state == "published"


def test_only_the_author_or_an_admin_publishes(client, auth, alice):
    write(client, "draft", "Mine")
    auth.logout()
    make_user("bob")
    auth.login("bob")
    assert client.post(f"/post/{newest('Mine').id}/publish").status_code == 403
    assert newest("Mine").state == "draft"


# --- scheduling ---------------------------------------------------------------------


def test_a_scheduled_post_goes_out_at_the_local_time_given(client, alice, clock):
    when = (utcnow() + timedelta(days=7)).replace(second=0, microsecond=0)
    local = (when + timedelta(minutes=60)).strftime("%Y-%m-%dT%H:%M")  # the blogger is at UTC+1
    response = write(client, "schedule", "Next week", publish_at=local, utc_offset="60")
    assert response.status_code == 303
    post = newest("Next week")
    assert (post.state, post.published_at.replace(tzinfo=UTC)) == ("scheduled", when)
    assert str(post.id) not in shown_ids(client)
    clock.advance(days=7, minutes=1)
    assert shown_ids(client) == [str(post.id)]


def test_a_time_with_its_own_offset_needs_no_utc_offset(client, alice):
    when = (utcnow() + timedelta(days=1)).replace(second=0, microsecond=0)
    write(client, "schedule", "Tomorrow", publish_at=when.astimezone(timezone(timedelta(hours=-5))).isoformat())
    assert newest("Tomorrow").published_at.replace(tzinfo=UTC) == when


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"publish_at": ""}, "publish_at"),
        ({"publish_at": "next tuesday"}, "publish_at"),
        ({"publish_at": "2001-01-01T10:00"}, "publish_at"),  # the past
        ({"publish_at": "9999-01-01T10:00"}, "publish_at"),  # too far ahead
        ({"publish_at": "2" * 5000}, "publish_at"),
        ({"publish_at": "2030-01-01T10:00", "utc_offset": "9999"}, "utc_offset"),
        ({"publish_at": "2030-01-01T10:00", "utc_offset": "east"}, "utc_offset"),
    ],
)
def test_a_bad_schedule_is_refused_next_to_its_field(client, alice, fields, field):
    response = write(client, "schedule", "Bad", **fields)
    assert response.status_code == 422
    assert Post.objects.count() == 0
    assert page(response).select_one(f"#{field}-error") is not None or field == "utc_offset"


@pytest.mark.parametrize("fields", [{"state": "someday"}, {"visibility": "friends"}])
def test_unknown_states_and_visibilities_are_refused(client, alice, fields):
    assert write(client, **fields).status_code == 422
    assert Post.objects.count() == 0


def test_editing_keeps_a_scheduled_posts_time(client, alice):
    when = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    write(client, "schedule", "Kept", publish_at=when.strftime("%Y-%m-%dT%H:%M"))
    post = newest("Kept")
    form = page(client.get(f"/post/{post.id}/edit"))
    assert form.select_one("select[name=state] option[selected]")["value"] == "schedule"
    assert form.select_one("input[name=publish_at]")["value"] == when.strftime("%Y-%m-%dT%H:%M")
    client.post(f"/post/{post.id}/edit", data={"quote": "Kept, edited"})  # an old form: no state
    assert (newest("Kept, edited").state, newest("Kept, edited").published_at.replace(tzinfo=UTC)) == (
        "scheduled", when,
    )


# --- the queue ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "now, per_day, window, offset, expected",
    [
        # Two a day from 9 to 21 UTC: 9:00 and 15:00.
        ("2026-12-01T08:00", 2, (9, 21), 0, ["2026-12-01T09:00", "2026-12-01T15:00", "2026-12-02T09:00"]),
        ("2026-12-01T10:00", 2, (9, 21), 0, ["2026-12-01T15:00", "2026-12-02T09:00", "2026-12-02T15:00"]),
        # The same window in UTC+2 is two hours earlier in UTC.
        ("2026-12-01T08:00", 2, (9, 21), 120, ["2026-12-01T13:00", "2026-12-02T07:00", "2026-12-02T13:00"]),
        # A window across midnight.
        ("2026-12-01T12:00", 2, (22, 2), 0, ["2026-12-01T22:00", "2026-12-02T00:00", "2026-12-02T22:00"]),
    ],
)
def test_queue_times_spread_over_the_window(now, per_day, window, offset, expected):
    start = datetime.fromisoformat(now).replace(tzinfo=UTC)
    times = queue_times(3, start, per_day, *window, offset)
    assert [t.strftime("%Y-%m-%dT%H:%M") for t in times] == expected


def queue_order(client):
    return [item["id"].removeprefix("post-") for item in page(client.get("/queue")).select(".queue__item")]


def queue_times_shown(client):
    return [t["datetime"] for t in page(client.get("/queue")).select(".queue__item time")]


def test_queued_posts_take_the_next_slots_in_order_and_can_be_reordered(client, alice):
    client.post("/queue/settings", data={"per_day": "3", "start_hour": "0", "end_hour": "24", "utc_offset": "0"})
    for quote in ("One", "Two", "Three"):
        assert write(client, "queue", quote).status_code == 303
    ids = [str(newest(quote).id) for quote in ("One", "Two", "Three")]
    times = queue_times_shown(client)
    assert queue_order(client) == ids and times == sorted(times) and len(set(times)) == 3
    assert not any(post_id in shown_ids(client) for post_id in ids)
    # Move "Three" up: it takes "Two"'s slot; the slots stay where they were.
    response = client.post(f"/queue/{ids[2]}/move", data={"direction": "up"})
    assert response.status_code == 303
    assert queue_order(client) == [ids[0], ids[2], ids[1]] and queue_times_shown(client) == times
    client.post(f"/queue/{ids[0]}/move", data={"direction": "up"})  # already first: no change
    assert queue_order(client) == [ids[0], ids[2], ids[1]]
    client.post("/queue/shuffle")
    assert sorted(queue_order(client)) == sorted(ids) and queue_times_shown(client) == times


def test_the_queue_goes_out_over_the_day_without_a_worker(client, alice, clock):
    client.post("/queue/settings", data={"per_day": "2", "start_hour": "0", "end_hour": "24", "utc_offset": "0"})
    for quote in ("First", "Second"):
        write(client, "queue", quote)
    assert shown_ids(client) == []
    clock.advance(hours=12, minutes=1)
    assert shown_ids(client) == [str(newest("First").id)]
    clock.advance(hours=12)
    assert shown_ids(client) == [str(newest("Second").id), str(newest("First").id)]


def test_new_queue_settings_move_the_queue(client, alice):
    write(client, "queue", "Queued")
    client.post("/queue/settings", data={"per_day": "1", "start_hour": "6", "end_hour": "7", "utc_offset": "0"})
    assert newest("Queued").published_at.hour == 6
    assert User.by_username("alice").queue_settings.per_day == 1


@pytest.mark.parametrize(
    "data",
    [
        {"per_day": "0", "start_hour": "9", "end_hour": "21"},
        {"per_day": "500", "start_hour": "9", "end_hour": "21"},
        {"per_day": "2", "start_hour": "25", "end_hour": "21"},
        {"per_day": "2", "start_hour": "9", "end_hour": "9"},
        {"per_day": "two", "start_hour": "9", "end_hour": "21"},
    ],
)
def test_bad_queue_settings_are_refused(client, alice, data):
    assert client.post("/queue/settings", data=data).status_code == 422
    assert User.by_username("alice").queue_settings.per_day == 2


def test_a_post_outside_the_queue_cannot_be_moved(client, alice):
    write(client, "draft", "Draft")
    assert client.post(f"/queue/{newest('Draft').id}/move", data={"direction": "up"}).status_code == 404
    assert client.post(f"/queue/{ObjectId()}/move").status_code == 404


def test_the_queue_is_bounded(client, alice, monkeypatch):
    monkeypatch.setattr("tumblelog.models.MAX_QUEUE", 2)
    write(client, "queue", "One")
    write(client, "queue", "Two")
    response = write(client, "queue", "Three")
    assert response.status_code == 422 and "queue is full" in page(response).select_one("#state-error").get_text()
    assert Post.objects(state="queued").count() == 2


# --- pinned posts -------------------------------------------------------------------


def test_a_pinned_post_heads_the_blog_page_and_only_one_at_a_time(client, alice, clock):
    old = make_post("quote", quote="Old favourite", author=alice)
    for i in range(12):  # enough to push it off the first page
        clock.advance(minutes=1)
        make_post("quote", quote=f"Newer {i}", author=alice)
    assert str(old.id) not in shown_ids(client, "/user/alice")
    assert client.post(f"/post/{old.id}/pin").headers["Location"] == "/user/alice"
    html = page(client.get("/user/alice"))
    assert html.select_one(".pinned article")["data-post-id"] == str(old.id)
    assert [a["data-post-id"] for a in html.select("article.post")].count(str(old.id)) == 1
    other = newest("Newer 3")
    client.post(f"/post/{other.id}/pin")
    assert page(client.get("/user/alice")).select_one(".pinned article")["data-post-id"] == str(other.id)
    assert Post.objects(pinned=True).count() == 1
    client.post(f"/post/{other.id}/pin")  # toggles off
    assert page(client.get("/user/alice")).select_one(".pinned") is None
    assert shown_ids(client, "/") == shown_ids(client, "/")  # the front page is untouched


def test_drafts_and_private_posts_cannot_be_pinned(client, alice):
    write(client, "draft", "Draft")
    write(client, "publish", "Private", visibility="private")
    for quote in ("Draft", "Private"):
        client.post(f"/post/{newest(quote).id}/pin")
        assert newest(quote).pinned is False


# --- slugs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, slug",
    [
        ("Hello, World!", "hello-world"),
        ("Crème brûlée à la Ørsted", "creme-brulee-a-la-rsted"),
        ("  --  ", ""),
        ("日本語", ""),
        ("Edit", "edit-post"),
        ("word " * 40, "-".join(["word"] * 12)),
        ("x" * 100, "x" * 60),
    ],
)
def test_slugs_are_ascii_bounded_and_never_a_route(text, slug):
    assert slugify(text, Post.RESERVED_SLUGS) == slug


def test_every_word_after_a_post_id_is_reserved(app):
    words = {
        rule.rule.split("/")[3]
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/post/<objectid:post_id>/") and "<" not in rule.rule.split("/")[3]
    }
    assert words and words <= Post.RESERVED_SLUGS


def test_permalinks_carry_the_slug_and_old_links_redirect(client, app):
    post = make_post("blog", title="Crème brûlée")
    assert client.get(f"/post/{post.id}/creme-brulee").status_code == 200
    for old in (f"/post/{post.id}", f"/post/{post.id}/old-title", f"/post/{post.id}/CREME-BRULEE"):
        response = client.get(old)
        assert (response.status_code, response.headers["Location"]) == (301, f"/post/{post.id}/creme-brulee")
    untitled = make_post("image", caption="")
    assert client.get(f"/post/{untitled.id}", follow_redirects=True).status_code == 200
    assert client.get(f"/post/{untitled.id}/anything").headers["Location"] == f"/post/{untitled.id}/{untitled.slug}"
    assert client.get(f"/post/{post.id}/edit").status_code == 302  # the route, not a slug


def test_an_old_link_to_a_comment_page_keeps_its_page(client, app):
    post = add_comments(make_post("blog", title="Long talk"), 60)
    response = client.get(f"/post/{post.id}?page=2")
    assert (response.status_code, response.headers["Location"]) == (301, f"/post/{post.id}/long-talk?page=2")
    assert client.get(response.headers["Location"]).status_code == 200


# --- posts stored before states ---------------------------------------------------------


def test_upgrade_publishes_posts_stored_without_a_state(app, runner):
    make_user("alice")
    written = datetime(2024, 5, 1, tzinfo=UTC)
    raw = Post._get_collection()
    post_id = raw.insert_one({
        "_cls": "Post.QuotePost", "author": User.by_username("alice").id, "author_name": "alice",
        "quote": "From before", "tags": [], "created_at": written, "updated_at": written,
    }).inserted_id
    assert list(Post.listing()) == []
    result = runner.invoke(args=["posts", "upgrade"])
    assert "Upgraded 1 posts." in result.output
    post = Post.objects.get(id=post_id)
    assert (post.state, post.visibility, post.published_at.replace(tzinfo=UTC)) == ("published", "public", written)
    assert [p.id for p in Post.listing()] == [post_id]
    assert "Upgraded 0 posts." in runner.invoke(args=["posts", "upgrade"]).output


def test_a_feed_reader_gets_a_scheduled_post_when_it_appears(client, app, clock):
    make_post("quote", quote="Old")
    make_post("quote", quote="Soon", state="scheduled", published_at=utcnow() + timedelta(minutes=1))
    first = client.get("/feed.atom")
    assert "Soon" not in first.get_data(as_text=True)
    clock.advance(minutes=2)
    for header, value in (("If-Modified-Since", first.headers["Last-Modified"]), ("If-None-Match", first.headers["ETag"])):
        again = client.get("/feed.atom", headers={header: value})
        assert again.status_code == 200 and "Soon" in again.get_data(as_text=True), header


def test_a_site_backup_keeps_drafts_schedules_visibility_and_pins(app_factory, tmp_path):
    site, app = tmp_path / "site.zip", app_factory()
    alice = make_user("alice")
    when = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    make_post("quote", author=alice, quote="Draft", state="draft")
    make_post("quote", author=alice, quote="Later", state="scheduled", published_at=when)
    make_post("quote", author=alice, quote="Hidden", visibility="private")
    make_post("quote", author=alice, quote="Pinned", pinned=True)
    assert app.test_cli_runner().invoke(args=["export", "--all", "--output", str(site)]).exit_code == 0
    app_factory().test_cli_runner().invoke(args=["import", str(site)])
    stored = {post.quote: post for post in Post.objects}
    assert stored["Draft"].state == "draft" and not stored["Draft"].listed
    assert (stored["Later"].state, stored["Later"].published_at.replace(tzinfo=UTC)) == ("scheduled", when)
    assert stored["Hidden"].visibility == "private" and stored["Pinned"].pinned
    assert [post.quote for post in Post.listing()] == ["Pinned"]


def test_one_upgrade_command_brings_an_old_database_up_to_date_and_can_run_again(app, runner):
    """What earlier versions left: a post without a state, an ``is_admin`` account, the
    old one-report-per-post unique index. ``flask upgrade`` mends them all."""
    users = User._get_collection()
    users.insert_one({"username": "root", "username_key": "root", "password_hash": "x", "is_admin": True})
    written = datetime(2024, 5, 1, tzinfo=UTC)
    post_id = Post._get_collection().insert_one({
        "_cls": "Post.QuotePost", "author": users.find_one()["_id"], "author_name": "root",
        "quote": "Walking home", "tags": [], "created_at": written, "updated_at": written,
    }).inserted_id
    reports = Post._get_db()["report"]
    reports.create_index([("post", 1), ("reporter", 1)], unique=True, name="post_1_reporter_1")
    result = runner.invoke(args=["upgrade"])
    assert result.exit_code == 0, result.output
    assert "Dropped retired indexes: report.post_1_reporter_1." in result.output
    assert "post_1_reporter_1" not in reports.index_information()
    assert users.find_one()["role"] == "admin"
    assert [p.id for p in Post.listing()] == [post_id]
    assert str(post_id) in app.test_client().get("/search?q=walk").get_data(as_text=True)  # reindexed, stemmed
    again = runner.invoke(args=["upgrade"])
    assert again.exit_code == 0 and "No retired indexes." in again.output and "Upgraded 0 posts." in again.output
