"""Rate limits: against password guessing, mass sign-up, floods of comments, and any
write repeated fast enough to cost the site real CPU (bcrypt, Markdown, image decoding).

``limiter`` (in extensions.py) counts in the storage that ``RATELIMIT_STORAGE_URI``
names: MongoDB when ``MONGODB_URI`` is set, so every worker and replica shares one
count; memory on the embedded database and in tests. Limits are read from the config
on each request (``config_limit``), so an operator or a test can change them without
touching code.

Each action has one counter however it is reached: the HTML form and the JSON API
name the same ``scope`` (``action_limit``, ``sign_in_limits``), so neither doubles a
limit. Writes count per address and per account. Failed sign-ins count per address
and per account, but an account over its limit is closed only to the addresses that
failed against it: guessing from anywhere never locks its owner out.
"""
import functools
import threading
from urllib.parse import urlsplit

from flask import current_app, g, request, session
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.storage import MemoryStorage

TOO_MANY_SIGN_INS = "Too many sign-in attempts. Please wait a few minutes and try again."
TOO_MANY_SIGN_UPS = "Too many new accounts from your address. Please try again later."
TOO_MANY_COMMENTS = "You are commenting very fast. Please wait a minute and try again."
TOO_MANY_WRITES = "You are doing that very fast. Please wait a minute and try again."
TOO_MANY_MAILS = "Too many mails asked for. Please wait an hour and try again."
TOO_MANY_TOKENS = "Too many new tokens. Please wait an hour and try again."

SIGN_IN_ACCOUNT_SCOPE = "sign-in-failed:account"
SIGN_IN_HERE_SCOPE = "sign-in-failed:account-address"


def client_ip():
    """The client's address. Behind a proxy, TRUSTED_PROXIES makes this the real client
    and not the proxy (or every reader would share one limit)."""
    return get_remote_address() or "unknown"


def account_key(username):
    """The rate-limit key of the account ``username`` names, so guessing is limited per
    account too, whichever addresses it comes from. Case-folded: "Alice" and "alice" are one."""
    return "user:" + (username or "").strip().lower()[:64]


def sign_in_account():
    """The account a sign-in is aimed at: the form's ``username``, or HTTP Basic's when
    the API is asked for a token."""
    credentials = request.authorization
    if credentials is not None and credentials.type == "basic":
        return account_key(credentials.username)
    return account_key(request.form.get("username"))


def reset_address():
    """The e-mail address a password-reset request names: mails to one account are
    limited whichever addresses the requests come from."""
    return "reset:" + (request.form.get("email") or "").strip().lower()[:254]


def sign_in_here():
    """The account a sign-in is aimed at, and the address it comes from."""
    return f"{sign_in_account()}@{client_ip()}"


def writer_key():
    """Who is writing: the signed-in account (the session's, or the API token's), else
    the address. The session's id is read as Flask-Login stores it, without loading
    the account, so the key costs no query on the HTML side."""
    if request.blueprint == "api":
        from .api.tokens import token_user_id

        user_id = token_user_id()
    else:
        user_id = session.get("_user_id")
    return f"account:{user_id}" if user_id else "address:" + client_ip()


class LockedMemoryStorage(MemoryStorage):
    """The ``memory://`` storage (tests, the embedded demo) with its expiry timer
    replaced under a lock. limits checks ``timer.is_alive()``, assigns a new Timer and
    then starts ``self.timer``; two requests at once could both start the same
    Timer, a KeyError in the thread or a RuntimeError in the request. Declaring the
    same scheme makes limits build this class for ``memory://``."""

    STORAGE_SCHEME = ["memory"]

    def __init__(self, *args, **kwargs):
        self._expiry_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def _MemoryStorage__schedule_expiry(self):
        with self._expiry_lock:
            super()._MemoryStorage__schedule_expiry()


def storage_options(config):
    """Options for MongoDB rate-limit storage: the app's own database (a user may be
    allowed no other), and the same server-selection timeout as the app's connection.
    Other storages (memory, Redis) take none."""
    from . import mongodb_settings

    uri = config["RATELIMIT_STORAGE_URI"]
    if not uri.startswith("mongodb"):
        return {}
    options = {"database_name": urlsplit(uri).path.strip("/") or "tumblelog"}
    timeout = mongodb_settings({**config, "MONGODB_URI": uri}).get("serverSelectionTimeoutMS")
    if timeout is not None:
        options["serverSelectionTimeoutMS"] = timeout
    return options


