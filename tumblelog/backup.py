"""Whole-site backup and restore: ``flask --app tumblelog export --all --output site.zip``
and ``flask --app tumblelog import site.zip``.

A portable copy of a blog, for moving it to another server or keeping it outside
MongoDB; ``mongodump`` stays the tool for backups of a live database. The zip holds:

- ``manifest.json``: the format, its version and how many records of each kind;
- ``users.jsonl``, ``posts.jsonl`` (every post type and reblogs, with their comments),
  ``likes.jsonl``, ``notes.jsonl``, ``notifications.jsonl``, the moderation's
  ``reports.jsonl``, ``audit.jsonl``, ``invites.jsonl`` and ``site_settings.jsonl``,
  ``media.jsonl``: one document a line in MongoDB Extended JSON (``bson.json_util``),
  so ids, dates and password hashes come back exactly: accounts sign in with their old
  passwords and permalinks keep their ids;
- ``media/<id>``: each uploaded file's bytes.

An import is an untrusted input. It goes only into an empty database; the zip's size
and member count are capped before anything is read (a zip bomb stops there), only the
names above are accepted, every document goes through its model's validation (which
also rebuilds what is derived: rendered HTML, search terms, counts) and every reference
must point at a record of the same backup (except what history keeps of accounts since
deleted: the audit log's moderators, who made or used an invitation, which are kept
by name). Anything wrong stops the import, and what it had written is removed, leaving
the database empty as it was.
"""
import contextlib
import json
import re
import zipfile
import zlib
from datetime import timezone

from bson import ObjectId, json_util
from bson.json_util import JSONOptions, JSONMode
from mongoengine import ValidationError
from mongoengine.errors import FieldDoesNotExist, InvalidDocumentError, NotRegistered
from pymongo.errors import BulkWriteError
from mongoengine.connection import get_db

from . import media
from .federation.models import ActorKey, BlockedDomain, Follower, RemoteFollowing, RemoteReaction, RemoteReply
from .mentions import Mention
from .models import RECENT_LIKES, Like, Post, User, utcnow
from .moderation import AuditEntry, Invite, Report, SiteSettings
from .notes import Note, Notification

FORMAT = "tumblelog-site"
VERSION = 1
# In the order they are restored.
KINDS = (
    "users", "posts", "likes", "notes", "notifications", "reports", "audit", "invites", "site_settings",
    "actor_keys", "followers", "remote_following", "remote_replies", "remote_reactions", "blocked_domains",
    "mentions", "media",
)
# Kinds added after the first backups were written: a backup without them restores none.
OPTIONAL_KINDS = (
    "notes", "notifications", "reports", "audit", "invites", "site_settings",
    "actor_keys", "followers", "remote_following", "remote_replies", "remote_reactions", "blocked_domains",
    "mentions",
)
# The fediverse identity (each blogger's key pair, followers and follows, what came in
# answer to posts, the blocked domains) and Webmentions: each record belongs to an
# account or a post of the backup, named by this field (None: to the site).
OWNED_BY = {
    "actor_keys": "user", "followers": "user", "remote_following": "user",
    "remote_replies": "post", "remote_reactions": "post", "blocked_domains": None, "mentions": "post",
}
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
MEDIA_NAME = re.compile(r"^media/[0-9a-f]{24}$")

MAX_MEMBERS = 500_000  # the records files and one per uploaded file
MAX_TOTAL_SIZE = 20 * 1024**3  # uncompressed; a zip claiming more is refused unread
MAX_LINE = 32 * 1024 * 1024  # one document: MongoDB's 16 MB in BSON, with JSON's overhead
MAX_MANIFEST = 64 * 1024
MAX_MEDIA_FILE = 64 * 1024 * 1024
BATCH = 100

_WRITE = JSONOptions(json_mode=JSONMode.RELAXED, tz_aware=True, tzinfo=timezone.utc)
_READ = JSONOptions(tz_aware=True, tzinfo=timezone.utc)


MODELS = {
    "users": User, "posts": Post, "likes": Like, "notes": Note, "notifications": Notification,
    "reports": Report, "audit": AuditEntry, "invites": Invite, "site_settings": SiteSettings,
    "actor_keys": ActorKey, "followers": Follower, "remote_following": RemoteFollowing,
    "remote_replies": RemoteReply, "remote_reactions": RemoteReaction, "blocked_domains": BlockedDomain,
    "mentions": Mention,
}


class BackupError(Exception):
    """A backup that cannot be read or restored; the message says why, in one line."""


# --- export --------------------------------------------------------------------------


