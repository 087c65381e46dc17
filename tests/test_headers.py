"""Every kind of response carries the security headers, and text is compressed for
clients that accept it (brotli first, gzip otherwise)."""
import gzip

import brotli
import pytest
from bson import ObjectId

from factories import image_bytes, make_post
from tumblelog.security import HEADERS


@pytest.fixture
def blog(client):
    """A post of each kind the responses below need, and an uploaded image's URL."""
    import io

    client.post("/auth/register", data={"username": "alice", "email": "a@example.com",
                                          "password": "correct horse", "confirm": "correct horse"})
    response = client.post(
        "/post/new/image",
        data={"image": (io.BytesIO(image_bytes(size=(800, 600))), "a.png", "image/png"), "caption": "A photo " * 20},
        content_type="multipart/form-data",
    )
    post_id = response.headers["Location"].split("/")[2]  # /post/<id>/<slug>
    for n in range(5):
        make_post("blog", title=f"Post {n}", body="Words " * 200)
    from tumblelog.models import Post

    with client.application.app_context():
        media = Post.objects(id=ObjectId(post_id)).first().image_file
    client.post("/auth/logout")
    client.get("/")  # shows, and so clears, the "signed out" message
    return {"post": f"/post/{post_id}", "media": f"/media/{media}"}


RESPONSE_KINDS = {
    "HTML page": lambda blog: "/",
    "permalink": lambda blog: blog["post"],
    "JSON API": lambda blog: "/api/v1/posts",
    "Atom feed": lambda blog: "/feed.atom",
    "JSON feed": lambda blog: "/feed.json",
    "sitemap": lambda blog: "/sitemap.xml",
    "robots.txt": lambda blog: "/robots.txt",
    "oEmbed": lambda blog: f"/oembed?url=http://localhost{blog['post']}",
    "media": lambda blog: blog["media"],
    "static file": lambda blog: "/static/style.css",
    "favicon": lambda blog: "/favicon.ico",
    "not found": lambda blog: "/nowhere",
    "health check": lambda blog: "/healthz",
}


@pytest.mark.parametrize("kind", RESPONSE_KINDS)
def test_every_response_kind_carries_the_security_headers(client, blog, kind):
    response = client.get(RESPONSE_KINDS[kind](blog))
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name


COMPRESSED_KINDS = ["HTML page", "JSON API", "Atom feed", "JSON feed", "sitemap", "static file"]


@pytest.mark.parametrize("kind", COMPRESSED_KINDS)
def test_text_is_compressed_with_brotli_when_the_browser_takes_it(client, blog, kind):
    path = RESPONSE_KINDS[kind](blog)
    plain = client.get(path)
    squeezed = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert plain.headers.get("Content-Encoding") is None
    assert squeezed.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in squeezed.headers["Vary"]
    assert brotli.decompress(b"".join(squeezed.response)) == plain.data
    assert len(b"".join(squeezed.response)) < len(plain.data)


@pytest.mark.parametrize("kind", ["HTML page", "Atom feed", "sitemap"])
def test_gzip_for_clients_without_brotli(client, blog, kind):
    path = RESPONSE_KINDS[kind](blog)
    response = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == client.get(path).data


def test_images_are_not_compressed_again(client, blog):
    response = client.get(blog["media"], headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in response.headers


@pytest.mark.parametrize("path", ["/feed.atom", "/sitemap.xml"])
def test_a_compressed_responses_etag_still_revalidates(client, blog, path):
    first = client.get(path, headers={"Accept-Encoding": "br"})
    again = client.get(path, headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_static_files_are_cached_for_a_year_under_their_versioned_url(client, blog):
    from conftest import page

    href = page(client.get("/")).select_one("link[rel=stylesheet]")["href"]
    response = client.get(href, headers={"Accept-Encoding": "br"})
    assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.immutable
    assert response.headers["Content-Encoding"] == "br"
