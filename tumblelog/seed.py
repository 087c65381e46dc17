"""Demo content: bloggers, posts of every type, tags with a long tail, comments.

Used by ``flask --app tumblelog seed``, by ``run.py`` on the embedded database, and by
the benchmark. Posts go in through the models' validation, in batches.
"""
import copy
import io
import math
import random
import secrets
import struct
import wave
from dataclasses import dataclass
from datetime import timedelta

from PIL import Image, ImageDraw, ImageOps

from . import media
from .audio import check_audio
from .images import process_image
from .models import (
    AudioPost,
    BlogPost,
    ChatPost,
    Comment,
    ImagePost,
    LinkPost,
    Photo,
    PhotosetPost,
    Post,
    QuotePost,
    User,
    VideoPost,
    parse_dialogue,
    utcnow,
)
from .notes import reblog

AUTHORS = ("ada", "grace", "linus", "margaret", "dennis", "barbara")
READERS = ("sam", "priya", "jonas", "mei", "tomás", "amara", "olek", "ruth")

# A few tags are everywhere, most are rare: the shape of real tag use.
TAGS = (
    "python", "mongodb", "flask", "photography", "travel", "music", "books", "coffee",
    "design", "cities", "nature", "film", "history", "science", "cooking", "running",
    "open source", "typography", "architecture", "poetry", "maps", "cats", "gardening",
    "astronomy", "jazz", "bicycles", "ceramics", "tea", "trains", "winter",
)

TITLES = (
    "Notes from a slow morning", "What I learned shipping on Fridays", "A short field guide to {tag}",
    "Why I keep coming back to {tag}", "Three small things about {tag}", "Weekend links",
    "On starting again", "The case for boring tools", "A letter to my past self",
    "Reading list for the long evenings", "Things that surprised me this month",
)

PARAGRAPHS = (
    "Some days the best work is *the small work*: renaming a thing so the next person "
    "understands it, or deleting the clever part nobody needs.",
    "I tried to write this post three times. The first draft was a list, the second an "
    "argument, and the third is **this**: a few honest notes.",
    "If you only read one thing this week, make it [the MongoDB data modelling docs]"
    "(https://www.mongodb.com/docs/manual/data-modeling/). They age well.",
    "- walk before coffee\n- write before email\n- read before bed",
    "A snippet I keep reaching for:\n\n```python\nfor line in open(path):\n    print(line.rstrip())\n```",
    "> Simple things should be simple, complex things should be possible.\n\nStill true.",
    "Nothing here is new, and that is the point: the good ideas keep being good.",
)

QUOTES = (
    ("Simple is better than complex.", "The Zen of Python"),
    ("The most damaging phrase in the language is: it's always been done this way.", "Grace Hopper"),
    ("Talk is cheap. Show me the code.", "Linus Torvalds"),
    ("The best way to predict the future is to invent it.", "Alan Kay"),
    ("Premature optimization is the root of all evil.", "Donald Knuth"),
    ("What I cannot create, I do not understand.", "Richard Feynman"),
    ("Not all those who wander are lost.", "J. R. R. Tolkien"),
    ("The details are not the details. They make the design.", "Charles Eames"),
)

VIDEOS = (
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://youtu.be/9bZkp7q19f0",
    "https://www.youtube.com/watch?v=jNQXAC9IVRw",
    "https://vimeo.com/76979871",
    "https://vimeo.com/22439234",
)

CAPTIONS = (
    "Morning light over the harbour.", "The old station, just before it closed.",
    "Found this on a walk and had to share.", "Colours of the market.", "",
    "A quiet corner of the city.", "Worth watching twice.",
)

COMMENTS = (
    "Love this!", "Thanks for writing this up.", "I had the same experience last year.",
    "Bookmarked.", "Could you say more about the second point?", "This made my day.",
)


DEMO_PICTURES = 8  # shared by every demo image post, so a big seed stays small


