"""tumblelog: a multi-type blog on Flask and MongoDB.

``create_app`` is the factory for every entry point: ``run.py``, ``flask --app
tumblelog``, gunicorn's ``tumblelog:create_app()`` and the tests.
"""
import logging
import os
import secrets

from bson import ObjectId
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter, ValidationError

from config import config_from_environment

from . import ratelimit, requestlog, tasks
from .extensions import babel, bcrypt, compress, csrf, db, limiter, login_manager
from .extensions import mail as mail_extension  # the name ``mail`` is the module mail.py

log = logging.getLogger(__name__)


class ObjectIdConverter(BaseConverter):
    """``<objectid:name>``: 24 hex digits, else the route does not match (a 404)."""

    regex = "[0-9a-fA-F]{24}"

    def to_python(self, value):
        if not ObjectId.is_valid(value):
            raise ValidationError()
        return ObjectId(value)

    def to_url(self, value):
        return str(value)


class SlugConverter(BaseConverter):
    """``<slug:name>``: a permalink's slug, never a word of a route beside it
    (``/post/<id>/delete``), so a GET there is still a 405, not a redirect."""

    def to_python(self, value):
        from .models import Post

        if value in Post.RESERVED_SLUGS:
            raise ValidationError()
        return value


class PostTypeConverter(BaseConverter):
    """``<posttype:name>``: one of ``models.POST_TYPES`` (read per request, so every
    declared type has its URLs), given to the view as its class; else a 404."""

    def to_python(self, value):
        from .models import POST_TYPES

        if value not in POST_TYPES:
            raise ValidationError()
        return POST_TYPES[value]

    def to_url(self, value):
        return getattr(value, "type", value)


def mongodb_settings(config):
    """MongoEngine connection settings: the server at ``MONGODB_URI``, or mongomock."""
    settings = {
        "tz_aware": True,
        "serverSelectionTimeoutMS": config["MONGODB_SERVER_SELECTION_TIMEOUT_MS"],
    }
    if config.get("MONGODB_URI"):
        settings["host"] = config["MONGODB_URI"]
        # pymongo lets a keyword override the URI: an operator's own timeout must win.
        if "serverselectiontimeoutms=" in settings["host"].lower():
            del settings["serverSelectionTimeoutMS"]
    else:
        import mongomock

        settings["host"] = "mongodb://localhost/tumblelog"
        settings["mongo_client_class"] = mongomock.MongoClient
    return settings


def check_config(app):
    """Refuse to start production without its essentials; patch development's gaps."""
    production = app.config["PRODUCTION"]
    if not app.config.get("SECRET_KEY"):
        if production:
            raise RuntimeError(
                "SECRET_KEY is not set. Generate one with\n"
                "  python3 -c \"import secrets; print(secrets.token_hex(32))\"\n"
                "and put it in the environment (or .env for docker compose)."
            )
        app.config["SECRET_KEY"] = secrets.token_hex(32)
        # Said when the app first serves, not by every command or `flask --help`:
        # only sessions use the key, and commands have none.
        warn_on_first_request(app, "SECRET_KEY is not set; using a random one (sessions end on restart).")
    if app.config["DEFAULT_ROLE"] not in ("author", "reader"):
        raise RuntimeError(f"DEFAULT_ROLE={app.config['DEFAULT_ROLE']!r} is not one of: author, reader")
    if app.config["DEFAULT_LOCALE"] not in app.config["LANGUAGES"]:
        raise RuntimeError(
            f"DEFAULT_LOCALE={app.config['DEFAULT_LOCALE']!r} is not one of: {', '.join(app.config['LANGUAGES'])}"
        )
    if production and not app.config.get("MONGODB_URI") and "MONGODB_SETTINGS" not in app.config:
        raise RuntimeError(
            "MONGODB_URI is not set. Production needs a real MongoDB, e.g.\n"
            "  MONGODB_URI=mongodb://localhost:27017/tumblelog"
        )
    if production and not app.config.get("TRUSTED_HOSTS"):
        raise RuntimeError(
            "TRUSTED_HOSTS is not set. Production answers only the host names it is told, e.g.\n"
            "  TRUSTED_HOSTS=blog.example.com,localhost"
        )


def warn_on_first_request(app, message):
    said = []

    @app.before_request
    def warn():
        if not said:
            said.append(True)
            log.warning(message)


def create_app(config_class=None):
    """Build the application from ``config_class`` (default: from the environment)."""
    app = Flask(__name__)
    app.config.from_object(config_class or config_from_environment())
    requestlog.register(app)
    check_config(app)
    app.config.setdefault("MONGODB_SETTINGS", mongodb_settings(app.config))
    app.config["EMBEDDED_DB"] = "mongo_client_class" in app.config["MONGODB_SETTINGS"]
    app.url_map.converters["objectid"] = ObjectIdConverter
    app.url_map.converters["slug"] = SlugConverter
    app.url_map.converters["posttype"] = PostTypeConverter
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    # flask-mongoengine-3 keeps the config of the first app it was bound to and would
    # connect every later app (each test's, for one) to that app's database.
    db.config = None
    db.init_app(app)
    bcrypt.init_app(app)
    from .i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)
    from .blog import raise_upload_limit

    # Before CSRF protection: it reads the form, under the size limit in force then.
    app.before_request(raise_upload_limit)
    csrf.init_app(app)
    login_manager.init_app(app)
    mail_extension.init_app(app)
    tasks.celery_init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", ratelimit.storage_options(app.config))
    limiter.init_app(app)
    compress.init_app(app)

    from . import (
        activity, admin, api, assets, auth, blog, cards, commands, discovery, errors, feeds, follow, health, holes,
        i18n, likes, media, oembed, outage, preview, reblogs, search, security, settings, templating, toptags, urls,
        workflow,
    )
    from . import activitypub, federation, fediverse
    from . import mentions, webmention

    app.register_blueprint(auth.bp)
    app.register_blueprint(blog.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(follow.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(likes.bp)
    app.register_blueprint(preview.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(settings.bp)
    app.register_blueprint(workflow.bp)
    app.register_blueprint(discovery.bp)
    app.register_blueprint(oembed.bp)
    app.register_blueprint(reblogs.bp)
    app.register_blueprint(activity.bp)
    app.register_blueprint(activitypub.bp)
    app.register_blueprint(fediverse.bp)
    app.register_blueprint(webmention.bp)
    federation.connect_signals()
    mentions.connect_signals()
    errors.register(app)
    outage.register(app)
    commands.register(app)
    templating.register(app)
    cards.register(app)
    holes.register(app)
    security.register(app)
    feeds.register(app)
    follow.register(app)
    likes.register(app)
    toptags.register(app)
    assets.register(app)
    urls.register(app)
    i18n.register(app)
    return app
