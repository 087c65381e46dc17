"""Translations: every catalogue shipped is whole and well-formed, the compiled files
match their sources, the language is chosen as the README says, and — with a
pseudo-locale built from the message template — no text on any page, mail or API error
escapes translation."""
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup, Comment as HtmlComment, Doctype

from factories import make_post, make_user
from tumblelog import mail
from config import Config
from tumblelog.federation.models import RemotePost
from tumblelog.models import Comment, Photo, parse_dialogue, utcnow

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "tumblelog" / "translations"
SHIPPED = ["es", "de", "ja", "ar"]
COMPLETE = ["es", "de", "ja", "ar"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def catalogue(locale):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=locale)


def template():
    with open(TRANSLATIONS / "messages.pot", "rb") as pot:
        return read_po(pot)


def forms(message):
    """A message's text and each of its translations, as a list."""
    return list(message) if isinstance(message, (list, tuple)) else [message]


# --- the catalogues ------------------------------------------------------------------


def test_the_template_holds_every_message_the_code_marks():
    """`make translations` was run after the last change to a marked string."""
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_ngettext": (1, 2), "N_": None}
    found = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(ROOT, method_map, options_map, keywords=keywords)
    }
    listed = {message.id if isinstance(message.id, str) else message.id[0] for message in template() if message.id}
    assert found - listed == set(), "run `make translations`"
    assert listed - found == set(), "run `make translations`"


@pytest.mark.parametrize("locale", COMPLETE)
def test_a_shipped_catalogue_translates_every_message(locale):
    po = catalogue(locale)
    ids = {message.id for message in po if message.id}
    missing = [message.id for message in template() if message.id and message.id not in ids]
    untranslated = [message.id for message in po if message.id and not all(forms(message.string))]
    fuzzy = [message.id for message in po if message.id and message.fuzzy]
    assert (missing, untranslated, fuzzy) == ([], [], [])


@pytest.mark.parametrize("locale", SHIPPED)
def test_translations_keep_every_placeholder(locale):
    """``%(name)s`` names are the same in a translation as in the English (a plural
    form may leave out ``%(num)d``: Japanese has one form, Arabic says "one" in words)."""
    wrong = []
    for message in catalogue(locale):
        if not message.id or not all(forms(message.string)):
            continue
        wanted = set(PLACEHOLDER.findall(forms(message.id)[-1]))
        for text in forms(message.string):
            given = set(PLACEHOLDER.findall(text))
            if given - wanted or wanted - given - {"%(num)d", "%(num)s"}:
                wrong.append((message.id, text))
    assert wrong == []


@pytest.mark.parametrize("locale", SHIPPED)
def test_the_compiled_catalogue_is_built_from_its_source(locale):
    def pairs(messages):
        return {tuple(forms(message.id)): tuple(forms(message.string)) for message in messages if message.id}

    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo", "rb") as mo:
        compiled = pairs(read_mo(mo))
    source = pairs(message for message in catalogue(locale) if all(forms(message.string)))
    assert compiled == source, "run `make translations`"


# --- choosing the language -----------------------------------------------------------


def html_lang(response):
    root = BeautifulSoup(response.get_data(as_text=True), "html.parser").html
    return root["lang"], root["dir"]


def test_a_reader_gets_the_best_shipped_language_their_browser_asks_for(client):
    assert html_lang(client.get("/", headers={"Accept-Language": "fr;q=1, de;q=0.8, en;q=0.5"})) == ("de", "ltr")
    assert html_lang(client.get("/", headers={"Accept-Language": "ar"})) == ("ar", "rtl")
    assert html_lang(client.get("/", headers={"Accept-Language": "fr, pt"})) == ("en", "ltr")


def test_a_regional_variant_keeps_the_messages_and_writes_dates_as_at_home(app, client):
    with app.app_context():
        post = make_post("quote", make_user("zzada"), created_at=datetime(2025, 10, 25, 12, tzinfo=timezone.utc))
    dates = {}
    for asked in ["en-US", "en-GB", "de-AT", "es-419", "en-XX", "en-gb-oed", "x" * 300]:
        response = client.get(f"/post/{post.id}", headers={"Accept-Language": asked}, follow_redirects=True)
        dates[asked] = (html_lang(response)[0], BeautifulSoup(response.get_data(as_text=True), "html.parser")
                        .select_one(".post__meta time").get_text())
    assert dates == {
        "en-US": ("en-US", "Oct 25, 2025"),
        "en-GB": ("en-GB", "25 Oct 2025"),
        "de-AT": ("de-AT", "25.10.2025"),
        "es-419": ("es-419", "25 oct 2025"),
        "en-XX": ("en", "Oct 25, 2025"),
        "en-gb-oed": ("en", "Oct 25, 2025"),
        "x" * 300: ("en", "Oct 25, 2025"),
    }


