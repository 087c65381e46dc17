"""Notifications by e-mail, in batches: a reader who asks for them (``/activity``'s
settings: off, hourly or daily) gets one mail listing what is new and unread since
the last one, grouped as on ``/activity`` ("sam and 4 others liked your post"), never
one mail per like.

Beat queues ``tasks.send_notification_mails`` every hour (``flask --app tumblelog
notifications mail`` runs it once). It walks the readers who are due ``BATCH_USERS`` at
a time and queues one task per batch. Each reader's window is claimed by moving
``User.notified_until`` from the value read to the run's time in one conditional
update: a second run, a retried task or two workers at once never mail it twice.
"""
import logging
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import url_for
from flask_babel import gettext as _, lazy_ngettext
from mongoengine.queryset.visitor import Q

from . import mail
from .i18n import N_
from .models import User, utcnow
from .moderation import SiteSettings
from .notes import Notification

log = logging.getLogger(__name__)

EVERY = {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}
CHOICES = {"off": N_("Never"), "hourly": N_("At most once an hour"), "daily": N_("At most once a day")}
# A run a little early (beat's jitter, a slow previous run) still finds the reader due.
SLACK = timedelta(minutes=10)
TITLE_SHOWN = 60  # characters of a post's title a line quotes
MAIL_LINES = 20  # notifications one mail lists; "and 12 more" says the rest
BATCH_USERS = 200  # readers one task mails


def due(now):
    """Readers who want notification mail, may get it, and whose last one is old enough."""
    wanted = Q()
    for choice, every in EVERY.items():
        wanted |= Q(notification_mail=choice) & (Q(notified_until=None) | Q(notified_until__lte=now - every + SLACK))
    return User.objects(wanted, suspended__ne=True, email_unverified__ne=True, email__ne=None)


def batches(now):
    """The ids of the readers due at ``now``, ``BATCH_USERS`` at a time (by id, so each
    batch is one indexed query however many readers there are)."""
    query, after = due(now).order_by("id").only("id"), None
    while True:
        ids = [row["_id"] for row in (query.filter(id__gt=after) if after else query).limit(BATCH_USERS).as_pymongo()]
        if not ids:
            return
        yield ids
        after = ids[-1]


def run(now=None, progress=None):
    """Queue the mails of every reader due at ``now``, one task per batch; return how
    many readers were due. ``progress(done, total)`` hears of each batch."""
    from .tasks import bound, mail_notifications

    now = now or utcnow()
    # To the millisecond, as MongoDB keeps it: the stamp stored is exactly the window's end.
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    total, done = due(now).count(), 0
    for ids in batches(now):
        bound(mail_notifications).delay([str(user_id) for user_id in ids], now.isoformat())
        done += len(ids)
        (progress or (lambda *_: None))(done, total)
        log.info("notification mail: %d of %d readers queued", done, total)
    return total


def mailable(user):
    """Whether ``user``'s address may be mailed: set, confirmed, well-formed, account not suspended."""
    if not user.email or user.email_unverified or user.suspended:
        return False
    try:
        validate_email(user.email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def claim(user, until):
    """Move the reader's stamp from what was read to ``until``: True for the one call
    that did it (another worker, or a run meanwhile, finds the stamp moved)."""
    return bool(User.objects(id=user.id, notification_mail=user.notification_mail, notified_until=user.notified_until)
                .update_one(set__notified_until=until))


def line(notification, activity):
    """``(what happened, the link to follow)``, as /activity says it: "sam and 4 others
    liked your post “Hello”" and the post (a follow, which is about no post: the page)."""
    n = notification
    if n.post is None:
        return _("%(who)s followed you", who=n.who), activity
    shown = f"{n.post_title[:TITLE_SHOWN]}{'…' if len(n.post_title) > TITLE_SHOWN else ''}"
    title = _("“%(title)s”", title=shown) if n.post_title else _("a post")
    sentence = {
        "like": N_("%(who)s liked your post %(post)s"),
        "reblog": N_("%(who)s reblogged your post %(post)s"),
        "comment": N_("%(who)s commented on your post %(post)s"),
        "mention": N_("%(who)s mentioned you in %(post)s"),
        "webmention": N_("%(who)s linked to %(post)s"),
    }[n.kind]
    return _(sentence, who=n.who, post=title), url_for("blog.show", post_id=n.link or n.post, _external=True)


def send_batch(user_ids, until):
    """Mail each reader of ``user_ids`` what is new up to ``until``; how many were mailed."""
    # Whole accounts: a mail may read more of its reader than this module does (the language).
    return sum(send(user, until) for user in User.objects(id__in=user_ids))


def send(user, until):
    """One reader's mail of their unread notifications since the last one (or since one
    period ago), up to ``until``; False when there is none, or it is not theirs to send."""
    every = EVERY.get(user.notification_mail)
    if every is None or not mailable(user):
        return False
    since = user.notified_until or until - every
    if since > until - every + SLACK or not claim(user, until):
        return False
    new = Notification.objects(recipient=user.id, read=False, updated_at__gt=since, updated_at__lte=until,
                                kind__nin=list(user.notifications_off or ()))
    found = list(new.order_by("-updated_at", "-id").limit(MAIL_LINES + 1))
    if not found:
        return False
    more = new.count() - MAIL_LINES if len(found) > MAIL_LINES else 0
    found = found[:MAIL_LINES]
    with mail.links_to():
        unsubscribe, headers = mail.NOTIFICATIONS.headers(user)
        activity = url_for("activity.activity", _external=True)
        lines = [line(n, activity) for n in found]
        count = len(found) + more
        message = mail.compose(
            "notifications", user.email,
            lazy_ngettext("%(num)d new notification on %(site)s", "%(num)d new notifications on %(site)s", count,
                          site=SiteSettings.shown().title),
            headers=headers, user=user, lines=lines, more=more, unsubscribe=unsubscribe, activity=activity,
            every=user.notification_mail,
        )
    from .tasks import bound, deliver_mail

    bound(deliver_mail).delay(message)
    return True
