"""Documents: users, likes, and the post types that share one ``post`` collection.

Posts are polymorphic: ``Post`` holds what every post has (author, tags, comments,
timestamps) and each subclass adds only its own fields. Lists never dereference the
author (``author_name`` is copied at save; usernames never change) and never load
comments (``comment_count`` is kept beside them with ``$inc``).

A post type is declared once, as a ``Post`` subclass naming its ``type``: that makes
it one of ``POST_TYPES``, which the routes, the new-post tabs, search, feeds, the API
and its OpenAPI document, and the seed all read. Its form (forms.py) names the class as
its ``model``; its partials are ``posts/_<type>.html`` and ``feeds/_<type>.html``.
"""
import functools
import hashlib
import operator
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from blinker import Namespace
from bson import ObjectId
from flask import current_app, has_app_context, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import UserMixin
from markupsafe import Markup
from mongoengine import LookUpError, NotUniqueError, ValidationError, signals
from mongoengine.queryset.visitor import Q

from . import media
from .embeds import (
    THUMBNAIL_SIZE, VideoURLError, embed_url, parse_audio_url, parse_video_url, thumbnail_url, watch_url,
)
from .extensions import bcrypt, db
from .i18n import N_
from .images import WEBP_SIDES
from .keywords import DEFAULT_LANGUAGE, MAX_TERM_LENGTH, search_terms, stem
from .markup import MarkdownTooComplex, render_markdown
from .permissions import ROLES, allowed
from .publishing import (
    DRAFT, MAX_QUEUE, PRIVATE, PUBLIC, PUBLISHED, QUEUED, SCHEDULED, STATES, VISIBILITIES, as_utc,
    queue_times, slugify,
)
from .tags import MAX_TAG_LENGTH, MAX_TAGS, TagError, parse_tags
from .urls import external_url

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
HEADLINE_LENGTH = 80  # a feed entry's or a link preview's title
SUMMARY_LENGTH = 200  # a meta description: search engines show about this much
# Names that would pass for the site's own voice: nobody registers them through the form
# and no guest signs a comment with them (an operator may still create-user one).
RESERVED_NAMES = frozenset({
    "admin", "administrator", "anonymous", "guest", "moderator", "root", "staff", "support", "system", "tumblelog",
})
# How many liked posts an account remembers for the like buttons. Every signed-in
# request loads them with the account: 500 ObjectIds are 8.4 KB of BSON and about
# 0.2 ms of MongoEngine's time, against a query saved on every page of posts.
RECENT_LIKES = 500
DESCRIPTION_MAX = 5000
CHAT_LINES_MAX = 200
CHAT_LINE_MAX = 1000
PHOTOS_MIN = 2
PHOTOS_MAX = 10
# Comments a post takes. A document may not pass 16 MB; at this cap a post full of the
# largest comments (2,000 four-byte characters, 8.3 KB of BSON each) weighs 8.3 MB, plus at
# most ~1 MB for the post itself: well under, whatever the text. tests/test_bounded.py
# builds that post and weighs it.
MAX_COMMENTS = 1000
# Comments awaiting review (or marked spam) that a post keeps, beside the published ones:
# 100 more of the largest comments add 0.9 MB.
MAX_HELD = 100
# Tags and words a reader mutes, each (a post's own tag limit: one rule for both lists).
MAX_MUTES = MAX_TAGS
# Content labels (Tumblr's four): the author or a moderator sets them; readers see a
# labelled post behind a click-through.
CONTENT_LABELS = {
    "mature": N_("Mature"), "violence": N_("Violence"), "drug-use": N_("Drug use"), "sexual-themes": N_("Sexual themes"),
}
# What a reader sees of a labelled post, per label, mildest first; blur is the default.
LABEL_VIEWS = ("show", "blur", "hide")


def label_view(choices, post):
    """How to show ``post`` to a reader who chose ``choices`` ({label: view}): the
    strictest view among its labels ("show" for an unlabelled post)."""
    views = [choices.get(label, "blur") for label in post.labels or ()]
    return max(views, key=LABEL_VIEWS.index, default="show")


# What happened to posts and readers, for whoever keeps notes and notifications
# (notes.py connects to them): models announce, and never import, what follows.
events = Namespace()
liked = events.signal("liked")  # sender: the User; post_id
unliked = events.signal("unliked")  # sender: the User; post_id
commented = events.signal("commented")  # sender: the Post; comment
comment_removed = events.signal("comment-removed")  # sender: the Post; comment_id
followed = events.signal("followed")  # sender: the User; user (the id followed)
blocked = events.signal("blocked")  # sender: the User who blocks; user (the account blocked)
post_deleted = events.signal("post-deleted")  # sender: the Post, once really deleted
went_live = events.signal("went-live")  # sender: the Post, once it is published (on_published)
# Moderation hides and shows posts with updates, which fire no save signal.
hidden_changed = events.signal("hidden-changed")  # sender: the Post, as it is now (Post.set_hidden)
relabelled = events.signal("relabelled")  # sender: the Post, with its new content labels (Post.set_labels)
suspension_changed = events.signal("suspension-changed")  # sender: the User; suspended (its posts hidden or shown)


class CommentsClosed(Exception):
    """The post takes no more comments: it has ``MAX_COMMENTS``, or its author closed them."""

    message = _l("Comments are closed on this post: it has as many as a post takes.")
    closed_by_author = _l("The author has closed comments on this post.")
    queue_full = _l("Too many comments are waiting for review here. Please try again later.")


class IdListField(db.ListField):
    """A list of ObjectIds on an account that every request loads (follows, likes,
    blocks). MongoEngine 0.29 walks every list it reads looking for references to load
    (``DeReference``): about a millisecond per request for 500 recent likes. Ids are
    never references to load, so this list is not walked
    (tests/test_models_compat.py fails when MongoEngine stops walking plain lists)."""

    def __init__(self, **kwargs):
        super().__init__(field=db.ObjectIdField(), **kwargs)

    @property
    def _auto_dereference(self):
        return False

    def to_python(self, value):
        """Stored ids come back from BSON as ObjectIds: nothing to convert one by one
        (MongoEngine would call ObjectIdField.to_python 500 times per request)."""
        if isinstance(value, list) and all(type(item) is ObjectId for item in value):
            return value
        return super().to_python(value)


def utcnow():
    """Now, as a timezone-aware UTC datetime (a default must call this per instance)."""
    return datetime.now(timezone.utc)


