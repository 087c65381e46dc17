"""Paging through post lists: ``?page=N`` for the first pages, keyset cursors beyond.

A list is sorted newest first by ``(published_at, _id)`` and every list has an index that
ends in those two keys. "Older posts" links carry the position of the last post shown
(``?before=<cursor>``), so any page, however deep, is one indexed range scan of
``per_page + 1`` posts: it costs what page 1 costs, where ``skip()`` would walk past every
earlier post. "Newer posts" from a cursor page runs the same scan the other way
(``?after=<cursor>``). ``?page=N`` keeps working up to ``MAX_PAGE`` for bookmarks.
"""
import base64
import binascii
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bson import ObjectId
from flask import abort, current_app, render_template, request
from flask_login import current_user
from mongoengine import Q

from .cache import revalidated_page
from .cards import listed, version_of
from .toptags import top_tags

MAX_PAGE = 100  # ?page=N uses skip(); deeper pages are reached by cursor links

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_CURSOR = struct.Struct(">q12s")  # microseconds since the epoch, then the ObjectId


def encode_cursor(post, key="published_at"):
    """An opaque, URL-safe token for ``post``'s place in a list sorted by ``key`` and id."""
    moment = getattr(post, key)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    micros = (moment - EPOCH) // timedelta(microseconds=1)
    raw = _CURSOR.pack(micros, post.id.binary)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(token):
    """``(moment, id)`` from a token made by ``encode_cursor``, or None if it is not one."""
    if not token or len(token) != 27 or not token.isascii():
        return None
    try:
        micros, oid = _CURSOR.unpack(base64.urlsafe_b64decode(token + "="))
        return EPOCH + timedelta(microseconds=micros), ObjectId(oid)
    except (binascii.Error, ValueError, OverflowError, struct.error):
        return None


def older_than(moment, post_id, key="published_at"):
    """Posts after the position ``(moment, post_id)`` in newest-first order of ``key``.

    ``key <= t`` bounds the index scan; the ``$or`` breaks ties by id.
    """
    return Q(**{f"{key}__lte": moment}) & (Q(**{f"{key}__lt": moment}) | Q(id__lt=post_id))


def newer_than(moment, post_id, key="published_at"):
    """Posts before the position ``(moment, post_id)`` in newest-first order of ``key``
    (the next ones in oldest-first order, as the queue is)."""
    return Q(**{f"{key}__gte": moment}) & (Q(**{f"{key}__gt": moment}) | Q(id__gt=post_id))


@dataclass
class Page:
    """One page of a post list and the way to its neighbours.

    ``number`` is the page's number when it was asked for as ``?page=N`` and None when
    it was reached by a cursor. ``keyset`` pages (what ``page_of`` makes) link to older
    pages by cursor; pages built elsewhere without it link by number.
    """

    posts: list
    number: int | None
    has_older: bool
    has_newer: bool | None = None  # None: there are newer pages when number > 1
    keyset: bool = False

    def __post_init__(self):
        if self.has_newer is None:
            self.has_newer = bool(self.number and self.number > 1)

    @property
    def older_args(self):
        """The query arguments of the next older page, or None when this is the last."""
        if not self.has_older:
            return None
        if self.keyset and self.posts:
            return {"before": encode_cursor(self.posts[-1])}
        return {"page": self.number + 1}

    @property
    def newer_args(self):
        """The query arguments of the next newer page (``{}`` for the first), or None."""
        if not self.has_newer:
            return None
        if self.number:
            return {"page": self.number - 1} if self.number > 2 else {}
        return {"after": encode_cursor(self.posts[0])}


PAGING_ARGS = ("page", "before", "after")


def paging_args():
    """This request's paging arguments, to carry over a redirect (and nothing else:
    names like ``_external`` must never reach ``url_for`` from a query string)."""
    return {name: request.args[name] for name in PAGING_ARGS if name in request.args}


