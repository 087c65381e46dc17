"""Moderation's records and actions: the audit log, reports, the site's settings kept
in the database, invitations, suspending accounts, and the one-time move from
``is_admin`` to roles.

Views (admin.py) validate and call these; every moderator action goes through
``record`` so the audit log misses none.
"""
import secrets
from datetime import timedelta

import click
from flask import current_app, g, has_app_context
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l
from mongoengine import NotUniqueError

from .cache import app_cache
from .extensions import db
from .models import NAME_MAX, Post, User, post_deleted, shorten, suspension_changed, utcnow
from .publishing import as_utc

REASON_MAX = 500
EXCERPT_MAX = 300


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
    """A reader's report of a post, or of one comment under it (``comment``), open until
    a moderator resolves or dismisses it. One report per reader and thing (the unique
    index): reporting twice adds nothing."""

    post = db.LazyReferenceField(document_type=Post, required=True)
    comment = db.ObjectIdField()  # the comment reported, None for the post itself
    # The reported comment's words as they were, so the queue shows them unloaded.
    excerpt = db.StringField(max_length=EXCERPT_MAX, default="")
    reporter = db.LazyReferenceField(document_type=User, required=True)
    reporter_name = db.StringField(required=True, max_length=NAME_MAX)
    reason = db.StringField(required=True, max_length=REASON_MAX)
    state = db.StringField(choices=("open", "resolved", "dismissed"), default="open", required=True)
    created_at = db.DateTimeField(default=utcnow, required=True)

    meta = {
        "collection": "report",
        "indexes": [
            {"fields": ["state", "-created_at", "-id"]},
            {"fields": ["post", "comment", "reporter"], "unique": True},
            {"fields": ["reporter"]},
        ],
    }

    @classmethod
    def file(cls, post, reporter, reason, comment=None):
        """Report ``post`` (or its ``comment``, an embedded Comment) for ``reporter``."""
        try:
            cls(post=post, comment=comment.id if comment else None, excerpt=shorten(comment.body, EXCERPT_MAX) if comment else "",
                reporter=reporter, reporter_name=reporter.username, reason=reason).save()
        except NotUniqueError:
            pass  # reported before: one report per reader and thing

    @property
    def item_key(self):
        return self.post.pk, self.comment


class ReportedItem:
    """A post or comment with its open reports, for the queue."""

    def __init__(self, first):
        self.post_id, self.comment_id, self.excerpt = first.post.pk, first.comment, first.excerpt
        self.reports = []

    @property
    def first(self):
        return self.reports[0]


def reported_items(limit):
    """The things readers reported, most reported first, then longest waiting: the open
    reports (the oldest ``limit``, one query) gathered by post or comment."""
    items = {}
    for report in Report.objects(state="open").order_by("created_at", "id").limit(limit):
        items.setdefault(report.item_key, ReportedItem(report)).reports.append(report)
    return sorted(items.values(), key=lambda item: -len(item.reports))  # stable: oldest first among equals


def close_reports(actor, report, action, reason=""):
    """Close every open report of ``report``'s post or comment as ``action``: "hide"
    the post or "delete" the comment (resolved), "resolve", or "dismiss". Audit-logged.
    Return the state they now have."""
    post_id, comment_id = report.item_key
    if action == "hide" and comment_id is None:
        Post.set_hidden(post_id, "moderator")
    elif action == "delete" and comment_id is not None:
        post = Post.objects(id=post_id).only("id").first()
        if post is not None:
            post.remove_comment(comment_id)
    state = "dismissed" if action == "dismiss" else "resolved"
    Report.objects(post=post_id, comment=comment_id, state="open").update(set__state=state)
    target = f"comment {comment_id} on post {post_id}" if comment_id else f"post {post_id}"
    record(actor, f"report {action}", target, reason)
    return state


@post_deleted.connect
def _forget_reports(post):
    """A deleted post's reports go with it: nothing is left to act on."""
    Report.objects(post=post.id).delete()


# Who may create an account: anyone, whoever holds an invitation, or nobody.
SIGNUPS = {"open": _l("Anyone may create an account"), "invite": _l("Only with an invitation"), "closed": _l("Nobody: sign-ups are closed")}
SITE_TITLE_MAX = 100
SITE_DESCRIPTION_MAX = 300