def http_url_error(url):
    """Return why ``url`` is not an absolute http(s) URL, or None when it is."""
    if len(url) > URL_MAX:
        return _("Use a link of at most %(max)s characters.", max=URL_MAX)
    if any(ch.isspace() or ord(ch) < 32 or ch == "\\" for ch in url):
        return _("A link cannot contain spaces, backslashes or control characters.")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return _("Use a full http:// or https:// link.")
    if parts.username is not None or parts.password is not None:
        return _("A link cannot carry a user name or password.")
    return None


def default_role():
    """The role a new account gets: ``DEFAULT_ROLE`` (author unless configured)."""
    return current_app.config["DEFAULT_ROLE"] if has_app_context() else "author"


def search_language():
    """The language search stems words in: the app's ``SEARCH_LANGUAGE`` (the default
    outside an app, in a script)."""
    return current_app.config["SEARCH_LANGUAGE"] if has_app_context() else DEFAULT_LANGUAGE


def shorten(text, limit):
    """``text`` on one line, cut to ``limit`` characters with an ellipsis when longer."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Picture:
    """The image that stands for a post in link previews and oEmbed: where it is (a
    path on this site or an https URL), its size when known, and its alt text."""

    src: str
    width: int | None
    height: int | None
    alt: str


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
    role = db.StringField(choices=ROLES, default=default_role)
    # A suspended account cannot sign in or use its tokens; its posts are hidden.
    suspended = db.BooleanField(default=False)
    created_at = db.DateTimeField(default=utcnow)
    # What the reader follows, kept on the account (which every request loads anyway)
    # so the dashboard is one query; changed only with $addToSet/$pull (see follow.py).
    followed_tags = db.ListField(field=db.StringField(max_length=MAX_TAG_LENGTH), max_length=MAX_FOLLOWS)
    followed_users = IdListField(max_length=MAX_FOLLOWS)
    # The posts this reader liked most recently, oldest first and capped (likes.py keeps
    # it with $push/$pull): like buttons read it from the account, with no query of their own.
    recent_likes = IdListField()
    # Accounts this one blocks: they cannot comment on or like its posts. Capped and
    # changed like the follows (follow.set_following).
    blocked_users = IdListField(max_length=MAX_FOLLOWS)
    # {content label: "show" | "blur" | "hide"}; a label not named is blurred.
    label_choices = db.MapField(field=db.StringField(choices=LABEL_VIEWS))
    # Tags and words (folded, one word each) whose posts this reader's dashboard and tag
    # pages leave out (``unmuted``); set as a whole from /mutes, capped.
    muted_tags = db.ListField(field=db.StringField(max_length=MAX_TAG_LENGTH), max_length=MAX_MUTES)
    muted_words = db.ListField(field=db.StringField(max_length=MAX_TERM_LENGTH), max_length=MAX_MUTES)
    queue_settings = db.EmbeddedDocumentField(document_type=QueueSettings, default=QueueSettings)
    # Notifications not yet seen (notes.py keeps it with $inc; /activity resets it), so
    # the header shows it with no query of its own; and the kinds this reader turned off.
    unread_count = db.IntField(default=0)
    notifications_off = db.ListField(field=db.StringField(max_length=20), max_length=10)
    # Notifications by e-mail (notification_mail.py): "off", "hourly" or "daily", and
    # the time up to which they were mailed, moved on with one conditional update.
    notification_mail = db.StringField(choices=("off", "hourly", "daily"), default="off")
    notified_until = db.DateTimeField()

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
    # The language pages speak to this reader (a LANGUAGES tag; "" follows the browser).
    locale = db.StringField(max_length=16, default="")
    # The fediverse (federation/): remote accounts followed once they accepted (kept like
    # followed_users, so the dashboard finds their posts with one query), and whether a
    # remote follower must wait for this blogger's approval.
    followed_actors = db.ListField(field=db.StringField(max_length=URL_MAX), max_length=MAX_FOLLOWS)
    approve_followers = db.BooleanField(default=False)

    # Not strict: accounts saved before roles still carry ``is_admin`` until
    # ``flask roles migrate`` (moderation.migrate_roles) turns it into a role.
    meta = {
        "collection": "user",
        "strict": False,
        "indexes": ["created_at", {"fields": ["digest", "digest_week"]}, {"fields": ["notification_mail", "_id"]}],
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.username and not self.username_key:
            self.username_key = self.username.lower()

    def set_locale(self, tag):
        """Speak ``tag`` (a shipped language, or "" to follow the browser) from now on."""
        User.objects(id=self.id).update_one(set__locale=tag)
        self.locale = tag

    @classmethod
    def found(cls, query):
        """The accounts matching the raw ``query``: straight from the collection, then
        the model's own loading (for the lookups every page makes, a queryset costs
        more to build than the documents)."""
        return [cls._from_son(raw) for raw in cls._get_collection().find(query)]

    @classmethod
    def by_username(cls, username):
        """The account with this name (any case), or None."""
        return next(iter(cls.found({"username_key": username.lower()})), None)

    def get_id(self):
        """Flask-Login's alternative id: the account id and its session generation, so a
        session or remember-me cookie made before ``end_sessions`` no longer loads."""
        return f"{self.id}:{self.session_generation or 0}"

    @classmethod
    def by_session_id(cls, session_id):
        """The account a ``get_id`` value names, if its generation is still current.

        A bare id (a session from before generations) counts as generation 0."""
        user_id, _sep, generation = str(session_id).partition(":")
        if not ObjectId.is_valid(user_id) or not (generation or "0").isdigit():
            return None
        user = next(iter(cls.found({"_id": ObjectId(user_id)})), None)  # the query every request makes
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

    @classmethod
    def blocks(cls, blocker_ids, user_id):
        """Does any of the accounts ``blocker_ids`` (an id, or several) block
        ``user_id``? One query by id."""
        ids = list(blocker_ids) if isinstance(blocker_ids, (list, tuple, set)) else [blocker_ids]
        return cls.objects(id__in=ids, blocked_users=user_id).only("id").first() is not None

    def label_view(self, post):
        return label_view(self.label_choices or {}, post)

    def muted_tags_of(self, post):
        """The tags of ``post`` this reader muted (lists that show it fold it away)."""
        muted = self.muted_tags
        return [tag for tag in post.tags or () if tag in muted] if muted else []

    def unmuted(self, posts):
        """The queryset ``posts`` less the posts carrying a tag or word this reader
        muted: ``$nin`` tests in the same query (a word by its stem, as search finds
        it), so muting costs no round trip. They drop posts from the range an index
        gives; a page then reads further along it."""
        if self.muted_tags:
            posts = posts.filter(tags__nin=list(self.muted_tags))
        if self.muted_words:
            posts = posts.filter(search_terms__nin=sorted({stem(word, search_language()) for word in self.muted_words}))
        return posts

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

    @classmethod
    def name_is_taken(cls, name):
        """True when ``name`` (in any case) is an account's or a removed account's."""
        key = name.strip().lower()
        return (
            cls.objects(username_key=key).only("id").first() is not None
            or RetiredName.objects(name_key=key).first() is not None
        )

    @classmethod
    def name_is_claimed(cls, name):
        """True when ``name`` is taken or reserved: no one may register it through the
        form and no guest may sign a comment with it."""
        return name.strip().lower() in RESERVED_NAMES or cls.name_is_taken(name)

    def retire_name(self):
        """Keep this account's name from ever being registered again. Call it before
        the account is deleted: a new account of the same name would otherwise take
        over the old one's page (``/user/<name>`` finds posts by name), its links and
        its signed comments. While the account exists its own unique index holds the
        name, and from this call on the retired name's index does."""
        RetiredName.objects(name_key=self.username_key).update_one(set_on_insert__retired_at=utcnow(), upsert=True)

    # --- likes: a Like document per reader and post, the count kept beside it ----------

    def likes(self, post_id):
        """Whether this reader likes the post (asks the Like documents: older likes too)."""
        return Like.objects(user=self, post=post_id).first() is not None

    def like(self, post_id):
        """Like the post; True if this call added the like, False if it was liked
        already or has just been deleted.

        Race-safe against ``Like.forget_post``: the Like and the list entry are written
        first, and only then is the post asked whether it still exists. If it does, its
        deletion (and so its clean-up) comes later and finds them; if not, this call
        undoes itself.
        """
        try:
            Like(user=self, post=post_id).save(force_insert=True)
        except NotUniqueError:
            added = False  # liked already, perhaps by a request a moment ago
        else:
            added = True
        # Either way: a like older than the list comes back into it.
        self.remember_like(post_id)
        if added:
            exists = bool(Post.objects(id=post_id).update_one(inc__like_count=1))
        else:
            exists = Post.objects(id=post_id).only("id").first() is not None
        if not exists:
            Like.forget_post(post_id, users=[self.id])
            return False
        if added:
            liked.send(self, post_id=post_id)
        return added

    def unlike(self, post_id):
        """Take the like back; True if this call removed it."""
        # Either way, so a list that disagrees with the Like documents mends itself.
        User.objects(id=self.id).update_one(pull__recent_likes=post_id)
        if not Like.objects(user=self, post=post_id).delete():
            return False
        Post.objects(id=post_id).update_one(dec__like_count=1)
        unliked.send(self, post_id=post_id)
        return True

    def remember_like(self, post_id):
        """Append ``post_id`` to ``recent_likes`` unless it is there already, dropping
        the oldest past ``RECENT_LIKES``: one atomic update, whose ``$ne`` filter keeps
        two requests at once from adding it twice."""
        User.objects(id=self.id, recent_likes__ne=post_id).update_one(
            __raw__={"$push": {"recent_likes": {"$each": [post_id], "$slice": -RECENT_LIKES}}}
        )

    # --- following tags and bloggers (microblog's User.follow) ----------------------------

    def follow(self, tag=None, user=None):
        """Follow a tag or a blogger; False when that list is full (``MAX_FOLLOWS``).

        ``$addToSet`` with the size check in the update's filter, so two requests at
        once can neither add it twice nor push the list past the cap.
        """
        field, value = self._follow_target(tag, user)
        if value in getattr(self, field):
            return True
        added = self._add_capped(field, value)
        if added and user is not None:
            followed.send(self, user=value)
        return added

    def _add_capped(self, field, value):
        """``$addToSet`` ``value`` to the list ``field`` unless it holds ``MAX_FOLLOWS``."""
        if value in getattr(self, field):
            return True
        has_room = {f"{field}.{MAX_FOLLOWS - 1}": {"$exists": False}}
        users = User.objects(id=self.id).filter(__raw__=has_room)
        return bool(users.update_one(**{f"add_to_set__{field}": value}))

    # --- blocks ---------------------------------------------------------------------------

    def block(self, user):
        """Block ``user`` (False when ``MAX_FOLLOWS`` are blocked already). Following
        ends both ways, so neither dashboard shows the other."""
        if not self._add_capped("blocked_users", user.id):
            return False
        self.unfollow(user=user)
        User.objects(id=user.id).update_one(pull__followed_users=self.id)
        blocked.send(self, user=user)
        return True

    def unblock(self, user):
        User.objects(id=self.id).update_one(pull__blocked_users=user.id)
        return True

    def unfollow(self, tag=None, user=None):
        """Stop following a tag or a blogger (a ``$pull``: safe to repeat)."""
        field, value = self._follow_target(tag, user)
        User.objects(id=self.id).update_one(**{f"pull__{field}": value})
        return True

    def is_following(self, tag=None, user=None):
        field, value = self._follow_target(tag, user)
        return value in getattr(self, field)

    @staticmethod
    def _follow_target(tag, user):
        if tag is not None:
            return "followed_tags", tag
        return "followed_users", getattr(user, "id", user)

    def followed_posts(self):
        """Posts with any tag this reader follows or by anyone they follow, less what
        they muted, or None.

        One ``$or`` of ``tags $in`` and ``author $in``, which MongoDB answers from the
        two list indexes however many things are followed.
        """
        clauses = []
        if self.followed_tags:
            clauses.append(Q(tags__in=self.followed_tags))
        if self.followed_users:
            clauses.append(Q(author__in=self.followed_users))
        return self.unmuted(Post.listing(any_of=clauses)) if clauses else None


