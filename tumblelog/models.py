"""Documents: users, and the four post types that share one ``post`` collection.

Posts are polymorphic: ``Post`` holds what every post has (author, tags, comments,
timestamps) and each subclass adds only its own fields. Lists never dereference the
author (``author_name`` is copied at save; usernames never change) and never load
comments (``comment_count`` is kept beside them with ``$inc``).
"""
import functools
import hashlib
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
BIO_MAX = 1000
BLOG_DESCRIPTION_MAX = 1000
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
    # The profile (settings.py): shown on the blogger's page and in its feed.
    display_name = db.StringField(max_length=NAME_MAX, default="")
    bio = db.StringField(max_length=BIO_MAX, default="")
    blog_title = db.StringField(max_length=TITLE_MAX, default="")
    blog_description = db.StringField(max_length=BLOG_DESCRIPTION_MAX, default="")
    avatar_small = db.ObjectIdField()  # square GridFS images (media.py), made by images.avatar
    avatar_large = db.ObjectIdField()
    # Part of the id Flask-Login keeps in sessions and remember-me cookies (get_id):
    # raising it signs the account out everywhere at once.
    session_generation = db.IntField(default=0, min_value=0)
    # Set at sign-up when REQUIRE_EMAIL_VERIFICATION is on; cleared by the mailed link.
    email_unverified = db.BooleanField(default=False)
    # The weekly digest (digest.py): opted in, and the ISO week last sent ("2026-W48"),
    # claimed with one conditional update so no week is ever sent twice.
    digest = db.BooleanField(default=False)
    digest_week = db.StringField(default="")

    meta = {"collection": "user", "indexes": [{"fields": ["digest", "digest_week"]}]}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.username and not self.username_key:
            self.username_key = self.username.lower()

    @classmethod
    def by_username(cls, username):
        """The account with this name (any case), or None."""
        return cls.objects(username_key=username.lower()).first()

    def get_id(self):
        """Flask-Login's alternative id: the account id and its session generation, so a
        session or remember-me cookie made before ``end_sessions`` no longer loads."""
        return f"{self.id}:{self.session_generation or 0}"

    @classmethod
    def by_session_id(cls, session_id):
        """The account a ``get_id`` value names, if its generation is still current.

        A bare id (a session from before generations) counts as generation 0."""
        user_id, _, generation = str(session_id).partition(":")
        if not ObjectId.is_valid(user_id) or not (generation or "0").isdigit():
            return None
        user = cls.objects(id=user_id).first()  # by _id alone, the query every request makes
        return user if user and (user.session_generation or 0) == int(generation or 0) else None

    def end_sessions(self):
        """Sign the account out everywhere: every session and remember-me cookie made
        so far stops loading (one atomic ``$inc``)."""
        User.objects(id=self.id).update_one(inc__session_generation=1)
        self.reload("session_generation")

    def set_password(self, password):
        self.password_hash = bcrypt.generate_password_hash(password).decode()

    @property
    def password_fingerprint(self):
        """A short digest of the password hash for signed links: a link made before
        the password changed no longer matches, so it works once at most."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    @property
    def shown_name(self):
        return self.display_name or self.username

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


class RetiredUsername(db.Document):
    """The name of a deleted account: nobody may sign up with it again, so old links to
    ``/user/<name>`` and its feed never lead to someone else's blog."""

    username_key = db.StringField(primary_key=True)
    retired_at = db.DateTimeField(default=utcnow)

    meta = {"collection": "retired_username"}

    @classmethod
    def retire(cls, username):
        cls(username_key=username.lower()).save()

    @classmethod
    def is_retired(cls, username):
        return cls.objects(username_key=username.lower()).first() is not None


class Comment(db.EmbeddedDocument):
    """A reader's plain-text comment, stored inside its post. ``author`` is set when
    the commenter was signed in; ``author_name`` is what readers see either way."""

    id = db.ObjectIdField(default=ObjectId, required=True)
    author_name = db.StringField(required=True, max_length=NAME_MAX)
    author = db.LazyReferenceField(document_type=User)
    body = db.StringField(required=True, max_length=COMMENT_MAX)
    created_at = db.DateTimeField(default=utcnow)


class Post(db.Document):
    """What every post type has. Query ``Post.objects`` to get all types at once."""

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

    meta = {
        "collection": "post",
        "allow_inheritance": True,
        # Every list query spans all types, so a _cls prefix would only get in the way.
        "index_cls": False,
        "indexes": [
            {"fields": ["-created_at", "-id"]},
            {"fields": ["tags", "-created_at", "-id"]},
            {"fields": ["author", "-created_at", "-id"]},
            {"fields": ["search_terms", "-created_at", "-id"]},
            # The user page finds posts by the stored name: no account lookup first.
            {"fields": ["author_name", "-created_at", "-id"]},
        ],
    }

    search_fields = ()  # the text fields a subclass adds, for search_terms

    LIST_ORDER = ("-created_at", "-id")
    # What lists never show: every comment, the Markdown source (they show body_html)
    # and the search index's words.
    LIST_EXCLUDE = ("comments", "body", "search_terms")

    def clean(self):
        """Normalise tags (the form already explained any error; this guards the data)."""
        try:
            self.tags = parse_tags(self.tags or [])
        except TagError as error:
            raise ValidationError(str(error), field_name="tags") from error
        fields = (getattr(self, name) for name in self.search_fields)
        self.search_terms = search_terms(*fields, *self.tags)

    @classmethod
    def listing(cls, keep=()):
        """Posts newest first, without what lists never show (``LIST_EXCLUDE``) unless
        named in ``keep`` (the API shows the Markdown source, for one).

        On one type (``ImagePost.listing()``) only the fields that type has are named:
        MongoEngine refuses to exclude a field a class does not know.
        """
        excluded = (name for name in cls.LIST_EXCLUDE if name not in keep and cls._knows_field(name))
        return cls.objects.exclude(*excluded).order_by(*cls.LIST_ORDER)

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
