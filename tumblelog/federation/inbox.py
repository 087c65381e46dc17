"""Receiving activities: what ``POST /user/<name>/inbox`` accepts, and what it does.

Everything here is hostile until checked, in this order: size and JSON depth (before
parsing), the signature (``Date``, ``Digest``, then the sender's key, fetched and cached
by key id and fetched again once if a cached key fails, in case it was rotated), that
the activity's actor owns the key, and that the ids it brings live on the actor's host.
A refusal is a ``Refused`` carrying its HTTP status; nothing raises past ``receive``.
"""
import html
import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import nh3
from bson import ObjectId
from mongoengine import NotUniqueError, ValidationError

from ..markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, LINK_REL, URL_SCHEMES
from .. import notes
from ..models import COMMENT_MAX, NAME_MAX, URL_MAX, Comment, CommentsClosed, Post, User, utcnow
from ..moderation import submit_comment
from . import httpsig, net, objects
from .delivery import send
from .models import ActorKey, BlockedDomain, Follower, RemoteActor, RemoteFollowing, RemotePost, RemoteReaction, RemoteReply

MAX_BODY = 1024 * 1024
MAX_DEPTH = 32
KEY_REFETCH_AFTER = timedelta(minutes=1)
# A JSON string, written as an "unrolled loop": several times faster than (a|b)* on long text.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_PERMALINK = re.compile(r"/post/([0-9a-f]{24})(?:/|$)")
_LINE_BREAK = re.compile(r"(?i)<br\s*/?>|</p>")


class Refused(Exception):
    """An activity we do not take; ``status`` is the HTTP answer."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def too_deep(body):
    """Whether the JSON text ``body`` nests deeper than ``MAX_DEPTH``, found without
    parsing it (a parser would recurse as deep as the attacker likes)."""
    depth = 0
    for bracket in _BRACKET.finditer(_STRING.sub(b"", body)):
        depth += 1 if bracket.group() in b"[{" else -1
        if depth > MAX_DEPTH:
            return True
    return False


def host_of(url):
    return urlsplit(url).netloc.lower() if isinstance(url, str) else None


def http_url(value):
    """``value`` if it is an http(s) URL of sane length, else Refused."""
    if not isinstance(value, str) or len(value) > URL_MAX or urlsplit(value).scheme not in ("http", "https"):
        raise Refused(400, "An id or inbox is not an http(s) URL.")
    return value


def id_of(value):
    """The id of an object given inline or by reference."""
    return value.get("id") if isinstance(value, dict) else value


def parse(body):
    if len(body) > MAX_BODY:
        raise Refused(413, "The activity is too large.")
    if too_deep(body):
        raise Refused(400, "The activity nests too deeply.")
    try:
        activity = json.loads(body)
    except (ValueError, RecursionError):
        raise Refused(400, "The body is not JSON.") from None
    if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
        raise Refused(400, "The body is not an activity.")
    try:
        # JSON may escape a lone surrogate ("\ud800"), which no database can store.
        json.dumps(activity, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise Refused(400, "The activity holds text that is not valid Unicode.") from None
    http_url(activity.get("actor"))
    return activity


def signed_by(user):
    """What signs ``user``'s fetches: their key id and private key (net.fetch_json)."""
    return objects.key_id(user.username), ActorKey.for_user(user.pk).private_pem


def fetch_actor(key_id, user):
    """Fetch the actor owning ``key_id`` (signed as ``user``, whose inbox it posted to)
    and remember its key and inboxes."""
    try:
        document = net.fetch_json(key_id.split("#")[0], signed_by(user))
        if "publicKey" not in document and isinstance(document.get("owner"), str):
            document = net.fetch_json(http_url(document["owner"]), signed_by(user))  # a key document
    except net.FetchError as error:
        raise Refused(401, f"The signing key could not be fetched: {error}") from None
    return remember_actor(document, key_id)


