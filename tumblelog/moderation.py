"""Moderation's records and actions: the audit log, reports, the site's settings kept
in the database, suspending accounts, and the one-time move from ``is_admin`` to roles.

Views (admin.py) validate and call these; every moderator action goes through
``record`` so the audit log misses none.
"""
import click
from flask.cli import with_appcontext

from flask_babel import lazy_gettext as _l
from .extensions import db
from .models import NAME_MAX, Post, User, utcnow

REASON_MAX = 500


class AuditEntry(db.Document):
    """One moderator action: who did what to what, when and why. Never changed."""

    actor = db.LazyReferenceField(document_type=User, required=True)
    actor_name = db.StringField(required=True, max_length=NAME_MAX)
    action = db.StringField(required=True, max_length=64)
    target = db.StringField(required=True, max_length=200)  # what it acted on, as readers see it
    reason = db.StringField(max_length=REASON_MAX, default="")
    at = db.DateTimeField(default=utcnow, required=True)

    meta = {"collection": "audit", "indexes": [{"fields": ["-at", "-id"]}]}


def record(actor, action, target, reason=""):
    """Write ``actor``'s ``action`` on ``target`` to the audit log."""
    return AuditEntry(actor=actor, actor_name=actor.username, action=action, target=str(target)[:200],
                      reason=(reason or "")[:REASON_MAX]).save()


class Report(db.Document):
    """A reader's report of a post, open until a moderator resolves or dismisses it.
    One open report per reader and post (the unique index): reporting twice adds nothing."""

    post = db.LazyReferenceField(document_type=Post, required=True)
    reporter = db.LazyReferenceField(document_type=User, required=True)
    reporter_name = db.StringField(required=True, max_length=NAME_MAX)
    reason = db.StringField(required=True, max_length=REASON_MAX)
    state = db.StringField(choices=("open", "resolved", "dismissed"), default="open", required=True)
    created_at = db.DateTimeField(default=utcnow, required=True)

    meta = {
        "collection": "report",
        "indexes": [
            {"fields": ["state", "-created_at", "-id"]},
            {"fields": ["post", "reporter"], "unique": True},
        ],
    }


class SiteSettings(db.Document):
    """The settings an operator changes while the site runs (one document, ``key="site"``)."""

    key = db.StringField(default="site", unique=True, required=True)
    title = db.StringField(max_length=100, default="tumblelog")
    description = db.StringField(max_length=300, default="")
    # The comment policy: hold every signed-out reader's comment for review, and hold
    # any comment with more than ``max_links`` links (0: no limit).
    hold_anonymous = db.BooleanField(default=False)
    max_links = db.IntField(min_value=0, max_value=100, default=0)
    signups_open = db.BooleanField(default=True)

    meta = {"collection": "site_settings"}

    @classmethod
    def current(cls):
        """The settings (the defaults until an admin saves them)."""
        return cls.objects(key="site").first() or cls()

    def holds(self, body, anonymous):
        """Does the policy hold this comment for review?"""
        if anonymous and self.hold_anonymous:
            return True
        return bool(self.max_links) and count_links(body) > self.max_links


def count_links(text):
    """How many links a plain-text comment carries (what a browser or mail client
    would make into one)."""
    lowered = text.lower()
    return lowered.count("http://") + lowered.count("https://") + lowered.count("www.")


def set_suspended(user, suspended, actor, reason=""):
    """Suspend (or restore) ``user``: they cannot sign in or use tokens, and their posts
    leave every list at once — one update of all their posts, nothing deleted."""
    User.objects(id=user.id).update_one(set__suspended=suspended)
    if suspended:
        Post.objects(author=user, hidden=None).update(set__hidden="suspended")
    else:
        # Posts a moderator hid for their own sake stay hidden.
        Post.objects(author=user, hidden="suspended").update(unset__hidden=True)
    user.suspended = suspended
    record(actor, "suspend" if suspended else "unsuspend", f"user {user.username}", reason)


def migrate_roles():
    """Give every account a role: ``is_admin`` ones become admins, the others authors
    (what every account could do before roles). Idempotent; returns how many changed."""
    users = User._get_collection()
    waiting = users.count_documents({"$or": [{"is_admin": {"$exists": True}}, {"role": {"$exists": False}}]})
    users.update_many({"is_admin": True}, {"$set": {"role": "admin"}, "$unset": {"is_admin": ""}})
    users.update_many({"is_admin": {"$exists": True}}, {"$unset": {"is_admin": ""}})
    users.update_many({"role": {"$exists": False}}, {"$set": {"role": "author"}})
    return waiting


@click.group("roles")
def roles_cli():
    """Accounts' roles (admin, moderator, author, reader)."""


@roles_cli.command("migrate")
@with_appcontext
def migrate_command():
    """Once after upgrading: turn is_admin accounts into admins. Safe to run again."""
    click.echo(f"Updated {migrate_roles()} accounts.")


class Blocked(Exception):
    """The post's author blocks the account that wants to comment on or like it."""

    message = _l("The author of this post has blocked you: you cannot comment on or like their posts.")


def refuse_if_blocked(post, user):
    """Raise ``Blocked`` when ``post``'s author blocks ``user`` (an account, or None)."""
    if user is not None and User.blocks(post.author.pk, user.pk):
        raise Blocked(Blocked.message)


def submit_comment(post, comment, trapped=False):
    """Publish ``comment``, or hold it for review when a spam trap caught it or the
    site's comment policy says so: nobody's words are dropped. Return ``(held,
    result)``: ``result`` is None when the post has gone, else the new comment count
    (published) or True (held). Raise ``CommentsClosed`` as ``Post.add_comment`` does,
    and ``Blocked`` when the post's author blocks the commenter."""
    refuse_if_blocked(post, comment.author)
    if trapped or SiteSettings.current().holds(comment.body, anonymous=comment.author is None):
        return True, post.hold_comment(comment)
    return False, post.add_comment(comment)
