"""The hostile-input suite: the site driven as an attacker would drive it.

Each section is one class of attack seen against blogs (stored XSS, embed
bypasses, CSRF, open redirects, id and field abuse, account races, lost comments).
Assertions are on what a browser would get: parsed HTML, status codes, headers,
and what the database holds afterwards.
"""
import re
import threading
from urllib.parse import quote, urlsplit

import pytest
from mongoengine.connection import get_db

from conftest import SITE_SCRIPTS, page, scripts
from factories import PASSWORD, make_post, make_user
from tumblelog.embeds import PLAYER_ORIGINS
from tumblelog.models import POST_TYPES, Comment, Post, User

PLAYER_HOSTS = {urlsplit(origin).hostname for origin in PLAYER_ORIGINS}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "poster", "data", "xlink:href", "background"}

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    "[x](javascript:alert(1)) ![y](data:text/html,<script>alert(1)</script>)",
    "</textarea><script>alert(1)</script>",
]


def assert_inert(html):
    """Nothing in ``html`` can run a script or frame a stranger's page."""
    assert scripts(html) in ([], SITE_SCRIPTS)
    assert html.find_all(["object", "embed", "base"]) == []
    for tag in html.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), (tag.name, name)
            if name.lower() in URL_ATTRIBUTES:
                # Browsers ignore control characters and spaces inside a scheme.
                squeezed = re.sub(r"[\x00-\x20]", "", str(value)).lower()
                assert not squeezed.startswith(("javascript:", "data:", "vbscript:")), (tag.name, value)
    for frame in html.find_all(["iframe", "frame"]):
        assert urlsplit(frame["src"]).hostname in PLAYER_HOSTS, frame["src"]
    for facade in html.select("[data-player]"):  # the script makes a frame of it on a click
        assert urlsplit(facade["data-player"]).hostname in PLAYER_HOSTS, facade["data-player"]


# --- Stored XSS through every text field -------------------------------------------

