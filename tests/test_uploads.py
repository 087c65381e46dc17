"""Image uploads: only real PNG, JPEG, GIF and WebP get in, re-encoded, kept in
GridFS and served from /media/<id>; a post's files go when the post goes."""
import io

import pytest
from PIL import Image, ImageFile

from conftest import page
from factories import image_bytes, make_post
from tumblelog import images
from tumblelog.models import ImagePost, Post

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def upload(client, data, filename="photo.png", content_type="image/png", **fields):
    """Post a new image post with ``data`` as its file."""
    form = {"image": (io.BytesIO(data), filename, content_type), "caption": "A photo", **fields}
    return client.post("/post/new/image", data=form, content_type="multipart/form-data")


def shown_image(client, response, list_page=False):
    """The <img> of the post ``response`` redirected to, on its permalink or the front page."""
    html = page(client.get("/" if list_page else response.headers["Location"], follow_redirects=True))
    return html.select_one("article.post--image img")


def webp_sources(client, response):
    """The WebP copies the permalink of the post ``response`` redirected to offers."""
    html = page(client.get(response.headers["Location"]))
    srcset = html.select_one("article.post--image picture source[type='image/webp']")["srcset"]
    return [candidate.split()[0] for candidate in srcset.split(", ")]


def stored_files(app):
    from mongoengine.connection import get_db

    return get_db()["media.files"].count_documents({})


@pytest.mark.parametrize(
    "fmt, content_type, ext",
    [("PNG", "image/png", "png"), ("JPEG", "image/jpeg", "jpg"), ("GIF", "image/gif", "gif"), ("WEBP", "image/webp", "webp")],
)
def test_upload_is_served_from_media_with_its_detected_type(client, alice, fmt, content_type, ext):
    # The name and the client's type both lie; the bytes decide.
    response = upload(client, image_bytes(fmt), filename="notes.txt", content_type="text/html")
    assert response.status_code == 303
    src = shown_image(client, response)["src"]
    assert src.startswith("/media/")
    served = client.get(src)
    assert served.status_code == 200
    assert served.content_type == content_type
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in served.headers["Cache-Control"]
    assert served.headers["Content-Disposition"] == f'inline; filename="{src.removeprefix("/media/")}.{ext}"'
    assert Image.open(io.BytesIO(served.data)).size == (40, 30)


def test_media_answers_a_repeat_visit_with_not_modified(client, alice):
    src = shown_image(client, upload(client, image_bytes()))["src"]
    etag = client.get(src).headers["ETag"]
    assert client.get(src, headers={"If-None-Match": etag}).status_code == 304


@pytest.mark.parametrize(
    "data, message",
    [
        (SVG, "PNG, JPEG, GIF or WebP"),
        (b"<!doctype html><script>alert(1)</script>", "PNG, JPEG, GIF or WebP"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "PNG, JPEG, GIF or WebP"),
        (b"GIF89a<script>alert(1)</script>", "PNG, JPEG, GIF or WebP"),
        (image_bytes("BMP"), "PNG, JPEG, GIF or WebP"),
        (image_bytes("TIFF"), "PNG, JPEG, GIF or WebP"),
        (image_bytes("PNG", size=(400, 300))[:300], "damaged"),
        (image_bytes("JPEG", size=(400, 300))[:400], "damaged"),
        (b"\x89PNG\r\n\x1a\n", "PNG, JPEG, GIF or WebP"),
    ],
    ids=["svg", "html", "pdf", "gif-magic-then-script", "bmp", "tiff", "truncated-png", "truncated-jpeg", "png-magic-only"],
)
def test_files_that_are_not_accepted_images_are_refused_with_a_reason(app, client, alice, data, message):
    response = upload(client, data, filename="cat.png")
    assert response.status_code == 422
    assert message in page(response).select_one("#image-error").get_text()
    assert ImagePost.objects.count() == 0
    assert stored_files(app) == 0


