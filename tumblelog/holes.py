"""Pages rendered once and shared by the readers they look the same to.

A list page or a permalink is mostly what every reader sees: the cards, the comments
and notes, the header and footer. What is a reader's own is small: the CSRF token in
their forms, whether they like each post, the account menu in the header, their name
over the comment form and that form's one-use spam token. While a page is rendered to
be kept, those places get a mark instead (``hole`` for a part, ``fresh`` for a value);
the page is kept split at its marks, under a key naming everything else of the reader's
that changes the page (``paging.reader_state``, ``blog.permalink_reader``: label
choices, mutes, the posts they may edit, their buttons and tools); each request fills
the marks in for its reader. ``tests/test_holes.py`` checks that a filled page is
exactly the page rendered for that reader alone.
"""
import hashlib
import re
import secrets

from flask import current_app, g, make_response
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from .cards import kept
from .spam import form_time_token

# Random per process, so no stored text can spell a mark.
NONCE = secrets.token_hex(8)
MARK = re.compile(f"\x00{NONCE}:(\\d+)\x00")

# Values filled into a kept page, each once per request (escaped: a name may hold "<").
VALUES = {
    "csrf": generate_csrf,
    "form_time": form_time_token,  # the comment form's signed render time (spam.py)
    "username": lambda: current_user.username,
}
VALUE_MARKS = {name: Markup(f"\x00{NONCE}:{name}\x00") for name in VALUES}


def keeping():
    """Is the page being rendered to be kept (marks instead of the reader's parts)?"""
    return g.get("holes") is not None


def hole(kind, key=None, *variants):
    """A mark for the reader's part ``kind`` (see ``FILLERS``): ``variants`` are its
    possible renderings, rendered once with the page; ``key`` says which is whose."""
    g.holes.append((kind, key, variants))
    return Markup(f"\x00{NONCE}:{len(g.holes) - 1}\x00")


def fresh(name):
    """The value ``name`` of ``VALUES`` for this request, or its mark in a kept page."""
    return VALUE_MARKS[name] if keeping() else VALUES[name]()


def csrf_token():
    """``csrf_token()`` in templates: the session's token, or its mark in a kept page."""
    return fresh("csrf")


def reader_nav():
    """The header's account menu (templates/_nav.html) for the signed-in reader. In a
    kept page, a hole; filled, a menu kept per reader state and only ever rendered
    with the token's mark, so that no kept menu carries one session's token."""
    filling = g.get("filling")
    if keeping() and not filling:
        return hole("nav")
    reader = current_user._get_current_object()
    macro = current_app.jinja_env.get_template("_nav.html").module.site_nav
    if filling:
        state = (reader.id, reader.username, reader.avatar_small, reader.unread_count, reader.can("post"),
                 reader.can("moderate"))
        return kept(("nav", state), lambda: Markup(macro(reader)))
    return Markup(macro(reader))


def liked(post_id, variants):
    if "reader_likes" not in g:
        g.reader_likes = set(getattr(current_user, "recent_likes", ()))  # none signed out
    return variants[post_id in g.reader_likes]


FILLERS = {
    "liked": liked,
    "nav": lambda key, variants: reader_nav(),
}


def render_kept(render):
    """``render()`` with marks: ``(parts, holes)``, or None if the page cannot be kept
    (it carries this session's token where a mark should be: a form not written with
    ``csrf_token()``)."""
    g.holes = []
    try:
        html = str(render())
        holes = g.holes
    finally:
        g.holes = None
    if generate_csrf() in html:
        return None
    return MARK.split(html), holes


def fill(parts, holes):
    """The kept page for this request's reader."""
    def filled(index):
        kind, key, variants = holes[int(index)]
        return FILLERS[kind](key, variants)

    g.holes, g.filling = [], True  # fillers render with marks too (the menu's token)
    try:
        # MARK.split gives text, a hole's index, text, ... : the odd places are holes.
        out = [part if i % 2 == 0 else filled(part) for i, part in enumerate(parts)]
    finally:
        g.holes, g.filling = None, False
    html = "".join(out)
    for name, mark in VALUE_MARKS.items():
        if mark in html:
            html = html.replace(mark, escape(VALUES[name]()))
    return html


def kept_page(render, key):
    """The page kept under ``key`` (what it shows and how it looks to this reader;
    see ``paging.reader_state``), filled in for this request's reader."""
    pages = current_app.extensions["pages"]
    # Prefixed: the same cache keeps signed-out list pages under their ETags.
    key = hashlib.blake2b(repr(("kept", key)).encode(), digest_size=16).hexdigest()
    skeleton = pages.get(key)
    if skeleton is None:
        skeleton = render_kept(render)
        if skeleton is None:
            return make_response(render())
        pages.put(key, skeleton)
    return make_response(fill(*skeleton))


def register(app):
    app.jinja_env.globals.update(keeping=keeping, hole=hole, fresh=fresh, csrf_token=csrf_token, reader_nav=reader_nav)
    # Flask-WTF also hands templates its own ``csrf_token`` through a context processor;
    # this one runs later, so rendered templates see the one above too.
    app.context_processor(lambda: {"csrf_token": csrf_token})
