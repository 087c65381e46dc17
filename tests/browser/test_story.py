"""A new blogger's first session, end to end in a real browser."""
from playwright.sync_api import expect

from factories import make_post, make_user

from .site import flash, sign_in, sign_out, sign_up, write_post


def post_types(page):
    return page.locator("article.post").evaluate_all("posts => posts.map(p => p.dataset.postType)")


def test_a_new_blogger_posts_each_type_comments_edits_and_deletes(page, live_server, media_dir):
    sign_up(page, "ada")
    expect(page.locator(".site-nav__user")).to_have_text("ada")
    expect(page.locator(".empty")).to_contain_text("Nothing has been posted yet.")

    write_post(page, "blog", {"Title": "First light", "Text": "Up **early** today.", "Tags": "dawn, notes"})
    expect(page.locator("article.post--blog strong")).to_have_text("early")
    write_post(
        page,
        "image",
        {"Alt text": "Three ranges of hills at dusk under a pale sun", "Caption": "Dusk over the hills", "Tags": "Dawn, photos"},
        files={"Upload an image": media_dir / "landscape.jpg"},
    )
    write_post(page, "video", {"YouTube or Vimeo link": "https://youtu.be/dQw4w9WgXcQ", "Caption": "A song", "Tags": "dawn"})
    # A facade until clicked; then the player, and focus in it.
    expect(page.locator("article.post--video iframe")).to_have_count(0)
    page.locator("article.post--video").get_by_role("link", name="Play “A song” on YouTube").click()
    expect(page.locator("article.post--video iframe")).to_have_attribute(
        "src", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1"
    )
    write_post(page, "quote", {"Quote": "Simple is better than complex.", "Source": "Tim Peters", "Tags": "dawn"})
    expect(page.locator("article.post--quote blockquote")).to_contain_text("Simple is better than complex.")

    page.goto("/")
    assert post_types(page) == ["quote", "video", "image", "blog"]
    photo = page.locator("article.post--image img")
    photo.scroll_into_view_if_needed()
    expect(photo).to_have_attribute("alt", "Three ranges of hills at dusk under a pale sun")
    assert photo.get_attribute("src").startswith("/media/"), "the upload is served by the app"
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())

    page.locator("article.post--image").get_by_role("link", name="#photos").click()
    expect(page).to_have_url(live_server("/tag/photos"))
    expect(page.get_by_role("heading", level=1)).to_have_text("#photos")
    assert post_types(page) == ["image"]
    page.goto("/tag/dawn")
    assert post_types(page) == ["quote", "video", "image", "blog"]
    page.get_by_role("button", name="Follow", exact=True).click()
    expect(flash(page)).to_contain_text("You follow #dawn")
    expect(page.get_by_role("button", name="Unfollow")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(live_server("/dashboard"))
    assert post_types(page) == ["quote", "video", "image", "blog"]

    page.get_by_role("link", name="First light").click()
    page.get_by_role("textbox", name="Comment").fill("A good start.")
    page.get_by_role("button", name="Post comment").click()
    expect(flash(page)).to_have_text("Your comment is posted.")
    expect(page.locator(".comment__body")).to_have_text("A good start.")
    expect(page.locator("#comments-heading")).to_have_text("1 comment")

    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_label("Title")).to_have_value("First light")
    page.get_by_label("Title").fill("First light, revised")
    page.get_by_role("button", name="Save changes").click()
    expect(flash(page)).to_have_text("Saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("First light, revised")
    expect(page.locator(".comment__body")).to_have_text("A good start.")

    page.get_by_text("Delete…").click()
    page.get_by_role("button", name="Delete this post and its comments").click()
    expect(flash(page)).to_have_text("The post is deleted.")
    assert post_types(page) == ["quote", "video", "image"]
    expect(page.get_by_text("First light, revised")).to_have_count(0)


def test_a_moderator_clears_the_queue_suspends_a_spammer_and_resolves_a_report(page, live_server):
    with live_server.app.app_context():
        make_user("root", is_admin=True)
        make_user("mia")
        make_user("rita", role="reader")
        make_post("quote", make_user("ada"), quote="Simple is better than complex.")
        spam = make_post("quote", make_user("bob"), quote="Cheap pills, click here.")

    # The operator holds signed-out comments for review and makes mia a moderator.
    sign_in(page, "root")
    page.get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="Site settings").click()
    page.get_by_label("Hold every comment from signed-out readers for review").check()
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_have_text("The settings are saved.")
    page.get_by_role("link", name="Users").click()
    page.get_by_label("Name starts with").fill("mi")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="mia").click()
    page.get_by_label("Role").select_option("moderator")
    page.get_by_role("button", name="Change role").click()
    expect(flash(page)).to_have_text("mia is now moderator.")
    sign_out(page)

    # A visitor's comment waits; a reader reports the spam.
    page.goto("/")
    page.locator("article.post--quote").filter(has_text="Simple").get_by_role("link", name="0 comments").click()
    page.get_by_label("Name").fill("Sam")
    page.get_by_role("textbox", name="Comment").fill("Lovely quote.")
    page.get_by_role("button", name="Post comment").click()
    expect(flash(page)).to_contain_text("once the blog's moderators approve it")
    expect(page.locator(".comments__list")).to_have_count(0)
    sign_in(page, "rita")
    page.goto(f"/post/{spam.id}")
    page.get_by_role("link", name="Report this post").click()
    page.get_by_label("What is wrong with this post?").fill("Selling pills.")
    page.get_by_role("button", name="Send the report").click()
    expect(flash(page)).to_have_text("Thank you for telling us. A moderator will look at it.")
    sign_out(page)

    # The moderator approves the comment, suspends bob and resolves the report.
    sign_in(page, "mia")
    page.get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="Held comments").click()
    expect(page.locator(".held-queue .comment__body")).to_have_text("Lovely quote.")
    page.get_by_role("button", name="Apply").click()
    expect(flash(page)).to_have_text("1 comment: approve.")
    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="bob").click()
    page.get_by_label("Why (suspend)").fill("Spam")
    page.get_by_role("button", name="Suspend bob").click()
    expect(flash(page)).to_have_text("bob is suspended.")
    page.goto("/")
    expect(page.get_by_text("Cheap pills")).to_have_count(0)
    page.get_by_role("link", name="1 comment").click()
    expect(page.locator(".comment__body")).to_have_text("Lovely quote.")
    page.get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="Reports").click()
    expect(page.locator(".admin-report blockquote")).to_have_text("Selling pills.")
    page.get_by_role("button", name="Close the report").click()
    expect(flash(page)).to_have_text("The report is resolved.")
    expect(page.get_by_role("link", name="Audit log")).to_have_count(0)  # admins only
    sign_out(page)

    # The operator reads what happened.
    sign_in(page, "root")
    page.goto("/admin/audit")
    actions = page.locator(".audit-entry td:nth-child(3)").all_inner_texts()
    assert actions == ["report resolve", "suspend", "comments approve", "role moderator", "settings"]
