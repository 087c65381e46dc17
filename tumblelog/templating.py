"""What templates need beyond Jinja: dates, the post types, page links."""
from datetime import datetime, timezone
from urllib.parse import urlencode

from bson import ObjectId
from flask import g, request, url_for

from .embeds import PROVIDER_NAMES
from .models import POST_TYPES
from .paging import PAGING_ARGS
from .publishing import as_utc



def human_date(value):
    """22 Nov 2026 (the exact time goes in the <time> element's title)."""
    return f"{as_utc(value).day} {as_utc(value):%b %Y}"


def iso_datetime(value):
    return as_utc(value).isoformat(timespec="seconds")


def first_picture(posts):
    """The id of the first of ``posts`` that shows an image: the one image on a page
    worth loading before the others (it is likely the largest thing in view)."""
    return next((post.id for post in posts if post.shows_picture), None)


def list_url(args):
    """This list page's URL with the paging arguments ``args`` (``Page.older_args``...).

    Other query arguments (a search's ``?q=``) stay; names starting with "_" are
    url_for's own options (``?_external=1&_scheme=javascript``) and never come along.
    """
    # The query goes on as text, never as url_for keywords: ?endpoint=x would collide with
    # url_for's own parameter, and ?_external=1&_scheme=javascript would make a script link.
    query = [
        (name, value)
        for name, value in request.args.items(multi=True)
        if not name.startswith("_") and name not in PAGING_ARGS
    ]
    query += [(name, value) for name, value in args.items() if value is not None]
    path = url_for(request.endpoint, **(request.view_args or {}))
    return f"{path}?{urlencode(query)}" if query else path


# A stand-in id: a post route is built once per request with it, then joined per post.
_STAND_IN = ObjectId("0" * 24)


def post_path(endpoint, post_id):
    """``url_for(endpoint, post_id=post_id)`` for a post's routes, as a string join:
    url_for on every button of every post is a page's largest cost after the posts.
    An id is 24 hex digits, so the stand-in matches nothing else in the path."""
    paths = g.setdefault("post_paths", {})
    path = paths.get(endpoint)
    if path is None:
        path = paths[endpoint] = url_for(endpoint, post_id=_STAND_IN)
    return path.replace(str(_STAND_IN), str(post_id))


def sign_in_url():
    """The sign-in page, coming back to this one (as ``sign_in_first`` sends readers)."""
    if "sign_in_url" not in g:
        g.sign_in_url = url_for("auth.login", next=request.full_path if request.query_string else request.path)
    return g.sign_in_url


def register(app):
    app.jinja_env.filters["human_date"] = human_date
    app.jinja_env.filters["iso_datetime"] = iso_datetime
    app.jinja_env.globals["list_url"] = list_url
    app.jinja_env.globals["post_path"] = post_path
    app.jinja_env.globals["sign_in_url"] = sign_in_url
    app.jinja_env.globals["first_picture"] = first_picture
    app.jinja_env.globals["PROVIDER_NAMES"] = PROVIDER_NAMES
    app.jinja_env.globals["POST_TYPES"] = POST_TYPES
    app.jinja_env.globals["now"] = lambda: datetime.now(timezone.utc)
