"""Feeds of the whole blog, one tag and one blogger, each as Atom 1.0 (RFC 4287) and as
JSON Feed 1.1 (https://jsonfeed.org/version/1.1), from the same query.

The XML is built with ``xml.etree.ElementTree``, which escapes every value, and the JSON
with ``json``; an entry's content is HTML rendered by the same autoescaping templates as
the site (a text post's stored, sanitised Markdown HTML; everything else escaped), so
feed readers get no more than a browser would. Feed readers poll: each feed carries an
``ETag`` and ``Last-Modified`` taken from its entries, and a matching conditional
request is answered ``304`` without building the document. Every URL in a feed is
built from the configured host (``urls.external_url``).
"""
import hashlib
import json
import re
import xml.etree.ElementTree as ET

from flask import Blueprint, current_app, redirect, request, url_for
from flask_babel import get_locale

from .cache import conditional_response
from .cards import ListedPost, kept, listed
from .lookups import tag_or_404, user_or_404
from .models import CONTENT_LABELS, Post, SiteState, utcnow
from .moderation import SiteSettings
from .publishing import as_utc
from .urls import external_url, external_url_for, site_root

bp = Blueprint("feeds", __name__)

ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
FEED_SIZE = 20
FEED_FORMAT = "2"  # part of the ETag: change it when entries are built differently
FEED_MAX_AGE = 60  # readers may reuse a feed for a minute, then must ask again
# Each feed is served in both formats: the route's ``kind`` picks one.
KINDS = {"atom": "application/atom+xml", "json": "application/feed+json"}

# Characters XML 1.0 cannot carry at all, not even escaped (most C0 controls,
# surrogates, U+FFFE/FFFF). A post could contain them; the feed must still parse.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value):
    return _NOT_XML.sub("", str(value))