def config_limit(name):
    """A limit provider for Flask-Limiter: the limit string in ``config[name]``."""
    return lambda: current_app.config[name]


def refused(response):
    """A wrong name or password: the form shown again (422) or the API's 401. Signing in
    (303, 201) does not count, and neither does an outage (503): only guesses do."""
    return response.status_code in (401, 422)


def has_failed_here():
    """Whether this address failed to sign in to this account lately (within the
    ``RATELIMIT_LOGIN_ACCOUNT`` windows)."""
    from .extensions import limiter

    key = sign_in_here()
    return any(
        limiter.limiter.get_window_stats(item, key, SIGN_IN_HERE_SCOPE).remaining < item.amount
        for item in parse_many(current_app.config["RATELIMIT_LOGIN_ACCOUNT"])
    )


def account_failure_cost():
    """What a sign-in costs the per-account count. Checked before the view: nothing (so
    the limit cannot refuse) unless this address has failed against the account itself.
    Deducted after it, for a failure: one, from whatever address."""
    return 1 if g.get("sign_in_ran") or has_failed_here() else 0


def sign_in_limits(view):
    """The sign-in limits, shared by the sign-in form and ``POST /api/v1/tokens``.

    Every attempt counts per address (``RATELIMIT_SIGN_IN``: each costs a bcrypt hash).
    Failed ones count per address (``RATELIMIT_LOGIN``), and per account, from every
    address (``RATELIMIT_LOGIN_ACCOUNT``); an account over its count refuses only the
    addresses that failed against it too (a third count, per account and address, says
    which). Its owner, signing in from anywhere else, always gets in.
    """
    from .extensions import limiter

    @functools.wraps(view)
    def attempt(*args, **kwargs):
        g.sign_in_ran = True  # from here on, account_failure_cost counts in full
        return view(*args, **kwargs)

    shared = dict(methods=["POST"], override_defaults=False, error_message=TOO_MANY_SIGN_INS)
    failed = dict(shared, deduct_when=refused)
    account = config_limit("RATELIMIT_LOGIN_ACCOUNT")
    limits = [
        limiter.shared_limit(config_limit("RATELIMIT_SIGN_IN"), scope="sign-in", **shared),
        limiter.shared_limit(config_limit("RATELIMIT_LOGIN"), scope="sign-in-failed", **failed),
        limiter.shared_limit(account, scope=SIGN_IN_ACCOUNT_SCOPE, key_func=sign_in_account,
                             cost=account_failure_cost, **failed),
        limiter.shared_limit(account, scope=SIGN_IN_HERE_SCOPE, key_func=sign_in_here, **failed),
    ]
    for limit in limits:
        attempt = limit(attempt)
    return attempt


def action_limit(action, setting, error_message=TOO_MANY_WRITES, **options):
    """A decorator: the limit ``config[setting]`` on ``action``, counted once per
    address and once per account across every route that names the same action (the
    HTML form's and the API's)."""
    from .extensions import limiter

    options = dict(override_defaults=False, error_message=error_message, **options)
    by_address = limiter.shared_limit(config_limit(setting), scope=f"{action}:address", **options)
    by_account = limiter.shared_limit(config_limit(setting), scope=f"{action}:account", key_func=writer_key, **options)
    return lambda view: by_address(by_account(view))


def sends_no_file():
    """``exempt_when`` for the upload limit: the request carries no file."""
    return not any(upload.filename for upload in request.files.values())


def clear_sign_in_locks(username, address=None):
    """Forget the failed sign-ins against the account ``username`` (``flask limits
    unlock``) and, with ``address``, that address's: against the account and in all."""
    from .extensions import limiter

    config = current_app.config
    for item in parse_many(config["RATELIMIT_LOGIN_ACCOUNT"]):
        limiter.limiter.clear(item, account_key(username), SIGN_IN_ACCOUNT_SCOPE)
        if address:
            limiter.limiter.clear(item, f"{account_key(username)}@{address}", SIGN_IN_HERE_SCOPE)
    if address:
        for item in parse_many(config["RATELIMIT_LOGIN"]):
            limiter.limiter.clear(item, address, "sign-in-failed")
