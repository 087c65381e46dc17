"""The most used tags and their counts, for the sidebar and the empty dashboard.

One aggregation over all published public posts, cached for ``TOP_TAGS_TTL`` seconds (default 60) so
that page views do not run it.
"""
from flask import current_app

from .cache import app_cache
from .models import Post

TOP_TAGS = 20


def count_top_tags(limit=TOP_TAGS):
    """``((tag, count), ...)``, most used first, ties in tag order (a tuple: pages key
    the rendered cloud by it)."""
    pipeline = [
        {"$match": Post.published()._query},  # what lists show, and nothing else
        {"$project": {"_id": 0, "tags": 1}},
        {"$unwind": "$tags"},
        {"$group": {"_id": "$tags", "count": {"$sum": 1}}},
        {"$sort": {"count": -1, "_id": 1}},
        {"$limit": limit},
    ]
    return tuple((row["_id"], row["count"]) for row in Post.objects.aggregate(pipeline))


def top_tags():
    """The cached top tags."""
    ttl = current_app.config.get("TOP_TAGS_TTL", 60)
    return app_cache().get("top_tags", ttl, count_top_tags)


def register(app):
    app.jinja_env.globals["top_tags"] = top_tags