class RetiredName(db.Document):
    """The name of a removed account (``User.retire_name``), kept so it is never given
    out again; the primary key makes it unique."""

    name_key = db.StringField(primary_key=True)
    retired_at = db.DateTimeField(default=utcnow)

    meta = {"collection": "retired_name"}


class SpentFormToken(db.Document):
    """A comment form's token that has posted its comment (spam.py): the primary key
    makes each token good for one comment. MongoDB's TTL monitor removes the record once
    the token is too old to be accepted anyway."""

    nonce = db.StringField(primary_key=True)
    expires_at = db.DateTimeField(required=True)

    meta = {"collection": "spent_form_token", "indexes": [{"fields": ["expires_at"], "expireAfterSeconds": 0}]}

    @classmethod
    def spend(cls, nonce, expires_at):
        """Mark the token spent; False if it already was."""
        try:
            cls(nonce=nonce, expires_at=expires_at).save(force_insert=True)
        except NotUniqueError:
            return False
        return True


class Comment(db.EmbeddedDocument):
    """A reader's plain-text comment, stored inside its post. ``author`` is set when
    the commenter was signed in; ``author_name`` is what readers see either way. A
    comment without ``author`` is a guest's, shown as one, under a name no account
    has (``User.name_is_claimed``)."""

    id = db.ObjectIdField(default=ObjectId, required=True)
    author_name = db.StringField(required=True, max_length=NAME_MAX)
    author = db.LazyReferenceField(document_type=User)
    body = db.StringField(required=True, max_length=COMMENT_MAX)
    created_at = db.DateTimeField(default=utcnow)
    # None: published. Held and spam comments live in ``Post.held_comments``.
    state = db.StringField(choices=("held", "spam"))
    # A reply from the fediverse: its author's profile (author_name is their handle).
    remote_url = db.StringField(max_length=URL_MAX)


