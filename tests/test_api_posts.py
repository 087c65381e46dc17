"""Posts through the JSON API: create each type, read, change, delete; the same rules
as the HTML forms; hostile JSON refused with a JSON error naming the field."""
import io

import pytest
from bson import ObjectId

from api_helpers import API, ApiClient, api  # noqa: F401  (api is a fixture)
from conftest import page
from factories import SAMPLE_FIELDS, image_bytes, make_post, make_user
from tumblelog.models import POST_TYPES, Post, User

EXPECTED = {
    "blog": {"title": "Hello world", "body": "Some *Markdown* text.", "body_html": "<p>Some <em>Markdown</em> text.</p>\n"},
    "image": {"image_url": "https://images.example.com/cat.jpg", "caption": "A cat in the sun", "alt": "A cat in the sun"},
    "video": {
        "video_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "provider": "youtube",
        "video_id": "dQw4w9WgXcQ",
        "embed_url": "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        "caption": "A classic",
    },
    "quote": {"quote": "Simple is better than complex.", "source": "The Zen of Python"},
    "link": {
        "link_url": "https://example.org/read/this", "title": "Worth reading", "host": "example.org",
        "description": "A *good* read.", "description_html": "<p>A <em>good</em> read.</p>\n", "thumbnail_url": "",
    },
    "audio": {
        "track": "Flickermood", "artist": "Forss", "audio_url": "https://soundcloud.com/forss/flickermood",
        "provider": "soundcloud", "audio_id": "forss/flickermood",
        "embed_url": "https://w.soundcloud.com/player/?url=https%3A//soundcloud.com/forss/flickermood",
        "file_url": "", "cover_url": "",
    },
    "chat": {
        "title": "At the desk",
        "dialogue": [{"speaker": "Ada", "line": "Tests pass?"}, {"speaker": "Linus", "line": "On my machine."}],
    },
    "photoset": {
        "photos": [
            {"url": "https://images.example.com/one.jpg", "alt": "A red door", "width": None, "height": None},
            {"url": "https://images.example.com/two.jpg", "alt": "A blue door", "width": None, "height": None},
        ],
        "caption": "Doors of the old town",
        "layout": "1-1",
    },
}
COMMON = {
    "id", "type", "author", "created_at", "updated_at", "tags", "labels", "comment_count", "like_count",
    "reblog_count", "note_count", "url", "state", "visibility", "published_at", "slug",
}


@pytest.fixture
def alice(api):
    api.token_for("alice")
    return api


def new(post_type, **fields):
    return {"type": post_type, **SAMPLE_FIELDS[post_type], **fields}


# --- creating ---------------------------------------------------------------


@pytest.mark.parametrize("post_type", POST_TYPES)
def test_create_each_type(client, alice, post_type):
    response = alice.post("/posts", json=new(post_type, tags=["Travel", "#Notes"]))
    assert response.status_code == 201
    body = response.json
    assert set(body) == COMMON | set(EXPECTED[post_type])
    assert body["type"] == post_type
    assert body["author"] == "alice"
    assert body["tags"] == ["travel", "notes"]
    assert body["comment_count"] == 0
    for name, value in EXPECTED[post_type].items():
        assert body[name] == value
    assert response.headers["Location"] == f"{API}/posts/{body['id']}"
    # The same post, read back, and on its HTML permalink.
    assert {k: v for k, v in alice.get(f"/posts/{body['id']}").json.items() if k not in ("comments", "comments_next")} == body
    html = client.get(body["url"])
    assert page(html).select_one("article.post")["data-post-id"] == body["id"]


def test_tags_may_be_comma_separated_text(alice):
    response = alice.post("/posts", json=new("quote", tags=" Python, #travel ,python"))
    assert response.json["tags"] == ["python", "travel"]


def test_optional_fields_may_be_left_out(alice):
    response = alice.post("/posts", json={"type": "image", "image_url": "https://img.example/a.png"})
    assert response.status_code == 201
    assert response.json["caption"] == response.json["alt"] == ""


