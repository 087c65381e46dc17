"""The weekly digest: new posts from the tags and bloggers a reader follows, mailed
once a week to readers who opted in (settings), with a one-click unsubscribe link
that needs no sign-in.

Beat queues ``tasks.send_digests`` on Mondays; each reader's mail is then claimed by
setting ``User.digest_week`` to the ISO week in one conditional update, so a second
run, a retried task or two workers at once never send the same week twice.
"""
from datetime import timedelta

from flask_babel import lazy_ngettext

from . import mail
from .models import User, utcnow
from .moderation import SiteSettings

DIGEST_POSTS = 20  # the newest this many; the mail links to the dashboard for more


def current_week(now=None):
    """The ISO week of ``now`` as text: "2026-W48"."""
    year, week, _ = (now or utcnow()).isocalendar()
    return f"{year}-W{week:02d}"


def due(week):
    """The ids of readers who opted in and have not had ``week``'s digest."""
    return [row["_id"] for row in User.objects(digest=True, digest_week__ne=week).only("id").as_pymongo()]


def claim(user_id, week):
    """Mark ``week`` as sent to the reader; True only for the one call that did it."""
    return bool(User.objects(id=user_id, digest=True, digest_week__ne=week).update_one(set__digest_week=week))


def new_posts(user, since):
    """The newest posts published since ``since`` by followed bloggers or with followed tags."""
    followed = user.followed_posts()
    return [] if followed is None else list(followed.filter(published_at__gte=since).limit(DIGEST_POSTS))


def send(user_id, week):
    """Send ``week``'s digest to one reader, once. Nothing is sent when nothing is new."""
    user = User.objects(id=user_id).first()
    if user is None or not claim(user.id, week):
        return False
    posts = new_posts(user, utcnow() - timedelta(days=7))
    if not posts:
        return False
    with mail.links_to():
        unsubscribe, headers = mail.DIGEST.headers(user)
        message = mail.compose(
            "digest", user.email,
            lazy_ngettext("Your week on %(site)s: %(num)d new post", "Your week on %(site)s: %(num)d new posts", len(posts),
                          site=SiteSettings.shown().title),
            headers=headers, user=user, posts=posts, unsubscribe=unsubscribe, week=week,
        )
    from .tasks import bound, deliver_mail

    bound(deliver_mail).delay(message)
    return True
