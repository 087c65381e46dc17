"""Markdown to safe HTML.

A post's Markdown is rendered once, when the post is saved, and the HTML is
stored beside it. markdown-it already escapes raw HTML and refuses
``javascript:`` links; nh3 then keeps only an explicit allowlist, so a bug or
a new feature in either one alone cannot let script through.
"""

import nh3
from markdown_it import MarkdownIt

MAX_MARKDOWN_LENGTH = 50_000

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
    "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img",
    "table", "thead", "tbody", "tr", "th", "td",
}
# No "rel" on <a>: nh3 sets it from link_rel and refuses both at once.
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
# Relative URLs such as /tag/python are kept; nh3 drops every other scheme.
URL_SCHEMES = {"http", "https", "mailto"}
# Links in posts and comments are user content: no search-engine credit.
LINK_REL = "nofollow ugc noopener"


def _align_cells(state):
    # The "js-default" preset aligns table cells with style="text-align:…",
    # and style is not allowed through; the align attribute says the same
    # without letting any CSS in.
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and "style" in token.attrs:
            style = str(token.attrs.pop("style"))
            token.attrs["align"] = style.removeprefix("text-align:")


# "js-default" is CommonMark with tables and strikethrough, raw HTML off and
# no linkify. One instance serves every request: render() keeps no state.
_md = MarkdownIt("js-default")
_md.core.ruler.push("align_cells", _align_cells)


def render_markdown(text: str) -> str:
    """Return the sanitised HTML for a post's Markdown ``text``."""
    return nh3.clean(
        _md.render(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
