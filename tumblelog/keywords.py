"""Search keywords: the words of a post, normalised so that search ignores case and
accents, and stemmed so that "walking" finds "walk" and "guides" finds "guide".

MongoDB's keyword-array pattern: each post stores the distinct normalised words of its
text, and their Snowball stems, in ``search_terms``, a multikey-indexed list. A search
asks for posts whose list holds ``$all`` the stems of the query's words. After other
words, the last one may be unfinished: it matches as a prefix (``$elemMatch`` with
``$gte``/``$lt``, a filter on what the ``$all`` lookup finds), so "dog walki" finds
"walking" (the list keeps the whole words for this). A lone word is never a prefix: a
range on the index's first key could not also give the newest-first order, and the
server would sort every match in memory. It works the same on every server (and on mongomock, which has
no ``$text``) and needs no regular expressions. Posts and queries go through the same
``stem``; after changing it, ``flask search reindex`` stems every post again.
"""
import functools
import re
import threading
import unicodedata
from dataclasses import dataclass

import snowballstemmer

# A word is a run of letters, digits, marks or "_"; everything else separates words,
# so "don't" is "don" and "t", and Markdown punctuation falls away.
_WORD = re.compile(r"\w+")

MAX_TERM_LENGTH = 40  # longer runs (URLs, hashes) are cut; queries are cut the same way
MAX_TERMS = 2000  # a 50,000-character post has fewer distinct words than this in practice
MAX_QUERY_TERMS = 10
MAX_QUERY_LENGTH = 200
DEFAULT_LANGUAGE = "english"
MIN_PREFIX = 3  # shorter beginnings ("a", "th") would match half the index

# Snowball stemmers keep the word being stemmed in the object: one per thread.
_stemmers = threading.local()


def fold(text):
    r"""``text`` without case or accents: "Café" and "CAFE" both become "cafe".

    NFKD splits "é" into "e" and a combining accent (and "ﬁ" into "fi"); dropping the
    marks removes the accents; casefold() then also maps "ß" to "ss". Every mark goes,
    not only accents: a vowel sign left in a Devanagari word would split it in two at
    ``\w``. Queries are folded the same way, so they still match.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch)[0] != "M")
    return stripped.casefold()


def words(text):
    """The normalised words of ``text``, in order, repeats kept."""
    return [word[:MAX_TERM_LENGTH] for word in _WORD.findall(fold(text or ""))]


@functools.lru_cache(maxsize=100_000)
def stem(word, language=DEFAULT_LANGUAGE):
    """The Snowball stem of the folded ``word`` in ``language`` ("walking" → "walk").

    Cached: the stemmers are pure Python, and a blog's vocabulary repeats.
    """
    stemmers = _stemmers.__dict__
    if language not in stemmers:
        stemmers[language] = snowballstemmer.stemmer(language)
    return stemmers[language].stemWord(word)


def search_terms(*texts, language=DEFAULT_LANGUAGE):
    """The distinct words of all ``texts`` and their stems, first seen first, at most
    ``MAX_TERMS``."""
    terms = {}
    for text in texts:
        for word in words(text):
            terms[word] = None
            terms[stem(word, language)] = None
            if len(terms) >= MAX_TERMS:
                return list(terms)[:MAX_TERMS]
    return list(terms)


@dataclass(frozen=True)
class Query:
    """A parsed search: the ``words`` typed (folded, for showing back), the ``stems``
    every post must hold, and the ``prefix`` range ``(low, high)`` one of its terms must
    fall in (the last word, matched as a beginning), or None."""

    words: tuple
    stems: tuple
    prefix: tuple | None

    def __bool__(self):
        return bool(self.stems or self.prefix)

    def mongo_filter(self):
        """The filter on ``search_terms``: the ``$all`` lookup bounds the index scan, the
        prefix range filters what it finds."""
        test = {}
        if self.stems:
            test["$all"] = list(self.stems)
        if self.prefix:
            test["$elemMatch"] = {"$gte": self.prefix[0], "$lt": self.prefix[1]}
        return {"search_terms": test}


def parse_query(query, language=DEFAULT_LANGUAGE):
    """The ``Query`` for the search text ``query`` (at most ten words).

    The last of two or more words is a prefix unless a space or punctuation ends the
    text (the reader finished it) or it is shorter than ``MIN_PREFIX``: "dog walki"
    finds "walking".
    """
    text = (query or "")[:MAX_QUERY_LENGTH]
    typed = tuple(dict.fromkeys(words(text)))[:MAX_QUERY_TERMS]
    stems = [stem(word, language) for word in typed]
    prefix = None
    last = fold(text[-1:])
    if len(typed) > 1 and last and typed[-1].endswith(last) and len(typed[-1]) >= MIN_PREFIX:
        start = stems.pop()
        if start[-1] != "\U0010ffff":
            prefix = (start, start[:-1] + chr(ord(start[-1]) + 1))
    return Query(typed, tuple(dict.fromkeys(stems)), prefix)
