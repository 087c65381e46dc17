"""Video and audio page URLs to (provider, id), and the URLs built back from them.

A video or audio post stores only the provider and the id parsed here. Every URL
the site shows, above all the iframe ``src``, is built from those two values, so
nothing a user typed ever reaches an embed.
"""

import re
from urllib.parse import parse_qs, urlsplit

PROVIDER_NAMES = {"youtube": "YouTube", "vimeo": "Vimeo"}
PROVIDERS = tuple(PROVIDER_NAMES.values())
AUDIO_PROVIDERS = ("SoundCloud", "Bandcamp")
MAX_URL_LENGTH = 2048

_ID_PATTERNS = {
    "youtube": re.compile(r"[A-Za-z0-9_-]{11}"),
    "vimeo": re.compile(r"[0-9]{1,12}"),
    # A user's track or playlist ("sets"): soundcloud.com/<user>/<track>.
    "soundcloud": re.compile(r"[A-Za-z0-9_-]{1,100}/(?:sets/)?[A-Za-z0-9_-]{1,200}"),
    # Bandcamp players need the numeric id, which only its EmbeddedPlayer URLs carry
    # (a page URL would have to be fetched to learn it, and the server fetches nothing).
    "bandcamp": re.compile(r"(?:album|track)=[0-9]{1,12}"),
}

# Only the characters RFC 3986 allows in a URL. This refuses whitespace and
# control characters (which urlsplit would silently drop), backslashes (which
# browsers read as "/"), quotes, angle brackets and look-alike Unicode dots.
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")

# Each path pattern captures a candidate id, checked against _ID_PATTERNS.
_YOUTUBE_PATH = re.compile(r"/(?:shorts|embed|live)/([^/]+)/?")
_ONE_SEGMENT = re.compile(r"/([^/]+)/?")
_VIMEO_PLAYER_PATH = re.compile(r"/video/([^/]+)/?")
_SOUNDCLOUD_PATH = re.compile(r"/([^/]+/(?:sets/)?[^/]+)/?")
_BANDCAMP_PLAYER_PATH = re.compile(r"/EmbeddedPlayer/(?:v=2/)?([^/]+)(?:/.*)?")

# Exact host names, never suffixes: "youtube.com.evil.example" must not match.
# music.youtube.com is in because its /watch?v= ids are ordinary YouTube
# videos that embed like any other; youtube-nocookie.com lets our own embed
# URLs round-trip.
_HOSTS = {
    "youtube.com": ("youtube", _YOUTUBE_PATH),
    "www.youtube.com": ("youtube", _YOUTUBE_PATH),
    "m.youtube.com": ("youtube", _YOUTUBE_PATH),
    "music.youtube.com": ("youtube", _YOUTUBE_PATH),
    "www.youtube-nocookie.com": ("youtube", _YOUTUBE_PATH),
    "youtu.be": ("youtube", _ONE_SEGMENT),
    "vimeo.com": ("vimeo", _ONE_SEGMENT),
    "www.vimeo.com": ("vimeo", _ONE_SEGMENT),
    "player.vimeo.com": ("vimeo", _VIMEO_PLAYER_PATH),
    "soundcloud.com": ("soundcloud", _SOUNDCLOUD_PATH),
    "www.soundcloud.com": ("soundcloud", _SOUNDCLOUD_PATH),
    "m.soundcloud.com": ("soundcloud", _SOUNDCLOUD_PATH),
    "bandcamp.com": ("bandcamp", _BANDCAMP_PLAYER_PATH),
}
_DEFAULT_PORTS = {"http": 80, "https": 443}

_EMBED_URLS = {
    "youtube": "https://www.youtube-nocookie.com/embed/{}",
    "vimeo": "https://player.vimeo.com/video/{}",
    "soundcloud": "https://w.soundcloud.com/player/?url=https%3A//soundcloud.com/{}",
    "bandcamp": "https://bandcamp.com/EmbeddedPlayer/{}/size=large/tracklist=false/transparent=true/",
}
# Where players come from: the Content-Security-Policy frames these and nothing else.
PLAYER_ORIGINS = tuple(sorted({"https://" + urlsplit(url).netloc for url in _EMBED_URLS.values()}))
_WATCH_URLS = {
    "youtube": "https://www.youtube.com/watch?v={}",
    "vimeo": "https://vimeo.com/{}",
    "soundcloud": "https://soundcloud.com/{}",
    "bandcamp": "https://bandcamp.com/EmbeddedPlayer/{}/",
}
# Vimeo thumbnails need a call to their API, so they have none here.
_THUMBNAIL_URLS = {"youtube": "https://i.ytimg.com/vi/{}/hqdefault.jpg"}
THUMBNAIL_SIZE = (480, 360)  # YouTube's "hqdefault", letterboxed to 4:3


