"""The fediverse's view of the site: WebFinger, NodeInfo, each blogger's actor
document (``/user/<name>`` asked for ActivityStreams), outbox, followers, following
and inbox. Every route is a 404 while ``FEDERATION_ENABLED`` is off."""
import click
from flask import Blueprint, abort, current_app, request
from flask.json import dumps

from .extensions import csrf, limiter
from .federation import federated, objects, outbox_activity
from .federation.inbox import MAX_BODY, Refused, receive
from .federation.models import ActorKey, BlockedDomain, Follower, RemoteFollowing
from .models import Post, User
from .moderation import SiteSettings
from .ratelimit import config_limit
from .urls import external_url_for, site_root

bp = Blueprint("activitypub", __name__, cli_group="federation")
bp.cli.help = "Look after federation: block and unblock fediverse domains."
csrf.exempt(bp)  # other servers post here; their requests are signed instead

# Werkzeug matches a media type's parameters too, so the profiled form is named as well.
ACTIVITY_TYPES = (
    "application/activity+json",
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
    "application/ld+json",
)
OUTBOX_PAGE = 20
MAX_OUTBOX_PAGES = 100


def enabled():
    return current_app.config["FEDERATION_ENABLED"]


@bp.before_request
def only_when_enabled():
    if not enabled():
        abort(404)


def document(body, status=200, content_type="application/activity+json"):
    return current_app.response_class(dumps(body), status=status, content_type=content_type)


def not_found(message):
    """A JSON 404 for a machine: no HTML error page (which would need the database)."""
    abort(document({"error": message}, 404, "application/json"))


def blogger_or_404(username):
    return User.by_username(username) or not_found("There is no blogger of that name here.")


def wants_activity():
    """Whether the client prefers ActivityStreams to the HTML page."""
    best = request.accept_mimetypes.best_match(("text/html", *ACTIVITY_TYPES))
    return best in ACTIVITY_TYPES


def actor(user):
    body = objects.actor_document(user, ActorKey.for_user(user.pk).public_pem)
    response = document(body)
    response.vary.add("Accept")
    return response


@bp.before_app_request
def actor_on_blog_page():
    """``/user/<name>`` is also the blogger's actor, for clients asking for it."""
    if request.endpoint == "blog.user" and enabled() and wants_activity():
        return actor(blogger_or_404(request.view_args["username"]))
    return None


@bp.after_app_request
def blog_page_varies_by_accept(response):
    if request.endpoint == "blog.user":
        response.vary.add("Accept")
    return response


@bp.route("/.well-known/webfinger")
def webfinger():
    resource = request.args.get("resource", "")
    name, _, host = resource.removeprefix("acct:").lstrip("@").rpartition("@")
    if not resource.startswith("acct:") or host.lower() != objects.site_host().lower():
        not_found("Ask for acct:name@host, with this site's host.")
    user = blogger_or_404(name)
    url = objects.actor_url(user.username)
    return document(
        {
            "subject": f"acct:{user.username}@{objects.site_host()}",
            "aliases": [url],
            "links": [
                {"rel": "self", "type": "application/activity+json", "href": url},
                {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": url},
            ],
        },
        content_type="application/jrd+json",
    )


@bp.route("/.well-known/nodeinfo")
def nodeinfo_links():
    return document(
        {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": external_url_for(".nodeinfo")}]},
        content_type="application/json",
    )


@bp.route("/nodeinfo/2.1")
def nodeinfo():
    site = SiteSettings.shown()
    return document(
        {
            "version": "2.1",
            "software": {"name": "tumblelog", "version": "1.0", "homepage": site_root() + "/"},
            "protocols": ["activitypub"],
            "services": {"inbound": [], "outbound": ["atom1.0"]},
            "openRegistrations": site.signups == "open",
            "usage": {"users": {"total": User.objects.count()}, "localPosts": Post.objects.count()},
            # Where Mastodon and Misskey read a server's name and description.
            "metadata": {"nodeName": site.title, "nodeDescription": site.description},
        },
        content_type='application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"',
    )


def collection(url, total, first=None):
    body = {"@context": objects.CONTEXT[0], "id": url, "type": "OrderedCollection", "totalItems": total}
    if first:
        body["first"] = first
    return document(body)


@bp.route("/user/<username>/outbox")
def outbox(username):
    """The blogger's posts as ``Create`` activities (boosts as ``Announce``), newest
    first, a page at a time."""
    user = blogger_or_404(username)
    url = external_url_for(".outbox", username=user.username)
    posts = Post.listing().filter(author=user.pk)
    page = request.args.get("page", type=int)
    if page is None:
        return collection(url, posts.count(), first=f"{url}?page=1")
    if not 1 <= page <= MAX_OUTBOX_PAGES:
        not_found(f"Outbox pages run from 1 to {MAX_OUTBOX_PAGES}.")
    found = list(posts.skip((page - 1) * OUTBOX_PAGE).limit(OUTBOX_PAGE + 1))
    items = [outbox_activity(post) for post in found[:OUTBOX_PAGE] if federated(post)]
    body = {
        "@context": objects.CONTEXT[0],
        "id": f"{url}?page={page}",
        "type": "OrderedCollectionPage",
        "partOf": url,
        "orderedItems": items,
    }
    if len(found) > OUTBOX_PAGE and page < MAX_OUTBOX_PAGES:
        body["next"] = f"{url}?page={page + 1}"
    return document(body)


@bp.route("/user/<username>/followers")
def followers(username):
    """How many follow the blogger from the fediverse (who they are stays private)."""
    user = blogger_or_404(username)
    count = Follower.objects(user=user.pk, pending__ne=True).count()
    return collection(external_url_for(".followers", username=user.username), count)


@bp.route("/user/<username>/following")
def following(username):
    user = blogger_or_404(username)
    count = RemoteFollowing.objects(user=user.pk, accepted=True).count()
    return collection(external_url_for(".following", username=user.username), count)


@bp.route("/user/<username>/inbox", methods=("POST",))
@limiter.limit(config_limit("RATELIMIT_INBOX"))
def inbox(username):
    """Take one signed activity: 202 when taken, 4xx with the reason when not."""
    user = blogger_or_404(username)
    if (request.content_length or 0) > MAX_BODY:
        return document({"error": "The activity is too large."}, 413, "application/json")
    request.max_content_length = MAX_BODY
    body = request.get_data(cache=False)
    target = request.path + (f"?{request.query_string.decode('latin-1')}" if request.query_string else "")
    headers = {name.lower(): value for name, value in request.headers.items()}
    try:
        receive(user, request.method, target, headers, body)
    except Refused as refusal:
        return document({"error": str(refusal)}, refusal.status, "application/json")
    return document({}, 202, "application/json")


@bp.cli.command("block")
@click.argument("domain")
def block(domain):
    """Block DOMAIN and its subdomains: refuse their activities, deliver nothing to
    them, and forget their followers and posts."""
    try:
        click.echo(f"Blocked {BlockedDomain.block(domain)} and its subdomains.")
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="DOMAIN") from None


@bp.cli.command("unblock")
@click.argument("domain")
def unblock(domain):
    """Take DOMAIN off the block list."""
    try:
        done = BlockedDomain.unblock(domain)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="DOMAIN") from None
    click.echo(f"Unblocked {domain}." if done else f"{domain} was not blocked.")