def test_markdown_is_sanitised_as_on_the_html_side(alice):
    response = alice.post("/posts", json=new("blog", body="<script>alert(1)</script> [x](javascript:alert(1))"))
    assert "<script" not in response.json["body_html"]
    assert "href=\"javascript" not in response.json["body_html"]


# --- refusing bad input -----------------------------------------------------


@pytest.mark.parametrize(
    "body, field",
    [
        ({"title": "No type"}, "type"),
        ({"type": "poll"}, "type"),
        ({"type": {"$ne": None}}, "type"),
        ({**new("blog"), "author": "mallory"}, "author"),
        ({**new("blog"), "created_at": "2020-01-01"}, "created_at"),
        ({**new("blog"), "title": {"$ne": None}}, "title"),
        ({**new("blog"), "title": ["a", "b"]}, "title"),
        ({**new("blog"), "title": 42}, "title"),
        ({**new("blog"), "title": None}, "title"),
        ({**new("blog"), "tags": {"$in": ["a"]}}, "tags"),
        ({**new("blog"), "tags": ["ok", 3]}, "tags"),
        ({**new("blog"), "title": "   "}, "title"),
        ({**new("blog"), "title": "x" * 201}, "title"),
        (new("blog", body=""), "body"),
        (new("image", image_url="javascript:alert(1)"), "image_url"),
        (new("image", image_url="https://user:pw@img.example/a.png"), "image_url"),
        (new("video", video_url="https://evil.example/watch?v=dQw4w9WgXcQ"), "video_url"),
        (new("video", video_url='<iframe src="https://evil.example">'), "video_url"),
        (new("quote", quote=""), "quote"),
        (new("quote", source="s" * 301), "source"),
        (new("quote", tags="a, b/c"), "tags"),
        (new("quote", tags=[f"t{i}" for i in range(21)]), "tags"),
        (new("quote", tags="," * 100_000), "tags"),
        (new("quote", tags=[""] * 30_000), "tags"),
    ],
)
def test_invalid_post_is_refused_naming_the_field(alice, body, field):
    response = alice.post("/posts", json=body)
    assert response.status_code == 400
    error = response.json["error"]
    assert error["status"] == 400
    assert field in error["fields"]
    assert all(isinstance(message, str) for message in error["fields"][field])
    assert Post.objects.count() == 0


@pytest.mark.parametrize(
    "data, content_type, status",
    [
        (b'{"type": "quote", "quote": "unterminated', "application/json", 400),
        (b'[{"type": "quote", "quote": "x"}]', "application/json", 400),
        (b'"just a string"', "application/json", 400),
        (b"null", "application/json", 400),
        (b"", "application/json", 400),
        (b"\xff\xfe{}", "application/json", 400),
        (b"[" * 50_000 + b"]" * 50_000, "application/json", 400),
        (b"type=quote&quote=x", "application/x-www-form-urlencoded", 415),
        (b'{"type": "quote", "quote": "x"}', "text/plain", 415),
        (b'{"type": "blog", "title": "t", "body": "' + b"x" * 200_000 + b'"}', "application/json", 413),
    ],
    ids=["malformed", "array", "string", "null", "empty", "bad-utf8", "deep", "form", "text", "oversize"],
)
def test_malformed_bodies_get_json_errors(alice, data, content_type, status):
    response = alice.post("/posts", data=data, content_type=content_type)
    assert response.status_code == status
    assert response.json["error"]["status"] == status
    assert Post.objects.count() == 0


LONE = "\\ud800"  # as JSON writes it: half of a UTF-16 pair, not a character


@pytest.mark.parametrize(
    "path, body",
    [
        ("/posts", '{"type": "quote", "quote": "half a pair: %s"}' % LONE),
        ("/posts", '{"type": "quote", "quote": "q", "tags": ["ok", "%s"]}' % LONE),
        ("/posts", '{"type": "quote", "quote": "q", "%s": "x"}' % LONE),
        ("/posts/{id}", '{"source": "%s"}' % "\\udfff"),
        ("/posts/{id}/comments", '{"body": "hi %s"}' % LONE),
        ("/posts/{id}/like", '{"liked%s": true}' % LONE),
    ],
    ids=["post text", "tag", "key", "change", "comment", "like"],
)
def test_lone_surrogates_are_refused_and_nothing_is_stored(client, alice, path, body):
    post = make_post("quote", author=User.by_username("alice"))
    send = alice.patch if path == "/posts/{id}" else alice.post
    response = send(path.format(id=post.id), data=body, content_type="application/json")
    assert response.status_code == 400
    assert "surrogate" in response.json["error"]["message"]
    assert Post.objects.count() == 1
    stored = Post.objects.get(id=post.id)
    assert (stored.comment_count, stored.like_count, stored.source) == (0, 0, post.source)
    assert client.get(f"/post/{post.id}", follow_redirects=True).status_code == 200


