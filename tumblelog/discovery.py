"""What crawlers and browsers ask every site for: ``/robots.txt``, ``/sitemap.xml``,
``/favicon.ico`` and the touch icon.

The sitemap (https://www.sitemaps.org/protocol.html) lists the pages worth indexing
with the time each last changed: the front page, every blog with posts, every tag and
every post. Its posts come from ``Post.listing()``, the query the front page lists, so
whatever the front page leaves out (a draft, a private post) the sitemap leaves out
too. Past ``SITEMAP_MAX_URLS`` addresses (50,000, the protocol's limit) ``/sitemap.xml``
becomes a sitemap index pointing at ``/sitemap-<n>.xml`` parts. Building it reads every
post's id and date, so the list is kept for ``SITEMAP_CACHE_SECONDS`` and every answer
carries an ``ETag`` and ``Last-Modified`` for crawlers to revalidate.
"""
import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from flask import Blueprint, Response, abort, current_app, send_from_directory, url_for

from .cache import app_cache, conditional_response
from .feeds import add, rfc3339
from .models import Post
from .notes import Reblog
from .templating import as_utc
from .urls import external_url, external_url_for

bp = Blueprint("discovery", __name__)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
ICON_MAX_AGE = 7 * 24 * 3600  # icons are asked for at fixed URLs, so not forever
ROBOTS_MAX_AGE = 3600

# Pages no search result should lead to: they need an account, or are endless
# (every search) or machine-facing (the API). The sign-in page stays crawlable.
ROBOTS_DISALLOW = ("/api/", "/dashboard", "/following", "/search", "/post/new/", "/post/preview")


@dataclass(frozen=True)
class Sitemap:
    """Every listed page as ``(path, lastmod)``, cut into parts of at most ``size``."""

    entries: tuple
    size: int
    version: str

    @property
    def parts(self):
        return [self.entries[start : start + self.size] for start in range(0, len(self.entries), self.size)] or [()]

    @property
    def is_index(self):
        return len(self.entries) > self.size


def lastmod_by(listing, pipeline):
    """``(key, newest updated_at)`` pairs from grouping ``listing``'s posts."""
    return [(row["_id"], row["lastmod"]) for row in listing.aggregate(pipeline) if row["_id"]]


def build_sitemap():
    """Read the listed pages from the database: three queries, however many posts."""
    listing = Post.listing().order_by()  # grouping needs no order
    latest = {"lastmod": {"$max": "$updated_at"}}
    blogs = lastmod_by(listing, [{"$group": {"_id": "$author_name", **latest}}, {"$sort": {"_id": 1}}])
    tags = lastmod_by(listing, [{"$unwind": "$tags"}, {"$group": {"_id": "$tags", **latest}}, {"$sort": {"_id": 1}}])
    # A post's readable URL comes from its headline: the fields that make one, no more.
    posts = [(post.permalink(), post.updated_at) for post in listing.only("id", "updated_at", *Post.HEADLINE_FIELDS, *Reblog.HEADLINE_FIELDS)]
    front = [(url_for("blog.index"), max((updated for _, updated in blogs), default=None))]
    entries = tuple(
        front
        + [(url_for("blog.user", username=name), updated) for name, updated in blogs]
        + [(url_for("blog.tag", tag=tag), updated) for tag, updated in tags]
        + posts
    )
    version = hashlib.sha256(
        "\n".join(f"{path} {rfc3339(updated) if updated else ''}" for path, updated in entries).encode()
    ).hexdigest()[:24]
    return Sitemap(entries, current_app.config["SITEMAP_MAX_URLS"], version)


def current_sitemap():
    config = current_app.config
    return app_cache().get("sitemap", config["SITEMAP_CACHE_SECONDS"], build_sitemap)


def newest(entries):
    return max((as_utc(updated) for _, updated in entries if updated), default=None)


def urlset(entries):
    root = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for path, updated in entries:
        url = add(root, "url")
        add(url, "loc", external_url(path))
        if updated:
            add(url, "lastmod", rfc3339(updated))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def sitemap_index(parts):
    root = ET.Element("sitemapindex", {"xmlns": SITEMAP_NS})
    for number, entries in enumerate(parts, start=1):
        item = add(root, "sitemap")
        add(item, "loc", external_url_for("discovery.sitemap_part", number=number))
        if newest(entries):
            add(item, "lastmod", rfc3339(newest(entries)))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def xml_response(sitemap, tag, entries, build):
    return conditional_response(
        f"{sitemap.version}-{tag}",
        newest(entries),
        build,
        mimetype="application/xml",
        max_age=current_app.config["SITEMAP_CACHE_SECONDS"],
    )


@bp.route("/sitemap.xml")
def sitemap():
    """The whole sitemap, or the index of its parts once it has too many addresses."""
    current = current_sitemap()
    if current.is_index:
        parts = current.parts
        return xml_response(current, "index", current.entries, lambda: sitemap_index(parts))
    return xml_response(current, "all", current.entries, lambda: urlset(current.entries))


@bp.route("/sitemap-<int:number>.xml")
def sitemap_part(number):
    """Part ``number`` (from 1) of a sitemap too big for one file."""
    current = current_sitemap()
    if not current.is_index or not 1 <= number <= len(current.parts):
        abort(404)
    entries = current.parts[number - 1]
    return xml_response(current, str(number), entries, lambda: urlset(entries))


@bp.route("/robots.txt")
def robots():
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), ""]
    lines.append(f"Sitemap: {external_url_for('discovery.sitemap')}")
    response = Response("\n".join(lines) + "\n", mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = ROBOTS_MAX_AGE
    return response


@bp.route("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.ico", max_age=ICON_MAX_AGE)


@bp.route("/apple-touch-icon.png")
def touch_icon():
    """Where iOS looks for the home-screen icon when a page names none."""
    return send_from_directory(current_app.static_folder, "apple-touch-icon.png", max_age=ICON_MAX_AGE)