# Every post type by name, in the order they were declared (tabs and the seed follow it).
POST_TYPES = {}


def trusted_html(html):
    """Stored HTML as markup for templates. Trusted because ``render_markdown`` ran it
    through nh3's allowlist at save; this is the one place stored HTML is trusted."""
    return Markup(html or "")


class Post(db.Document):
    """What every post type has. Query ``Post.objects`` to get all types at once.

    A subclass declares a type: ``type`` (its name in URLs, forms, the API and the
    stored documents), ``label`` (what readers call it), ``search_fields`` (the text
    search indexes) and ``api_fields`` (what the API shows, read by ``api_value``).

    A post's ``state`` is a draft, queued, scheduled or published; its ``visibility``
    public, unlisted (by link only) or private (its author and admins only). Lists show
    a post when it is ``listed`` (not a draft, and public) and its ``published_at`` has
    come: a queued or scheduled post appears at its time with no worker.
    """

    type = None
    label = None
    # False for a type nobody writes from a form of its own (a reblog): it is then not
    # one of POST_TYPES (no new-post tab, route or API type), though lists show it.
    creatable = True
    search_fields = ()
    api_fields = ()
    api_schema = {}  # JSON schemas of api_fields that are not plain text (api/openapi.py)
    form_class = None  # set by the type's form (forms.PostForm subclasses name their model)

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
    # Reblogs of this post, direct or down a chain (kept by $inc as reblogs come and go),
    # and, on a reblog, the id of the post first reblogged (the root of its trail).
    reblog_count = db.IntField(default=0)
    reblog_of = db.ObjectIdField()
    mention_count = db.IntField(default=0)  # shown webmentions (mentions.py), kept by $inc
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
            # Every list asks for listed posts that are not hidden (hidden: null) whose
            # time has come (published_at <= now): listed and hidden lead each index so
            # that drafts, unlisted and hidden posts are skipped on the index.
            {"fields": ["listed", "hidden", "-published_at", "-id"]},
            {"fields": ["listed", "hidden", "tags", "-published_at", "-id"]},
            {"fields": ["listed", "hidden", "author", "-published_at", "-id"]},
            {"fields": ["listed", "hidden", "search_terms", "-published_at", "-id"]},
            # The user page finds posts by the stored name: no account lookup first.
            {"fields": ["listed", "hidden", "author_name", "-published_at", "-id"]},
            {"fields": ["author_name", "pinned", "listed", "hidden", "-published_at", "-id"]},
            # A blogger's posts, hidden or not (the console, suspensions, export).
            {"fields": ["author", "-created_at", "-id"]},
            # The moderation queue: posts with comments awaiting review.
            {"fields": ["-held_count", "-created_at"]},
            # The author's drafts, newest first, and queue, next first.
            {"fields": ["author", "state", "-created_at", "-id"]},
            {"fields": ["author", "state", "published_at", "id"]},
            # Queued and scheduled posts whose time has come (see publish_due).
            {"fields": ["state", "published_at"]},
            # Every reblog of a post, to mark them when it is deleted.
            {"fields": ["reblog_of"]},
        ],
    }

    # Route words after /post/<id>/ that a slug must never be (tested against the URL map).
    RESERVED_SLUGS = frozenset({
        "edit", "delete", "comments", "like", "publish", "pin", "reblog", "report", "preview", "new",
        "held", "labels",
    })

    # What a headline (and so a slug) is made of, the first of them that a post has.
    HEADLINE_FIELDS = ("title", "caption", "quote")
    # What ``visible_to`` reads, for queries that load only some fields.
    VISIBILITY_FIELDS = ("author", "state", "published_at", "visibility", "hidden")
    LIST_ORDER = ("-published_at", "-id")
    DRAFT_ORDER = ("-created_at", "-id")
    QUEUE_ORDER = ("published_at", "id")
    # What lists never show: every comment, the Markdown source (they show body_html)
    # and the search index's words.
    LIST_EXCLUDE = ("comments", "held_comments", "body", "search_terms")
    # What a copy of a post elsewhere (a fediverse server's) never shows.
    COPY_EXCLUDE = ("comments", "held_comments", "search_terms")

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
        self.search_terms = search_terms(*fields, *self.tags, language=search_language())
        if self.state == DRAFT:
            self.published_at = None
        elif self.published_at is None:
            self.published_at = self.created_at  # published the old way: when written
        self.listed = self.state != DRAFT and self.visibility == PUBLIC

    def save(self, *args, **kwargs):
        """Save, then run ``on_published`` if this save took the post live (save signals'
        receivers read ``_going_live`` to leave that to it)."""
        going_live = self._going_live
        try:
            result = super().save(*args, **kwargs)
        finally:
            self._going_live = False
        if going_live:
            self.on_published()
        return result

    def on_published(self):
        """What follows a post going live (notifications, federation). Called once when
        it is published at once, and by ``publish_due`` for queued and scheduled posts
        whose time came. Receivers of ``went_live`` start what follows (Webmention)."""
        went_live.send(self)

    @classmethod
    def published(cls, now=None, any_of=()):
        """Posts any reader may see in a list: live, public, not drafts and not hidden
        (by moderators, or of suspended authors). Every list of the site starts here
        (``listing``), so no type and no page can forget it.

        ``any_of``: Q clauses of which a post must match one (the dashboard); the whole
        test goes into each, so that each is one range of one index.
        """
        shown = Q(listed=True, hidden=None, published_at__lte=now or utcnow())
        if any_of:
            shown = functools.reduce(operator.or_, (clause & shown for clause in any_of))
        return cls.objects(shown)

    @classmethod
    def listing(cls, keep=(), any_of=()):
        """Published posts newest first, without what lists never show
        (``LIST_EXCLUDE``) unless named in ``keep`` (the API shows the Markdown source),
        and never a hidden one. ``any_of``: Q clauses of which a post must match one
        (the dashboard); see ``published``.

        On one type (``ImagePost.listing()``) only the fields that type has are named:
        MongoEngine refuses to exclude a field a class does not know.
        """
        excluded = (name for name in cls.LIST_EXCLUDE if name not in keep and cls._knows_field(name))
        return cls.published(any_of=any_of).exclude(*excluded).order_by(*cls.LIST_ORDER)

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

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.type and cls.creatable:
            POST_TYPES[cls.type] = cls

    @classmethod
    def partial(cls, kind="posts"):
        """The template of this type's body: ``posts`` for pages, ``feeds`` for feeds."""
        return f"{kind}/_{cls.type}.html"

    @property
    def note_count(self):
        """Likes, reblogs, comments and webmentions: Tumblr's "notes", from the counters
        on the post."""
        return self.like_count + self.reblog_count + self.comment_count + self.mention_count

    @property
    def shown_type(self):
        """The type the post is shown as (a reblog shows as the type it reblogged)."""
        return self.type

    def reblog_refusal(self):
        """Why this post cannot be reblogged, or None when it can. The one check:
        post states and visibility (drafts, private posts) belong here."""
        if self.hidden:
            return _("This post is hidden from readers: it cannot be reblogged.")
        if not self.is_live():
            return _("This post is not published yet: it cannot be reblogged.")
        if self.visibility != PUBLIC:
            return _("Only public posts can be reblogged.")
        return None

    def api_value(self, name):
        """One of ``api_fields`` as JSON; types override it for what is not stored as is."""
        return getattr(self, name)

    # -- the workflow ------------------------------------------------------------------

    def is_live(self, now=None):
        """Whether the post's time has come (it may still be unlisted or private)."""
        return (
            self.state != DRAFT
            and self.published_at is not None
            and as_utc(self.published_at) <= (now or utcnow())
        )

    def is_listed(self, now=None):
        """Whether lists show the post now: the test of ``published()``, on one post."""
        return self.listed and not self.hidden and self.is_live(now)

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
        """Whether ``user`` (maybe anonymous) may see this post at all: a post hidden by
        moderation, moderators only; otherwise its author and admins always, others once
        it is live and not private."""
        if self.hidden:
            return user.is_authenticated and user.can("moderate")
        if user.is_authenticated and user.can("edit_post", self):
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

    @classmethod
    def set_hidden(cls, post_id, hidden):
        """Hide a post from readers as a moderator does (``hidden`` "moderator"), or
        show again (None) one a moderator hid: a post hidden with its suspended author
        comes back with them. Return whether it changed; ``hidden_changed`` tells whoever
        copied it elsewhere (federation)."""
        if hidden:
            changed = cls._change(cls.objects(id=post_id, hidden=None), hidden_changed, set__hidden=hidden)
        else:
            changed = cls._change(cls.objects(id=post_id, hidden="moderator"), hidden_changed, unset__hidden=True)
        return changed is not None

    @classmethod
    def set_labels(cls, post_id, labels):
        """Give the post ``post_id`` the content labels ``labels`` (in the order of
        ``CONTENT_LABELS``); ``relabelled`` tells whoever copied it elsewhere."""
        ordered = [label for label in CONTENT_LABELS if label in labels]
        cls._change(cls.objects(id=post_id), relabelled, set__labels=ordered)

    @classmethod
    def _change(cls, posts, signal, **update):
        """Apply ``update`` to the post ``posts`` finds, and send ``signal`` with it as it
        is now (what copies of it elsewhere need: ``COPY_EXCLUDE`` left out); None, and
        no signal, when it found none. An update fires no save signal: this says it."""
        changed = posts.exclude(*cls.COPY_EXCLUDE).modify(new=True, **update)
        if changed is not None:
            signal.send(changed)
        return changed

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
        """The post ``username`` pinned, if it is published and public: a queryset of
        one (or none), for the caller to read as it reads lists."""
        return cls.listing().filter(author_name=username, pinned=True).limit(1)

    @property
    def slug(self):
        """The permalink's readable part, from the headline (title, caption or quote)."""
        return slugify(self.headline or "", self.RESERVED_SLUGS)

    def permalink(self, **kwargs):
        """The post's URL (``url_for`` options in ``kwargs``)."""
        return url_for("blog.show", post_id=self.id, slug=self.slug, **kwargs)

    def media_ids(self):
        """The GridFS files this post shows (uploads, their thumbnails)."""
        return []

    @property
    def headline(self):
        """What names the post in a page title, a feed or a link preview: the start of its
        title, caption or quote, else its type ("Image post")."""
        text = next(filter(None, (getattr(self, name, None) for name in self.HEADLINE_FIELDS)), None)
        return shorten(text, HEADLINE_LENGTH) or _("%(type)s post", type=_(self.label))

    @property
    def summary(self):
        """The post as a line of plain text, for meta descriptions and link previews."""
        html = getattr(self, "body_html", None)
        if html:
            text = Markup(html).striptags()
        else:
            fields = ("quote", "source", "caption", "alt")
            text = " — ".join(value for value in (getattr(self, name, None) for name in fields) if value)
        return shorten(text, SUMMARY_LENGTH) or _("%(type)s post by %(name)s.", type=_(self.label), name=self.author_name)

    @property
    def picture(self):
        """The ``Picture`` for link previews, or None (a post without an image)."""
        return None

    # Whether the post shows its picture large on the page: the first such post of a
    # page loads its image at once (templating.first_picture).
    shows_picture = False

    def enclosures(self):
        """``(url, content type)`` of the files a feed entry carries (podcast-style)."""
        return []

    def store_media(self, upload):
        """Store an accepted upload (``images.Encoded``, ``audio.AudioUpload``) as one
        of this post's files; return its id. The files name their post, so a post that
        has none yet gets its id now."""
        if self.id is None:
            self.id = ObjectId()
        return media.store(upload, self.id)

    def save_with_media(self):
        """Save, then delete the files the stored post does not show: the old image
        after an edit replaced it, or a new upload when the save was refused
        (a ``ValidationError`` still reaches the caller)."""
        try:
            return self.save()
        finally:
            if self.id is not None:
                Post.prune_media(self.id)

    def delete_with_media(self):
        """Delete the post with its comments, its likes and its files; feeds learn
        that a post went away (``SiteState``). True if this call deleted it (two
        requests at once: one says so, and only that one announces it)."""
        # The collection's own delete_one: with delete receivers (federation's) connected,
        # a queryset delete loads and counts documents instead of deleting them, so two
        # requests at once would both count the post as theirs. MongoEngine's post_delete
        # is then sent here, as Document.delete would.
        deleted = Post._get_collection().delete_one({"_id": self.id}).deleted_count
        SiteState.post_removed()
        Like.forget_post(self.id)
        Post.prune_media(self.id)
        if deleted:
            signals.post_delete.send(type(self), document=self)
            post_deleted.send(self)
        return bool(deleted)

    @staticmethod
    def prune_media(post_id):
        stored = Post.objects(id=post_id).exclude("comments").first()
        media.prune(post_id, keep=stored.media_ids() if stored else ())

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
            commented.send(self, comment=comment)
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
        return cls.comments_slice(post_id, skip, limit).first()

    @classmethod
    def comments_slice(cls, post_id, skip, limit):
        """The query ``with_comments`` runs (the permalink reads its raw document)."""
        return cls.objects(id=post_id).exclude("search_terms", "held_comments").fields(slice__comments=[skip, limit])

    @property
    def comments_open(self):
        return self.comment_count < MAX_COMMENTS and not self.comments_closed

    @property
    def label_names(self):
        """The post's content labels as readers read them, e.g. "Mature, Violence"."""
        return ", ".join(_(CONTENT_LABELS[label]) for label in self.labels or ())

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
        removed = bool(
            Post.objects(id=self.id, comments__id=comment_id).update_one(
                # Raw because mongoengine validates the -1 against comment_count's
                # min_value; both values here are ours, nothing comes from a request.
                __raw__={"$pull": {"comments": {"id": comment_id}}, "$inc": {"comment_count": -1}}
            )
        )
        if removed:
            comment_removed.send(self, comment_id=comment_id)
        return removed