POST_FIELDS = [
    ("blog", "title", {"body": "text"}),
    ("blog", "body", {"title": "t"}),
    ("image", "caption", {"image_url": "https://img.example/a.jpg"}),
    ("image", "alt", {"image_url": "https://img.example/a.jpg"}),
    ("video", "caption", {"video_url": "https://youtu.be/dQw4w9WgXcQ"}),
    ("quote", "quote", {}),
    ("quote", "source", {"quote": "q"}),
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
@pytest.mark.parametrize("post_type, field, other", POST_FIELDS, ids=[f"{t}-{f}" for t, f, _ in POST_FIELDS])
def test_xss_through_post_fields_is_inert(client, alice, post_type, field, other, payload):
    response = client.post(f"/post/new/{post_type}", data={**other, field: payload})
    assert response.status_code == 303
    for path in (response.headers["Location"], "/"):
        assert_inert(page(client.get(path)))
    edit = client.get(response.headers["Location"] + "/edit")
    assert_inert(page(edit))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_through_comments_is_inert(client, payload):
    post = make_post("quote")
    response = client.post(f"/post/{post.id}/comments", data={"name": payload[:64], "body": payload})
    assert response.status_code == 303
    html = page(client.get(f"/post/{post.id}", follow_redirects=True))
    assert_inert(html)
    assert html.select_one(".comment__body").get_text() == payload


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_through_tags_is_refused_or_inert(client, alice, payload):
    response = client.post("/post/new/quote", data={"quote": "q", "tags": payload})
    assert response.status_code in (303, 422)
    assert_inert(page(response))
    assert_inert(page(client.get("/")))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_through_usernames_is_refused_and_inert(client, auth, payload):
    response = auth.register(payload)
    assert response.status_code == 422
    assert_inert(page(response))
    assert User.objects.count() == 0
    assert_inert(page(auth.login(payload)))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_through_urls_and_query_strings_is_inert(client, payload):
    for path in (f"/tag/{quote(payload, safe='')}", f"/?page={quote(payload)}", f"/auth/login?next={quote(payload)}"):
        response = client.get(path, follow_redirects=True)
        assert response.status_code in (200, 404)
        assert_inert(page(response))


# --- Embed allowlist bypasses ------------------------------------------------------

EMBED_BYPASSES = [
    "https://evil.example/watch?v=dQw4w9WgXcQ",
    "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
    "https://evil.example/youtube.com/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com@evil.example/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com\\@evil.example/watch?v=dQw4w9WgXcQ",
    "https://evil.example/?u=https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "//www.youtube.com/watch?v=dQw4w9WgXcQ",
    "javascript://www.youtube.com/%0aalert(1)",
    "data:text/html,<iframe src=https://www.youtube.com/embed/dQw4w9WgXcQ>",
    '<iframe src="https://evil.example"></iframe>',
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ\"><script>alert(1)</script>",
    "https://www.youtube.com/watch?v=../../evil",
    "https://www.youtube.com/embed/dQw4w9WgXcQ/../../../evil.example",
    "https://player.vimeo.com/video/1?x=\"onload=alert(1)",
    "https://www.youtube\u3002com/watch?v=dQw4w9WgXcQ",
    "https://www.yout\u200bube.com/watch?v=dQw4w9WgXcQ",
    "https://vimeo.com/76979871#\"><script>alert(1)</script>",
]


@pytest.mark.parametrize("url", EMBED_BYPASSES)
def test_embed_allowlist_cannot_be_bypassed(client, alice, url):
    """Refused, or reduced to a player URL the server builds from a valid id."""
    response = client.post("/post/new/video", data={"video_url": url})
    if response.status_code == 422:
        assert page(response).select_one("#video_url-error") is not None
        assert Post.objects.count() == 0
        return
    html = page(client.get(response.headers["Location"]))
    assert_inert(html)
    (facade,) = html.select("article a.video-facade")
    assert re.fullmatch(
        r"https://www\.youtube-nocookie\.com/embed/[A-Za-z0-9_-]{11}|https://player\.vimeo\.com/video/[0-9]+",
        facade["data-player"],
    )
    assert re.fullmatch(r"https://www\.youtube\.com/watch\?v=[A-Za-z0-9_-]{11}|https://vimeo\.com/[0-9]+", facade["href"])


def test_markdown_cannot_smuggle_an_iframe(client, alice):
    body = '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"></iframe>\n\n<embed src=x>'
    response = client.post("/post/new/blog", data={"title": "t", "body": body})
    assert page(client.get(response.headers["Location"])).select("iframe, embed") == []


# --- CSRF --------------------------------------------------------------------------


@pytest.fixture
def csrf_app(app_factory):
    """An app with CSRF protection on. No app context is held around its requests:
    one would share ``g`` (and Flask-Login's cached user) between the two clients."""
    return app_factory(WTF_CSRF_ENABLED=True)


def token_of(client, path):
    return page(client.get(path)).select_one("input[name=csrf_token]")["value"]


def sign_in(client, username="alice"):
    token = token_of(client, "/auth/login")
    response = client.post("/auth/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303


CSRF_TARGETS = [
    ("/post/new/quote", {"quote": "forged"}),
    ("/post/{post}/edit", {"quote": "forged"}),
    ("/post/{post}/delete", {}),
    ("/post/{post}/comments", {"name": "x", "body": "forged"}),
    ("/post/{post}/comments/{comment}/delete", {}),
    ("/auth/logout", {}),
    ("/auth/register", {"username": "mallory", "email": "m@example.com", "password": PASSWORD, "confirm": PASSWORD}),
]


@pytest.mark.parametrize("token", ["missing", "foreign", "garbage"])
@pytest.mark.parametrize("path, data", CSRF_TARGETS, ids=[path for path, _ in CSRF_TARGETS])
def test_forged_requests_change_nothing(csrf_app, path, data, token):
    with csrf_app.app_context():
        post = make_post("quote", author=make_user("alice"), quote="original")
    comment = Comment(author_name="sam", body="kept")
    post.add_comment(comment)
    victim = csrf_app.test_client()
    sign_in(victim)
    attacker = csrf_app.test_client()  # a session of its own: its token is foreign
    tokens = {"missing": None, "foreign": token_of(attacker, "/auth/login"), "garbage": "x" * 40}
    form = dict(data, **({"csrf_token": tokens[token]} if tokens[token] else {}))
    response = victim.post(path.format(post=post.id, comment=comment.id), data=form)
    assert response.status_code == 400
    assert "another site" in page(response).select_one("main").get_text()
    stored = Post.objects.get(id=post.id)
    assert (Post.objects.count(), stored.quote, stored.comment_count, User.objects.count()) == (1, "original", 1, 1)
    assert page(victim.get("/")).select_one(".site-nav__user").get_text() == "alice"  # still signed in


# --- Open redirects ------------------------------------------------------------------

REDIRECT_SHAPES = [
    "//evil.example",
    "////evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "https:evil.example",
    "http:/evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example",
    "\t/evil.example",
    "/\t/evil.example",
    "%2F%2Fevil.example",
    "evil.example",
    "\u3002evil.example",
]


@pytest.mark.parametrize("target", REDIRECT_SHAPES)
def test_next_never_leaves_the_site(client, auth, target):
    make_user("alice")
    response = client.post(f"/auth/login?next={quote(target, safe='')}", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    # Signed in already, the login page redirects at once: same rule.
    assert client.get(f"/auth/login?next={quote(target, safe='')}").headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/post/new/blog", "/tag/python?page=2", "/user/alice#posts"])
def test_next_is_followed_on_the_site(client, target):
    make_user("alice")
    response = client.post(f"/auth/login?next={quote(target, safe='')}", data={"username": "alice", "password": PASSWORD})
    assert response.headers["Location"] == target


# --- Malformed and unknown ids ---------------------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/post/000000000000000000000000"),
        ("GET", "/post/zzzzzzzzzzzzzzzzzzzzzzzz"),
        ("GET", "/post/1"),
        ("GET", "/post/" + "a" * 25),
        ("GET", "/post/{{\"$ne\":null}}"),
        ("GET", "/post/%00"),
        ("GET", "/post/000000000000000000000000/edit"),
        ("POST", "/post/000000000000000000000000/delete"),
        ("POST", "/post/000000000000000000000000/comments"),
        ("POST", "/post/{post}/comments/000000000000000000000000/delete"),
        ("POST", "/post/{post}/comments/not-an-id/delete"),
        ("GET", "/media/000000000000000000000000"),
        ("GET", "/user/nobody"),
        ("GET", "/user/%00"),
        ("GET", "/tag/%00"),
        ("GET", "/?page=99999999999999999999"),
    ],
)
def test_unknown_or_malformed_ids_are_404(client, alice, method, path):
    post = make_post("quote", author=User.by_username("alice"))
    response = client.open(path.format(post=post.id), method=method, data={"name": "x", "body": "y"})
    assert response.status_code == 404
    assert page(response).select_one("h1").get_text() == "Not found"


# --- Huge fields -----------------------------------------------------------------------

HUGE = "x" * 100_000
THREE_MB = "x" * 3_000_000


@pytest.mark.parametrize(
    "path, data, status",
    [
        ("/post/new/blog", {"title": HUGE, "body": "b"}, 422),
        ("/post/new/blog", {"title": "t", "body": HUGE}, 422),
        ("/post/new/image", {"image_url": "https://img.example/" + HUGE}, 422),
        ("/post/new/image", {"image_url": "https://img.example/a.jpg", "alt": HUGE}, 422),
        ("/post/new/video", {"video_url": "https://youtu.be/dQw4w9WgXcQ", "caption": HUGE}, 422),
        ("/post/new/quote", {"quote": HUGE}, 422),
        ("/post/new/quote", {"quote": "q", "source": HUGE}, 422),
        ("/post/new/quote", {"quote": "q", "tags": HUGE}, 422),
        ("/post/new/quote", {"quote": "q", "tags": ",".join(["t"] * 50_000)}, 422),  # one tag, repeated
        ("/post/new/quote", {"quote": "q", "tags": ",".join(f"t{i}" for i in range(20_000))}, 422),
        ("/post/{post}/comments", {"name": "n", "body": HUGE}, 422),
        ("/post/{post}/comments", {"name": HUGE, "body": "b"}, 422),
    ],
)
def test_huge_fields_are_refused_never_stored(client, alice, path, data, status):
    post = make_post("quote", author=User.by_username("alice"))
    response = client.post(path.format(post=post.id), data=data)
    assert response.status_code == status
    if status == 303:
        assert len(Post.objects.count() * [0]) == 2
        return
    assert Post.objects.count() == 1
    assert Post.objects.get(id=post.id).comment_count == 0
    assert page(response).select_one("main") is not None  # a page in the site's layout


@pytest.mark.parametrize(
    "path, data",
    [
        ("/post/new/blog", {"title": "t", "body": THREE_MB}),
        ("/post/new/quote", {"quote": THREE_MB}),
        ("/post/{post}/comments", {"name": "n", "body": THREE_MB}),
    ],
)
@pytest.mark.parametrize(
    "encoding, status",
    # Multipart (the post form's encoding) meets Flask's 500 kB cap on a text part;
    # a URL-encoded body is parsed whole (up to MAX_CONTENT_LENGTH) and the form refuses it.
    [("multipart/form-data", 413), ("application/x-www-form-urlencoded", 422)],
)
def test_megabyte_fields_are_a_413_or_a_form_error(client, alice, path, data, encoding, status):
    post = make_post("quote", author=User.by_username("alice"))
    response = client.post(path.format(post=post.id), data=data, content_type=encoding)
    assert response.status_code == status
    html = page(response)
    if status == 413:
        assert html.select_one("h1").get_text() == "Too large"
    else:
        assert html.select_one(".field__errors") is not None
    assert Post.objects.count() == 1
    assert Post.objects.get(id=post.id).comment_count == 0


@pytest.mark.parametrize("field", ["username", "email", "password"])
def test_huge_sign_up_fields_are_refused(client, auth, field):
    data = {"username": "bob", "email": "bob@example.com", "password": PASSWORD, "confirm": PASSWORD}
    data[field] = HUGE
    response = client.post("/auth/register", data=data)
    assert response.status_code == 422
    assert page(response).select_one(f"#{field}-error") is not None
    assert User.objects.count() == 0


# --- Passwords -----------------------------------------------------------------------


def test_long_passphrase_works_and_every_character_counts(client, auth):
    passphrase = "correct horse battery staple " * 4  # 116 bytes: past bcrypt's 72
    assert auth.register("bob", password=passphrase).status_code == 303
    auth.logout()
    assert auth.login("bob", passphrase[:-1] + "X").status_code == 422
    assert auth.login("bob", passphrase).status_code == 303


@pytest.mark.parametrize("size", [1025, 100_000])
def test_overlong_passwords_are_form_errors(client, auth, size):
    make_user("alice")
    response = auth.login("alice", "p" * size)
    assert response.status_code == 422
    assert page(response).select_one("#password-error") is not None
    assert auth.register("bob", password="p" * size).status_code == 422
    assert User.objects.count() == 1


def test_unknown_user_and_wrong_password_look_the_same(client, auth, monkeypatch):
    """Same message, and a bcrypt check either way, so timing tells nothing."""
    from tumblelog.extensions import bcrypt

    make_user("alice")
    checks = []
    real_check = bcrypt.check_password_hash
    monkeypatch.setattr(bcrypt, "check_password_hash", lambda *a: checks.append(1) or real_check(*a))
    wrong = page(auth.login("alice", "wrong password")).select_one("#password-error").get_text(strip=True)
    unknown = page(auth.login("nobody", "wrong password")).select_one("#password-error").get_text(strip=True)
    assert wrong == unknown == "Wrong username or password."
    assert len(checks) == 2


# --- Usernames -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "ab", "a" * 33, "al ice", "alice!", "../admin", "alice/x", "_alice", "-alice",
        "\u0430lice",  # Cyrillic a
        "ali\u200bce", "\u202ealice", "ali\nce", "ＡＬＩＣＥ", "admin%00",
    ],
)
def test_usernames_outside_the_documented_set_are_refused(client, auth, name):
    response = auth.register(name, email="x@example.com")
    assert response.status_code == 422
    assert "3–32 characters" in page(response).select_one("#username-error").get_text()
    assert User.objects.count() == 0


