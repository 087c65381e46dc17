"""Build users and posts directly, for tests that are not about the forms."""
import json
import zipfile

from bson import json_util

from tumblelog.backup import MANIFEST
from tumblelog.models import POST_TYPES, Photo, User, parse_dialogue

PASSWORD = "correct horse"

# What a blogger types into each type's form (and sends to the API).
SAMPLE_FIELDS = {
    "blog": {"title": "Hello world", "body": "Some *Markdown* text."},
    "image": {"image_url": "https://images.example.com/cat.jpg", "caption": "A cat in the sun"},
    "video": {"video_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "caption": "A classic"},
    "quote": {"quote": "Simple is better than complex.", "source": "The Zen of Python"},
    "link": {"url": "https://example.org/read/this", "title": "Worth reading", "description": "A *good* read."},
    "audio": {"audio_url": "https://soundcloud.com/forss/flickermood", "track": "Flickermood", "artist": "Forss"},
    "chat": {"title": "At the desk", "dialogue": "Ada: Tests pass?\nLinus: On my machine."},
    "photoset": {
        "photo_urls": "https://images.example.com/one.jpg\nhttps://images.example.com/two.jpg",
        "alts": "A red door\nA blue door",
        "caption": "Doors of the old town",
        "layout": "1-1",
    },
}
# The same content as stored, where a form field turns into something else.
MODEL_FIELDS = {
    **SAMPLE_FIELDS,
    "chat": {"title": "At the desk", "dialogue": parse_dialogue(SAMPLE_FIELDS["chat"]["dialogue"])},
    "photoset": {
        "photos": [
            Photo(url="https://images.example.com/one.jpg", alt="A red door"),
            Photo(url="https://images.example.com/two.jpg", alt="A blue door"),
        ],
        "caption": "Doors of the old town",
        "layout": "1-1",
    },
}


def make_user(username="alice", password=PASSWORD, is_admin=False, role=None):
    """A saved account; ``role`` as in permissions.py (``is_admin``: role admin)."""
    role = "admin" if is_admin else role
    user = User(username=username, email=f"{username.lower()}@example.com", role=role)
    user.set_password(password)
    return user.save()


def make_post(post_type="blog", author=None, tags=(), **fields):
    """A saved post of ``post_type`` with sample content, overridden by ``fields``."""
    author = author or User.by_username("alice") or make_user("alice")
    post = POST_TYPES[post_type](author=author, author_name=author.username, tags=list(tags))
    for name, value in {**MODEL_FIELDS[post_type], **fields}.items():
        setattr(post, name, value)
    return post.save()


def image_bytes(fmt="PNG", size=(40, 30), color=(200, 80, 40), **save_options):
    """A small, real image file in ``fmt`` (a Pillow format name)."""
    import io

    from PIL import Image

    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    image.save(out, format=fmt, **save_options)
    return out.getvalue()


def add_comments(post, count, name="Sam"):
    """Give ``post`` ``count`` more comments ("comment 1", "comment 2"…) in one update."""
    from datetime import timedelta

    from tumblelog.models import Comment, Post, utcnow

    start, now = post.comment_count, utcnow()
    comments = [
        Comment(author_name=name, body=f"comment {start + i + 1}", created_at=now + timedelta(seconds=i)).to_mongo()
        for i in range(count)
    ]
    Post.objects(id=post.id).update_one(__raw__={"$push": {"comments": {"$each": comments}}, "$inc": {"comment_count": count}})
    post.reload()
    return post


def backup_zip(tmp_path, members=None, manifest=None, **lines):
    """A hand-made site backup (``export --all``'s format) in ``tmp_path``: ``lines``
    maps a kind (users, posts, likes, media) to its documents, ``members`` adds files."""
    counts = {"users": 0, "posts": 0, "comments": 0, "likes": 0, "media": 0}
    path = tmp_path / "hostile.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for kind in dict.fromkeys(("users", "posts", "likes", "media", *lines)):
            documents = lines.get(kind, [])
            counts[kind] = len(documents)
            archive.writestr(f"{kind}.jsonl", "".join(json_util.dumps(doc) + "\n" for doc in documents))
        archive.writestr(MANIFEST, json.dumps(manifest or {"format": "tumblelog-site", "version": 1, "counts": counts}))
        for name, data in (members or {}).items():
            archive.writestr(name, data)
    return path