def remember_actor(document, key_id):
    """Store the actor ``document`` (as fetched) with its key ``key_id``; Refused
    (401) unless the key is the actor's own and on its host."""
    actor_id = http_url(document.get("id"))
    keys = document.get("publicKey")
    keys = keys if isinstance(keys, list) else [keys]
    key = next((k for k in keys if isinstance(k, dict) and k.get("id") == key_id), None)
    if key is None or key.get("owner") != actor_id or host_of(actor_id) != host_of(key_id):
        raise Refused(401, "The key does not belong to the actor that was fetched.")
    pem = key.get("publicKeyPem")
    if not isinstance(pem, str) or len(pem) > httpsig.MAX_PUBLIC_KEY_PEM:
        raise Refused(401, "The actor's key is unusable.")
    endpoints = document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
    shared = endpoints.get("sharedInbox")
    fields = {
        "key_id": key_id,
        "public_pem": pem,
        "inbox": http_url(document.get("inbox")),
        "shared_inbox": http_url(shared) if shared else None,
        "username": str(document.get("preferredUsername") or "")[:100],
        "fetched_at": utcnow(),
    }
    RemoteActor.objects(actor_id=actor_id).update_one(upsert=True, **{f"set__{k}": v for k, v in fields.items()})
    return RemoteActor.objects(actor_id=actor_id).first()


def signer(user, headers, method, target, body):
    """The remote actor that signed this request to ``user``'s inbox; Refused (401) if
    none did."""
    try:
        params = httpsig.parse_signature(headers.get("signature"))
        signed = httpsig.check_request(params, method, target, headers, body)
    except httpsig.SignatureError as error:
        raise Refused(401, str(error)) from None
    key_id = http_url(params["keyId"])
    if BlockedDomain.blocks(host_of(key_id)):
        raise Refused(403, "This site does not take activities from that domain.")
    cached = RemoteActor.objects(key_id=key_id).first()
    if cached:
        try:
            httpsig.verify(signed, params, cached.public_pem)
            return cached
        except httpsig.SignatureError as error:
            # The key may have been rotated: fetch it again, but not for every forged
            # request, or we would fetch on an attacker's behalf.
            if utcnow() - cached.fetched_at < KEY_REFETCH_AFTER:
                raise Refused(401, str(error)) from None
    actor = fetch_actor(key_id, user)
    try:
        httpsig.verify(signed, params, actor.public_pem)
    except httpsig.SignatureError as error:
        raise Refused(401, str(error)) from None
    return actor


def receive(user, method, target, headers, body):
    """Check and act on one activity sent to ``user``'s inbox; Refused when not taken.
    ``headers`` maps lower-case header names to values."""
    activity = parse(body)
    actor = signer(user, headers, method, target, body)
    if activity["actor"] != actor.actor_id:
        raise Refused(403, "The activity's actor is not the key's owner.")
    handler = HANDLERS.get(activity["type"])
    if handler is None:
        raise Refused(400, f"Activities of type {activity['type'][:40]!r} are not taken.")
    owned = [activity.get("id")]
    if activity["type"] in ("Create", "Update", "Delete", "Undo"):
        owned.append(id_of(activity.get("object")))
    if any(value is not None and host_of(http_url(value)) != host_of(actor.actor_id) for value in owned):
        raise Refused(403, "The activity names ids on another host than its actor's.")
    obj = activity.get("object")
    if isinstance(obj, dict) and obj.get("attributedTo", actor.actor_id) != actor.actor_id:
        raise Refused(403, "The object is attributed to someone else.")
    try:
        handler(user, actor, activity)
    except ValidationError as error:
        raise Refused(400, f"The activity does not fit: {error}"[:300]) from None


def on_follow(user, actor, activity):
    """A follow: accepted at once, or pending while ``user`` approves followers (and
    told either way)."""
    if id_of(activity.get("object")) != objects.actor_url(user.username):
        raise Refused(400, "The Follow is not for this blogger.")
    follow_id = http_url(activity.get("id"))
    known = Follower.objects(user=user.pk, actor=actor.actor_id).only("pending").first()
    follower = Follower.objects(user=user.pk, actor=actor.actor_id).modify(
        upsert=True, new=True, set__inbox=actor.inbox, set__shared_inbox=actor.shared_inbox,
        set__follow_id=follow_id, set__handle=handle(actor), set_on_insert__pending=bool(user.approve_followers),
    )
    if follower.pending:
        if known is None:
            notes.notify(user.pk, "request", None, actor_name=follower.handle)
        return
    answer_follow(user, follower, "Accept")
    if known is None:
        notes.notify(user.pk, "follow", None, actor_name=follower.handle)


