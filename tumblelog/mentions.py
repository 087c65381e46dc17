"""Webmention (the W3C Recommendation): other sites telling a post they link to it, and
this site telling the sites a post links to.

Receiving: ``POST /webmention`` (webmention.py) checks ``source`` and ``target`` at once
(``target_post``) and queues ``verify`` (tasks.verify_webmention). The job fetches the
source through the one outgoing client (federation/net.py: private, loopback and
link-local addresses refused, a size cap and a deadline), checks that it really links
to the target, reads its h-entry (htmlscan.py) and keeps one ``Mention`` per source and
post. A re-sent mention is fetched again: updated, or forgotten when the source is gone
or no longer links. A shown mention is a note on the post (``Note``, kind
``webmention``), counted in ``Post.mention_count``, and its author is notified; the
site's comment policy may hold it for moderators first (``SiteSettings.holds``).

Sending: saving a published public post queues ``send`` (tasks.send_webmentions), which
discovers the Webmention endpoint of each page the post links to (the HTTP ``Link``
header, then ``<link>``/``<a rel="webmention">``) and posts ``source``/``target`` to it.
The pages told are remembered (``Told``): a save that drops a link or takes the post out
of readers' sight, or its deletion, tells them again, and they find the link gone.
"""
import logging
import re
from datetime import datetime, timezone
from urllib.parse import urlencode, urljoin, urlsplit

from flask import current_app, has_app_context, has_request_context, request
from mongoengine import NotUniqueError, signals
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from .extensions import db
from .federation import net
from .htmlscan import Microformat, scan
from .mail import links_to
from .models import (
    NAME_MAX, POST_TYPES, TITLE_MAX, URL_MAX, Post, http_url_error, post_deleted, shorten, utcnow, went_live,
)
from .moderation import SiteSettings
from .notes import EXCERPT_MAX, Note, Reblog, notify, root_of
from .urls import configured_host, external_url, site_root

log = logging.getLogger(__name__)

MAX_REDIRECTS = 3  # followed when fetching a source or discovering an endpoint
MAX_TARGETS = 20  # links of one post that are told about it
TRIES = 5  # fetches of a source that answers 5xx or cannot be reached
HTML_TYPES = ("text/html", "application/xhtml+xml")
ACCEPT_HTML = "text/html, application/xhtml+xml;q=0.9"
# An h-entry property naming the target says what kind of mention it is.
KIND_PROPERTIES = {"in-reply-to": "reply", "like-of": "like", "repost-of": "repost", "bookmark-of": "bookmark"}
KINDS = ("mention", *KIND_PROPERTIES.values())
LINK_HEADER = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]*)*)")
REL_PARAMETER = re.compile(r"""(?i)\brel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))""")


class Refused(ValueError):
    """A Webmention request this site does not take; the message says why (a 400)."""


class TryLater(Exception):
    """The other server could not be reached or failed (5xx, 429): worth another try."""


class Mention(db.Document):
    """A verified Webmention: ``source`` links to ``post`` (at ``target``). ``state``
    None: shown (with a ``Note``); "held" for moderators; "removed" by one, kept so that
    sending it again does not bring it back."""

    source = db.StringField(required=True, max_length=URL_MAX)
    post = db.ObjectIdField(required=True)
    target = db.StringField(required=True, max_length=URL_MAX)
    kind = db.StringField(choices=KINDS, default="mention")
    author_name = db.StringField(max_length=NAME_MAX, default="")
    author_url = db.StringField(max_length=URL_MAX, default="")
    author_photo = db.StringField(max_length=URL_MAX, default="")
    title = db.StringField(max_length=TITLE_MAX, default="")
    excerpt = db.StringField(max_length=EXCERPT_MAX, default="")
    published = db.DateTimeField()
    state = db.StringField(choices=("held", "removed"))
    created_at = db.DateTimeField(default=utcnow, required=True)
    updated_at = db.DateTimeField(default=utcnow, required=True)

    meta = {
        "collection": "mention",
        "indexes": [
            {"fields": ["source", "post"], "unique": True},  # one mention per source and post
            {"fields": ["post"]},
            {"fields": ["state", "-created_at", "-id"]},  # the moderators' queue
        ],
    }

    @property
    def host(self):
        return urlsplit(self.source).hostname or ""

    @property
    def shown_name(self):
        """Who readers see as its author: the h-card's name, else the source's host."""
        return self.author_name or self.host


