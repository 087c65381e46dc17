"""How the pages look and behave for readers: accessibility (axe-core), screenshots at
phone and desktop widths, and the small enhancements the script adds."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from factories import make_post
from tumblelog.models import utcnow

from .conftest import HERE
from .site import flash, seed_posts, sign_in

AXE = HERE / "vendor" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
NARROWEST = 360
# axe's serious and critical findings fail the test; moderate and minor ones are advice.
AXE_RUN = """async (rules) => {
  const options = {resultTypes: ["violations"]};
  if (rules) options.runOnly = rules;
  const result = await axe.run(document, options);
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.impact} ${v.id}: ${v.help}\\n    ` +
              v.nodes.map(n => n.target.join(" ") + " | " + n.failureSummary.replace(/\\s+/g, " ")).join("\\n    "));
}"""


def axe_violations(page, rules=None):
    page.add_script_tag(path=AXE)
    return page.evaluate(AXE_RUN, rules)


# Every rule in the light theme; the dark theme changes only colours, so only contrast.
# The light theme gets every rule on every page. The dark theme changes only colours, so it
# gets the contrast rule on the pages that show each colour: chips, flash, errors, preview.
@pytest.mark.parametrize("scheme, rules", [("light", None), ("dark", ["color-contrast"])])
def test_pages_have_no_serious_accessibility_violations(page_for, live_server, scheme, rules):
    posts = seed_posts(live_server)
    # axe is injected as an inline script, which a strict content security policy refuses.
    page = page_for(color_scheme=scheme, bypass_csp=True)
    page.set_content("<!doctype html><html lang='en'><title>Bad</title><main><p style='color:#999;background:#aaa'>Faint</p><input></main>")
    known = axe_violations(page, rules)
    assert any("color-contrast" in found for found in known), "the scan must catch poor contrast"
    found = {}
    anonymous = ["/", f"/post/{posts['image'].id}", "/tag/writing", "/auth/register", "/no-such-page"]
    for path in anonymous if rules is None else anonymous[:2]:
        page.goto(path)
        found[path] = axe_violations(page, rules)
    page.goto("/auth/login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".field__errors").first).to_be_visible()
    found["/auth/login (errors)"] = axe_violations(page, rules)
    sign_in(page, "ada")  # lands on the front page with a flash message
    found["/ (signed in)"] = axe_violations(page, rules)
    page.goto("/post/new/blog")
    page.get_by_label("Text", exact=True).fill("Some **bold** words.")
    expect(page.locator(".preview__body strong")).to_have_text("bold")
    found["/post/new/blog"] = axe_violations(page, rules)
    if rules is None:
        # The author's own post: edit and delete controls, and delete buttons on comments.
        page.goto(f"/post/{posts['image'].id}")
        found["/post/<own, with comments>"] = axe_violations(page, rules)
        for path in ["/dashboard", "/search?q=coffee", "/settings", "/drafts", "/queue", f"/post/{posts['quote'].id}/reblog", "/activity"]:
            page.goto(path)
            found[path] = axe_violations(page, rules)
    report = [f"{path}:\n  " + "\n  ".join(violations) for path, violations in found.items() if violations]
    assert not report, "\n".join(report)


def test_screenshots_at_phone_and_desktop_widths(page_for, live_server, screenshots):
    posts = seed_posts(live_server)
    desktop = page_for()
    desktop.goto("/")
    wait_for_images(desktop)
    whole_page(desktop, screenshots / "front-1280.png")
    for post_type in posts:
        desktop.locator(f"article.post--{post_type}").screenshot(path=screenshots / f"post-{post_type}.png")
    desktop.goto(f"/post/{posts['image'].id}")
    wait_for_images(desktop)
    desktop.screenshot(path=screenshots / "permalink-image-1280.png", full_page=True)

    phone = page_for(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    phone.goto("/")
    wait_for_images(phone)
    whole_page(phone, screenshots / "front-390.png")
    phone.goto("/no-such-page")
    phone.screenshot(path=screenshots / "not-found-390.png")
    sign_in(phone, "ada")
    phone.goto(f"/post/{posts['blog'].id}")
    phone.screenshot(path=screenshots / "permalink-text-390-signed-in.png", full_page=True)
    phone.goto("/post/new/quote")
    phone.get_by_role("button", name="Post", exact=True).click()  # empty: errors by the fields
    phone.screenshot(path=screenshots / "new-quote-post-errors-390.png", full_page=True)
    dark = page_for(viewport=PHONE, color_scheme="dark", device_scale_factor=2)
    dark.goto("/")
    wait_for_images(dark)
    dark.screenshot(path=screenshots / "front-390-dark.png")

    sign_in(desktop, "grace")
    desktop.goto("/post/new/blog")
    desktop.get_by_label("Title").fill("Notes from the train")
    desktop.get_by_label("Text", exact=True).fill("Three things:\n\n1. **window** seat\n2. _tea_\n3. a `notebook`")
    expect(desktop.locator(".preview__body ol li")).to_have_count(3)
    desktop.screenshot(path=screenshots / "new-text-post-1280.png", full_page=True)
    written = {path.name for path in screenshots.glob("*.png")}
    assert {"front-1280.png", "front-390.png", *(f"post-{post_type}.png" for post_type in posts)} <= written


def whole_page(page, path):
    """A screenshot of the whole page taken through a viewport as tall as the page:
    Chromium leaves the video players (other-site frames) blank below the viewport."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": page.evaluate("document.documentElement.scrollHeight")})
    wait_for_images(page)
    page.screenshot(path=path)
    page.set_viewport_size(size)


def wait_for_images(page):
    """Scroll lazy images and players into view and wait until every image has loaded."""
    for element in page.locator("main img, main iframe").all():
        element.scroll_into_view_if_needed()
    for player in page.locator("main iframe").all():
        player.element_handle().content_frame().wait_for_selector("body")
    page.wait_for_function("[...document.querySelectorAll('main img')].every(i => i.complete && i.naturalWidth > 0)")
    page.evaluate("window.scrollTo(0, 0)")


def test_nothing_overflows_a_360_pixel_screen(page_for, live_server):
    posts = seed_posts(live_server)
    page = page_for(viewport={"width": NARROWEST, "height": 740}, is_mobile=True)
    paths = ["/", f"/post/{posts['blog'].id}", "/tag/writing", "/auth/register", "/no-such-page"]
    for path in paths:
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROWEST, path
    sign_in(page, "grace")
    for path in ["/", "/post/new/blog", f"/post/{posts['blog'].id}/edit", "/queue", "/drafts"]:
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROWEST, path


def test_dates_read_relative_with_the_exact_time_on_hover(page, live_server):
    posts = seed_posts(live_server)
    with live_server.app.app_context():
        old = make_post("quote", tags=["archive"], created_at=utcnow() - timedelta(days=400), quote="Old words.")
    page.goto("/")
    when = {post_type: page.locator(f"article[data-post-id='{post.id}'] .post__meta time") for post_type, post in posts.items()}
    expect(when["image"]).to_have_text("12 minutes ago")
    expect(when["blog"]).to_have_text("3 hours ago")
    expect(when["quote"]).to_have_text("yesterday")
    expect(when["video"]).to_have_text("4 days ago")
    created = posts["image"].created_at
    expect(when["image"]).to_have_attribute("title", re.compile(rf"^{created:%A},? {created.day} {created:%B %Y} at {created:%H:%M}$"))
    page.goto("/tag/archive")
    expect(page.locator(f"article[data-post-id='{old.id}'] time")).to_have_text(f"{old.created_at.day} {old.created_at:%b %Y}")


def test_the_markdown_preview_follows_typing_and_shows_no_markup_as_code(page, live_server):
    seed_posts(live_server)
    sign_in(page, "grace")
    page.goto("/post/new/blog")
    preview = page.locator(".preview")
    expect(preview).to_be_hidden()
    expect(page.locator(".field__hint", has_text="Markdown")).to_be_visible()
    text = page.get_by_label("Text", exact=True)
    text.fill("Hello **there**")
    expect(preview.locator("strong")).to_have_text("there")
    text.fill('<script>document.title = "owned"</script> *safe*')
    expect(preview.locator("em")).to_have_text("safe")
    expect(preview).to_contain_text('<script>document.title = "owned"</script>')
    assert page.title() != "owned"
    page.get_by_label("Title").fill("Previewed")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(flash(page)).to_have_text("Posted.")
    expect(page.locator("article.post--blog em")).to_have_text("safe")


def test_the_keyboard_reaches_content_first_and_focus_is_visible(page, live_server):
    seed_posts(live_server)
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Skip to content")
    assert skip.bounding_box()["x"] >= 0, "the skip link must show when focused"
    assert skip.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_be_visible()
    assert page.evaluate("document.activeElement.closest('main') !== null"), "Tab after the skip link stays in main"
    assert focused.evaluate("el => getComputedStyle(el).outlineStyle") != "none"


def test_writing_works_without_javascript(page_for, live_server):
    seed_posts(live_server)
    page = page_for(java_script_enabled=False)
    sign_in(page, "grace")
    page.goto("/post/new/blog")
    expect(page.locator(".preview")).to_have_count(0)
    page.get_by_role("navigation", name="Post type").get_by_role("link", name="Quote").click()
    expect(page).to_have_url(re.compile("/post/new/quote$"))
    page.get_by_label("Tags").fill("kept, as typed")
    page.get_by_role("button", name="Post", exact=True).click()
    quote = page.get_by_label("Quote", exact=True)
    expect(quote).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field--error .field__errors")).to_contain_text("This field is required.")
    expect(page.get_by_label("Tags")).to_have_value("kept, as typed")
    page.goto("/")
    expect(page.locator("article.post--blog time")).to_have_text(re.compile(r"^\d{1,2} \w{3} \d{4}$"))