def test_a_whole_surrogate_pair_is_a_character(alice):
    response = alice.post("/posts", data='{"type": "quote", "quote": "snake \\ud83d\\udc0d"}',
                          content_type="application/json")
    assert response.status_code == 201
    assert response.json["quote"] == "snake \U0001f40d"


def test_forms_cannot_carry_a_surrogate(client):
    """Werkzeug decodes form data as UTF-8 and keeps what is not as it came, so the
    comment form never stores half a pair."""
    post = make_post("quote")
    client.post(f"/post/{post.id}/comments", data=b"name=Sam&body=half+%ED%A0%80",
                content_type="application/x-www-form-urlencoded")
    [comment] = Post.objects.get(id=post.id).comments
    assert comment.body.startswith("half ") and "\ud800" not in comment.body
    assert client.get(f"/post/{post.id}", follow_redirects=True).status_code == 200


# --- permissions ------------------------------------------------------------


def test_writes_without_a_token_are_401(api):
    post = make_post("quote")
    for response in (
        api.post("/posts", json=new("quote")),
        api.patch(f"/posts/{post.id}", json={"quote": "changed"}),
        api.delete(f"/posts/{post.id}"),
    ):
        assert response.status_code == 401
    assert Post.objects.get().quote == SAMPLE_FIELDS["quote"]["quote"]


def test_others_posts_are_403(alice):
    post = make_post("quote", author=make_user("bob"))
    assert alice.patch(f"/posts/{post.id}", json={"quote": "mine now"}).status_code == 403
    assert alice.delete(f"/posts/{post.id}").status_code == 403
    assert Post.objects.get().quote == SAMPLE_FIELDS["quote"]["quote"]


def test_admin_may_change_and_delete_any_post(api):
    post = make_post("quote", author=make_user("bob"))
    api.token_for("root", is_admin=True)
    response = api.patch(f"/posts/{post.id}", json={"source": "Edited by an admin"})
    assert response.status_code == 200
    assert response.json["author"] == "bob"
    assert api.delete(f"/posts/{post.id}").status_code == 204
    assert Post.objects.count() == 0


# --- reading, changing, deleting --------------------------------------------


def test_get_post_includes_comments(alice):
    post_id = alice.post("/posts", json=new("quote")).json["id"]
    alice.post(f"/posts/{post_id}/comments", json={"body": "So true."})
    body = alice.get(f"/posts/{post_id}").json
    assert body["comment_count"] == 1
    assert [(c["author"], c["body"]) for c in body["comments"]] == [("alice", "So true.")]


@pytest.mark.parametrize("path", ["/posts/" + "0" * 24, "/posts/nothex", "/posts/" + "a" * 25, "/posts/0" * 2])
def test_unknown_or_malformed_post_ids_are_json_404(alice, path):
    for response in (alice.get(path), alice.patch(path, json={}), alice.delete(path)):
        assert response.status_code == 404
        assert response.json["error"]["status"] == 404


def test_patch_changes_only_the_fields_sent(alice):
    created = alice.post("/posts", json=new("blog", tags="one, two")).json
    response = alice.patch(f"/posts/{created['id']}", json={"title": "A better title"})
    assert response.status_code == 200
    changed = response.json
    assert changed["title"] == "A better title"
    assert changed["body"] == created["body"]
    assert changed["tags"] == ["one", "two"]
    assert changed["created_at"] == created["created_at"]
    assert changed["updated_at"] >= created["updated_at"]
    assert alice.get(f"/posts/{created['id']}").json["title"] == "A better title"


