"""Post cards on list pages: built from raw stored documents, and each post's public
part rendered once per stored version.

A list page reads its posts with ``as_pymongo()`` and wraps each in a ``ListedPost``.
What paging, like state and edit rights need (id, dates, state, author) is read straight from
the document; any other attribute builds the model document, once, so the models stay
the one place that knows the fields.

The public part of a card (the type's body, tags, author, date, counts) depends on the
stored document and nothing else, so it is kept in a per-process LRU keyed by a digest
of that document's BSON: any change to the post (an edit, a like, a comment, a field
another feature adds) makes a new key, so a stale card is never served. What depends
on the reader (the like button's state, Edit and Delete) is rendered around it on every
request (posts/_post.html).
"""
import dataclasses
import hashlib
import threading
from collections import OrderedDict
from types import SimpleNamespace

import bson
from flask import current_app
from markupsafe import Markup
from mongoengine.base import BaseDocument, get_document

from .i18n import page_locale
from .models import Post
from .publishing import PUBLIC, PUBLISHED


class ListedPost:
    """A post on a list page, over its raw stored document ``raw``."""

    __slots__ = ("raw", "_document", "_version")

    def __init__(self, raw):
        self.raw = raw
        self._document = None
        self._version = None

    @property
    def id(self):
        return self.raw["_id"]

    pk = id

    @property
    def created_at(self):
        return self.raw["created_at"]

    @property
    def updated_at(self):
        """Read raw: feeds' ETags and dates read it from every entry."""
        return self.raw["updated_at"]

    @property
    def published_at(self):
        """Read raw: cursors and the date line read it (None for a draft)."""
        return self.raw.get("published_at")

    # Feeds' dates and ETags read it from every entry: the model's rule, on raw fields.
    changed_at = Post.changed_at

    @property
    def state(self):
        return self.raw.get("state", PUBLISHED)

    @property
    def visibility(self):
        return self.raw.get("visibility", PUBLIC)

    @property
    def pinned(self):
        return self.raw.get("pinned", False)

    @property
    def like_count(self):
        """Read raw: the like button, rendered per reader, shows it."""
        return self.raw.get("like_count", 0)

    @property
    def author(self):
        """The author's reference, as ``post.author.pk`` reads it (``User.can``)."""
        return SimpleNamespace(pk=self.raw["author"])

    @property
    def labels(self):
        """Read raw: the reader's label choice is worked out per request."""
        return self.raw.get("labels", [])

    @property
    def tags(self):
        """Read raw: a reader's muted tags are matched against them per request."""
        return self.raw.get("tags", [])

    @property
    def model(self):
        """The post's type: its class, named by the stored ``_cls``."""
        return get_document(self.raw.get("_cls", Post._class_name))

    @property
    def shows_picture(self):
        return self.model.shows_picture

    @property
    def comments(self):
        """The comments read with the post (a permalink's page of them), as the model
        builds them: only when shown, since the permalink keeps its list rendered."""
        return Post.comments.to_python(self.raw.get("comments", []))

    @property
    def document(self):
        """The model document (its type's class), built on first use, without its
        comments: they are most of a permalink's document and rarely needed."""
        if self._document is None:
            self._document = Post._from_son({key: value for key, value in self.raw.items() if key != "comments"})
        return self._document

    @property
    def version(self):
        """A digest of the stored document: equal exactly when nothing stored changed."""
        if self._version is None:
            self._version = hashlib.blake2b(bson.encode(self.raw), digest_size=16).digest()
        return self._version

    def __getattr__(self, name):
        return getattr(self.document, name)


def listed(queryset):
    """``queryset``'s posts as ``ListedPost``s: one query, no model documents."""
    return [ListedPost(raw) for raw in queryset.as_pymongo()]


def listed_first(queryset):
    """``queryset``'s first post as a ``ListedPost``, or None."""
    raw = queryset.as_pymongo().first()
    return ListedPost(raw) if raw is not None else None


def version_of(*shown):
    """One digest of what a page shows, for its ETag (cache.revalidated_page): a
    ``ListedPost`` by its stored version, a model document by its stored fields, a
    dataclass (a ``Page``, ``CommentPage``...) by its fields, lists by their items and
    anything else (top tags, flags) by its ``repr``."""
    digest = hashlib.blake2b(digest_size=16)

    def add(thing):
        if isinstance(thing, ListedPost):
            digest.update(thing.version)
        elif isinstance(thing, BaseDocument):
            digest.update(bson.encode(thing.to_mongo()))
        elif dataclasses.is_dataclass(thing):
            add(list(vars(thing).values()))
        elif isinstance(thing, (list, tuple)):
            for item in thing:
                add(item)
        else:
            digest.update(repr(thing).encode())
        digest.update(b"\0")

    add(list(shown))
    return digest.hexdigest()


class CardCache:
    """A bounded, thread-safe LRU of rendered pieces of pages."""

    def __init__(self, size):
        self.size = size
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            html = self.entries.get(key)
            if html is not None:
                self.entries.move_to_end(key)
            return html

    def put(self, key, html):
        with self.lock:
            self.entries[key] = html
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)


def kept(key, build):
    """``build()``, computed once per ``key`` and then reused from the card cache.
    ``build`` must depend on what ``key`` names alone, and its result must never be
    changed by whoever uses it."""
    cache = current_app.extensions["cards"]
    if not cache.size:
        return build()
    key = (page_locale(), key)  # what is kept speaks the page's language
    value = cache.get(key)
    if value is None:
        value = build()
        cache.put(key, value)
    return value


def rendered(key, template, name, *args):
    """Macro ``name`` of ``template`` called with ``args``, rendered once per ``key``
    and then reused. The macro must depend on its arguments alone (it sees no request
    and no reader), and ``key`` must change whenever they do."""
    macro = getattr(current_app.jinja_env.get_template(template).module, name)
    return kept((template, name, key), lambda: Markup(macro(*args)))


def card_public(post, on_permalink=False, first=False, gated=False, signed_in=False):
    """The public part of ``post``'s card (the ``public_part`` macro of posts/_post.html),
    kept per stored version when ``post`` is a ``ListedPost``. ``gated`` (the post waits
    behind its content labels' click-through) and ``signed_in`` come from the reader, so
    they are part of the key: at most four versions of a card."""
    args = (post, on_permalink, first, gated, signed_in)
    if not isinstance(post, ListedPost):
        return current_app.jinja_env.get_template("posts/_post.html").module.public_part(*args)
    return rendered((post.version, *args[1:]), "posts/_post.html", "public_part", *args)


def register(app):
    # Templates that reload while the app runs (debug) would outdate what is kept.
    app.extensions["cards"] = CardCache(0 if app.jinja_env.auto_reload else app.config["CARD_CACHE_SIZE"])
    app.extensions["pages"] = CardCache(0 if app.jinja_env.auto_reload else app.config["PAGE_CACHE_SIZE"])
    app.jinja_env.globals["card_public"] = card_public
    app.jinja_env.globals["rendered"] = rendered