def draw_picture(rng, size=(960, 640)):
    """A generated landscape (sky, sun, hills) as JPEG bytes: demo images need no network."""
    sky = ImageOps.colorize(
        Image.linear_gradient("L").resize(size),
        black=tuple(rng.randrange(40, 120) for _ in range(3)),
        white=tuple(rng.randrange(170, 255) for _ in range(3)),
    )
    draw = ImageDraw.Draw(sky)
    x, y, r = rng.randrange(size[0]), rng.randrange(size[1] // 2), rng.randrange(30, 90)
    draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, rng.randrange(180, 240), rng.randrange(60, 160)))
    for layer in range(3):
        base = size[1] * (0.55 + 0.15 * layer)
        points = [(0, size[1])] + [
            (size[0] * i / 6, base - rng.randrange(0, size[1] // 4)) for i in range(7)
        ] + [(size[0], size[1])]
        shade = 30 + 40 * layer
        draw.polygon(points, fill=(shade // 2, shade + rng.randrange(40), shade // 2 + rng.randrange(40)))
    out = io.BytesIO()
    sky.save(out, format="JPEG", quality=90)
    return out.getvalue()


def store_picture(rng):
    """Store one generated picture through the upload path; return what an ImagePost needs.

    The files belong to no post (``prune`` never removes them): many demo posts share them.
    """
    return ImagePost.stored_upload(process_image(io.BytesIO(draw_picture(rng))), None)


def pick_tags(rng):
    """2–5 tags, favouring the head of the list (a Zipf-like long tail)."""
    count = rng.randint(2, 5)
    weights = [1 / (rank + 1) for rank in range(len(TAGS))]
    return list(dict.fromkeys(rng.choices(TAGS, weights=weights, k=count)))


def ensure_user(username, password=None, role=None):
    """The account ``username``, created (with an unguessable password) if missing."""
    user = User.by_username(username)
    if user is None:
        user = User(username=username, email=f"{username}@example.com", role=role)
        user.set_password(password or secrets.token_urlsafe(16))
        user.save()
    return user


LINKS = (
    ("https://www.mongodb.com/docs/manual/data-modeling/", "Data modelling in MongoDB",
     "The page I send everyone who asks *how should I shape my documents?*"),
    ("https://flask.palletsprojects.com/en/stable/patterns/", "Patterns for Flask", "Small, **boring**, useful."),
    ("https://en.wikipedia.org/wiki/Tumblelog", "Tumblelog", "Where the word comes from."),
)
TRACKS = (("Morning Tone", "The Seed Quartet"), ("Night Bus", "Grace & the Compilers"), ("A440", "Tuning Fork"))
SOUNDCLOUD = ("https://soundcloud.com/forss/flickermood", "https://soundcloud.com/user-123/late-night-jazz")
CHATS = (
    ("Pair programming", "Ada: Did you run the tests?\nLinus: They pass on my machine.\nAda: Then let us make them pass on the server."),
    ("Overheard at the café", "Barista: Same as always?\nGrace: Surprise me.\n(a long pause)\nBarista: One flat white."),
)

# One function per post type that makes demo content for it; a type without one is
# left out of the demo (the seed names no type itself).
DEMOS = {}


def demo(post_type):
    def register(make):
        DEMOS[post_type.type] = make
        return make
    return register


@demo(BlogPost)
def demo_blog(rng, tags, media):
    return BlogPost(
        title=rng.choice(TITLES).format(tag=tags[0]), body="\n\n".join(rng.sample(PARAGRAPHS, k=rng.randint(2, 4)))
    )


@demo(ImagePost)
def demo_image(rng, tags, media):
    # A copy: the embedded WebP list must not be shared between documents.
    return ImagePost(**copy.deepcopy(rng.choice(media.pictures)), caption=rng.choice(CAPTIONS))


@demo(VideoPost)
def demo_video(rng, tags, media):
    return VideoPost(video_url=rng.choice(VIDEOS), caption=rng.choice(CAPTIONS))


@demo(QuotePost)
def demo_quote(rng, tags, media):
    quote, source = rng.choice(QUOTES)
    return QuotePost(quote=quote, source=source)


@demo(LinkPost)
def demo_link(rng, tags, media):
    url, title, description = rng.choice(LINKS)
    return LinkPost(url=url, title=title, description=description)


@demo(AudioPost)
def demo_audio(rng, tags, media):
    track, artist = rng.choice(TRACKS)
    if rng.random() < 0.5:
        return AudioPost(track=track, artist=artist, audio_url=rng.choice(SOUNDCLOUD))
    return AudioPost(track=track, artist=artist, audio_file=media.tone, audio_type="audio/wav")


@demo(ChatPost)
def demo_chat(rng, tags, media):
    title, text = rng.choice(CHATS)
    return ChatPost(title=title, dialogue=parse_dialogue(text))


@demo(PhotosetPost)
def demo_photoset(rng, tags, media):
    chosen = rng.sample(media.pictures, k=rng.randint(2, 3))
    photos = [
        Photo(
            file=picture["image_file"], thumb=picture["thumb_file"], width=picture["width"], height=picture["height"],
            alt=f"Generated hills, picture {n}",
        )
        for n, picture in enumerate(chosen, start=1)
    ]
    return PhotosetPost(photos=photos, caption=rng.choice(CAPTIONS))


def tone_wav(seconds=2, rate=8000, pitch=440):
    """A short sine tone as WAV bytes: demo audio needs no network either."""
    frames = bytearray()
    for i in range(seconds * rate):
        frames += struct.pack("<h", int(8000 * math.sin(2 * math.pi * pitch * i / rate)))
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(bytes(frames))
    return out.getvalue()


@dataclass
class DemoMedia:
    """Files every demo post shares (they belong to no post, so ``prune`` keeps them)."""

    pictures: list
    tone: object


def demo_media(rng):
    pictures = [store_picture(rng) for _ in range(DEMO_PICTURES)]
    tone = media.store(check_audio(io.BytesIO(tone_wav())), None)
    return DemoMedia(pictures, tone)


def make_post(rng, author, created_at, media, kind=None):
    """One unsaved post by ``author``, of type ``kind`` or of a random type, its
    files from ``media`` (``DemoMedia``)."""
    tags = pick_tags(rng)
    post = DEMOS[kind or rng.choice(list(DEMOS))](rng, tags, media)
    post.author = author
    post.author_name = author.username
    post.tags = tags
    post.created_at = post.updated_at = created_at
    for minutes in sorted(rng.sample(range(5, 600), k=rng.choice((0, 0, 0, 1, 2, 4)))):
        post.comments.append(
            Comment(
                author_name=rng.choice(READERS),
                body=rng.choice(COMMENTS),
                created_at=created_at + timedelta(minutes=minutes),
            )
        )
    post.comment_count = len(post.comments)
    return post


def seed_posts(count, progress=None, rng=None, batch_size=200):
    """Insert ``count`` demo posts spread over the last 90 days; return how many.

    ``progress(n)`` is called after each batch with the number just inserted.
    """
    rng = rng or random.Random()
    authors = [ensure_user(name) for name in AUTHORS]
    files = demo_media(rng)
    kinds = list(DEMOS)
    now = utcnow()
    span = timedelta(days=90).total_seconds()
    inserted = 0
    while inserted < count:
        batch = []
        for number in range(inserted, inserted + min(batch_size, count - inserted)):
            created_at = now - timedelta(seconds=rng.uniform(0, span))
            # One of each type first, so even a small demo shows every type.
            kind = kinds[number] if number < len(kinds) else None
            post = make_post(rng, rng.choice(authors), created_at, files, kind)
            post.validate()  # runs clean(): tags normalised, Markdown rendered, links parsed
            batch.append(post)
        Post.objects.insert(batch, load_bulk=False)
        inserted += len(batch)
        if progress:
            progress(len(batch))
    return inserted


def seed_discussion(comment_count=20, rng=None):
    """Insert a text post from an hour ago with ``comment_count`` comments; return it.

    The benchmark and the round-trip budget use it for a permalink with a long thread.
    """
    rng = rng or random.Random()
    author = ensure_user(AUTHORS[0])
    created_at = utcnow() - timedelta(hours=1)
    post = BlogPost(
        author=author,
        author_name=author.username,
        tags=pick_tags(rng),
        title="A post everyone has an opinion on",
        body="\n\n".join(rng.sample(PARAGRAPHS, k=3)),
        created_at=created_at,
        updated_at=created_at,
        comments=[
            Comment(author_name=rng.choice(READERS), body=rng.choice(COMMENTS),
                    created_at=created_at + timedelta(minutes=i + 1))
            for i in range(comment_count)
        ],
        comment_count=comment_count,
    )
    return post.save()


REBLOG_COMMENTS = ("This.", "Saving this one.", "So good — *read it*.", "Adding to the pile.", "")


def seed_reblogs(count, rng=None):
    """Have demo authors reblog ``count`` of the newest posts (some with a comment, some
    of a reblog, so trails show); return how many were made."""
    rng = rng or random.Random()
    authors = [ensure_user(name) for name in AUTHORS]
    sources = list(Post.listing().limit(count * 2))
    made = 0
    for source in sources[:count]:
        rebloggers = [author for author in authors if author.username != source.author_name]
        post = reblog(source, rng.choice(rebloggers), rng.choice(REBLOG_COMMENTS), list(source.tags[:1]))
        made += 1
        if made < count and rng.random() < 0.5:
            reblog(post, rng.choice([a for a in rebloggers if a.username != post.author_name]), rng.choice(REBLOG_COMMENTS))
            made += 1
    return made
