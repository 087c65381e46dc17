"""Documents: users, and the four post types that share one ``post`` collection.

Posts are polymorphic: ``Post`` holds what every post has (author, tags, comments,
timestamps) and each subclass adds only its own fields. Lists never dereference the
author (``author_name`` is copied at save; usernames never change) and never load
comments (``comment_count`` is kept beside them with ``$inc``).
"""
import functools
import operator
import secrets
from datetime import datetime, timezone
from urllib.parse import urlsplit

from bson import ObjectId
from flask import current_app, has_app_context, url_for
from flask_login import UserMixin
from markupsafe import Markup
from mongoengine import CASCADE, LookUpError, Q, ValidationError

from .embeds import VideoURLError, embed_url, parse_video_url, thumbnail_url, watch_url
from .extensions import bcrypt, db
from .keywords import search_terms
from .markup import render_markdown
from .permissions import ROLES, allowed
from .tags import MAX_TAG_LENGTH, MAX_TAGS, TagError, parse_tags

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
# Comments awaiting review (or marked spam) that a post keeps, beside the published ones:
# 100 more of the largest comments add 0.9 MB.
MAX_HELD = 100
# Content labels (Tumblr's four): the author or a moderator sets them; readers see a
# labelled post behind a click-through.
CONTENT_LABELS = {"mature": "Mature", "violence": "Violence", "drug-use": "Drug use", "sexual-themes": "Sexual themes"}
# What a reader sees of a labelled post, per label, mildest first; blur is the default.
LABEL_VIEWS = ("show", "blur", "hide")


def label_view(choices, post):
    """How to show ``post`` to a reader who chose ``choices`` ({label: view}): the
    strictest view among its labels ("show" for an unlabelled post)."""
    views = [choices.get(label, "blur") for label in post.labels or ()]
    return max(views, key=LABEL_VIEWS.index, default="show")


class CommentsClosed(Exception):
    """The post takes no more comments: it has ``MAX_COMMENTS``, or its author closed them."""

    message = "Comments are closed on this post: it has as many as a post takes."
    closed_by_author = "The author has closed comments on this post."
    queue_full = "Too many comments are waiting for review here. Please try again later."


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


def default_role():
    """The role a new account gets: ``DEFAULT_ROLE`` (author unless configured)."""
    return current_app.config["DEFAULT_ROLE"] if has_app_context() else "author"


@functools.cache
def _dummy_password_hash():
    """A hash no password matches, made once, for ``User.authenticate``."""
    return bcrypt.generate_password_hash(secrets.token_hex(16)).decode()


class User(UserMixin, db.Document):
    """A blogger (or a reader with an account). ``username_key`` makes names unique
    case-insensitively: "Alice" and "alice" are one account."""

    username = db.StringField(required=True, regex=USERNAME_PATTERN)
    username_key = db.StringField(required=True, unique=True)
    email = db.StringField(unique=True, sparse=True, max_length=254)
    password_hash = db.StringField(required=True)
    role = db.StringField(choices=ROLES, default=default_role)
    # A suspended account cannot sign in or use its tokens; its posts are hidden.
    suspended = db.BooleanField(default=False)
    created_at = db.DateTimeField(default=utcnow)
    # What the reader follows, kept on the account (which every request loads anyway)
    # so the dashboard is one query; changed only with $addToSet/$pull (see follow.py).
    followed_tags = db.ListField(field=db.StringField(max_length=MAX_TAG_LENGTH), max_length=MAX_FOLLOWS)
    followed_users = db.ListField(field=db.ObjectIdField(), max_length=MAX_FOLLOWS)
    # The posts this reader liked most recently, oldest first and capped (likes.py keeps
    # it with $push/$pull): like buttons read it from the account, with no query of their own.
    recent_likes = db.ListField(field=db.ObjectIdField())
    # Accounts this one blocks: they cannot comment on or like its posts. Capped and
    # changed like the follows (follow.set_following).
    blocked_users = db.ListField(field=db.ObjectIdField(), max_length=MAX_FOLLOWS)
    # {content label: "show" | "blur" | "hide"}; a label not named is blurred.
    label_choices = db.MapField(field=db.StringField(choices=LABEL_VIEWS))

    # Not strict: accounts saved before roles still carry ``is_admin`` until
    # ``flask roles migrate`` (moderation.migrate_roles) turns it into a role.
    meta = {"collection": "user", "strict": False, "indexes": ["created_at"]}

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

    @classmethod
    def blocks(cls, blocker_id, user_id):
        """Does account ``blocker_id`` block ``user_id``? One query by id."""
        return cls.objects(id=blocker_id, blocked_users=user_id).only("id").first() is not None

    def label_view(self, post):
        return label_view(self.label_choices or {}, post)

    @property
    def is_active(self):
        """Flask-Login refuses to sign in an inactive account."""
        return not self.suspended

    def can(self, permission, thing=None):
        """May this account do ``permission`` (a name in permissions.py), on ``thing``
        (a post) when given? Every permission check in the app comes here."""
        if self.suspended:
            return False
        owner = thing is not None and thing.author is not None and thing.author.pk == self.pk
        return allowed(self.role, permission, owner)


