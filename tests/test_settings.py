"""A blogger looks after their account on /settings: profile and avatar, password,
e-mail address, sessions and API tokens."""
import io
from datetime import datetime, timedelta, timezone

import pytest
from api_helpers import API, api, bearer  # noqa: F401  (fixture)
from conftest import page
from factories import PASSWORD, image_bytes, make_post, make_user
from mail_helpers import app, link_in, smtp  # noqa: F401  (fixtures)
from PIL import Image
from werkzeug.http import parse_date

from tumblelog.models import User

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def alice(client, auth):
    user = make_user("alice")
    auth.login()
    return user


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post("/settings", data={
        "section": "password", "current_password": current, "password": new, "confirm": confirm or new,
    })


def test_settings_need_a_signed_in_user(client):
    response = client.get("/settings")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_the_header_links_to_settings(client, alice):
    assert page(client.get("/")).select_one("a.site-nav__settings")["href"] == "/settings"


def test_the_profile_shows_on_the_blog_and_in_its_feed(client, alice):
    make_post(author=alice)
    response = client.post("/settings", data={
        "section": "profile", "display_name": "Alice Liddell", "bio": "Curious <b>reader</b>.",
        "blog_title": "Down the rabbit hole", "blog_description": "Notes from Wonderland",
    })
    assert response.status_code == 303
    blog = page(client.get("/user/alice"))
    assert blog.h1.get_text() == "Down the rabbit hole"
    assert "Alice Liddell" in blog.select_one(".profile__name").get_text()
    assert blog.select_one(".profile__bio").get_text() == "Curious <b>reader</b>."  # text, not markup
    assert blog.select_one(".profile__description").get_text() == "Notes from Wonderland"
    feed = client.get("/user/alice/feed.atom").get_data(as_text=True)
    assert "<title type=\"text\">Down the rabbit hole · tumblelog</title>" in feed
    assert "<subtitle type=\"text\">Notes from Wonderland</subtitle>" in feed
    json_feed = client.get("/user/alice/feed.json").json
    assert (json_feed["title"], json_feed["description"]) == ("Down the rabbit hole · tumblelog", "Notes from Wonderland")


def test_the_api_shows_the_profile(client, alice):
    client.post("/settings", data={"section": "profile", "display_name": "Alice L.", "bio": "Reader."})
    profile = client.get(f"{API}/users/alice").json
    assert (profile["display_name"], profile["bio"], profile["blog_title"], profile["avatar_url"]) == (
        "Alice L.", "Reader.", "", None)


