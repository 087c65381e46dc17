"""What federation stores: each blogger's key pair, their remote followers, the remote
actors whose keys we checked, whom our readers follow remotely, and the remote posts
that arrive for them. A unique index stands behind every "one of each" rule."""
from mongoengine import CASCADE, NotUniqueError

from ..extensions import db
from ..models import URL_MAX, Post, User, utcnow
from . import httpsig


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
    """A remote actor following one of our bloggers, with where to deliver to them."""

    user = db.LazyReferenceField(document_type=User, required=True, reverse_delete_rule=CASCADE)
    actor = db.StringField(required=True, max_length=URL_MAX)
    inbox = db.StringField(required=True, max_length=URL_MAX)
    shared_inbox = db.StringField(max_length=URL_MAX)
    created_at = db.DateTimeField(default=utcnow)

    meta = {"collection": "follower", "indexes": [{"fields": ["user", "actor"], "unique": True}, {"fields": ["actor"]}]}

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
    accepted = db.BooleanField(default=False)
    created_at = db.DateTimeField(default=utcnow)

    meta = {"collection": "remote_following", "indexes": [{"fields": ["user", "actor"], "unique": True}, {"fields": ["actor"]}]}


class RemotePost(db.Document):
    """A public post of a remote actor one of our readers follows: sanitised HTML,
    read-only, linking home."""

    object_id = db.StringField(required=True, unique=True, max_length=URL_MAX)
    actor = db.StringField(required=True, max_length=URL_MAX)
    url = db.StringField(max_length=URL_MAX)
    name = db.StringField(max_length=URL_MAX)
    content_html = db.StringField(max_length=100_000)
    published = db.DateTimeField()
    received_at = db.DateTimeField(default=utcnow)

    meta = {"collection": "remote_post", "indexes": [{"fields": ["actor", "-received_at"]}]}


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
