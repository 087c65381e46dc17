"""Reblogs with their trail, a post's notes, and readers' notifications.

A reblog is a post of its own (``Reblog``, one ``post`` document) carrying a snapshot
of the post first reblogged, the *original*: its fields as they were, which the
original type's own partial renders, so later edits or deletion of the original
change nothing a reblogger published. Each earlier reblogger's comment follows in
``trail``, oldest first. Everything a list shows is on the document: no query per
reblog.

Notes (likes, reblogs, comments) are ``Note`` documents by the root of their trail,
for the permalink's list; the counts live on the posts (``like_count``,
``reblog_count``, ``comment_count``), kept with ``$inc``. Notifications group close
events about one post ("sam and 4 others liked your post"); the reader's unread count
lives on their account. Models announce likes, comments, follows and deletions with
signals (models.events); the receivers here write the notes and notifications.
"""
import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from datetime import timedelta

import bson
from bson import ObjectId
from flask import current_app, request, url_for
from markupsafe import Markup, escape
from mongoengine import ValidationError

from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from .extensions import db
from .i18n import N_
from .markup import MarkdownTooComplex, render_markdown
from .moderation import refuse_if_blocked
from .paging import MAX_PAGE
from .publishing import PUBLISHED
from .models import (
    COMMENT_MAX,
    POST_TYPES,
    TITLE_MAX,
    URL_MAX,
    Post,
    User,
    blocked,
    comment_removed,
    commented,
    followed,
    liked,
    post_deleted,
    trusted_html,
    unliked,
    utcnow,
)

# Earlier rebloggers' comments a reblog carries. The snapshot of the original is at
# most one post; each entry at most a rendered comment: a reblog stays far below 16 MB.
TRAIL_MAX = 50
TRAIL_FULL = _l(
    "This post has been reblogged with comments %(max)s times down its trail, as many "
    "as a reblog carries: reblog the original or an earlier reblog instead.", max=TRAIL_MAX,
)
REBLOG_COMMENT_MAX = COMMENT_MAX
# What a snapshot leaves out: the thread (and comments awaiting review), the search
# index's words, the counters, moderation state, and a text post's Markdown source (its
# rendered HTML is what shows, and lists never load Markdown: a reblog in a list weighs
# no more than it must).
SNAPSHOT_EXCLUDE = ("_id", "_cls", "comments", "search_terms", "comment_count", "like_count", "reblog_count", "body",
                    "held_comments", "held_count", "comments_closed", "hidden", "mention_count")

# @name, not inside a word, an address or a path.
MENTION = re.compile(r"(?<![\w@/.-])@([A-Za-z0-9][A-Za-z0-9_-]{2,31})\b")
MENTIONS_MAX = 10  # names one comment may notify

# Each kind and what its notification says after the names.
NOTIFICATION_KINDS = {
    "like": "liked your post",
    "reblog": "reblogged your post",
    "comment": "commented on your post",
    "mention": "mentioned you in",
    "follow": "followed you",
    "boost": "boosted your post",  # from the fediverse (an Announce)
    "request": "asked to follow you",  # from the fediverse, to a blogger approving followers
    "webmention": "linked to",
}
NOTE_KINDS = ("like", "reblog", "comment", "webmention", "boost")  # what a post's notes list holds (boost: the fediverse's)
GROUP_WINDOW = timedelta(hours=6)  # events about one post within this are told together
GROUP_NAMES = 3  # names a grouped notification keeps (the rest are "N others")
GROUP_ACTORS_MAX = 100  # accounts it remembers, so one reader is not counted twice
EXCERPT_MAX = 500  # characters of a webmention's text a note shows (mentions.py)


class ReblogRefused(Exception):
    """The post cannot be reblogged; the message says why."""


def mentioned_names(text):
    """The distinct @names in ``text``, first ``MENTIONS_MAX``, lower-cased."""
    names = []
    for match in MENTION.finditer(text or ""):
        name = match[1].lower()
        if name not in names:
            names.append(name)
    return names[:MENTIONS_MAX]


def link_mentions(text):
    """Plain text as HTML with each @name linked to that blog (the template filter
    for comments, which are plain text; the text is escaped first)."""
    escaped = str(escape(text or ""))
    return Markup(MENTION.sub(lambda m: f'<a class="mention" href="{url_for("blog.user", username=m[1])}">@{m[1]}</a>', escaped))


def mentioned_users(text):
    """The accounts that ``text`` mentions (one query; none when there is no @name)."""
    names = mentioned_names(text)
    return list(User.objects(username_key__in=names).only("id", "username")) if names else []