def test_the_site_default_speaks_to_browsers_that_ask_for_nothing_shipped(app_factory):
    client = app_factory(DEFAULT_LOCALE="es").test_client()
    assert html_lang(client.get("/", headers={"Accept-Language": "fi"})) == ("es", "ltr")


def test_the_language_menu_chooses_and_the_cookie_remembers(client):
    menu = BeautifulSoup(client.get("/tag/zz?page=1").get_data(as_text=True), "html.parser").select(".language-menu a")
    links = {link["hreflang"]: link["href"] for link in menu}
    assert links["ja"] == "/tag/zz?page=1&lang=ja" and menu[0]["aria-current"] == "true"
    response = client.get(links["ja"], headers={"Accept-Language": "de"})
    assert html_lang(response) == ("ja", "ltr")
    assert "ログイン" in response.get_data(as_text=True)
    assert "Accept-Language" in response.headers["Vary"]
    assert html_lang(client.get("/", headers={"Accept-Language": "de"})) == ("ja", "ltr")


@pytest.mark.parametrize("chosen", ["xx", "../../etc", "ja\r\nSet-Cookie: a=b", "EN", "ja_JP", "a" * 500])
def test_a_language_the_site_does_not_ship_is_ignored(client, chosen):
    response = client.get("/", query_string={"lang": chosen}, headers={"Accept-Language": "de"})
    assert response.status_code == 200
    assert html_lang(response) == ("de", "ltr")
    assert "lang=" not in response.headers.get("Set-Cookie", "")
    client.set_cookie("lang", chosen)
    assert html_lang(client.get("/", headers={"Accept-Language": "de"})) == ("de", "ltr")


def test_an_account_keeps_its_language_on_every_browser(app, auth):
    auth.register("zzmei")
    response = auth.client.post("/settings", data={"section": "language", "locale": "de"}, follow_redirects=True)
    assert html_lang(response) == ("de", "ltr")
    assert "Deine Sprache ist gespeichert." in response.get_data(as_text=True)
    other = app.test_client()
    auth.__class__(other).login("zzmei")
    assert html_lang(other.get("/", headers={"Accept-Language": "ja"})) == ("de", "ltr")
    other.get("/?lang=es")  # the menu, signed in, changes the account's setting
    assert html_lang(auth.client.get("/")) == ("es", "ltr")


def test_the_settings_refuse_a_language_not_shipped(auth):
    auth.register("zzmei")
    response = auth.client.post("/settings", data={"section": "language", "locale": "xx"})
    assert response.status_code == 422


def test_a_japanese_reader_gets_japanese_form_errors_dates_and_api_errors(client):
    client.get("/?lang=ja")
    response = client.post("/auth/login", data={})
    assert response.status_code == 422
    assert "このフィールドは必須です。" in response.get_data(as_text=True)  # WTForms' own catalogue
    api = client.get("/api/v1/posts?limit=0", headers={"Accept-Language": "ja"})
    assert api.json["error"]["message"] == "limit には 1 から 100 までの整数を指定してください。"


# --- the pseudo-locale: nothing escapes translation -----------------------------------

PSEUDO = "en_001"  # a locale Babel knows and the site never ships: stands in for en-XA
ACCENTS = str.maketrans("aeiouAEIOUcnyCNY", "áéíóúÁÉÍÓÚçñýÇÑÝ")
# Markup, placeholders and entities stay as they are; only the words around them change.
KEEP = re.compile(r"(%\(\w+\)[sd]|<[^>]*>|&\w+;|%%)")


