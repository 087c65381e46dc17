"""Configuration classes; every value an operator may change comes from the environment.

``TUMBLELOG_CONFIG`` picks the class (``development`` by default, or ``production``).
``MONGODB_URI`` names the database; without it the app runs on an embedded, in-memory
database (mongomock), which development allows and production refuses.
"""
import os


def whole_number(name, default):
    """The environment variable ``name`` as a count (unset or empty: ``default``)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise SystemExit(f"{name}={raw!r} is not a whole number")
    return int(raw)


class Config:
    PRODUCTION = False
    SECRET_KEY = os.environ.get("SECRET_KEY")
    MONGODB_URI = os.environ.get("MONGODB_URI")
    POSTS_PER_PAGE = 10
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
    # Abuse limits (see tumblelog/ratelimit.py). Counts live in MongoDB when there is
    # one, so every worker and replica shares them; RATELIMIT_STORAGE_URI overrides.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or MONGODB_URI or "memory://"
    RATELIMIT_LOGIN = "10 per minute; 100 per day"  # failed sign-ins per address
    RATELIMIT_LOGIN_ACCOUNT = "5 per minute; 50 per day"  # failed sign-ins per account
    RATELIMIT_REGISTER = "10 per hour"  # sign-up attempts per address
    RATELIMIT_COMMENT = "5 per minute; 100 per day"  # comments per address
    RATELIMIT_API = "300 per minute"  # every API request, per address
    RATELIMIT_API_TOKEN = "120 per minute"  # API requests carrying a token, per token
    # Uploads are capped at 10 MB; a bigger request gets the 413 page.
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    # A comment sent sooner than this after its form was shown is a bot's (spam.py).
    COMMENT_MIN_SECONDS = 3


class DevelopmentConfig(Config):
    DEBUG = True


class ProductionConfig(Config):
    PRODUCTION = True
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


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