@pytest.mark.parametrize("second", ["alice", "Alice", "ALICE", " alice "])
def test_usernames_are_unique_whatever_the_case(client, auth, second):
    auth.register("alice")
    auth.logout()
    response = auth.register(second, email="other@example.com")
    assert "taken" in page(response).select_one("#username-error").get_text()
    assert User.objects.count() == 1


def test_a_unique_index_backs_the_username_rule(app):
    User.ensure_indexes()
    indexes = get_db()["user"].index_information().values()
    assert any(index["key"] == [("username_key", 1)] and index.get("unique") for index in indexes)


def test_racing_sign_ups_for_one_name_create_one_account(app):
    User.ensure_indexes()  # as on a running site: the first request built them
    count = 8
    barrier = threading.Barrier(count)
    statuses = []

    def sign_up(i):
        client = app.test_client()
        barrier.wait()
        response = client.post(
            "/auth/register",
            data={"username": "Alice" if i % 2 else "alice", "email": f"a{i}@example.com",
                  "password": PASSWORD, "confirm": PASSWORD},
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=sign_up, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert User.objects(username_key="alice").count() == 1
    assert sorted(statuses) == [303] + [422] * (count - 1)


# --- Tags ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("py\u200bthon", "python"), ("\u202epython", "python"), ("\ufeffflask", "flask"),
        ("#Travel", "travel"), ("café", "café"), ("日本語", "日本語"), ("c++", "c++"),
        ("rock & roll", "rock & roll"), ("don't", "don't"), ("v1.2", "v1.2"), ("a_b-c", "a_b-c"),
    ],
)
def test_accepted_tags_are_normalised_and_their_urls_round_trip(client, alice, raw, shown):
    response = client.post("/post/new/quote", data={"quote": "q", "tags": raw})
    assert response.status_code == 303
    link = page(client.get(response.headers["Location"])).select_one("a[rel=tag]")
    assert link.get_text() == f"#{shown}"
    tag_page = client.get(link["href"])
    assert tag_page.status_code == 200
    assert len(page(tag_page).select("article.post")) == 1


