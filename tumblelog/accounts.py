"""What an account does to itself: sign in and out everywhere, change its password or
e-mail address through signed links, and leave with its data or without a trace.

Signed links (password reset, e-mail change, e-mail verification) carry what must still
be true when they are followed: the password's fingerprint, the address they were made
for. Once that changes, the link is dead, so each works once at most; each also
expires (``RESET_LINK_MAX_AGE``, ``EMAIL_LINK_MAX_AGE``).
"""
import io
import json
import zipfile

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

from . import mail, media
from .models import Like, Post, User, utcnow
from .moderation import Report
from .notes import Note, Notification

RESET, CHANGE_EMAIL, VERIFY_EMAIL = "password-reset", "email-change", "email-verify"


def _serializer(purpose):
    return URLSafeTimedSerializer(current_app.secret_key, salt=purpose)


def link_token(purpose, user, **claims):
    """A signed token for ``purpose`` naming ``user`` and ``claims``."""
    return _serializer(purpose).dumps({"id": str(user.id), **claims})


def reset_token(user):
    return link_token(RESET, user, pw=user.password_fingerprint)


def email_change_token(user, new_email):
    return link_token(CHANGE_EMAIL, user, old=user.email, new=new_email)


def verify_token(user):
    return link_token(VERIFY_EMAIL, user, email=user.email)


def user_for_link(purpose, token, max_age):
    """(the account, the claims) of a valid, unexpired link for ``purpose``; (None, None)
    for a forged, expired or malformed one, or one whose account is gone."""
    try:
        claims = _serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except BadSignature:  # SignatureExpired is one
        return None, None
    user = User.objects(id=claims.get("id")).first() if isinstance(claims, dict) else None
    return (user, claims) if user else (None, None)


def user_for_reset(token):
    """The account a reset link is for, while it is unexpired and unused."""
    user, claims = user_for_link(RESET, token, current_app.config["RESET_LINK_MAX_AGE"])
    return user if user and claims.get("pw") == user.password_fingerprint else None


def user_by_email(email):
    return User.objects(email=(email or "").strip().lower()).first()


def mail_reset_link(email, base_url):
    """Send the account with ``email`` (if any) its password-reset link, now (a task)."""
    user = user_by_email(email)
    if user is None:
        return
    with mail.links_to(base_url):
        link = url_for("auth.reset_password", token=reset_token(user), _external=True)
        message = mail.compose("reset_password", user.email, _l("Choose a new password"), user=user, link=link)
    mail.deliver(message)


def change_password(user, password):
    """Set a new password and end every session, remember-me cookie and API token made
    before it. The caller signs the current browser in again."""
    user.set_password(password)
    User.objects(id=user.id).update_one(set__password_hash=user.password_hash)
    user.end_sessions()
    revoke_tokens(user)


def reset_password(user, password):
    """A mailed reset link was followed: set the password (see ``change_password``);
    the link also proves the address, so an unconfirmed one counts as confirmed."""
    change_password(user, password)
    User.objects(id=user.id).update_one(set__email_unverified=False)
    user.email_unverified = False


def change_email(token):
    """Apply an e-mail change link: the account, or None when the link is stale.

    Raises NotUniqueError when another account took the address meanwhile."""
    user, claims = user_for_link(CHANGE_EMAIL, token, current_app.config["EMAIL_LINK_MAX_AGE"])
    if user is None or claims.get("old") != user.email:
        return None
    # The filter makes it single-use even against a double click.
    changed = User.objects(id=user.id, email=claims["old"]).update_one(
        set__email=claims["new"], set__email_unverified=False
    )
    return user if changed else None


def verify_email(token):
    """Apply a verification link: the account, or None when it is stale."""
    user, claims = user_for_link(VERIFY_EMAIL, token, current_app.config["EMAIL_LINK_MAX_AGE"])
    if user is None or claims.get("email") != user.email:
        return None
    User.objects(id=user.id).update_one(set__email_unverified=False)
    return user


def revoke_tokens(user):
    """Revoke every API token of ``user``."""
    from .api.tokens import ApiToken  # the API imports the views that import this module

    ApiToken.objects(user=user.id).delete()


def set_avatar(user, versions):
    """Store the square ``versions`` (images.avatar) as the account's avatar and delete
    the old files."""
    old = (user.avatar_small, user.avatar_large)
    small, large = (media.store(versions[name], user.id, owner="user") for name in ("small", "large"))
    User.objects(id=user.id).update_one(set__avatar_small=small, set__avatar_large=large)
    user.avatar_small, user.avatar_large = small, large
    media.delete(old)


def delete_account(user):
    """Remove the account and everything it made: its posts (with their comments,
    likes, files and reports), its comments on other posts and its likes (with their
    notes), who follows it, the reports it filed, its notifications, its tokens and its
    avatar. Its name is retired first, never given to anyone else. The moderation
    console's "delete" calls this too."""
    user.retire_name()
    # Whole posts: delete receivers (federation, notes) read their author and trail.
    for post in Post.objects(author=user.id).exclude("comments", "held_comments", "search_terms"):
        post.delete_with_media()
    comment_ids = []
    for post, mine in comments_by(user):
        Post.objects(id=post.id).update_one(
            __raw__={"$pull": {"comments": {"author": user.id}}, "$inc": {"comment_count": -len(mine)}}
        )
        comment_ids += [comment.id for comment in mine]
    Note.objects(comment__in=comment_ids).delete()
    liked = Like.objects(user=user.id).distinct("post")
    Like.objects(user=user.id).delete()
    Post.objects(id__in=liked).update(dec__like_count=1)  # distinct gives the ids
    Note.objects(post__in=liked, kind="like", actor=user.id).delete()
    Notification.objects(recipient=user.id).delete()
    User.objects(followed_users=user.id).update(pull__followed_users=user.id)
    Report.objects(reporter=user.id).delete()
    revoke_tokens(user)
    media.delete((user.avatar_small, user.avatar_large))
    user.delete()