def media_src(url, file_id, thumb_id=None, thumbnail=False, external=False):
    """Where the browser loads an image from: the upload (its thumbnail when asked and
    made) or the linked URL."""
    if not file_id:
        return url
    path = url_for("media.file", file_id=(thumbnail and thumb_id) or file_id)
    return external_url(path) if external else path


class BlogPost(Post):
    """A text post: a title and a Markdown body, rendered to safe HTML once, on save."""

    type = "blog"
    label = N_("Text")
    search_fields = ("title", "body")
    api_fields = ("title", "body", "body_html")
    title = db.StringField(required=True, max_length=TITLE_MAX)
    body = db.StringField(required=True)
    body_html = db.StringField()

    def clean(self):
        super().clean()
        try:
            self.body_html = render_markdown(self.body or "")
        except MarkdownTooComplex as error:
            raise ValidationError(str(error), field_name="body") from error

    @property
    def body_markup(self):
        return trusted_html(self.body_html)


class ImageCopy(db.EmbeddedDocument):
    """One scaled copy of an uploaded image, for ``srcset``."""

    file = db.ObjectIdField(required=True)
    width = db.IntField(required=True, min_value=1)
    height = db.IntField(required=True, min_value=1)


def webp_copies(processed, store):
    """The WebP copies of an accepted upload (``images.ProcessedImage``), each stored by
    ``store`` (which returns its file id)."""
    return [ImageCopy(file=store(copy), width=copy.width, height=copy.height) for copy in processed.webp]


