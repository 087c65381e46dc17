"""Our side as ActivityStreams documents: a blogger as a ``Person``, a post as the
object Mastodon, Misskey and others render best, and the activities around them.

Each post type names how it maps in ``CONTENT`` (its object type and its HTML); a type
with no entry (one added later) falls back to a ``Note`` linking its permalink, so a
new type federates from the day it exists and reads well once it has an entry.
"""
import uuid

from urllib.parse import urlsplit

from markupsafe import Markup, escape

from ..models import CONTENT_LABELS, media_src
from ..urls import external_url, external_url_for, site_root

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]


def site_host():
    """The host name (and port) in our handles and ids: the configured one (``urls``),
    never whatever ``Host`` a request carried."""
    return urlsplit(site_root()).netloc


def actor_url(username):
    return external_url_for("blog.user", username=username)


def followers_url(username):
    return external_url_for("activitypub.followers", username=username)


def key_id(username):
    return actor_url(username) + "#main-key"


def post_url(post):
    """The post's ActivityPub id: its permalink without the slug, which a new title
    changes (an id never changes)."""
    return external_url_for("blog.show", post_id=post.id)


def post_page_url(post):
    """Where a person reads the post: its readable permalink."""
    return external_url_for("blog.show", post_id=post.id, slug=post.slug)


def iso(moment):
    """A datetime as ActivityStreams writes it: UTC, seconds, a Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def actor_document(user, public_pem):
    """``user`` as a ``Person``; ``public_pem`` is the public half of their key."""
    url = actor_url(user.username)
    document = {
        "@context": CONTEXT,
        "id": url,
        "type": "Person",
        "preferredUsername": user.username,
        "name": getattr(user, "display_name", None) or user.username,
        "summary": str(escape(getattr(user, "bio", None) or "")),
        "url": url,
        "inbox": external_url_for("activitypub.inbox", username=user.username),
        "outbox": external_url_for("activitypub.outbox", username=user.username),
        "followers": external_url_for("activitypub.followers", username=user.username),
        "following": external_url_for("activitypub.following", username=user.username),
        "published": iso(user.created_at),
        "manuallyApprovesFollowers": bool(getattr(user, "approve_followers", False)),
        "discoverable": True,
        "publicKey": {"id": key_id(user.username), "owner": url, "publicKeyPem": public_pem},
    }
    if user.avatar_large:
        document["icon"] = {"type": "Image", "url": media_src("", user.avatar_large, external=True)}
    return document


def _paragraph(text):
    return Markup("<p>{}</p>").format(text) if text else Markup("")


def _link(url):
    return Markup('<p><a href="{0}">{0}</a></p>').format(url)


def _blog(post):
    return "Article", Markup(post.body_html or ""), {"name": post.title}


def _image_attachment(url, file_id, alt, width, height):
    image = {"type": "Image", "url": external_url(media_src(url, file_id)), "name": alt}
    if width and height:
        image.update(width=width, height=height)
    return image


def _image(post):
    image = _image_attachment(post.image_url, post.image_file, post.alt_text, post.width, post.height)
    return "Note", _paragraph(post.caption), {"attachment": [image]}


def _photoset(post):
    images = [_image_attachment(p.url, p.file, p.alt or post.caption, p.width, p.height) for p in post.photos]
    return "Note", _paragraph(post.caption), {"attachment": images}


def _video(post):
    return "Note", _paragraph(post.caption) + _link(post.watch_url), {}


def _quote(post):
    source = Markup("<p>— {}</p>").format(post.source) if post.source else Markup("")
    return "Note", Markup("<blockquote><p>{}</p></blockquote>").format(post.quote) + source, {}


def _link_post(post):
    title = Markup('<p><a href="{}">{}</a></p>').format(post.url, post.title)
    return "Note", title + Markup(post.description_html or ""), {}


def _audio(post):
    heading = _paragraph(post.title)
    if post.audio_file:
        audio = {"type": "Audio", "url": external_url(media_src("", post.audio_file)), "name": post.title or "Audio"}
        if post.audio_type:
            audio["mediaType"] = post.audio_type
        return "Note", heading, {"attachment": [audio]}
    return "Note", heading + _link(post.audio_url), {}


def _chat(post):
    lines = Markup("").join(
        Markup("<li><strong>{}:</strong> {}</li>").format(line.speaker, line.line) if line.speaker
        else Markup("<li>{}</li>").format(line.line)
        for line in post.dialogue
    )
    return "Note", _paragraph(post.title) + Markup("<ul>{}</ul>").format(lines), {}


def _reblog(post):
    # A reblog with a comment: the comment, then the original's link, as Mastodon's
    # quote posts write it (a reblog without one is an Announce instead).
    original = Markup('<p>RE: <a href="{0}">{0}</a></p>').format(external_url_for("blog.show", post_id=post.reblog_of))
    return "Note", Markup(post.comment_html or "") + original, {}


# How each post type maps; a type missing here falls back to ``_fallback``.
CONTENT = {
    "blog": _blog, "image": _image, "video": _video, "quote": _quote,
    "link": _link_post, "audio": _audio, "chat": _chat, "photoset": _photoset, "reblog": _reblog,
}


def _fallback(post):
    return "Note", _link(post_page_url(post)), {}


def hashtags(post):
    return [
        {"type": "Hashtag", "href": external_url_for("blog.tag", tag=tag), "name": f"#{tag}"}
        for tag in post.tags
    ]


def audience(post):
    """``to`` and ``cc`` of a post: public; an unlisted post as Mastodon's "unlisted"
    (its followers, and public only by link: in no public timeline or tag search)."""
    followers = [followers_url(post.author_name)]
    if getattr(post, "visibility", "public") == "unlisted":
        return {"to": followers, "cc": [PUBLIC]}
    return {"to": [PUBLIC], "cc": followers}


def post_object(post):
    """A published post as an ActivityStreams object."""
    kind, content, extra = CONTENT.get(post.type, _fallback)(post)
    tags = hashtags(post)
    if tags:
        content += Markup("<p>{}</p>").format(
            Markup(" ").join(Markup('<a rel="tag" class="hashtag" href="{}">{}</a>').format(t["href"], t["name"]) for t in tags)
        )
    document = {
        "id": post_url(post),
        "type": kind,
        "attributedTo": actor_url(post.author_name),
        "url": post_page_url(post),
        "published": iso(post.created_at),
        **audience(post),
        "content": str(content),
        "tag": tags,
        **extra,
    }
    if post.updated_at and iso(post.updated_at) != iso(post.created_at):
        document["updated"] = iso(post.updated_at)
    if post.labels:
        # Mastodon and Misskey fold a sensitive post behind its summary, a content warning.
        document["sensitive"] = True
        document["summary"] = ", ".join(CONTENT_LABELS[label] for label in post.labels)
    return document


def activity(kind, username, obj, activity_id=None):
    """An activity of ``kind`` by ``username`` on ``obj`` (a document or an id). Its id
    defaults to one under our object's; an activity on someone else's object needs
    ``activity_id`` (ids must live on the actor's host), e.g. from ``new_id``."""
    document = {
        "@context": CONTEXT,
        "id": activity_id or f"{obj['id']}#{kind.lower()}",
        "type": kind,
        "actor": actor_url(username),
        "object": obj,
    }
    if isinstance(obj, dict) and "to" in obj:
        document.update(to=obj["to"], cc=obj["cc"])
    return document


def new_id(username, kind):
    """A fresh id for an activity of ``username``'s, under their actor."""
    return f"{actor_url(username)}#{kind.lower()}s/{uuid.uuid4().hex}"
