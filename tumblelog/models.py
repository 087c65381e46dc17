"""Documents: users, and the four post types that share one ``post`` collection.

Posts are polymorphic: ``Post`` holds what every post has (author, tags, comments,
timestamps) and each subclass adds only its own fields. Lists never dereference the
author (``author_name`` is copied at save; usernames never change) and never load
comments (``comment_count`` is kept beside them with ``$inc``).
"""
import functools
import secrets
from datetime import datetime, timezone
from urllib.parse import urlsplit

from bson import ObjectId
from flask import url_for
from flask_login import UserMixin
from markupsafe import Markup
from mongoengine import CASCADE, LookUpError, ValidationError

from .embeds import VideoURLError, embed_url, parse_video_url, thumbnail_url, watch_url
from .extensions import bcrypt, db
from .keywords import search_terms
from .markup import render_markdown
from .publishing import (
    DRAFT, MAX_QUEUE, PRIVATE, PUBLIC, PUBLISHED, QUEUED, SCHEDULED, STATES, VISIBILITIES, queue_times,
    slugify,
)
from .tags import MAX_TAG_LENGTH, MAX_TAGS, TagError, parse_tags
from .templating import as_utc

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{2,31}$"
TITLE_MAX = 200
CAPTION_MAX = 2000
ALT_MAX = 1000
QUOTE_MAX = 2000
SOURCE_MAX = 300
URL_MAX = 2048
COMMENT_MAX = 2000
NAME_MAX = 64
MAX_FOLLOWS = 1000  # per kind: tags, bloggers
# Comments a post takes. A document may not pass 16 MB; at this cap a post full of the
# largest comments (2,000 four-byte characters, 8.3 KB of BSON each) weighs 8.3 MB, plus at
# most ~1 MB for the post itself: well under, whatever the text. tests/test_bounded.py
# builds that post and weighs it.
MAX_COMMENTS = 1000


class CommentsClosed(Exception):
    """The post has ``MAX_COMMENTS`` comments and takes no more."""

    message = "Comments are closed on this post: it has as many as a post takes."


def utcnow():
    """Now, as a timezone-aware UTC datetime (a default must call this per instance)."""
    return datetime.now(timezone.utc)


def http_url_error(url):
    """Return why ``url`` is not an absolute http(s) URL, or None when it is."""
    if len(url) > URL_MAX:
        return f"Use a link of at most {URL_MAX} characters."
    if any(ch.isspace() or ord(ch) < 32 or ch == "\\" for ch in url):
        return "A link cannot contain spaces, backslashes or control characters."
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "Use a full http:// or https:// link."
    if parts.username is not None or parts.password is not None:
        return "A link cannot carry a user name or password."
    return None


@functools.cache
def _dummy_password_hash():
    """A hash no password matches, made once, for ``User.authenticate``."""
    return bcrypt.generate_password_hash(secrets.token_hex(16)).decode()


class QueueSettings(db.EmbeddedDocument):
    """How a blogger's queue goes out: ``per_day`` posts spread over the hours from
    ``start_hour`` to ``end_hour`` of their day, ``utc_offset`` minutes east of UTC."""

    per_day = db.IntField(default=2, min_value=1, max_value=50)
    start_hour = db.IntField(default=9, min_value=0, max_value=23)
    end_hour = db.IntField(default=21, min_value=1, max_value=24)
    utc_offset = db.IntField(default=0, min_value=-14 * 60, max_value=14 * 60)

    def times(self, count, after):
        """The next ``count`` slots after ``after``."""
        return queue_times(count, after, self.per_day, self.start_hour, self.end_hour, self.utc_offset)


