"""ActivityPub: every blog a fediverse account (the routes are in ``activitypub.py``).

``httpsig`` signs and verifies requests, ``net`` is the one HTTP client (it refuses
private addresses), ``objects`` maps bloggers and posts to ActivityStreams, ``inbox``
checks and acts on what arrives, ``delivery`` sends, ``models`` stores.

Publishing reaches followers through MongoEngine's save and delete signals and the
posts' ``went_live`` signal (a post published at once, or a queued or scheduled one
whose time came, by ``flask posts publish-due``), so every way a post is written (the
forms, the API, the queue) federates without knowing about it.
"""
import hashlib
import logging
import re
from contextlib import contextmanager
from urllib.parse import urlencode, urlsplit

from flask import current_app, has_app_context, has_request_context
from mongoengine import signals

from ..models import POST_TYPES, Post, User, went_live
from ..publishing import PRIVATE
from ..urls import configured_host, site_root
from . import net, objects
from .delivery import deliver_to_followers, send
from .inbox import Refused, answer_follow, handle, http_url, remember_actor, signed_by
from .models import REACTIONS_MAX, BlockedDomain, Follower, RemoteActor, RemoteFollowing, RemotePost


log = logging.getLogger(__name__)


def federated(post):
    """Whether followers see ``post``: live, not private and not hidden by moderators.
    An unlisted post federates too, addressed as Mastodon's "unlisted" (to followers,
    in no public timeline: objects.audience); the outbox, like every list, leaves it out."""
    return post.is_live() and post.visibility != PRIVATE and not post.hidden


@contextmanager
def on_site():
    """Yield whether to federate now: switched on, and where our URLs can be built: in
    a request, or on the configured host (``publish-due`` runs from cron). A command
    on a site with no configured host (``seed`` in development) federates nothing."""
    if not has_app_context() or not current_app.config["FEDERATION_ENABLED"]:
        yield False
    elif has_request_context():
        yield True
    elif configured_host():
        with current_app.test_request_context(base_url=site_root()):
            yield True
    else:
        log.debug("federation: nothing sent outside a request without TRUSTED_HOSTS")
        yield False


def _send(post, activity):
    deliver_to_followers(post.author.pk, objects.key_id(post.author_name), activity)


def boost(post):
    """Whether ``post`` is a reblog without a comment of its own: the fediverse's boost,
    an ``Announce`` of the original rather than a post."""
    return bool(getattr(post, "reblog_of", None)) and not getattr(post, "comment", "")


def announce(reblog):
    """The ``Announce`` of the boost ``reblog``, with an id under its permalink."""
    document = objects.activity("Announce", reblog.author_name, objects.post_url(Post(id=reblog.reblog_of)),
                                objects.post_url(reblog) + "#announce")
    document.update(to=[objects.PUBLIC], cc=[objects.followers_url(reblog.author_name)])
    return document


def outbox_activity(post):
    """How ``post`` stands in its author's outbox: its ``Create``, or a boost's ``Announce``."""
    return announce(post) if boost(post) else objects.activity("Create", post.author_name, objects.post_object(post))


def post_saved(sender, document, created=False, **kwargs):
    """A live post written at once (its Create), edited (its Update), or made public
    or private by an edit (its Create, or its Delete). A save that takes it live
    leaves that to ``post_went_live``."""
    if not isinstance(document, Post) or document._going_live or not document.is_live():
        return
    # MongoEngine clears what changed only after this signal.
    moved = not created and "visibility" in document._changed_fields
    if not (federated(document) or moved):
        return
    with on_site() as federating:
        if not federating:
            return
        if not federated(document):
            _send(document, withdrawal(document))
        elif created or moved:
            _send(document, outbox_activity(document))  # a server that had it already ignores it
        elif not boost(document):  # a boost has nothing of its own to update
            name = document.author_name
            _send(document, objects.activity("Update", name, objects.post_object(document), objects.new_id(name, "Update")))


def post_went_live(post):
    """A post published, or a queued or scheduled one whose time came: its Create (a
    boost's Announce)."""
    if not federated(post):
        return
    with on_site() as federating:
        if federating:
            _send(post, outbox_activity(post))


def withdrawal(post):
    """What takes ``post`` back from the fediverse: a ``Delete`` (a boost's ``Undo``)."""
    name = post.author_name
    if boost(post):
        return objects.activity("Undo", name, announce(post), objects.new_id(name, "Undo"))
    return objects.activity("Delete", name, {"id": objects.post_url(post), "type": "Tombstone"}, objects.new_id(name, "Delete"))


def post_deleted(sender, document, **kwargs):
    if not (isinstance(document, Post) and federated(document)):
        return
    with on_site() as federating:
        if federating:
            _send(document, withdrawal(document))


def connect_signals():
    """Listen for posts being saved and deleted (idempotent).

    Only for the post classes: a delete signal with any receiver makes MongoEngine delete
    a queryset one document at a time, and count what it loaded rather than what it
    deleted, which would break the exact counts of likes and the like.
    """
    for cls in (Post, *POST_TYPES.values()):
        signals.post_save.connect(post_saved, sender=cls)
        signals.post_delete.connect(post_deleted, sender=cls)
    went_live.connect(post_went_live)


HANDLE = re.compile(r"^@?([A-Za-z0-9_.~-]{1,100})@([A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?)$")


