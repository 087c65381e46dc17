"""Tag normalisation and validation.

Tags are stored normalised, so "Python", " python " and "#python" are one
tag, and each tag is safe as the last segment of its ``/tag/<tag>`` page.
"""

import unicodedata
from collections.abc import Iterable

MAX_TAGS = 20
MAX_TAG_LENGTH = 64
# Bounds on what parse_tags reads at all, so its work is bounded whatever it is sent:
# room for MAX_TAGS full tags with ", " between them, and as many items (empty ones and
# repeats included) as a person could mean.
MAX_TAGS_TEXT = MAX_TAGS * (MAX_TAG_LENGTH + 2)
MAX_TAG_ITEMS = 4 * MAX_TAGS
ALLOWED_PUNCTUATION = "-_.+&'"

# Letters of any script, combining marks (needed by many scripts, e.g.
# Devanagari vowel signs) and decimal digits. Enclosing marks (Me) are left
# out: they draw keycaps and circles, which are emoji by another name.
_ALLOWED_CATEGORIES = {"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Nd"}
_ALLOWED_MESSAGE = (
    "Tags may use letters, digits, spaces and " + " ".join(ALLOWED_PUNCTUATION) + "."
)


class TagError(ValueError):
    """A tag list the user has to fix; the message says how."""


def normalize_tag(raw: str) -> str:
    """Return the stored form of one tag, or ``""`` if nothing is left."""
    # Format characters (zero-width spaces and joiners, bidi overrides, BOM)
    # are invisible, so two tags that look the same would otherwise differ.
    text = "".join(ch for ch in raw if unicodedata.category(ch) != "Cf")
    # Phone keyboards type the curly apostrophe; make "don’t" and "don't" one.
    text = text.replace("\u2019", "'")
    # lower(), not casefold(): casefold rewrites what people wrote ("Straße"
    # becomes "strasse", a final "ς" becomes "σ"), and the tag is shown back
    # to them. The cost is that "STRASSE" and "Straße" stay two tags.
    text = " ".join(text.split()).lower()
    text = text.lstrip("#").strip()
    # NFC last: removing a zero-width space from "e\u200b\u0301" leaves an
    # "e" and an accent that only now compose to "é".
    return unicodedata.normalize("NFC", text)


def parse_tags(value: str | Iterable[str]) -> list[str]:
    """Return the distinct normalised tags in ``value``, first seen first.

    ``value`` is the form's comma-separated text or a list of tags. Raise
    :class:`TagError` when a tag is not allowed or there are too many.
    """
    if isinstance(value, str):
        if len(value) > MAX_TAGS_TEXT:
            raise TagError(f"Tags can have at most {MAX_TAGS_TEXT:,} characters in all.")
        items = value.split(",")
    else:
        items = value
    try:
        items = iter(items)
    except TypeError:
        raise TagError("Tags must be text, separated by commas.") from None

    tags = {}  # a dict keeps first-seen order and finds duplicates fast
    for count, item in enumerate(items, 1):
        # Counted as read: empty items and repeats cost time too.
        if count > MAX_TAG_ITEMS:
            raise TagError(f"Use at most {MAX_TAGS} tags.")
        if not isinstance(item, str):
            raise TagError("Tags must be text, separated by commas.")
        tag = normalize_tag(item)
        if not tag or tag in tags:
            continue
        _check_tag(tag)
        tags[tag] = None
        # Stop at once rather than normalise an arbitrarily long list.
        if len(tags) > MAX_TAGS:
            raise TagError(f"Use at most {MAX_TAGS} tags.")
    return list(tags)


def _check_tag(tag):
    if len(tag) > MAX_TAG_LENGTH:
        raise TagError(
            f"“{_shorten(tag)}” is too long: a tag can have at most "
            f"{MAX_TAG_LENGTH} characters."
        )
    # Browsers resolve "." and ".." path segments, so /tag/.. could never be
    # reached; ".." inside a tag is a path trick, not a word, so it goes too.
    if tag == "." or ".." in tag:
        raise TagError(f"“{_shorten(tag)}” is not a tag. {_ALLOWED_MESSAGE}")
    for ch in tag:
        if not _is_allowed(ch):
            shown = ch if ch.isprintable() else f"U+{ord(ch):04X}"
            raise TagError(
                f"“{_shorten(tag)}” contains “{shown}”. {_ALLOWED_MESSAGE}"
            )


def _is_allowed(ch):
    return (
        ch == " "
        or ch in ALLOWED_PUNCTUATION
        or unicodedata.category(ch) in _ALLOWED_CATEGORIES
    )


def _shorten(tag):
    # Control characters would be invisible or garble the message.
    tag = "".join(ch if ch.isprintable() else "\ufffd" for ch in tag)
    return tag if len(tag) <= 20 else tag[:20] + "…"
