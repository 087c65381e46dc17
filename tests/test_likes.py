"""Likes: toggling, counts, idempotent double clicks and concurrent requests."""
import sys
import threading

import pytest

from api_helpers import basic, bearer
from bench.meter import METER
from conftest import AuthActions, page, signed_in
from factories import PASSWORD, make_post, make_user
from roundtrips import atomic_mock_writes
from tumblelog import models
from tumblelog.models import Like, Post, User


def like_box(client, url="/"):
    return page(client.get(url, follow_redirects=True)).select_one(".likes")


def like_count(post):
    return Post.objects(id=post.id).only("like_count").first().like_count


def pressed(client, url="/"):
    """``{post id: whether its Like button shows "Liked"}`` on the page at ``url``."""
    return {
        article["data-post-id"]: article.select_one(".likes button")["aria-pressed"] == "true"
        for article in page(client.get(url)).select("article.post")
    }


def remembered(name="reader"):
    return User.by_username(name).recent_likes


@pytest.fixture
def post():
    return make_post("quote", author=make_user("bob"))


def test_like_and_unlike_from_the_front_page(client, auth, post):
    auth.register("reader")
    box = like_box(client)
    assert box.select_one(".likes__count").get_text() == "0 likes"
    form = box.select_one("form")
    assert form["action"] == f"/post/{post.id}/like"
    response = client.post(form["action"], data={"action": "like", "next": "/"})
    assert (response.status_code, response.headers["Location"]) == (303, f"/#post-{post.id}")
    box = like_box(client)
    assert box.select_one(".likes__count").get_text() == "1 like"
    assert box.select_one("button")["aria-pressed"] == "true"
    assert box.select_one("input[name=action]")["value"] == "unlike"
    client.post(f"/post/{post.id}/like", data={"action": "unlike"})
    assert like_box(client).select_one(".likes__count").get_text() == "0 likes"


def test_the_permalink_shows_likes_too(client, auth, post):
    auth.register("reader")
    response = client.post(f"/post/{post.id}/like")
    assert response.headers["Location"] == f"/post/{post.id}/{post.slug}#post-{post.id}"
    assert like_box(client, f"/post/{post.id}").select_one("button")["aria-pressed"] == "true"


def test_a_bare_post_toggles(client, auth, post):
    auth.register("reader")
    client.post(f"/post/{post.id}/like")
    assert like_count(post) == 1
    client.post(f"/post/{post.id}/like")
    assert like_count(post) == 0
    assert Like.objects.count() == 0


def test_a_double_click_counts_once(client, auth, post):
    auth.register("reader")
    for _ in range(2):
        client.post(f"/post/{post.id}/like", data={"action": "like"})
    assert like_count(post) == 1 == Like.objects.count()
    for _ in range(2):
        client.post(f"/post/{post.id}/like", data={"action": "unlike"})
    assert like_count(post) == 0 == Like.objects.count()


def test_likes_from_several_readers_add_up(app, post):
    for name in ("ann", "ben", "cat"):
        make_user(name)
        signed_in(app, name).post(f"/post/{post.id}/like")
    assert like_count(post) == 3


def test_anonymous_readers_are_sent_to_sign_in(client, post):
    response = client.post(f"/post/{post.id}/like", data={"next": "/tag/x"})
    assert response.headers["Location"] == "/auth/login?next=/tag/x"
    assert like_count(post) == 0


@pytest.mark.parametrize("post_id", ["0" * 24, "nothex", "6b026c49092170e46c9b66"])
def test_unknown_posts_are_404(client, auth, post_id):
    auth.register("reader")
    assert client.post(f"/post/{post_id}/like").status_code == 404


def test_deleting_a_post_deletes_its_likes_and_unlists_it(client, auth, post):
    auth.register("reader")
    client.post(f"/post/{post.id}/like")
    mine = make_post("quote", author=make_user("writer"))
    client.post(f"/post/{mine.id}/like")
    author = AuthActions(client.application.test_client())
    author.login("bob", PASSWORD)
    assert author.client.post(f"/post/{post.id}/delete").status_code == 303
    assert [like.post.pk for like in Like.objects] == [mine.id]
    assert remembered() == [mine.id]
    assert pressed(client) == {str(mine.id): True}
    assert client.post(f"/post/{post.id}/like", data={"action": "like"}).status_code == 404