def webp_srcset(copies):
    """``ImageCopy``s as a ``srcset`` value ("" for uploads saved before they were made)."""
    return ", ".join(f"{url_for('media.file', file_id=copy.file)} {copy.width}w" for copy in copies)


class ImagePost(Post):
    """An image: uploaded (kept in GridFS, see media.py) or shown from its URL.

    ``alt`` describes the image for people who cannot see it; the caption stands in
    when it is empty. An upload has a thumbnail for list pages when it is large.
    """

    type = "image"
    label = N_("Image")
    shows_picture = True
    search_fields = ("caption", "alt")
    api_fields = ("image_url", "caption", "alt")
    image_url = db.StringField(max_length=URL_MAX, default="")
    image_file = db.ObjectIdField()
    thumb_file = db.ObjectIdField()
    webp_files = db.EmbeddedDocumentListField(document_type=ImageCopy, max_length=len(WEBP_SIDES))
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
        files = (self.image_file, self.thumb_file, *(copy.file for copy in self.webp_files))
        return [file_id for file_id in files if file_id]

    @staticmethod
    def stored_upload(processed, post_id):
        """Store the files of an accepted upload (``images.ProcessedImage``) for
        ``post_id``; return the fields an image post showing it sets."""
        return {
            "image_file": media.store(processed.image, post_id),
            "thumb_file": media.store(processed.thumbnail, post_id) if processed.thumbnail else None,
            "webp_files": webp_copies(processed, lambda copy: media.store(copy, post_id)),
            "width": processed.image.width,
            "height": processed.image.height,
        }

    def attach_upload(self, processed):
        """Store an accepted upload as this post's image."""
        if self.id is None:
            self.id = ObjectId()  # the files name their post before it is saved
        for name, value in self.stored_upload(processed, self.id).items():
            setattr(self, name, value)
        self.image_url = ""

    def api_value(self, name):
        if name == "alt":
            return self.alt_text
        if name == "image_url":  # absolute, even for an upload
            return media_src(self.image_url, self.image_file, external=True)
        return super().api_value(name)

    @property
    def webp_srcset(self):
        return webp_srcset(self.webp_files)

    @property
    def alt_text(self):
        return self.alt or self.caption

    @property
    def picture(self):
        return Picture(self.image_src(), self.width, self.height, self.alt_text)

    def image_src(self, thumbnail=False):
        """Where the browser loads the image from (the thumbnail when asked and made)."""
        return media_src(self.image_url, self.image_file, self.thumb_file, thumbnail)


class VideoPost(Post):
    """A YouTube or Vimeo video, kept as provider + id; the player URL is built from
    those, never from anything the user typed."""

    type = "video"
    label = N_("Video")
    search_fields = ("caption",)
    api_fields = ("video_url", "provider", "video_id", "embed_url", "caption")
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

    @property
    def picture(self):
        url = self.thumbnail_url
        return Picture(url, *THUMBNAIL_SIZE, self.caption or "Video") if url else None


class QuotePost(Post):
    """A quotation and, optionally, who said it."""

    type = "quote"
    label = N_("Quote")
    search_fields = ("quote", "source")
    api_fields = ("quote", "source")
    quote = db.StringField(required=True, max_length=QUOTE_MAX)
    source = db.StringField(max_length=SOURCE_MAX, default="")


