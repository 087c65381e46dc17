"""The one way the site talks to other servers: federation (``fetch_json``, ``request``)
and Webmention (``exchange``, which also gives the headers).

A user-given address (an actor id, a key id, an inbox, a Webmention source or a link in
a post) could point at our own network,
so every request resolves the host, refuses it unless every address is public (unless
``FEDERATION_ALLOW_PRIVATE``, for tests on loopback), and then connects to the address
it checked, so a second DNS answer cannot swap in another. Timeouts and a size cap
bound what a slow or huge answer costs (the whole answer must arrive within
``DEADLINE``, so a server trickling a byte at a time cannot hold a worker); redirects
are not followed here (``mentions.fetch`` follows a few, each checked again).
"""
import http.client
import ipaddress
import json
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app

from . import httpsig

TIMEOUT = 10  # seconds, for connecting and for each read
DEADLINE = 30  # seconds for a whole answer
MAX_RESPONSE = 1024 * 1024
USER_AGENT = "tumblelog (ActivityPub)"
ACTIVITY_JSON = "application/activity+json"


class FetchError(Exception):
    """The remote server could not be reached, refused, or answered unusably."""


def public_address(address):
    """Whether ``address`` (an IP string) is on the public internet."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def checked_address(host, port):
    """The address to connect to for ``host``; FetchError unless every address it
    resolves to may be reached."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise FetchError(f"{host} does not resolve") from error
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise FetchError(f"{host} does not resolve")
    if not current_app.config["FEDERATION_ALLOW_PRIVATE"] and not all(map(public_address, addresses)):
        raise FetchError(f"{host} is a private, loopback or link-local address")
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host, port, address):
        super().__init__(host, port, timeout=TIMEOUT)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, address):
        super().__init__(host, port, timeout=TIMEOUT)
        self.address = address
        self.tls = ssl.create_default_context()

    def connect(self):
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


@dataclass
class Response:
    status: int
    headers: object  # an http.client.HTTPMessage: get_all("Link") reads every Link header
    body: bytes
    url: str


def exchange(method, url, body=None, headers=None, truncate=False):
    """Send one request; return its ``Response``, whose body is at most ``MAX_RESPONSE``
    bytes: a longer one is a FetchError, or cut there when ``truncate``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"not an http(s) URL: {url[:200]}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise FetchError(f"bad port in {url[:200]}") from error
    connection_class = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    connection = connection_class(parts.hostname, port, checked_address(parts.hostname, port))
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(method, target, body=body, headers={"User-Agent": USER_AGENT, **(headers or {})})
        response = connection.getresponse()
        data = _read(response, time.monotonic() + DEADLINE)
    except (OSError, http.client.HTTPException) as error:
        raise FetchError(f"{parts.netloc}: {error}") from error
    finally:
        connection.close()
    if len(data) > MAX_RESPONSE:
        if not truncate:
            raise FetchError(f"{parts.netloc} answered more than {MAX_RESPONSE} bytes")
        data = data[:MAX_RESPONSE]
    return Response(response.status, response.headers, data, url)


def _read(response, deadline):
    """The body, at most one byte past ``MAX_RESPONSE``, read before ``deadline``."""
    chunks, size = [], 0
    while size <= MAX_RESPONSE:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the answer took more than {DEADLINE} s")
        chunk = response.read1(min(65536, MAX_RESPONSE + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def request(method, url, body=None, headers=None):
    """Send one request; return (status, body bytes at most ``MAX_RESPONSE``)."""
    response = exchange(method, url, body, headers)
    return response.status, response.body


def fetch_json(url, signed_by=None):
    """GET an ActivityStreams document; FetchError unless it is a JSON object.
    ``signed_by`` (key id, private PEM) signs the GET, as servers in "authorized fetch"
    mode (Mastodon's secure mode) require of every fetch."""
    headers = {"Accept": ACTIVITY_JSON}
    if signed_by:
        headers.update(httpsig.sign("GET", url, b"", *signed_by))
    status, data = request("GET", url, headers=headers)
    if status != 200:
        raise FetchError(f"{url[:200]} answered {status}")
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise FetchError(f"{url[:200]} is not JSON") from error
    if not isinstance(document, dict):
        raise FetchError(f"{url[:200]} is not a JSON object")
    return document
