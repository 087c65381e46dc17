"""What a person does on the site, through the browser, and sample posts seeded directly
for tests that are about how pages look rather than how they are written."""
from datetime import timedelta

from playwright.sync_api import expect

from factories import PASSWORD, make_post, make_user
from tumblelog.models import Comment, Photo, parse_dialogue, utcnow

PHOTO = "/test-media/landscape.jpg"  # served by the live server (see conftest)


def flash(page):
    return page.locator(".flash")


def sign_up(page, username, go=True):
    """Create an account on the sign-up page (already open when not ``go``)."""
    if go:
        page.goto("/auth/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(flash(page)).to_contain_text(f"Welcome, {username}!")


def sign_in(page, username):
    page.goto("/auth/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(flash(page)).to_have_text(f"Signed in as {username}.")


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(flash(page)).to_have_text("Signed out.")


def write_post(page, post_type, fields, files=None):
    """Open the new-post page of ``post_type``, fill ``fields`` (label → text) and pick
    ``files`` (label → path), post it."""
    page.goto(f"/post/new/{post_type}")
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    for label, path in (files or {}).items():
        page.get_by_label(label, exact=True).set_input_files(path)
    page.get_by_role("button", name="Post", exact=True).click()
    expect(flash(page)).to_have_text("Posted.")
    # The page's (deferred) script has run, so what it enhances (video facades) is live.
    page.wait_for_load_state()


def seed_posts(live_server):
    """One post of each type by two bloggers, a few hours and days apart, newest first:
    image, text, quote, video, link, audio, chat, photoset. Returns {type: post}."""
    with live_server.app.app_context():
        return _seed_posts(live_server)


def _seed_posts(live_server):
    now = utcnow()
    ada, grace = make_user("ada"), make_user("grace")
    posts = {
        "image": make_post(
            "image", ada, tags=["photos", "evening"], created_at=now - timedelta(minutes=12),
            image_url=live_server(PHOTO), caption="Dusk over the hills behind the house, the first clear evening in a week.",
        ),
        "blog": make_post(
            "blog", grace, tags=["writing", "mornings"], created_at=now - timedelta(hours=3),
            title="Slow mornings and strong coffee",
            body=(
                "Most days start the same way: a **pot of coffee**, the window open, and half an hour "
                "of writing before anyone else is awake.\n\n"
                "What helps:\n\n- a plain text editor\n- no notifications\n- a _single_ sentence to finish\n\n"
                "> The first draft is just you telling yourself the story.\n\n"
                "Read more on [the blog](https://example.com/) or run `make run` and try it."
            ),
        ),
        "quote": make_post(
            "quote", ada, tags=["writing"], created_at=now - timedelta(days=1, hours=2),
            quote="Simple things should be simple, complex things should be possible.", source="Alan Kay",
        ),
        "video": make_post(
            "video", grace, tags=["music"], created_at=now - timedelta(days=4),
            video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ", caption="A song for a long drive.",
        ),
        "link": make_post(
            "link", ada, tags=["reading"], created_at=now - timedelta(days=5),
            url="https://www.example.org/essays/on-slowness", title="On slowness, an essay",
            description="Long, and worth **every** minute.",
        ),
        "audio": make_post(
            "audio", grace, tags=["music"], created_at=now - timedelta(days=6),
            audio_url="https://soundcloud.com/forss/flickermood", track="Flickermood", artist="Forss",
        ),
        "chat": make_post(
            "chat", ada, tags=["writing"], created_at=now - timedelta(days=7), title="Editing",
            dialogue=parse_dialogue("Ada: Is the draft done?\nGrace: Almost. One more sentence.\n(a long pause)"),
        ),
        "photoset": make_post(
            "photoset", grace, tags=["photos"], created_at=now - timedelta(days=8), caption="Two evenings",
            photos=[Photo(url=live_server(PHOTO), alt=f"Hills at dusk, evening {n}") for n in (1, 2)], layout="2",
        ),
    }
    for name, body in (("ada", "Lovely light."), ("grace", "Thank you! It was a good evening.")):
        posts["image"].add_comment(Comment(body=body, author_name=name))
    return posts
