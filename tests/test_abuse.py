"""Abuse limits: rate limits on sign-in, sign-up and comments; comment spam traps;
and moderators deleting comments."""
import io
import threading
import time

import pytest

from conftest import AuthActions, page
from api_helpers import basic
from factories import PASSWORD, image_bytes, make_post, make_user
from tumblelog import spam
from tumblelog.models import Comment, Post, User


@pytest.fixture
def limited(app_factory):
    """An app whose limits are two a minute, so a test reaches them in three requests."""

    def build(*limits):
        app = app_factory(**{f"RATELIMIT_{name}": "2 per minute" for name in limits or ("LOGIN", "LOGIN_ACCOUNT", "REGISTER", "COMMENT")})
        with app.app_context():
            make_user("alice")
        return app

    return build


def client_at(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def login(client, username="alice", password="wrong password"):
    return client.post("/auth/login", data={"username": username, "password": password})


def assert_slow_down_page(response, message):
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60
    html = page(response)
    assert html.select_one("h1").get_text() == "Slow down"
    assert message in html.select_one("main").get_text()


# --- Rate limits ----------------------------------------------------------------------


def test_failed_sign_ins_are_limited_per_address(limited):
    app = limited("LOGIN")
    client = client_at(app, "203.0.113.1")
    # Different accounts each time: the per-address limit is what stops this.
    assert [login(client, name).status_code for name in ("alice", "bob")] == [422, 422]
    assert_slow_down_page(login(client, "carol"), "Too many sign-in attempts")
    assert login(client_at(app, "203.0.113.2"), "alice").status_code == 422  # another reader is not blocked


def test_failed_sign_ins_are_limited_per_account_across_addresses(limited):
    app = limited("LOGIN_ACCOUNT")
    guessers = [client_at(app, f"198.51.100.{i}") for i in range(3)]
    assert [login(guesser, name).status_code for guesser, name in zip(guessers, ("alice", "ALICE"))] == [422, 422]
    # The account is over its count: every address that failed against it waits...
    assert_slow_down_page(login(guessers[0]), "Too many sign-in attempts")
    # ...even with the right password: a guesser cannot tell when it was right...
    assert login(guessers[1], password=PASSWORD).status_code == 429
    # ...and a new address gets one try before it waits too.
    assert [login(guessers[2]).status_code, login(guessers[2]).status_code] == [422, 429]
    assert login(guessers[0], "bob").status_code == 422  # another account, from the same address


def test_guessing_never_locks_the_owner_out(limited):
    """Five wrong passwords a minute used to lock the account, its owner included, for
    a day; now only the addresses that guessed are refused."""
    app = limited("LOGIN_ACCOUNT")
    for i in range(3):
        login(client_at(app, f"198.51.100.{i}"))
    assert login(client_at(app, "198.51.100.0"), password=PASSWORD).status_code == 429
    owner = client_at(app, "203.0.113.50")
    assert login(owner, password=PASSWORD).status_code == 303


def test_an_admin_unlocks_an_account_and_an_address(limited):
    app = limited("LOGIN", "LOGIN_ACCOUNT")
    owner = client_at(app, "203.0.113.7")
    for _ in range(2):
        login(owner)  # mistyped, twice
    assert login(owner, password=PASSWORD).status_code == 429
    result = app.test_cli_runner().invoke(args=["limits", "unlock", "ALICE", "203.0.113.7"])
    assert result.exit_code == 0, result.output
    assert "alice" in result.output
    assert login(owner, password=PASSWORD).status_code == 303


def test_the_limiter_reset_command_forgets_every_count(limited):
    app = limited("LOGIN")
    client = client_at(app, "203.0.113.1")
    for _ in range(2):
        login(client)
    assert login(client).status_code == 429
    result = app.test_cli_runner().invoke(args=["limits", "reset"])
    assert result.exit_code == 0, result.output
    assert login(client).status_code == 422


def test_every_sign_in_counts_per_address_right_passwords_too(app_factory):
    """Each sign-in costs a bcrypt hash: a stream of them is limited even when they succeed."""
    app = app_factory(RATELIMIT_SIGN_IN="2 per minute")
    with app.app_context():
        make_user("alice")
    client = client_at(app, "203.0.113.1")
    assert login(client, password=PASSWORD).status_code == 303
    client.post("/auth/logout")
    assert client.post("/api/v1/tokens", headers=basic("alice")).status_code == 201
    assert login(client, password=PASSWORD).status_code == 429
    assert login(client_at(app, "203.0.113.2"), password=PASSWORD).status_code == 303


def test_the_form_and_the_api_share_one_count_of_failed_sign_ins(limited):
    app = limited("LOGIN", "LOGIN_ACCOUNT")
    client = client_at(app, "203.0.113.1")
    assert login(client, "bob").status_code == 422
    assert client.post("/api/v1/tokens", headers=basic("carol", "guess")).status_code == 401
    assert login(client, "dave").status_code == 429
    assert client.post("/api/v1/tokens", headers=basic("erin", "guess")).status_code == 429


def test_successful_sign_ins_do_not_count(limited):
    app = limited("LOGIN", "LOGIN_ACCOUNT")
    client = client_at(app, "203.0.113.1")
    for _ in range(4):
        assert login(client, password=PASSWORD).status_code == 303
        client.post("/auth/logout")


def test_sign_ups_are_limited_per_address(limited):
    app = limited("REGISTER")
    auth = AuthActions(client_at(app, "203.0.113.1"))
    # Refused sign-ups count too: they probe which names exist.
    assert [auth.register(name).status_code for name in ("alice", "x")] == [422, 422]
    assert_slow_down_page(auth.register("carol"), "Too many new accounts")
    assert User.objects(username_key="carol").count() == 0


def test_comments_are_limited_per_address(limited):
    app = limited("COMMENT")
    with app.app_context():
        post = make_post("quote")
    client = client_at(app, "203.0.113.1")
    data = {"name": "Sam", "body": "hi"}
    assert [client.post(f"/post/{post.id}/comments", data=data).status_code for _ in range(2)] == [303, 303]
    assert_slow_down_page(client.post(f"/post/{post.id}/comments", data=data), "commenting very fast")
    assert Post.objects.get(id=post.id).comment_count == 2
    assert client.get(f"/post/{post.id}", follow_redirects=True).status_code == 200  # reading is never limited


def test_limits_can_be_switched_off(app_factory):
    app = app_factory(RATELIMIT_ENABLED=False, RATELIMIT_LOGIN="1 per hour")
    client = app.test_client()
    assert [login(client).status_code for _ in range(3)] == [422, 422, 422]


def test_over_the_limit_api_clients_get_json(limited):
    app = limited("LOGIN")
    client = client_at(app, "203.0.113.1")
    for _ in range(2):
        login(client)
    response = client.post("/auth/login", data={"username": "x", "password": "y"}, headers={"Accept": "application/json"})
    assert response.status_code == 429
    assert response.json["error"]["status"] == 429


def write(client, action, post_id):
    """One write of ``action`` as the signed-in reader of ``client``: (response, what a
    successful one answers)."""
    if action == "like":
        return client.post(f"/post/{post_id}/like", data={"action": "like"}), 303
    if action == "follow":
        return client.post("/tag/python/follow", data={"action": "follow"}), 303
    if action == "post":
        return client.post("/post/new/quote", data={"quote": "Again."}), 303
    if action == "upload":
        data = {"image": (io.BytesIO(image_bytes()), "cat.png"), "alt": "A cat"}
        return client.post("/post/new/image", data=data, content_type="multipart/form-data"), 303
    if action == "preview":
        return client.post("/post/preview", data={"body": "*hi*"}), 200
    if action == "queue":
        return client.post("/queue/shuffle"), 303
    raise AssertionError(action)


WRITES = {"like": "LIKE", "follow": "FOLLOW", "post": "POST", "upload": "UPLOAD", "preview": "PREVIEW", "queue": "POST"}


@pytest.mark.parametrize("action", WRITES)
def test_every_write_is_limited_per_account_and_per_address(app_factory, action):
    app = app_factory(**{f"RATELIMIT_{WRITES[action]}": "2 per minute"})
    with app.app_context():
        post = make_post("quote", author=make_user("alice"))
        make_user("bob")
    alice = client_at(app, "203.0.113.1")
    AuthActions(alice).login("alice", PASSWORD)
    for _ in range(2):
        response, ok = write(alice, action, post.id)
        assert response.status_code == ok
    assert write(alice, action, post.id)[0].status_code == 429
    # The same account from another address: the account's count.
    alice.environ_base["REMOTE_ADDR"] = "203.0.113.2"
    assert write(alice, action, post.id)[0].status_code == 429
    # Another account from the first address: the address's count.
    bob = client_at(app, "203.0.113.1")
    AuthActions(bob).login("bob", PASSWORD)
    assert write(bob, action, post.id)[0].status_code == 429
    # Someone else, somewhere else, is not held back.
    carol = client_at(app, "203.0.113.3")
    AuthActions(carol).register("carol")
    response, ok = write(carol, action, post.id)
    assert response.status_code == ok


def test_a_post_without_a_file_does_not_count_as_an_upload(app_factory):
    app = app_factory(RATELIMIT_UPLOAD="1 per minute")
    client = client_at(app, "203.0.113.1")
    AuthActions(client).register("alice")
    for _ in range(3):
        assert write(client, "post", None)[0].status_code == 303
    assert write(client, "upload", None)[0].status_code == 303
    assert write(client, "upload", None)[0].status_code == 429


def test_likes_by_form_and_by_api_share_one_count(app_factory):
    app = app_factory(RATELIMIT_LIKE="2 per minute")
    with app.app_context():
        alice = make_user("alice")
        posts = [make_post("quote", author=alice) for _ in range(3)]
    client = client_at(app, "203.0.113.1")
    AuthActions(client).login("alice", PASSWORD)
    token = client.post("/api/v1/tokens", headers=basic("alice")).json["token"]
    assert write(client, "like", posts[0].id)[0].status_code == 303
    api_like = client.post(f"/api/v1/posts/{posts[1].id}/like", headers={"Authorization": f"Bearer {token}"})
    assert api_like.status_code == 200
    assert write(client, "like", posts[2].id)[0].status_code == 429


# --- Comment spam traps ---------------------------------------------------------------


@pytest.fixture
def spam_app(app_factory, monkeypatch):
    """An app that wants three seconds between showing the comment form and a comment;
    ``now`` moves the clock."""
    app = app_factory(COMMENT_MIN_SECONDS=3)
    clock = {"now": 1_000_000.0}
    monkeypatch.setattr(spam, "clock", lambda: clock["now"])
    app.clock = clock
    with app.app_context():
        app.post = make_post("quote")
    return app


def comment_form(client, post):
    """The comment form's fields as a browser would send them."""
    form = page(client.get(f"/post/{post.id}", follow_redirects=True)).select_one("form.comment-form")
    return {field["name"]: field.get("value", "") for field in form.select("input") if field.get("name")}


def posted(app):
    return [c.body for c in Post.objects.get(id=app.post.id).comments]


def held(app):
    return [c.body for c in Post.objects.get(id=app.post.id).held_comments]


def test_a_person_who_takes_their_time_gets_their_comment(spam_app):
    client = spam_app.test_client()
    data = comment_form(client, spam_app.post)
    spam_app.clock["now"] += 20
    response = client.post(f"/post/{spam_app.post.id}/comments", data={**data, "name": "Sam", "body": "Nice."})
    assert response.status_code == 303
    assert posted(spam_app) == ["Nice."]


@pytest.mark.parametrize(
    "change",
    [
        {"website": "http://cheap-pills.example"},  # filled the field people never see
        {"seconds": 1},  # sent one second after the form was shown
        {"rendered": ""},  # left out the time
        {"rendered": "MTIz.forged"},  # forged it
        {"rendered": "old", "seconds": 20},  # replayed an unsigned one
    ],
    ids=["honeypot", "too-fast", "no-time", "forged-time", "unsigned-time"],
)
def test_trapped_comments_are_held_quietly(spam_app, change):
    client = spam_app.test_client()
    data = comment_form(client, spam_app.post)
    spam_app.clock["now"] += change.pop("seconds", 20)
    person = {**data, "name": "Sam", "body": "Nice."}
    bot = {**person, **change, "body": "Buy now"}
    bot_answer = client.post(f"/post/{spam_app.post.id}/comments", data=bot)
    spam_app.clock["now"] += 20
    person_answer = client.post(f"/post/{spam_app.post.id}/comments", data=person)
    # The bot sees what a person sees: the same redirect (to a made-up comment id) and message.
    assert bot_answer.status_code == person_answer.status_code == 303
    assert bot_answer.headers["Location"].split("#comment-")[0] == person_answer.headers["Location"].split("#comment-")[0]
    assert "Your comment is posted." in page(client.get(bot_answer.headers["Location"])).get_text()
    # Not published, not lost: a person caught by a trap is one approval away.
    assert posted(spam_app) == ["Nice."]
    assert held(spam_app) == ["Buy now"]


def signed_in_form(spam_app):
    """A client signed in as sam, and the comment form's fields as his browser has them."""
    client = spam_app.test_client()
    with spam_app.app_context():
        make_user("sam")
    AuthActions(client).login("sam")
    return client, comment_form(client, spam_app.post)


def test_a_signed_in_reader_who_replies_at_once_is_published(spam_app):
    client, data = signed_in_form(spam_app)
    response = client.post(f"/post/{spam_app.post.id}/comments", data={**data, "body": "Quick!"})
    assert "Your comment is posted." in page(client.get(response.headers["Location"])).get_text()
    assert (posted(spam_app), held(spam_app)) == (["Quick!"], [])


def test_a_signed_in_reader_who_fills_the_honeypot_is_held(spam_app):
    client, data = signed_in_form(spam_app)
    client.post(f"/post/{spam_app.post.id}/comments", data={**data, "body": "Hmm", "website": "x"})
    assert (posted(spam_app), held(spam_app)) == ([], ["Hmm"])


def test_people_never_see_or_reach_the_honeypot(client):
    post = make_post("quote")
    html = page(client.get(f"/post/{post.id}", follow_redirects=True))
    field = html.select_one("input[name=website]")
    assert field.find_parent(class_="trap")["aria-hidden"] == "true"
    assert (field["tabindex"], field["autocomplete"]) == ("-1", "off")
    assert html.select_one("input[name=rendered]")["type"] == "hidden"


# --- Deleting comments ------------------------------------------------------------------


@pytest.fixture
def commented(app):
    """alice's post with two comments, and the auth helper."""
    post = make_post("quote", author=make_user("alice"))
    comments = [Comment(author_name="sam", body="keep me"), Comment(author_name="spammer", body="buy now")]
    for comment in comments:
        post.add_comment(comment)
    return post, comments


def delete_url(post, comment):
    return f"/post/{post.id}/comments/{comment.id}/delete"


@pytest.mark.parametrize("who", ["author", "admin"])
def test_author_and_admin_delete_comments(client, auth, commented, who):
    post, (keep, spam_comment) = commented
    if who == "admin":
        make_user("root", is_admin=True)
    auth.login("alice" if who == "author" else "root")
    button = page(client.get(f"/post/{post.id}", follow_redirects=True)).select_one(f"#comment-{spam_comment.id} form")
    assert button["action"] == delete_url(post, spam_comment)
    response = client.post(button["action"])
    assert response.status_code == 303
    assert response.headers["Location"] == f"/post/{post.id}/{post.slug}#comments"
    html = page(client.get(response.headers["Location"]))
    assert [body.get_text() for body in html.select(".comment__body")] == ["keep me"]
    assert html.select_one("#comments-heading").get_text() == "1 comment"


def test_other_readers_cannot_delete_comments(client, auth, commented):
    post, (_, spam_comment) = commented
    assert client.post(delete_url(post, spam_comment)).headers["Location"].startswith("/auth/login")
    make_user("bob")
    auth.login("bob")
    assert page(client.get(f"/post/{post.id}", follow_redirects=True)).select(".comment__delete") == []
    assert client.post(delete_url(post, spam_comment)).status_code == 403
    assert Post.objects.get(id=post.id).comment_count == 2


def test_deleting_a_comment_twice_counts_once(client, auth, commented):
    post, (_, spam_comment) = commented
    auth.login("alice")
    assert client.post(delete_url(post, spam_comment)).status_code == 303
    assert client.post(delete_url(post, spam_comment)).status_code == 404
    assert Post.objects.get(id=post.id).comment_count == 1


@pytest.mark.parametrize(
    "uri, options",
    [
        ("mongodb://db.example:27017/blog", {"database_name": "blog", "serverSelectionTimeoutMS": 2000}),
        ("mongodb://db.example/blog?serverSelectionTimeoutMS=500", {"database_name": "blog"}),
        ("mongodb://db.example", {"database_name": "tumblelog", "serverSelectionTimeoutMS": 2000}),
        ("memory://", {}),
    ],
)
def test_shared_limit_counts_live_in_the_apps_own_database(uri, options):
    from config import Config
    from tumblelog.ratelimit import storage_options

    config = {"RATELIMIT_STORAGE_URI": uri, "MONGODB_SERVER_SELECTION_TIMEOUT_MS": Config.MONGODB_SERVER_SELECTION_TIMEOUT_MS}
    assert storage_options(config) == options


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(app_factory):
    app = app_factory(TRUSTED_PROXIES=1, RATELIMIT_LOGIN="2 per minute")
    proxy = app.test_client()  # every request arrives from the proxy's address

    def login_from(address):
        return proxy.post("/auth/login", data={"username": "x", "password": "y"},
                          headers={"X-Forwarded-For": address}).status_code

    assert [login_from("203.0.113.1") for _ in range(3)] == [422, 422, 429]
    assert login_from("203.0.113.2") == 422


def test_a_comment_form_posts_one_comment(spam_app):
    client = spam_app.test_client()
    data = {**comment_form(client, spam_app.post), "name": "Sam", "body": "Nice."}
    spam_app.clock["now"] += 20
    first = client.post(f"/post/{spam_app.post.id}/comments", data=data)
    replay = client.post(f"/post/{spam_app.post.id}/comments", data={**data, "body": "Buy now"})
    # The replay gets what the first got, and posts nothing.
    assert first.status_code == replay.status_code == 303
    assert posted(spam_app) == ["Nice."]


def test_a_comment_form_too_old_to_have_been_remembered_is_refused(spam_app):
    client = spam_app.test_client()
    data = {**comment_form(client, spam_app.post), "name": "Sam", "body": "Nice."}
    spam_app.clock["now"] += spam_app.config["COMMENT_FORM_MAX_AGE"] + 1
    assert client.post(f"/post/{spam_app.post.id}/comments", data=data).status_code == 303
    assert posted(spam_app) == []


def test_requests_at_once_start_one_expiry_timer(app, monkeypatch):
    """The in-process limit storage restarts its expiry timer when one has run out;
    requests arriving together must start one timer between them, each only once."""
    from limits.storage import memory

    from tumblelog.extensions import limiter

    started = []

    class SlowTimer(threading.Timer):
        def __init__(self, *args):
            time.sleep(0.005)  # the moment in which another request could look
            super().__init__(*args)

        def start(self):
            started.append(self)
            super().start()

    storage = limiter.storage
    storage.timer.join()
    monkeypatch.setattr(memory.threading, "Timer", SlowTimer)
    barrier = threading.Barrier(8)

    def hit():
        barrier.wait()
        storage.incr("key", 60)

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(started) == len(set(started)) == 1
    assert storage.get("key") == 8