class VideoURLError(ValueError):
    """A pasted video URL that is not an accepted provider's page link."""

    def __init__(self, message=None):
        super().__init__(
            message
            or f"Use a {' or '.join(PROVIDERS)} page link, such as "
            "https://www.youtube.com/watch?v=… or https://vimeo.com/123456."
        )


class AudioURLError(VideoURLError):
    """A pasted audio URL that is not a SoundCloud or Bandcamp link we can embed."""

    def __init__(self, message=None):
        super().__init__(
            message
            or "Use a SoundCloud track link (https://soundcloud.com/artist/track) or a Bandcamp "
            "player link (https://bandcamp.com/EmbeddedPlayer/track=123…, from its Share / Embed)."
        )


def parse_video_url(url: str) -> tuple[str, str]:
    """Return ``(provider, video_id)`` for a YouTube or Vimeo page URL.

    Raise :class:`VideoURLError` for anything else.
    """
    return _parse(url, ("youtube", "vimeo"), VideoURLError)


def parse_audio_url(url: str) -> tuple[str, str]:
    """Return ``(provider, audio_id)`` for a SoundCloud or Bandcamp player link.

    Raise :class:`AudioURLError` for anything else.
    """
    return _parse(url, ("soundcloud", "bandcamp"), AudioURLError)


def _parse(url, providers, error):
    """``(provider, id)`` for a link to one of ``providers``, else raise ``error``
    (the caller's error class, so each form names what it accepts)."""
    if not isinstance(url, str):
        raise error()
    url = url.strip()
    if len(url) > MAX_URL_LENGTH or not _URL_CHARS.fullmatch(url):
        raise error()

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a malformed IPv6 host or port
        raise error() from None

    # "@" means userinfo, which can disguise the real host.
    if parts.scheme not in _DEFAULT_PORTS or "@" in parts.netloc:
        raise error()
    if port is not None and port != _DEFAULT_PORTS[parts.scheme]:
        raise error()
    if parts.hostname not in _HOSTS or _HOSTS[parts.hostname][0] not in providers:
        raise error()

    provider, path_pattern = _HOSTS[parts.hostname]
    if path_pattern is _YOUTUBE_PATH and parts.path == "/watch":
        # A repeated v= is ambiguous, so it counts as none.
        ids = parse_qs(parts.query).get("v", [])
        video_id = ids[0] if len(ids) == 1 else ""
    else:
        match = path_pattern.fullmatch(parts.path)
        video_id = match[1] if match else ""

    if not _ID_PATTERNS[provider].fullmatch(video_id):
        raise error()
    return provider, video_id


def _build(templates, provider, video_id):
    # Stored values are checked again before they go into a URL, in case the
    # database holds something parse_video_url never produced.
    pattern = _ID_PATTERNS.get(provider)
    if pattern is None or not isinstance(video_id, str):
        raise ValueError(f"Unknown video provider or id: {provider!r}")
    if not pattern.fullmatch(video_id):
        raise ValueError(f"Not a valid {provider} video id: {video_id!r}")
    template = templates.get(provider)
    return template.format(video_id) if template else None


def embed_url(provider: str, video_id: str) -> str:
    """Return the iframe ``src`` for a stored video."""
    return _build(_EMBED_URLS, provider, video_id)


def watch_url(provider: str, video_id: str) -> str:
    """Return the canonical page URL of a stored video, for links and feeds."""
    return _build(_WATCH_URLS, provider, video_id)


def thumbnail_url(provider: str, video_id: str) -> str | None:
    """Return a thumbnail image URL, or ``None`` when the provider has none."""
    return _build(_THUMBNAIL_URLS, provider, video_id)