def answer_follow(user, follower, kind):
    """Send ``follower`` our ``Accept`` or ``Reject`` of their ``Follow`` of ``user``."""
    follow = {"id": follower.follow_id, "type": "Follow", "actor": follower.actor, "object": objects.actor_url(user.username)}
    answer = objects.activity(kind, user.username, follow, objects.new_id(user.username, kind))
    send(user.pk, objects.key_id(user.username), follower.inbox, answer)


def on_undo(user, actor, activity):
    undone = activity.get("object")
    kind = undone.get("type") if isinstance(undone, dict) else None
    if kind == "Follow":
        Follower.objects(user=user.pk, actor=actor.actor_id).delete()
        return
    reaction = RemoteReaction.objects(actor=actor.actor_id, activity_id=id_of(undone)).first()
    if reaction and RemoteReaction.objects(id=reaction.id).delete():
        Post.objects(id=reaction.post.pk).update_one(**{f"dec__{COUNTERS[reaction.kind]}": 1})
        notes.remote_reaction_undone(reaction.post.pk, NOTE_KINDS[reaction.kind], actor.actor_id)


def our_post_id(url):
    """The id of our post whose permalink is ``url``, or None."""
    if host_of(url) != objects.site_host().lower():
        return None
    match = _PERMALINK.match(urlsplit(url).path)
    return ObjectId(match.group(1)) if match else None


# A remote like counts with the post's likes; a boost with its reblogs; both are notes.
COUNTERS = {"Like": "like_count", "Announce": "reblog_count"}
NOTE_KINDS = {"Like": "like", "Announce": "boost"}


def on_reaction(user, actor, activity):
    """A ``Like`` or ``Announce`` of one of our posts: kept once, counted in the post's
    notes, and told to its author. An account our readers follow boosts other posts
    too: taken, and not kept (we keep that account's own posts only)."""
    post_id = our_post_id(id_of(activity.get("object")))
    if post_id is None and activity["type"] == "Announce":
        return
    if post_id is None or Post.objects(id=post_id).only("id").first() is None:
        raise Refused(404, "The object is not a post of this site.")
    reaction = RemoteReaction(post=post_id, actor=actor.actor_id, kind=activity["type"], activity_id=activity.get("id"))
    try:
        reaction.save()
    except NotUniqueError:
        return  # said before
    Post.objects(id=post_id).update_one(**{f"inc__{COUNTERS[reaction.kind]}": 1})
    notes.remote_reaction(post_id, NOTE_KINDS[reaction.kind], actor.actor_id, handle(actor))


def answered_follow(user, actor, activity):
    """``user``'s follow of ``actor`` that an ``Accept`` or ``Reject`` answers, or None."""
    follow = activity.get("object")
    if isinstance(follow, dict) and follow.get("actor") not in (None, objects.actor_url(user.username)):
        raise Refused(400, "The Follow answered is not this reader's.")
    return RemoteFollowing.objects(user=user.pk, actor=actor.actor_id).first()


def on_accept(user, actor, activity):
    """Our reader's follow was accepted: the account's posts now reach the dashboard."""
    if answered_follow(user, actor, activity) is None:
        return
    RemoteFollowing.objects(user=user.pk, actor=actor.actor_id).update_one(set__accepted=True)
    user._add_capped("followed_actors", actor.actor_id)


def on_reject(user, actor, activity):
    """Our reader's follow was refused (or ended by the other side)."""
    if answered_follow(user, actor, activity) is None:
        return
    RemoteFollowing.objects(user=user.pk, actor=actor.actor_id).delete()
    User.objects(id=user.pk).update_one(pull__followed_actors=actor.actor_id)


def sanitise(html):
    return nh3.clean(
        html[:100_000], tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
        link_rel=LINK_REL, strip_comments=True,
    )


def plain_text(content):
    """A remote post's HTML as a comment's plain text (lines kept, markup dropped)."""
    if not isinstance(content, str):
        return ""
    text = nh3.clean(_LINE_BREAK.sub("\n", content[:100_000]), tags=set(), attributes={})
    return html.unescape(text).strip()[:COMMENT_MAX]


def handle(actor):
    """``@name@host``, as the fediverse writes an account."""
    name = actor.username or actor.actor_id.rstrip("/").rsplit("/", 1)[-1]
    return f"@{name}@{host_of(actor.actor_id)}"[:NAME_MAX]


