"""A signed-in list page is rendered once and kept for every reader it looks the same
to, each reader's own parts (their token, their likes, their menu) filled in per
request (holes.py). What each reader sees must be exactly the page rendered for them
alone — never another reader's name, likes or token."""
import re

import pytest
from bs4 import BeautifulSoup

from conftest import signed_in
from factories import add_comments, make_post, make_user
from tumblelog.models import Post, User

TOKEN = re.compile(r'name="(csrf_token|rendered)" type="hidden" value="[^"]*"|name="csrf_token" value="[^"]*"')
PAGES = ["/", "/?page=2", "/tag/python", "/user/alice", "/user/bob", "/search?q=python", "/dashboard"]


@pytest.fixture
def app(app_factory):
    return app_factory(POSTS_PER_PAGE=3)


@pytest.fixture
def site(app):
    alice, bob = make_user("alice"), make_user("bob")
    make_user("carol")
    make_user("root", is_admin=True)
    posts = [make_post("blog", author=alice if i % 2 else bob, tags=["python"], title=f"Python {i}") for i in range(5)]
    posts.append(make_post("quote", author=bob, tags=["python", "spiders"], labels=["violence"]))
    return posts


def reader(app, name):
    """A browser signed in as ``name``, its sign-in message shown (and so cleared)."""
    client = signed_in(app, name)
    client.get("/settings")
    return client


def direct(app, client, url):
    """``url`` rendered for the reader alone: nothing kept, nothing shared."""
    pages, size = app.extensions["pages"], app.extensions["pages"].size
    pages.size = 0
    try:
        return client.get(url).get_data(as_text=True)
    finally:
        pages.size = size


def without_tokens(html):
    # A token is signed with the time it was made: equal pages may differ there alone.
    return TOKEN.sub('name="token" value=""', html)


def update(**changes):
    return lambda user: User.objects(id=user.id).update_one(**changes)


# Each differs from a reader with no settings in one thing that changes the page.
READERS = {
    "plain reader": ("carol", lambda user: None),
    "author of posts shown": ("alice", lambda user: None),
    "admin": ("root", lambda user: None),
    "liker": ("carol", lambda user: None),
    "label choices": ("carol", update(set__label_choices={"violence": "hide"})),
    "muted tags": ("carol", update(set__muted_tags=["spiders"])),
    "follower": ("carol", lambda user: update(set__followed_tags=["python"],
                                              set__followed_users=[User.by_username("alice").id])(user)),
    "blocker": ("carol", lambda user: update(set__blocked_users=[User.by_username("bob").id])(user)),
    "follower of a quiet tag": ("carol", update(set__followed_tags=["quiet"])),  # an empty dashboard that says so
}


@pytest.mark.parametrize("kind", READERS)
def test_a_kept_page_is_the_page_rendered_for_the_reader(app, site, kind):
    make_user("dave")
    someone_else = reader(app, "dave")
    for url in PAGES:  # pages kept as they look to a reader with no settings at all
        someone_else.get(url)
    name, settle = READERS[kind]
    settle(User.by_username(name))
    client = reader(app, name)
    if kind == "liker":
        client.post(f"/post/{site[4].id}/like", data={"action": "like"})
    for url in PAGES:
        first, again = client.get(url), client.get(url)  # rendered and kept; then filled from it
        assert first.status_code == again.status_code == 200, url
        expected = without_tokens(direct(app, client, url))
        assert without_tokens(first.get_data(as_text=True)) == expected, url
        assert without_tokens(again.get_data(as_text=True)) == expected, url


def test_readers_share_a_kept_page_each_with_their_own_parts(app, site):
    make_user("dave")
    carol, dave = reader(app, "carol"), reader(app, "dave")
    dave.post(f"/post/{site[4].id}/like", data={"action": "like"})
    carol.get("/")  # kept for both
    kept = len(app.extensions["pages"].entries)
    carol_page = BeautifulSoup(carol.get("/").data, "html.parser")
    dave_page = BeautifulSoup(dave.get("/").data, "html.parser")
    assert len(app.extensions["pages"].entries) == kept  # dave's came from carol's render

    assert carol_page.select_one(".site-nav__user").get_text(strip=True) == "carol"
    assert dave_page.select_one(".site-nav__user").get_text(strip=True) == "dave"
    liked = f"#post-{site[4].id} .like-form button"
    assert carol_page.select_one(liked).get_text(strip=True) == "Like"
    assert dave_page.select_one(liked).get_text(strip=True) == "Liked"
    assert {field["value"] for field in carol_page.select("input[name=csrf_token]")}.isdisjoint(
        field["value"] for field in dave_page.select("input[name=csrf_token]")
    )


