"""Sending activities: signed POSTs to remote inboxes.

``deliver`` takes plain values (ids, URLs, the activity as a dict) and needs no request,
so it can become a background task unchanged. Until the site has a job queue,
``enqueue`` runs it at once, in-process, and logs a failure instead of raising it: a
remote server that is down costs the one request its timeout, and never an error page.
"""
import json
import logging
from urllib.parse import urlsplit

from . import httpsig, net
from .models import ActorKey, BlockedDomain, Follower

log = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """The remote inbox could not take the activity now; worth retrying later."""


def enqueue(job, *args):
    """Run ``job(*args)`` now; a failure is logged, not raised (see the module's note)."""
    try:
        job(*args)
    except (DeliveryFailed, net.FetchError) as error:
        log.warning("federation: %s failed: %s", job.__name__, error)


def deliver(user_id, key_id, inbox, activity):
    """POST ``activity`` to ``inbox``, signed with the key of ``user_id``; return the
    status (None when the inbox's domain is blocked). Raise DeliveryFailed on 429 or
    a 5xx (the other side may recover)."""
    if BlockedDomain.blocks(urlsplit(inbox).netloc):
        return None
    key = ActorKey.for_user(user_id)
    body = json.dumps(activity).encode()
    headers = httpsig.sign("POST", inbox, body, key_id, key.private_pem)
    headers["Content-Type"] = net.ACTIVITY_JSON
    status, _ = net.request("POST", inbox, body=body, headers=headers)
    if status == 429 or status >= 500:
        raise DeliveryFailed(f"{inbox} answered {status}")
    if status >= 400:
        log.warning("federation: %s refused an activity with %s", inbox, status)
    return status


def inboxes_of_followers(user_id):
    """Where to deliver to ``user_id``'s followers: each shared inbox once."""
    followers = Follower.objects(user=user_id).only("inbox", "shared_inbox")
    return list(dict.fromkeys(follower.delivery_inbox for follower in followers))


def deliver_to_followers(user_id, key_id, activity):
    for inbox in inboxes_of_followers(user_id):
        enqueue(deliver, user_id, key_id, inbox, activity)