@pytest.mark.parametrize("raw", ["😀", "a/b", "..", "a..b", "x\\y", "<b>", "a?b", "50%", "a\x00b", "🏳️‍🌈"])
def test_unsafe_tags_are_refused(client, alice, raw):
    response = client.post("/post/new/quote", data={"quote": "q", "tags": raw})
    assert response.status_code == 422
    assert page(response).select_one("#tags-error") is not None
    assert Post.objects.count() == 0


# --- Query operators from requests ------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"username": '{"$ne": null}', "password": '{"$ne": null}'},
        {"username": ".*", "password": "x"},
        {"username[$ne]": "x", "password[$ne]": "x"},
        {"username": "alice", "password[$ne]": "x"},
        {"username": "$where", "password": "1 == 1"},
    ],
)
def test_request_text_never_becomes_a_query_operator(client, data):
    make_user("alice")
    response = client.post("/auth/login", data=data)
    assert response.status_code == 422
    assert page(response).select_one(".site-nav__user") is None


@pytest.mark.parametrize("path", ["/user/.*", "/user/$ne", "/tag/$where", "/tag/.*", "/?page[$gt]=0", "/?page=$gt"])
def test_operators_in_urls_find_nothing(client, path):
    make_post("quote", tags=["python"])
    response = client.get(path)
    assert response.status_code in (200, 404)
    assert len(page(response).select("article.post")) == (1 if path.startswith("/?") else 0)


