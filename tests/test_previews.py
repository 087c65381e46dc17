"""Link previews and discovery: what a chat app, a social network or a search engine
reads from a page's <head> — title, description, image, canonical URL, icons — all
absolute and on the site's configured host."""
from urllib.parse import parse_qs, urlsplit

import pytest
from bson import ObjectId

from conftest import page
from factories import make_post, make_user


def preview(html):
    """What a link-preview client takes from a page: OpenGraph first, then Twitter
    card and plain HTML tags, as such clients fall back."""

    def meta(attribute, name):
        tag = html.select_one(f'head meta[{attribute}="{name}"]')
        return tag["content"] if tag else None

    title = html.select_one("head title")
    return {
        "title": meta("property", "og:title") or meta("name", "twitter:title") or (title and title.get_text()),
        "description": meta("property", "og:description") or meta("name", "description"),
        "image": meta("property", "og:image") or meta("name", "twitter:image"),
        "url": meta("property", "og:url") or html.select_one("head link[rel=canonical]")["href"],
        "type": meta("property", "og:type"),
        "card": meta("name", "twitter:card"),
    }


def absolute(url):
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def test_sharing_an_image_post_shows_its_title_image_and_description(client):
    post = make_post("image", image_url="", image_file=ObjectId(), width=1200, height=800,
                     caption="Sunset over the harbour", alt="Orange sky above boats", tags=["sea"])
    html = page(client.get(f"/post/{post.id}", follow_redirects=True))
    card = preview(html)
    assert card == {
        "title": "Sunset over the harbour",
        "description": "Sunset over the harbour — Orange sky above boats",
        "image": f"http://localhost/media/{post.image_file}",
        "url": f"http://localhost/post/{post.id}/{post.slug}",
        "type": "article",
        "card": "summary_large_image",
    }
    assert html.select_one('meta[property="og:image:width"]')["content"] == "1200"
    assert html.select_one('meta[property="og:image:alt"]')["content"] == "Orange sky above boats"
    assert [tag["content"] for tag in html.select('meta[property="article:tag"]')] == ["sea"]
    assert html.select_one('meta[property="article:published_time"]')["content"].startswith(str(post.created_at.year))


def test_a_text_post_is_described_by_its_words_without_markup(client):
    post = make_post("blog", title="On walking", body="Walking **is** [good](https://a.example).\n\n# Try\n\n" + "a " * 300)
    card = preview(page(client.get(f"/post/{post.id}", follow_redirects=True)))
    assert card["title"] == "On walking"
    assert card["description"].startswith("Walking is good. Try a a")
    assert card["description"].endswith("…") and len(card["description"]) <= 200
    assert card["image"] is None and card["card"] == "summary"


def test_a_youtube_video_previews_with_its_thumbnail(client):
    post = make_post("video", caption="A classic")
    card = preview(page(client.get(f"/post/{post.id}", follow_redirects=True)))
    assert card["image"] == "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg"
    assert card["title"] == "A classic"


@pytest.mark.parametrize("post_type", ["blog", "image", "video", "quote"])
def test_every_permalink_previews_with_absolute_urls(client, post_type):
    post = make_post(post_type)
    html = page(client.get(f"/post/{post.id}", follow_redirects=True))
    card = preview(html)
    assert card["title"] and card["description"]
    assert absolute(card["url"]) and (card["image"] is None or absolute(card["image"]))
    oembed = html.select_one('head link[type="application/json+oembed"]')["href"]
    assert absolute(oembed)
    assert parse_qs(urlsplit(oembed).query)["url"] == [f"http://localhost/post/{post.id}/{post.slug}"]


@pytest.mark.parametrize(
    "url, description",
    [
        ("/", "Words, pictures, sounds and links from the people who write here."),
        ("/tag/python", "Posts tagged #python on tumblelog."),
        ("/user/alice", "Posts by alice on tumblelog."),
        ("/auth/login", "Words, pictures, sounds and links from the people who write here."),
    ],
)
def test_every_page_has_a_description_a_canonical_link_and_icons(client, url, description):
    make_post("quote", tags=["python"])
    html = page(client.get(url))
    assert html.select_one("head meta[name=description]")["content"] == description
    assert html.select_one("head link[rel=canonical]")["href"] == "http://localhost" + url
    assert html.select_one("head link[rel=icon]")["href"] == "/favicon.ico"
    assert html.select_one("head link[rel=apple-touch-icon]")


