"""Search keywords: the words of a post, normalised so that search ignores case and
accents.

MongoDB's keyword-array pattern: each post stores the distinct normalised words of its
text in ``search_terms``, a multikey-indexed list, and a search asks for posts whose
list holds ``$all`` the query's words. It works the same on every server (and on
mongomock, which has no ``$text``) and needs no regular expressions.
"""
import re
import unicodedata

# A word is a run of letters, digits, marks or "_"; everything else separates words,
# so "don't" is "don" and "t", and Markdown punctuation falls away.
_WORD = re.compile(r"\w+")

MAX_TERM_LENGTH = 40  # longer runs (URLs, hashes) are cut; queries are cut the same way
MAX_TERMS = 2000  # a 50,000-character post has fewer distinct words than this in practice
MAX_QUERY_TERMS = 10
MAX_QUERY_LENGTH = 200


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


def search_terms(*texts):
    """The distinct words of all ``texts``, first seen first, at most ``MAX_TERMS``."""
    terms = {}
    for text in texts:
        for word in words(text):
            terms[word] = None
            if len(terms) >= MAX_TERMS:
                return list(terms)
    return list(terms)


def query_terms(query):
    """The distinct words a search for ``query`` must all match (at most ten)."""
    return search_terms((query or "")[:MAX_QUERY_LENGTH])[:MAX_QUERY_TERMS]
