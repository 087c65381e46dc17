"""Atom 1.0 feeds (RFC 4287): the whole blog, one tag, one blogger.

The XML is built with ``xml.etree.ElementTree``, which escapes every value; an entry's
content is HTML rendered by the same autoescaping templates as the site (a text
post's stored, sanitised Markdown HTML; everything else escaped), so feed readers
get no more than a browser would. Feed readers poll: each feed carries an ``ETag``
and ``Last-Modified`` taken from its entries, and a matching conditional request is
answered ``304`` without building the XML.
"""
import hashlib
import re
import xml.etree.ElementTree as ET
from urllib.parse import urljoin

from flask import Blueprint, Response, current_app, redirect, request, url_for
from werkzeug.http import is_resource_modified

from .lookups import tag_or_404, user_or_404
from .models import Post, SiteState, utcnow
from .publishing import as_utc

bp = Blueprint("feeds", __name__)

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_SIZE = 20
FEED_FORMAT = "2"  # part of the ETag: change it when entries are built differently
TITLE_LENGTH = 80

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


def entry_title(post):
    """The start of the post's headline; else its type."""
    text = " ".join((post.headline or "").split())
    if not text:
        return f"{post.label} post"
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1].rstrip() + "…"


def add_entry(feed, post):
    permalink = post.permalink(_external=True)
    entry = add(feed, "entry")
    add(entry, "id", permalink)
    add(entry, "title", entry_title(post), type="text")
    add(entry, "link", rel="alternate", type="text/html", href=permalink)
    for href, content_type in post.enclosures():
        add(entry, "link", rel="enclosure", type=content_type, href=href)
    add(entry, "published", rfc3339(post.published_at))
    add(entry, "updated", rfc3339(post.updated_at))
    author = add(entry, "author")
    add(author, "name", post.author_name)
    add(author, "uri", url_for("blog.user", username=post.author_name, _external=True))
    for tag in post.tags:
        add(entry, "category", term=tag, scheme=url_for("blog.index", _external=True) + "tag/")
    # Straight from the Jinja environment: render_template's context processors would
    # load the signed-in reader's account, a query a feed (the same for all) never needs.
    content = current_app.jinja_env.get_template(post.partial("feeds")).render(post=post)
    add(entry, "content", content, type="html")


def build_feed(posts, title, page_url, self_url):
    """The feed document as UTF-8 bytes."""
    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xml:base": url_for("blog.index", _external=True)})
    add(feed, "id", self_url)
    add(feed, "title", title, type="text")
    add(feed, "updated", rfc3339(max((post.changed_at for post in posts), default=utcnow())))
    add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    add(feed, "link", rel="alternate", type="text/html", href=page_url)
    add(feed, "generator", "tumblelog")
    for post in posts:
        add_entry(feed, post)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def feed_response(query, title, page_endpoint, **view_args):
    """The newest ``FEED_SIZE`` posts of ``query`` as a feed, or 304 when unchanged."""
    posts = list(query.limit(FEED_SIZE))
    # The feed changes when an entry is added or edited (the entries' ids and times), when
    # a post is deleted (the site's stamp: the entries that remain may all be older than
    # a reader's copy), and with the host name its links are built on. All of it goes
    # into the ETag and Last-Modified, so neither answers 304 for a body that changed.
    removed = SiteState.posts_removed_at()
    stamps = [f"{post.id}:{rfc3339(post.updated_at)}" for post in posts]
    version = "|".join([FEED_FORMAT, request.host_url, title, rfc3339(removed) if removed else "-", *stamps])
    etag = hashlib.sha256(version.encode()).hexdigest()[:32]
    moments = [post.changed_at for post in posts] + ([as_utc(removed)] if removed else [])
    last_modified = max(moments, default=None)
    if not is_resource_modified(request.environ, etag=etag, last_modified=last_modified):
        response = Response(status=304)
    else:
        body = build_feed(
            posts,
            title,
            page_url=url_for(page_endpoint, **view_args, _external=True),
            self_url=request.base_url,
        )
        response = Response(body, mimetype="application/atom+xml")
    response.set_etag(etag)
    response.last_modified = last_modified
    # Readers may reuse the feed for a minute, then must ask again (cheaply, with the ETag).
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response


@bp.route("/feed.atom")
def site_feed():
    """The newest posts of every type."""
    return feed_response(Post.listing(), "tumblelog", "blog.index")


@bp.route("/tag/<tag>/feed.atom")
def tag_feed(tag):
    """The newest posts carrying one tag; other spellings redirect to the normal one."""
    normal = tag_or_404(tag)
    if normal != tag:
        return redirect(url_for("feeds.tag_feed", tag=normal), 301)
    return feed_response(Post.listing().filter(tags=tag), f"#{tag} · tumblelog", "blog.tag", tag=tag)


@bp.route("/user/<username>/feed.atom")
def user_feed(username):
    """One blogger's newest posts."""
    author = user_or_404(username)
    if author.username != username:
        return redirect(url_for("feeds.user_feed", username=author.username), 301)
    return feed_response(
        Post.listing().filter(author=author),
        f"{author.username} · tumblelog",
        "blog.user",
        username=author.username,
    )


def feed_url():
    """The feed that goes with this list page: its tag's, its blogger's, or the whole blog's."""
    args = request.view_args or {}
    if request.endpoint == "blog.tag":
        return url_for("feeds.tag_feed", tag=args["tag"])
    if request.endpoint == "blog.user":
        return url_for("feeds.user_feed", username=args["username"])
    return url_for("feeds.site_feed")


def absolute_url(url):
    """``url`` resolved against this site, for feed readers that ignore ``xml:base``."""
    return urljoin(request.host_url, url)


def register(app):
    app.jinja_env.globals["feed_url"] = feed_url
    app.jinja_env.filters["absolute_url"] = absolute_url
