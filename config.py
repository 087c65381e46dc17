"""Configuration classes; every value an operator may change comes from the environment.

``TUMBLELOG_CONFIG`` picks the class (``development`` by default, or ``production``).
``MONGODB_URI`` names the database; without it the app runs on an embedded, in-memory
database (mongomock), which development allows and production refuses.
"""
import os
from datetime import timedelta


def flag(name, default=False):
    """The environment variable ``name`` as a yes/no switch (unset or empty: ``default``)."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SystemExit(f"{name}={raw!r} is not one of: true, false")


def whole_number(name, default):
    """The environment variable ``name`` as a count (unset or empty: ``default``)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise SystemExit(f"{name}={raw!r} is not a whole number")
    return int(raw)


def host_names(name):
    """The comma-separated host names in the environment variable ``name``, as a list,
    or None when it is unset or empty."""
    return [host.strip().lower() for host in os.environ.get(name, "").split(",") if host.strip()] or None


class Config:
    PRODUCTION = False
    SECRET_KEY = os.environ.get("SECRET_KEY")
    MONGODB_URI = os.environ.get("MONGODB_URI")
    POSTS_PER_PAGE = 10
    # Rendered public parts of post cards a process keeps (cards.py): about 2 KB each.
    CARD_CACHE_SIZE = 4000
    # Whole list pages as signed-out readers see them (cache.revalidated_page): ~25 KB each.
    PAGE_CACHE_SIZE = 200
    # Comments a permalink shows at a time (oldest first), and the API's default page.
    COMMENTS_PER_PAGE = 50
    # bcrypt 5 raises on passwords over 72 bytes; Flask-Bcrypt pre-hashes them instead.
    BCRYPT_HANDLE_LONG_PASSWORDS = True
    # A token valid for the whole session: a blogger who spends an hour on a post must
    # not lose it to an expired form.
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Fail fast when the database is away instead of hanging a worker for 30 s.
    MONGODB_SERVER_SELECTION_TIMEOUT_MS = 2000
    # DEBUG, INFO (default), WARNING, ERROR or CRITICAL; one line per request at INFO.
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # How many reverse proxies stand in front (0: none). Their X-Forwarded-For and
    # X-Forwarded-Proto then give the client's address and scheme; never trust more
    # hops than there are, or clients could forge their address.
    TRUSTED_PROXIES = whole_number("TRUSTED_PROXIES", 0)
    # The host names the site answers for (Flask checks the Host header against them and
    # answers 400 otherwise): the Host header lands in feed ids and in the API's links.
    # Unset: any host, which only development allows. ".example.com" admits subdomains.
    TRUSTED_HOSTS = host_names("TRUSTED_HOSTS")
    # Strict-Transport-Security's max-age (0: not sent); production sends a year.
    HSTS_SECONDS = 0
    # Abuse limits (see tumblelog/ratelimit.py). Counts live in MongoDB when there is
    # one, so every worker and replica shares them; RATELIMIT_STORAGE_URI overrides.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or MONGODB_URI or "memory://"
    # Each counts one action however it comes, by the HTML form or the API.
    RATELIMIT_SIGN_IN = "30 per minute"  # every sign-in and token request per address (bcrypt)
    RATELIMIT_LOGIN = "10 per minute; 100 per day"  # failed sign-ins per address
    # Failed sign-ins per account; over it, only addresses that failed too are refused.
    RATELIMIT_LOGIN_ACCOUNT = "5 per minute; 50 per day"
    RATELIMIT_REGISTER = "10 per hour"  # sign-up attempts per address
    # The rest count per address and, separately, per account.
    RATELIMIT_COMMENT = "5 per minute; 100 per day"  # comments
    RATELIMIT_POST = "30 per minute; 500 per day"  # new, changed, deleted posts; deleted comments
    RATELIMIT_UPLOAD = "10 per minute; 100 per day"  # requests carrying a file (decoding costs)
    RATELIMIT_LIKE = "60 per minute; 1000 per day"  # likes and unlikes
    RATELIMIT_FOLLOW = "30 per minute; 500 per day"  # follows and unfollows
    RATELIMIT_REBLOG = "10 per minute; 200 per day"  # reblogs
    RATELIMIT_REPORT = "10 per minute; 100 per day"  # reports of posts and comments
    RATELIMIT_PREVIEW = "120 per minute"  # Markdown previews (the editor sends one per pause)
    RATELIMIT_API = "300 per minute"  # every API request, per address
    RATELIMIT_API_TOKEN = "120 per minute"  # API requests carrying a token, per token
    # Activities sent to inboxes, per address: each may make us fetch a key.
    RATELIMIT_INBOX = "300 per minute"
    # Uploads are capped at 10 MB; a bigger request gets the 413 page.
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    # ActivityPub (tumblelog/activitypub.py): off, every federation route is a 404 and
    # nothing is delivered. FEDERATION_ALLOW_PRIVATE lets outgoing requests reach
    # loopback and private addresses: for tests on one machine, never in production.
    FEDERATION_ENABLED = os.environ.get("FEDERATION_ENABLED", "1").strip().lower() not in ("0", "false", "no", "off")
    FEDERATION_ALLOW_PRIVATE = os.environ.get("FEDERATION_ALLOW_PRIVATE", "").strip().lower() in ("1", "true", "yes", "on")
    # Webmention (tumblelog/mentions.py): requests to POST /webmention per address (each
    # makes a background job fetch another site). Saving a public post tells the pages it
    # links to; WEBMENTION_SEND=false keeps the site from asking them (tests do).
    RATELIMIT_WEBMENTION = "30 per minute; 1000 per day"
    WEBMENTION_SEND = flag("WEBMENTION_SEND", True)
    # A comment sent sooner than this after its form was shown is a bot's (spam.py).
    COMMENT_MIN_SECONDS = 3
    # ...and a form older than this is refused the same way (its token is single-use, and
    # spent tokens are remembered for this long).
    COMMENT_FORM_MAX_AGE = 7 * 24 * 3600
    # What search engines and link previews say about the site (pages that have their
    # own description, a post or a tag, say more).
    SITE_DESCRIPTION = "Words, pictures, sounds and links from the people who write here."
    # The sitemap protocol's limit per file; past it /sitemap.xml becomes an index.
    SITEMAP_MAX_URLS = 50_000
    SITEMAP_CACHE_SECONDS = 300  # a new post reaches the sitemap within five minutes
    # The Snowball stemmer search uses, at save and at query time (keywords.py). After
    # changing it, run `flask --app tumblelog search reindex`.
    SEARCH_LANGUAGE = "english"
    # Flask-Compress: brotli for browsers that take it, gzip for the rest. Streamed
    # responses (static files) are compressed as they stream, which gzip cannot do here.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_ALGORITHM_STREAMING = ["br", "deflate"]
    COMPRESS_MIMETYPES = [
        "text/html", "text/css", "text/plain", "text/javascript", "application/javascript",
        "application/json", "application/feed+json", "application/atom+xml", "application/xml",
        "image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon",
    ]
    # How long a worker keeps the site's settings (title, comment policy, sign-ups) it
    # read from the database; a change made on another worker shows this much later.
    SITE_SETTINGS_TTL = 30
    # The role of a new account: author (posts on their own blog) or reader (comments,
    # likes and follows only); see tumblelog/permissions.py.
    DEFAULT_ROLE = os.environ.get("DEFAULT_ROLE", "").strip().lower() or "author"

    # "Keep me signed in" lasts this long; changing the password or "Sign out
    # everywhere" ends it sooner (see User.session_generation).
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    # Accounts: limits on what sends mail or makes credentials.
    RATELIMIT_RESET = "5 per hour"  # password-reset requests per client address
    RATELIMIT_RESET_ACCOUNT = "3 per hour"  # password-reset mails per e-mail address
    RATELIMIT_ACCOUNT_MAIL = "5 per hour"  # e-mail change and verification mails per account
    RATELIMIT_TOKEN_CREATE = "10 per hour"  # new API tokens per account, form and API alike
    # Signed links in mails: a password reset is good for an hour, an e-mail change a day.
    RESET_LINK_MAX_AGE = timedelta(hours=1)
    EMAIL_LINK_MAX_AGE = timedelta(days=1)
    # New accounts confirm their address before they can sign in (off in the demo).
    REQUIRE_EMAIL_VERIFICATION = flag("REQUIRE_EMAIL_VERIFICATION")

    # Mail (Flask-Mail). No MAIL_SERVER: every mail is written to the log in full.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = whole_number("MAIL_PORT", 25)
    MAIL_USE_TLS = flag("MAIL_USE_TLS")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER") or "tumblelog <noreply@localhost>"
    # Flask-Mail would otherwise print SMTP chatter in debug and send nothing in tests.
    MAIL_DEBUG = False
    MAIL_SUPPRESS_SEND = False
    # Absolute links in mails sent outside a request (the weekly digest).
    SITE_URL = os.environ.get("SITE_URL") or f"http://127.0.0.1:{os.environ.get('PORT') or 5000}"

    # Background jobs (tumblelog/tasks.py). No CELERY_BROKER_URL: tasks run in-process.
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or None

    # Languages (tumblelog/i18n.py): the catalogues shipped in tumblelog/translations,
    # each named in its own language for the footer's menu. DEFAULT_LOCALE speaks to
    # readers whose browser asks for none of them; it must be one of these.
    LANGUAGES = {"en": "English", "es": "Español", "de": "Deutsch", "ja": "日本語", "ar": "العربية"}
    DEFAULT_LOCALE = os.environ.get("DEFAULT_LOCALE", "").strip() or "en"
    BABEL_DEFAULT_LOCALE = DEFAULT_LOCALE
    # Dates are shown in UTC, the same for every reader (no per-reader time zone yet).
    BABEL_DEFAULT_TIMEZONE = "UTC"


class DevelopmentConfig(Config):
    DEBUG = True


class ProductionConfig(Config):
    PRODUCTION = True
    FEDERATION_ALLOW_PRIVATE = False
    # Links built for other sites (canonical, sitemap, feeds) on the configured host.
    PREFERRED_URL_SCHEME = "https"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS_SECONDS = 365 * 24 * 3600


CONFIGS = {"development": DevelopmentConfig, "production": ProductionConfig}


def config_from_environment():
    """Return the config class named by ``TUMBLELOG_CONFIG``."""
    name = os.environ.get("TUMBLELOG_CONFIG", "").strip().lower() or "development"
    try:
        return CONFIGS[name]
    except KeyError:
        raise SystemExit(
            f"TUMBLELOG_CONFIG={name!r} is not one of: {', '.join(CONFIGS)}"
        ) from None