def actor_of_handle(handle):
    """The actor id of ``@name@host``, asked of that host's WebFinger; ``Refused`` if
    ``handle`` is not one, ``net.FetchError`` if the host does not say."""
    match = HANDLE.match(handle.strip())
    if not match:
        raise Refused(400, "Write an account as @name@host.")
    name, host = match.groups()
    # Real servers answer WebFinger on https only; test servers on loopback speak http.
    scheme = "http" if current_app.config["FEDERATION_ALLOW_PRIVATE"] else "https"
    found = net.fetch_json(f"{scheme}://{host}/.well-known/webfinger?" + urlencode({"resource": f"acct:{name}@{host}"}))
    links = found.get("links") if isinstance(found.get("links"), list) else []
    for link in links:
        if isinstance(link, dict) and link.get("rel") == "self" and "json" in str(link.get("type")):
            return http_url(link.get("href"))
    raise Refused(400, f"{handle} has no ActivityPub actor.")


def follow_remote(user, address):
    """Ask the remote actor at ``address`` (its id, or a handle ``@name@host``) to let
    ``user`` follow it. Following starts when its server's ``Accept`` arrives in
    ``user``'s inbox. Raise ``net.FetchError`` or ``Refused`` when the actor cannot be
    fetched or is not usable."""
    actor_id = address if address.startswith(("http://", "https://")) else actor_of_handle(address)
    if urlsplit(actor_id).netloc.lower() == objects.site_host().lower():
        raise Refused(400, "That account is on this site: follow it from its blog.")
    if BlockedDomain.blocks(urlsplit(actor_id).netloc):
        raise Refused(403, "That domain is blocked here.")
    document = net.fetch_json(actor_id, signed_by(user))
    if document.get("id") != actor_id or not isinstance(document.get("publicKey"), dict):
        raise Refused(400, "That address is not an actor with a key.")
    actor = remember_actor(document, document["publicKey"].get("id"))
    follow = objects.activity("Follow", user.username, actor.actor_id, objects.new_id(user.username, "Follow"))
    following = RemoteFollowing.objects(user=user.pk, actor=actor.actor_id).first()
    if following and following.accepted:
        return actor  # followed already
    RemoteFollowing.objects(user=user.pk, actor=actor.actor_id).update_one(
        upsert=True, set__follow_id=follow["id"], set__accepted=False, set__handle=handle(actor)
    )
    send(user.pk, objects.key_id(user.username), actor.inbox, follow)
    return actor


def unfollow_remote(user, actor_id):
    """Stop ``user`` following the remote actor ``actor_id``, telling its server with an
    ``Undo`` of the follow; False if they did not follow it."""
    following = RemoteFollowing.objects(user=user.pk, actor=actor_id).first()
    if following is None:
        return False
    RemoteFollowing.objects(id=following.id).delete()
    User.objects(id=user.pk).update_one(pull__followed_actors=actor_id)
    actor = RemoteActor.objects(actor_id=actor_id).only("inbox").first()
    if actor:
        follow = {"id": following.follow_id, "type": "Follow", "actor": objects.actor_url(user.username), "object": actor_id}
        undo = objects.activity("Undo", user.username, follow, objects.new_id(user.username, "Undo"))
        send(user.pk, objects.key_id(user.username), actor.inbox, undo)
    return True


def answer_request(user, follower_id, accept):
    """Accept or reject the pending follow ``follower_id`` of ``user``; the follower,
    or None when there is no such request (answered already, or someone else's)."""
    follower = Follower.objects(id=follower_id, user=user.pk, pending=True).first()
    if follower is None:
        return None
    if accept:
        Follower.objects(id=follower.id).update_one(set__pending=False)
    else:
        Follower.objects(id=follower.id).delete()
    answer_follow(user, follower, "Accept" if accept else "Reject")
    return follower


# Who did it, on the remote post: the dashboard's buttons read it there.
REACTED_BY = {"Like": "liked_by", "Announce": "boosted_by"}


def react(user, remote_post, kind, on):
    """``user`` likes (``kind`` "Like") or boosts ("Announce") ``remote_post``, or with
    ``on`` False takes it back (an ``Undo``). A like goes to the post's author; a boost
    to them and to ``user``'s own followers. Doing it twice does nothing more."""
    field = REACTED_BY[kind]
    if on:
        room = {f"{field}.{REACTIONS_MAX - 1}": {"$exists": False}}
        changed = RemotePost.objects(id=remote_post.id, **{f"{field}__ne": user.pk}).filter(__raw__=room)
        changed = changed.update_one(**{f"push__{field}": user.pk})
    else:
        changed = RemotePost.objects(id=remote_post.id, **{field: user.pk}).update_one(**{f"pull__{field}": user.pk})
    if not changed:
        return
    # One id per reader, post and kind: its Undo names the same one, with nothing stored.
    digest = hashlib.sha256(remote_post.object_id.encode()).hexdigest()[:32]
    activity = objects.activity(kind, user.username, remote_post.object_id,
                                f"{objects.actor_url(user.username)}#{kind.lower()}s/{digest}")
    if kind == "Announce":
        activity.update(to=[objects.PUBLIC], cc=[remote_post.actor, objects.followers_url(user.username)])
    if not on:
        activity = objects.activity("Undo", user.username, activity, objects.new_id(user.username, "Undo"))
    key = objects.key_id(user.username)
    if kind == "Announce":
        deliver_to_followers(user.pk, key, activity)
    actor = RemoteActor.objects(actor_id=remote_post.actor).only("inbox").first()
    if actor:
        send(user.pk, key, actor.inbox, activity)