# --- receiving ----------------------------------------------------------------------


def accepts_mentions(post):
    """Whether ``post`` takes mentions, and is announced to the links it holds: what
    the site's lists show (published, public, not hidden), as federation does."""
    return post.is_listed()


def target_post(source, target):
    """The post ``target`` is the permalink of, for a Webmention from ``source``;
    ``Refused`` with the reason unless both are http(s) URLs, they differ, and the
    target is one of this site's published public posts."""
    for name, url in (("source", source), ("target", target)):
        if not url:
            raise Refused(f"Give the {name} URL.")
        error = http_url_error(url)
        if error:
            raise Refused(f"The {name} is not usable: {error}")
    if source.split("#")[0] == target.split("#")[0]:
        raise Refused("The source and the target are the same page.")
    parts = urlsplit(target)
    if parts.netloc.lower() not in {host.lower() for host in (configured_host(), request.host) if host}:
        raise Refused("The target is not on this site.")
    adapter = current_app.url_map.bind(parts.netloc, script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    try:
        endpoint, args = adapter.match(parts.path or "/", method="GET")
    except (HTTPException, RequestRedirect):
        endpoint, args = None, {}
    if endpoint != "blog.show":
        raise Refused("The target is not a post of this site.")
    post = Post.objects(id=args["post_id"]).exclude("comments", "held_comments", "search_terms").first()
    if post is None or not accepts_mentions(post):
        raise Refused("The target is not a post of this site.")
    return post


def fetch(url, accept, truncate=False):
    """GET ``url`` through ``net`` (its checks apply to every hop), following up to
    ``MAX_REDIRECTS`` redirects; the last ``net.Response``. ``TryLater`` when the server
    cannot be reached or answers 429 or 5xx; ``net.FetchError`` when it may not be asked
    (a private address) or its answer is unusable (too large, too many redirects)."""
    for _ in range(MAX_REDIRECTS + 1):
        try:
            response = net.exchange("GET", url, headers={"Accept": accept}, truncate=truncate)
        except net.FetchError as error:
            if isinstance(error.__cause__, OSError):
                raise TryLater(str(error)) from error
            raise
        if response.status == 429 or response.status >= 500:
            raise TryLater(f"{url[:200]} answered {response.status}")
        location = response.headers.get("Location")
        if response.status not in (301, 302, 303, 307, 308) or not location:
            return response
        url = urljoin(url, location)
    raise net.FetchError(f"more than {MAX_REDIRECTS} redirects from {url[:200]}")


def is_html(response):
    return (response.headers.get_content_type() or "").lower() in HTML_TYPES


def page_text(response):
    """The body as text in the charset its Content-Type names, or as bytes for the
    parser to decode by its ``<meta charset>`` when it names none."""
    charset = response.headers.get_content_charset()
    if charset:
        try:
            return response.body.decode(charset, errors="replace")
        except LookupError:
            pass
    return response.body


def verify(source, target, post_id):
    """Fetch ``source`` and keep, update or forget its mention of the post; return what
    happened ("shown", "held", "updated", "forgotten", "ignored")."""
    post = Post.objects(id=post_id).exclude("comments", "held_comments", "search_terms").first()
    if post is None or not accepts_mentions(post):
        return "ignored"
    try:
        response = fetch(source, ACCEPT_HTML)
    except net.FetchError as error:
        log.info("webmention: %s not fetched: %s", source[:200], error)
        return "ignored"
    if response.status in (404, 410):
        return forget(source, post.id)
    if response.status != 200:
        log.info("webmention: %s answered %s", source[:200], response.status)
        return "ignored"
    page = scan(page_text(response), response.url) if is_html(response) else None
    if page is None or not page.links_to(target):
        return forget(source, post.id)
    return record(post, source, target, describe(page, source, target))


def describe(page, source, target):
    """A mention's fields from the source's page: its h-entry if it has one (author,
    text, time, kind), else its title."""
    entry = page.entry or Microformat([])
    author = entry.first("author")
    if isinstance(author, Microformat):
        name, url, photo = author.text_of("name"), author.text_of("url"), author.text_of("photo")
    else:
        name, url, photo = author or "", "", ""
    title = entry.text_of("name") if entry.has_explicit_name else page.title
    text = entry.text_of("content") or entry.text_of("summary") or title
    kind = next((kind for prop, kind in KIND_PROPERTIES.items()
                 if any(url.split("#")[0] == target.split("#")[0] for url in entry.urls_of(prop))), "mention")
    return {
        "kind": kind,
        "author_name": shorten(name, NAME_MAX),
        "author_url": url if url and not http_url_error(url) else "",
        "author_photo": photo if photo and not http_url_error(photo) else "",
        "title": shorten(title, TITLE_MAX),
        "excerpt": shorten(text, EXCERPT_MAX),
        "published": parse_time(entry.text_of("published")),
        "target": target,
    }


def parse_time(text):
    """An ISO 8601 time as aware UTC, or None."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def record(post, source, target, fields):
    """Keep the verified mention of ``post`` by ``source``: a new one is shown (or held,
    as the comment policy says); a known one gets the source's new text."""
    now = utcnow()
    held = SiteSettings.current().holds(fields["excerpt"], anonymous=True)
    update = {f"set__{name}": value for name, value in fields.items()}
    mentions = Mention.objects(source=source, post=post.id)
    try:
        # One atomic upsert (the unique index keeps it one): only its inserter shows it.
        before = mentions.modify(upsert=True, new=False, set__updated_at=now, set_on_insert__created_at=now,
                                 set_on_insert__state="held" if held else None, **update)
    except NotUniqueError:
        before = mentions.modify(new=False, set__updated_at=now, **update)
    mention = mentions.first()
    if before is not None:
        if mention.state is None:
            Note.objects(mention=mention.id).update(set__actor_name=mention.shown_name, set__excerpt=mention.excerpt)
        return "updated"
    if held:
        return "held"
    shown(mention, post)
    return "shown"


def forget(source, post_id):
    """The source is gone or no longer links: its mention goes (spec §3.2.3)."""
    gone = Mention.objects(source=source, post=post_id).modify(remove=True)
    if gone is not None and gone.state is None:
        unshown(gone)
    return "forgotten"


def shown(mention, post):
    """A mention readers now see: its note, the post's count, its author told."""
    Post.objects(id=post.id).update_one(inc__mention_count=1)
    Note(root=root_of(post), post=post.id, kind="webmention", actor_name=mention.shown_name,
         mention=mention.id, url=mention.source, excerpt=mention.excerpt).save()
    notify(post.author.pk, "webmention", None, post, actor_name=mention.shown_name)


def unshown(mention):
    Post.objects(id=mention.post).update_one(__raw__={"$inc": {"mention_count": -1}})
    Note.objects(mention=mention.id).delete()


def approve(mention):
    """Show a held mention; False if it is no longer held (a moderator acted first)."""
    if not Mention.objects(id=mention.id, state="held").update_one(unset__state=True):
        return False
    post = Post.objects(id=mention.post).exclude("comments", "held_comments", "search_terms").first()
    if post is not None:
        shown(mention, post)
    return True


def remove(mention):
    """Take a mention away for good (sending it again does not bring it back)."""
    before = Mention.objects(id=mention.id, state__ne="removed").modify(set__state="removed")
    if before is None:
        return False
    if before.state is None:
        unshown(before)
    return True


@post_deleted.connect
def _on_post_deleted(post):
    Mention.objects(post=post.id).delete()  # its notes go with the post's (notes.py)
    queue_send(post)  # the pages it linked to learn that it is gone


# --- sending ------------------------------------------------------------------------


class Told(db.Document):
    """The pages a post last told that it links to them (spec §3.1.3: tell them again
    when an update drops the link)."""

    post = db.ObjectIdField(primary_key=True)
    targets = db.ListField(field=db.StringField(max_length=URL_MAX), max_length=MAX_TARGETS)

    meta = {"collection": "mention_told"}


def links_of(post, source):
    """The pages ``post`` links to (its text's links, a link post's URL), other sites'
    only, each once, the first ``MAX_TARGETS``."""
    html = "".join(getattr(post, name, None) or "" for name in ("body_html", "description_html", "comment_html"))
    links = [post.url] if isinstance(getattr(post, "url", None), str) else []
    if html:
        links += scan(html, source).hrefs
    own = urlsplit(source).netloc
    return [link for link in dict.fromkeys(links) if urlsplit(link).netloc != own and not http_url_error(link)][:MAX_TARGETS]


def discover(target):
    """The Webmention endpoint of the page at ``target``, or None: the first ``Link``
    header with ``rel="webmention"``, else the first ``<link>``/``<a>`` with it,
    resolved against the page's final URL (spec §3.1.2)."""
    response = fetch(target, ACCEPT_HTML, truncate=True)
    if response.status >= 400:
        return None
    for header in response.headers.get_all("Link") or ():
        for address, parameters in LINK_HEADER.findall(header):
            rels = " ".join(a or b for a, b in REL_PARAMETER.findall(parameters)).lower().split()
            if "webmention" in rels:
                return urljoin(response.url, address.strip())
    if is_html(response):
        return scan(page_text(response), response.url).endpoint
    return None


def send(post_id, source):
    """Tell each page ``post_id`` links to, and each it linked to when last sent, that
    ``source`` (its permalink) mentions it (or no longer does: a deleted or hidden post's
    links are none); return how many endpoints accepted. One failing site never stops
    the others."""
    post = Post.objects(id=post_id).exclude("comments", "held_comments", "search_terms").first()
    current = links_of(post, source) if post is not None and accepts_mentions(post) else []
    told = Told.objects(post=post_id).first()
    if current:
        Told.objects(post=post_id).update_one(upsert=True, set__targets=current)
    elif told:
        told.delete()
    accepted = 0
    for target in dict.fromkeys(current + (told.targets if told else [])):
        try:
            endpoint = discover(target)
            if endpoint is None:
                continue
            body = urlencode({"source": source, "target": target}).encode()
            response = net.exchange("POST", endpoint, body=body,
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
        except (net.FetchError, TryLater) as error:
            log.info("webmention: %s not told: %s", target[:200], error)
            continue
        if 200 <= response.status < 300:
            accepted += 1
        else:
            log.info("webmention: %s refused the mention of %s with %s", endpoint[:200], target[:200], response.status)
    return accepted


def queue_send(post):
    """Queue ``send`` for ``post``. Only in a request, whose host names the permalink (a
    command such as ``seed`` sends nothing)."""
    if has_request_context() and current_app.config["WEBMENTION_SEND"]:
        from .tasks import enqueue, send_webmentions

        enqueue(send_webmentions, str(post.id), external_url(post.permalink()))


def post_saved(sender, document, **kwargs):
    if isinstance(document, Post):
        queue_send(document)


@went_live.connect
def _on_went_live(post):
    # In a request, the save that published the post queued the sending already. A
    # queued or scheduled post goes live in `flask posts publish-due`, outside any
    # request: sent only by a site that knows its host name (TRUSTED_HOSTS, as production
    # requires), which its permalink then names. The demo's seed sends nothing.
    if not has_request_context() and has_app_context() and configured_host():
        with links_to(site_root()):
            queue_send(post)


def connect_signals():
    """Listen for saved posts (idempotent), on the post classes only, as federation does
    (reblogs too: their comments link)."""
    for cls in (Post, *POST_TYPES.values(), Reblog):
        signals.post_save.connect(post_saved, sender=cls)