def test_the_tokens_filled_in_are_the_readers_own(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    make_user("carol")
    post = make_post("blog", author=make_user("alice"), title="Tokens")
    client = app.test_client()
    login = BeautifulSoup(client.get("/auth/login").data, "html.parser")
    client.post("/auth/login", data={"username": "carol", "password": "correct horse",
                                     "csrf_token": login.select_one("input[name=csrf_token]")["value"]})
    client.get("/settings")
    for _ in range(2):  # rendered and kept, then filled from it
        front = BeautifulSoup(client.get("/").data, "html.parser")
        form = front.select_one(f"#post-{post.id} .like-form")
        data = {field["name"]: field["value"] for field in form.select("input[type=hidden]")}
        assert client.post(form["action"], data=data).status_code == 303
    assert User.by_username("carol").recent_likes == []  # liked, then unliked: both tokens took


@pytest.mark.parametrize(
    "change, shows",
    [
        (lambda user: User.objects(id=user.id).update_one(set__unread_count=3), ".site-nav__activity .badge"),
        (lambda user: User.objects(id=user.id).update_one(set__role="admin"), ".site-nav__admin"),
    ],
    ids=["a notification", "a new role"],
)
def test_the_menu_follows_the_reader(app, site, change, shows):
    client = reader(app, "carol")
    assert BeautifulSoup(client.get("/").data, "html.parser").select_one(shows) is None
    change(User.by_username("carol"))
    assert BeautifulSoup(client.get("/").data, "html.parser").select_one(shows) is not None


def test_a_message_shows_once_on_a_kept_page(app, site):
    client = reader(app, "carol")
    client.get("/")  # kept without a message
    client.post("/tag/python/follow", data={"action": "follow", "next": "/"})
    assert "You follow #python." in client.get("/").get_data(as_text=True)
    assert "You follow #python." not in client.get("/").get_data(as_text=True)


@pytest.fixture
def discussed(site):
    """A labelled post with comments, a held comment and notes: every tool shows."""
    post = site[5]
    for name in ("carol", "dave", "root"):
        (User.by_username(name) or make_user(name)).like(post.id)
    add_comments(post, 3)
    return f"/post/{post.id}/{post.slug}"


PERMALINK_READERS = {
    **READERS,
    "author of the post": ("bob", lambda user: None),
    "shown labelled posts": ("carol", update(set__label_choices={"violence": "show"})),
}


@pytest.mark.parametrize("kind", [None, *PERMALINK_READERS])
def test_a_kept_permalink_is_the_page_rendered_for_the_reader(app, site, discussed, kind):
    make_user("erin")
    for someone_else in (app.test_client(), reader(app, "erin")):  # kept as they see it
        someone_else.get(discussed)
    if kind is None:
        client = app.test_client()
    else:
        name, settle = PERMALINK_READERS[kind]
        settle(User.by_username(name))
        client = reader(app, name)
    first, again = client.get(discussed), client.get(discussed)
    assert first.status_code == again.status_code == 200
    expected = without_tokens(direct(app, client, discussed))
    assert without_tokens(first.get_data(as_text=True)) == expected
    assert without_tokens(again.get_data(as_text=True)) == expected


def test_each_permalink_carries_a_fresh_comment_token_that_works(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True, COMMENT_MIN_SECONDS=0)
    post = make_post("blog", author=make_user("alice"), title="Talk to me")
    url = f"/post/{post.id}/{post.slug}"
    visitor = app.test_client()
    forms = [BeautifulSoup(visitor.get(url).data, "html.parser").select_one("form.comment-form") for _ in range(2)]
    fields = [{field["name"]: field.get("value", "") for field in form.select("input")} for form in forms]
    assert len(app.extensions["pages"].entries) == 1  # rendered once, kept, filled in twice
    assert fields[0]["rendered"] != fields[1]["rendered"]  # one-use tokens: one per page shown
    for number, data in enumerate(fields):
        response = visitor.post(forms[number]["action"], data={**data, "name": "Sam", "body": f"Comment {number}"})
        assert response.status_code == 303
    assert [comment.body for comment in Post.objects.get(id=post.id).comments] == ["Comment 0", "Comment 1"]