class SiteSettings(db.Document):
    """The settings an operator changes while the site runs (one document, ``key="site"``)."""

    key = db.StringField(default="site", unique=True, required=True)
    title = db.StringField(max_length=SITE_TITLE_MAX, default="tumblelog")
    description = db.StringField(max_length=SITE_DESCRIPTION_MAX, default="")
    # The comment policy: hold every signed-out reader's comment for review, and hold
    # any comment with more than ``max_links`` links (0: no limit).
    hold_anonymous = db.BooleanField(default=False)
    max_links = db.IntField(min_value=0, max_value=100, default=0)
    signups = db.StringField(choices=tuple(SIGNUPS), default="open", required=True)

    meta = {"collection": "site_settings"}

    CACHE_KEY = "site_settings"

    @classmethod
    def current(cls):
        """The settings as stored now (the defaults until an admin saves them)."""
        return cls.objects(key="site").first() or cls()

    @classmethod
    def shown(cls):
        """The settings for what every page shows (the title in the header, the
        description in meta tags and feeds): kept in the app's cache for
        ``SITE_SETTINGS_TTL`` seconds, so pages cost no query for them. Another worker
        shows a change that much later; this one at once (``save`` forgets it). On the
        outage page (the database away: ``g.database_down``) the defaults stand in, so
        the page does not wait on the database a second time."""
        if g.get("database_down"):
            return cls()
        return app_cache().get(cls.CACHE_KEY, current_app.config["SITE_SETTINGS_TTL"], cls.current)

    def titled(self, *parts):
        """A page's or feed's title: its own words, then the site's ("Drafts · My blog")."""
        return " · ".join([*filter(None, parts), self.title])

    @property
    def page_stamp(self):
        """What every page shows of the settings: part of signed-out pages' ETags."""
        return f"{self.title}|{self.description}"

    def save(self, *args, **kwargs):
        result = super().save(*args, **kwargs)
        if has_app_context():
            app_cache().forget(self.CACHE_KEY)
        return result

    def holds(self, body, anonymous):
        """Does the policy hold this comment for review?"""
        if anonymous and self.hold_anonymous:
            return True
        return bool(self.max_links) and count_links(body) > self.max_links


INVITE_DAYS_MAX = 30


class Invite(db.Document):
    """An invitation to create an account while sign-ups are by invitation: a random
    code, good once (``claim``) until ``expires_at``. The unique index on ``code``
    keeps two invitations from sharing one."""

    code = db.StringField(required=True, unique=True, max_length=64)
    created_by = db.LazyReferenceField(document_type=User, required=True)
    created_by_name = db.StringField(required=True, max_length=NAME_MAX)
    note = db.StringField(max_length=REASON_MAX, default="")  # whom it is for, as the admin wrote it
    created_at = db.DateTimeField(default=utcnow, required=True)
    expires_at = db.DateTimeField(required=True)
    used_by = db.ObjectIdField()  # the account made with it
    used_at = db.DateTimeField()

    meta = {"collection": "invite", "indexes": [{"fields": ["-created_at", "-id"]}]}

    @classmethod
    def create(cls, actor, days, note=""):
        """A new invitation from ``actor``, good for ``days`` days (audit-logged)."""
        invite = cls(code=secrets.token_urlsafe(16), created_by=actor, created_by_name=actor.username, note=note,
                     expires_at=utcnow() + timedelta(days=days)).save()
        record(actor, "invite", f"invite {invite.code[:6]}…", note)
        return invite

    @classmethod
    def usable(cls, code):
        """The unused, unexpired invitation with this code, or None."""
        if not code or len(code) > 64:
            return None
        return cls.objects(code=code, used_by=None, expires_at__gt=utcnow()).first()

    @classmethod
    def claim(cls, code, user_id):
        """Spend the invitation ``code`` on the account ``user_id``: True once, however
        many sign-ups race for it (the filter is the claim)."""
        return bool(cls.objects(code=code, used_by=None, expires_at__gt=utcnow()).update_one(
            set__used_by=user_id, set__used_at=utcnow()))

    @classmethod
    def release(cls, code, user_id):
        """Give back an invitation whose account could not be saved after all."""
        cls.objects(code=code, used_by=user_id).update_one(unset__used_by=True, unset__used_at=True)

    @property
    def state(self):
        if self.used_by:
            return "used"
        return "expired" if as_utc(self.expires_at) <= utcnow() else "open"


def count_links(text):
    """How many links a plain-text comment carries (what a browser or mail client
    would make into one)."""
    lowered = text.lower()
    return lowered.count("http://") + lowered.count("https://") + lowered.count("www.")


def set_suspended(user, suspended, actor, reason=""):
    """Suspend (or restore) ``user``: they cannot sign in or use tokens, and their posts
    leave every list at once — one update of all their posts, nothing deleted.
    ``suspension_changed`` tells whoever copied them elsewhere (federation)."""
    User.objects(id=user.id).update_one(set__suspended=suspended)
    if suspended:
        Post.objects(author=user, hidden=None).update(set__hidden="suspended")
    else:
        # Posts a moderator hid for their own sake stay hidden.
        Post.objects(author=user, hidden="suspended").update(unset__hidden=True)
    user.suspended = suspended
    suspension_changed.send(user, suspended=suspended)
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
    """The post's (or blog's) author blocks the account that wants to act on it."""

    message = _l("The author of this post has blocked you: you cannot comment on, like or reblog their posts, "
                 "or follow their blog.")


def refuse_if_blocked(post, user, authors=()):
    """Raise ``Blocked`` when ``post``'s author (or any of the accounts ``authors``,
    ids) blocks ``user`` (an account, or None). One query by id."""
    if user is not None and User.blocks({post.author.pk, *authors}, user.pk):
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