def test_a_blogger_drafts_queues_and_publishes(page, live_server):
    sign_up(page, "ada")
    page.goto("/post/new/quote")
    page.get_by_label("Quote", exact=True).fill("Well begun is half done.")
    page.get_by_label("Publish", exact=True).select_option("draft")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(flash(page)).to_have_text("Saved as a draft.")
    expect(page.locator(".post__state")).to_have_text("Draft")
    page.goto("/")
    expect(page.locator("article.post")).to_have_count(0)

    page.get_by_role("link", name="Drafts").click()
    expect(page.locator("article.post--quote blockquote")).to_contain_text("Well begun")
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_label("Publish", exact=True)).to_have_value("draft")
    page.get_by_label("Publish", exact=True).select_option("queue")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".post__state")).to_contain_text("Queued for")

    page.get_by_role("link", name="Queue", exact=True).click()
    expect(page.locator(".queue__item")).to_have_count(1)
    expect(page.locator(".queue__when")).to_contain_text("Queued: goes out")
    page.goto("/drafts")
    expect(page.locator("article.post")).to_have_count(0)
    page.goto("/queue")
    page.get_by_role("button", name="Publish now").click()
    expect(flash(page)).to_have_text("Published.")
    expect(page.locator(".post__state")).to_have_count(0)
    page.goto("/")
    expect(page.locator("article.post--quote blockquote")).to_contain_text("Well begun")
    page.goto("/queue")
    expect(page.locator(".queue__item")).to_have_count(0)


