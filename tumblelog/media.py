"""Uploaded images and audio in MongoDB GridFS, served from ``/media/<id>``.

GridFS keeps uploads in the database, so every web worker and replica sees the same
files. Each file records the post it belongs to (``metadata.post``); ``prune`` deletes
the files a post no longer uses, after an edit, a failed save or a deletion. A file id
never changes content, so responses may be cached for a year. Files are streamed from
GridFS and answer HTTP range requests, so an audio player can seek in a long track.
"""
import sys

import gridfs
from flask import Blueprint, Response, abort, request
from mongoengine.connection import get_db
from werkzeug.wsgi import wrap_file

from . import audio, images

# Only what passed images.process_image or audio.check_audio is ever served.
EXTENSIONS = {**images.EXTENSIONS, **audio.EXTENSIONS}

bp = Blueprint("media", __name__)

COLLECTION = "media"  # GridFS makes media.files and media.chunks
CACHE_FOREVER = "public, max-age=31536000, immutable"
_mongomock_ready = False


def _database():
    """The app's database; GridFS is taught to accept mongomock's in-memory one."""
    global _mongomock_ready
    database = get_db()
    # Only the embedded database loads mongomock; a site on a server never imports it.
    mongomock = sys.modules.get("mongomock")
    if mongomock and isinstance(database, mongomock.Database) and not _mongomock_ready:
        import mongomock.gridfs

        # gridfs checks isinstance(pymongo.Database); this widens that check, once.
        mongomock.gridfs.enable_gridfs_integration()
        _mongomock_ready = True
    return database


def _fs():
    return gridfs.GridFS(_database(), COLLECTION)


def store(encoded, post_id):
    """Save one upload for ``post_id`` (``images.Encoded`` or ``audio.AudioUpload``:
    bytes or a file in ``data``, and its ``content_type``); return its id."""
    return restore(encoded.data, {"post": post_id, "content_type": encoded.content_type})


def restore(data, metadata, file_id=None):
    """Save ``data`` with ``metadata`` (``post``, ``content_type``), under ``file_id``
    when given (a restored backup keeps the URLs its pages show); return its id."""
    files = _database()[f"{COLLECTION}.files"]
    files.create_index("metadata.post")
    return _fs().put(data, metadata=metadata, **({"_id": file_id} if file_id else {}))


def every_file():
    """Each stored file as ``(id, metadata, bytes)``, in id order, one at a time."""
    fs = _fs()
    for document in _database()[f"{COLLECTION}.files"].find({}, {"_id": 1}).sort("_id", 1):
        stored = fs.get(document["_id"])
        yield stored._id, stored.metadata or {}, stored.read()


def count():
    return _database()[f"{COLLECTION}.files"].count_documents({})


def remove_all():
    """Delete every file (an import that failed half-way undoes itself with this)."""
    for document in _database()[f"{COLLECTION}.files"].find({}, {"_id": 1}):
        _fs().delete(document["_id"])


def prune(post_id, keep=()):
    """Delete the files of ``post_id`` other than those in ``keep``."""
    files = _database()[f"{COLLECTION}.files"]
    fs = _fs()
    for document in files.find({"metadata.post": post_id}, {"_id": 1}):
        if document["_id"] not in keep:
            fs.delete(document["_id"])


@bp.route("/media/<objectid:file_id>")
def file(file_id):
    """An uploaded file, with the type we detected and a name we made up; a ``Range``
    request gets that part (206), a range past the end 416."""
    try:
        stored = _fs().get(file_id)
    except gridfs.errors.NoFile:
        abort(404)
    content_type = (stored.metadata or {}).get("content_type")
    if content_type not in EXTENSIONS:
        abort(404)
    response = Response(wrap_file(request.environ, stored), direct_passthrough=True)
    response.content_type = content_type
    response.content_length = stored.length
    response.headers["Cache-Control"] = CACHE_FOREVER
    response.headers["Content-Disposition"] = f'inline; filename="{file_id}.{EXTENSIONS[content_type]}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(str(file_id))
    return response.make_conditional(request, accept_ranges=True, complete_length=stored.length)
