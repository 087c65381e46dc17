"""Post types: one declaration makes a type appear everywhere, and the link, audio,
chat and photoset types as bloggers write them, readers see them and attackers try them."""
import io
import struct

import pytest
from jinja2 import ChoiceLoader, DictLoader
from mongoengine.base import _document_registry
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from api_helpers import ApiClient, api  # noqa: F401  (api is a fixture)
from conftest import page, textarea_value
from factories import SAMPLE_FIELDS, image_bytes
from tumblelog.extensions import db
from tumblelog.forms import PostForm
from tumblelog.models import POST_TYPES, Post

XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'&'


def article(client, location):
    return page(client.get(location, follow_redirects=True)).select_one("article.post")


def post_path(location):
    """``/post/<id>`` of a permalink (``/post/<id>/<slug>``), for the post's other routes."""
    return "/".join(location.split("/")[:3])


def test_every_type_has_sample_content_for_the_tests():
    assert set(SAMPLE_FIELDS) == set(POST_TYPES)


# --- one declaration ----------------------------------------------------------


@pytest.fixture
def note_type(app):
    """A throw-away "note" type, declared as every real type is: a model, its form and
    its two partials. Nothing else in the code is told about it. Removed afterwards."""

    class NotePost(Post):
        type = "note"
        label = "Note"
        search_fields = ("text",)
        api_fields = ("text",)
        text = db.StringField(required=True, max_length=500)

    class NotePostForm(PostForm):
        model = NotePost
        text = TextAreaField("Note", validators=[DataRequired(), Length(max=500)])

    partials = {
        "posts/_note.html": "{% macro body(post, post_url, on_permalink) %}"
        '<p class="note">{{ post.text }}</p>{% endmacro %}',
        "feeds/_note.html": "<p>{{ post.text }}</p>",
    }
    app.jinja_loader = ChoiceLoader([DictLoader(partials), app.jinja_loader])
    yield NotePost
    # MongoEngine keeps every Document class it has seen; forget this one again.
    del POST_TYPES["note"]
    del _document_registry[NotePost._class_name]
    Post._subclasses = tuple(name for name in Post._subclasses if name != NotePost._class_name)


def test_a_type_declared_once_appears_everywhere(client, alice, note_type):
    home = page(client.get("/"))
    assert "/post/new/note" in {a["href"] for a in home.select(".new-post a")}
    new_page = page(client.get("/post/new/note"))
    assert new_page.select_one('.type-tabs a[aria-current="page"]').get_text() == "Note"
    assert new_page.select_one("form.post-form textarea[name=text]") is not None

    response = client.post("/post/new/note", data={"text": "Remember the milk", "tags": "errands"})
    assert response.status_code == 303
    assert article(client, response.headers["Location"]).select_one("p.note").get_text() == "Remember the milk"
    for list_page in ("/", "/tag/errands", "/user/alice", "/search?q=milk", "/search?q=milk&type=note"):
        posts = page(client.get(list_page)).select("article.post")
        assert [post["data-post-type"] for post in posts] == ["note"], list_page
    assert "Remember the milk" in client.get("/feed.atom").get_data(as_text=True)

    api = ApiClient(client)
    api.token_for("bob")
    created = api.post("/posts", json={"type": "note", "text": "Call home"})
    assert created.status_code == 201
    assert api.get(f"/posts/{created.json['id']}").json["text"] == "Call home"
    assert api.get("/posts?type=note").json["posts"][0]["text"] == "Call home"
    schemas = api.get("/openapi.json").json["components"]["schemas"]
    assert set(schemas["NewNotePost"]["properties"]) == {"type", "text", "tags", *PostForm.PUBLISHING_FIELDS}
    assert "text" in schemas["NotePost"]["allOf"][1]["properties"]


# --- link ---------------------------------------------------------------------


