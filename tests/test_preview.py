"""The text editor's live Markdown preview: the same rendering a saved post gets."""
import pytest
from bs4 import BeautifulSoup

from conftest import page
from tumblelog.markup import MAX_MARKDOWN_LENGTH, render_markdown


@pytest.fixture
def signed_in(auth):
    auth.register()
    return auth


def test_preview_renders_markdown_as_a_saved_post_would(client, signed_in):
    text = "# Hi\n\nSome **bold** and a [link](https://example.com)."
    response = client.post("/post/preview", data={"body": text})
    assert response.status_code == 200
    assert response.json["html"] == render_markdown(text)
    assert "<strong>bold</strong>" in response.json["html"]


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        '<img src="x" onerror="alert(1)">',
        "![x](data:text/html;base64,PHNjcmlwdD4=)",
        "<a href='javascript:alert(1)'>x</a>",
    ],
)
def test_preview_never_returns_script(client, signed_in, text):
    response = client.post("/post/preview", data={"body": text})
    assert response.status_code == 200
    html = BeautifulSoup(response.json["html"], "html.parser")
    assert not html.find_all(["script", "iframe", "object"])
    for tag in html.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.startswith("on")
            if name in ("href", "src"):
                assert value.startswith(("https:", "http:", "/")), value


def test_preview_refuses_more_than_a_post_may_hold(client, signed_in):
    response = client.post("/post/preview", data={"body": "x" * (MAX_MARKDOWN_LENGTH + 1)})
    assert response.status_code == 413
    assert "html" not in response.json


def test_preview_is_for_signed_in_bloggers(client):
    response = client.post("/post/preview", data={"body": "**hi**"})
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_preview_needs_the_forms_csrf_token(app_factory):
    client = app_factory(WTF_CSRF_ENABLED=True).test_client()
    editor = page(client.get("/auth/register"))
    token = editor.select_one("input[name=csrf_token]")["value"]
    client.post(
        "/auth/register",
        data={"username": "ada", "email": "ada@example.com", "password": "correct horse", "confirm": "correct horse", "csrf_token": token},
    )
    form = page(client.get("/post/new/blog")).select_one("form[data-preview-url]")
    assert form["data-preview-url"] == "/post/preview"
    token = form.select_one("input[name=csrf_token]")["value"]
    assert client.post("/post/preview", data={"body": "*hi*"}).status_code == 400
    assert client.post("/post/preview", data={"body": "*hi*", "csrf_token": token}).json["html"] == "<p><em>hi</em></p>\n"


@pytest.mark.parametrize("post_type", ["image", "video", "quote"])
def test_only_text_posts_offer_a_preview(client, signed_in, post_type):
    assert page(client.get("/post/new/blog")).select("form[data-preview-url]")
    assert not page(client.get(f"/post/new/{post_type}")).select("form[data-preview-url]")