def test_a_blogger_posts_a_link_a_track_a_chat_and_a_photoset(page, live_server, media_dir, tmp_path):
    sign_up(page, "lin")
    write_post(
        page, "link",
        {"Link": "https://example.org/essays/slowness", "Title": "On slowness", "Description": "Worth *every* minute."},
    )
    title = page.locator("article.post--link .link__title a")
    expect(title).to_have_attribute("href", "https://example.org/essays/slowness")
    assert "nofollow" in title.get_attribute("rel")
    expect(page.locator("article.post--link .link__host")).to_have_text("example.org")

    write_post(
        page, "audio", {"Track": "A440", "Artist": "Tuning Fork"},
        files={"Upload audio": write_tone(tmp_path / "tone.wav")},
    )
    player = page.locator("article.post--audio audio[controls]")
    # The browser reads the file's header (a range request) and knows how long it is.
    page.wait_for_function("audio => audio.duration > 0.9", arg=player.element_handle())

    write_post(page, "chat", {"Title": "Standup", "Dialogue": "Lin: Tests pass.\nAda: Ship it.\n(applause)"})
    lines = page.locator("article.post--chat ol.chat > li")
    expect(lines).to_have_count(3)
    expect(lines.first.locator(".chat__speaker")).to_have_text("Lin:")

    photo = media_dir / "landscape.jpg"
    write_post(
        page, "photoset", {"Alt texts": "Hills at dusk\nThe same hills, later", "Layout": "2"},
        files={"Upload images": [photo, photo]},
    )
    images = page.locator("article.post--photoset img")
    expect(images).to_have_count(2)
    assert [images.nth(n).get_attribute("alt") for n in range(2)] == ["Hills at dusk", "The same hills, later"]

    page.goto("/user/lin")
    assert post_types(page) == ["photoset", "chat", "audio", "link"]


def write_tone(path, seconds=1, rate=8000):
    """A one-second 440 Hz WAV file."""
    import math
    import struct
    import wave

    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(seconds * rate)
        ))
    return path


def test_a_reader_reblogs_a_post_with_a_comment_and_the_blogger_hears_of_it(page_for, live_server):
    ada = page_for()
    sign_up(ada, "ada")
    write_post(ada, "quote", {"Quote": "Simple is better than complex.", "Source": "Tim Peters"})
    original_id = ada.locator("article.post").get_attribute("data-post-id")

    bob = page_for()
    sign_up(bob, "bob")
    bob.goto("/")
    bob.locator("article.post").get_by_role("link", name="Reblog").click()
    bob.get_by_label("Add a comment (optional)").fill("So true, **@ada**.")
    bob.get_by_label("Tags").fill("wisdom")
    bob.get_by_role("button", name="Reblog", exact=True).click()
    expect(flash(bob)).to_have_text("Reblogged onto your blog from ada.")
    reblogged = bob.locator("article.post")
    expect(reblogged).to_have_attribute("data-reblog-of", original_id)
    expect(reblogged).to_have_attribute("data-post-type", "quote")
    expect(reblogged.locator(".trail blockquote")).to_contain_text("Simple is better than complex.")
    expect(reblogged.locator(".reblog__comment strong")).to_have_text("@ada")
    bob.goto("/tag/wisdom")
    assert post_types(bob) == ["quote"]

    ada.reload()
    expect(ada.locator(".site-nav__activity .badge")).to_have_text("2")
    ada.get_by_role("link", name="Activity").click()
    expect(ada.locator(".activity__item")).to_have_count(2)  # the reblog, and the mention in it
    expect(ada.locator(".activity__item--reblog")).to_contain_text("bob reblogged your post")
    expect(ada.locator(".site-nav__activity .badge")).to_have_count(0)
    ada.goto(f"/post/{original_id}")
    expect(ada.locator(".note")).to_have_text(["bob reblogged this from ada"])
