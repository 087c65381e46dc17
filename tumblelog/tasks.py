"""Background jobs: Celery with Redis as the broker, on Flask's "Background Tasks with
Celery" pattern: ``celery_init_app`` makes the Celery app from ``config.py`` and every
task runs inside the Flask app's context.

``CELERY_BROKER_URL`` unset (``make run``, the tests): tasks run in-process, eagerly,
when they are queued. With a broker, ``celery -A tumblelog.worker worker`` runs them and
``celery -A tumblelog.worker beat`` queues the periodic ones (``PERIODIC``).

To add a task: write a ``@shared_task`` function here that takes plain values (ids,
not documents) and is safe to run twice; call it with ``enqueue(task, ...)`` from a
view, which says so instead of failing when the broker is down; give it
``**RETRIED`` if what it calls may fail for a while (SMTP, another server).
"""
import logging
import smtplib

from celery import Celery, Task, shared_task
from celery.result import EagerResult
from celery.schedules import crontab
from flask import current_app
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)

# For tasks whose failures pass (a mail server or a network away): retried with
# exponential backoff and jitter, 1 s, 2 s, 4 s… up to 10 minutes apart, 8 times.
RETRIED = {
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}

# What beat queues, and when (UTC).
PERIODIC = {
    "weekly-digest": {"task": "tumblelog.tasks.send_digests", "schedule": crontab(minute=0, hour=7, day_of_week="mon")},
    "notification-mail": {"task": "tumblelog.tasks.send_notification_mails", "schedule": crontab(minute=5)},
}


def celery_config(config):
    """Celery's settings from the Flask config."""
    broker = config.get("CELERY_BROKER_URL")
    return {
        "broker_url": broker or "memory://",
        "task_always_eager": not broker,
        "task_ignore_result": True,
        # A task is acknowledged when it is done, so one lost with its worker runs again.
        "task_acks_late": True,
        "worker_prefetch_multiplier": 1,
        # Publishing gives up fast: a view must answer, not wait for a dead broker.
        "broker_connection_timeout": 2,
        # Redis hands a task it has not seen acknowledged within ``visibility_timeout`` to
        # another worker: longer than the longest wait between deliveries' tries (6 h).
        "broker_transport_options": {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 0,
                                     "visibility_timeout": 7 * 3600},
        "task_publish_retry": False,
        # A backstop: Flask-Mail's SMTP connection has no timeout of its own.
        "task_time_limit": 300,
        "broker_connection_retry_on_startup": True,
        "beat_schedule": PERIODIC,
        "timezone": "UTC",
    }


def celery_init_app(app):
    """Make the Celery app for ``app`` (kept in ``app.extensions["celery"]``)."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_config(app.config))
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def enqueue(task, *args):
    """Queue ``task(*args)`` (or run it now, when there is no broker); False when the
    broker cannot be reached, or when a task run now failed for good, so the caller can
    tell the user instead of failing."""
    try:
        result = bound(task).delay(*args)
    except OperationalError as error:
        log.error("Could not queue %s: %s", task.name, error)
        return False
    if isinstance(result, EagerResult) and result.failed():
        log.error("%s failed: %r", task.name, result.result)
        return False
    return True


def bound(task):
    """``task`` as the current Flask app's Celery app knows it (a shared task would
    otherwise run on whichever app was made last)."""
    return current_app.extensions["celery"].tasks[task.name]


@shared_task(name="tumblelog.tasks.deliver_mail", **RETRIED)
def deliver_mail(message):
    """Send one composed mail (mail.compose)."""
    from .mail import deliver

    deliver(message)


@shared_task(name="tumblelog.tasks.send_password_reset", **RETRIED)
def send_password_reset(email, base_url):
    """Mail a password-reset link to the account with ``email``, if there is one; links
    point at ``base_url``, the site the request came to."""
    from .accounts import mail_reset_link

    mail_reset_link(email, base_url)


@shared_task(name="tumblelog.tasks.send_notification_mails")
def send_notification_mails():
    """Periodic: queue the notification mail of every reader who is due, in batches."""
    from . import notification_mail

    notification_mail.run()


@shared_task(name="tumblelog.tasks.mail_notifications")
def mail_notifications(user_ids, until):
    """Mail a batch of readers what is new up to ``until`` (ISO 8601); a reader already
    mailed that far gets nothing again."""
    from datetime import datetime

    from . import notification_mail

    notification_mail.send_batch(user_ids, datetime.fromisoformat(until))


@shared_task(name="tumblelog.tasks.send_digests")
def send_digests():
    """Periodic: queue this week's digest for every reader who opted in."""
    from . import digest

    week = digest.current_week()
    for user_id in digest.due(week):
        bound(send_digest).delay(str(user_id), week)


