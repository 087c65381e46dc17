"""Search: ``/search?q=...`` with optional ``type=`` and ``tag=`` filters.

Every word of the query must appear in the post's text (the ``search_fields`` its type
declares: a title, a body, a caption, a chat's lines…) or tags, ignoring case and accents
and in any form of the word ("walks", "walking"), the last one perhaps only begun
(``keywords.py``). The query is ``search_terms $all [...]`` and one ``$elemMatch`` range
on a multikey index: no ``$regex``, no ``$text``, so user text is only ever compared as
whole values. Results are newest first.
"""
import click
from flask import Blueprint, request

from .keywords import MAX_QUERY_LENGTH, parse_query
from .models import POST_TYPES, Post, search_language
from .paging import Page, list_page, page_of
from .tags import TagError, parse_tags

bp = Blueprint("search", __name__, cli_group="search")
bp.cli.help = "Maintain the search index (the words stored with each post)."


def tag_filter(raw):
    """The normalised tag in ``raw``, or None when it is empty or not a tag."""
    try:
        tags = parse_tags([raw[:200]])
    except TagError:
        return None
    return tags[0] if tags else None


@bp.route("/search")
def search():
    """Posts matching every word of ``q``, optionally of one type and with one tag."""
    q = request.args.get("q", "")[:MAX_QUERY_LENGTH]
    wanted = parse_query(q, search_language())
    post_type = request.args.get("type", "")
    post_type = post_type if post_type in POST_TYPES else ""
    tag = tag_filter(request.args.get("tag", ""))
    if wanted:
        query = POST_TYPES[post_type].listing() if post_type else Post.listing()
        query = query.filter(__raw__=wanted.mongo_filter())
        if tag:
            query = query.filter(tags=tag)
        page = page_of(query)
    else:
        page = Page([], 1, False)
    return list_page(
        page,
        "reader/search.html",
        q=q,
        terms=wanted.words,
        post_type=post_type,
        search_tag=tag or "",
        heading=f"Search: {q.strip()}" if wanted else "Search",
    )


@bp.cli.command("reindex")
def reindex():
    """Recompute every post's search terms: after an upgrade that changes how words are
    normalised or stemmed (or ``SEARCH_LANGUAGE``), or for posts saved before search existed."""
    count = 0
    posts = Post.objects.exclude("comments").no_cache()
    with click.progressbar(posts, length=Post.objects.count(), label="Reindexing posts") as bar:
        for post in bar:
            post.clean()
            Post.objects(id=post.id).update_one(set__search_terms=post.search_terms)
            count += 1
    click.echo(f"Reindexed {count} posts.")
