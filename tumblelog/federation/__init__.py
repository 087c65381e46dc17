"""ActivityPub: every blog a fediverse account (the routes are in ``activitypub.py``).

``httpsig`` signs and verifies requests, ``net`` is the one HTTP client (it refuses
private addresses), ``objects`` maps bloggers and posts to ActivityStreams, ``inbox``
checks and acts on what arrives, ``delivery`` sends, ``models`` stores.

Publishing reaches followers through MongoEngine's save and delete signals and the
posts' ``went_live`` signal (a post published at once, or a queued or scheduled one
whose time came, by ``flask posts publish-due``), so every way a post is written (the
forms, the API, the queue) federates without knowing about it; moderation's
``hidden_changed`` and ``suspension_changed`` take hidden posts back, and
``relabelled`` sends new content labels. Whatever the
signal, ``tell_followers`` decides what followers' servers receive.
"""
import hashlib
import logging
import re
from contextlib import contextmanager
from urllib.parse import urlencode, urlsplit

from flask import current_app, has_app_context, has_request_context
from mongoengine import signals

from ..models import POST_TYPES, Post, User, hidden_changed, relabelled, suspension_changed, utcnow, went_live
from ..paging import decode_cursor, encode_cursor, older_than
from ..publishing import DRAFT, PRIVATE
from ..urls import configured_host, site_root
from . import net, objects
from .delivery import deliver_to_followers, send
from .inbox import Refused, answer_follow, handle, http_url, remember_actor, signed_by
from .models import REACTIONS_MAX, BlockedDomain, Follower, RemoteActor, RemoteFollowing, RemotePost


log = logging.getLogger(__name__)


def reaches(post):
    """Whether followers would see ``post`` were moderators not hiding it: live and not
    private. An unlisted post federates too, addressed as Mastodon's "unlisted" (to
    followers, in no public timeline: objects.audience); the outbox, like every list,
    leaves it out."""
    return post.is_live() and post.visibility != PRIVATE


def federated(post):
    """Whether followers see ``post``: it reaches them and moderators do not hide it."""
    return reaches(post) and not post.hidden


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


def tell_followers(post, was, edited=False):
    """The one place that tells followers' servers how ``post`` changed, whatever
    changed it (an edit, the queue, a moderator, a suspension): ``was`` whether they saw
    it before (``federated`` then). Shown now and not before: its Create (a boost's
    Announce); the other way round: its Delete (a boost's Undo); shown before and now,
    and ``edited``: its Update. Nothing when they saw it neither before nor now."""
    now = federated(post)
    if now and was:
        if not edited or boost(post):  # a boost has nothing of its own to update
            return
        kind = "Update"
    elif now or was:
        kind = "Create" if now else "Delete"
    else:
        return
    with on_site() as federating:
        if not federating:
            return
        if kind == "Create":
            activity = outbox_activity(post)  # a server that has it already ignores it
        elif kind == "Delete":
            activity = withdrawal(post)
        else:
            name = post.author_name
            activity = objects.activity("Update", name, objects.post_object(post), objects.new_id(name, "Update"))
        _send(post, activity)


# What an edit changes of whether followers see a post.
SHOWN_FIELDS = frozenset({"state", "published_at", "visibility", "hidden"})


def post_saving(sender, document, created=False, **kwargs):
    """Before an edit that may change whether followers see the post (its state, time
    or visibility), note whether they saw it as stored: one query, on such edits only."""
    if not isinstance(document, Post) or created or document._going_live:
        return
    # A new post given its id early (for its uploads) is not "created" to MongoEngine,
    # and has no changed fields yet.
    if not SHOWN_FIELDS & set(getattr(document, "_changed_fields", ())):
        return
    if has_app_context() and current_app.config["FEDERATION_ENABLED"]:
        stored = Post.objects(id=document.pk).only(*Post.VISIBILITY_FIELDS).first()
        document._federated_before = stored is not None and federated(stored)


