"""Pure rules of the blogger's workflow, with no Flask or database: post states, when
queued posts go out, times typed in the blogger's own zone, and permalink slugs."""
import re
import unicodedata
from datetime import datetime, timedelta, timezone

# What is stored in ``Post.state``. Queued and scheduled posts carry the time they go
# out in ``published_at`` and are live from then on, with no worker needed.
DRAFT, QUEUED, SCHEDULED, PUBLISHED = "draft", "queued", "scheduled", "published"
STATES = (DRAFT, QUEUED, SCHEDULED, PUBLISHED)
# The form's and API's verbs for them (CONTRACT: ``state``).
FORM_STATES = {"publish": PUBLISHED, "draft": DRAFT, "queue": QUEUED, "schedule": SCHEDULED}
STATE_VERBS = {state: verb for verb, state in FORM_STATES.items()}

PUBLIC, UNLISTED, PRIVATE = "public", "unlisted", "private"
VISIBILITIES = (PUBLIC, UNLISTED, PRIVATE)

MAX_QUEUE = 300  # queued posts per blogger, as on Tumblr
MAX_PER_DAY = 50
MAX_UTC_OFFSET = 14 * 60  # minutes; the widest real offsets are -12:00 and +14:00
LOCAL_TIME_MAX = 40  # characters of an ISO 8601 date-time, with room for an offset
SCHEDULE_AHEAD = timedelta(days=366 * 5)  # further ahead is a typo, not a plan

SLUG_MAX = 60


def as_utc(value):
    """Stored datetimes come back aware (tz_aware=True); treat naive ones as UTC too."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def post_status(post):
    """What an author reads beside a post that is not (yet) public: "Draft",
    "Queued for 2026-12-24 09:30 UTC", "Unlisted"..."""
    if post.state == DRAFT:
        return "Draft"
    if not post.is_live():
        return f"{'Queued' if post.state == QUEUED else 'Scheduled'} for {post.published_at:%Y-%m-%d %H:%M} UTC"
    return {UNLISTED: "Unlisted", PRIVATE: "Private"}.get(post.visibility, "")


def queue_times(count, now, per_day, start_hour, end_hour, utc_offset):
    """The next ``count`` times after ``now`` (aware, UTC) at which queued posts go out.

    The blogger's day has ``per_day`` slots spread evenly from ``start_hour`` up to
    ``end_hour`` (0–24, their local time, ``utc_offset`` minutes east of UTC); the
    first slot opens the window. A window that ends before it starts wraps past midnight.
    """
    span = (end_hour - start_hour) % 24 or 24
    step = timedelta(hours=span) / per_day
    offset = timedelta(minutes=utc_offset)
    local_day = (now + offset).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    times = []
    while len(times) < count:
        opening = local_day + timedelta(hours=start_hour) - offset
        times += [slot for slot in (opening + step * i for i in range(per_day)) if slot > now]
        local_day += timedelta(days=1)
    return times[:count]


def parse_local_time(text, utc_offset):
    """An ISO 8601 date-time as aware UTC; without its own offset it is local time
    ``utc_offset`` minutes east of UTC. Raises ValueError for anything else."""
    text = text.strip()
    if not text or len(text) > LOCAL_TIME_MAX:
        raise ValueError("Give a date and time, e.g. 2026-12-24T09:30.")
    moment = datetime.fromisoformat(text.replace("z", "Z"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone(timedelta(minutes=utc_offset)))
    return moment.astimezone(timezone.utc)


def slugify(text, reserved=()):
    """``text`` as a URL segment: ASCII letters and digits in lowercase, joined by
    hyphens, at most ``SLUG_MAX`` characters cut at a word; "" when nothing is left.
    A slug in ``reserved`` (a route's own word, like ``edit``) gets ``-post`` added."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > SLUG_MAX:
            slug = slug or word[:SLUG_MAX]
            break
        slug = longer
    return f"{slug}-post" if slug in reserved else slug
