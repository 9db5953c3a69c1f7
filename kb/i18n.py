"""The interface language: which one a request is in, how its address carries it, and Indian formats.

English and Hindi are equal. A page's language is in its address: ``/hi/cases/KB-0001`` is Hindi and
``/en/cases/KB-0001`` English, whoever opens the link and whatever their cookie says, so a shared link
opens in the language it was shared in. ``LanguageInPath`` (WSGI) moves that prefix from the path to
the script root, so the routes stay the same and every ``url_for`` of the page keeps the language.
An address without a prefix (a permalink, a citation, an old bookmark) is English unless the visitor
prefers Hindi (the ``kb_lang`` cookie, set whenever a page is opened under a prefix, or else the
browser's languages): such a visitor is sent on to the ``/hi/`` address.

Addresses that do not depend on the language never carry a prefix: the JSON API (English codes and
field names, per ../shared/API.md), static files, file downloads and health checks (``NEUTRAL``).

Formats follow Babel's ``en_IN`` and ``hi_IN`` locales: dates as 12 January 2026 / 12 जनवरी 2026 (or
12/01/2026 where space is short), times in IST, numbers grouped the Indian way (12,34,567), and lakh and
crore where a text counts in them.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import tempfile
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit, urlunsplit

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
import flask_babel
from flask import Flask, current_app, g, has_request_context, redirect, request
from flask_babel import get_locale

log = logging.getLogger(__name__)

LANGUAGES = ("en", "hi")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "hi": "हिन्दी"}
BABEL_LOCALES = {"en": "en_IN", "hi": "hi_IN"}
TIMEZONE = "Asia/Kolkata"
COOKIE = "kb_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

# Endpoints whose answer is the same in every language: never under a language prefix.
NEUTRAL = frozenset({
    "static", "public.health", "public.case_citation", "public.case_version_citation",
    "attachments.download", "public.choose_language",
    # For crawlers, harvesters and spreadsheets: one address whatever the visitor's language.
    "discovery.robots", "discovery.sitemap", "discovery.sitemap_pages", "discovery.sitemap_cases",
    "discovery.oai_endpoint", "discovery.export_results", "discovery.pack_bibliography",
})
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


# ---------------------------------------------------------------------------------------------------
# The language of a request


class LanguageInPath:
    """WSGI middleware: ``/hi/...`` and ``/en/...`` name the language. The prefix moves from PATH_INFO to
    SCRIPT_NAME, so routing is unchanged and every URL built for the page carries the language."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO") or ""
        for language in LANGUAGES:
            prefix = f"/{language}"
            if path == prefix or path.startswith(prefix + "/"):
                environ["kb.site_root"] = environ.get("SCRIPT_NAME", "")
                environ["kb.language"] = language
                environ["SCRIPT_NAME"] = environ["kb.site_root"] + prefix
                environ["PATH_INFO"] = path[len(prefix):] or "/"
                break
        return self.wsgi_app(environ, start_response)


def language_in_path() -> str | None:
    """The language the request's address names, if it names one."""
    return request.environ.get("kb.language") if has_request_context() else None


def site_root() -> str:
    """The site's own script root, without any language prefix."""
    return request.environ.get("kb.site_root", request.script_root)


def preferred_language() -> str:
    """The visitor's remembered choice (cookie), else the best of their browser's languages."""
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def request_language() -> str:
    """The interface language of the current request: its address, else (API: English) the preference."""
    language = language_in_path()
    if language:
        return language
    if request.path.startswith("/api/") or request.path == "/api":
        return DEFAULT_LANGUAGE
    return preferred_language()


def select_locale() -> str:
    """Flask-Babel's locale selector: the request's language in its Indian locale; outside a request
    (the CLI, services called from it) the default."""
    if not has_request_context():
        return BABEL_LOCALES[DEFAULT_LANGUAGE]
    return BABEL_LOCALES[request_language()]


def current_language() -> str:
    """``en`` or ``hi``: the language text is being written in now (a request's, or one forced with
    ``in_language``)."""
    locale = get_locale()
    language = locale.language if locale is not None else DEFAULT_LANGUAGE
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def has_devanagari(text) -> bool:
    """Whether a text (a tag, an award, a title) is written, at least in part, in Devanagari: it is then
    marked ``lang="hi"`` wherever the page around it may be English."""
    return any("\u0900" <= ch <= "\u097f" for ch in str(text))


def babel_locale(language: str | None) -> str:
    return BABEL_LOCALES.get(language or DEFAULT_LANGUAGE, BABEL_LOCALES[DEFAULT_LANGUAGE])


