"""Which language a page speaks, and the footer's menu to change it.

The locale is, in order: the signed-in reader's setting (``User.locale``), else the
choice remembered in the ``lang`` cookie, else the best of ``Accept-Language``, else
``DEFAULT_LOCALE``. A ``?lang=`` link (the footer's menu, which needs no script) picks
a language for this page and is remembered: in the cookie, and in the account's
setting when someone is signed in, so the menu works for everyone. Only the shipped
languages (``LANGUAGES`` in config.py) are ever chosen; anything else is ignored.
A browser's regional variant of the chosen language ("en-GB") is kept for dates and
numbers; the messages are the language's.
"""
import re
from functools import lru_cache
from urllib.parse import urlencode

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal
from flask import current_app, g, has_request_context, request
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

# A language with a region, as browsers send it ("en-GB", "es-419"); anything longer
# (scripts, private use) keeps the plain language.
REGIONAL = re.compile(r"[a-zA-Z]{2,3}-(?:[a-zA-Z]{2}|[0-9]{3})")
LOCALE_COOKIE = "lang"
LOCALE_COOKIE_AGE = 365 * 24 * 3600
# Blueprints answering programs (feed readers, API clients, crawlers, other servers):
# they never load the account for its language (that would cost them a query), and
# speak the cookie's or Accept-Language's instead.
FOR_PROGRAMS = frozenset({"api", "feeds", "discovery", "oembed", "media", "health", "activitypub"})


def N_(message):
    """Mark ``message`` for the catalogues without translating it here: it is
    translated where it is shown (a post type's label, say, with ``_(model.label)``)."""
    return message


def shipped(tag):
    """``tag`` when it names a shipped language, else None (the value is the reader's)."""
    return tag if isinstance(tag, str) and tag in current_app.config["LANGUAGES"] else None


def select_locale():
    """Flask-Babel's locale selector: called once per request, on first use (and in
    commands and tasks, which have no reader: they speak the site's default)."""
    if not has_request_context():
        return current_app.config["DEFAULT_LOCALE"]
    chosen = shipped(request.args.get("lang"))
    if chosen:
        g.chosen_locale = chosen
        return regional(chosen)
    user = account()
    if user is not None and shipped(user.locale):
        return regional(user.locale)
    return regional(
        shipped(request.cookies.get(LOCALE_COOKIE))
        or request.accept_languages.best_match(current_app.config["LANGUAGES"])
        or current_app.config["DEFAULT_LOCALE"]
    )


def regional(tag):
    """``tag``, in the reader's regional variant when their browser asks for one Babel
    knows ("en" → "en_GB" for en-GB): the same messages (gettext falls back from en_GB
    to en), with the dates and numbers written as at home ("25 Oct 2025")."""
    for value in request.accept_languages.values():
        if REGIONAL.fullmatch(value) and value[:value.index("-")].lower() == tag:
            try:
                return str(Locale.parse(value, sep="-"))
            except (ValueError, UnknownLocaleError):
                return tag
    return tag


def account():
    """The signed-in account, when this request may load it (or has already)."""
    user = g.get("_login_user")
    if user is None and request.blueprint not in FOR_PROGRAMS:
        user = current_user._get_current_object()
    return user if user is not None and user.is_authenticated else None


def remember_choice(response):
    """Keep a ``?lang=`` choice: in the cookie, and on the signed-in reader's account.
    A response in a chosen language says what chose it, for caches."""
    if getattr(g.get("_flask_babel"), "babel_locale", None) is not None:
        response.vary.update(("Accept-Language", "Cookie"))
    chosen = g.get("chosen_locale")
    if chosen:
        if request.cookies.get(LOCALE_COOKIE) != chosen:
            response.set_cookie(LOCALE_COOKIE, chosen, max_age=LOCALE_COOKIE_AGE, samesite="Lax", httponly=True)
        user = account()
        if user is not None and user.locale != chosen:
            user.set_locale(chosen)
    return response


def page_language():
    """``(tag, direction)`` for ``<html lang dir>``: "pt-BR"-style tag, "ltr" or "rtl"."""
    locale = get_locale()
    tag = "-".join(part for part in (locale.language, locale.script, locale.territory) if part)
    return tag, locale.text_direction


def language_links():
    """The footer's menu: ``(tag, name, url, current)`` per shipped language, each
    link this page with ``?lang=`` (and its other arguments) kept."""
    current = get_locale()
    args = [(name, value) for name, value in request.args.items(multi=True) if name != "lang"]
    return [
        (tag.replace("_", "-"), name, f"{request.path}?{urlencode([*args, ('lang', tag)])}",
         tag in (str(current), current.language))
        for tag, name in current_app.config["LANGUAGES"].items()
    ]


def page_locale():
    """This request's language tag ("en_GB"), worked out once: a page asks per card."""
    tag = g.get("locale_tag")
    if tag is None:
        tag = g.locale_tag = str(get_locale())
    return tag


@lru_cache(maxsize=4096)
def _formatted(number, tag):
    return format_decimal(number, locale=tag)


def formatted_number(number):
    """``number`` as the page's language writes it ("1,234", "1.234"), for the counts on
    every card: each number is formatted once per language, not once per card."""
    return _formatted(number, page_locale())


def translations():
    """The page's Translations. Flask-Babel finds them afresh on every call (~20 µs, and
    a page asks forty times); this keeps them for the request, for as long as the
    locale Flask-Babel holds is the same object (``force_locale`` swaps it)."""
    context = g.get("_flask_babel")  # Flask-Babel's own per-request namespace
    kept = getattr(context, "kept_translations", None)
    if kept is None or kept[0] is not getattr(context, "babel_locale", None):
        kept = (get_locale(), get_translations())
        g._flask_babel.kept_translations = kept
    return kept[1]


@pass_eval_context
def template_gettext(eval_context, message, **variables):
    """``_()`` in templates, as Jinja's "newstyle" gettext: values go in escaped."""
    return _formatted_message(eval_context, translations().ugettext(message), variables)


@pass_eval_context
def template_ngettext(eval_context, singular, plural, number, **variables):
    """``ngettext()`` in templates; ``%(num)s`` is ``number`` unless given."""
    variables.setdefault("num", number)
    return _formatted_message(eval_context, translations().ungettext(singular, plural, number), variables)


def _formatted_message(eval_context, text, variables):
    if eval_context.autoescape:
        text = Markup(text)
    return text % variables if "%" in text else text


def register(app):
    # Flask-Babel installs Jinja's newstyle gettext, which costs ~17 µs a call (two
    # context calls and a lookup of the translations each time); a page makes forty.
    # These do the same through the request's Translations, at a quarter of the cost.
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)
    app.jinja_env.filters["number"] = formatted_number
    app.after_request(remember_choice)
    app.jinja_env.globals["page_language"] = page_language
    app.jinja_env.globals["language_links"] = language_links