def test_the_canonical_link_keeps_paging_and_drops_junk(client):
    make_post("quote")
    html = page(client.get("/?utm_source=chat&page=1&_external=1"))
    assert html.select_one("link[rel=canonical]")["href"] == "http://localhost/?page=1"


def test_urls_for_other_sites_use_the_configured_host_not_the_requests(app_factory):
    app = app_factory(TRUSTED_HOSTS=["blog.example", "localhost"], PREFERRED_URL_SCHEME="https")
    client = app.test_client()
    with app.app_context():
        post = make_post("image", image_url="", image_file=ObjectId(), width=10, height=10)
    html = page(client.get(f"/post/{post.id}", follow_redirects=True, headers={"Host": "localhost"}))
    card = preview(html)
    assert card["url"] == f"https://blog.example/post/{post.id}/{post.slug}"
    assert card["image"] == f"https://blog.example/media/{post.image_file}"
    assert html.select_one("link[rel=canonical]")["href"] == f"https://blog.example/post/{post.id}/{post.slug}"
    feed = client.get("/feed.json").get_json()
    assert feed["feed_url"] == "https://blog.example/feed.json"
    assert feed["items"][0]["url"] == f"https://blog.example/post/{post.id}/{post.slug}"
    assert "Sitemap: https://blog.example/sitemap.xml" in client.get("/robots.txt").get_data(as_text=True)


@pytest.mark.parametrize("path, content_type", [("/favicon.ico", "image/vnd.microsoft.icon"), ("/apple-touch-icon.png", "image/png")])
def test_the_icons_are_served_small_and_cached(client, path, content_type):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype in (content_type, "image/x-icon")
    assert 0 < len(response.data) < 10_000
    assert response.cache_control.max_age >= 86400


def test_the_blogger_page_uses_their_description_when_they_have_one(client):
    alice = make_user("alice")
    alice.blog_description = "Notes from the harbour."
    html = page(client.get("/user/alice"))
    # Accounts have no description field yet: the page says who writes it instead.
    assert html.select_one("meta[name=description]")["content"] == "Posts by alice on tumblelog."


@pytest.mark.parametrize("url, title", [("/", "tumblelog"), ("/tag/python", "#python · tumblelog"), ("/auth/login", "Sign in · tumblelog")])
def test_other_pages_preview_as_the_site_with_their_own_title(client, url, title):
    make_post("quote", tags=["python"])
    card = preview(page(client.get(url)))
    assert card["title"] == title and card["type"] == "website" and card["card"] == "summary"
    assert card["url"] == "http://localhost" + url
    assert card["image"].startswith("http://localhost/static/apple-touch-icon.png")


def test_a_bloggers_page_previews_as_their_profile(client):
    make_post("quote")
    html = page(client.get("/user/alice"))
    assert preview(html)["type"] == "profile"
    assert html.select_one('meta[property="profile:username"]')["content"] == "alice"


def test_a_photoset_previews_with_its_first_photo(client):
    post = make_post("photoset")
    card = preview(page(client.get(f"/post/{post.id}", follow_redirects=True)))
    assert card["image"] == "https://images.example.com/one.jpg"
    assert card["card"] == "summary_large_image"


def test_a_link_post_previews_with_its_thumbnail_only_when_it_has_one(client):
    plain = make_post("link")
    assert preview(page(client.get(f"/post/{plain.id}", follow_redirects=True)))["image"] is None
    pictured = make_post("link", thumb_file=ObjectId())
    assert preview(page(client.get(f"/post/{pictured.id}", follow_redirects=True)))["image"] == f"http://localhost/media/{pictured.thumb_file}"