def in_language(language: str | None):
    """A context in which gettext and the formats speak ``language`` (for mail to a user, a PDF)."""
    from flask_babel import force_locale

    return force_locale(babel_locale(language))


def current_translations():
    """Flask-Babel's translations for the current locale, looked up once per request and locale: a page
    asks for some forty strings, and each lookup by name costs as much as the rest of the call. Kept by
    the locale object itself, so ``in_language`` (which sets another) gets its own."""
    locale = get_locale()
    kept = g.get("kb_translations")
    if kept is not None and kept[0] is locale:
        return kept[1]
    translations = flask_babel.get_translations()
    g.kb_translations = (locale, translations)
    return translations


def install_template_gettext(app) -> None:
    """The templates' ``_``, ``gettext`` and ``ngettext``, as Flask-Babel's but through ``current_translations``."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: current_translations().ugettext(s),
        ngettext=lambda s, p, n: current_translations().ungettext(s, p, n),
        pgettext=lambda c, s: current_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


def is_neutral(endpoint: str | None) -> bool:
    return endpoint is not None and (endpoint in NEUTRAL or endpoint.startswith("api."))


def _resolved(endpoint: str) -> str:
    if endpoint.startswith(".") and has_request_context() and request.blueprint:
        return request.blueprint + endpoint
    return endpoint


def strip_language(url: str) -> str:
    """``url`` (built under a language prefix) without the prefix."""
    if not language_in_path():
        return url
    prefixed, plain = request.script_root, site_root()
    parts = urlsplit(url)
    if parts.path == prefixed or parts.path.startswith(prefixed + "/"):
        return urlunsplit(parts._replace(path=plain + parts.path[len(prefixed):]))
    return url


def url_in_language(language: str, *, path: str | None = None, query: str | None = None) -> str:
    """This page (or ``path`` on this site) under ``language``'s prefix, with its query string."""
    path = request.path if path is None else path
    query = request.query_string.decode("latin-1") if query is None else query
    return f"{site_root()}/{language}{path}" + (f"?{query}" if query else "")


def path_without_language(path: str) -> str:
    """A path on this site without its language prefix (``/hi/cases?q=x`` -> ``/cases?q=x``)."""
    for language in LANGUAGES:
        prefix = f"/{language}"
        if path == prefix or path.startswith((prefix + "/", prefix + "?")):
            rest = path[len(prefix):]
            return rest if rest.startswith("/") else "/" + rest
    return path


def current_path() -> str:
    """This page's address as the visitor sees it (language prefix and query string included), for
    ``next=`` after a login and for forms that post back to the same page."""
    query = request.query_string.decode("latin-1")
    return request.script_root + request.path + (f"?{query}" if query else "")


class LanguageAwareFlask(Flask):
    """Flask whose ``url_for`` leaves the language prefix off addresses that do not depend on it, and
    remembers the relative addresses it built: a list page builds a hundred of them (each case's, its
    MMP's and state's, the footer's), the same ones page after page, and building one costs ~40 µs."""

    URL_MEMORY = 20_000

    def url_for(self, endpoint: str, *args, **values) -> str:
        endpoint = _resolved(endpoint)
        key = None
        if not args and not values.get("_external") and has_request_context():
            try:
                key = (request.script_root, endpoint, tuple(sorted(values.items())))
                hash(key)
            except TypeError:  # a list among the values (url_with's repeated arguments): build it
                key = None
            else:
                url = self._built.get(key)
                if url is not None:
                    return url
        url = super().url_for(endpoint, *args, **values)
        if is_neutral(endpoint):
            url = strip_language(url)
        if key is not None:
            if len(self._built) >= self.URL_MEMORY:
                self._built.clear()
            self._built[key] = url
        return url

    @functools.cached_property
    def _built(self) -> dict:
        return {}


def register(app: Flask) -> None:
    """Negotiate unprefixed pages, keep the API and downloads unprefixed, and remember the choice."""
    app.wsgi_app = LanguageInPath(app.wsgi_app)

    @app.before_request
    def send_to_the_language_address():
        endpoint = request.endpoint
        if language_in_path():
            if request.path.startswith("/api/") or request.path == "/api":
                from werkzeug.exceptions import NotFound

                raise NotFound()
            return None
        if (request.method not in ("GET", "HEAD") or endpoint is None or is_neutral(endpoint)
                or request.path.startswith("/api/")):
            return None
        language = preferred_language()
        if language == DEFAULT_LANGUAGE:
            return None
        response = redirect(url_in_language(language), code=302)
        response.vary.update(("Cookie", "Accept-Language"))
        return response

    @app.after_request
    def remember_the_language(response):
        language = language_in_path()
        if language and request.cookies.get(COOKIE) != language and request.endpoint is not None:
            response.set_cookie(COOKIE, language, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                                secure=app.config.get("SESSION_COOKIE_SECURE", False))
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Language", current_language())
            if not language:
                response.vary.update(("Cookie", "Accept-Language"))
        return response


