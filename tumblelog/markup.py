"""Markdown to safe HTML.

A post's Markdown is rendered once, when the post is saved, and the HTML is
stored beside it. markdown-it already escapes raw HTML and refuses
``javascript:`` links; nh3 then keeps only an explicit allowlist, so a bug or
a new feature in either one alone cannot let script through.

Rendering has a CPU budget. markdown-it's cost depends on the shape of the text, not
only its length: 50,000 characters of prose take ~55 ms, but ``![a`` repeated to the
same length takes ~3 s. The parser checks the budget as it goes, and text that takes
longer than ``RENDER_BUDGET_SECONDS`` is refused (``MarkdownTooComplex``) as a
too-long one is.
"""
import contextvars
import gc
import time

import nh3
from markdown_it import MarkdownIt

MAX_MARKDOWN_LENGTH = 50_000
RENDER_BUDGET_SECONDS = 0.1  # of the thread's CPU time; `python -m bench.markdown` measures

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


class MarkdownTooComplex(ValueError):
    """Text whose rendering ran past the budget; the message is for the form."""


def clock():
    """CPU seconds of this thread: other requests' work does not count against a render."""
    return time.thread_time()


class _Budget:
    """One render's deadline, in ``clock()`` seconds."""

    def __init__(self):
        self.deadline = clock() + RENDER_BUDGET_SECONDS
        self.steps = 0

    def check(self):
        if clock() > self.deadline:
            raise MarkdownTooComplex(
                "This text is too complex to format (thousands of brackets or emphasis marks?). "
                "Simplify it or split it into shorter paragraphs."
            )


_budget = contextvars.ContextVar("markdown_budget", default=None)
CHECK_EVERY = 32  # parser steps between two looks at the clock, which costs more than a step


def _check_budget(*args):
    # Runs first at every step of the block and inline parsers (also inside their
    # look-aheads, which is where pathological text spends its time) and never matches.
    budget = _budget.get()
    if budget is not None:
        budget.steps += 1
        if budget.steps % CHECK_EVERY == 0:
            budget.check()
    return False


# "js-default" is CommonMark with tables and strikethrough, raw HTML off and
# no linkify. One instance serves every request: render() keeps no state.
_md = MarkdownIt("js-default")
_md.core.ruler.push("align_cells", _align_cells)
_md.block.ruler.before(_md.block.ruler.get_all_rules()[0], "budget", _check_budget)
_md.inline.ruler.before(_md.inline.ruler.get_all_rules()[0], "budget", _check_budget)


def render_markdown(text: str) -> str:
    """Return the sanitised HTML for a post's Markdown ``text``; raise
    ``MarkdownTooComplex`` when that costs more than the budget.

    The parser stops as soon as it is over; turning its tokens into HTML and cleaning
    that (both linear, together at most ~70 ms at the length cap) cannot be stopped, so
    the budget is checked once more after them: no text is accepted that took longer.
    """
    # The garbage collector waits meanwhile: a full collection of the whole process's
    # garbage can take longer than the budget, and it is no cost of this text's.
    collecting = gc.isenabled()
    gc.disable()
    budget = _Budget()
    token = _budget.set(budget)
    try:
        html = nh3.clean(
            _md.render(text),
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel=LINK_REL,
            strip_comments=True,
        )
    finally:
        _budget.reset(token)
        if collecting:
            gc.enable()
    budget.check()
    return html