class LinkPost(Post):
    """A link to another site: its title, an optional Markdown description and an
    optional thumbnail upload. Nothing is ever fetched from the URL."""

    type = "link"
    label = N_("Link")
    search_fields = ("title", "description", "host")
    # Every post's "url" in the API is its permalink, so the link shows as "link_url"
    # there (it is still "url" in the form and in what the API takes).
    api_fields = ("link_url", "title", "host", "description", "description_html", "thumbnail_url")
    url = db.StringField(required=True, max_length=URL_MAX)
    title = db.StringField(required=True, max_length=TITLE_MAX)
    description = db.StringField(max_length=DESCRIPTION_MAX, default="")
    description_html = db.StringField()
    thumb_file = db.ObjectIdField()
    thumb_webp = db.ObjectIdField()  # the thumbnail in WebP (uploads since it was made)

    def clean(self):
        super().clean()
        error = http_url_error(self.url or "")
        if error:
            raise ValidationError(error, field_name="url")
        self.description_html = render_markdown(self.description or "")

    @property
    def host(self):
        """Where the link leads, shown beside it (``www.`` dropped: readers know it)."""
        host = urlsplit(self.url or "").hostname or ""
        return host.removeprefix("www.")

    @property
    def link_url(self):
        return self.url

    @property
    def description_markup(self):
        return trusted_html(self.description_html)

    @property
    def thumbnail_url(self):
        return media_src("", self.thumb_file, external=True)

    @property
    def picture(self):
        return Picture(media_src("", self.thumb_file), None, None, self.title) if self.thumb_file else None

    def media_ids(self):
        return [file_id for file_id in (self.thumb_file, self.thumb_webp) if file_id]

    def attach_upload(self, processed):
        """Store an accepted image upload as the link's thumbnail (the small size), and
        its smallest WebP copy beside it."""
        self.thumb_file = self.store_media(processed.thumbnail or processed.image)
        self.thumb_webp = self.store_media(processed.webp[0]) if processed.webp else None


class AudioPost(Post):
    """A track: an uploaded file (GridFS, served with range requests so players can
    seek) or a SoundCloud / Bandcamp player built from provider + id like a video."""

    type = "audio"
    label = N_("Audio")
    search_fields = ("track", "artist")
    api_fields = ("track", "artist", "audio_url", "provider", "audio_id", "embed_url", "file_url", "cover_url")
    track = db.StringField(max_length=TITLE_MAX, default="")
    artist = db.StringField(max_length=NAME_MAX * 2, default="")
    audio_url = db.StringField(max_length=URL_MAX, default="")
    provider = db.StringField(choices=("soundcloud", "bandcamp"))
    audio_id = db.StringField()
    audio_file = db.ObjectIdField()
    audio_type = db.StringField()  # the content type found from the file's bytes
    cover_file = db.ObjectIdField()

    def clean(self):
        super().clean()
        if self.audio_file:
            self.audio_url, self.provider, self.audio_id = "", None, None
            return
        try:
            self.provider, self.audio_id = parse_audio_url(self.audio_url or "")
        except VideoURLError as error:
            raise ValidationError(str(error), field_name="audio_url") from error

    def attach_audio(self, upload):
        self.audio_file = self.store_media(upload)
        self.audio_type = upload.content_type
        self.audio_url = ""

    def attach_upload(self, processed):
        """Store an accepted image upload as the cover."""
        self.cover_file = self.store_media(processed.thumbnail or processed.image)

    def media_ids(self):
        return [file_id for file_id in (self.audio_file, self.cover_file) if file_id]

    def enclosures(self):
        return [(self.file_url, self.audio_type)] if self.audio_file else []

    @property
    def embed_url(self):
        return embed_url(self.provider, self.audio_id) if self.provider else ""

    @property
    def file_url(self):
        return media_src("", self.audio_file, external=True)

    @property
    def cover_url(self):
        return media_src("", self.cover_file, external=True)

    @property
    def title(self):
        """"Track — Artist", for headings and feed titles."""
        return " — ".join(part for part in (self.track, self.artist) if part)


class ChatLine(db.EmbeddedDocument):
    """One line of a chat; ``speaker`` is empty for a line nobody is named for."""

    speaker = db.StringField(max_length=NAME_MAX, default="")
    line = db.StringField(required=True, max_length=CHAT_LINE_MAX)

    def __str__(self):
        return f"{self.speaker}: {self.line}" if self.speaker else self.line


# "Name: words" — a name of up to NAME_MAX characters before the first colon that is
# followed by a space (so "https://…" or "10:30" never make a speaker).
_SPEAKER = re.compile(rf"^([^:\n]{{1,{NAME_MAX}}}):(?:\s+|$)(.*)$")