class Comment(db.EmbeddedDocument):
    """A reader's plain-text comment, stored inside its post. ``author`` is set when
    the commenter was signed in; ``author_name`` is what readers see either way."""

    id = db.ObjectIdField(default=ObjectId, required=True)
    author_name = db.StringField(required=True, max_length=NAME_MAX)
    author = db.LazyReferenceField(document_type=User)
    body = db.StringField(required=True, max_length=COMMENT_MAX)
    created_at = db.DateTimeField(default=utcnow)
    # None: published. Held and spam comments live in ``Post.held_comments``.
    state = db.StringField(choices=("held", "spam"))


class Post(db.Document):
    """What every post type has. Query ``Post.objects`` to get all types at once."""

    type = None  # each subclass names itself: blog, image, video or quote

    author = db.LazyReferenceField(document_type=User, required=True)
    author_name = db.StringField(required=True)
    tags = db.ListField(field=db.StringField(max_length=MAX_TAG_LENGTH), max_length=MAX_TAGS)
    comments = db.EmbeddedDocumentListField(document_type=Comment, max_length=MAX_COMMENTS)
    comment_count = db.IntField(default=0, min_value=0)  # published comments only
    # Comments awaiting review, apart from the published ones so that the permalink's
    # $slice, the counts and the API see only published words. ``held_count`` counts the
    # ones still "held" (not those marked spam); moderation.py's queue reads it.
    held_comments = db.EmbeddedDocumentListField(document_type=Comment, max_length=MAX_HELD)
    held_count = db.IntField(default=0, min_value=0)
    comments_closed = db.BooleanField(default=False)  # by the post's author
    labels = db.ListField(field=db.StringField(choices=tuple(CONTENT_LABELS)), max_length=len(CONTENT_LABELS))
    # Why the post is out of every list: "suspended" (its author is) or "moderator".
    hidden = db.StringField(choices=("suspended", "moderator"))
    like_count = db.IntField(default=0)  # kept by $inc beside the Like documents
    # The normalised words of the post's text and tags, for search (keywords.py).
    search_terms = db.ListField(field=db.StringField())
    created_at = db.DateTimeField(default=utcnow, required=True)
    updated_at = db.DateTimeField(default=utcnow, required=True)

    meta = {
        "collection": "post",
        "allow_inheritance": True,
        # Every list query spans all types, so a _cls prefix would only get in the way.
        "index_cls": False,
        "indexes": [
            # Every list asks for posts that are not hidden (hidden: null) first, so
            # hidden ones are skipped on the index, never fetched and dropped.
            {"fields": ["hidden", "-created_at", "-id"]},
            {"fields": ["hidden", "tags", "-created_at", "-id"]},
            {"fields": ["hidden", "author", "-created_at", "-id"]},
            {"fields": ["hidden", "search_terms", "-created_at", "-id"]},
            # The user page finds posts by the stored name: no account lookup first.
            {"fields": ["hidden", "author_name", "-created_at", "-id"]},
            # A blogger's posts, hidden or not (the console, suspensions, export).
            {"fields": ["author", "-created_at", "-id"]},
            # The moderation queue: posts with comments awaiting review.
            {"fields": ["-held_count", "-created_at"]},
        ],
    }

    search_fields = ()  # the text fields a subclass adds, for search_terms

    LIST_ORDER = ("-created_at", "-id")
    # What lists never show: every comment, the Markdown source (they show body_html)
    # and the search index's words.
    LIST_EXCLUDE = ("comments", "held_comments", "body", "search_terms")

    def clean(self):
        """Normalise tags (the form already explained any error; this guards the data)."""
        try:
            self.tags = parse_tags(self.tags or [])
        except TagError as error:
            raise ValidationError(str(error), field_name="tags") from error
        fields = (getattr(self, name) for name in self.search_fields)
        self.search_terms = search_terms(*fields, *self.tags)

    @classmethod
    def listing(cls, keep=(), any_of=()):
        """Posts newest first, without what lists never show (``LIST_EXCLUDE``) unless
        named in ``keep`` (the API shows the Markdown source, for one), and never a
        hidden one. ``any_of``: Q clauses of which a post must match one (the dashboard);
        the hidden test goes into each, so that each is one range of one index.

        On one type (``ImagePost.listing()``) only the fields that type has are named:
        MongoEngine refuses to exclude a field a class does not know.
        """
        excluded = (name for name in cls.LIST_EXCLUDE if name not in keep and cls._knows_field(name))
        # Hidden posts (by moderators, or of suspended authors) are in no list.
        shown = Q(hidden=None)
        if any_of:
            shown = functools.reduce(operator.or_, (clause & Q(hidden=None) for clause in any_of))
        return cls.objects(shown).exclude(*excluded).order_by(*cls.LIST_ORDER)

    @classmethod
    def _knows_field(cls, name):
        try:
            cls._lookup_field(name)
        except LookUpError:
            return False
        return True

    def media_ids(self):
        """The GridFS files this post shows (none but for uploaded images)."""
        return []

    def add_comment(self, comment):
        """Append ``comment`` atomically; return the post's new comment count, or None
        if the post has gone meanwhile. Raise ``CommentsClosed`` when the post is full
        or its author closed comments.

        A ``$push`` (never load-append-save) so two readers commenting at once both stay,
        and the cap is in the update's filter, so no race can push past it.
        """
        added = (
            Post.objects(id=self.id, comment_count__lt=MAX_COMMENTS, comments_closed__ne=True)
            .only("comment_count")
            .modify(push__comments=comment, inc__comment_count=1, new=True)
        )
        if added is not None:
            return added.comment_count
        return self._refused(CommentsClosed.message)

    def hold_comment(self, comment):
        """Keep ``comment`` for review instead of publishing it; return True, or None if
        the post has gone. Raise ``CommentsClosed`` when comments are closed or
        ``MAX_HELD`` comments already wait (the filter holds the cap against races)."""
        comment.state = "held"
        last_place = f"held_comments.{MAX_HELD - 1}"
        queue = Post.objects(__raw__={"_id": self.id, last_place: {"$exists": False}, "comments_closed": {"$ne": True}})
        if queue.update_one(push__held_comments=comment, inc__held_count=1):
            return True
        return self._refused(CommentsClosed.queue_full)

    def _refused(self, full_message):
        """After a refused comment: None if the post is gone, else raise why."""
        post = Post.objects(id=self.id).only("comments_closed").first()
        if post is None:
            return None
        raise CommentsClosed(CommentsClosed.closed_by_author if post.comments_closed else full_message)

    def held(self, comment_id):
        """The held (or spam) comment ``comment_id`` of this loaded post, or None."""
        return next((c for c in self.held_comments if c.id == comment_id), None)

    def approve_comment(self, comment_id):
        """Publish a held comment: moved, in one atomic update, from the queue to the
        end of the thread. False if it is no longer held (someone acted first)."""
        comment = self.held(comment_id)
        if comment is None:
            return False
        state, comment.state = comment.state, None
        return bool(
            Post.objects(__raw__={**self._holding(comment_id, state), "comment_count": {"$lt": MAX_COMMENTS}}).update_one(
                __raw__={
                    "$pull": {"held_comments": {"id": comment_id}},
                    "$push": {"comments": comment.to_mongo()},
                    "$inc": {"comment_count": 1, "held_count": -int(state == "held")},
                }
            )
        )

    def _holding(self, comment_id, state):
        """A filter for this post while it still holds ``comment_id`` in ``state``: the
        update then happens once, however many moderators click at the same moment."""
        return {"_id": self.id, "held_comments": {"$elemMatch": {"id": comment_id, "state": state}}}

    def mark_spam(self, comment_id):
        """Mark a held comment as spam: it stays out of the thread and the queue's count."""
        return bool(
            Post.objects(__raw__=self._holding(comment_id, "held")).update_one(__raw__={"$set": {"held_comments.$.state": "spam"}, "$inc": {"held_count": -1}})
        )

    def discard_comment(self, comment_id):
        """Delete a held or spam comment for good."""
        comment = self.held(comment_id)
        if comment is None:
            return False
        return bool(
            Post.objects(__raw__=self._holding(comment_id, comment.state)).update_one(
                __raw__={
                    "$pull": {"held_comments": {"id": comment_id}},
                    "$inc": {"held_count": -int(comment.state == "held")},
                }
            )
        )

    @classmethod
    def with_comments(cls, post_id, skip, limit):
        """The post with only its comments ``skip`` to ``skip + limit`` (oldest first),
        or None: one query, whose ``$slice`` keeps a long thread on the server."""
        return (
            cls.objects(id=post_id)
            .exclude("search_terms", "held_comments")
            .fields(slice__comments=[skip, limit])
            .first()
        )

    @property
    def comments_open(self):
        return self.comment_count < MAX_COMMENTS and not self.comments_closed

    @property
    def label_names(self):
        """The post's content labels as readers read them, e.g. "Mature, Violence"."""
        return ", ".join(CONTENT_LABELS[label] for label in self.labels or ())

    @property
    def closed_message(self):
        """Why this post takes no comment (when ``comments_open`` is false)."""
        return CommentsClosed.closed_by_author if self.comments_closed else CommentsClosed.message

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