def test_a_like_that_lands_after_the_delete_undoes_itself(app, post):
    """The like request found the post, then the author deleted it before the like was
    written: the like must not outlive the post, in the Likes or in the reader's list."""
    reader = make_user("reader")
    Post.objects(id=post.id).delete()  # the delete wins the race
    assert reader.like(post.id) is False
    assert Like.objects.count() == 0
    assert remembered() == []


def test_a_like_written_before_the_delete_is_cleaned_up_with_the_post(client, post):
    readers = [make_user(f"reader{i}") for i in range(3)]
    for reader in readers:
        reader.like(post.id)
    author = AuthActions(client)
    author.login("bob", PASSWORD)
    author.client.post(f"/post/{post.id}/delete")
    assert Like.objects.count() == 0
    assert [remembered(reader.username) for reader in readers] == [[], [], []]


def test_a_post_deleted_through_the_api_leaves_no_likes(client, post):
    reader = make_user("reader")
    reader.like(post.id)
    token = client.post("/api/v1/tokens", headers=basic("bob")).json["token"]
    assert client.delete(f"/api/v1/posts/{post.id}", headers=bearer(token)).status_code == 204
    assert Like.objects.count() == 0 and remembered() == []


def test_a_like_is_kept_on_the_account_and_pages_show_it_with_no_query(client, auth, post):
    auth.register("reader")
    other = make_post("quote", author=make_user("carol"))
    client.post(f"/post/{post.id}/like", data={"action": "like"})
    assert remembered() == [post.id]
    for url in ("/", f"/post/{post.id}/{post.slug}", "/user/bob"):
        client.get(url)  # warms the top-tags cache
        with METER.recording() as operations:
            shown = pressed(client, url)
        assert shown[str(post.id)] is True and shown.get(str(other.id)) in (False, None)
        # The reader's account and the posts (a permalink: and a page of its notes; a
        # blog: its pinned post); nothing asks the like collection.
        allowed = 3 if url.startswith("/post/") or url == "/user/bob" else 2
        assert len(operations) <= allowed and "like" not in {op.collection for op in operations}, url
    client.post(f"/post/{post.id}/like", data={"action": "unlike"})
    assert remembered() == []
    assert pressed(client) == {str(post.id): False, str(other.id): False}


def test_the_account_remembers_only_the_latest_likes(client, auth, monkeypatch):
    monkeypatch.setattr(models, "RECENT_LIKES", 3)
    auth.register("reader")
    posts = [make_post("quote", author=make_user(f"writer{n}")) for n in range(5)]
    ids = [post.id for post in posts]
    for post in posts:
        client.post(f"/post/{post.id}/like", data={"action": "like"})
    assert remembered() == ids[2:]
    assert pressed(client) == {str(i): i in ids[2:] for i in ids}
    assert {box.get_text() for box in page(client.get("/")).select(".likes__count")} == {"1 like"}
    # Liking a post liked too long ago adds no Like and no count, and brings it back.
    client.post(f"/post/{ids[0]}/like", data={"action": "like"})
    assert (like_count(posts[0]), Like.objects(post=ids[0]).count()) == (1, 1)
    assert remembered() == [ids[3], ids[4], ids[0]]
    assert pressed(client) == {str(i): i in (ids[0], ids[3], ids[4]) for i in ids}
    # A bare POST toggles what the Like documents say, not what the account remembers.
    client.post(f"/post/{ids[1]}/like")
    assert (like_count(posts[1]), Like.objects(post=ids[1]).count()) == (0, 0)