def add(parent, tag, text=None, **attrs):
    """Append ``<tag>`` with ``text`` and ``attrs`` (all made XML-safe) to ``parent``."""
    element = ET.SubElement(parent, tag, {key: xml_text(value) for key, value in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def rfc3339(value):
    return as_utc(value).isoformat(timespec="seconds")


def permalink(post):
    return external_url(post.permalink())


def author_url(post):
    return external_url_for("blog.user", username=post.author_name)


def content_html(post):
    # Straight from the Jinja environment: render_template's context processors would
    # load the signed-in reader's account, a query a feed (the same for all) never needs.
    return current_app.jinja_env.get_template(post.partial("feeds")).render(post=post)


def atom_entry(post):
    """``post``'s ``<entry>`` as UTF-8 bytes."""
    link = permalink(post)
    entry = ET.Element("entry")
    add(entry, "id", link)
    add(entry, "title", post.headline, type="text")
    add(entry, "link", rel="alternate", type="text/html", href=link)
    for href, content_type in post.enclosures():
        add(entry, "link", rel="enclosure", type=content_type, href=href)
    add(entry, "published", rfc3339(post.published_at))
    add(entry, "updated", rfc3339(post.updated_at))
    author = add(entry, "author")
    add(author, "name", post.author_name)
    add(author, "uri", author_url(post))
    for tag in post.tags:
        add(entry, "category", term=tag, scheme=external_url("/tag/"))
    for label in post.labels or ():
        add(entry, "category", term=label, label=CONTENT_LABELS[label], scheme=external_url("/labels/"))
    add(entry, "content", content_html(post), type="html")
    return ET.tostring(entry, encoding="utf-8")


def kept_entry(kind, build, post):
    """``build(post)``, once per stored version of the post (and host its links are on)."""
    if not isinstance(post, ListedPost):
        return build(post)
    return kept(("feed", kind, FEED_FORMAT, site_root(), post.version), lambda: build(post))


def build_atom(posts, title, page_url, self_url, subtitle=""):
    """The Atom document as UTF-8 bytes."""
    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xml:base": external_url("/")})
    add(feed, "id", self_url)
    add(feed, "title", title, type="text")
    if subtitle:
        add(feed, "subtitle", subtitle, type="text")
    add(feed, "updated", rfc3339(max((post.changed_at for post in posts), default=utcnow())))
    add(feed, "link", rel="self", type=KINDS["atom"], href=self_url)
    add(feed, "link", rel="alternate", type="text/html", href=page_url)
    add(feed, "generator", "tumblelog")
    head = ET.tostring(feed, encoding="utf-8", xml_declaration=True).removesuffix(b"</feed>")
    return b"".join([head, *(kept_entry("atom", atom_entry, post) for post in posts), b"</feed>"])


def json_item(post):
    item = {
        "id": permalink(post),
        "url": permalink(post),
        "title": post.headline,
        "content_html": content_html(post),
        "summary": post.summary,
        "date_published": rfc3339(post.published_at),
        "date_modified": rfc3339(post.updated_at),
        "authors": [{"name": post.author_name, "url": author_url(post)}],
    }
    if post.tags:
        item["tags"] = list(post.tags)
    if post.picture:
        item["image"] = external_url(post.picture.src)
    if post.enclosures():
        item["attachments"] = [{"url": href, "mime_type": kind} for href, kind in post.enclosures()]
    if post.labels:
        # JSON Feed has no categories: an extension object (a key starting with "_")
        # carries the content labels, as Atom's categories of the labels scheme do.
        item["_tumblelog"] = {
            "about": external_url("/labels"),
            "content_labels": [{"term": label, "label": CONTENT_LABELS[label]} for label in post.labels],
        }
    return item


def build_json(posts, title, page_url, self_url, subtitle=""):
    """The JSON Feed document as UTF-8 bytes."""
    feed = {
        "version": JSON_FEED_VERSION,
        "title": title,
        "home_page_url": page_url,
        "feed_url": self_url,
        "favicon": external_url("/favicon.ico"),
        "language": "en",
        "items": [kept_entry("json", json_item, post) for post in posts],
    }
    if subtitle:
        feed["description"] = subtitle
    return json.dumps(feed, ensure_ascii=False, indent=1).encode()


BUILDERS = {"atom": build_atom, "json": build_json}


def feed_response(query, kind, title, page_endpoint, subtitle="", **view_args):
    """The newest ``FEED_SIZE`` posts of ``query`` as a ``kind`` feed, or 304 when unchanged."""
    posts = listed(query.limit(FEED_SIZE))
    # The feed changes when an entry is added or edited (the entries' ids and times), when
    # a post is deleted (the site's stamp: the entries that remain may all be older than
    # a reader's copy), and with the host name its links are built on. All of it goes
    # into the ETag and Last-Modified, so neither answers 304 for a body that changed.
    removed = SiteState.posts_removed_at()
    stamps = [f"{post.id}:{rfc3339(post.updated_at)}" for post in posts]
    version = "|".join([
        FEED_FORMAT, kind, site_root(), str(get_locale()), title, subtitle, rfc3339(removed) if removed else "-", *stamps,
    ])
    etag = hashlib.sha256(version.encode()).hexdigest()[:32]
    moments = [post.changed_at for post in posts] + ([as_utc(removed)] if removed else [])
    last_modified = max(moments, default=None)
    page_url = external_url_for(page_endpoint, **view_args)
    self_url = external_url(request.path)
    return conditional_response(
        etag,
        last_modified,
        lambda: BUILDERS[kind](posts, title, page_url=page_url, self_url=self_url, subtitle=subtitle),
        mimetype=KINDS[kind],
        max_age=FEED_MAX_AGE,
    )


def feed_routes(rule):
    """Route ``rule`` + ``.atom`` and ``.json`` to one view, with ``kind`` telling which."""

    def decorate(view):
        for kind in KINDS:
            bp.add_url_rule(f"{rule}.{kind}", view_func=view, defaults={"kind": kind})
        return view

    return decorate


@feed_routes("/feed")
def site_feed(kind):
    """The newest posts of every type, under the site's title and description."""
    site = SiteSettings.shown()
    return feed_response(Post.listing(), kind, site.title, "blog.index", subtitle=site.description)


@feed_routes("/tag/<tag>/feed")
def tag_feed(tag, kind):
    """The newest posts carrying one tag; other spellings redirect to the normal one."""
    normal = tag_or_404(tag)
    if normal != tag:
        return redirect(url_for("feeds.tag_feed", tag=normal, kind=kind), 301)
    return feed_response(Post.listing().filter(tags=tag), kind, SiteSettings.shown().titled(f"#{tag}"), "blog.tag", tag=tag)


@feed_routes("/user/<username>/feed")
def user_feed(username, kind):
    """One blogger's newest posts."""
    author = user_or_404(username)
    if author.username != username:
        return redirect(url_for("feeds.user_feed", username=author.username, kind=kind), 301)
    return feed_response(
        Post.listing().filter(author=author),
        kind,
        SiteSettings.shown().titled(author.blog_title or author.username),
        "blog.user",
        subtitle=author.blog_description,
        username=author.username,
    )


def feed_url(kind="atom"):
    """The feed that goes with this list page: its tag's, its blogger's, or the whole blog's."""
    args = request.view_args or {}
    if request.endpoint == "blog.tag":
        return url_for("feeds.tag_feed", tag=args["tag"], kind=kind)
    if request.endpoint == "blog.user":
        return url_for("feeds.user_feed", username=args["username"], kind=kind)
    return url_for("feeds.site_feed", kind=kind)


def register(app):
    app.jinja_env.globals["feed_url"] = feed_url
    app.jinja_env.filters["absolute_url"] = external_url
