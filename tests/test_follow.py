"""Following tags and bloggers, the dashboard and the list of what you follow."""
from datetime import timedelta

import pytest

from conftest import page, post_ids
from factories import make_post, make_user
from roundtrips import round_trips
from tumblelog import models
from tumblelog.models import User, utcnow


def follow_button(response):
    return page(response).select_one(".follow-form button")


def aged_post(minutes_ago, **kwargs):
    post = make_post("quote", **kwargs)
    post.created_at = post.published_at = utcnow() - timedelta(minutes=minutes_ago)
    return post.save()


@pytest.fixture
def bob():
    return make_user("bob")


@pytest.fixture
def reader(client, auth):
    auth.register("reader")
    return User.by_username("reader")


def test_follow_button_toggles_on_a_tag_page(client, reader):
    assert follow_button(client.get("/tag/python")).get_text() == "Follow"
    response = client.post("/tag/python/follow")
    assert response.status_code == 303
    assert response.headers["Location"] == "/tag/python"
    button = follow_button(client.get("/tag/python"))
    assert (button.get_text(), button["aria-pressed"]) == ("Unfollow", "true")
    client.post("/tag/python/follow")
    assert follow_button(client.get("/tag/python")).get_text() == "Follow"
    assert User.by_username("reader").followed_tags == []


def test_follow_button_toggles_on_a_user_page(client, reader, bob):
    client.post("/user/bob/follow")
    assert User.by_username("reader").followed_users == [bob.id]
    assert follow_button(client.get("/user/bob")).get_text() == "Unfollow"
    client.post("/user/bob/follow")
    assert User.by_username("reader").followed_users == []


def test_a_double_submitted_follow_still_follows_once(client, reader):
    for _ in range(2):
        client.post("/tag/python/follow", data={"action": "follow"})
    assert User.by_username("reader").followed_tags == ["python"]
    for _ in range(2):
        client.post("/tag/python/follow", data={"action": "unfollow"})
    assert User.by_username("reader").followed_tags == []


def test_the_button_says_which_action_it_sends(client, reader):
    form = page(client.get("/tag/python")).select_one(".follow-form")
    assert form["action"] == "/tag/python/follow"
    assert form.select_one("input[name=action]")["value"] == "follow"


def test_other_spellings_follow_the_normal_tag(client, reader):
    client.post("/tag/Python/follow")
    assert User.by_username("reader").followed_tags == ["python"]


@pytest.mark.parametrize("url", ["/tag/a..b/follow", "/tag/%E2%80%AE/follow", "/user/nobody/follow"])
def test_following_what_does_not_exist_is_404(client, reader, url):
    assert client.post(url).status_code == 404


def test_following_yourself_is_refused(client, reader):
    client.post("/user/reader/follow")
    assert User.by_username("reader").followed_users == []
    assert follow_button(client.get("/user/reader")) is None


def test_anonymous_readers_are_sent_to_sign_in_and_come_back(client, auth, bob):
    # Signed out, the button is a link to sign in: the page carries no CSRF token.
    link = page(client.get("/tag/python")).select_one(".follow-form a")
    assert link.get_text() == "Follow"
    assert link["href"] == "/auth/login?next=/tag/python"
    response = client.post("/tag/python/follow")
    assert response.status_code == 303
    assert response.headers["Location"] == "/auth/login?next=/tag/python"
    auth.register("reader")
    auth.logout()
    assert auth.login("reader", next="/tag/python").headers["Location"] == "/tag/python"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_follow_never_redirects_off_site(client, reader, target):
    response = client.post("/tag/python/follow", data={"next": target})
    assert response.headers["Location"] == "/"


def test_the_follow_lists_are_capped(client, reader, monkeypatch):
    monkeypatch.setattr(models, "MAX_FOLLOWS", 2)
    for tag in ("a", "b", "c"):
        client.post(f"/tag/{tag}/follow")
    assert User.by_username("reader").followed_tags == ["a", "b"]
    assert "unfollow something first" in client.get("/").get_data(as_text=True)