# --- Lost comments -------------------------------------------------------------------


def test_forty_concurrent_comments_are_all_kept(app):
    """Forty readers post at the same moment through one app: $push keeps every one."""
    post = make_post("quote")
    count = 40
    barrier = threading.Barrier(count)
    statuses = []

    def comment(i):
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/post/{post.id}/comments", data={"name": f"reader{i}", "body": f"comment {i}"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=comment, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = Post.objects.get(id=post.id)
    assert statuses == [303] * count
    assert sorted(c.body for c in stored.comments) == sorted(f"comment {i}" for i in range(count))
    assert stored.comment_count == count
    assert len({c.id for c in stored.comments}) == count


def test_deleting_a_comment_keeps_one_added_at_the_same_moment(app):
    """The moderator's page was loaded before the new comment arrived."""
    post = make_post("quote")
    spam = Comment(author_name="spammer", body="buy now")
    post.add_comment(spam)
    moderators_view = Post.objects.get(id=post.id)
    post.add_comment(Comment(author_name="sam", body="arrived meanwhile"))
    assert moderators_view.remove_comment(spam.id)
    stored = Post.objects.get(id=post.id)
    assert [c.body for c in stored.comments] == ["arrived meanwhile"]
    assert stored.comment_count == 1


def test_read_modify_save_deletion_would_lose_the_new_comment(app):
    """Why remove_comment is a $pull: filtering the loaded list and saving loses a comment."""
    post = make_post("quote")
    spam = Comment(author_name="spammer", body="buy now")
    post.add_comment(spam)
    moderators_view = Post.objects.get(id=post.id)
    post.add_comment(Comment(author_name="sam", body="arrived meanwhile"))
    moderators_view.comments = [c for c in moderators_view.comments if c.id != spam.id]
    moderators_view.save()
    assert Post.objects.get(id=post.id).comments == []