def collections():
    """The collections a backup copies, by kind (media is GridFS, apart)."""
    return {kind: model._get_collection() for kind, model in MODELS.items()}


def site_counts():
    """How many records of each kind the database holds now (for a progress bar)."""
    counts = {kind: collection.count_documents({}) for kind, collection in collections().items()}
    counts["media"] = media.count()
    return counts


def write_lines(archive, name, documents, progress):
    """Write ``documents`` to member ``name``, one Extended JSON line each; return how many."""
    count = 0
    with archive.open(name, "w", force_zip64=True) as out:
        for document in documents:
            out.write(json_util.dumps(document, json_options=_WRITE).encode() + b"\n")
            count += 1
            progress(1)
    return count


def export_site(out, progress=lambda n: None):
    """Write the whole site as a zip to the binary file ``out``; return the manifest.

    Each kind is read in id order, a document at a time; the manifest, written last,
    counts what the zip really holds even if the site changed meanwhile.
    """
    counts = {"comments": 0}

    def counting_comments(posts):
        for post in posts:
            counts["comments"] += len(post.get("comments", []))
            yield post

    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for kind, collection in collections().items():
            documents = collection.find({}, sort=[("_id", 1)])
            if kind == "posts":
                documents = counting_comments(documents)
            counts[kind] = write_lines(archive, f"{kind}.jsonl", documents, progress)
        files = []
        for file_id, metadata, data in media.every_file():
            archive.writestr(f"{MEDIA_PREFIX}{file_id}", data)
            files.append({"_id": file_id, "metadata": metadata, "length": len(data)})
            progress(1)
        counts["media"] = write_lines(archive, "media.jsonl", files, lambda n: None)
        manifest = {"format": FORMAT, "version": VERSION, "exported_at": utcnow().isoformat(), "counts": counts}
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
    return manifest


# --- import --------------------------------------------------------------------------


def check_archive(archive):
    """Refuse a zip with unknown names, too many members or too many bytes, before
    reading any of it. zipfile never reads a member past the size it declares."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise BackupError(f"The backup has {len(members)} files; at most {MAX_MEMBERS} are read.")
    total = sum(member.file_size for member in members)
    if total > MAX_TOTAL_SIZE:
        raise BackupError(f"The backup unpacks to {total} bytes; at most {MAX_TOTAL_SIZE} are read.")
    expected = {MANIFEST, *(f"{kind}.jsonl" for kind in KINDS)}
    for member in members:
        if member.filename not in expected and not MEDIA_NAME.match(member.filename):
            raise BackupError(f"The backup holds a file it should not: {member.filename[:100]!r}.")
    missing = expected - {member.filename for member in members} - {f"{kind}.jsonl" for kind in OPTIONAL_KINDS}
    if missing:
        raise BackupError(f"The backup lacks {', '.join(sorted(missing))}: it is not a whole site backup.")


def read_manifest(archive):
    """The manifest, checked: this format, a version this code reads, whole counts."""
    if archive.getinfo(MANIFEST).file_size > MAX_MANIFEST:
        raise BackupError("The backup's manifest is too large.")
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except ValueError:
        raise BackupError("The backup's manifest is not valid JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("This is not a tumblelog site backup (its manifest names another format).")
    if manifest.get("version") != VERSION:
        raise BackupError(f"The backup is format version {manifest.get('version')!r}; this tumblelog reads {VERSION}.")
    counts = manifest.get("counts")
    if isinstance(counts, dict):
        counts = {kind: 0 for kind in OPTIONAL_KINDS} | counts
        manifest["counts"] = counts
    if not isinstance(counts, dict) or not all(
        isinstance(counts.get(kind), int) and counts[kind] >= 0 for kind in (*KINDS, "comments")
    ):
        raise BackupError("The backup's manifest has no valid counts.")
    return manifest


def non_empty_collections():
    """The names of the database's collections that hold any document."""
    database = get_db()
    return sorted(
        name for name in database.list_collection_names()
        if not name.startswith("system.") and database[name].find_one({}, {"_id": 1}) is not None
    )


def records(archive, kind):
    """The documents of ``kind``'s member, one line at a time, each a bounded read."""
    if kind in OPTIONAL_KINDS and f"{kind}.jsonl" not in archive.namelist():
        return
    with archive.open(f"{kind}.jsonl") as lines:
        number = 0
        while line := lines.readline(MAX_LINE + 1):
            number += 1
            if len(line) > MAX_LINE:
                raise BackupError(f"{kind}.jsonl line {number} is longer than {MAX_LINE} bytes.")
            try:
                document = json_util.loads(line, json_options=_READ)
            except (ValueError, TypeError, RecursionError):
                raise BackupError(f"{kind}.jsonl line {number} is not valid Extended JSON.") from None
            if not isinstance(document, dict):
                raise BackupError(f"{kind}.jsonl line {number} is not a document.")
            yield number, document


