"""API tokens: created with HTTP Basic, sent as ``Authorization: Bearer <token>``.

A token is shown once; only its SHA-256 is stored (a unique index backs it), so a copy
of the database lets nobody act as a user. Tokens expire, and ``DELETE /tokens``
revokes the one that calls it.
"""
import hashlib
import secrets
from datetime import timedelta
from functools import wraps

from flask import current_app, g, jsonify, request
from flask_login import AnonymousUserMixin

from ..extensions import db, limiter
from ..forms import PASSWORD_MAX
from ..models import User, utcnow
from ..ratelimit import TOO_MANY_TOKENS, account_key, config_limit, sign_in_limits
from ..templating import as_utc
from . import ApiError, bp
from .serialise import iso

TOKEN_PREFIX = "tlg_"  # makes a leaked token easy to recognise in logs and secret scanners
DEFAULT_LIFETIME = timedelta(days=30)
USE_RESOLUTION = timedelta(minutes=5)
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="tumblelog"'}
BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="tumblelog", charset="UTF-8"'}

class ApiToken(db.Document):
    """One issued token. MongoDB's TTL monitor removes expired ones (within a minute or
    so); ``user_for`` checks ``expires_at`` itself, so expiry is exact."""

    token_hash = db.StringField(required=True, unique=True)
    user = db.LazyReferenceField(document_type=User, required=True)
    name = db.StringField(max_length=64, default="")  # what the blogger called it
    created_at = db.DateTimeField(default=utcnow, required=True)
    expires_at = db.DateTimeField(required=True)
    last_used_at = db.DateTimeField()  # to the last USE_RESOLUTION, for the settings page

    meta = {
        "collection": "api_token",
        "indexes": [{"fields": ["expires_at"], "expireAfterSeconds": 0}, {"fields": ["user", "-created_at"]}],
    }

    @staticmethod
    def hash(token):
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name=""):
        """Create a token for ``user``; return (the token text, its document)."""
        lifetime = current_app.config.get("API_TOKEN_LIFETIME", DEFAULT_LIFETIME)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        doc = cls(token_hash=cls.hash(token), user=user, name=name, expires_at=utcnow() + lifetime).save()
        return token, doc

    @classmethod
    def of(cls, user):
        """``user``'s live tokens, newest first."""
        return cls.objects(user=user.id, expires_at__gt=utcnow()).order_by("-created_at")

    def used(self):
        """Note that the token was used now: a write at most once per USE_RESOLUTION,
        so a busy script does not double its requests' database work."""
        now = utcnow()
        if self.last_used_at is None or as_utc(self.last_used_at) < now - USE_RESOLUTION:
            ApiToken.objects(id=self.id).update_one(set__last_used_at=now)

    @classmethod
    def find(cls, token):
        """The live token document for ``token``, or None (unknown, revoked or expired)."""
        doc = cls.objects(token_hash=cls.hash(token)).first()
        if doc is None or doc.expires_at <= utcnow():
            return None
        return doc


def bearer_token():
    """The token in ``Authorization: Bearer …``, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        return None
    return token


def current_token():
    """The live token document this request carries, or None; looked up once a request
    (the rate limits' key asks for it before ``token_required`` does)."""
    if "api_token_doc" not in g:
        token = bearer_token()
        g.api_token_doc = ApiToken.find(token) if token else None
    return g.api_token_doc


def token_user_id():
    """The id of the account whose token this request carries, or None."""
    doc = current_token()
    return str(doc.user.pk) if doc else None


def api_reader():
    """Who is reading: the token's user when a live token is sent (to see their own
    drafts and private posts), else an anonymous reader. Reads need no token."""
    if "api_user" not in g:
        doc = current_token()
        g.api_token, g.api_user = doc, (User.objects(id=doc.user.pk).first() if doc else None)
    return g.api_user or AnonymousUserMixin()


def token_required(view):
    """Let the request through only with a live token; ``g.api_user`` is its user.

    The session cookie is deliberately ignored: writes need the header, which a
    cross-site form or image tag cannot send.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        doc = current_token()
        user = User.objects(id=doc.user.pk).first() if doc else None
        if user is None or not user.is_active:
            raise ApiError(401, "Send a valid token: Authorization: Bearer <token>.", headers=BEARER_CHALLENGE)
        g.api_token, g.api_user = doc, user
        doc.used()
        return view(*args, **kwargs)

    return wrapped


def basic_user():
    """The user named by valid HTTP Basic credentials, or None."""
    credentials = request.authorization
    if credentials is None or credentials.type != "basic":
        return None
    username, password = credentials.username or "", credentials.password or ""
    if len(username) > 64 or len(password) > PASSWORD_MAX:
        return None
    user = User.authenticate(username, password)
    return user if user is not None and user.is_active else None


def token_key():
    """The rate-limit key of the calling token: its hash, never the token itself."""
    return "token:" + ApiToken.hash(bearer_token() or "")


def basic_username():
    """The account a token request is aimed at, case-folded like sign-in's key."""
    credentials = request.authorization
    return account_key(credentials.username if credentials else None)


def created(response):
    return response.status_code in (201, 303)


# New tokens per account, one count for the API and the settings page (settings.py).
limit_token_creation = limiter.shared_limit(
    config_limit("RATELIMIT_TOKEN_CREATE"), scope="token-create", key_func=basic_username,
    deduct_when=created, error_message=TOO_MANY_TOKENS, override_defaults=False,
)


def token_body(token, doc):
    return {"token": token, "expires_at": iso(doc.expires_at)}


@bp.route("/tokens", methods=("POST",))
# Outermost, so every limit is checked before sign_in_limits marks the attempt as run
# (see ratelimit.account_failure_cost).
@limit_token_creation
# The sign-in form's own counters: the API is no way around its limits on guessing.
@sign_in_limits
def create_token():
    """Trade a username and password (HTTP Basic) for a token, shown this once."""
    user = basic_user()
    if user is None:
        raise ApiError(401, "Send your username and password with HTTP Basic auth.", headers=BASIC_CHALLENGE)
    token, doc = ApiToken.issue(user)
    return jsonify(token_body(token, doc)), 201, {"Cache-Control": "no-store"}


@bp.route("/tokens", methods=("DELETE",))
@token_required
def revoke_token():
    """Revoke the token this request carries."""
    ApiToken.objects(id=g.api_token.id).delete()
    return "", 204
