"""Writing, reading, editing and deleting posts of every type, as bloggers and readers."""
import pytest
from bson import ObjectId

from conftest import page, textarea_value
from factories import SAMPLE_FIELDS, make_post, make_user
from tumblelog.models import POST_TYPES, Post


def article(response):
    """The one rendered post on a permalink page."""
    articles = page(response).select("article.post")
    assert len(articles) == 1
    return articles[0]


# --- creating ---------------------------------------------------------------


@pytest.mark.parametrize("post_type", POST_TYPES)
def test_blogger_creates_each_type_and_lands_on_it(client, alice, post_type):
    response = client.post(f"/post/new/{post_type}", data={**SAMPLE_FIELDS[post_type], "tags": "Travel, #Notes"})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/post/")

    post_page = client.get(response.headers["Location"])
    assert post_page.status_code == 200
    post = article(post_page)
    assert post["data-post-type"] == post_type
    assert "post--" + post_type in post["class"]
    assert [a["href"] for a in post.select('a[rel="tag"]')] == ["/tag/travel", "/tag/notes"]
    assert post.select_one(".post__author").get_text() == "alice"


def test_text_post_shows_title_and_rendered_markdown(client, alice):
    response = client.post("/post/new/blog", data={"title": "On *boring* tools", "body": "Use **boring** tools.\n\n- one\n- two"})
    post = article(client.get(response.headers["Location"]))
    assert post.select_one(".post__title").get_text() == "On *boring* tools"
    assert post.select_one(".post__body strong").get_text() == "boring"
    assert [li.get_text() for li in post.select(".post__body li")] == ["one", "two"]


def test_image_post_shows_image_with_caption_as_alt(client, alice):
    response = client.post("/post/new/image", data={"image_url": "https://img.example/sun.jpg", "caption": "Sunset"})
    post = article(client.get(response.headers["Location"]))
    img = post.select_one("figure img")
    assert img["src"] == "https://img.example/sun.jpg"
    assert img["alt"] == "Sunset"
    assert post.select_one("figcaption").get_text() == "Sunset"


@pytest.mark.parametrize(
    "url, player",
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
    ],
)
def test_video_post_shows_a_facade_for_a_player_built_by_the_server(client, alice, url, player):
    """Nothing is loaded from the video's site until the reader clicks: the facade links
    to the video there, and carries the player URL the site's script swaps in."""
    response = client.post("/post/new/video", data={"video_url": url, "caption": "Watch"})
    post = article(client.get(response.headers["Location"]))
    assert post.select("iframe, img") == []
    (facade,) = post.select("a.video-facade")
    assert facade["data-player"] == player
    assert facade["href"] in ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://vimeo.com/76979871")
    assert facade.get_text(" ", strip=True).startswith("Play “Watch” on ")


def test_quote_post_is_a_blockquote_with_its_source(client, alice):
    response = client.post("/post/new/quote", data={"quote": "Less, but better.", "source": "Dieter Rams"})
    post = article(client.get(response.headers["Location"]))
    assert post.select_one("blockquote").get_text(strip=True) == "Less, but better."
    assert post.select_one("cite").get_text() == "Dieter Rams"


# Every type's form says when the post goes out and who sees it (CONTRACT).
PUBLISHING_FIELDS = {"state", "publish_at", "utc_offset", "visibility"}


def test_new_post_form_has_only_its_types_fields(client, alice):
    expected = {
        "blog": {"title", "body", "tags"},
        "image": {"image", "image_url", "alt", "caption", "tags"},
        "video": {"video_url", "caption", "tags"},
        "quote": {"quote", "source", "tags"},
        "link": {"url", "title", "description", "thumbnail", "tags"},
        "audio": {"audio", "audio_url", "track", "artist", "cover", "tags"},
        "chat": {"title", "dialogue", "tags"},
        "photoset": {"photos", "photo_urls", "alts", "caption", "layout", "tags"},
    }
    for post_type, fields in expected.items():
        form = page(client.get(f"/post/new/{post_type}")).select_one("form.post-form")
        names = {field["name"] for field in form.select("input, textarea, select") if field["name"] != "csrf_token"}
        assert names == fields | PUBLISHING_FIELDS, post_type


def test_header_links_to_every_new_post_type(client, alice):
    links = {a["href"] for a in page(client.get("/")).select("header a")}
    assert {f"/post/new/{post_type}" for post_type in POST_TYPES} <= links