# ---------------------------------------------------------------------------------------------------
# Formats


def _locale() -> Locale:
    locale = get_locale()
    return locale if locale is not None else Locale.parse(BABEL_LOCALES[DEFAULT_LANGUAGE])


@functools.lru_cache(maxsize=1)
def _india() -> dt.tzinfo:
    return babel_dates.get_timezone(TIMEZONE)


def to_ist(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(_india())


def format_date(value: dt.date | dt.datetime | None) -> str:
    """12 January 2026 / 12 जनवरी 2026 (a datetime's date as it was in India)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_ist(value).date()
    return babel_dates.format_date(value, "long", locale=_locale())


def format_short_date(value: dt.date | dt.datetime | None) -> str:
    """12/01/2026 (day, month, year), where a table has little room."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_ist(value).date()
    return babel_dates.format_date(value, "dd/MM/yyyy", locale=_locale())


def format_datetime(value: dt.datetime | None) -> str:
    """4 December 2026, 6:38 am IST: the time as it was in India."""
    if value is None:
        return ""
    return babel_dates.format_datetime(to_ist(value), "d MMMM y, h:mm a", locale=_locale()) + " IST"


def format_number(value) -> str:
    """12,34,567 and 12,34,567.5 (Indian grouping; at most two decimals); an en dash for no value."""
    if value is None:
        return "–"
    if isinstance(value, int) and -1000 < value < 1000:
        return str(value)  # no grouping, and both locales write 0–9 (the many small counts of a page)
    number = float(value)
    if number.is_integer():
        return babel_numbers.format_decimal(int(number), locale=_locale())
    return babel_numbers.format_decimal(round(number, 2), format="#,##,##0.##", locale=_locale())


def format_lakh_crore(value) -> str:
    """A large count in lakh and crore, as Indian texts write it: 12.3 lakh / 12.3 लाख, 1.5 crore / 1.5
    करोड़; below a lakh the number itself."""
    if value is None:
        return "–"
    number = float(value)
    if abs(number) < 100_000:
        return format_number(number)
    return babel_numbers.format_compact_decimal(number, format_type="long", fraction_digits=1, locale=_locale())


# ---------------------------------------------------------------------------------------------------
# Names in the interface's language, and sorting them


def localized_name(thing) -> str:
    """A taxonomy entry's name in the current language (``name_hi`` in Hindi when it has one)."""
    if thing is None:
        return ""
    if current_language() == "hi":
        return getattr(thing, "name_hi", None) or thing.name
    return thing.name


@functools.lru_cache(maxsize=1)
def _collator():
    from pyuca import Collator

    return Collator()


def sort_key(text: str):
    """Alphabetical order for English and Hindi alike (the Unicode Collation Algorithm): Devanagari in
    its varnamala order, Latin letters case-insensitively."""
    return _collator().sort_key(text or "")


def sorted_by_name(things: Iterable, name=localized_name) -> list:
    """Taxonomy entries (or (entry, count) pairs) in the alphabetical order of their names in the
    current language."""
    return sorted(things, key=lambda thing: sort_key(name(thing[0] if isinstance(thing, tuple) else thing)))


# ---------------------------------------------------------------------------------------------------
# The catalogue


def compile_catalogues(folder: Path = TRANSLATIONS, *, force: bool = False) -> list[Path]:
    """Compile each ``messages.po`` into its ``messages.mo`` when the .mo is missing or older; returns
    those compiled. Written to a temporary file and renamed, so workers starting at once never read half
    a catalogue."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    for po_path in sorted(folder.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        fd, temporary = tempfile.mkstemp(dir=mo_path.parent, prefix=".messages-", suffix=".mo")
        try:
            with os.fdopen(fd, "wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
            os.replace(temporary, mo_path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        compiled.append(mo_path)
    return compiled


def ensure_catalogues_compiled(app: Flask) -> None:
    try:
        for path in compile_catalogues():
            log.info("compiled %s", path.relative_to(TRANSLATIONS.parent.parent))
    except OSError as error:  # a read-only install: the packaged .mo files are used as they are
        log.warning("could not compile the translations: %s", error)


def site_setting(name: str) -> str:
    """A deployer's setting in the current language: ``KB_X_HI`` in Hindi when set, else ``KB_X``."""
    config = current_app.config
    if current_language() == "hi" and config.get(f"{name}_HI"):
        return config[f"{name}_HI"]
    return config.get(name, "") or ""
