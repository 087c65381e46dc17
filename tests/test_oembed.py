"""oEmbed: another site asks how to embed a permalink and gets JSON it can trust."""
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from bson import ObjectId

from factories import make_post


def ask(client, url, **params):
    query = "&".join(f"{name}={quote(str(value), safe='')}" for name, value in {"url": url, **params}.items())
    return client.get(f"/oembed?{query}")


def test_an_uploaded_image_embeds_as_a_photo_fitted_to_the_bounds(client):
    post = make_post("image", image_url="", image_file=ObjectId(), width=1200, height=800, caption="Harbour")
    response = ask(client, f"http://localhost/post/{post.id}", format="json", maxwidth=600)
    assert response.status_code == 200 and response.mimetype == "application/json"
    answer = response.get_json()
    assert answer["type"] == "photo" and answer["version"] == "1.0"
    assert answer["url"] == f"http://localhost/media/{post.image_file}"
    assert (answer["width"], answer["height"]) == (600, 400)
    assert answer["title"] == "Harbour"
    assert answer["author_name"] == "alice" and answer["author_url"] == "http://localhost/user/alice"
    assert answer["provider_url"] == "http://localhost/"


def test_a_video_embeds_the_providers_player_within_maxheight(client):
    post = make_post("video", caption='A "classic"')
    answer = ask(client, f"http://localhost/post/{post.id}", maxheight=180).get_json()
    assert answer["type"] == "video"
    assert (answer["width"], answer["height"]) == (320, 180)
    iframe = BeautifulSoup(answer["html"], "html.parser").select_one("iframe")
    assert iframe["src"] == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert iframe["title"] == 'A "classic"'


@pytest.mark.parametrize("post_type", ["blog", "quote"])
def test_text_embeds_as_a_quotation_linking_back(client, post_type):
    post = make_post(post_type, **({"title": "<b>Hi</b>", "body": "<script>x()</script> hello"} if post_type == "blog" else {}))
    answer = ask(client, f"http://localhost/post/{post.id}", maxwidth=300).get_json()
    assert answer["type"] == "rich" and answer["width"] == 300 and answer["height"] > 0
    html = BeautifulSoup(answer["html"], "html.parser")
    assert html.select("script, b") == []
    assert html.select_one("blockquote a")["href"] == f"http://localhost/post/{post.id}"


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/",
        "http://localhost/tag/python",
        "http://localhost/post/0123456789abcdef01234567",
        "http://elsewhere.example/post/{id}",
        "javascript:alert(1)//localhost/post/{id}",
        "",
        "http://localhost/post/{id}/comments",
        "x" * 5000,
    ],
)
def test_anything_but_a_permalink_of_this_site_is_404(client, url):
    post = make_post("quote")
    assert ask(client, url.format(id=post.id)).status_code == 404


def test_other_formats_are_501(client):
    post = make_post("quote")
    assert ask(client, f"http://localhost/post/{post.id}", format="xml").status_code == 501


@pytest.mark.parametrize("size", ["0", "-5", "wide", "1e3", "９９", "9999999999"])
def test_a_bad_size_is_400(client, size):
    post = make_post("quote")
    assert ask(client, f"http://localhost/post/{post.id}", maxwidth=size).status_code == 400