class TrailEntry(db.EmbeddedDocument):
    """An earlier reblogger's comment, as it was, with where it was posted."""

    post = db.ObjectIdField(required=True)
    author_name = db.StringField(required=True)
    comment_html = db.StringField(default="")
    created_at = db.DateTimeField(required=True)

    @property
    def comment_markup(self):
        return trusted_html(self.comment_html)


class Reblog(Post):
    """A post reblogged onto another blog, with the reblogger's comment and tags."""

    type = "reblog"
    label = N_("Reblog")
    creatable = False
    search_fields = ("comment",)
    api_fields = ("reblog_of", "reblogged_from", "reblogged_from_author", "comment", "comment_html",
                  "trail", "original")
    api_schema = {
        "trail": {"type": "array", "items": {"type": "object"}},
        "original": {"type": "object"},
    }

    original_type = db.StringField(required=True)
    original_fields = db.DictField(required=True)
    original_author_name = db.StringField(required=True)
    original_created_at = db.DateTimeField(required=True)
    original_deleted = db.BooleanField(default=False)  # set when the original is deleted
    reblogged_from = db.ObjectIdField(required=True)
    reblogged_from_author = db.StringField(required=True)
    comment = db.StringField(max_length=REBLOG_COMMENT_MAX, default="")
    comment_html = db.StringField(default="")
    trail = db.EmbeddedDocumentListField(document_type=TrailEntry, max_length=TRAIL_MAX)

    def clean(self):
        super().clean()
        try:
            self.comment_html = mention_links_html(self.comment or "")
        except MarkdownTooComplex as error:
            raise ValidationError(str(error), field_name="comment") from error

    @classmethod
    def of(cls, source, user, comment="", tags=()):
        """A new, unsaved reblog of ``source`` by ``user``; ``ReblogRefused`` if it cannot
        be, ``Blocked`` if the author of ``source`` or of the original blocks ``user``."""
        refusal = source.reblog_refusal()
        if refusal:
            raise ReblogRefused(refusal)
        original_author = source.original_fields.get("author") if isinstance(source, Reblog) else None
        refuse_if_blocked(source, user, authors=[original_author] if original_author else ())
        # The original's content labels come along: readers see the reblog as they would it.
        reblog = cls(author=user, author_name=user.username, comment=comment, tags=list(tags),
                     labels=list(source.labels or ()))
        reblog.reblogged_from, reblog.reblogged_from_author = source.id, source.author_name
        reblog._source, reblog._reblogger = source, user  # for on_published, without a query
        if isinstance(source, Reblog):
            for name in ("reblog_of", "original_type", "original_fields", "original_author_name",
                         "original_created_at", "original_deleted"):
                setattr(reblog, name, getattr(source, name))
            reblog.trail = list(source.trail) + source.trail_entries()
        else:
            reblog.reblog_of, reblog.original_type = source.id, source.type
            fields = source.to_mongo().to_dict()
            reblog.original_fields = {k: v for k, v in fields.items() if k not in SNAPSHOT_EXCLUDE}
            reblog.original_author_name, reblog.original_created_at = source.author_name, source.created_at
        return reblog

    def on_published(self):
        """A reblog counts, and tells whom it concerns, when it goes live: at once, or
        when it leaves the queue or its time comes (then its source is read again; a
        source deleted meanwhile has no one left to tell)."""
        super().on_published()
        source = getattr(self, "_source", None) or noted_post(self.reblogged_from)
        if source is not None:
            reblogged(self, source, getattr(self, "_reblogger", None) or self.author.fetch())

    def trail_entries(self):
        """What this reblog adds to the trail of a reblog of it: its comment, if any."""
        if not self.comment_html:
            return []
        return [TrailEntry(post=self.id, author_name=self.author_name,
                           comment_html=self.comment_html, created_at=self.created_at)]

    def reblog_refusal(self):
        if len(self.trail) + len(self.trail_entries()) > TRAIL_MAX:
            return TRAIL_FULL
        return super().reblog_refusal()

    @property
    def original(self):
        """The original as it was reblogged: an unsaved post of its own type."""
        fields = {**self.original_fields, "_id": self.reblog_of}
        return POST_TYPES[self.original_type]._from_son(fields)

    @property
    def shown_type(self):
        return self.original_type

    # A reblog is named by its original.
    HEADLINE_FIELDS = ("original_type", "original_fields")

    @property
    def headline(self):
        return self.original.headline

    @property
    def summary(self):
        return self.original.summary

    @property
    def picture(self):
        return self.original.picture

    @property
    def comment_markup(self):
        return trusted_html(self.comment_html)

    def enclosures(self):
        return self.original.enclosures()

    def api_value(self, name):
        if name in ("reblog_of", "reblogged_from"):
            return str(getattr(self, name))
        if name == "trail":
            return [
                {"post": str(entry.post), "author": entry.author_name, "comment_html": entry.comment_html,
                 "url": url_for("blog.show", post_id=entry.post, _external=True)}
                for entry in self.trail
            ]
        if name == "original":
            original = self.original
            return {
                "id": str(self.reblog_of), "type": self.original_type, "author": self.original_author_name,
                "deleted": self.original_deleted,
                **{field: original.api_value(field) for field in original.api_fields},
            }
        return super().api_value(name)