def test_dashboard_shows_followed_tags_and_bloggers_each_post_once(client, reader, bob):
    carol = make_user("carol")
    both = aged_post(1, author=bob, tags=["python"])
    by_bob = aged_post(2, author=bob, tags=["cats"])
    tagged = aged_post(3, author=carol, tags=["python", "zen"])
    aged_post(4, author=carol, tags=["cats"])  # neither followed
    client.post("/tag/python/follow")
    client.post("/user/bob/follow")
    response = client.get("/dashboard")
    assert response.status_code == 200
    assert post_ids(response) == [str(both.id), str(by_bob.id), str(tagged.id)]


def test_unfollowed_things_leave_the_dashboard(client, reader, bob):
    by_bob = aged_post(1, author=bob)
    tagged = aged_post(2, author=make_user("carol"), tags=["python"])
    client.post("/tag/python/follow")
    client.post("/user/bob/follow")
    client.post("/tag/python/follow")
    assert post_ids(client.get("/dashboard")) == [str(by_bob.id)]
    client.post("/user/bob/follow", data={"action": "unfollow"})
    client.post("/tag/python/follow")
    assert post_ids(client.get("/dashboard")) == [str(tagged.id)]


def test_dashboard_pages_like_the_front_page(client, reader, bob):
    ids = [str(aged_post(minute, author=bob).id) for minute in range(12)]
    client.post("/user/bob/follow")
    first = client.get("/dashboard")
    assert post_ids(first) == ids[:10]
    older = page(first).select_one("a[rel=next]")["href"]
    assert older.startswith("/dashboard?before=")
    assert post_ids(client.get(older)) == ids[10:]
    assert post_ids(client.get("/dashboard?page=2")) == ids[10:]


def test_empty_dashboard_suggests_popular_tags(client, reader, bob):
    make_post("quote", author=bob, tags=["python", "zen"])
    make_post("quote", author=bob, tags=["python"])
    empty = page(client.get("/dashboard")).select_one(".empty")
    assert "You follow nothing yet" in empty.get_text()
    assert [a.get_text() for a in empty.select("a[rel=tag]")] == ["#python", "#zen"]


def test_dashboard_needs_an_account(client):
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_header_links_to_the_dashboard_when_signed_in(client, reader):
    assert page(client.get("/")).select_one("header a[href='/dashboard']").get_text() == "Dashboard"


def followed(html):
    """The names on the following page."""
    return [a.get_text() for a in html.select("main li > a:not(.feed-link)")]


def test_following_page_lists_and_unfollows(client, reader, bob):
    client.post("/tag/python/follow")
    client.post("/user/bob/follow")
    html = page(client.get("/following"))
    assert followed(html) == ["#python", "bob"]
    feeds = [a["href"] for a in html.select("main li > a.feed-link")]
    assert feeds == ["/tag/python/feed.atom", "/user/bob/feed.atom"]
    form = html.select_one("form[action='/tag/python/follow']")
    assert form.select_one("input[name=action]")["value"] == "unfollow"
    response = client.post("/tag/python/follow", data={"action": "unfollow", "next": "/following"})
    assert response.headers["Location"] == "/following"
    assert followed(page(client.get("/following"))) == ["bob"]


def test_dashboard_is_one_posts_query_however_much_is_followed(client, reader, bob):
    for name in ("carol", "dave", "erin"):
        make_post("quote", author=make_user(name), tags=[f"{name}-tag"])
        client.post(f"/user/{name}/follow")
        client.post(f"/tag/{name}-tag/follow")
    client.get("/dashboard")  # warms the top-tags cache
    with round_trips() as commands:
        response = client.get("/dashboard")
    assert len(post_ids(response)) == 3
    # The signed-in user (every page, with what they follow and like), the page of posts.
    assert commands == ["find", "find"]


def test_a_bloggers_page_with_posts_has_the_button_and_feed(client, reader, bob):
    make_post("quote", author=bob)
    client.post("/user/bob/follow")
    html = page(client.get("/user/bob"))
    assert html.select_one(".follow-form")["action"] == "/user/bob/follow"
    assert html.select_one(".follow-form button").get_text() == "Unfollow"
    assert html.select_one("a.feed-link")["href"] == "/user/bob/feed.atom"
