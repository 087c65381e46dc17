import pytest

from tumblelog.tags import MAX_TAG_ITEMS, MAX_TAG_LENGTH, MAX_TAGS, MAX_TAGS_TEXT, TagError, normalize_tag, parse_tags

CAFE_NFC = "caf\u00e9"
CAFE_NFD = "cafe\u0301"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Python", "python"),
        ("  MongoDB  ", "mongodb"),
        ("#python", "python"),
        ("# python", "python"),
        ("##python", "python"),
        ("#", ""),
        ("", ""),
        ("   ", ""),
        ("machine   learning", "machine learning"),
        ("machine\t\nlearning", "machine learning"),
        ("no\u00a0break", "no break"),
        (CAFE_NFD, CAFE_NFC),
        (CAFE_NFC.upper(), CAFE_NFC),
        ("CAFE\u0301", CAFE_NFC),
        ("py\u200bthon", "python"),
        ("py\u200dthon", "python"),
        ("\ufeffpython", "python"),
        ("\u202eelgoog", "elgoog"),
        ("\u2066flask\u2069", "flask"),
        ("e\u200b\u0301", "\u00e9"),
        ("Straße", "straße"),
        ("ΟΔΟΣ", "οδος"),  # lower() keeps the final sigma; casefold() would not
        ("don’t panic", "don't panic"),
        ("c#", "c#"),
        # Python counts these controls as whitespace, so they collapse too.
        ("a\x1fb", "a b"),
        ("a\x85b", "a b"),
    ],
)
def test_normalize_tag(raw, expected):
    assert normalize_tag(raw) == expected


def test_parse_tags_from_form_text_dedupes_in_order():
    assert parse_tags("Python, flask ,, #MongoDB, python, FLASK, ") == [
        "python",
        "flask",
        "mongodb",
    ]


def test_parse_tags_from_list():
    assert parse_tags(["Flask", " flask", CAFE_NFD, CAFE_NFC]) == ["flask", CAFE_NFC]


@pytest.mark.parametrize("value", ["", " , ,", [], ["", "#", "\u200b"]])
def test_parse_tags_empty(value):
    assert parse_tags(value) == []


@pytest.mark.parametrize(
    "tag",
    [
        "日本語",
        "русский",
        "العربية",
        "हिन्दी",
        "ελληνικά",
        "한국어",
        "c++",
        "rock'n'roll",
        "r&b",
        "snake_case",
        "web-dev",
        "node.js",
        ".net",
        "2024",
    ],
)
def test_parse_tags_accepts_words_of_any_script(tag):
    assert parse_tags(tag) == [tag]


def test_tag_count_limit():
    tags = [f"tag{n}" for n in range(MAX_TAGS)]
    assert parse_tags(", ".join(tags)) == tags
    # Duplicates do not count towards the limit.
    assert parse_tags(tags + tags) == tags
    with pytest.raises(TagError, match=str(MAX_TAGS)):
        parse_tags(tags + ["one more"])


def test_tag_length_limit():
    assert parse_tags("a" * MAX_TAG_LENGTH) == ["a" * MAX_TAG_LENGTH]
    with pytest.raises(TagError) as excinfo:
        parse_tags("ok, " + "b" * (MAX_TAG_LENGTH + 1))
    message = str(excinfo.value)
    assert "bbbbbbbbbb" in message and "b" * MAX_TAG_LENGTH not in message


@pytest.mark.parametrize(
    "tag",
    [
        "a/b",
        "/",
        "a\\b",
        "what?",
        "c#sharp#",
        "c#",
        "100%",
        "%2e%2e",
        "a\x00b",
        "bell\x07",
        "del\x7f",
        "\x1b[31mred",
        "csi\x9b",
        ".",
        "..",
        "...",
        "a..b",
        "../etc",
        "🐍",
        "python🐍",
        "❤️",
        "1\ufe0f\u20e3",
        "a<b>",
        'say "hi"',
        "a;b",
        "a:b",
        "$money",
        "tag@home",
        "½",
        "😀" * 3,
    ],
)
def test_parse_tags_rejects_forbidden_shapes(tag):
    with pytest.raises(TagError, match="letters, digits"):
        parse_tags(["fine", tag])


@pytest.mark.parametrize("value", [None, 42, [None], ["ok", 3], [b"bytes"]])
def test_parse_tags_rejects_non_text(value):
    with pytest.raises(TagError):
        parse_tags(value)


# --- Bounded work, whatever is sent ------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "," * 10_000_000,  # ten megabytes of empty items
        ", " * (MAX_TAGS_TEXT // 2 + 1),
        "a" * (MAX_TAGS_TEXT + 1),
        [""] * 1_000_000,
        ["python"] * 1_000_000,  # one tag, repeated
    ],
    ids=["10 MB of commas", "empty items past the text cap", "one long word", "a million empty", "a million repeats"],
)
def test_parse_tags_refuses_floods_of_items(value):
    with pytest.raises(TagError):
        parse_tags(value)


def test_parse_tags_stops_reading_after_its_item_cap():
    pulled = []

    def endless():
        while len(pulled) < 10 * MAX_TAG_ITEMS:
            pulled.append(1)
            yield ""

    with pytest.raises(TagError):
        parse_tags(endless())
    assert len(pulled) == MAX_TAG_ITEMS + 1


def test_parse_tags_takes_the_longest_list_a_person_could_mean():
    tags = [f"{i:02d}" + "x" * (MAX_TAG_LENGTH - 2) for i in range(MAX_TAGS)]
    assert parse_tags(", ".join(tags)) == tags