def test_patch_rederives_video_and_validates_like_create(alice):
    post_id = alice.post("/posts", json=new("video")).json["id"]
    response = alice.patch(f"/posts/{post_id}", json={"video_url": "https://vimeo.com/76979871"})
    assert (response.json["provider"], response.json["video_id"]) == ("vimeo", "76979871")
    bad = alice.patch(f"/posts/{post_id}", json={"video_url": "https://example.com/v"})
    assert bad.status_code == 400 and "video_url" in bad.json["error"]["fields"]
    assert Post.objects.get().video_id == "76979871"


@pytest.mark.parametrize(
    "changes, field",
    [({"type": "blog"}, "type"), ({"body": "quotes have no body"}, "body"), ({"quote": {"$set": "x"}}, "quote")],
)
def test_patch_refuses_other_types_fields_and_operators(alice, changes, field):
    post_id = alice.post("/posts", json=new("quote")).json["id"]
    response = alice.patch(f"/posts/{post_id}", json=changes)
    assert response.status_code == 400
    assert field in response.json["error"]["fields"]


def test_patch_keeps_comments_added_meanwhile(alice):
    post_id = alice.post("/posts", json=new("quote")).json["id"]
    alice.post(f"/posts/{post_id}/comments", json={"body": "First!"})
    alice.patch(f"/posts/{post_id}", json={"source": "Someone"})
    assert [c["body"] for c in alice.get(f"/posts/{post_id}/comments").json["comments"]] == ["First!"]


def test_delete_removes_the_post(client, alice):
    post_id = alice.post("/posts", json=new("quote")).json["id"]
    assert alice.delete(f"/posts/{post_id}").status_code == 204
    assert alice.get(f"/posts/{post_id}").status_code == 404
    assert client.get(f"/post/{post_id}", follow_redirects=True).status_code == 404
    assert alice.delete(f"/posts/{post_id}").status_code == 404


# --- errors anywhere under /api are JSON ------------------------------------


def test_unknown_api_path_is_json_404(client):
    response = client.get(f"{API}/nothing-here", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.json["error"]["status"] == 404


def test_wrong_method_is_json_405_with_allow(client):
    response = client.put(f"{API}/posts")
    assert response.status_code == 405
    assert response.json["error"]["status"] == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_html_404_is_still_a_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_server_error_is_json_500(app_factory):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    def broken():
        raise RuntimeError("boom")

    app.view_functions["api.list_tags"] = broken
    response = app.test_client().get(f"{API}/tags")
    assert response.status_code == 500
    assert response.json == {"error": {"status": 500, "message": "The error is logged. Please try again in a moment."}}


# --- images uploaded on the HTML side ---------------------------------------


def test_alt_text_is_its_own_field_with_the_caption_as_fallback(alice):
    own = alice.post("/posts", json=new("image", alt="A grey cat asleep")).json
    assert (own["alt"], own["caption"]) == ("A grey cat asleep", "A cat in the sun")
    fallback = alice.post("/posts", json=new("image")).json
    assert fallback["alt"] == "A cat in the sun"


def test_uploaded_image_has_an_absolute_url_and_survives_a_change(client, auth, api):
    auth.register("alice")
    form = {"image": (io.BytesIO(image_bytes()), "photo.png", "image/png"), "caption": "A photo"}
    created = client.post("/post/new/image", data=form, content_type="multipart/form-data")
    post_id = created.headers["Location"].split("/")[2]
    image_url = api.get(f"/posts/{post_id}").json["image_url"]
    assert image_url.startswith("http://localhost/media/")
    assert client.get(image_url).status_code == 200

    api.token_for("alice")
    changed = api.patch(f"/posts/{post_id}", json={"caption": "Still my photo"})
    assert changed.status_code == 200
    assert (changed.json["caption"], changed.json["image_url"]) == ("Still my photo", image_url)

    assert api.delete(f"/posts/{post_id}").status_code == 204
    assert client.get(image_url).status_code == 404  # the file went with its post


def test_json_cannot_send_a_file_field(alice):
    response = alice.post("/posts", json=new("image", image="iVBORw0KGgo="))
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"image": ["Unknown field."]}
