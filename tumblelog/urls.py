"""Absolute URLs for what other sites keep: canonical links, OpenGraph and oEmbed URLs,
sitemaps and feed ids.

They are built from the host the operator configured (the first of ``TRUSTED_HOSTS``,
else ``SERVER_NAME``), never from the ``Host`` header a request carried, which anyone
can set: a crawler or feed reader must not be told that a post lives on the attacker's
host. Only an unconfigured development server falls back to the request's own host.
"""
from urllib.parse import urlencode, urlsplit

from flask import current_app, has_request_context, request, url_for

# The query arguments that choose what a page shows; any other argument (tracking
# parameters, junk) is left out of its canonical URL.
CANONICAL_ARGS = ("page", "before", "after", "q", "type", "tag")


def configured_host():
    """The site's own host name (with port, if any), or None when none is configured."""
    config = current_app.config
    hosts = config.get("TRUSTED_HOSTS") or ()
    if isinstance(hosts, str):
        hosts = [host.strip() for host in hosts.split(",") if host.strip()]
    # A trusted host may be a pattern (".example.com" for every subdomain); only a
    # plain name can be written into a URL.
    plain = [host for host in hosts if not host.startswith(".")]
    return (plain[0] if plain else None) or config.get("SERVER_NAME")


def site_root():
    """``scheme://host`` of the site, without a trailing slash."""
    host = configured_host()
    if host:
        return f"{current_app.config['PREFERRED_URL_SCHEME']}://{host}"
    if has_request_context():
        return f"{request.scheme}://{request.host}"
    return f"{current_app.config['PREFERRED_URL_SCHEME']}://localhost"


def external_url(path):
    """``path`` (as ``url_for`` returns it, starting with "/") as an absolute URL."""
    if urlsplit(path).scheme:
        return path
    return site_root() + path


def external_url_for(endpoint, **values):
    """``url_for(endpoint, **values)`` as an absolute URL on the configured host."""
    return external_url(url_for(endpoint, **values))


def canonical_url():
    """The absolute URL of this page without the arguments that do not change it, or
    None for a page that matched no route (an error page has no canonical URL)."""
    if request.url_rule is None or request.endpoint is None:
        return None
    path = url_for(request.endpoint, **(request.view_args or {}))
    args = [(name, request.args[name]) for name in CANONICAL_ARGS if request.args.get(name)]
    return external_url(f"{path}?{urlencode(args)}" if args else path)


def register(app):
    app.jinja_env.globals["external_url"] = external_url
    app.jinja_env.globals["external_url_for"] = external_url_for
    app.jinja_env.globals["canonical_url"] = canonical_url