@pytest.mark.parametrize("post_type", ["text", "links", "BLOG", "blog.html", "..%2Fblog"])
def test_unknown_post_type_is_404(client, alice, post_type):
    assert client.get(f"/post/new/{post_type}").status_code == 404


@pytest.mark.parametrize(
    "post_type, fields, field, message",
    [
        ("blog", {"title": "", "body": "x"}, "title", "required"),
        ("blog", {"title": "x" * 201, "body": "x"}, "title", "200"),
        ("blog", {"title": "t", "body": ""}, "body", "required"),
        ("blog", {"title": "t", "body": "x" * 50_001}, "body", "50000"),
        ("image", {"image_url": ""}, "image_url", "required"),
        ("image", {"image_url": "javascript:alert(1)"}, "image_url", "http"),
        ("image", {"image_url": "data:image/png;base64,AAAA"}, "image_url", "http"),
        ("image", {"image_url": "/relative/cat.jpg"}, "image_url", "http"),
        ("image", {"image_url": "ftp://example.com/cat.jpg"}, "image_url", "http"),
        ("image", {"image_url": "https://user:pw@example.com/cat.jpg"}, "image_url", "password"),
        ("image", {"image_url": "https://x.example/a.jpg", "caption": "c" * 2001}, "caption", "2000"),
        ("video", {"video_url": ""}, "video_url", "required"),
        ("video", {"video_url": "https://evil.example/watch?v=dQw4w9WgXcQ"}, "video_url", "YouTube or Vimeo"),
        ("video", {"video_url": "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ"}, "video_url", "YouTube or Vimeo"),
        ("video", {"video_url": '<iframe src="https://evil.example"></iframe>'}, "video_url", "YouTube or Vimeo"),
        ("quote", {"quote": ""}, "quote", "required"),
        ("quote", {"quote": "q", "source": "s" * 301}, "source", "300"),
        ("quote", {"quote": "q", "tags": ",".join(f"t{i}" for i in range(21))}, "tags", "20"),
        ("quote", {"quote": "q", "tags": "x" * 65}, "tags", "64"),
        ("quote", {"quote": "q", "tags": "a/b"}, "tags", ""),
        ("quote", {"quote": "q", "tags": "," * 2_000_000}, "tags", "characters"),
    ],
)
def test_invalid_post_shows_the_error_next_to_its_field(client, alice, post_type, fields, field, message):
    response = client.post(f"/post/new/{post_type}", data=fields)
    assert response.status_code == 422
    errors = page(response).select_one(f"#{field}-error")
    assert errors is not None, f"no error shown for {field}"
    assert message.lower() in errors.get_text().lower()
    assert Post.objects.count() == 0


def test_invalid_post_keeps_what_was_typed(client, alice):
    response = client.post("/post/new/blog", data={"title": "", "body": "My long draft", "tags": "Drafts, ideas"})
    html = page(response)
    assert textarea_value(html.select_one("textarea#body")) == "My long draft"
    assert html.select_one("input#tags")["value"] == "Drafts, ideas"


def test_anonymous_writer_is_sent_to_sign_in_and_back(client, auth):
    response = client.get("/post/new/quote")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=%2Fpost%2Fnew%2Fquote"
    make_user("bob")
    response = auth.login("bob", next="/post/new/quote")
    assert response.headers["Location"] == "/post/new/quote"


def test_anonymous_cannot_post(client):
    response = client.post("/post/new/quote", data={"quote": "sneaky"})
    assert response.status_code == 302
    assert Post.objects.count() == 0


# --- editing and deleting -----------------------------------------------------


