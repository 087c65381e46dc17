"""Pages that paint fast: images reserve their space, the first one loads first, WebP
copies fit the screen, and videos load nothing from their site until clicked."""
import io

import pytest
from bson import ObjectId
from PIL import Image

from conftest import page
from factories import image_bytes, make_post
from tumblelog import images


def upload(client, size, fmt="PNG"):
    data = {"image": (io.BytesIO(image_bytes(fmt, size=size)), "photo.png"), "caption": "A photo"}
    return client.post("/post/new/image", data=data, content_type="multipart/form-data")


def srcset(img_or_source):
    """``[(url, width)]`` of a ``srcset`` attribute."""
    return [(url, int(width.rstrip("w"))) for url, width in (c.split() for c in img_or_source["srcset"].split(", "))]


@pytest.mark.parametrize("path", ["/", "/tag/photos", "/user/alice", "/search?q=photo", "PERMALINK"])
def test_uploaded_images_carry_their_size_everywhere(client, alice, path):
    response = upload(client, (1600, 900))
    client.post("/".join(response.headers["Location"].split("/")[:3]) + "/edit", data={"caption": "A photo", "tags": "photos"})
    html = page(client.get(response.headers["Location"] if path == "PERMALINK" else path, follow_redirects=True))
    img = html.select_one("article.post--image img")
    assert (img["width"], img["height"]) == ("1600", "900")


def test_the_first_image_loads_first_and_the_others_when_scrolled_near(client):
    make_post("quote")
    posts = [make_post("image", image_url="", image_file=ObjectId(), width=10, height=10) for _ in range(3)]
    html = page(client.get("/"))
    first, *others = html.select("article.post--image img")
    assert first.find_parent("article")["data-post-id"] == str(posts[-1].id)
    assert first["fetchpriority"] == "high" and "loading" not in first.attrs
    assert all(img["loading"] == "lazy" and "fetchpriority" not in img.attrs for img in others)


def test_a_permalinks_image_is_not_lazy(client):
    post = make_post("image")
    img = page(client.get(f"/post/{post.id}", follow_redirects=True)).select_one("article img")
    assert img["fetchpriority"] == "high" and "loading" not in img.attrs


def test_a_large_upload_offers_webp_copies_for_ordinary_and_sharp_screens(client, alice):
    response = upload(client, (3000, 1500))
    source = page(client.get(response.headers["Location"])).select_one("article picture source")
    assert source["type"] == "image/webp" and "100vw" in source["sizes"]
    copies = srcset(source)
    assert [width for _, width in copies] == [640, 1280]
    for url, width in copies:
        served = client.get(url)
        assert served.content_type == "image/webp"
        assert Image.open(io.BytesIO(served.data)).size == (width, width // 2)


@pytest.mark.parametrize("size, widths", [((300, 200), [300]), ((900, 600), [640, 900])])
def test_a_smaller_upload_is_never_enlarged(size, widths):
    processed = images.process_image(io.BytesIO(image_bytes(size=size)))
    assert [copy.width for copy in processed.webp] == widths


def test_an_animation_keeps_its_gif_without_webp_copies():
    frames = [Image.new("RGB", (800, 800), color) for color in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:])
    assert images.process_image(io.BytesIO(out.getvalue())).webp == []


def test_an_upload_saved_before_webp_copies_still_shows(client):
    post = make_post("image", image_url="", image_file=ObjectId(), width=800, height=600)
    article = page(client.get(f"/post/{post.id}", follow_redirects=True)).select_one("article")
    assert article.select("picture source") == []
    assert article.select_one("img")["src"] == f"/media/{post.image_file}"


def test_a_video_loads_nothing_from_its_site_until_clicked(client):
    make_post("video", caption="A song")
    html = page(client.get("/"))
    article = html.select_one("article.post--video")
    assert article.select("iframe, img, script, link") == []
    facade = article.select_one("a.video-facade")
    assert facade["href"] == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert facade["data-player"] == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"


def test_a_photoset_first_on_the_page_loads_its_first_photo_first(client):
    from tumblelog.models import Photo

    make_post("photoset", photos=[Photo(file=ObjectId(), width=800, height=600), Photo(file=ObjectId(), width=600, height=800)])
    first, second = page(client.get("/")).select("article.post--photoset img")
    assert first["fetchpriority"] == "high" and (first["width"], first["height"]) == ("800", "600")
    assert second["loading"] == "lazy" and (second["width"], second["height"]) == ("600", "800")


def test_each_uploaded_photo_of_a_set_offers_webp_copies_sized_to_its_row(client, alice):
    files = [(io.BytesIO(image_bytes(size=size)), f"{n}.png") for n, size in enumerate([(2000, 1000), (500, 500)])]
    response = client.post("/post/new/photoset", data={"photos": files, "layout": "2"}, content_type="multipart/form-data")
    sources = page(client.get(response.headers["Location"])).select("article.post--photoset picture source")
    assert [[width for _, width in srcset(source)] for source in sources] == [[640, 1280], [500]]
    assert all(source["type"] == "image/webp" and "50vw" in source["sizes"] for source in sources)
    for url, width in srcset(sources[0]):
        assert Image.open(io.BytesIO(client.get(url).data)).format == "WEBP"
    # The originals stay the fallback, and photos given by link have no copies.
    assert all(img["src"].startswith("/media/") for img in page(client.get("/")).select("article.post--photoset img"))


def test_a_link_thumbnail_offers_webp(client, alice):
    data = {"url": "https://example.org/", "title": "A link", "thumbnail": (io.BytesIO(image_bytes(size=(300, 200))), "t.png")}
    response = client.post("/post/new/link", data=data, content_type="multipart/form-data")
    source = page(client.get(response.headers["Location"])).select_one("article.post--link picture source")
    served = client.get(source["srcset"])
    assert source["type"] == "image/webp" and served.content_type == "image/webp"
    assert Image.open(io.BytesIO(served.data)).size == (300, 200)
