"""An oEmbed provider (https://oembed.com): ``/oembed?url=<permalink>&format=json``.

Another site that is given a permalink finds this endpoint through the page's
discovery link and asks it how to embed the post. Image posts answer as a ``photo``,
videos as a ``video`` (the provider's player, built from provider + id like ours),
everything else as ``rich`` HTML: a quotation of the post linking back to it. Only
this site's own permalinks of listed posts are answered (404 otherwise), only as JSON
(501 for any other format, as the specification asks); ``maxwidth`` and ``maxheight``
bound the size. All HTML is escaped here; nothing the consumer sends is echoed into it.
"""
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, jsonify, request
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from .models import URL_MAX, Post
from .moderation import SiteSettings
from .urls import external_url, external_url_for, site_root

bp = Blueprint("oembed", __name__)

RICH_WIDTH, RICH_HEIGHT = 500, 200
VIDEO_WIDTH = 640
MAX_SIZE = 10_000  # a larger maxwidth or maxheight is no bound at all
CACHE_AGE = 3600


def size_arg(name):
    """``maxwidth`` / ``maxheight`` as a positive whole number, or None when absent."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6 and int(raw) > 0):
        abort(400, description=_("%(name)s must be a whole number of pixels.", name=name))
    return min(int(raw), MAX_SIZE)


def permalink_post_id(url):
    """The post id in a permalink of this site, or None for any other URL."""
    parts = urlsplit(url)
    site = urlsplit(site_root())
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != site.netloc.lower():
        return None
    try:
        endpoint, args = current_app.url_map.bind(site.netloc).match(parts.path, method="GET")
    except HTTPException:  # no route, or a redirect to another spelling
        return None
    return args.get("post_id") if endpoint == "blog.show" else None


def fit(width, height, maxwidth, maxheight):
    """``(width, height)`` scaled down, keeping its shape, to fit both bounds."""
    scale = min(1, (maxwidth or width) / width, (maxheight or height) / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def embed(post, maxwidth, maxheight):
    """The type-specific part of the answer."""
    picture = post.picture
    if post.type == "image" and picture.width and picture.height:
        width, height = fit(picture.width, picture.height, maxwidth, maxheight)
        return {"type": "photo", "url": external_url(picture.src), "width": width, "height": height}
    if post.type == "video":
        width, height = fit(VIDEO_WIDTH, VIDEO_WIDTH * 9 // 16, maxwidth, maxheight)
        html = Markup(
            '<iframe src="{}" width="{}" height="{}" title="{}" allow="encrypted-media; picture-in-picture; '
            'fullscreen" allowfullscreen referrerpolicy="strict-origin-when-cross-origin"></iframe>'
        ).format(post.embed_url, width, height, post.headline)
        return {"type": "video", "html": str(html), "width": width, "height": height}
    html = Markup('<blockquote class="tumblelog-post"><p>{}</p><p>— <a href="{}">{} on {}</a></p></blockquote>')
    html = html.format(post.summary, external_url_for("blog.show", post_id=post.id), post.author_name,
                       SiteSettings.shown().title)
    width, height = min(RICH_WIDTH, maxwidth or RICH_WIDTH), min(RICH_HEIGHT, maxheight or RICH_HEIGHT)
    return {"type": "rich", "html": str(html), "width": width, "height": height}


@bp.route("/oembed")
def oembed():
    """How to embed the post at ``url``."""
    if request.args.get("format", "json") != "json":
        abort(501, description=_("Only format=json is offered."))
    maxwidth, maxheight = size_arg("maxwidth"), size_arg("maxheight")
    post_id = permalink_post_id(request.args.get("url", "")[:URL_MAX])
    # The listing's filter (only what lists show is embeddable); one id needs no order.
    post = Post.listing().filter(id=post_id).order_by().first() if post_id else None
    if post is None:
        abort(404, description=_("That is not the address of a post on this site."))
    answer = {
        "version": "1.0",
        "title": post.headline,
        "author_name": post.author_name,
        "author_url": external_url_for("blog.user", username=post.author_name),
        "provider_name": SiteSettings.shown().title,
        "provider_url": external_url_for("blog.index"),
        "cache_age": CACHE_AGE,
        **embed(post, maxwidth, maxheight),
    }
    picture = post.picture
    if picture and picture.width and picture.height:
        width, height = fit(picture.width, picture.height, maxwidth, maxheight)
        answer.update(thumbnail_url=external_url(picture.src), thumbnail_width=width, thumbnail_height=height)
    response = jsonify(answer)
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_AGE
    return response