def parse_dialogue(text):
    """``Name: words`` lines (blank ones skipped) as ChatLines; ValueError if too many
    or too long."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > CHAT_LINES_MAX:
        raise ValueError(_("A chat can have at most %(max)s lines.", max=CHAT_LINES_MAX))
    dialogue = []
    for line in lines:
        match = _SPEAKER.match(line)
        speaker, words = (match[1].strip(), match[2].strip()) if match else ("", line)
        if not words:
            speaker, words = "", line  # "Name:" alone is a line, not a speaker saying nothing
        if len(words) > CHAT_LINE_MAX:
            raise ValueError(_("A chat line can have at most %(max)s characters.", max=CHAT_LINE_MAX))
        dialogue.append(ChatLine(speaker=speaker, line=words))
    return dialogue


class ChatPost(Post):
    """A dialogue, one speaker and line at a time, with an optional title."""

    type = "chat"
    label = N_("Chat")
    search_fields = ("title", "dialogue_text")
    api_fields = ("title", "dialogue")
    api_schema = {
        "dialogue": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"speaker": {"type": "string"}, "line": {"type": "string"}},
                "required": ["speaker", "line"],
            },
        },
    }
    title = db.StringField(max_length=TITLE_MAX, default="")
    dialogue = db.EmbeddedDocumentListField(document_type=ChatLine, max_length=CHAT_LINES_MAX)

    def clean(self):
        super().clean()
        if not self.dialogue:
            raise ValidationError(_("Write at least one line."), field_name="dialogue")

    @property
    def dialogue_text(self):
        return "\n".join(str(line) for line in self.dialogue)

    def api_value(self, name):
        if name == "dialogue":
            return [{"speaker": line.speaker, "line": line.line} for line in self.dialogue]
        return super().api_value(name)


class Photo(db.EmbeddedDocument):
    """One image of a photoset: an upload (with its thumbnail) or a link, and its alt."""

    url = db.StringField(max_length=URL_MAX, default="")
    file = db.ObjectIdField()
    thumb = db.ObjectIdField()
    width = db.IntField(min_value=1)
    height = db.IntField(min_value=1)
    alt = db.StringField(max_length=ALT_MAX, default="")
    webp = db.EmbeddedDocumentListField(document_type=ImageCopy, max_length=len(WEBP_SIDES))

    def src(self, thumbnail=False, external=False):
        return media_src(self.url, self.file, self.thumb, thumbnail, external)

    @property
    def webp_srcset(self):
        return webp_srcset(self.webp)


def parse_layout(text, count):
    """Row sizes from ``"1-2-3"``: each row 1–3 images, summing to ``count``.
    Empty text is the default layout (one wide image, then pairs). ValueError if wrong."""
    text = (text or "").strip()
    if not text:
        return ([1] if count % 2 else []) + [2] * (count // 2)
    if not re.fullmatch(r"[1-3](?:-[1-3]){0,9}", text):
        raise ValueError(_("Write the images per row as numbers 1–3 joined by dashes, e.g. 1-2-2."))
    rows = [int(size) for size in text.split("-")]
    if sum(rows) != count:
        raise ValueError(_("The rows add up to %(sum)s images, but the set has %(count)s.", sum=sum(rows), count=count))
    return rows


class PhotosetPost(Post):
    """2–10 images, each with its own alt text, in rows of 1–3 (``layout``) under one
    caption. List pages show thumbnails; the permalink the full images."""

    type = "photoset"
    label = N_("Photoset")
    shows_picture = True
    search_fields = ("caption", "alts_text")
    api_fields = ("photos", "caption", "layout")
    api_schema = {
        "photos": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "url": {"type": "string"}, "alt": {"type": "string"},
                    "width": {"type": ["integer", "null"]}, "height": {"type": ["integer", "null"]},
                },
                "required": ["url", "alt", "width", "height"],
            },
        },
    }
    photos = db.EmbeddedDocumentListField(document_type=Photo, max_length=PHOTOS_MAX)
    caption = db.StringField(max_length=CAPTION_MAX, default="")
    layout = db.StringField(max_length=40, default="")

    def clean(self):
        super().clean()
        if not PHOTOS_MIN <= len(self.photos) <= PHOTOS_MAX:
            raise ValidationError(
                _("A photoset has %(min)s to %(max)s images.", min=PHOTOS_MIN, max=PHOTOS_MAX), field_name="photos"
            )
        for photo in self.photos:
            error = None if photo.file else http_url_error(photo.url or "")
            if error:
                raise ValidationError(error, field_name="photo_urls")
        try:
            self.layout = "-".join(map(str, parse_layout(self.layout, len(self.photos))))
        except ValueError as error:
            raise ValidationError(str(error), field_name="layout") from error

    @property
    def photo_urls(self):
        """Every image's address, uploads' on this blog: what the edit form shows, one a
        line, so reordering the lines reorders the set."""
        return [photo.src(external=True) for photo in self.photos]

    @property
    def alts(self):
        return [photo.alt for photo in self.photos]

    @property
    def alts_text(self):
        return "\n".join(photo.alt for photo in self.photos)

    def rows(self):
        """The photos row by row, as the layout says (each paired with its number)."""
        numbered = list(enumerate(self.photos, start=1))
        rows, start = [], 0
        for size in parse_layout(self.layout, len(numbered)):
            rows.append(numbered[start:start + size])
            start += size
        return rows

    def alt_text(self, number):
        """Photo ``number``'s alt, or where it sits in the set when it has none."""
        return self.photos[number - 1].alt or _("Photo %(number)s of %(count)s", number=number, count=len(self.photos))

    @property
    def picture(self):
        first = self.photos[0] if self.photos else None
        return Picture(first.src(), first.width, first.height, self.alt_text(1)) if first else None

    def media_ids(self):
        return [file_id for photo in self.photos
                for file_id in (photo.file, photo.thumb, *(copy.file for copy in photo.webp)) if file_id]

    def photo_from_upload(self, processed):
        """A Photo for an accepted image upload, stored as this post's, with its WebP copies."""
        image = processed.image
        thumb = self.store_media(processed.thumbnail) if processed.thumbnail else None
        return Photo(file=self.store_media(image), thumb=thumb, width=image.width, height=image.height,
                     webp=webp_copies(processed, self.store_media))

    def api_value(self, name):
        if name == "photos":
            return [
                {"url": photo.src(external=True), "alt": photo.alt, "width": photo.width, "height": photo.height}
                for photo in self.photos
            ]
        return super().api_value(name)


class SiteState(db.Document):
    """Facts about the whole site that no post carries. ``posts_removed_at``: when a
    post last went away, which feeds need: a deleted post leaves no ``updated_at``
    behind for their ``Last-Modified`` to move to."""

    key = db.StringField(primary_key=True)
    changed_at = db.DateTimeField(required=True)

    meta = {"collection": "site_state"}

    POSTS_REMOVED = "posts_removed"

    @classmethod
    def post_removed(cls):
        """Note that a post went away just now (one upsert; no read first)."""
        cls.objects(key=cls.POSTS_REMOVED).update_one(set__changed_at=utcnow(), upsert=True)

    @classmethod
    def posts_removed_at(cls):
        """When a post last went away, or None if none ever did."""
        state = cls.objects(key=cls.POSTS_REMOVED).first()
        return state.changed_at if state else None


class Like(db.Document):
    """One reader's like of one post. The unique index makes a second like by the same
    reader fail, so double clicks and races never count twice; ``Post.like_count``
    moves by one only when a Like is really inserted or deleted. Deleting a post
    deletes its likes afterwards (``forget_post``), not by a delete rule: that would
    remove them before anyone could ask which readers' lists name the post."""

    user = db.LazyReferenceField(document_type=User, required=True)
    post = db.LazyReferenceField(document_type=Post, required=True)
    created_at = db.DateTimeField(default=utcnow)

    meta = {
        "collection": "like",
        "indexes": [{"fields": ["user", "post"], "unique": True}, {"fields": ["post"]}],
    }

    FORGET_BATCH = 1000  # readers per round trip when a deleted post's likes are removed

    @classmethod
    def forget_post(cls, post_id, users=None):
        """Remove a deleted post's likes and take it out of its likers' ``recent_likes``
        (all of them, or those in ``users``). Called after the post is gone, in batches,
        so a much-liked post costs a few round trips, not one per like."""
        likes = cls.objects(post=post_id)
        if users is not None:
            likes = likes.filter(user__in=users)
        while batch := [row["user"] for row in likes.only("user").limit(cls.FORGET_BATCH).as_pymongo()]:
            User.objects(id__in=batch).update(pull__recent_likes=post_id)
            cls.objects(post=post_id, user__in=batch).delete()