@pytest.mark.parametrize(
    "post_type, change, shown",
    [
        ("blog", {"title": "New title", "body": "New *body*"}, "New title"),
        ("image", {"image_url": "https://img.example/new.jpg", "caption": "New caption"}, "New caption"),
        ("video", {"video_url": "https://vimeo.com/22439234", "caption": "New caption"}, "player.vimeo.com/video/22439234"),
        ("quote", {"quote": "New quote", "source": "Someone"}, "New quote"),
    ],
)
def test_author_edits_each_type(client, alice, post_type, change, shown):
    post = make_post(post_type)
    form = page(client.get(f"/post/{post.id}/edit")).select_one("form.post-form")
    assert form is not None
    response = client.post(f"/post/{post.id}/edit", data={**change, "tags": "edited"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/post/{post.id}/{Post.objects.get(id=post.id).slug}"
    html = client.get(f"/post/{post.id}", follow_redirects=True).get_data(as_text=True)
    assert shown in html
    stored = Post.objects.get(id=post.id)
    assert stored.tags == ["edited"]
    assert stored.updated_at > stored.created_at


def test_edit_form_is_filled_with_the_post(client, alice):
    post = make_post("quote", quote="Hello", source="Me", tags=["a", "b"])
    form = page(client.get(f"/post/{post.id}/edit"))
    assert textarea_value(form.select_one("textarea#quote")) == "Hello"
    assert form.select_one("input#source")["value"] == "Me"
    assert form.select_one("input#tags")["value"] == "a, b"


def test_edit_keeps_a_comment_added_meanwhile(client, alice):
    post = make_post("blog")
    client.get(f"/post/{post.id}/edit")
    client.post(f"/post/{post.id}/comments", data={"body": "Posted while the author was editing"})
    client.post(f"/post/{post.id}/edit", data={"title": "Edited", "body": "b"})
    stored = Post.objects.get(id=post.id)
    assert stored.title == "Edited"
    assert [c.body for c in stored.comments] == ["Posted while the author was editing"]
    assert stored.comment_count == 1


def test_author_deletes_a_post(client, alice):
    post = make_post("image")
    response = client.post(f"/post/{post.id}/delete")
    assert response.status_code == 303
    assert client.get(f"/post/{post.id}", follow_redirects=True).status_code == 404
    assert Post.objects.count() == 0


def test_edit_and_delete_are_offered_only_to_the_author(client, auth):
    alice = make_user("alice")
    post = make_post("quote", author=alice)

    def actions():
        return page(client.get(f"/post/{post.id}", follow_redirects=True)).select(".post__actions")

    assert actions() == []  # anonymous
    make_user("bob")
    auth.login("bob")
    assert actions() == []
    auth.logout()
    auth.login("alice")
    assert len(actions()) == 1
    assert "delete" in actions()[0].select_one("details form")["action"]


@pytest.mark.parametrize("method, action", [("get", "edit"), ("post", "edit"), ("post", "delete")])
def test_other_bloggers_are_refused(client, auth, method, action):
    post = make_post("quote", author=make_user("alice"))
    make_user("mallory")
    auth.login("mallory")
    response = getattr(client, method)(f"/post/{post.id}/{action}", data={"quote": "defaced"})
    assert response.status_code == 403
    assert Post.objects.get(id=post.id).quote == SAMPLE_FIELDS["quote"]["quote"]


@pytest.mark.parametrize("method, action", [("get", "edit"), ("post", "edit"), ("post", "delete")])
def test_anonymous_is_sent_to_sign_in(client, method, action):
    post = make_post("quote")
    response = getattr(client, method)(f"/post/{post.id}/{action}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert Post.objects.count() == 1


def test_admin_may_edit_and_delete_any_post(client, auth):
    post = make_post("quote", author=make_user("alice"))
    make_user("root", is_admin=True)
    auth.login("root")
    assert client.post(f"/post/{post.id}/edit", data={"quote": "moderated"}).status_code == 303
    assert Post.objects.get(id=post.id).quote == "moderated"
    assert Post.objects.get(id=post.id).author_name == "alice"
    assert client.post(f"/post/{post.id}/delete").status_code == 303
    assert Post.objects.count() == 0


def test_delete_needs_post(client, alice):
    post = make_post("quote")
    assert client.get(f"/post/{post.id}/delete").status_code == 405
    assert Post.objects.count() == 1


# --- unknown and malformed ids ------------------------------------------------

MISSING = str(ObjectId())


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", f"/post/{MISSING}"),
        ("get", "/post/not-an-id"),
        ("get", "/post/12345"),
        ("get", "/post/" + "g" * 24),
        ("get", "/post/" + "a" * 25),
        ("get", f"/post/{MISSING}/edit"),
        ("post", f"/post/{MISSING}/edit"),
        ("post", f"/post/{MISSING}/delete"),
        ("post", "/post/zzz/delete"),
        ("post", f"/post/{MISSING}/comments"),
        ("post", "/post/%00/comments"),
        ("get", "/user/nobody-here"),
        ("get", "/nothing/here"),
    ],
)
def test_unknown_or_malformed_ids_are_404(client, alice, method, path):
    response = getattr(client, method)(path, data={"body": "hi", "name": "x"})
    assert response.status_code == 404
    assert "Not found" in page(response).select_one("main").get_text()
