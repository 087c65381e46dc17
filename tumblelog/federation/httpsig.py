"""HTTP Signatures as the fediverse uses them: draft-cavage-http-signatures-12 with
``rsa-sha256`` over ``(request-target) host date digest`` and a ``Digest: SHA-256=…``
header (Mastodon refuses a signed POST without it). Signing and verifying both live
here, so the two can never disagree; nothing here knows Flask or the database.
"""
import base64
import hashlib
import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SIGNED_HEADERS = ("(request-target)", "host", "date", "digest")
# How far a request's Date may lie from our clock, either way (Mastodon allows 12 h).
MAX_CLOCK_SKEW = timedelta(hours=12)
KEY_BITS = 2048
MAX_SIGNATURE_HEADER = 4096
MAX_PUBLIC_KEY_PEM = 16_384
_PARAM = re.compile(r'\s*([a-zA-Z]+)="([^"]*)"\s*(?:,|$)')


class SignatureError(Exception):
    """The request is not signed the way we accept; the message says why."""


def new_key_pair():
    """A fresh RSA key pair as (private PEM, public PEM) strings."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private.decode(), public.decode()


def body_digest(body):
    """The ``Digest`` header's value for ``body`` (bytes)."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def _signing_string(names, method, target, headers):
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
        else:
            lines.append(f"{name}: {headers[name]}")
    return "\n".join(lines).encode()


def sign(method, url, body, key_id, private_pem, now=None):
    """The headers (Host, Date, Digest, Signature) that sign a request of ``body``
    (bytes, may be empty) to ``url`` with the key ``key_id``."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    headers = {
        "host": parts.netloc,
        "date": format_datetime(now or datetime.now(timezone.utc), usegmt=True),
        "digest": body_digest(body or b""),
    }
    # Our own key, made by new_key_pair: checking its maths again on every signature
    # would cost tens of milliseconds each.
    key = serialization.load_pem_private_key(private_pem.encode(), password=None, unsafe_skip_rsa_key_validation=True)
    signature = key.sign(_signing_string(SIGNED_HEADERS, method, target, headers), padding.PKCS1v15(), hashes.SHA256())
    headers["signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(SIGNED_HEADERS)}",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )
    return {name.title(): value for name, value in headers.items()}


def parse_signature(value):
    """The parameters of a ``Signature`` header, as a dict; SignatureError if malformed."""
    if not value:
        raise SignatureError("The request is not signed.")
    if len(value) > MAX_SIGNATURE_HEADER:
        raise SignatureError("The Signature header is too long.")
    params = {}
    position = 0
    while position < len(value):
        match = _PARAM.match(value, position)
        if not match:
            raise SignatureError("The Signature header is malformed.")
        params[match.group(1)] = match.group(2)
        position = match.end()
    for required in ("keyId", "signature"):
        if not params.get(required):
            raise SignatureError(f"The Signature header has no {required}.")
    return params


def check_request(params, method, target, headers, body, now=None):
    """Check what can be checked before the key is known: the signed header list,
    ``Date`` freshness and ``Digest``. ``headers`` maps lower-case names to values."""
    if params.get("algorithm", "rsa-sha256").lower() not in ("rsa-sha256", "hs2019"):
        raise SignatureError("Only rsa-sha256 signatures are accepted.")
    names = params.get("headers", "date").lower().split()
    missing = [name for name in SIGNED_HEADERS if name not in names]
    if missing:
        raise SignatureError("The signature must cover " + ", ".join(missing) + ".")
    if any(name != "(request-target)" and name not in headers for name in names):
        raise SignatureError("A signed header is missing from the request.")
    try:
        date = parsedate_to_datetime(headers["date"])
    except (TypeError, ValueError):
        raise SignatureError("The Date header is not a date.") from None
    if date.tzinfo is None:
        raise SignatureError("The Date header has no time zone.")
    if abs((now or datetime.now(timezone.utc)) - date) > MAX_CLOCK_SKEW:
        raise SignatureError("The Date header is too far from now.")
    # Several digests may be listed; ours must be among them.
    if body_digest(body) not in (part.strip() for part in headers["digest"].split(",")):
        raise SignatureError("The Digest header does not match the body.")
    return _signing_string(names, method, target, headers)


def verify(signed, params, public_pem):
    """Raise SignatureError unless ``params["signature"]`` signs ``signed`` (bytes,
    from ``check_request``) with the RSA key ``public_pem``."""
    try:
        signature = base64.b64decode(params["signature"], validate=True)
        key = serialization.load_pem_public_key(public_pem.encode())
    except (ValueError, TypeError, UnicodeError):
        raise SignatureError("The signature or the key is malformed.") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError("The key is not an RSA key.")
    try:
        key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise SignatureError("The signature does not match.") from None
