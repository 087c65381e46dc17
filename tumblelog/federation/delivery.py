"""Sending activities: signed POSTs to remote inboxes.

``deliver`` takes plain values (ids, URLs, the activity as a dict) and needs no request,
so it can become a background task unchanged. Until the site has a job queue,
``enqueue`` hands it to a few threads of this process, so a remote server that is
down never slows a request (what is queued when the process stops is lost, and a
failure is logged, not retried). ``FEDERATION_DELIVER_INLINE`` runs jobs at once
instead, for tests that look at what arrived.
"""
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from flask import current_app

from . import httpsig, net
from .models import ActorKey, BlockedDomain, Follower

log = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """The remote inbox could not take the activity now; worth retrying later."""


_workers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="federation")


def enqueue(job, *args):
    """Run ``job(*args)`` soon, in the app's context (see the module's note)."""
    if current_app.config["FEDERATION_DELIVER_INLINE"]:
        run(job, *args)
    else:
        _workers.submit(_run_in_app, current_app._get_current_object(), job, *args)


def _run_in_app(app, job, *args):
    with app.app_context():
        run(job, *args)


def run(job, *args):
    """Run ``job``; a failure is logged, never raised to a request or lost in a thread."""
    try:
        job(*args)
    except (DeliveryFailed, net.FetchError) as error:
        log.warning("federation: %s failed: %s", job.__name__, error)
    except Exception:
        log.exception("federation: %s crashed", job.__name__)


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
