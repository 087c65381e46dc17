"""Static files: served by the app, cache-busted by content, cached long when current."""
import hashlib
from pathlib import Path

import pytest

from conftest import page

STATIC = Path(__file__).parents[1] / "tumblelog" / "static"


def content_hash(name):
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


@pytest.mark.parametrize("path", ["/", "/auth/login", "/no-such-page"])
def test_pages_load_only_local_versioned_css_and_scripts_and_no_inline_script(client, path):
    html = page(client.get(path))
    urls = [link["href"] for link in html.select("link[rel=stylesheet]")] + [s.get("src") for s in html.select("script")]
    assert f"/static/style.css?v={content_hash('style.css')}" in urls
    assert f"/static/tumblelog.js?v={content_hash('tumblelog.js')}" in urls
    for url in urls:
        assert url and url.startswith("/static/"), "inline or outside script/stylesheet"
    assert not html.select("[style]"), "inline style attribute"
    assert not [tag for tag in html.find_all(True) if any(attr.startswith("on") for attr in tag.attrs)]


def test_the_current_version_is_cached_for_a_year(client):
    url = f"/static/style.css?v={content_hash('style.css')}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600
    assert response.cache_control.immutable
    assert not response.cache_control.no_cache


@pytest.mark.parametrize("query", ["", "?v=0123456789ab", "?v="])
def test_unversioned_or_stale_urls_are_not_cached_long(client, query):
    response = client.get(f"/static/style.css{query}")
    assert response.status_code == 200
    assert response.cache_control.max_age != 365 * 24 * 3600
    assert not response.cache_control.immutable


def test_a_changed_file_gets_a_new_url(app, tmp_path):
    app.static_folder = str(tmp_path)
    css = tmp_path / "extra.css"
    css.write_text("body { color: red; }")
    with app.test_request_context():
        from flask import url_for

        first = url_for("static", filename="extra.css")
        css.write_text("body { color: blue; }")
        second = url_for("static", filename="extra.css")
        missing = url_for("static", filename="missing.css")
    assert first.startswith("/static/extra.css?v=") and second.startswith("/static/extra.css?v=")
    assert first != second
    assert missing == "/static/missing.css"


@pytest.mark.parametrize("name, content_type, kept", [
    ("style.css", "text/css", ".skip-link"),
    ("tumblelog.js", "text/javascript", "addEventListener"),
])
def test_stylesheets_and_scripts_are_served_minified(client, name, content_type, kept):
    url = page(client.get("/")).select_one(f'[href^="/static/{name}"], [src^="/static/{name}"]')
    url = url.get("href") or url["src"]
    served = client.get(url)
    source = (STATIC / name).read_text(encoding="utf-8")
    body = served.get_data(as_text=True)
    assert served.status_code == 200 and served.mimetype == content_type
    assert len(body) < 0.85 * len(source) and "/*" not in body and "\n  " not in body
    assert kept in body
    assert served.cache_control.max_age == 365 * 24 * 3600 and served.cache_control.immutable
    # Revalidation works as for any static file.
    assert client.get(url, headers={"If-None-Match": served.headers["ETag"]}).status_code == 304
    assert client.get("/static/no-such.css").status_code == 404