@shared_task(name="tumblelog.tasks.send_digest")
def send_digest(user_id, week):
    """One reader's digest for ``week``; does nothing if that week was sent already."""
    from . import digest

    digest.send(user_id, week)


@shared_task(name="tumblelog.tasks.verify_webmention", bind=True)
def verify_webmention(self, source, target, post_id):
    """Fetch a Webmention's source and keep, update or forget the mention (mentions.py);
    again later, with a growing wait, while the source's server is away."""
    from . import mentions

    try:
        return mentions.verify(source, target, post_id)
    except mentions.TryLater as error:
        if self.request.is_eager or self.request.retries + 1 >= mentions.TRIES:
            log.warning("webmention: %s could not be verified: %s", source[:200], error)
            return "ignored"
        raise self.retry(countdown=60 * 4 ** self.request.retries, max_retries=mentions.TRIES) from error


@shared_task(name="tumblelog.tasks.send_webmentions")
def send_webmentions(post_id, source):
    """Tell the pages a post links to that ``source``, its permalink, mentions them."""
    from . import mentions

    return mentions.send(post_id, source)


@shared_task(name="tumblelog.tasks.deliver_to_followers")
def deliver_to_followers(user_id, key_id, activity):
    """Queue the delivery of one ActivityPub activity to each inbox of a blogger's
    followers (a shared inbox once)."""
    from bson import ObjectId

    from .federation import delivery

    for inbox in delivery.inboxes_of_followers(ObjectId(user_id)):
        bound(deliver_activity).delay(user_id, key_id, inbox, activity)


@shared_task(name="tumblelog.tasks.federate_suspension", bind=True)
def federate_suspension(self, user_id, suspended, cursor=None):
    """Take a suspended account's posts back from its followers' servers (or bring
    them back when it is restored), a batch a job: each job queues the next, so none
    runs long (federation.suspension_batch). Run in-process, it goes on here."""
    from bson import ObjectId

    from .federation import suspension_batch

    cursor = suspension_batch(ObjectId(user_id), suspended, cursor)
    while cursor and self.request.is_eager:
        cursor = suspension_batch(ObjectId(user_id), suspended, cursor)
    if cursor:
        bound(federate_suspension).delay(user_id, suspended, cursor)


@shared_task(name="tumblelog.tasks.deliver_activity", bind=True)
def deliver_activity(self, user_id, key_id, inbox, activity):
    """Deliver one ActivityPub activity to one inbox, trying again with a growing wait
    while the other server is away (federation.delivery)."""
    from .federation import delivery

    try:
        delivery.deliver(user_id, key_id, inbox, activity)
    except delivery.DeliveryFailed as error:
        tries = self.request.retries + 1
        final = self.request.is_eager or tries >= delivery.DELIVERY_TRIES
        delivery.FailedDelivery.record(inbox, activity, error, tries, final)
        log.warning("federation: delivery %d to %s failed%s: %s", tries, inbox, " for good" if final else "", error)
        if not final:
            raise self.retry(countdown=delivery.backoff(self.request.retries), max_retries=delivery.DELIVERY_TRIES)