def on_reply(actor, note, post_id):
    """A reply to one of our posts becomes (or, edited, changes) a comment on it."""
    body = plain_text(note.get("content"))
    if not body:
        raise Refused(400, "The reply has no text.")
    known = RemoteReply.objects(object_id=note["id"]).first()
    if known:
        if known.actor != actor.actor_id:
            raise Refused(403, "The reply is someone else's.")
        # Published or still held for review: it is in one of the two lists.
        for listed in ("comments", "held_comments"):
            Post.objects(id=known.post.pk, **{f"{listed}__id": known.comment_id}).update_one(
                **{f"set__{listed}__S__body": body})
        return
    post = Post.objects(id=post_id).only("id", "author").first()
    if post is None:
        raise Refused(404, "The post replied to is not here.")
    comment = Comment(author_name=handle(actor), body=body, remote_url=actor.actor_id)
    try:
        # The reply is recorded first: its unique id stops a second delivery of the
        # same note from commenting twice.
        reply = RemoteReply(object_id=note["id"], actor=actor.actor_id, post=post_id, comment_id=comment.id).save()
    except NotUniqueError:
        return
    try:
        # Subject to the comment policy, as a signed-out reader's comment is.
        _, added = submit_comment(post, comment)
    except CommentsClosed as refusal:
        reply.delete()
        raise Refused(409, str(refusal)) from None
    if added is None:
        reply.delete()
        raise Refused(404, "The post replied to is not here.")


# What other servers post: kept as remote posts (or comments, when replies).
POST_OBJECT_TYPES = ("Note", "Article", "Page", "Question", "Image", "Video", "Audio", "Event")


def on_create(user, actor, activity):
    """A reply to one of our posts becomes a comment; a post of an actor one of our
    readers follows is kept for them; anything else is not ours to store."""
    note = activity.get("object")
    if not isinstance(note, dict) or note.get("type") not in POST_OBJECT_TYPES:
        return  # a profile's Update, say: nothing we keep
    http_url(note.get("id"))
    reply_to = our_post_id(id_of(note.get("inReplyTo")))
    if reply_to:
        return on_reply(actor, note, reply_to)
    if not RemoteFollowing.objects(actor=actor.actor_id, accepted=True).first():
        return
    content, name, summary, url = (note.get(key) for key in ("content", "name", "summary", "url"))
    fields = {
        "handle": handle(actor),
        "url": url if isinstance(url, str) and urlsplit(url).scheme in ("http", "https") and len(url) <= URL_MAX
        else note["id"],
        "name": name[:URL_MAX] if isinstance(name, str) else None,
        "summary": plain_text(summary)[:URL_MAX] if isinstance(summary, str) else None,
        "sensitive": note.get("sensitive") is True,
        "content_html": sanitise(content) if isinstance(content, str) else "",
        "published": published_at(note.get("published")),
    }
    # By id and actor: another actor of the same host cannot overwrite it (the upsert
    # would insert a second post of that id, which the unique index refuses).
    try:
        RemotePost.objects(object_id=note["id"], actor=actor.actor_id).update_one(
            upsert=True, **{f"set__{field}": value for field, value in fields.items()})
    except NotUniqueError:
        raise Refused(403, "That post is someone else's.") from None


def published_at(value):
    """An ActivityStreams date-time as a UTC datetime; now when it is missing, odd or
    in the future (which would keep a post atop every dashboard)."""
    now = utcnow()
    if isinstance(value, str) and len(value) <= 40:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return now
        if moment.tzinfo is not None:
            return min(moment.astimezone(timezone.utc), now)
    return now


def on_delete(user, actor, activity):
    gone = id_of(activity.get("object"))
    if gone == actor.actor_id:  # the account itself was deleted
        Follower.objects(actor=actor.actor_id).delete()
        RemoteFollowing.objects(actor=actor.actor_id).delete()
    RemotePost.objects(object_id=gone, actor=actor.actor_id).delete()
    reply = RemoteReply.objects(object_id=gone, actor=actor.actor_id).first()
    if reply:
        if not Post(id=reply.post.pk).remove_comment(reply.comment_id):
            held = Post.objects(id=reply.post.pk).only("id", "held_comments").first()  # still held for review
            if held:
                held.discard_comment(reply.comment_id)
        reply.delete()


HANDLERS = {
    "Follow": on_follow,
    "Undo": on_undo,
    "Accept": on_accept,
    "Reject": on_reject,
    "Create": on_create,
    "Update": on_create,
    "Delete": on_delete,
    "Like": on_reaction,
    "Announce": on_reaction,
}