def test_an_account_that_names_a_post_it_does_not_like_mends_on_unlike(client, auth, post):
    auth.register("reader")
    User.objects(username_key="reader").update_one(push__recent_likes=post.id)
    assert pressed(client) == {str(post.id): True}
    client.post(f"/post/{post.id}/like", data={"action": "unlike"})
    assert (like_count(post), remembered()) == (0, [])
    assert pressed(client) == {str(post.id): False}


@pytest.fixture
def racing():
    """Switch threads every microsecond (Python's default is 5 ms, long enough for a
    whole request), so that concurrent requests really interleave; each single write
    stays atomic, as on a server."""
    # MongoEngine creates a collection's indexes on its first use, and another thread
    # may write meanwhile: a fresh database's race, not ours. Create them first.
    Like.ensure_indexes()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    with atomic_mock_writes():
        yield
    sys.setswitchinterval(interval)


def run_together(clients, action):
    """Have every client POST ``action`` at the same moment, each in its own thread."""
    barrier = threading.Barrier(len(clients))
    statuses = []

    def press(client):
        barrier.wait()
        statuses.append(action(client).status_code)

    threads = [threading.Thread(target=press, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


def signed_in_clients(app, names, copies=1):
    clients = []
    for name in names:
        make_user(name)
        clients += [signed_in(app, name) for _ in range(copies)]
    return clients


def test_concurrent_likes_by_one_reader_count_once(app, post, racing):
    clients = signed_in_clients(app, ["reader"], copies=8)
    statuses = run_together(clients, lambda c: c.post(f"/post/{post.id}/like", data={"action": "like"}))
    assert statuses == [303] * 8
    assert like_count(post) == 1 == Like.objects(post=post.id).count()
    assert remembered() == [post.id]


def test_concurrent_likes_and_toggles_keep_the_count_exact(app, post, racing):
    clients = signed_in_clients(app, ["ann", "ben", "cat", "dan"], copies=3)
    url = f"/post/{post.id}/like"
    assert run_together(clients, lambda c: c.post(url)) == [303] * 12
    assert like_count(post) == Like.objects(post=post.id).count()
    assert run_together(clients, lambda c: c.post(url, data={"action": "unlike"})) == [303] * 12
    assert like_count(post) == 0 == Like.objects(post=post.id).count()
    assert [remembered(name) for name in ("ann", "ben", "cat", "dan")] == [[]] * 4


def test_forms_carry_a_working_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        post = make_post("quote", author=make_user("bob"), tags=["python"])
        make_user("reader")
        client = app.test_client()
        login_page = page(client.get("/auth/login"))
        token = login_page.select_one("input[name=csrf_token]")["value"]
        client.post("/auth/login", data={"username": "reader", "password": PASSWORD, "csrf_token": token})
        assert client.post(f"/post/{post.id}/like", data={"action": "like"}).status_code == 400
        assert client.post("/tag/python/follow", data={"action": "follow"}).status_code == 400
        html = page(client.get("/tag/python"))
        for form in (html.select_one(".like-form"), html.select_one(".follow-form")):
            data = {field["name"]: field["value"] for field in form.select("input[type=hidden]")}
            assert client.post(form["action"], data=data).status_code == 303
        assert like_count(post) == 1
        assert User.by_username("reader").followed_tags == ["python"]


def test_the_remember_command_fills_accounts_from_older_likes(client, auth, runner, monkeypatch):
    monkeypatch.setattr(models, "RECENT_LIKES", 2)
    auth.register("reader")
    posts = [make_post("quote", author=make_user(f"writer{n}")) for n in range(3)]
    for post in posts:
        client.post(f"/post/{post.id}/like", data={"action": "like"})
    User.objects(username_key="reader").update_one(set__recent_likes=[])  # as before the list existed
    assert not any(pressed(client).values())
    result = runner.invoke(args=["likes", "remember"])
    assert "Remembering likes" in result.output  # the progress bar
    assert "Remembered the likes of 1 readers." in result.output
    assert remembered() == [posts[1].id, posts[2].id]
    assert pressed(client) == {str(post.id): post is not posts[0] for post in posts}
