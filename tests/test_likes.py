"""Likes: toggling, counts, idempotent double clicks and concurrent requests."""
import sys
import threading

import pytest

from conftest import AuthActions, page
from factories import PASSWORD, make_post, make_user
from roundtrips import atomic_mock_writes
from tumblelog.models import Like, Post, User


def like_box(client, url="/"):
    return page(client.get(url)).select_one(".likes")


def like_count(post):
    return Post.objects(id=post.id).only("like_count").first().like_count


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
    assert response.headers["Location"] == f"/post/{post.id}#post-{post.id}"
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
        client = app.test_client()
        AuthActions(client).login(name, PASSWORD)
        client.post(f"/post/{post.id}/like")
    assert like_count(post) == 3


def test_anonymous_readers_are_sent_to_sign_in(client, post):
    response = client.post(f"/post/{post.id}/like", data={"next": "/tag/x"})
    assert response.headers["Location"] == "/auth/login?next=/tag/x"
    assert like_count(post) == 0


@pytest.mark.parametrize("post_id", ["0" * 24, "nothex", "6b026c49092170e46c9b66"])
def test_unknown_posts_are_404(client, auth, post_id):
    auth.register("reader")
    assert client.post(f"/post/{post_id}/like").status_code == 404


def test_deleting_a_post_deletes_its_likes(client, auth, post):
    auth.register("reader")
    client.post(f"/post/{post.id}/like")
    mine = make_post("quote", author=make_user("writer"))
    client.post(f"/post/{mine.id}/like")
    Post.objects(id=post.id).delete()
    assert [like.post.pk for like in Like.objects] == [mine.id]


@pytest.fixture
def racing():
    """Switch threads every microsecond (Python's default is 5 ms, long enough for a
    whole request), so that concurrent requests really interleave; each single write
    stays atomic, as on a server."""
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
        for _ in range(copies):
            client = app.test_client()
            AuthActions(client).login(name, PASSWORD)
            clients.append(client)
    return clients


def test_concurrent_likes_by_one_reader_count_once(app, post, racing):
    clients = signed_in_clients(app, ["reader"], copies=8)
    statuses = run_together(clients, lambda c: c.post(f"/post/{post.id}/like", data={"action": "like"}))
    assert statuses == [303] * 8
    assert like_count(post) == 1 == Like.objects(post=post.id).count()


def test_concurrent_likes_and_toggles_keep_the_count_exact(app, post, racing):
    clients = signed_in_clients(app, ["ann", "ben", "cat", "dan"], copies=3)
    url = f"/post/{post.id}/like"
    assert run_together(clients, lambda c: c.post(url)) == [303] * 12
    assert like_count(post) == Like.objects(post=post.id).count()
    assert run_together(clients, lambda c: c.post(url, data={"action": "unlike"})) == [303] * 12
    assert like_count(post) == 0 == Like.objects(post=post.id).count()


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
