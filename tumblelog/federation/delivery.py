"""Sending activities: signed POSTs to remote inboxes, as background jobs.

``send`` queues one ``tasks.deliver_activity`` job per inbox (``deliver_to_followers``
queues one job that does that for every follower); the job calls ``deliver``
(one attempt, plain values in, so a worker needs no request). A 5xx, a 429 or no
answer at all is tried again later, further apart each time (``backoff``), for about
three days; any other 4xx is final. Each failure is recorded in ``FailedDelivery`` (the
admin console's federation page shows them), and cleared when a later try succeeds.

Without a broker (``make run``, the tests) the job runs in the request and is tried
once: an embedded demo has no worker to come back later.
"""
import json
import logging
import random
from urllib.parse import urlsplit

from bson import ObjectId

from ..extensions import db
from ..models import URL_MAX, utcnow
from . import httpsig, net
from .models import ActorKey, BlockedDomain, Follower

log = logging.getLogger(__name__)

# Tries of one delivery, and how long to wait before the next: 1, 2, 4… minutes, at
# most 6 hours apart; 20 tries span about three days (more than two, whatever the jitter).
DELIVERY_TRIES = 20
FIRST_RETRY = 60
LONGEST_WAIT = 6 * 3600
ERROR_MAX = 300


class DeliveryFailed(Exception):
    """The remote inbox could not take the activity now; worth retrying later."""


class FailedDelivery(db.Document):
    """A delivery that failed, for the operator: where, what, how often, and whether we
    gave up. One per inbox and activity; a delivery that later succeeds removes it."""

    inbox = db.StringField(required=True, max_length=URL_MAX)
    host = db.StringField(required=True, max_length=URL_MAX)
    activity_id = db.StringField(required=True, max_length=URL_MAX)
    activity_type = db.StringField(max_length=40)
    error = db.StringField(max_length=ERROR_MAX)
    attempts = db.IntField(default=1)
    final = db.BooleanField(default=False)
    updated_at = db.DateTimeField(default=utcnow)

    meta = {
        "collection": "failed_delivery",
        "indexes": [
            {"fields": ["inbox", "activity_id"], "unique": True},
            {"fields": ["-updated_at"]},
            # What failed a month ago tells an operator nothing more: MongoDB drops it.
            {"fields": ["updated_at"], "expireAfterSeconds": 30 * 24 * 3600, "name": "failed_delivery_expiry"},
        ],
    }

    @classmethod
    def record(cls, inbox, activity, error, attempts, final):
        cls.objects(inbox=inbox, activity_id=str(activity.get("id"))[:URL_MAX]).update_one(
            upsert=True, set__host=urlsplit(inbox).netloc, set__activity_type=str(activity.get("type"))[:40],
            set__error=str(error)[:ERROR_MAX], set__attempts=attempts, set__final=final, set__updated_at=utcnow(),
        )

    @classmethod
    def recent(cls, limit=50):
        return list(cls.objects.order_by("-updated_at").limit(limit))


def backoff(retries):
    """Seconds to wait before try ``retries + 2``: doubling from a minute, with jitter
    so that what failed together does not come back together."""
    wait = min(FIRST_RETRY * 2**retries, LONGEST_WAIT)
    return int(wait * random.uniform(0.8, 1.0))


def deliver(user_id, key_id, inbox, activity):
    """POST ``activity`` to ``inbox``, signed with the key of ``user_id``, once; return
    the status (None when the inbox's domain is blocked). Raise DeliveryFailed when
    trying again may help: no answer, a 429 or a 5xx."""
    if BlockedDomain.blocks(urlsplit(inbox).netloc):
        return None
    key = ActorKey.for_user(ObjectId(str(user_id)))
    body = json.dumps(activity).encode()
    headers = httpsig.sign("POST", inbox, body, key_id, key.private_pem)
    headers["Content-Type"] = net.ACTIVITY_JSON
    try:
        status, _ = net.request("POST", inbox, body=body, headers=headers)
    except net.FetchError as error:
        raise DeliveryFailed(str(error)) from error
    if status == 429 or status >= 500:
        raise DeliveryFailed(f"{inbox} answered {status}")
    if status >= 400:
        log.warning("federation: %s refused an activity with %s", inbox, status)
        FailedDelivery.record(inbox, activity, f"refused with {status}", 1, final=True)
    else:
        FailedDelivery.objects(inbox=inbox, activity_id=str(activity.get("id"))).delete()
    return status


def send(user_id, key_id, inbox, activity):
    """Queue the delivery of ``activity`` to ``inbox`` (see the module's note)."""
    from ..tasks import deliver_activity, enqueue

    return enqueue(deliver_activity, str(user_id), key_id, inbox, activity)


def inboxes_of_followers(user_id):
    """Where to deliver to ``user_id``'s accepted followers: each shared inbox once."""
    followers = Follower.objects(user=user_id, pending__ne=True).only("inbox", "shared_inbox")
    return list(dict.fromkeys(follower.delivery_inbox for follower in followers))


def deliver_to_followers(user_id, key_id, activity):
    """Queue one job that queues a delivery per follower's inbox: a request pays one
    enqueue however many followers there are."""
    from ..tasks import deliver_to_followers as fan_out, enqueue

    return enqueue(fan_out, str(user_id), key_id, activity)
