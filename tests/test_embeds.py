import pytest

from tumblelog.embeds import (
    PROVIDERS,
    VideoURLError,
    embed_url,
    parse_video_url,
    thumbnail_url,
    watch_url,
)

YT = "dQw4w9WgXcQ"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"https://www.youtube.com/watch?v={YT}", ("youtube", YT)),
        (f"http://www.youtube.com/watch?v={YT}", ("youtube", YT)),
        (f"https://youtube.com/watch?v={YT}", ("youtube", YT)),
        (f"https://m.youtube.com/watch?v={YT}", ("youtube", YT)),
        (f"https://music.youtube.com/watch?v={YT}", ("youtube", YT)),
        (f"https://WWW.YouTube.COM/watch?v={YT}", ("youtube", YT)),
        (f"HTTPS://www.youtube.com/watch?v={YT}", ("youtube", YT)),
        (f"https://www.youtube.com/watch?feature=share&v={YT}&t=42s", ("youtube", YT)),
        (f"https://www.youtube.com/watch?v={YT}#t=30", ("youtube", YT)),
        ("https://www.youtube.com/watch?v=a-b_c-D_e-F", ("youtube", "a-b_c-D_e-F")),
        (f"https://youtu.be/{YT}", ("youtube", YT)),
        (f"https://youtu.be/{YT}?si=AbCdEf123", ("youtube", YT)),
        (f"https://youtu.be/{YT}/", ("youtube", YT)),
        (f"https://www.youtube.com/shorts/{YT}", ("youtube", YT)),
        (f"https://www.youtube.com/embed/{YT}", ("youtube", YT)),
        (f"https://www.youtube.com/live/{YT}?feature=shared", ("youtube", YT)),
        (f"https://www.youtube-nocookie.com/embed/{YT}", ("youtube", YT)),
        (f"https://www.youtube.com:443/watch?v={YT}", ("youtube", YT)),
        (f"http://youtu.be:80/{YT}", ("youtube", YT)),
        (f"  https://youtu.be/{YT}\n", ("youtube", YT)),
        ("https://vimeo.com/76979871", ("vimeo", "76979871")),
        ("http://vimeo.com/1", ("vimeo", "1")),
        ("https://www.vimeo.com/76979871/", ("vimeo", "76979871")),
        ("https://vimeo.com/76979871?share=copy", ("vimeo", "76979871")),
        ("https://player.vimeo.com/video/76979871", ("vimeo", "76979871")),
        ("https://vimeo.com/123456789012", ("vimeo", "123456789012")),
    ],
)
def test_parse_video_url_accepts_page_links(url, expected):
    assert parse_video_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "youtube.com/watch?v=dQw4w9WgXcQ",
        "//www.youtube.com/watch?v=dQw4w9WgXcQ",
        "ftp://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "javascript:alert(1)//youtube.com/watch?v=dQw4w9WgXcQ",
        "data:text/html,<script>alert(1)</script>",
        '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>',
        "https://youtube.com@evil.example/watch?v=dQw4w9WgXcQ",
        "https://user:pw@youtube.com/watch?v=dQw4w9WgXcQ",
        "https://evil.example@youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com:8080/watch?v=dQw4w9WgXcQ",
        "http://www.youtube.com:443/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com:99999/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com:abc/watch?v=dQw4w9WgXcQ",
        "https://[::1/watch?v=dQw4w9WgXcQ",
        "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
        "https://evil-youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com./watch?v=dQw4w9WgXcQ",
        "https://youtube\uff0ecom/watch?v=dQw4w9WgXcQ",
        "https://notyoutu.be/dQw4w9WgXcQ",
        "https://vimeo.com.evil.example/76979871",
        "https://www.you\ttube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=dQw4w9\nWgXcQ",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&x=\x00",
        "https://www.youtube.com/watch?v=dQw4w9 WgXcQ",
        "https:\\\\www.youtube.com\\watch?v=dQw4w9WgXcQ",
        "https://evil.example\\@www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=dQw4w9WgXc",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQQ",
        "https://www.youtube.com/watch?v=dQw4w9WgXc!",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&v=aaaaaaaaaaa",
        "https://www.youtube.com/watch?list=PL123",
        "https://www.youtube.com/",
        "https://www.youtube.com/channel/UCuAXFkgsw1L7xaCfnd5JJOw",
        "https://www.youtube.com/shorts/dQw4w9WgXcQ/extra",
        "https://youtu.be/",
        "https://vimeo.com/channels/staffpicks",
        "https://vimeo.com/1234567890123",
        "https://vimeo.com/-1",
        "https://player.vimeo.com/76979871",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&pad=" + "a" * 2048,
    ],
)
def test_parse_video_url_rejects_everything_else(url):
    with pytest.raises(VideoURLError):
        parse_video_url(url)


@pytest.mark.parametrize("value", [None, 42, b"https://youtu.be/dQw4w9WgXcQ", ["x"]])
def test_parse_video_url_rejects_non_strings(value):
    with pytest.raises(VideoURLError):
        parse_video_url(value)


def test_error_message_names_the_providers():
    message = str(VideoURLError())
    assert all(name in message for name in PROVIDERS)


@pytest.mark.parametrize(
    ("provider", "video_id", "embed", "watch"),
    [
        (
            "youtube",
            YT,
            f"https://www.youtube-nocookie.com/embed/{YT}",
            f"https://www.youtube.com/watch?v={YT}",
        ),
        (
            "vimeo",
            "76979871",
            "https://player.vimeo.com/video/76979871",
            "https://vimeo.com/76979871",
        ),
    ],
)
def test_urls_built_from_provider_and_id(provider, video_id, embed, watch):
    assert embed_url(provider, video_id) == embed
    assert watch_url(provider, video_id) == watch
    # Whatever we build must parse back to the same video.
    assert parse_video_url(embed) == (provider, video_id)
    assert parse_video_url(watch) == (provider, video_id)


def test_thumbnail_url():
    assert thumbnail_url("youtube", YT) == f"https://i.ytimg.com/vi/{YT}/hqdefault.jpg"
    assert thumbnail_url("vimeo", "76979871") is None


@pytest.mark.parametrize(
    ("provider", "video_id"),
    [
        ("youtube", '"><script>alert(1)</script>'),
        ("youtube", "dQw4w9WgXc"),
        ("youtube", f"{YT}\n"),
        ("youtube", "../../evil1"),
        ("youtube", None),
        ("vimeo", "76979871?autoplay=1"),
        ("vimeo", YT),
        ("dailymotion", "x7tgad0"),
        ("YouTube", YT),
    ],
)
@pytest.mark.parametrize("build", [embed_url, watch_url, thumbnail_url])
def test_builders_refuse_bad_stored_values(build, provider, video_id):
    with pytest.raises(ValueError):
        build(provider, video_id)
