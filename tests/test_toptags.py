"""The top-tags sidebar: counts from an aggregation, cached for a short time."""
from collections import Counter

from conftest import page
from factories import make_post
from tumblelog.cache import TTLCache
from tumblelog.toptags import count_top_tags


def sidebar(client, url="/"):
    aside = page(client.get(url)).select_one("aside.sidebar")
    return [(li.a.get_text(), int(li.select_one(".top-tags__count").get_text())) for li in aside.select("li")]


def test_counts_match_the_posts(app_factory):
    app = app_factory(TOP_TAGS_TTL=0)
    with app.app_context():
        tag_lists = [[f"t{i % 7}", f"t{i % 3}", f"u{i}"] for i in range(30)]
        for tags in tag_lists:
            make_post("quote", tags=tags)
        counts = Counter(tag for tags in tag_lists for tag in dict.fromkeys(tags))
        expected = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        assert list(count_top_tags()) == expected[:20]
        shown = sidebar(app.test_client())
    assert shown == [(f"#{tag}", count) for tag, count in expected[:20]]


def test_sidebar_is_on_every_list_page(client):
    make_post("quote", tags=["python"])
    for url in ("/", "/tag/python", "/user/alice", "/search?q=x"):
        assert sidebar(client, url) == [("#python", 1)]


def test_no_posts_no_sidebar(client):
    assert page(client.get("/")).select_one("aside.sidebar") is None


def test_the_sidebar_is_cached(client):
    make_post("quote", tags=["python"])
    assert sidebar(client) == [("#python", 1)]
    make_post("quote", tags=["python"])
    assert sidebar(client) == [("#python", 1)]  # the cache has not expired yet


def test_ttl_cache_recomputes_after_ttl():
    now = [100.0]
    cache = TTLCache(clock=lambda: now[0])
    calls = []

    def compute():
        calls.append(now[0])
        return len(calls)

    assert cache.get("k", 60, compute) == 1
    now[0] += 59
    assert cache.get("k", 60, compute) == 1
    now[0] += 2
    assert cache.get("k", 60, compute) == 2
    assert cache.get("other", 60, compute) == 3
    cache.clear()
    assert cache.get("k", 60, compute) == 4