class Restore:
    """One import: reads each kind, checks it and its references, writes it in batches."""

    def __init__(self, archive, progress):
        self.archive = archive
        self.progress = progress
        self.usernames = {}  # user id → username
        self.post_ids = set()
        self.media_ids = set()
        self.wanted_media = set()
        self.followed = set()  # the ids in accounts' followed_users
        self.counts = dict.fromkeys((*KINDS, "comments"), 0)

    def run(self):
        for model in MODELS.values():
            model.ensure_indexes()  # the unique ones refuse a duplicate in the backup
        self.insert("users", User._get_collection(), self.user)
        if not self.followed <= self.usernames.keys():
            raise BackupError("Some accounts follow bloggers the backup does not hold.")
        self.insert("posts", Post._get_collection(), self.post)
        for kind in ("likes", "notes", "notifications", "reports", "audit", "invites", "site_settings"):
            self.insert(kind, MODELS[kind]._get_collection(), getattr(self, kind.removesuffix("s")))
        for kind in OWNED_BY:
            self.insert(kind, MODELS[kind]._get_collection(), lambda document, kind=kind: self.owned(kind, document))
        for number, document in records(self.archive, "media"):
            self.media_file(number, document)
            self.progress(1)
        if not self.wanted_media <= self.media_ids:
            raise BackupError("Some posts or avatars show uploaded files the backup does not hold.")
        return self.counts

    def insert(self, kind, collection, build):
        batch = []
        for number, document in records(self.archive, kind):
            try:
                batch.append(build(document).to_mongo())
            except ValidationError as error:
                raise BackupError(f"{kind}.jsonl line {number} is not valid: {one_line(error)}") from None
            except (FieldDoesNotExist, InvalidDocumentError, NotRegistered, ValueError, TypeError, AttributeError,
                    KeyError) as error:
                raise BackupError(f"{kind}.jsonl line {number} is not a {kind[:-1]}: {one_line(error)}") from None
            self.counts[kind] += 1
            if len(batch) == BATCH:
                self.write(kind, collection, batch)
                batch = []
            self.progress(1)
        if batch:
            self.write(kind, collection, batch)

    @staticmethod
    def write(kind, collection, batch):
        try:
            collection.insert_many(batch)
        except BulkWriteError as error:
            first = (error.details.get("writeErrors") or [{}])[0]
            reason = "the same id or name twice" if first.get("code") == 11000 else first.get("errmsg", "")[:200]
            raise BackupError(f"{kind}.jsonl cannot be restored: it holds {reason}.") from None

    @staticmethod
    def _built(model, document):
        """``document`` as a ``model`` (or, for posts, the post type it names)."""
        if not isinstance(document.get("_id"), ObjectId):
            raise ValidationError("it has no ObjectId _id")
        if model is Post:
            if document.get("_cls") not in Post._subclasses or document.get("_cls") == Post._class_name:
                raise ValidationError(f"unknown post type {str(document.get('_cls'))[:40]!r}")
        elif "_cls" in document:
            raise ValidationError("it names a class")
        return model._from_son(document)

    def user(self, document):
        user = self._built(User, document)
        user.username_key = (user.username or "").lower()  # the uniqueness rule's key, rebuilt
        user.validate()
        if len(user.recent_likes) > RECENT_LIKES:
            raise ValidationError(f"more than {RECENT_LIKES} recent likes")
        self.usernames[user.id] = user.username
        self.followed.update(user.followed_users)
        self.wanted_media.update(file_id for file_id in (user.avatar_small, user.avatar_large) if file_id)
        return user

    def post(self, document):
        post = self._built(Post, document)
        author = post.author.pk if post.author else None
        if self.usernames.get(author) != post.author_name:
            raise ValidationError("its author is not a user of the backup")
        if any(c.author and c.author.pk not in self.usernames for c in post.comments):
            raise ValidationError("a comment's author is not a user of the backup")
        if (post.like_count or 0) < 0:
            raise ValidationError("a negative like count")
        post.comment_count = len(post.comments)
        post.validate()  # clean() renders the Markdown and the search terms afresh
        self.post_ids.add(post.id)
        self.wanted_media.update(post.media_ids())
        self.counts["comments"] += post.comment_count
        return post

    def like(self, document):
        like = self._built(Like, document)
        like.validate()
        if like.user.pk not in self.usernames or like.post.pk not in self.post_ids:
            raise ValidationError("it names a user or post the backup does not hold")
        return like

    def note(self, document):
        note = self._built(Note, document)
        note.validate()
        if note.actor is not None and note.actor not in self.usernames:
            raise ValidationError("its reader is not a user of the backup")
        return note

    def notification(self, document):
        notification = self._built(Notification, document)
        notification.validate()
        if notification.recipient not in self.usernames:
            raise ValidationError("it is for a user the backup does not hold")
        return notification

    def report(self, document):
        report = self._built(Report, document)
        report.validate()
        if report.reporter.pk not in self.usernames or report.post.pk not in self.post_ids:
            raise ValidationError("it names a user or post the backup does not hold")
        return report

    def audit(self, document):
        entry = self._built(AuditEntry, document)
        entry.validate()  # its moderator may have been deleted since: the name tells who
        return entry

    def invite(self, document):
        invite = self._built(Invite, document)
        invite.validate()
        return invite

    def site_setting(self, document):
        settings = self._built(SiteSettings, document)
        settings.validate()
        if settings.key != "site":
            raise ValidationError("the site's settings are one document, key \"site\"")
        return settings

    def owned(self, kind, document):
        """A record of ``OWNED_BY``'s kinds, whose account or post the backup must hold."""
        record = self._built(MODELS[kind], document)
        record.validate()
        field = OWNED_BY[kind]
        if field:
            owner = getattr(record, field)
            owners = self.usernames if field == "user" else self.post_ids
            if getattr(owner, "pk", owner) not in owners:
                raise ValidationError(f"it belongs to a {field} the backup does not hold")
        return record

    def media_file(self, number, document):
        file_id, metadata = document.get("_id"), document.get("metadata")
        name = f"{MEDIA_PREFIX}{file_id}"
        # A file belongs to a post, or (an avatar) to an account, of the backup.
        owner = "user" if isinstance(metadata, dict) and "user" in metadata else "post"
        owners = self.usernames if owner == "user" else self.post_ids
        if not (isinstance(file_id, ObjectId) and file_id not in self.media_ids and isinstance(metadata, dict)
                # Demo pictures (seed.py) belong to no post: many posts share them.
                and (metadata.get(owner) is None or metadata.get(owner) in owners)
                and isinstance(metadata.get("content_type"), str) and len(metadata["content_type"]) <= 100):
            raise BackupError(f"media.jsonl line {number} is not a file of a post or account in the backup.")
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            raise BackupError(f"media.jsonl line {number}: the backup lacks {name}.") from None
        if info.file_size > MAX_MEDIA_FILE:
            raise BackupError(f"{name} is larger than {MAX_MEDIA_FILE} bytes.")
        media.restore(self.archive.read(name), {owner: metadata.get(owner), "content_type": metadata["content_type"]},
                      file_id=file_id)
        self.media_ids.add(file_id)
        self.counts["media"] += 1


