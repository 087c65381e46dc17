"""What a first-time visitor is told: the welcome line, empty states, the way back from a 404."""
from conftest import page
from factories import make_post


def test_a_visitor_is_welcomed_and_invited_to_sign_up(client):
    make_post("quote")
    welcome = page(client.get("/")).select_one(".welcome")
    assert "Create an account" in welcome.get_text()
    assert welcome.select_one("a")["href"] == "/auth/register"


def test_no_welcome_for_bloggers_on_later_pages_or_on_an_empty_site(app, client, auth):
    assert page(client.get("/")).select_one(".welcome") is None
    assert "Nothing has been posted yet." in page(client.get("/")).select_one(".empty").get_text()
    app.config["POSTS_PER_PAGE"] = 1
    make_post("quote")
    make_post("blog")
    assert page(client.get("/?page=2")).select_one(".welcome") is None
    assert page(client.get("/tag/anything")).select_one(".welcome") is None
    auth.register("bob")
    assert page(client.get("/")).select_one(".welcome") is None


def test_a_missing_page_offers_the_way_back(client):
    response = client.get("/post/000000000000000000000000")
    assert response.status_code == 404
    back = page(response).select_one("main a.button")
    assert back["href"] == "/" and "front page" in back.get_text()