def write_archive(user, out):
    """Write ``user``'s data as a zip to the binary stream ``out``: ``posts.json`` (as
    ``flask export`` writes it: drafts, queued and private posts too), each uploaded
    file under ``media/``, and one JSON file for each of ``ARCHIVE_PARTS``."""
    from .export import write_export  # export.py imports backup.py, which imports the views

    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("posts.json", "w") as raw, io.TextIOWrapper(raw, encoding="utf-8") as text:
            write_export(user, text)
        for post in Post.objects(author=user.id).exclude("comments"):
            for file_id in post.media_ids():
                _add_file(archive, file_id)
        _add_file(archive, user.avatar_large)
        for name, part in ARCHIVE_PARTS.items():
            archive.writestr(f"{name}.json", _json(part(user)))


PROFILE_FIELDS = ("username", "display_name", "bio", "blog_title", "blog_description", "created_at")


def _profile(user):
    profile = {name: getattr(user, name) for name in PROFILE_FIELDS}
    return {**profile, "email": user.email, "exported_at": utcnow()}


def _following(user):
    from .federation.models import RemoteFollowing

    bloggers = User.objects(id__in=user.followed_users).scalar("username")
    remote = RemoteFollowing.objects(user=user.id).order_by("created_at")
    return {
        "tags": user.followed_tags, "bloggers": list(bloggers),
        "fediverse": [{"actor": f.actor, "handle": f.handle, "accepted": f.accepted, "since": f.created_at} for f in remote],
    }


def _followers(user):
    """Who follows the account: bloggers here, and accounts on the fediverse."""
    from .federation.models import Follower

    bloggers = User.objects(followed_users=user.id).order_by("username_key").scalar("username")
    remote = Follower.objects(user=user.id).order_by("created_at")
    return {
        "bloggers": list(bloggers),
        "fediverse": [{"actor": f.actor, "handle": f.handle, "pending": f.pending, "since": f.created_at} for f in remote],
    }


def _likes(user):
    """The posts the account liked, oldest first."""
    likes = Like.objects(user=user.id).order_by("created_at").as_pymongo()
    return {"likes": [{"post": like["post"], "created_at": like.get("created_at")} for like in likes]}


def _settings(user):
    """What the account chose: blocks, mutes, label views, language, mail and queue."""
    blocked = User.objects(id__in=user.blocked_users).scalar("username")
    return {
        "blocked": sorted(blocked), "muted_tags": user.muted_tags, "muted_words": user.muted_words,
        "label_choices": dict(user.label_choices), "language": user.locale, "weekly_digest": user.digest,
        "notification_mail": user.notification_mail, "notifications_off": user.notifications_off,
        "approve_followers": user.approve_followers, "queue": user.queue_settings.to_mongo().to_dict(),
    }


def _notifications(user):
    fields = ("kind", "post", "post_title", "link", "actors", "count", "read", "created_at", "updated_at")
    found = Notification.objects(recipient=user.id).order_by("-updated_at", "-id").only(*fields).as_pymongo()
    return {"notifications": [{name: row.get(name) for name in fields} for row in found]}


def _mentions(user):
    """The Webmentions of the account's posts: shown, held for review or removed."""
    from .mentions import Mention

    fields = ("post", "source", "target", "kind", "author_name", "author_url", "title", "excerpt", "published",
              "state", "created_at", "updated_at")
    posts = Post.objects(author=user.id).scalar("id")
    found = Mention.objects(post__in=list(posts)).order_by("created_at", "id").only(*fields).as_pymongo()
    return {"mentions": [{name: row.get(name) for name in fields} for row in found]}


def _reports(user):
    """The reports the account filed (what it reported and why; not what moderators did)."""
    found = Report.objects(reporter=user.id).order_by("created_at").as_pymongo()
    return {"reports": [{"post": r["post"], "comment": r.get("comment"), "reason": r["reason"],
                         "created_at": r["created_at"]} for r in found]}


# The zip's JSON files besides posts.json, each from the account: what "Your data" holds.
ARCHIVE_PARTS = {
    "profile": _profile,
    "comments": lambda user: {"comments": written_comments(user)},
    "following": _following,
    "followers": _followers,
    "likes": _likes,
    "settings": _settings,
    "notifications": _notifications,
    "mentions": _mentions,
    "reports": _reports,
}


def _json(value):
    from .export import plain

    return json.dumps(plain(value), ensure_ascii=False, indent=2)


def _add_file(archive, file_id):
    stored = media.load(file_id) if file_id else None
    if stored and stored[1] in media.EXTENSIONS:
        archive.writestr(f"media/{file_id}.{media.EXTENSIONS[stored[1]]}", stored[0])


def comments_by(user):
    """(post, the comments ``user`` wrote on it) for each post they commented on."""
    for post in Post.objects(comments__author=user.id).only("id", "comments"):
        yield post, [comment for comment in post.comments if comment.author and comment.author.pk == user.id]


def written_comments(user):
    """The comments ``user`` wrote, on anyone's post, oldest first."""
    found = [
        {"post": post.id, "id": comment.id, "body": comment.body, "created_at": comment.created_at}
        for post, mine in comments_by(user)
        for comment in mine
    ]
    return sorted(found, key=lambda comment: comment["created_at"])