def page_number():
    """The ``?page=`` number: odd values (``abc``, ``-3``) mean 1; past MAX_PAGE is a 404."""
    raw = request.args.get("page", "")
    # ASCII digits only: int() would also take "٣", " 2" and "1_0".
    number = int(raw) if raw.isascii() and raw.isdigit() else 1
    if number > MAX_PAGE:
        abort(404)
    return max(number, 1)


def page_of(queryset):
    """The page of ``queryset`` (sorted by ``Post.LIST_ORDER``) that the request asks
    for, in one query: ``?before=`` or ``?after=`` a cursor, else ``?page=N``.

    The posts are ``cards.ListedPost``s over raw documents (see cards.py). Fetching
    one post more than a page tells whether a further page exists without a
    count. A malformed cursor, or a page past the end, is a 404.
    """
    per_page = current_app.config["POSTS_PER_PAGE"]
    before, after = request.args.get("before"), request.args.get("after")
    if before is not None or after is not None:
        position = decode_cursor(before if before is not None else after) or abort(404)
        moment, post_id = position
        if before is not None:
            posts = listed(queryset.filter(older_than(moment, post_id)).limit(per_page + 1))
            if not posts:
                abort(404)
            return Page(posts[:per_page], None, len(posts) > per_page, has_newer=True, keyset=True)
        posts = listed(queryset.filter(newer_than(moment, post_id)).order_by("published_at", "id").limit(per_page + 1))
        if not posts:
            abort(404)
        return Page(posts[:per_page][::-1], None, True, has_newer=len(posts) > per_page, keyset=True)
    number = page_number()
    posts = listed(queryset.skip((number - 1) * per_page).limit(per_page + 1))
    if not posts and number > 1:
        abort(404)
    return Page(posts[:per_page], number, len(posts) > per_page, keyset=True)


@dataclass
class CommentPage:
    """Which of a post's comments one page shows. Comments read oldest first, as a
    conversation does, and pages count from the oldest: page 3 always holds the same
    comments however long the thread grows, so its links and anchors stay good."""

    number: int
    per_page: int
    total: int

    @property
    def skip(self):
        return (self.number - 1) * self.per_page

    @property
    def last(self):
        """The number of the last page (1 for a post with no comments)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def first_shown(self):
        return min(self.skip + 1, self.total)

    @property
    def last_shown(self):
        return min(self.skip + self.per_page, self.total)

    @classmethod
    def holding(cls, position, per_page):
        """The page holding the comment at 1-based ``position``."""
        return cls(-(-position // per_page), per_page, position)


def list_page(page, template="blog/list.html", reader_extra=(), **context):
    """``page`` of posts shown by ``template`` (blog/list.html or one extending it).
    Signed-out readers may revalidate it (its posts, what else ``context`` shows, and
    the top tags beside it), and share it: it carries nothing of theirs. Signed-in
    readers share it kept with those it looks the same to (``reader_state``, and
    ``reader_extra``: what else of the reader's the template shows)."""
    return revalidated_page(
        lambda: render_template(template, page=page, **context),
        lambda: version_of(page, repr(top_tags()), *context.values()),
        shared=True,
        reader=lambda: (reader_state(page, context.get("author"), context.get("pinned")), reader_extra),
    )


def reader_state(page, author=None, pinned=None):
    """What of the signed-in reader changes how a list page looks, beyond the token,
    likes and menu that are filled in (holes.py): their label choices and muted tags,
    the posts on the page they may edit or delete (their roles matter there), and
    their Follow and Block buttons. Readers alike in these share the page, kept."""
    from .admin import block_state  # admin and follow import this module
    from .follow import follow_state

    reader = current_user._get_current_object()
    posts = page.posts + ([pinned] if pinned else [])
    return (
        sorted((reader.label_choices or {}).items()), list(reader.muted_tags),
        [(post.id, reader.can("edit_post", post)) for post in posts if reader.can("delete_post", post)],
        follow_state(page, author), block_state(page, author),
    )
