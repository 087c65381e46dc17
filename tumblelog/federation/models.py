"""What federation stores: each blogger's key pair, their remote followers, the remote
actors whose keys we checked, whom our readers follow remotely, and the remote posts
that arrive for them. A unique index stands behind every "one of each" rule."""
import re

from mongoengine import CASCADE, NotUniqueError

from ..extensions import db
from ..models import URL_MAX, Post, User, trusted_html, utcnow
from . import httpsig


REACTIONS_MAX = 10_000  # our readers' likes (and boosts) one remote post keeps


class ActorKey(db.Document):
    """A blogger's RSA key pair, made the first time it is needed. The private half is
    only ever read to sign our own requests; documents show the public half."""

    user = db.LazyReferenceField(document_type=User, required=True, unique=True, reverse_delete_rule=CASCADE)
    private_pem = db.StringField(required=True)
    public_pem = db.StringField(required=True)
    created_at = db.DateTimeField(default=utcnow)

    meta = {"collection": "actor_key"}

    @classmethod
    def for_user(cls, user_id):
        """The key pair of the user ``user_id``, made now if there is none (two requests
        racing to make it keep the first one saved, by the unique index)."""
        key = cls.objects(user=user_id).first()
        if key is None:
            private, public = httpsig.new_key_pair()
            try:
                key = cls(user=user_id, private_pem=private, public_pem=public).save()
            except NotUniqueError:
                key = cls.objects(user=user_id).first()
        return key


class Follower(db.Document):
    """A remote actor following one of our bloggers, with where to deliver to them.
    ``pending`` while a blogger who approves followers has not said yes; ``follow_id``
    is the id of the ``Follow`` that the ``Accept`` or ``Reject`` answers."""

    user = db.LazyReferenceField(document_type=User, required=True, reverse_delete_rule=CASCADE)
    actor = db.StringField(required=True, max_length=URL_MAX)
    inbox = db.StringField(required=True, max_length=URL_MAX)
    shared_inbox = db.StringField(max_length=URL_MAX)
    pending = db.BooleanField(default=False)
    follow_id = db.StringField(max_length=URL_MAX)
    handle = db.StringField(max_length=URL_MAX)
    created_at = db.DateTimeField(default=utcnow)

    meta = {
        "collection": "follower",
        "indexes": [{"fields": ["user", "actor"], "unique": True}, {"fields": ["actor"]}, {"fields": ["user", "pending"]}],
    }

    @property
    def delivery_inbox(self):
        return self.shared_inbox or self.inbox


class RemoteActor(db.Document):
    """A remote actor as last fetched: its public key (to check its signatures) and
    its inboxes. Refetched when a signature fails, in case the key was rotated."""

    actor_id = db.StringField(required=True, unique=True, max_length=URL_MAX)
    key_id = db.StringField(required=True, max_length=URL_MAX)
    public_pem = db.StringField(required=True, max_length=httpsig.MAX_PUBLIC_KEY_PEM)
    inbox = db.StringField(required=True, max_length=URL_MAX)
    shared_inbox = db.StringField(max_length=URL_MAX)
    username = db.StringField(max_length=URL_MAX)
    fetched_at = db.DateTimeField(default=utcnow)

    meta = {"collection": "remote_actor", "indexes": [{"fields": ["key_id"]}]}


class RemoteFollowing(db.Document):
    """One of our readers following a remote actor; ``accepted`` once its server said so."""

    user = db.LazyReferenceField(document_type=User, required=True, reverse_delete_rule=CASCADE)
    actor = db.StringField(required=True, max_length=URL_MAX)
    follow_id = db.StringField(required=True, max_length=URL_MAX)
    handle = db.StringField(max_length=URL_MAX)
    accepted = db.BooleanField(default=False)
    created_at = db.DateTimeField(default=utcnow)

    meta = {"collection": "remote_following", "indexes": [{"fields": ["user", "actor"], "unique": True}, {"fields": ["actor"]}]}