def test_an_avatar_is_cropped_square_in_two_sizes(client, alice):
    upload = (io.BytesIO(image_bytes(size=(300, 120))), "me.png")
    response = client.post("/settings", data={"section": "profile", "avatar": upload},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    user = User.objects.get(id=alice.id)
    sizes = [Image.open(io.BytesIO(client.get(f"/media/{file_id}").data)).size
             for file_id in (user.avatar_small, user.avatar_large)]
    assert sizes == [(64, 64), (256, 256)]
    assert page(client.get("/user/alice")).select_one("img.profile__avatar")["src"] == f"/media/{user.avatar_large}"
    assert client.get(f"{API}/users/alice").json["avatar_url"] == f"http://localhost/media/{user.avatar_large}"
    header = page(client.get("/")).select_one(".site-nav__user")
    assert (header.img["src"], header.get_text(strip=True)) == (f"/media/{user.avatar_small}", "alice")


def test_a_new_avatar_replaces_the_old_files(client, alice):
    for color in ((1, 2, 3), (4, 5, 6)):
        upload = (io.BytesIO(image_bytes(color=color)), "me.png")
        client.post("/settings", data={"section": "profile", "avatar": upload}, content_type="multipart/form-data")
        if color == (1, 2, 3):
            old = User.objects.get(id=alice.id).avatar_large
    assert client.get(f"/media/{old}").status_code == 404


@pytest.mark.parametrize("upload", [b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"GIF89a broken", b""])
def test_an_avatar_that_is_no_image_is_refused(client, alice, upload):
    response = client.post("/settings", data={"section": "profile", "avatar": (io.BytesIO(upload), "me.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert User.objects.get(id=alice.id).avatar_large is None


@pytest.mark.parametrize("field, size", [("display_name", 65), ("bio", 1001), ("blog_title", 201)])
def test_profile_fields_are_bounded(client, alice, field, size):
    response = client.post("/settings", data={"section": "profile", field: "x" * size})
    assert response.status_code == 422
    assert page(response).select_one(f"#profile-{field}-error")


def test_an_unknown_section_is_a_bad_request(client, alice):
    assert client.post("/settings", data={"section": "is_admin"}).status_code == 400


def test_changing_the_password_needs_the_current_one(client, auth, alice):
    response = change_password(client, current="wrong password")
    assert response.status_code == 422
    assert "not your current password" in page(response).get_text()
    auth.logout()
    assert auth.login().status_code == 303


def test_changing_the_password_signs_out_other_sessions_but_not_this_one(app, client, alice):
    elsewhere = app.test_client()
    elsewhere.post("/auth/login", data={"username": "alice", "password": PASSWORD, "remember": "y"})
    assert elsewhere.get("/settings").status_code == 200
    assert change_password(client).status_code == 303
    assert client.get("/settings").status_code == 200
    assert elsewhere.get("/settings").status_code == 302


def test_a_copied_remember_me_cookie_dies_with_the_password_change(app, client, alice):
    elsewhere = app.test_client()
    elsewhere.post("/auth/login", data={"username": "alice", "password": PASSWORD, "remember": "y"})
    remember = elsewhere.get_cookie("remember_token").value
    change_password(client)
    thief = app.test_client()
    thief.set_cookie("remember_token", remember)
    assert thief.get("/settings").status_code == 302


def test_the_remember_me_cookie_lasts_weeks_not_a_year(app, client):
    make_user("alice")
    response = client.post("/auth/login", data={"username": "alice", "password": PASSWORD, "remember": "y"})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    expires = parse_date(cookie.split("Expires=")[1].split(";")[0])
    assert timedelta(days=13) < expires - datetime.now(timezone.utc) <= timedelta(days=14)


def test_changing_the_password_revokes_api_tokens(client, api, alice):
    token = api.token_for("alice")
    change_password(client)
    assert client.delete(f"{API}/tokens", headers=bearer(token)).status_code == 401


def test_sign_out_everywhere_ends_every_session(app, client, alice):
    elsewhere = app.test_client()
    elsewhere.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    assert client.post("/settings/sessions/end").status_code == 303
    assert client.get("/settings").status_code == 302
    assert elsewhere.get("/settings").status_code == 302


def test_a_session_from_before_generations_still_loads(app, client, alice):
    with client.session_transaction() as session:
        session["_user_id"] = str(alice.id)  # as Flask-Login stored it before
    assert client.get("/settings").status_code == 200


@pytest.mark.parametrize("session_id", ["x:1", "", "0" * 24 + ":", "nope:nope", "{}:-1", "{}:99"])
def test_a_forged_session_id_loads_nobody(client, alice, session_id):
    with client.session_transaction() as session:
        session["_user_id"] = session_id.format(alice.id)
        session["_fresh"] = True
    assert client.get("/settings").status_code == 302


def test_changing_the_email_takes_effect_by_the_link_sent_to_the_new_address(client, alice, smtp):
    response = client.post("/settings", data={"section": "email", "email": "Alice@Wonder.land",
                                              "current_password": PASSWORD})
    assert response.status_code == 303
    assert User.objects.get(id=alice.id).email == "alice@example.com"  # not yet
    [mail] = smtp.to("alice@wonder.land")
    assert client.get(link_in(mail, "/settings/email/")).status_code == 303
    assert User.objects.get(id=alice.id).email == "alice@wonder.land"
    client.get(link_in(mail, "/settings/email/"))  # a second click changes nothing
    assert "expired, was already used" in page(client.get("/settings")).get_text()


def test_an_email_taken_meanwhile_is_not_stolen(client, alice, smtp):
    client.post("/settings", data={"section": "email", "email": "bob@example.com", "current_password": PASSWORD})
    make_user("bob")
    client.get(link_in(smtp.messages[0], "/settings/email/"))
    assert User.objects.get(id=alice.id).email == "alice@example.com"


@pytest.mark.parametrize("data, field", [
    ({"email": "bob@example.com", "current_password": "wrong"}, "current_password"),
    ({"email": "not an address", "current_password": PASSWORD}, "email"),
    ({"email": "alice@example.com", "current_password": PASSWORD}, "email"),
])
def test_a_bad_email_change_is_shown_again(client, alice, smtp, data, field):
    response = client.post("/settings", data={"section": "email", **data})
    assert response.status_code == 422
    assert page(response).select_one(f"#email-{field}-error")
    assert smtp.messages == []


def test_tokens_are_listed_and_revoked_one_or_all(client, api, alice):
    made = client.post("/settings/tokens", data={"name": "phone app"})
    assert made.status_code == 201
    token = page(made).select_one("#new-token").get_text()
    assert client.get(f"{API}/posts").status_code == 200
    api.token_for("alice")
    listed = page(client.get("/settings")).select(".token")
    assert [item.strong.get_text() for item in listed] == ["Unnamed token", "phone app"]
    assert client.post(f"/settings/tokens/{listed[1]['data-token-id']}/revoke").status_code == 303
    assert client.delete(f"{API}/tokens", headers=bearer(token)).status_code == 401
    client.post("/settings/tokens/revoke-all")
    assert page(client.get("/settings")).select(".token") == []
    assert api.delete("/tokens").status_code == 401


def test_a_token_shows_when_it_was_last_used(client, api, alice):
    api.token_for("alice")
    assert "never used" in page(client.get("/settings")).select_one(".token").get_text()
    api.post("/posts", json={"type": "quote", "quote": "Used."})
    assert "last used" in page(client.get("/settings")).select_one(".token").get_text()


def test_nobody_revokes_another_blogger_s_token(app, client, api, alice):
    api.token_for("bob")
    from tumblelog.api.tokens import ApiToken

    bobs = ApiToken.objects.first()
    assert client.post(f"/settings/tokens/{bobs.id}/revoke").status_code == 404
    assert client.post("/settings/tokens/abc/revoke").status_code == 404
    assert api.delete("/tokens").status_code == 204


def test_token_creation_is_limited_across_the_form_and_the_api(app_factory, smtp):
    from api_helpers import basic

    app = app_factory(RATELIMIT_TOKEN_CREATE="2 per hour")
    client = app.test_client()
    make_user("alice")
    client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    assert client.post("/settings/tokens", data={"name": "one"}).status_code == 201
    assert client.post(f"{API}/tokens", headers=basic("alice")).status_code == 201
    assert client.post("/settings/tokens", data={"name": "three"}).status_code == 429
    assert client.post(f"{API}/tokens", headers=basic("alice")).status_code == 429


@pytest.mark.parametrize("url, data", [
    ("/settings", {"section": "password", "current_password": "guess", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
    ("/settings", {"section": "email", "current_password": "guess", "email": "thief@example.com"}),
    ("/settings/delete", {"password": "guess"}),
])
def test_password_guesses_on_the_settings_page_are_limited(app_factory, url, data):
    client = app_factory(RATELIMIT_LOGIN_ACCOUNT="2 per minute").test_client()
    make_user("alice")
    client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    assert [client.post(url, data=data).status_code for _ in range(3)] == [422, 422, 429]
    assert client.post("/settings", data={"section": "profile", "bio": "Still here."}).status_code == 303