# --- Headers and cookies ----------------------------------------------------------------

PAGE_TYPES = {
    "front": lambda c, p: c.get("/"),
    "blog permalink": lambda c, p: c.get(f"/post/{p['blog'].id}", follow_redirects=True),
    "image permalink": lambda c, p: c.get(f"/post/{p['image'].id}", follow_redirects=True),
    "video permalink": lambda c, p: c.get(f"/post/{p['video'].id}", follow_redirects=True),
    "quote permalink": lambda c, p: c.get(f"/post/{p['quote'].id}", follow_redirects=True),
    "tag": lambda c, p: c.get("/tag/python"),
    "user": lambda c, p: c.get("/user/alice"),
    "login": lambda c, p: c.get("/auth/login"),
    "register": lambda c, p: c.get("/auth/register"),
    "new post": lambda c, p: c.get("/post/new/blog"),
    "edit post": lambda c, p: c.get(f"/post/{p['blog'].id}/edit"),
    "redirect": lambda c, p: c.post(f"/post/{p['quote'].id}/comments", data={"body": "hi"}),
    "form error": lambda c, p: c.post("/post/new/quote", data={"quote": ""}),
    "403": lambda c, p: c.post(f"/post/{p['other'].id}/delete"),
    "404": lambda c, p: c.get("/no/such/page"),
    "405": lambda c, p: c.get("/auth/logout"),
    "413": lambda c, p: c.post("/post/new/quote", data={"quote": "x" * 11_000_000}),
    "media": lambda c, p: c.get(p["media"]),
    "static": lambda c, p: c.get("/static/style.css"),
    "health": lambda c, p: c.get("/healthz"),
}