class RemotePost(db.Document):
    """A public post of a remote actor one of our readers follows: sanitised HTML,
    read-only, linking home. Readers see them on their dashboard, by ``actor`` in
    their ``followed_actors``."""

    object_id = db.StringField(required=True, unique=True, max_length=URL_MAX)
    actor = db.StringField(required=True, max_length=URL_MAX)
    handle = db.StringField(max_length=URL_MAX)
    summary = db.StringField(max_length=URL_MAX)  # a content warning, shown before the post
    sensitive = db.BooleanField(default=False)
    # Our readers who liked or boosted it (federation.react), so the dashboard's buttons
    # show their state from this same document.
    liked_by = db.ListField(field=db.ObjectIdField(), max_length=REACTIONS_MAX)
    boosted_by = db.ListField(field=db.ObjectIdField(), max_length=REACTIONS_MAX)
    url = db.StringField(max_length=URL_MAX)
    name = db.StringField(max_length=URL_MAX)
    content_html = db.StringField(max_length=100_000)
    published = db.DateTimeField()
    received_at = db.DateTimeField(default=utcnow)

    meta = {"collection": "remote_post", "indexes": [{"fields": ["actor", "-published"]}]}

    @property
    def content_markup(self):
        """Sanitised with nh3's allowlist when it arrived (inbox.sanitise)."""
        return trusted_html(self.content_html)

    @classmethod
    def for_reader(cls, user, limit):
        """The newest posts of the remote accounts ``user`` follows: one query on the
        index, none when they follow no remote account."""
        if not user.followed_actors:
            return []
        return list(cls.objects(actor__in=user.followed_actors).order_by("-published").limit(limit))


class RemoteReply(db.Document):
    """A fediverse reply kept as a comment on one of our posts, found by its object id
    when it is edited or deleted."""

    object_id = db.StringField(required=True, unique=True, max_length=URL_MAX)
    actor = db.StringField(required=True, max_length=URL_MAX)
    post = db.LazyReferenceField(document_type=Post, required=True, reverse_delete_rule=CASCADE)
    comment_id = db.ObjectIdField(required=True)

    meta = {"collection": "remote_reply"}


class RemoteReaction(db.Document):
    """A remote actor's ``Like`` or ``Announce`` (boost) of one of our posts; one of each
    per actor and post, by the unique index, so a repeat never counts twice."""

    post = db.LazyReferenceField(document_type=Post, required=True, reverse_delete_rule=CASCADE)
    actor = db.StringField(required=True, max_length=URL_MAX)
    kind = db.StringField(required=True, choices=("Like", "Announce"))
    activity_id = db.StringField(max_length=URL_MAX)
    created_at = db.DateTimeField(default=utcnow)

    meta = {
        "collection": "remote_reaction",
        "indexes": [{"fields": ["post", "actor", "kind"], "unique": True}, {"fields": ["actor", "activity_id"]}],
    }


DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")


class BlockedDomain(db.Document):
    """A domain an admin has blocked, with its subdomains: nothing from it is taken,
    nothing is delivered to it, and what we kept of it is gone."""

    domain = db.StringField(required=True, unique=True, max_length=253)
    created_at = db.DateTimeField(default=utcnow)

    meta = {"collection": "blocked_domain"}

    @staticmethod
    def normalise(domain):
        """``domain`` lower-cased, without a trailing dot; ValueError if it is not one."""
        domain = (domain or "").strip().lower().rstrip(".")
        if not DOMAIN_PATTERN.match(domain):
            raise ValueError(f"{domain[:100]!r} is not a domain name.")
        return domain

    @classmethod
    def blocks(cls, host):
        """Whether ``host`` (a URL's host, perhaps with a port) is blocked, itself or by
        a parent domain: one query."""
        name = (host or "").rsplit("@", 1)[-1].split(":")[0].lower().rstrip(".")
        parts = name.split(".")
        return cls.objects(domain__in=[".".join(parts[i:]) for i in range(len(parts))]).first() is not None

    @classmethod
    def block(cls, domain):
        """Block ``domain`` and forget its followers, follows, posts and actors."""
        domain = cls.normalise(domain)
        cls.objects(domain=domain).update_one(upsert=True, set_on_insert__created_at=utcnow())
        on_domain = {"$regex": rf"^https?://([^/?#]*\.)?{re.escape(domain)}(:[0-9]+)?([/?#]|$)"}
        for document, field in ((Follower, "actor"), (RemoteFollowing, "actor"), (RemotePost, "actor"),
                                (RemoteActor, "actor_id"), (RemoteReaction, "actor"), (RemoteReply, "actor")):
            document.objects(__raw__={field: on_domain}).delete()
        return domain

    @classmethod
    def unblock(cls, domain):
        return bool(cls.objects(domain=cls.normalise(domain)).delete())
