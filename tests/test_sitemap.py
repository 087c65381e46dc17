"""robots.txt and the sitemap, read as a crawler reads them."""
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from factories import make_post, make_user
from tumblelog.models import Post, utcnow

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def parse(response, root="urlset"):
    """The sitemap's root element; fails unless it is a well-formed sitemap document."""
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    tree = ET.fromstring(response.data)
    assert tree.tag == f"{SM}{root}"
    return tree


def listed(tree):
    """``{loc: lastmod}`` of a urlset, checking each entry as the protocol requires."""
    urls = {}
    for url in tree.findall(f"{SM}url"):
        loc = url.findtext(f"{SM}loc")
        assert loc.startswith("http://localhost/") and len(loc) < 2048
        assert [child.tag for child in url] in ([f"{SM}loc"], [f"{SM}loc", f"{SM}lastmod"])
        urls[loc] = url.findtext(f"{SM}lastmod")
    return urls


def test_robots_txt_lets_crawlers_in_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    disallowed = [line.split(": ", 1)[1] for line in lines if line.startswith("Disallow: ")]
    assert "/api/" in disallowed and "/search" in disallowed
    assert not any("/post/".startswith(path) or "/tag/".startswith(path) for path in disallowed)
    assert "Sitemap: http://localhost/sitemap.xml" in lines


def url(post):
    """A post's readable permalink, as the sitemap gives it."""
    return f"http://localhost/post/{post.id}/{post.slug}"


def test_the_sitemap_lists_the_front_page_blogs_tags_and_posts_with_lastmod(client):
    bob = make_user("bob")
    old = make_post("quote", author=bob, tags=["python", "cats"])
    old.created_at = old.updated_at = utcnow() - timedelta(days=3)
    old.save()
    new = make_post("blog", tags=["python"])  # by alice
    urls = listed(parse(client.get("/sitemap.xml")))
    assert set(urls) == {
        "http://localhost/",
        "http://localhost/user/alice",
        "http://localhost/user/bob",
        "http://localhost/tag/cats",
        "http://localhost/tag/python",
        url(old),
        url(new),
    }
    stamp = lambda post: post.updated_at.isoformat(timespec="seconds")  # noqa: E731
    assert urls[url(old)] == stamp(old)
    assert urls["http://localhost/tag/cats"] == stamp(old)
    assert urls["http://localhost/tag/python"] == urls["http://localhost/"] == stamp(new)
    assert urls["http://localhost/user/bob"] == stamp(old)


def test_the_sitemap_lists_what_the_front_page_lists(client, monkeypatch):
    shown = make_post("quote", quote="Shown")
    hidden = make_post("quote", quote="Hidden", tags=["secret"])
    listing = Post.listing
    monkeypatch.setattr(Post, "listing", classmethod(lambda cls, **kw: listing.__func__(cls, **kw).filter(id__ne=hidden.id)))
    urls = listed(parse(client.get("/sitemap.xml")))
    assert url(shown) in urls
    assert url(hidden) not in urls and "http://localhost/tag/secret" not in urls


def test_past_the_limit_the_sitemap_becomes_an_index_of_parts(app_factory):
    client = app_factory(SITEMAP_MAX_URLS=3).test_client()
    with client.application.app_context():
        posts = [make_post("quote", quote=f"Q{n}") for n in range(5)]  # + front page + alice = 7
    index = parse(client.get("/sitemap.xml"), root="sitemapindex")
    parts = [item.findtext(f"{SM}loc") for item in index.findall(f"{SM}sitemap")]
    assert parts == [f"http://localhost/sitemap-{n}.xml" for n in (1, 2, 3)]
    assert all(item.findtext(f"{SM}lastmod") for item in index.findall(f"{SM}sitemap"))
    seen = {}
    for part in parts:
        urls = listed(parse(client.get(part.removeprefix("http://localhost"))))
        assert 1 <= len(urls) <= 3
        seen.update(urls)
    assert len(seen) == 7 and all(url(post) in seen for post in posts)
    assert client.get("/sitemap-4.xml").status_code == 404


@pytest.mark.parametrize("path", ["/sitemap-1.xml", "/sitemap-0.xml", "/sitemap-x.xml"])
def test_a_small_sitemap_has_no_parts(client, path):
    make_post("quote")
    assert client.get(path).status_code == 404


def test_the_sitemap_is_cached_and_revalidated(client):
    make_post("quote")
    first = client.get("/sitemap.xml")
    assert first.cache_control.public and first.cache_control.max_age == 300
    assert client.get("/sitemap.xml", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.get("/sitemap.xml", headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    later = make_post("quote")  # within the cache's five minutes it is not listed yet
    assert f"/post/{later.id}".encode() not in client.get("/sitemap.xml").data
    client.application.extensions["tumblelog_cache"].clear()
    assert f"/post/{later.id}".encode() in client.get("/sitemap.xml").data


def test_an_empty_blog_has_a_sitemap_with_its_front_page(client):
    assert list(listed(parse(client.get("/sitemap.xml")))) == ["http://localhost/"]