def test_link_post_links_its_title_without_credit_and_shows_the_host(client, alice):
    response = client.post(
        "/post/new/link",
        data={"url": "https://www.example.org/a/page?x=1", "title": "A page", "description": "Read **this**."},
    )
    post = article(client, response.headers["Location"])
    link = post.select_one(".link__title a")
    assert link["href"] == "https://www.example.org/a/page?x=1"
    assert set(link["rel"]) == {"noopener", "nofollow", "ugc"}
    assert link.get_text() == "A page"
    assert post.select_one(".link__host").get_text() == "example.org"
    assert post.select_one(".post__body strong").get_text() == "this"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "https://user:pw@example.org/",
        "https://exa mple.org/",
        "//example.org/",
        "/post/new/blog",
        "https://example.org/" + "a" * 2100,
    ],
)
def test_link_post_refuses_hostile_urls(client, alice, url):
    response = client.post("/post/new/link", data={"url": url, "title": "t"})
    assert response.status_code == 422
    assert Post.objects.count() == 0


def test_link_post_is_never_fetched(client, alice, monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("the server opened a connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    response = client.post("/post/new/link", data={"url": "http://127.0.0.1:9/admin", "title": "Inside"})
    assert response.status_code == 303


def test_link_post_takes_a_thumbnail_upload_and_refuses_other_files(client, alice):
    response = client.post(
        "/post/new/link",
        data={"url": "https://example.org/", "title": "t", "thumbnail": (io.BytesIO(image_bytes()), "t.png")},
        content_type="multipart/form-data",
    )
    thumb = article(client, response.headers["Location"]).select_one("img.link__thumb")
    assert client.get(thumb["src"]).content_type == "image/png"
    refused = client.post(
        "/post/new/link",
        data={"url": "https://example.org/", "title": "t", "thumbnail": (io.BytesIO(b"<svg onload=alert(1)>"), "t.png")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert "PNG, JPEG, GIF or WebP" in page(refused).select_one(".field__errors").get_text()


# --- audio --------------------------------------------------------------------


def wav_bytes(frames=4000):
    """A real (silent) 8 kHz mono WAV file."""
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(struct.pack("<h", 0) * frames)
    return out.getvalue()


AUDIO_HEADERS = {
    "audio/mpeg": b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 60,
    "audio/ogg": b"OggS\x00\x02" + b"\x00" * 20 + b"\x01" + b"\x13" + b"OpusHead\x01\x02" + b"\x00" * 30,
    "audio/flac": b"fLaC\x00\x00\x00\x22" + b"\x00" * 60,
    "audio/mp4": b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00" + b"\x00" * 50,
    "audio/aac": b"\xff\xf1\x50\x80" + b"\x00" * 60,
}


def post_audio(client, data, name="track.bin", **fields):
    return client.post(
        "/post/new/audio",
        data={"audio": (io.BytesIO(data), name), "track": "Silence", "artist": "Nobody", **fields},
        content_type="multipart/form-data",
    )


def test_audio_upload_plays_natively_and_seeks_by_range(client, alice):
    data = wav_bytes()
    response = post_audio(client, data)
    assert response.status_code == 303
    post = article(client, response.headers["Location"])
    player = post.select_one("audio[controls]")
    assert post.select_one(".audio__track").get_text() == "Silence"

    whole = client.get(player["src"])
    assert whole.status_code == 200
    assert whole.content_type == "audio/wav"
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.data == data
    part = client.get(player["src"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert part.data == data[100:200]
    assert client.get(player["src"], headers={"Range": f"bytes={len(data) + 10}-"}).status_code == 416

    feed = client.get("/feed.atom").get_data(as_text=True)
    assert f'rel="enclosure" type="audio/wav" href="http://localhost{player["src"]}"' in feed


@pytest.mark.parametrize("content_type", AUDIO_HEADERS)
def test_audio_format_is_decided_by_the_bytes(client, alice, content_type):
    response = post_audio(client, AUDIO_HEADERS[content_type], name="song.exe")
    assert response.status_code == 303
    src = article(client, response.headers["Location"]).select_one("audio")["src"]
    assert client.get(src).content_type == content_type


@pytest.mark.parametrize(
    "data",
    [
        b"<html><script>alert(1)</script></html>",
        image_bytes(),
        b"OggS\x00\x02" + b"\x00" * 20 + b"\x01" + b"\x13" + b"\x80theora" + b"\x00" * 30,  # Ogg video
        b"",
    ],
    ids=["html", "png", "ogg-video", "empty"],
)
def test_audio_refuses_what_is_not_audio(client, alice, data):
    response = post_audio(client, data, name="song.mp3")
    assert response.status_code == 422
    assert Post.objects.count() == 0


def test_audio_over_the_size_limit_is_a_friendly_413(app_factory):
    app = app_factory()
    client = app.test_client()
    client.post("/auth/register", data={"username": "alice", "email": "a@example.com",
                                         "password": "correct horse", "confirm": "correct horse"})
    big = b"ID3" + b"\x00" * (51 * 1024 * 1024)
    response = post_audio(client, big)
    assert response.status_code == 413
    assert "50 MB" in response.get_data(as_text=True)
    # Other types keep the site-wide limit.
    assert client.post("/post/new/quote", data={"quote": "x" * (11 * 1024 * 1024)}).status_code == 413


@pytest.mark.parametrize(
    "url, player",
    [
        ("https://soundcloud.com/forss/flickermood",
         "https://w.soundcloud.com/player/?url=https%3A//soundcloud.com/forss/flickermood"),
        ("https://bandcamp.com/EmbeddedPlayer/album=1234567/size=large/bgcol=ffffff/",
         "https://bandcamp.com/EmbeddedPlayer/album=1234567/size=large/tracklist=false/transparent=true/"),
    ],
)
def test_audio_link_embeds_a_player_built_by_the_server(client, alice, url, player):
    response = client.post("/post/new/audio", data={"audio_url": url, "track": "T"})
    assert article(client, response.headers["Location"]).select_one("iframe")["src"] == player


@pytest.mark.parametrize(
    "url",
    [
        "https://soundcloud.com.evil.example/a/b",
        "https://evil.example/soundcloud.com/a/b",
        "https://soundcloud.com/a/b\"><script>",
        "https://bandcamp.com/EmbeddedPlayer/track=abc",
        "https://artist.bandcamp.com/track/song",
        "javascript:alert(1)",
        "https://user@soundcloud.com/a/b",
    ],
)
def test_audio_refuses_links_it_cannot_embed(client, alice, url):
    assert client.post("/post/new/audio", data={"audio_url": url}).status_code == 422


def test_audio_needs_a_file_or_a_link(client, alice):
    response = client.post("/post/new/audio", data={"track": "Nothing"})
    assert response.status_code == 422
    assert "one of the two is required" in page(response).get_text()


# --- chat ---------------------------------------------------------------------


def test_chat_is_a_list_with_one_item_a_line_and_speakers_set_apart(client, alice):
    dialogue = "Ada: Did it pass?\n\nLinus: On my machine.\n(a long pause)\nAda: See https://ci.example/1 at 10:30"
    response = client.post("/post/new/chat", data={"title": "Standup", "dialogue": dialogue})
    post = article(client, response.headers["Location"])
    lines = post.select("ol.chat > li")
    assert [line.get_text(" ", strip=True) for line in lines] == [
        "Ada: Did it pass?", "Linus: On my machine.", "(a long pause)", "Ada: See https://ci.example/1 at 10:30",
    ]
    assert [line.select_one(".chat__speaker").get_text() if line.select_one(".chat__speaker") else None
            for line in lines] == ["Ada:", "Linus:", None, "Ada:"]


@pytest.mark.parametrize(
    "dialogue, message",
    [
        ("", "at least one line"),
        ("\n".join(f"A: line {i}" for i in range(201)), "200 lines"),
        ("A: " + "x" * 1001, "1000 characters"),
        ("x" * 300_000, "too long"),
    ],
    ids=["empty", "too-many-lines", "line-too-long", "huge"],
)
def test_chat_limits(client, alice, dialogue, message):
    response = client.post("/post/new/chat", data={"dialogue": dialogue})
    assert response.status_code == 422
    assert message in page(response).select_one(".field__errors").get_text()


# --- photoset -----------------------------------------------------------------


def upload_photoset(client, count, **fields):
    files = [(io.BytesIO(image_bytes(color=(20 * n, 80, 40))), f"p{n}.png") for n in range(count)]
    return client.post(
        "/post/new/photoset", data={"photos": files, **fields}, content_type="multipart/form-data"
    )


def test_photoset_shows_each_image_with_its_alt_in_the_chosen_rows(client, alice):
    response = upload_photoset(
        client, 2, photo_urls="https://img.example/first.jpg", alts="First\n\nThird", layout="1-2", caption="Set"
    )
    assert response.status_code == 303
    post = article(client, response.headers["Location"])
    rows = post.select(".photoset__row")
    assert [len(row.select("img")) for row in rows] == [1, 2]
    images = post.select("img")
    assert [img["alt"] for img in images] == ["First", "Photo 2 of 3", "Third"]
    assert images[0]["src"] == "https://img.example/first.jpg"
    assert all(client.get(img["src"]).status_code == 200 for img in images[1:])


def test_photoset_order_changes_when_editing(client, alice):
    response = client.post("/post/new/photoset", data={**SAMPLE_FIELDS["photoset"]})
    location = response.headers["Location"]
    edit_url = post_path(location) + "/edit"
    edit = page(client.get(edit_url))
    lines = textarea_value(edit.select_one("textarea[name=photo_urls]")).split("\n")
    assert lines == ["https://images.example.com/one.jpg", "https://images.example.com/two.jpg"]
    client.post(edit_url, data={"photo_urls": "\n".join(reversed(lines)), "alts": "A blue door\nA red door"})
    images = article(client, location).select("img")
    assert [(img["src"], img["alt"]) for img in images] == [
        ("https://images.example.com/two.jpg", "A blue door"), ("https://images.example.com/one.jpg", "A red door"),
    ]


def test_photoset_keeps_and_reorders_its_uploads_when_editing(client, alice):
    location = upload_photoset(client, 2).headers["Location"]
    before = [img["src"] for img in article(client, location).select("img")]
    urls = textarea_value(page(client.get(post_path(location) + "/edit")).select_one("textarea[name=photo_urls]")).split("\n")
    response = client.post(post_path(location) + "/edit", data={"photo_urls": "\n".join(reversed(urls))})
    assert response.status_code == 303
    after = [img["src"] for img in article(client, location).select("img")]
    assert after == list(reversed(before))


@pytest.mark.parametrize(
    "fields, count, message",
    [
        ({}, 1, "2 to 10 images"),
        ({"photo_urls": "\n".join(f"https://img.example/{i}.jpg" for i in range(11))}, 0, "at most 10"),
        ({}, 11, "at most 10"),
        ({"photo_urls": "javascript:alert(1)"}, 1, "http"),
        ({"alts": "a\nb\nc"}, 2, "more alt texts"),
        ({"layout": "1-1-1"}, 2, "add up to 3"),
        ({"layout": "4"}, 2, "1–3"),
        ({"alts": "x" * 1001}, 2, "1000 characters"),
    ],
    ids=["too-few", "too-many-links", "too-many-uploads", "hostile-url", "extra-alts", "layout-sum",
         "layout-row", "alt-too-long"],
)
def test_photoset_limits(client, alice, fields, count, message):
    response = upload_photoset(client, count, **fields)
    assert response.status_code == 422
    assert message in page(response).get_text()
    assert Post.objects.count() == 0


def test_photoset_uploads_go_through_the_image_checks(client, alice):
    files = [(io.BytesIO(image_bytes()), "a.png"), (io.BytesIO(b"<svg onload=alert(1)>"), "b.png")]
    response = client.post("/post/new/photoset", data={"photos": files}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Image 2" in page(response).select_one(".field__errors").get_text()


def test_photoset_lists_show_thumbnails_and_the_permalink_full_images(client, alice):
    files = [(io.BytesIO(image_bytes(size=(1200, 800))), f"{n}.png") for n in range(2)]
    location = client.post("/post/new/photoset", data={"photos": files}, content_type="multipart/form-data")
    location = location.headers["Location"]
    full = [img["src"] for img in article(client, location).select("img")]
    listed = [img["src"] for img in page(client.get("/")).select("article.post img")]
    assert len(set(full + listed)) == 4  # a thumbnail and a full image each


# --- every new type: XSS in every field, search, feeds, API --------------------


NEW_TYPE_FIELDS = {
    "link": {"url": "https://example.org/?q=" + "%3Cscript%3E", "title": XSS, "description": XSS},
    "audio": {"audio_url": "https://soundcloud.com/a/b", "track": XSS, "artist": XSS},
    "chat": {"title": XSS, "dialogue": f"{XSS}: {XSS}\n{XSS}"},
    "photoset": {"photo_urls": "https://img.example/a.jpg\nhttps://img.example/b.jpg", "alts": f"{XSS}\n{XSS}",
                 "caption": XSS, "layout": "2"},
}


@pytest.mark.parametrize("post_type", NEW_TYPE_FIELDS)
def test_markup_typed_into_every_field_stays_text(client, alice, post_type):
    response = client.post(f"/post/new/{post_type}", data={**NEW_TYPE_FIELDS[post_type], "tags": "x"})
    assert response.status_code == 303
    for where in (response.headers["Location"], "/", "/feed.atom"):
        html = client.get(where).get_data(as_text=True)
        assert "<script>alert(1)" not in html, where
        assert "<img src=x" not in html, where
    assert page(client.get(response.headers["Location"])).select("script[src]") == page(client.get("/")).select(
        "script[src]"
    )


@pytest.mark.parametrize(
    "post_type, fields, word",
    [
        ("link", {"title": "Narwhal facts"}, "narwhal"),
        ("link", {"description": "All about narwhals"}, "narwhals"),
        ("audio", {"artist": "The Narwhals"}, "narwhals"),
        ("chat", {"dialogue": "Ann: I saw a narwhal"}, "narwhal"),
        ("photoset", {"alts": "A narwhal\nAnother"}, "narwhal"),
    ],
)
def test_new_types_are_found_by_their_words(client, alice, post_type, fields, word):
    response = client.post(f"/post/new/{post_type}", data={**SAMPLE_FIELDS[post_type], **fields})
    post_id = response.headers["Location"].split("/")[2]
    found = page(client.get(f"/search?q={word}&type={post_type}")).select("article.post")
    assert [post["data-post-id"] for post in found] == [post_id]


@pytest.mark.parametrize("post_type", NEW_TYPE_FIELDS)
def test_new_types_change_through_the_api(api, post_type):
    api.token_for("alice")
    post_id = api.post("/posts", json={"type": post_type, **SAMPLE_FIELDS[post_type]}).json["id"]
    response = api.patch(f"/posts/{post_id}", json={"tags": "changed"})
    assert response.status_code == 200, response.json
    assert response.json["tags"] == ["changed"]
    changing = ("tags", "updated_at")
    read = api.get(f"/posts/{post_id}").json
    assert {k: v for k, v in response.json.items() if k not in changing} == {
        k: v for k, v in read.items() if k not in (*changing, "comments", "comments_next")
    }


def test_deleting_a_post_deletes_its_audio_and_pictures(client, alice):
    location = post_audio(client, wav_bytes(), cover=(io.BytesIO(image_bytes()), "c.png")).headers["Location"]
    post = article(client, location)
    files = [post.select_one("audio")["src"], post.select_one("img.audio__cover")["src"]]
    assert all(client.get(src).status_code == 200 for src in files)
    client.post(post_path(location) + "/delete")
    assert all(client.get(src).status_code == 404 for src in files)


def test_seeded_demo_shows_every_type(app, client):
    from tumblelog.seed import seed_posts

    with app.app_context():
        seed_posts(len(POST_TYPES))
    shown = {post["data-post-type"] for post in page(client.get("/")).select("article.post")}
    assert shown == set(POST_TYPES)


@pytest.mark.parametrize("post_type", list(SAMPLE_FIELDS))
def test_saving_the_edit_form_unchanged_changes_nothing(client, alice, post_type):
    location = client.post(f"/post/new/{post_type}", data={**SAMPLE_FIELDS[post_type], "tags": "a, b"})
    location = location.headers["Location"]
    before = article(client, location)
    form = page(client.get(post_path(location) + "/edit")).select_one("form.post-form")
    data = {field["name"]: field.get("value", "") for field in form.select("input") if field.get("type") != "file"}
    data.update({area["name"]: textarea_value(area) for area in form.select("textarea")})
    assert client.post(post_path(location) + "/edit", data=data).status_code == 303
    after = article(client, location)
    assert post_body(after) == post_body(before)
    assert after.select('a[rel="tag"]') == before.select('a[rel="tag"]')


def post_body(post):
    """What a post shows above its footer (tags, author, likes), as HTML."""
    return [str(child) for child in post.children if child.name and child.name != "footer"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"type": "link", "url": "javascript:alert(1)", "title": "t"}, "url"),
        ({"type": "link", "url": "https://example.org/", "title": ""}, "title"),
        ({"type": "audio", "audio_url": "https://soundcloud.com.evil.example/a/b"}, "audio_url"),
        ({"type": "audio", "track": "No file, no link"}, "audio_url"),
        ({"type": "chat", "dialogue": "\n".join(["A: hi"] * 201)}, "dialogue"),
        ({"type": "photoset", "photo_urls": "\n".join(["https://img.example/a.jpg"] * 11)}, "photo_urls"),
        ({"type": "photoset", "photo_urls": "https://img.example/a.jpg"}, "photos"),
        ({"type": "photoset", "photo_urls": ["https://img.example/a.jpg"] * 2}, "photo_urls"),
        ({"type": "link", "url": "https://example.org/", "title": "t", "thumbnail": "x"}, "thumbnail"),
    ],
)
def test_the_api_refuses_bad_new_posts_naming_the_field(api, body, field):
    api.token_for("alice")
    response = api.post("/posts", json=body)
    assert response.status_code == 400
    assert field in response.json["error"]["fields"]
    assert Post.objects.count() == 0


def test_audio_above_the_site_limit_passes_csrf_protection(app_factory):
    """CSRF protection reads the form before the view: the audio page's own limit must
    already hold then."""
    from test_security import sign_in, token_of

    from factories import make_user

    client = app_factory(WTF_CSRF_ENABLED=True).test_client()
    make_user("alice")
    sign_in(client)
    token = token_of(client, "/post/new/audio")
    twelve_mb = AUDIO_HEADERS["audio/mpeg"] + b"\x00" * (12 * 1024 * 1024)
    response = post_audio(client, twelve_mb, csrf_token=token)
    assert response.status_code == 303
    too_big = post_audio(client, twelve_mb + b"\x00" * (40 * 1024 * 1024), csrf_token=token)
    assert too_big.status_code == 413
    assert "50 MB" in page(too_big).select_one("main").get_text()
