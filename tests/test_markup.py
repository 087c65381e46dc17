import re
from html.parser import HTMLParser

import pytest

from tumblelog.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown


class Elements(HTMLParser):
    """The start tags of an HTML fragment as (tag, attrs dict) pairs."""

    def __init__(self, html):
        super().__init__()
        self.found = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    def tags(self):
        return [tag for tag, _ in self.found]

    def first(self, tag):
        return next(attrs for name, attrs in self.found if name == tag)


def url_scheme(url):
    """The scheme a browser would see in an href or src, or ""."""
    # Browsers drop leading/trailing controls and spaces and every tab and
    # newline before they read the scheme; HTMLParser has undone entities.
    url = re.sub(r"[\t\n\r]", "", url.strip("\x00\x01\x02\x03 \t\n\r\x0c"))
    match = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*):", url)
    return match[1].lower() if match else ""


def test_basic_formatting():
    html = render_markdown(
        "# Title\n\n## Sub\n\n*em* **strong** ~~gone~~ `code`\n\n"
        "- one\n- two\n\n3. three\n4. four\n\n> quoted\n\n---\n\n"
        "[a link](https://example.com/x?a=1&b=2 \"Example\")\n\n"
        "![a cat](https://example.com/cat.png)\n"
    )
    elements = Elements(html)
    assert elements.tags() == [
        "h1", "h2", "p", "em", "strong", "s", "code", "ul", "li", "li",
        "ol", "li", "li", "blockquote", "p", "hr", "p", "a", "p", "img",
    ]  # fmt: skip
    assert elements.first("ol") == {"start": "3"}
    assert elements.first("a") == {
        "href": "https://example.com/x?a=1&b=2",
        "title": "Example",
        "rel": "nofollow ugc noopener",
    }
    assert elements.first("img") == {
        "src": "https://example.com/cat.png",
        "alt": "a cat",
    }


def test_code_block_is_escaped_text():
    html = render_markdown("```python\nif a < b:\n    print('<b>')\n```\n")
    assert Elements(html).found == [("pre", {}), ("code", {})]
    assert "if a &lt; b:" in html


def test_table_alignment_uses_align_not_style():
    html = render_markdown("| a | b | c |\n|:--|--:|:-:|\n| 1 | 2 | 3 |\n")
    cells = [attrs for tag, attrs in Elements(html).found if tag in ("th", "td")]
    assert cells == [{"align": side} for side in ("left", "right", "center")] * 2


@pytest.mark.parametrize(
    ("markdown", "href"),
    [
        ("[tag](/tag/python)", "/tag/python"),
        ("[top](#top)", "#top"),
        ("<https://example.com/>", "https://example.com/"),
        ("[mail](mailto:me@example.com)", "mailto:me@example.com"),
    ],
)
def test_safe_links_are_kept(markdown, href):
    assert Elements(render_markdown(markdown)).first("a")["href"] == href


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "<iframe src='https://evil.example'></iframe>",
        "<style>body { display: none }</style>",
        "<object data=javascript:alert(1)>",
        "<details open ontoggle=alert(1)>x</details>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        "*<img src=x onerror=alert(1)>*",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java&#x09;script:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](&#x6A;&#x61;&#x76;&#x61;script:alert(1))",
        "[x](javascript&colon;alert(1))",
        "[x](%6Aavascript:alert(1))",
        "[x]( javascript:alert(1))",
        "[x](<javascript:alert(1)>)",
        "[x](\x00javascript:alert(1))",
        "[x](javascript://%0aalert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](vbscript:msgbox(1))",
        "[x](VBScript:msgbox(1))",
        "[x][ref]\n\n[ref]: javascript:alert(1)",
        "![x](javascript:alert(1))",
        "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        '![x](x" onerror="alert(1))',
        "<javascript:alert(1)>",
        "<vbscript:msgbox(1)>",
        '[x](http://a "\\" onmouseover=alert(1)")',
        "[x](http://a 'x' onmouseover='alert(1)')",
        "```html\n<script>alert(1)</script>\n```",
    ],
)
def test_hostile_markdown_is_neutralised(markdown):
    for tag, attrs in Elements(render_markdown(markdown)).found:
        assert tag in ALLOWED_TAGS
        assert tag not in {"script", "iframe", "style", "svg", "object", "math"}
        if tag == "a":
            assert "nofollow" in attrs.pop("rel", "").split()
        for name, value in attrs.items():
            assert not name.startswith("on")
            assert name in ALLOWED_ATTRIBUTES.get(tag, ())
            if name in ("href", "src"):
                assert url_scheme(value) in {"", "http", "https", "mailto"}
                assert url_scheme(value) not in {"javascript", "data", "vbscript"}


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        (" \x01JaVa\tScRiPt:alert(1)", "javascript"),
        ("java\nscript:x", "javascript"),
        ("java%09script:x", ""),
        ("/tag/x", ""),
        ("HTTPS://x", "https"),
    ],
)
def test_url_scheme_helper_reads_urls_like_a_browser(url, scheme):
    # The hostile-payload test is only as good as this helper.
    assert url_scheme(url) == scheme


