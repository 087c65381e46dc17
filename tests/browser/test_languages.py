"""Readers in other languages: a browser that asks for Arabic gets a page that reads
right to left and still fits a phone; Japanese and Arabic pages stay accessible; dates
read in the page's language."""
import pytest
from playwright.sync_api import expect

from .site import seed_posts
from .test_pages import NARROWEST, axe_violations


def test_an_arabic_page_is_mirrored_and_fits_a_360_pixel_screen(page_for, live_server):
    posts = seed_posts(live_server)
    page = page_for(locale="ar", viewport={"width": NARROWEST, "height": 740}, is_mobile=True)
    for path in ["/", f"/post/{posts['blog'].id}", "/tag/writing", "/auth/register", "/no-such-page"]:
        page.goto(path)
        assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"], path
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl", path
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROWEST, path
    # Mirrored: the site's name sits at the right-hand edge, where a right-to-left reader starts.
    title = page.locator(".site-title").bounding_box()
    assert title["x"] + title["width"] > NARROWEST / 2
    expect(page.locator(".site-header")).to_contain_text("تسجيل الدخول")


@pytest.mark.parametrize("locale", ["ja", "ar"])
def test_pages_in_japanese_and_arabic_have_no_serious_accessibility_violations(page_for, live_server, locale):
    posts = seed_posts(live_server)
    page = page_for(locale=locale, bypass_csp=True)
    found = {}
    for path in ["/", f"/post/{posts['image'].id}", "/tag/writing", "/auth/register", "/no-such-page"]:
        page.goto(path)
        found[path] = axe_violations(page)
    page.goto("/auth/login")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".field__errors").first).to_be_visible()
    found["/auth/login (errors)"] = axe_violations(page)
    report = [f"{path}:\n  " + "\n  ".join(violations) for path, violations in found.items() if violations]
    assert not report, "\n".join(report)


def test_dates_read_in_the_language_of_the_page(page_for, live_server):
    posts = seed_posts(live_server)
    page = page_for(locale="ja")
    page.goto(f"/post/{posts['blog'].id}")
    date = page.locator(".post__meta time")
    expect(date).to_have_text("3 時間前")  # Intl.RelativeTimeFormat, in Japanese
    assert page.evaluate("document.querySelector('.post__meta time').dataset.calendar").count("/") == 2
    page.goto("/?lang=de")
    expect(page.locator("article.post--blog .post__meta time")).to_have_text("vor 3 Stunden")