def pseudo(text):
    """⟦ + the text with its letters accented and 40% longer + ⟧, markup untouched."""
    parts = KEEP.split(text)
    words = "".join(part.translate(ACCENTS) if index % 2 == 0 else part for index, part in enumerate(parts))
    padding = "~" * (len(text) * 2 // 5)
    return f"⟦{words}{padding}⟧"


@pytest.fixture(scope="module")
def pseudo_catalogue(tmp_path_factory):
    directory = tmp_path_factory.mktemp("translations")
    catalog = Catalog(locale=PSEUDO)
    for message in template():
        if message.id:
            catalog.add(message.id, [pseudo(text) for text in message.id] if message.pluralizable else pseudo(message.id))
    (directory / PSEUDO / "LC_MESSAGES").mkdir(parents=True)
    with open(directory / PSEUDO / "LC_MESSAGES" / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    return directory


@pytest.fixture
def pseudo_app(app_factory, pseudo_catalogue):
    languages = {**Config.LANGUAGES, PSEUDO: "Pseudo"}
    return app_factory(LANGUAGES=languages, BABEL_TRANSLATION_DIRECTORIES=f"translations;{pseudo_catalogue}")


# What the fixtures' users wrote, and their names: every word of it carries "zz".
USER_WORDS = re.compile(r"\S*zz\S*", re.I)
# What is never a message: the site's name, and links.
NOT_WORDS = re.compile(r"\btumblelog\b|https?://\S+")


def outside_brackets(text):
    """The characters of ``text`` not inside a ⟦…⟧ (which may nest)."""
    depth, kept = 0, []
    for char in text:
        if char == "⟦":
            depth += 1
        elif char == "⟧":
            depth -= 1
        elif depth == 0:
            kept.append(char)
    return "".join(kept)


def escaped_words(text):
    """Words of ``text`` that no translation wrapped and no user wrote."""
    rest = NOT_WORDS.sub(" ", USER_WORDS.sub(" ", outside_brackets(text)))
    return re.findall(r"[^\W\d_]+", rest)


def untranslated_text(html):
    """The visible words of a page, and of its labels for assistive technology, that
    escaped translation. Dates (locale data, not messages), the language menu (each
    name in its own language) and the language select's options are left out."""
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.select("script, style, time, .language-menu, select[name=locale] option"):
        element.decompose()
    text = " ".join(
        str(node) for node in soup.find_all(string=True) if not isinstance(node, (HtmlComment, Doctype))
    )
    found = escaped_words(text)
    for element in soup.find_all(True):
        for attribute in ("aria-label", "placeholder", "title", "alt", "data-preview-heading", "data-preview-error"):
            if element.get(attribute):
                found += escaped_words(element[attribute])
    return found


def seed_site():
    """Every kind of post, a reblog, comments, a report and notifications, all written
    by users whose names and words carry "zz"."""
    admin, ada = make_user("zzadmin", is_admin=True), make_user("zzada")
    ada.update(set__display_name="zzAda zzLovelace", set__bio="zzWrites zzcode", set__blog_title="zzNotes")
    words = {
        "blog": {"title": "zzHello zzworld", "body": "zzSome *zzMarkdown* zztext."},
        "image": {"image_url": "https://zzimages.example/cat.jpg", "caption": "zzA zzcat", "alt": "zzcat"},
        "video": {"video_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "caption": "zzA zzclassic"},
        "quote": {"quote": "zzSimple zzis zzbetter.", "source": "zzZen"},
        "link": {"url": "https://zzsite.example/read", "title": "zzWorth zzreading", "description": "zzgood"},
        "audio": {"audio_url": "https://soundcloud.com/zzforss/zzflickermood", "track": "zzFlickermood", "artist": "zzForss"},
        "chat": {"title": "zzAt zzdesk", "dialogue": parse_dialogue("zzAda: zzTests?\nzzLinus: zzYes.")},
        "photoset": {
            "photos": [Photo(url="https://zzimages.example/1.jpg", alt="zzred"), Photo(url="https://zzimages.example/2.jpg")],
            "caption": "zzDoors", "layout": "",
        },
    }
    posts = {
        kind: make_post(kind, ada, tags=["zztag"], created_at=utcnow() - timedelta(hours=number), **fields)
        for number, (kind, fields) in enumerate(words.items(), start=1)
    }
    posts["blog"].add_comment(Comment(body="zzNice zzpost", author_name="zzguest"))
    posts["labelled"] = make_post("quote", ada, tags=["zztag"], quote="zzlabelled", source="zzsource", labels=["mature"],
                                  pinned=True)
    # A fediverse account the admin follows, for the dashboard's remote posts.
    RemotePost(object_id="https://zzsocial.example/notes/1", actor="https://zzsocial.example/users/zzyan",
               handle="@zzyan@zzsocial.example", sensitive=True, content_html="<p>zzhello</p>",
               url="https://zzsocial.example/@zzyan/1", published=utcnow()).save()
    admin.update(push__followed_actors="https://zzsocial.example/users/zzyan")
    # The admin's own unpublished posts, for /drafts and /queue.
    make_post("quote", admin, quote="zzdraft", source="zzsource", state="draft")
    make_post("quote", admin, quote="zzqueued", source="zzsource", state="queued", published_at=utcnow() + timedelta(hours=5))
    make_post("quote", admin, quote="zzqueued2", source="zzsource", state="queued", published_at=utcnow() + timedelta(hours=9))
    return admin, ada, posts


def pages(posts, ada):
    first = posts["blog"].id
    signed_out = ["/", "/tag/zztag", "/user/zzada", "/search?q=zzhello", "/search?q=zznothing", "/search",
                  "/auth/login", "/auth/register", "/auth/reset", "/no-such-page", "/post/" + "0" * 24]
    signed_out += [f"/post/{post.id}" for post in posts.values()]
    signed_in = ["/", "/dashboard", "/following", "/settings", "/activity", "/drafts", "/queue", "/admin", "/admin/users",
                 f"/admin/users/{ada.username}", "/admin/comments", "/admin/reports", "/admin/settings",
                 "/admin/audit", "/admin/invites", "/admin/federation", "/admin/mentions", "/labels", "/mutes", "/fediverse", f"/post/{first}/held", f"/post/{first}/report", f"/post/{first}/reblog",
                 f"/post/{first}/edit", f"/post/{first}", f"/post/{posts['labelled'].id}"]
    signed_in += [f"/post/new/{kind}" for kind in ("blog", "image", "video", "quote", "link", "audio", "chat", "photoset")]
    return signed_out, signed_in


def test_no_page_has_text_that_escaped_translation(pseudo_app):
    with pseudo_app.app_context():
        admin, ada, posts = seed_site()
        signed_out, signed_in = pages(posts, ada)
    reader = pseudo_app.test_client()
    assert "Sign" in untranslated_text(reader.get("/").get_data(as_text=True)), "the check must see English"
    reader.set_cookie("lang", PSEUDO)
    escaped = {}
    for path in signed_out:
        response = reader.get(path, follow_redirects=True)
        assert response.status_code in (200, 404), path
        escaped[path] = untranslated_text(response.get_data(as_text=True))
    admin_client = pseudo_app.test_client()
    admin_client.set_cookie("lang", PSEUDO)
    response = admin_client.post("/auth/login", data={"username": "zzadmin", "password": "correct horse"},
                                 follow_redirects=True)
    assert "⟦" in response.get_data(as_text=True)
    escaped["sign-in flash"] = untranslated_text(response.get_data(as_text=True))
    for path in signed_in:
        response = admin_client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        escaped["zzadmin " + path] = untranslated_text(response.get_data(as_text=True))
    assert {path: words for path, words in escaped.items() if words} == {}


def test_no_mail_has_text_that_escaped_translation(pseudo_app):
    with pseudo_app.app_context():
        admin, ada, posts = seed_site()
        ada.update(set__locale=PSEUDO)
        ada.reload()
    with pseudo_app.test_request_context("/"):
        link = "https://zzlink.example/zz"
        composed = [
            mail.compose("verify_email", ada.email, mail_subject("Confirm your e-mail address"), user=ada, link=link),
            mail.compose("change_email", ada.email, mail_subject("Confirm your new e-mail address"), user=ada, link=link),
            mail.compose("reset_password", ada.email, mail_subject("Choose a new password"), user=ada, link=link),
            mail.compose("digest", ada.email, mail_subject("Your week on %(site)s: %(num)d new post", site="zzsite"),
                         user=ada, posts=list(posts.values())[:2], unsubscribe=link, week="2026-W48"),
        ]
    escaped = {}
    for message in composed:
        escaped[message["subject"]] = escaped_words(message["subject"]) + escaped_words(message["text"].replace("--", ""))
        escaped[message["subject"] + " (html)"] = untranslated_text(message["html"])
    assert {name: words for name, words in escaped.items() if words} == {}


def mail_subject(text, **variables):
    from flask_babel import lazy_gettext, lazy_ngettext

    if "%(num)d" in text:
        return lazy_ngettext(text, text.replace("post", "posts"), 2, **variables)
    return lazy_gettext(text, **variables)


def test_no_api_error_escapes_translation(pseudo_app):
    client = pseudo_app.test_client()
    client.set_cookie("lang", PSEUDO)
    for path in ["/api/v1/posts?limit=0", "/api/v1/posts/" + "0" * 24, "/api/v1/users/zznobody", "/api/v1/nothing"]:
        error = client.get(path).json["error"]
        assert escaped_words(error["message"]) == [], path