# --- The rendering budget --------------------------------------------------------------
# Timing itself is measured by `python -m bench.markdown` (see the README); these tests
# run on a fake clock, so they hold on any machine, loaded or not.

# Text that markdown-it renders slowly, by ~60 µs a character: seconds at the length cap.
PATHOLOGICAL = ["[!", "![a", "[", "*_", "_a", "[](", "- a\n", "|a|\n|-|\n"]


@pytest.fixture
def fake_clock(monkeypatch):
    """A clock that moves one millisecond each time the budget looks at it."""
    from tumblelog import markup

    reads = []

    def clock():
        reads.append(1)
        return len(reads) / 1000

    monkeypatch.setattr(markup, "clock", clock)
    return reads


@pytest.mark.parametrize("unit", PATHOLOGICAL)
def test_pathological_text_at_the_length_cap_is_stopped_by_the_budget(fake_clock, unit):
    from tumblelog.markup import CHECK_EVERY, MAX_MARKDOWN_LENGTH, RENDER_BUDGET_SECONDS, MarkdownTooComplex

    text = (unit * MAX_MARKDOWN_LENGTH)[:MAX_MARKDOWN_LENGTH]
    with pytest.raises(MarkdownTooComplex, match="too complex"):
        render_markdown(text)
    # Stopped when the budget ran out, having looked at the clock every CHECK_EVERY steps.
    assert len(fake_clock) == RENDER_BUDGET_SECONDS * 1000 + 2
    assert CHECK_EVERY <= 64


def test_ordinary_text_renders_within_the_budget(fake_clock):
    assert render_markdown("Some *text* with a [link](https://example.com).\n\n- a\n- b") .startswith("<p>Some")
    assert len(fake_clock) < 10


@pytest.fixture
def slow_clock(monkeypatch):
    """A clock on which every render runs out of budget."""
    from tumblelog import markup

    ticks = iter(range(0, 10**9, 10))
    monkeypatch.setattr(markup, "clock", lambda: next(ticks))


def test_a_post_over_the_budget_is_refused_on_the_form(client, auth, slow_clock):
    auth.register()
    from conftest import page
    from tumblelog.models import Post

    response = client.post("/post/new/blog", data={"title": "t", "body": "[!" * 100})
    assert response.status_code == 422
    assert "too complex" in page(response).select_one("#body-error").get_text()
    assert Post.objects.count() == 0


def test_a_preview_over_the_budget_says_why(client, auth, slow_clock):
    auth.register()
    response = client.post("/post/preview", data={"body": "[!" * 100})
    assert response.status_code == 422
    assert "too complex" in response.json["error"]["message"]