def one_line(error):
    return " ".join(str(error).split())[:300]


@contextlib.contextmanager
def opened_backup(path):
    """The backup at ``path`` as ``(archive, manifest)``, checked as far as it can be
    without reading the records, and only while the database is empty."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise BackupError(f"Cannot read {path} as a zip file: {one_line(error)}") from None
    with archive:
        check_archive(archive)
        manifest = read_manifest(archive)
        taken = non_empty_collections()
        if taken:
            raise BackupError(
                f"The database is not empty (it holds {', '.join(taken)}): import restores into an "
                "empty database only. Point MONGODB_URI at a new database, or drop this one first."
            )
        yield archive, manifest


def restore_site(archive, manifest, progress=lambda n: None):
    """Restore an opened backup; return what it held, by kind. On any error the
    database is emptied again and ``BackupError`` says what was wrong."""
    try:
        try:
            counts = Restore(archive, progress).run()
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:  # a member cut short or corrupted
            raise BackupError(f"The backup is damaged: {one_line(error)}") from None
        promised = {kind: manifest["counts"][kind] for kind in counts}
        if counts != promised:
            raise BackupError(f"The backup holds {counts}, but its manifest promises {promised}.")
    except BaseException:
        empty_site()
        raise
    return counts


def empty_site():
    """Remove everything an import wrote (the database was empty before it)."""
    for collection in collections().values():
        collection.delete_many({})
    media.remove_all()