def png_claiming(width, height):
    """A tiny PNG whose header claims ``width``×``height`` pixels: a bomb's opening."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 4096)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("width, height", [(10_000, 10_000), (images.MAX_PIXELS + 1, 1), (60_000, 60_000)])
def test_decompression_bomb_is_refused_before_it_is_decoded(app, client, alice, width, height, monkeypatch):
    with monkeypatch.context() as unguarded:  # only to check the file claims what we say
        unguarded.setattr(Image, "MAX_IMAGE_PIXELS", None)
        assert Image.open(io.BytesIO(png_claiming(width, height))).size == (width, height)
    response = upload(client, png_claiming(width, height))
    assert response.status_code == 422
    assert "too many pixels" in page(response).select_one("#image-error").get_text()
    assert stored_files(app) == 0


def test_pillows_bomb_warning_is_a_refusal(client, alice, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 40×30 is between it and twice it
    response = upload(client, image_bytes(size=(40, 30)))
    assert response.status_code == 422
    assert "too many pixels" in page(response).select_one("#image-error").get_text()


def test_an_upload_over_the_size_cap_gets_the_413_page(app, client, alice):
    too_big = image_bytes() + b"\0" * app.config["MAX_CONTENT_LENGTH"]
    response = upload(client, too_big)
    assert response.status_code == 413
    assert page(response).select_one("h1").get_text() == "Too large"
    assert ImagePost.objects.count() == 0


def test_appended_script_and_exif_location_are_stripped(client, alice):
    exif = Image.Exif()
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPSInfo: a latitude
    data = image_bytes("JPEG", exif=exif) + b"<script>alert(1)</script>"
    assert b"<script>" in data and Image.open(io.BytesIO(data)).getexif()
    served = client.get(shown_image(client, upload(client, data))["src"]).data
    assert b"<script>" not in served
    assert not Image.open(io.BytesIO(served)).getexif()


def test_large_image_is_scaled_down_and_lists_show_a_thumbnail(client, alice):
    response = upload(client, image_bytes(size=(images.MAX_SIDE + 904, 100)))
    full = shown_image(client, response)
    thumb = shown_image(client, response, list_page=True)
    assert (full["width"], full["height"]) == (str(images.MAX_SIDE), "82")
    assert Image.open(io.BytesIO(client.get(full["src"]).data)).size == (images.MAX_SIDE, 82)
    assert thumb["src"] != full["src"]
    assert max(Image.open(io.BytesIO(client.get(thumb["src"]).data)).size) == images.THUMB_SIDE


def animated_gif(frame_count=3):
    frames = [Image.new("RGB", (20, 20), (60 * i % 256, 90, 120)) for i in range(frame_count)]
    gif = io.BytesIO()
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return gif.getvalue()


def test_animated_gif_keeps_its_frames(client, alice):
    served = client.get(shown_image(client, upload(client, animated_gif()))["src"]).data
    assert Image.open(io.BytesIO(served)).n_frames == 3


@pytest.mark.parametrize("limit", [("MAX_FRAMES", 2), ("MAX_ANIMATION_PIXELS", 3 * 20 * 20 - 1)])
def test_overlong_animations_are_refused(client, alice, monkeypatch, limit):
    """Re-encoding visits every frame, so the frames and their pixels are capped together."""
    monkeypatch.setattr(images, *limit)
    response = upload(client, animated_gif(3))
    assert response.status_code == 422
    assert "too long or too large" in page(response).select_one("#image-error").get_text()


def tiny_gif_on_a_huge_canvas(frames=6, side=4000):
    """A GIF of a few hundred bytes: ``frames`` one-pixel frames on a ``side``² canvas,
    which re-encoding would paint in full, frame by frame (~4 s of CPU for these)."""
    out = bytearray(b"GIF89a" + side.to_bytes(2, "little") * 2 + bytes([0xF0, 0, 0, 0, 0, 0, 255, 255, 255]))
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    for i in range(frames):
        out += bytes([0x21, 0xF9, 4, 0x08, 1, 0, 0, 0])  # 10 ms, restore to background
        out += b"\x2c" + i.to_bytes(2, "little") + bytes(2) + (1).to_bytes(2, "little") * 2 + b"\x00"
        out += bytes([2, 2, 0x4C, 0x01, 0])  # one pixel of LZW data
    return bytes(out + b"\x3b")


def test_a_tiny_animation_on_a_huge_canvas_is_refused_before_decoding(client, alice, monkeypatch):
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self) or ImageFile.Image.Image.load(self))
    data = tiny_gif_on_a_huge_canvas()
    assert len(data) < 500
    response = upload(client, data)
    assert response.status_code == 422
    assert "too long or too large" in page(response).select_one("#image-error").get_text()
    assert decoded == []


@pytest.mark.parametrize(
    "fields, alt", [({"caption": "Sunset"}, "Sunset"), ({"caption": "Sunset", "alt": "Red sky over a pier"}, "Red sky over a pier")]
)
def test_alt_text_defaults_to_the_caption(client, alice, fields, alt):
    assert shown_image(client, upload(client, image_bytes(), **fields))["alt"] == alt


def test_uploaded_file_name_is_never_shown(client, alice):
    name = "<img src=x onerror=alert(1)>.png"
    response = upload(client, image_bytes(), filename=name)
    permalink = client.get(response.headers["Location"])
    assert "onerror" not in permalink.get_data(as_text=True)
    served = client.get(shown_image(client, response)["src"])
    assert "onerror" not in str(served.headers)


def test_an_image_or_a_link_is_required_and_an_upload_wins(client, alice):
    response = client.post("/post/new/image", data={"caption": "nothing"})
    assert response.status_code == 422
    assert "required" in page(response).select_one("#image_url-error").get_text()
    both = upload(client, image_bytes(), image_url="https://img.example/cat.jpg")
    assert shown_image(client, both)["src"].startswith("/media/")


def test_deleting_a_post_deletes_its_files(app, client, alice):
    response = upload(client, image_bytes(size=(2000, 1000)))  # an image, a thumbnail, two WebP copies
    post = ImagePost.objects.get()
    sources = [shown_image(client, response)["src"], shown_image(client, response, list_page=True)["src"]]
    sources += webp_sources(client, response)
    assert stored_files(app) == 4 and len(set(sources)) == 4
    assert client.post(f"/post/{post.id}/delete").status_code == 303
    assert stored_files(app) == 0
    assert [client.get(src).status_code for src in sources] == [404] * 4


def test_replacing_an_upload_deletes_the_old_file_and_editing_text_keeps_it(app, client, alice):
    response = upload(client, image_bytes())
    post = ImagePost.objects.get()
    old = shown_image(client, response)["src"]
    hint = page(client.get(f"/post/{post.id}/edit")).select_one("#image-hint").get_text()
    assert hint.startswith("Leave empty to keep the current image.")
    client.post(f"/post/{post.id}/edit", data={"caption": "Only the caption changes"})
    assert shown_image(client, response)["src"] == old
    assert client.get(old).status_code == 200
    client.post(
        f"/post/{post.id}/edit",
        data={"image": (io.BytesIO(image_bytes("GIF")), "new.gif")},
        content_type="multipart/form-data",
    )
    new = shown_image(client, response)["src"]
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).content_type == "image/gif"
    assert stored_files(app) == 2  # the GIF and its WebP copy
    client.post(f"/post/{post.id}/edit", data={"image_url": "https://img.example/cat.jpg"})
    assert shown_image(client, response)["src"] == "https://img.example/cat.jpg"
    assert stored_files(app) == 0


@pytest.mark.parametrize("path", ["/media/000000000000000000000000", "/media/cat.png", "/media/../etc/passwd", "/media/"])
def test_unknown_media_is_404(client, path):
    assert client.get(path).status_code == 404


def test_a_linked_image_post_still_works(client, alice):
    post = make_post("image")
    img = page(client.get(f"/post/{post.id}", follow_redirects=True)).select_one("article img")
    assert img["src"] == "https://images.example.com/cat.jpg"
    assert Post.objects.get(id=post.id).media_ids() == []


def test_demo_image_posts_use_generated_uploads(client):
    """The demo works offline and within the CSP: its images are served from /media/."""
    import random

    from tumblelog.seed import seed_posts

    seed_posts(30, rng=random.Random(3))
    sources = [img["src"] for img in page(client.get("/")).select("article.post--image img")]
    assert sources and all(src.startswith("/media/") for src in sources)
    assert {client.get(src).content_type for src in sources} == {"image/jpeg"}
