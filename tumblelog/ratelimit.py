"""Rate limits against password guessing, mass sign-up and comment floods.

``limiter`` (in extensions.py) counts in the storage that ``RATELIMIT_STORAGE_URI``
names: MongoDB when ``MONGODB_URI`` is set, so every worker and replica shares one
count; memory on the embedded database and in tests. Limits are read from the config
on each request (``config_limit``), so an operator or a test can change them without
touching code; the key functions are public for other blueprints to reuse.
"""
from urllib.parse import urlsplit

from flask import current_app, request
from flask_limiter.util import get_remote_address


def client_ip():
    """The client's address. Behind a proxy, TRUSTED_PROXIES makes this the real client
    and not the proxy (or every reader would share one limit)."""
    return get_remote_address() or "unknown"


def account_key(username):
    """The rate-limit key of the account ``username`` names, so guessing is limited per
    account too, whichever addresses it comes from. Case-folded: "Alice" and "alice" are one."""
    return "user:" + (username or "").strip().lower()[:64]


def login_username():
    """The account a sign-in form is aimed at."""
    return account_key(request.form.get("username"))


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


def failed(response):
    """Count only refusals: a person who signs in or registers is not penalised."""
    return response.status_code != 303


TOO_MANY_SIGN_INS = "Too many sign-in attempts. Please wait a few minutes and try again."
TOO_MANY_SIGN_UPS = "Too many new accounts from your address. Please try again later."
TOO_MANY_COMMENTS = "You are commenting very fast. Please wait a minute and try again."
TOO_MANY_REBLOGS = "You are reblogging very fast. Please wait a minute and try again."


def reblog_limit():
    """One count of reblogs per address, shared by the form and the API; only POSTs count."""
    from .extensions import limiter

    return limiter.shared_limit(config_limit("RATELIMIT_REBLOG"), scope="reblog", methods=["POST"],
                                override_defaults=False, error_message=TOO_MANY_REBLOGS)