def blog_path(username):
    """``/user/<name>``, also outside a request: an import renders reblog comments afresh."""
    adapter = current_app.url_map.bind("", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build("blog.user", {"username": username})


def mention_links_html(markdown):
    """A reblog comment's Markdown as safe HTML, each @name of a real blog linked."""
    for user in mentioned_users(markdown):
        pattern = re.compile(rf"(?<![\w@/.\[-])@{re.escape(user.username)}\b", re.IGNORECASE)
        link = f"[@{user.username}]({blog_path(user.username)})"
        markdown = pattern.sub(link, markdown)
    return render_markdown(markdown)


def reblog(source, user, comment="", tags=()):
    """Reblog ``source`` onto ``user``'s blog; return the saved reblog. Raises
    ``ReblogRefused`` (with the reason) or mongoengine's ``ValidationError``."""
    post = Reblog.of(source, user, comment, tags)
    post.set_state(PUBLISHED)
    post.save()  # its on_published counts it
    return post


def reblogged(post, source, user):
    """What follows ``user``'s saved reblog ``post`` of ``source``: the reblogged post and
    the original each count it with ``$inc`` (exact however many reblogs arrive at once),
    the note, and the notifications of their authors and of anyone mentioned."""
    Post.objects(id__in=list({source.id, post.reblog_of})).update(inc__reblog_count=1)
    Note(root=post.reblog_of, post=source.id, kind="reblog", actor=user.id, actor_name=user.username,
         reblog=post.id, from_name=source.author_name).save()
    told = {source.author.pk: source}
    if isinstance(source, Reblog) and not source.original_deleted:
        told.setdefault(ObjectId(post.original_fields["author"]), post.original)
    for recipient, about in told.items():
        notify(recipient, "reblog", user, about, link=post.id)
    notify_mentions(post.comment, user, post, link=post.id)


class Note(db.Document):
    """One like, reblog or comment, filed under the root of the post's trail (a post
    that is no reblog is its own root), for the notes list on permalinks."""

    root = db.ObjectIdField(required=True)
    post = db.ObjectIdField(required=True)  # the post liked, reblogged or commented on
    kind = db.StringField(required=True, choices=NOTE_KINDS)
    actor = db.ObjectIdField()  # None for a comment by a reader without an account
    actor_name = db.StringField(required=True)
    remote = db.StringField()  # a fediverse account's URL (its name is its @handle)
    reblog = db.ObjectIdField()  # the reblog a "reblog" note is about
    from_name = db.StringField()  # whose post was reblogged
    comment = db.ObjectIdField()
    # A webmention's (mentions.py): the page that links here, and its first words.
    mention = db.ObjectIdField()
    url = db.StringField(max_length=URL_MAX)
    excerpt = db.StringField(max_length=EXCERPT_MAX)
    created_at = db.DateTimeField(default=utcnow, required=True)

    meta = {
        "collection": "note",
        "indexes": [
            {"fields": ["root", "-created_at", "-id"]},
            {"fields": ["post", "kind", "actor"]},
            {"fields": ["reblog"], "sparse": True},
            {"fields": ["comment"], "sparse": True},
            {"fields": ["mention"], "sparse": True},
        ],
    }

    @classmethod
    def page(cls, root, number, per_page):
        """Notes of the trail rooted at ``root``, newest first: page ``number`` (as
        stored: a page shows them as they are, and builds no documents) and whether
        another follows (one query: it fetches one note more than a page)."""
        notes = list(cls.objects(root=root).order_by("-created_at", "-id")
                     .skip((number - 1) * per_page).limit(per_page + 1).as_pymongo())
        return notes[:per_page], len(notes) > per_page


def root_of(post):
    return post.reblog_of or post.id


class Notification(db.Document):
    """Something that happened to a reader's post or blog. Close events of one kind
    about one post share a document: ``count`` of them, the last names in ``actors``."""

    recipient = db.ObjectIdField(required=True)
    kind = db.StringField(required=True, choices=tuple(NOTIFICATION_KINDS))
    post = db.ObjectIdField()  # the recipient's post it is about (none for a follow)
    post_title = db.StringField(max_length=TITLE_MAX, default="")
    link = db.ObjectIdField()  # the post to open: the reblog, the post commented on
    actors = db.ListField(field=db.StringField(), max_length=GROUP_NAMES)
    # Who acted (accounts only), so a later block can hide them; bounded.
    actor_ids = db.ListField(field=db.ObjectIdField(), max_length=GROUP_ACTORS_MAX)
    count = db.IntField(default=1)
    read = db.BooleanField(default=False)
    created_at = db.DateTimeField(default=utcnow, required=True)
    updated_at = db.DateTimeField(default=utcnow, required=True)

    meta = {
        "collection": "notification",
        "indexes": [
            {"fields": ["recipient", "-updated_at", "-id"]},
            {"fields": ["recipient", "kind", "post", "read", "updated_at"]},
        ],
    }

    @property
    def verb(self):
        return NOTIFICATION_KINDS[self.kind]

    @property
    def who(self):
        """"sam", "sam and mei", "sam and 4 others": the newest name first."""
        latest = self.actors[-1] if self.actors else _("someone")
        others = self.count - 1
        if others == 0:
            return latest
        if others == 1 and len(self.actors) > 1:
            return _("%(name)s and %(other)s", name=latest, other=self.actors[-2])
        return ngettext("%(name)s and %(num)d other", "%(name)s and %(num)d others", others, name=latest)

    @classmethod
    def for_reader(cls, user, skip, limit):
        return list(cls.objects(recipient=user.id).order_by("-updated_at", "-id").skip(skip).limit(limit))

    @staticmethod
    def mark_read(user):
        """Every notification of ``user`` read, and their unread count back to 0."""
        Notification.objects(recipient=user.id, read=False).update(set__read=True)
        User.objects(id=user.id).update_one(set__unread_count=0)
        user.unread_count = 0

    @staticmethod
    def mark_one_read(user, notification_id):
        """Mark one of ``user``'s notifications read; False if there is none with that id.
        The unread count goes down only for the call that marked it (never below 0)."""
        mine = Notification.objects(id=notification_id, recipient=user.id)
        if mine.filter(read=False).update_one(set__read=True):
            User.objects(id=user.id, unread_count__gt=0).update_one(dec__unread_count=1)
        elif not mine.only("id").first():
            return False
        user.reload("unread_count")
        return True


def wants(recipient_id, kind, actor_id):
    """Whether to tell ``recipient_id`` about ``kind`` by ``actor_id``: never about
    themselves, nor a kind they turned off, nor anything by someone they block."""
    if recipient_id is None or recipient_id == actor_id:
        return False
    recipient = User.objects(id=recipient_id).only("notifications_off", "blocked_users").first()
    return (recipient is not None and kind not in recipient.notifications_off
            and (actor_id is None or actor_id not in recipient.blocked_users))


def notify(recipient_id, kind, actor, post=None, link=None, actor_name=None):
    """Tell ``recipient_id`` that ``actor`` (a User, or None for a guest named
    ``actor_name``) did ``kind`` to ``post``; folded into a recent unread notification
    of the same kind about the same post when there is one."""
    actor_id = getattr(actor, "id", None)
    name = getattr(actor, "username", None) or actor_name
    if not wants(recipient_id, kind, actor_id):
        return
    post_id = getattr(post, "id", None)
    now = utcnow()
    group = Notification.objects(recipient=recipient_id, kind=kind, post=post_id, read=False,
                                 updated_at__gte=now - GROUP_WINDOW)
    if actor_id is not None and group.filter(actor_ids=actor_id).only("id").first():
        return  # told already (a like taken back and given again, say)
    update = {"$push": {"actors": {"$each": [name], "$slice": -GROUP_NAMES}}, "$inc": {"count": 1},
              "$set": {"updated_at": now, **({"link": link} if link else {})}}
    if actor_id is not None:
        update["$push"]["actor_ids"] = {"$each": [actor_id], "$slice": -GROUP_ACTORS_MAX}
    if group.update_one(__raw__=update):
        return
    title = (post.headline or "") if post is not None else ""
    Notification(recipient=recipient_id, kind=kind, post=post_id, post_title=title[:TITLE_MAX],
                 link=link or post_id, actors=[name], actor_ids=[actor_id] if actor_id else [],
                 created_at=now, updated_at=now).save()
    User.objects(id=recipient_id).update_one(inc__unread_count=1)


def notify_mentions(text, actor, post, link=None, actor_name=None):
    for user in mentioned_users(text):
        notify(user.id, "mention", actor, post, link=link, actor_name=actor_name)


# --- what the models announce -------------------------------------------------------


def noted_post(post_id):
    """The post a note is about, without its thread (the sender may hold only its id)."""
    return Post.objects(id=post_id).exclude("comments", "search_terms").first()


@liked.connect
def _on_like(user, post_id):
    post = noted_post(post_id)
    if post is None:
        return
    Note(root=root_of(post), post=post.id, kind="like", actor=user.id, actor_name=user.username).save()
    notify(post.author.pk, "like", user, post)


def remote_reaction(post_id, kind, actor_url, handle):
    """A fediverse account (``actor_url``, shown as ``handle``) liked or boosted our
    post ``post_id`` (``kind`` "like" or "boost"): the note and its author's notification."""
    post = noted_post(post_id)
    if post is None:
        return
    Note(root=root_of(post), post=post.id, kind=kind, actor_name=handle, remote=actor_url).save()
    notify(post.author.pk, kind, None, post, actor_name=handle)


def remote_reaction_undone(post_id, kind, actor_url):
    Note.objects(post=post_id, kind=kind, remote=actor_url).delete()


@unliked.connect
def _on_unlike(user, post_id):
    Note.objects(post=post_id, kind="like", actor=user.id).delete()


@commented.connect
def _on_comment(post, comment):
    post = noted_post(post.id)
    if post is None:
        return
    author = comment.author.pk if comment.author else None
    Note(root=root_of(post), post=post.id, kind="comment", actor=author, actor_name=comment.author_name,
         comment=comment.id).save()
    actor = User.objects(id=author).only("id", "username").first() if author else None
    notify(post.author.pk, "comment", actor, post, actor_name=comment.author_name)
    notify_mentions(comment.body, actor, post, actor_name=comment.author_name)


@comment_removed.connect
def _on_comment_removed(post, comment_id):
    Note.objects(comment=comment_id).delete()


@followed.connect
def _on_follow(follower, user):
    notify(user, "follow", follower)


@blocked.connect
def _on_block(blocker, user):
    """What a blocked account did leaves the blocker's notifications (``wants`` keeps
    new ones from being made): one of theirs alone goes, a group forgets them."""
    theirs = Notification.objects(recipient=blocker.id, actor_ids=user.id)
    unread_gone = theirs.filter(count__lte=1, read=False).delete()
    theirs.filter(count__lte=1).delete()
    theirs.update(pull__actor_ids=user.id, pull__actors=user.username, dec__count=1)
    if unread_gone:
        User.objects(id=blocker.id).update_one(dec__unread_count=unread_gone)
        User.objects(id=blocker.id, unread_count__lt=0).update_one(set__unread_count=0)


@post_deleted.connect
def _on_post_deleted(post):
    """A deleted post's notes go; its reblogs keep their snapshot and say it is gone;
    a deleted reblog no longer counts on the posts it reblogged. Reblogs of the deleted
    post still stand, and so do their notes."""
    Note.objects(post=post.id, kind__ne="reblog").delete()
    if isinstance(post, Reblog):
        Note.objects(reblog=post.id).delete()
        counted = list({post.reblogged_from, post.reblog_of})
        Post.objects(id__in=counted).update(__raw__={"$inc": {"reblog_count": -1}})
    else:
        Reblog.objects(reblog_of=post.id).update(set__original_deleted=True)



NOTES_PER_PAGE = 20


@dataclass
class NotesPage:
    """One page of a permalink's notes (``?notes=N``), newest first, as stored."""

    notes: list
    number: int
    has_more: bool

    @cached_property
    def version(self):
        """A digest of the page: equal exactly when it shows the same notes (asked for
        the ETag and again for the kept notes list: worked out once)."""
        return hashlib.blake2b(bson.encode({"notes": self.notes, "more": self.has_more, "n": self.number}),
                               digest_size=16).digest()


def notes_page(post):
    """The page of notes on ``post``'s trail that the request asks for (one query)."""
    raw = request.args.get("notes", "")
    # ASCII digits, and few: int() of a long text is slow, and pages end at MAX_PAGE.
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else 1
    number = min(max(number, 1), MAX_PAGE)
    notes, has_more = Note.page(root_of(post), number, NOTES_PER_PAGE)
    return NotesPage(notes, number, has_more)