class User(UserMixin, db.Document):
    """A blogger (or a reader with an account). ``username_key`` makes names unique
    case-insensitively: "Alice" and "alice" are one account."""

    username = db.StringField(required=True, regex=USERNAME_PATTERN)
    username_key = db.StringField(required=True, unique=True)
    email = db.StringField(unique=True, sparse=True, max_length=254)
    password_hash = db.StringField(required=True)
    is_admin = db.BooleanField(default=False)
    created_at = db.DateTimeField(default=utcnow)
    # What the reader follows, kept on the account (which every request loads anyway)
    # so the dashboard is one query; changed only with $addToSet/$pull (see follow.py).
    followed_tags = db.ListField(field=db.StringField(max_length=MAX_TAG_LENGTH), max_length=MAX_FOLLOWS)
    followed_users = db.ListField(field=db.ObjectIdField(), max_length=MAX_FOLLOWS)
    # The posts this reader liked most recently, oldest first and capped (likes.py keeps
    # it with $push/$pull): like buttons read it from the account, with no query of their own.
    recent_likes = db.ListField(field=db.ObjectIdField())
    queue_settings = db.EmbeddedDocumentField(document_type=QueueSettings, default=QueueSettings)

    meta = {"collection": "user"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.username and not self.username_key:
            self.username_key = self.username.lower()

    @classmethod
    def by_username(cls, username):
        """The account with this name (any case), or None."""
        return cls.objects(username_key=username.lower()).first()

    def set_password(self, password):
        self.password_hash = bcrypt.generate_password_hash(password).decode()

    def check_password(self, password):
        return bcrypt.check_password_hash(self.password_hash, password)

    @classmethod
    def authenticate(cls, username, password):
        """The account whose name and password match, or None, in the same time either
        way: an unknown name still costs one bcrypt check, so timing tells no names."""
        user = cls.by_username(username)
        if user is None:
            bcrypt.check_password_hash(_dummy_password_hash(), password)
            return None
        return user if user.check_password(password) else None

    def can_edit(self, post):
        """Authors manage their own posts; admins manage every post."""
        return self.is_admin or post.author.pk == self.pk


class Comment(db.EmbeddedDocument):
    """A reader's plain-text comment, stored inside its post. ``author`` is set when
    the commenter was signed in; ``author_name`` is what readers see either way."""

    id = db.ObjectIdField(default=ObjectId, required=True)
    author_name = db.StringField(required=True, max_length=NAME_MAX)
    author = db.LazyReferenceField(document_type=User)
    body = db.StringField(required=True, max_length=COMMENT_MAX)
    created_at = db.DateTimeField(default=utcnow)


class Post(db.Document):
    """What every post type has. Query ``Post.objects`` to get all types at once.

    A post's ``state`` is a draft, queued, scheduled or published; its ``visibility``
    public, unlisted (by link only) or private (its author and admins only). Lists show
    a post when it is ``listed`` (not a draft, and public) and its ``published_at`` has
    come: a queued or scheduled post appears at its time with no worker.
    """

    type = None  # each subclass names itself: blog, image, video or quote

    author = db.LazyReferenceField(document_type=User, required=True)
    author_name = db.StringField(required=True)
    tags = db.ListField(field=db.StringField(max_length=MAX_TAG_LENGTH), max_length=MAX_TAGS)
    comments = db.EmbeddedDocumentListField(document_type=Comment, max_length=MAX_COMMENTS)
    comment_count = db.IntField(default=0, min_value=0)
    like_count = db.IntField(default=0)  # kept by $inc beside the Like documents
    # The normalised words of the post's text and tags, for search (keywords.py).
    search_terms = db.ListField(field=db.StringField())
    created_at = db.DateTimeField(default=utcnow, required=True)
    updated_at = db.DateTimeField(default=utcnow, required=True)
    state = db.StringField(choices=STATES, default=PUBLISHED, required=True)
    visibility = db.StringField(choices=VISIBILITIES, default=PUBLIC, required=True)
    # When it went or goes live (None for a draft); lists are ordered by it.
    published_at = db.DateTimeField()
    # Kept by clean(): whether lists may show it once its time has come. A prefix of
    # every list index, so drafts and unlisted posts are skipped on the index.
    listed = db.BooleanField(default=True, required=True)
    pinned = db.BooleanField(default=False)  # at the top of its author's page (one each)

    meta = {
        "collection": "post",
        "allow_inheritance": True,
        # Every list query spans all types, so a _cls prefix would only get in the way.
        "index_cls": False,
        "indexes": [
            {"fields": ["listed", "-published_at", "-id"]},
            {"fields": ["listed", "tags", "-published_at", "-id"]},
            {"fields": ["listed", "author", "-published_at", "-id"]},
            {"fields": ["listed", "search_terms", "-published_at", "-id"]},
            # The user page finds posts by the stored name: no account lookup first.
            {"fields": ["listed", "author_name", "-published_at", "-id"]},
            {"fields": ["author_name", "pinned", "listed", "-published_at", "-id"]},
            # The author's drafts, newest first, and queue, next first.
            {"fields": ["author", "state", "-created_at", "-id"]},
            {"fields": ["author", "state", "published_at", "id"]},
            # Queued and scheduled posts whose time has come (see publish_due).
            {"fields": ["state", "published_at"]},
        ],
    }

    search_fields = ()  # the text fields a subclass adds, for search_terms
    # Where the permalink's slug comes from: the first of these the post has.
    slug_fields = ("title", "caption", "quote")
    # Route words after /post/<id>/ that a slug must never be (tested against the URL map).
    RESERVED_SLUGS = frozenset({
        "edit", "delete", "comments", "like", "publish", "pin", "reblog", "report", "preview", "new",
    })

    # What ``visible_to`` reads, for queries that load only some fields.
    VISIBILITY_FIELDS = ("author", "state", "published_at", "visibility")
    LIST_ORDER = ("-published_at", "-id")
    DRAFT_ORDER = ("-created_at", "-id")
    QUEUE_ORDER = ("published_at", "id")
    # What lists never show: every comment, the Markdown source (they show body_html)
    # and the search index's words.
    LIST_EXCLUDE = ("comments", "body", "search_terms")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._going_live = False

    def clean(self):
        """Normalise tags (the form already explained any error; this guards the data),
        and keep the fields lists filter on in step with the state and visibility."""
        try:
            self.tags = parse_tags(self.tags or [])
        except TagError as error:
            raise ValidationError(str(error), field_name="tags") from error
        fields = (getattr(self, name) for name in self.search_fields)
        self.search_terms = search_terms(*fields, *self.tags)
        if self.state == DRAFT:
            self.published_at = None
        elif self.published_at is None:
            self.published_at = self.created_at  # published the old way: when written
        self.listed = self.state != DRAFT and self.visibility == PUBLIC

    def save(self, *args, **kwargs):
        """Save, then run ``on_published`` if this save took the post live."""
        going_live, self._going_live = self._going_live, False
        result = super().save(*args, **kwargs)
        if going_live:
            self.on_published()
        return result

    def on_published(self):
        """What follows a post going live (notifications, federation). Called once when
        it is published at once, and by ``publish_due`` for queued and scheduled posts
        whose time came; a no-op for now, the place for a background job to start."""

    @classmethod
    def published(cls, now=None):
        """Posts any reader may see in a list: live, public, not drafts. Every list of
        the site starts here (``listing``), so no type and no page can forget it."""
        return cls.objects(listed=True, published_at__lte=now or utcnow())

    @classmethod
    def listing(cls, keep=()):
        """Published posts newest first, without what lists never show
        (``LIST_EXCLUDE``) unless named in ``keep`` (the API shows the Markdown source).

        On one type (``ImagePost.listing()``) only the fields that type has are named:
        MongoEngine refuses to exclude a field a class does not know.
        """
        excluded = (name for name in cls.LIST_EXCLUDE if name not in keep and cls._knows_field(name))
        return cls.published().exclude(*excluded).order_by(*cls.LIST_ORDER)

    @classmethod
    def drafts_of(cls, author):
        """``author``'s drafts, newest first."""
        return cls.objects(author=author, state=DRAFT).exclude("comments").order_by(*cls.DRAFT_ORDER)

    @classmethod
    def queue_of(cls, author, now=None, states=(QUEUED, SCHEDULED)):
        """``author``'s queued and scheduled posts still to go, next first."""
        return cls.objects(author=author, state__in=list(states), published_at__gt=now or utcnow()).exclude(
            "comments"
        ).order_by(*cls.QUEUE_ORDER)

    @classmethod
    def _knows_field(cls, name):
        try:
            cls._lookup_field(name)
        except LookUpError:
            return False
        return True

    # -- the workflow ------------------------------------------------------------------

    def is_live(self, now=None):
        """Whether the post's time has come (it may still be unlisted or private)."""
        return (
            self.state != DRAFT
            and self.published_at is not None
            and as_utc(self.published_at) <= (now or utcnow())
        )

    @property
    def changed_at(self):
        """When readers last saw the post change: edited, or published (a scheduled post
        appears long after it was last edited)."""
        return max(as_utc(moment) for moment in (self.updated_at, self.published_at) if moment)

    @property
    def current_state(self):
        """The state a reader would name now: a queued post whose time came is published."""
        return PUBLISHED if self.is_live() else self.state

    def visible_to(self, user):
        """Whether ``user`` (maybe anonymous) may see this post at all: its author and
        admins always; others once it is live and not private."""
        if user.is_authenticated and user.can_edit(self):
            return True
        return self.is_live() and self.visibility != PRIVATE

    def set_state(self, state, publish_at=None, now=None):
        """Move the post to ``state`` (one of ``STATES``) before it is saved: publish
        now, keep as a draft, schedule at ``publish_at``, or add to the end of the
        author's queue. A post already live stays as it was when published again."""
        now = now or utcnow()
        was_live = self.id is not None and self.is_live(now)
        waiting = self.state in (QUEUED, SCHEDULED) and not was_live
        if state in (QUEUED, SCHEDULED) and not waiting and self.queue_is_full(now):
            raise ValidationError(f"Your queue is full: at most {MAX_QUEUE} posts can wait.", field_name="state")
        if state == PUBLISHED:
            if not was_live:
                self.published_at = now
                self._going_live = True
        elif state == SCHEDULED:
            self.published_at = publish_at
        elif state == QUEUED:
            if self.state != QUEUED or was_live:
                self.published_at = self.next_queue_slot(now)
        else:
            self.published_at = None
        self.state = state

    def queue_is_full(self, now):
        """Whether the author has ``MAX_QUEUE`` queued and scheduled posts waiting."""
        return Post.queue_of(self.author.pk, now).count(with_limit_and_skip=True) >= MAX_QUEUE

    def next_queue_slot(self, now):
        """The first slot of the author's queue after its last queued post."""
        last = Post.queue_of(self.author.pk, now, states=(QUEUED,)).order_by("-published_at").only(
            "published_at"
        ).first()
        after = as_utc(last.published_at) if last else now
        return self.author.fetch().queue_settings.times(1, after)[0]

    def publish_now(self):
        """Take a draft, queued or scheduled post live at once (and save it)."""
        self.set_state(PUBLISHED)
        self.save()

    @classmethod
    def requeue(cls, author, order):
        """Give ``author``'s queued posts, in the order of the ids in ``order``, the
        next slots of their queue settings (after a reorder, shuffle or new settings).
        One update per post, at most ``MAX_QUEUE``, on the blogger's own action; a post
        that went live meanwhile is left alone."""
        now = utcnow()
        for post_id, moment in zip(order, author.queue_settings.times(len(order), now)):
            cls.objects(id=post_id, author=author.pk, state=QUEUED, published_at__gt=now).update_one(
                set__published_at=moment
            )

    @classmethod
    def publish_due(cls, now=None):
        """Mark queued and scheduled posts whose time has come as published and run
        their ``on_published``, each exactly once (the state is the claim). Lists do
        not wait for this: it is for side effects, from a periodic job."""
        now = now or utcnow()
        count = 0
        while True:
            post = cls.objects(state__in=[QUEUED, SCHEDULED], published_at__lte=now).modify(
                set__state=PUBLISHED, new=True
            )
            if post is None:
                return count
            post.on_published()
            count += 1

    @classmethod
    def upgrade_stored(cls):
        """Give posts stored before states existed the fields lists filter on: each
        was published when written, publicly. Idempotent; returns how many changed."""
        collection = cls._get_collection()
        old = {"state": {"$exists": False}}
        count = 0
        for row in collection.find(old, {"created_at": 1}):
            collection.update_one({"_id": row["_id"], **old}, {"$set": {
                "state": PUBLISHED, "visibility": PUBLIC, "listed": True, "pinned": False,
                "published_at": row.get("created_at") or row["_id"].generation_time,
            }})
            count += 1
        return count

    def toggle_pin(self):
        """Pin this post to the top of its author's page (unpinning any other), or
        unpin it. Returns whether it is pinned now."""
        if self.pinned:
            Post.objects(id=self.id).update_one(set__pinned=False)
            return False
        Post.objects(author_name=self.author_name, pinned=True).update(set__pinned=False)
        Post.objects(id=self.id).update_one(set__pinned=True)
        return True

    @classmethod
    def pinned_by(cls, username):
        """The post ``username`` pinned, if it is published and public."""
        return cls.listing().filter(author_name=username, pinned=True).first()

    @property
    def slug(self):
        """The permalink's readable part, from the title, caption or quote."""
        text = next((getattr(self, name, None) for name in self.slug_fields if getattr(self, name, None)), "")
        return slugify(text, self.RESERVED_SLUGS)

    def permalink(self, **kwargs):
        """The post's URL (``url_for`` options in ``kwargs``)."""
        return url_for("blog.show", post_id=self.id, slug=self.slug, **kwargs)

    def media_ids(self):
        """The GridFS files this post shows (none but for uploaded images)."""
        return []

    def add_comment(self, comment):
        """Append ``comment`` atomically; return the post's new comment count, or None
        if the post has gone meanwhile. Raise ``CommentsClosed`` when the post is full.

        A ``$push`` (never load-append-save) so two readers commenting at once both stay,
        and the cap is in the update's filter, so no race can push past it.
        """
        added = (
            Post.objects(id=self.id, comment_count__lt=MAX_COMMENTS)
            .only("comment_count")
            .modify(push__comments=comment, inc__comment_count=1, new=True)
        )
        if added is not None:
            return added.comment_count
        if Post.objects(id=self.id).only("id").first() is None:
            return None
        raise CommentsClosed(CommentsClosed.message)

    @classmethod
    def with_comments(cls, post_id, skip, limit):
        """The post with only its comments ``skip`` to ``skip + limit`` (oldest first),
        or None: one query, whose ``$slice`` keeps a long thread on the server."""
        return (
            cls.objects(id=post_id)
            .exclude("search_terms")
            .fields(slice__comments=[skip, limit])
            .first()
        )

    @property
    def comments_open(self):
        return self.comment_count < MAX_COMMENTS

    def remove_comment(self, comment_id):
        """Delete one comment atomically; return False if it (or the post) is gone.

        A ``$pull`` by id, with the id in the filter so the count only drops when the
        comment was really there: a comment added at the same moment stays, and two
        moderators deleting the same comment lower the count once.
        """
        return bool(
            Post.objects(id=self.id, comments__id=comment_id).update_one(
                # Raw because mongoengine validates the -1 against comment_count's
                # min_value; both values here are ours, nothing comes from a request.
                __raw__={"$pull": {"comments": {"id": comment_id}}, "$inc": {"comment_count": -1}}
            )
        )


class BlogPost(Post):
    """A text post: a title and a Markdown body, rendered to safe HTML once, on save."""

    type = "blog"
    search_fields = ("title", "body")
    title = db.StringField(required=True, max_length=TITLE_MAX)
    body = db.StringField(required=True)
    body_html = db.StringField()

    def clean(self):
        super().clean()
        self.body_html = render_markdown(self.body or "")

    @property
    def body_markup(self):
        """The body as HTML for templates. Trusted because ``render_markdown`` ran it
        through nh3's allowlist at save; this is the one place stored HTML is trusted."""
        return Markup(self.body_html or "")


class ImagePost(Post):
    """An image: uploaded (kept in GridFS, see media.py) or shown from its URL.

    ``alt`` describes the image for people who cannot see it; the caption stands in
    when it is empty. An upload has a thumbnail for list pages when it is large.
    """

    type = "image"
    search_fields = ("caption", "alt")
    image_url = db.StringField(max_length=URL_MAX, default="")
    image_file = db.ObjectIdField()
    thumb_file = db.ObjectIdField()
    width = db.IntField(min_value=1)
    height = db.IntField(min_value=1)
    caption = db.StringField(max_length=CAPTION_MAX, default="")
    alt = db.StringField(max_length=ALT_MAX, default="")

    def clean(self):
        super().clean()
        if self.image_file:
            self.image_url = ""
            return
        error = http_url_error(self.image_url or "")
        if error:
            raise ValidationError(error, field_name="image_url")

    def media_ids(self):
        return [file_id for file_id in (self.image_file, self.thumb_file) if file_id]

    def attach_upload(self, processed):
        """Store an accepted upload (``images.ProcessedImage``) as this post's image."""
        from . import media

        if self.id is None:
            self.id = ObjectId()  # the files name their post before it is saved
        self.image_file = media.store(processed.image, self.id)
        self.thumb_file = media.store(processed.thumbnail, self.id) if processed.thumbnail else None
        self.width, self.height = processed.image.width, processed.image.height
        self.image_url = ""

    @property
    def alt_text(self):
        return self.alt or self.caption

    def image_src(self, thumbnail=False):
        """Where the browser loads the image from (the thumbnail when asked and made)."""
        if not self.image_file:
            return self.image_url
        return url_for("media.file", file_id=(thumbnail and self.thumb_file) or self.image_file)


class VideoPost(Post):
    """A YouTube or Vimeo video, kept as provider + id; the player URL is built from
    those, never from anything the user typed."""

    type = "video"
    search_fields = ("caption",)
    video_url = db.StringField(required=True, max_length=URL_MAX)
    provider = db.StringField(required=True, choices=("youtube", "vimeo"))
    video_id = db.StringField(required=True)
    caption = db.StringField(max_length=CAPTION_MAX, default="")

    def clean(self):
        super().clean()
        try:
            self.provider, self.video_id = parse_video_url(self.video_url or "")
        except VideoURLError as error:
            raise ValidationError(str(error), field_name="video_url") from error

    @property
    def embed_url(self):
        return embed_url(self.provider, self.video_id)

    @property
    def watch_url(self):
        return watch_url(self.provider, self.video_id)

    @property
    def thumbnail_url(self):
        return thumbnail_url(self.provider, self.video_id)


class QuotePost(Post):
    """A quotation and, optionally, who said it."""

    type = "quote"
    search_fields = ("quote", "source")
    quote = db.StringField(required=True, max_length=QUOTE_MAX)
    source = db.StringField(max_length=SOURCE_MAX, default="")


POST_TYPES = {cls.type: cls for cls in (BlogPost, ImagePost, VideoPost, QuotePost)}


class Like(db.Document):
    """One reader's like of one post. The unique index makes a second like by the same
    reader fail, so double clicks and races never count twice; ``Post.like_count``
    moves by one only when a Like is really inserted or deleted. Deleting a post
    deletes its likes (CASCADE)."""

    user = db.LazyReferenceField(document_type=User, required=True)
    post = db.LazyReferenceField(document_type=Post, required=True, reverse_delete_rule=CASCADE)
    created_at = db.DateTimeField(default=utcnow)

    meta = {
        "collection": "like",
        "indexes": [{"fields": ["user", "post"], "unique": True}, {"fields": ["post"]}],
    }
