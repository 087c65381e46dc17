"""``flask --app tumblelog export USER``: one blogger's posts, with their comments, as
JSON, oldest first. For a blogger who leaves, or a backup of one blog. (``export --all``,
the whole site as a zip, is in backup.py.)

Plain JSON that any tool reads: ids as hex strings, times as ISO 8601 in UTC, each
post's own fields by name. Derived fields (the rendered HTML, the comment count, the
video provider and id) are left out: they are rebuilt from the rest on import.
"""
import contextlib
import json
import os
import sys
import tempfile
from datetime import datetime

import click
from flask.cli import with_appcontext
from bson import ObjectId

from .backup import export_site, site_counts
from .models import Post, User, utcnow
from .templating import iso_datetime

# Stored, but computed from other fields or internal to the database.
DERIVED_FIELDS = frozenset({"_id", "_cls", "author", "body_html", "comment_count", "provider", "video_id", "listed"})


def plain(value):
    """``value`` with ObjectIds as hex and datetimes as ISO 8601, ready for ``json``."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, datetime):
        return iso_datetime(value)
    if isinstance(value, ObjectId):
        return str(value)
    return value


def post_record(post):
    """One post as exported: id, type, then its fields; comments keep who wrote them."""
    stored = post.to_mongo().to_dict()
    record = {"id": str(post.id), "type": post.type}
    record.update({key: plain(value) for key, value in stored.items() if key not in DERIVED_FIELDS})
    record["comments"] = [
        {key: plain(value) for key, value in comment.items() if key != "author"}
        for comment in stored.get("comments", [])
    ]
    return record


def write_export(user, out):
    """Write ``user``'s export to the text stream ``out``, a post at a time (a blog of
    any size never sits in memory whole); return how many posts were written."""
    header = {"username": user.username, "exported_at": iso_datetime(utcnow())}
    out.write(json.dumps(header, ensure_ascii=False, indent=2)[:-2] + ',\n  "posts": [')
    count = 0
    for post in Post.objects(author=user).order_by("created_at", "id"):
        out.write(("," if count else "") + "\n    " + json.dumps(post_record(post), ensure_ascii=False))
        count += 1
    out.write("\n  ]\n}\n")
    return count


@contextlib.contextmanager
def replacing(path, mode="w"):
    """A file (text, or binary with ``mode="wb"``) that takes ``path``'s place only when
    written in full: an export that fails half-way leaves any earlier file as it was."""
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".partial")
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as out:
            yield out
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


@click.command("export")
@with_appcontext
@click.argument("username", required=False)
@click.option("--all", "whole_site", is_flag=True,
              help="Back up the whole site (users, posts, comments, likes, follows, media) as a zip.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of standard output (required with --all).")
def export(username, whole_site, output):
    """Print USERNAME's posts and their comments as JSON (or write them with --output);
    with --all, write a backup of the whole site that ``import`` restores."""
    if whole_site:
        return export_all(username, output)
    if username is None:
        raise click.UsageError("Name a blogger to export, or use --all --output site.zip for the whole site.")
    user = User.by_username(username)
    if user is None:
        raise click.ClickException(f"There is no blogger named {username!r}.")
    target = replacing(output) if output else contextlib.nullcontext(sys.stdout)
    with target as out:
        count = write_export(user, out)
    click.echo(f"Exported {count} post{'' if count == 1 else 's'} by {user.username}.", err=True)


def export_all(username, output):
    """``export --all``: the whole site, as a zip, with a progress bar on standard error."""
    if username is not None:
        raise click.UsageError("Use either a USERNAME or --all, not both.")
    if output is None:
        raise click.UsageError("--all writes a zip: name it with --output site.zip.")
    total = sum(site_counts().values())
    with replacing(output, "wb") as out, click.progressbar(length=total, label="Exporting", file=sys.stderr) as bar:
        manifest = export_site(out, progress=bar.update)
    counts = manifest["counts"]
    click.echo(
        f"Exported {counts['users']} users, {counts['posts']} posts, {counts['comments']} comments, "
        f"{counts['likes']} likes and {counts['media']} files to {output}.",
        err=True,
    )