@pytest.fixture
def every_page(client, alice):
    from factories import image_bytes
    import io

    posts = {post_type: make_post(post_type, author=User.by_username("alice"), tags=["python"])
             for post_type in POST_TYPES}
    posts["other"] = make_post("quote", author=make_user("bob"))
    response = client.post(
        "/post/new/image",
        data={"image": (io.BytesIO(image_bytes()), "a.png")},
        content_type="multipart/form-data",
    )
    posts["media"] = page(client.get(response.headers["Location"])).select_one("article img")["src"]
    return posts


def test_every_page_type_carries_the_security_headers_and_needs_no_inline_code(client, every_page):
    """One app and one set of posts for all page types (the setup is the costly part)."""
    for name, fetch in PAGE_TYPES.items():
        response = fetch(client, every_page)
        assert response.status_code != 500, name
        csp = dict(
            (directive.split(" ", 1) + [""])[:2]
            for directive in response.headers["Content-Security-Policy"].split("; ")
        )
        assert csp["default-src"] == "'self'", name
        assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"], name
        assert set(csp["frame-src"].split()) == {
            "https://www.youtube-nocookie.com", "https://player.vimeo.com", "https://w.soundcloud.com",
            "https://bandcamp.com",
        }
        assert (csp["object-src"], csp["form-action"], csp["frame-ancestors"]) == ("'none'", "'self'", "'self'")
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", name
        if response.content_type.startswith("text/html"):
            # What the CSP forbids must not be needed: no inline code on any page.
            html = page(response)
            assert html.select("style, [style]") == [], name
            assert_inert(html)


def cookie_header(response, name):
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    return {part.strip().split("=")[0].lower(): part for part in header.split(";")}


def test_session_and_remember_cookies_are_httponly_and_samesite(client):
    make_user("alice")
    response = client.post("/auth/login", data={"username": "alice", "password": PASSWORD, "remember": "y"})
    for name in ("session", "remember_token"):
        flags = cookie_header(response, name)
        assert "httponly" in flags, name
        assert flags["samesite"].split("=")[1].strip() == "Lax", name


def test_production_cookies_are_secure(app_factory):
    from config import ProductionConfig

    cookie_flags = {name: getattr(ProductionConfig, name) for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE")}
    assert cookie_flags == {"SESSION_COOKIE_SECURE": True, "REMEMBER_COOKIE_SECURE": True}
    app = app_factory(**cookie_flags)
    with app.app_context():
        make_user("alice")
    response = app.test_client().post("/auth/login", data={"username": "alice", "password": PASSWORD, "remember": "y"})
    assert all("secure" in cookie_header(response, name) for name in ("session", "remember_token"))


def test_logout_clears_the_remember_cookie(client):
    make_user("alice")
    client.post("/auth/login", data={"username": "alice", "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None
    response = client.post("/auth/logout")
    assert "expires" in cookie_header(response, "remember_token")
    assert client.get_cookie("remember_token") is None


def test_session_protection_is_on():
    from tumblelog.extensions import login_manager

    assert login_manager.session_protection in ("basic", "strong")


# --- Caching of signed-in pages ---------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/dashboard", "/following", "/post/new/blog", "/user/alice", "/search?q=x"])
def test_signed_in_pages_are_never_stored_by_caches(client, auth, path):
    auth.register()
    assert client.get(path).headers["Cache-Control"] == "private, no-store"


def test_signing_in_itself_is_not_stored(client, auth):
    auth.register()
    auth.logout()
    assert auth.login().headers["Cache-Control"] == "private, no-store"


def test_signed_out_pages_and_shared_resources_keep_their_caching(client, auth):
    # Kept, then revalidated by its ETag each time (test_conditional.py).
    assert client.get("/").headers["Cache-Control"] == "no-cache"
    auth.register()
    assert client.get("/feed.atom").headers["Cache-Control"] == "public, max-age=60"
    static = page(client.get("/")).select_one("link[rel=stylesheet]")["href"]
    assert "private" not in client.get(static).headers["Cache-Control"]