def post_saved(sender, document, created=False, **kwargs):
    """A post written (its Create when live at once) or edited (its Update; or its
    Create or Delete when the edit showed it to followers or took it from them: made
    public or private, back to a draft or into the queue). A save that takes it live
    leaves that to ``post_went_live``."""
    if not isinstance(document, Post) or document._going_live:
        return
    # What post_saving noted holds for this save only.
    was = False if created else document.__dict__.pop("_federated_before", None)
    tell_followers(document, federated(document) if was is None else was, edited=not created)


def post_went_live(post):
    """A post published, or a queued or scheduled one whose time came: its Create (a
    boost's Announce)."""
    tell_followers(post, was=False)


def post_hidden_changed(post):
    """A moderator hid ``post`` (followers saw it before if it reaches them), or showed
    it again (they did not see it)."""
    tell_followers(post, was=bool(post.hidden) and reaches(post))


def post_relabelled(post):
    """New content labels: followers' servers show the post behind them (its Update)."""
    tell_followers(post, was=federated(post), edited=True)


# Posts of a suspended or restored account told about per job: a job stays short, and
# an account with thousands of posts does not hold up the moderator's request.
SUSPENSION_BATCH = 200


def account_suspension_changed(user, suspended):
    """Queue the job that takes a suspended account's posts back from its followers'
    servers, or brings them back when it is restored (``suspension_batch``)."""
    with on_site() as federating:
        if federating and Follower.objects(user=user.pk, pending__ne=True).first() is not None:
            from ..tasks import enqueue, federate_suspension

            enqueue(federate_suspension, str(user.pk), suspended)


def suspension_batch(user_id, suspended, cursor=None):
    """Tell followers of up to ``SUSPENSION_BATCH`` posts of the account ``user_id``,
    after the place ``cursor`` (newest first), that the suspension hid them or that
    lifting it showed them; return the cursor of the next batch, or None when done.
    The posts are found by how they are hidden now, so a job that comes after the
    account was restored (or suspended) again finds none of them. Posts a moderator
    hid stay as they are.

    Only posts that reach followers: live, not drafts, not private."""
    with on_site() as federating:
        if not federating:
            return None
        posts = Post.objects(author=user_id, hidden="suspended" if suspended else None, state__ne=DRAFT,
                             visibility__ne=PRIVATE, published_at__lte=utcnow())
        place = decode_cursor(cursor)
        if place:
            posts = posts.filter(older_than(*place, key="created_at"))
        batch = list(posts.exclude(*Post.COPY_EXCLUDE).order_by("-created_at", "-id").limit(SUSPENSION_BATCH))
        for post in batch:
            post_hidden_changed(post)
    return encode_cursor(batch[-1], key="created_at") if len(batch) == SUSPENSION_BATCH else None


def withdrawal(post):
    """What takes ``post`` back from the fediverse: a ``Delete`` (a boost's ``Undo``)."""
    name = post.author_name
    if boost(post):
        return objects.activity("Undo", name, announce(post), objects.new_id(name, "Undo"))
    return objects.activity("Delete", name, {"id": objects.post_url(post), "type": "Tombstone"}, objects.new_id(name, "Delete"))


def post_deleted(sender, document, **kwargs):
    """A deleted post's Delete (a boost's Undo), when followers may have it: it reached
    them and no moderator took it back already. A post hidden with its suspended author
    counts: the job withdrawing those may not have reached it yet (a Delete of what a
    server removed already changes nothing there)."""
    if not (isinstance(document, Post) and reaches(document) and document.hidden != "moderator"):
        return
    with on_site() as federating:
        if federating:
            _send(document, withdrawal(document))


def connect_signals():
    """Listen for posts being saved, deleted, published, hidden and shown (idempotent).

    Only for the post classes: a delete signal with any receiver makes MongoEngine delete
    a queryset one document at a time, and count what it loaded rather than what it
    deleted, which would break the exact counts of likes and the like.
    """
    for cls in (Post, *POST_TYPES.values()):
        signals.pre_save_post_validation.connect(post_saving, sender=cls)
        signals.post_save.connect(post_saved, sender=cls)
        signals.post_delete.connect(post_deleted, sender=cls)
    went_live.connect(post_went_live)
    hidden_changed.connect(post_hidden_changed)
    relabelled.connect(post_relabelled)
    suspension_changed.connect(account_suspension_changed)


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
