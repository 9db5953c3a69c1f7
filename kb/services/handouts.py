"""PDF handouts of cases: tagged PDF/UA-1, from the same HTML and print stylesheet as a printed page.

``render_cases_pdf(title, items, locale=...)`` renders ``handouts/document.html``: a title block (the
site, the title, the date and the contents) at the top of page 1, then each case from
``handouts/_case.html``, the partial a course pack's page shows too (number, title, classification, the
note given with it, summary, body from its Markdown, outcome figures, sources, and at the end the
citation and permalink). WeasyPrint lays it out with ``kb/static/kb.css`` and ``kb/static/print.css``,
the stylesheet a browser uses to print, so a printed course pack and its PDF share one layout: A4, each
case on a new page (the first may follow a short contents list on page 1), a running footer
"<site> · <title>" and "Page N of M" in the bottom margin, under the text. A single case's handout and
a course pack's both come from here.

The labels are in the handout's interface language (``locale``, the ``<html lang>``); each case keeps its
own (``lang`` on its article, and the labels inside it carry the interface's).

Nothing is fetched from the network: the URL fetcher serves files under ``kb/static`` (the stylesheets,
the fonts) and refuses everything else, so an image a case body links from elsewhere is left out (its
alternative text shows) and never requested. The fonts are the shipped TTFs of Noto Sans (regular,
bold, italic) and Noto Sans Devanagari (regular, bold), declared with @font-face (``FONT_FACES``) and
embedded as subsets; the PDF never depends on the machine's fonts. Devanagari is shaped by
Pango/HarfBuzz.

Rendering is slow to start and quick after: one FontConfiguration for the process, and the stylesheets
parsed once (again only when a file changes). ``benchmarks/handouts.py`` measures it. Renders in one
process take turns (a lock): WeasyPrint's font configuration is not made to be shared between threads.
The PDF's streams are deflated at zlib's level 6, not pydyf's 9 (``DEFLATE_LEVEL``: a quarter of the
time for 3 % in size).

Flask's ``render_template`` is not used: it runs the site's context processors, which need a request
(the logged-in user), and handouts are also made outside requests (course packs' service, the
benchmark). The template comes from the app's Jinja environment, with the same filters and globals.

What WeasyPrint 70 writes for ``pdf_variant="pdf/ua-1"`` (tests/services/test_handouts.py reads it back):

- A structure tree under a Document element: P, H1–H6, L > LI > Lbl (the marker) + LBody, Table > THead
  / TBody > TR > TH / TD (each TH gets an ID and each TD a Headers entry naming its header cells), Link
  (with the annotation, whose Contents is the address), Figure (with Alt), Art for the article, Div and
  Span; elements it has no role for (header, footer, aside, time, q) are NonStruct. An element broken
  across pages becomes one structure element per page, in reading order. Backgrounds and borders are
  artifacts.
- The catalog's /Lang from ``<html lang>``, MarkInfo Marked, ViewerPreferences DisplayDocTitle, /Title
  (from ``<title>``) in the document information and in the XMP metadata with ``pdfuaid:part`` 1, each
  page's /Tabs /S, and /Outlines from the headings (``bookmark-level``: print.css leaves out the title
  block and the labels around a case, so the outline lists each case with its sections).

Where it falls short of PDF/UA-1, and what this module adds (``_install_tagging_fixes``):

1. No /Lang on any structure element, so a Hindi case in an English handout (or an English label in a
   Hindi one) would be read in the wrong language. Each structure element now gets /Lang where its HTML
   element's language (``lang``, inherited) differs from that of the element it sits in.
2. The running footer (page-margin boxes) is marked as content whose structure elements are made but
   never linked into the tree: text neither tagged nor an artifact, which PDF/UA-1 forbids. It is now
   written as a /Pagination artifact, outside the tree.
3. Devanagari text does not read back: the ToUnicode map gives each glyph the text of the first cluster
   it was drawn in, so reordered vowel signs and conjuncts extract wrongly (कियोस्क as कयोस्क), for a
   screen reader as for copy and paste. Text in an Indic script is now marked with /ActualText, its real
   text, which poppler (pdftotext), Acrobat and screen readers use. (pypdf ignores ActualText.)

These need what WeasyPrint knows while it draws and tags (which HTML element a box comes from, in which
language, in a page margin or not); a PDF read back afterwards no longer has it, so post-processing
(pikepdf) cannot do them. They replace ``weasyprint.pdf.stream.Stream.marked`` and wrap
``weasyprint.pdf.tags._build_box_tree``, internals of WeasyPrint 70 (setup.cfg pins >=70,<71); the tests
fail if either stops working. pikepdf is not needed at run time.
"""
from __future__ import annotations

import atexit
import contextlib
import dataclasses
import datetime as dt
import functools
import gc
import hashlib
import logging
import mimetypes
import os
import re
import threading
from pathlib import Path
from typing import Iterable
from urllib.parse import unquote, urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from kb import i18n
from kb.models import Case, Revision
from kb.services.citations import format_citation, permalink

log = logging.getLogger(__name__)
# WeasyPrint reports each rendering step at INFO: noise in the site's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
FONT_DIR = STATIC_DIR / "fonts"
STATIC_URL = STATIC_DIR.as_uri() + "/"  # the base URL: the stylesheets' url(fonts/...) resolve here
STYLESHEETS = ("kb.css", "print.css")
PDF_VARIANT = "pdf/ua-1"

# The shipped fonts, for the PDF only (a browser prints with kb.css's web fonts). Each language puts its
# own script's font first, so the spaces, digits and punctuation inside Hindi text come from the
# Devanagari font and those inside English text from the Latin one. Code is set in them too (the
# browser's monospace would be a font of the machine). Attribute selectors, not :lang(): the family is
# inherited anyway, and a :lang() rule is tested against every element.
FONT_FACES = """
@font-face { font-family: "KB Noto Sans"; font-weight: 400; font-style: normal; src: url(fonts/NotoSans-Regular.ttf); }
@font-face { font-family: "KB Noto Sans"; font-weight: 700; font-style: normal; src: url(fonts/NotoSans-Bold.ttf); }
@font-face { font-family: "KB Noto Sans"; font-weight: 400; font-style: italic; src: url(fonts/NotoSans-Italic.ttf); }
@font-face { font-family: "KB Noto Sans Devanagari"; font-weight: 400; font-style: normal; src: url(fonts/NotoSansDevanagari-Regular.ttf); }
@font-face { font-family: "KB Noto Sans Devanagari"; font-weight: 700; font-style: normal; src: url(fonts/NotoSansDevanagari-Bold.ttf); }
@page { font-family: "KB Noto Sans", "KB Noto Sans Devanagari"; }
html, [lang|=en] { font-family: "KB Noto Sans", "KB Noto Sans Devanagari"; }
[lang|=hi] { font-family: "KB Noto Sans Devanagari", "KB Noto Sans"; }
code, kbd, pre, samp, tt { font-family: inherit; }
"""

HandoutItem = tuple[Case, Revision, str]


@dataclasses.dataclass(frozen=True)
class HandoutEntry:
    """One case as the document template shows it."""

    case: Case
    revision: Revision
    note: str
    citation: str
    permalink: str


def render_cases_pdf(title: str, items: Iterable[HandoutItem], *, locale: str | None = None,
                     cached: bool = True) -> bytes:
    """A tagged PDF/UA-1 handout (A4): the title block with the contents, then each (case, revision,
    note) with its citation and permalink.

    ``locale`` is the language of the handout's own labels ("Outcome figures", dates, the page footer);
    the cases keep their own language. It defaults to the site's default locale (a web view passes the
    visitor's). A handout rendered before with the same HTML is served from the cache (``cached=False``
    renders anew: the benchmark).
    """
    items = list(items)
    with force_locale(_babel_locale(locale)):
        html = _document_html(title, items)
    return _cached_pdf(html) if cached else _render_pdf(html)


# A handout is the same PDF for as long as its HTML is the same (the cases' versions, the notes, the
# labels' language, the date it names): rendering takes a second or two, reading it back no time. The
# rendered PDFs are kept on disk under the instance folder, shared by the host's workers.
CACHE_LIMIT = 200  # handouts kept; the oldest go first


def _cached_pdf(html: str) -> bytes:
    folder = Path(current_app.config["INSTANCE_DIR"]) / "cache" / "handouts"
    key = hashlib.sha256((_renderer_version() + html).encode("utf-8")).hexdigest()
    path = folder / f"{key}.pdf"
    try:
        pdf = path.read_bytes()
        os.utime(path)  # recently used: kept longest
        return pdf
    except OSError:
        pass
    pdf = _render_pdf(html)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{key}.{os.getpid()}.tmp"
        temporary.write_bytes(pdf)
        os.replace(temporary, path)  # workers writing the same handout at once: one wins, both whole
        _prune(folder)
    except OSError as error:  # a read-only or full disk: the handout is still served
        log.warning("handout not cached: %s", error)
    return pdf


def _prune(folder: Path) -> None:
    kept = sorted(folder.glob("*.pdf"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[CACHE_LIMIT:]:
        old.unlink(missing_ok=True)


@functools.lru_cache(maxsize=1)
def _renderer_version() -> str:
    """What else decides a handout's bytes: this module and the stylesheets (a new release renders anew)."""
    digest = hashlib.sha256()
    for path in (Path(__file__), STATIC_DIR / "kb.css", STATIC_DIR / "print.css"):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    with _RENDERING:
        _install_tagging_fixes()
        stylesheets = _stylesheets()
        with _external_resources_logged(), _cyclic_gc_paused():
            return HTML(string=html, base_url=STATIC_URL, url_fetcher=_static_fetcher()).write_pdf(
                stylesheets=stylesheets, font_config=_font_config(), pdf_variant=PDF_VARIANT)


@contextlib.contextmanager
def _cyclic_gc_paused():
    """Python's cyclic garbage collector, paused while WeasyPrint renders, then run once on what the
    rendering left. A 30-page pack makes a few hundred thousand objects; the collector's passes over
    them, and over every object of the app, took a quarter of the time (benchmarks/handouts.py)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)  # the rendering's objects are all in the young generation: free its cycles now


def _babel_locale(locale: str | None) -> str:
    """en_IN or hi_IN (kb's formats) from whatever names the language: "hi", "hi_IN", "en-GB"."""
    language = (locale or current_app.config.get("BABEL_DEFAULT_LOCALE") or "").replace("-", "_").split("_")[0]
    return i18n.babel_locale(language if language in i18n.LANGUAGES else None)


def _document_html(title: str, items: list[HandoutItem]) -> str:
    entries = [HandoutEntry(case, revision, note or "", format_citation(case, revision), permalink(case, revision))
               for case, revision, note in items]
    template = current_app.jinja_env.get_template("handouts/document.html")
    return template.render(
        title=title, entries=entries, site_name=i18n.site_setting("KB_SITE_NAME"),
        prepared_on=i18n.to_ist(dt.datetime.now(dt.timezone.utc)).date(), page_footer=page_footer_content())


def page_footer_content() -> Markup:
    """The CSS ``content`` of "Page N of M" in the current language, from its translation's parts:
    ``"Page " counter(page) " of " counter(pages)`` (the translation may put the numbers in any order)."""
    text = _("Page %(page)s of %(pages)s", page="\x00page\x00", pages="\x00pages\x00")
    parts = []
    for index, part in enumerate(re.split("\x00(pages?)\x00", text)):
        if index % 2:
            parts.append(f"counter({part})")
        elif part:
            parts.append(css_string(part))
    return Markup(" ".join(parts))


def css_string(text: str) -> str:
    """A quoted CSS string, safe inside a <style> element (no quote, backslash, newline or "<" left)."""
    escaped = "".join(f"\\{ord(char):x} " if char in '"\\<>&\n\r\f' else char for char in text)
    return f'"{escaped}"'


# ---------------------------------------------------------------------------------------------------
# Resources: fonts, stylesheets, and the fetcher that serves only kb/static

_RENDERING = threading.Lock()
_font_configuration = None
_parsed_stylesheets: tuple[tuple, list] | None = None


def _font_config():
    """The process's one FontConfiguration: the @font-face fonts are loaded into it once."""
    global _font_configuration
    if _font_configuration is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_configuration = FontConfiguration()
    return _font_configuration


@atexit.register
def _forget_fonts() -> None:
    # FontConfiguration deletes its temporary font folder when collected; at interpreter shutdown the
    # function it uses may already be gone, so let it go while everything still exists.
    global _font_configuration, _parsed_stylesheets
    _font_configuration = _parsed_stylesheets = None


def _stylesheets() -> list:
    """kb.css, print.css and the font faces, parsed once (and again when a stylesheet file changes).

    kb.css's own @font-face rules are left out: they are the browser's (woff2 subsets, and local() fonts
    of the machine, which a PDF must not depend on). The warnings WeasyPrint gives about the screen-only
    CSS it does not know (media queries by width, browser pseudo-elements) are logged at DEBUG.
    """
    global _parsed_stylesheets
    from weasyprint import CSS

    key = tuple((STATIC_DIR / name).stat().st_mtime_ns for name in STYLESHEETS)
    if _parsed_stylesheets is None or _parsed_stylesheets[0] != key:
        sources = [re.sub(r"@font-face\s*\{[^}]*\}", "", (STATIC_DIR / name).read_text(encoding="utf-8"))
                   for name in STYLESHEETS] + [FONT_FACES]
        with _css_warnings_at_debug():
            parsed = [CSS(string=source, base_url=STATIC_URL, url_fetcher=_static_fetcher(),
                          font_config=_font_config()) for source in sources]
        _parsed_stylesheets = (key, parsed)
    return _parsed_stylesheets[1]


class _Refused(ValueError):
    """A URL outside kb/static: a handout fetches nothing else."""


_REFUSED = "not fetched: a handout uses only kb/static"


_fetcher = None


def _static_fetcher():
    """WeasyPrint's URL fetcher for handouts: files under kb/static, and nothing else (raises _Refused)."""
    global _fetcher
    if _fetcher is None:
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        class StaticFiles(URLFetcher):
            def fetch(self, url, headers=None):
                path = _static_path(url)
                if path is None:
                    raise _Refused(f"{_REFUSED}: {url}")
                media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})

        _fetcher = StaticFiles()
    return _fetcher


def _static_path(url: str) -> Path | None:
    """The file under kb/static a file: URL names, or None for anything else (other schemes, hosts,
    a path that leaves kb/static, a missing file)."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(unquote(parts.path)).resolve()
    return path if path.is_relative_to(STATIC_DIR.resolve()) and path.is_file() else None


class _WeasyPrintLog(logging.Filter):
    def __init__(self, css_warnings: bool = False):
        super().__init__()
        self.css_warnings = css_warnings

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _REFUSED in message:
            # An image in a case body that lives elsewhere: left out on purpose, not an error.
            log.info("handout: left out %s (nothing outside kb/static is fetched)",
                     record.args[0] if isinstance(record.args, tuple) and record.args else message)
            return False
        if self.css_warnings and record.levelno == logging.WARNING:
            log.debug("kb.css in the PDF: %s", message)
            return False
        return True


@contextlib.contextmanager
def _filtered_weasyprint_log(log_filter: logging.Filter):
    logger = logging.getLogger("weasyprint")
    logger.addFilter(log_filter)
    try:
        yield
    finally:
        logger.removeFilter(log_filter)


def _css_warnings_at_debug():
    return _filtered_weasyprint_log(_WeasyPrintLog(css_warnings=True))


def _external_resources_logged():
    return _filtered_weasyprint_log(_WeasyPrintLog())


# ---------------------------------------------------------------------------------------------------
# Tagging: what WeasyPrint 70's PDF/UA-1 lacks (see the module's docstring)

# Scripts whose glyphs are reordered or combined when shaped (Devanagari to Sinhala, Vedic extensions,
# Devanagari Extended): their text is given as ActualText.
_SHAPED_SCRIPTS = re.compile("[\u0900-\u0dff\u1cd0-\u1cff\ua8e0-\ua8ff]")
_languages: list[str | None] = []  # the language of each box being tagged, innermost last
_installed = False


def _install_tagging_fixes() -> None:
    global _installed
    if _installed:
        return
    from weasyprint.pdf import stream, tags

    stream.Stream.marked = _marked
    tags._build_box_tree = _with_languages(tags._build_box_tree)
    _install_deflate_level()
    _installed = True


# pydyf (WeasyPrint's PDF writer) deflates every stream at zlib's level 9. For a handout's page content
# and object streams that buys 3 % in size for four times the time: the 31 pages of the benchmark's
# 10-case pack deflate in 90 ms at level 9 and 22 ms at level 6 (196 KB against 203 KB, measured with
# zlib.compress on the streams of that PDF). Its streams are deflated at level 6, zlib's default.
DEFLATE_LEVEL = 6


class _Deflate:
    """The zlib module as pydyf sees it: ``compressobj`` deflates at ``DEFLATE_LEVEL`` at most."""

    def __init__(self, module):
        self._zlib = module

    def compressobj(self, level=-1, *args, **kwargs):
        return self._zlib.compressobj(DEFLATE_LEVEL if level > DEFLATE_LEVEL else level, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._zlib, name)


def _install_deflate_level() -> None:
    import pydyf

    if not isinstance(pydyf.zlib, _Deflate):
        pydyf.zlib = _Deflate(pydyf.zlib)


@contextlib.contextmanager
def _marked(self, box, tag):
    """``Stream.marked`` of WeasyPrint 70, plus: page-margin content becomes a pagination artifact, and
    text in an Indic script carries its ActualText."""
    import pydyf

    if self._tags is None:
        yield
        return
    if box.element is None:
        # Only page and margin boxes have no element: this is the running footer.
        self.begin_marked_content("Artifact", pydyf.Dictionary({"Type": "/Pagination"}))
    else:
        mcid = len(self._tags)
        self._tags[box] = {"tag": tag, "mcid": mcid}
        properties = pydyf.Dictionary({"MCID": mcid})
        text = getattr(box, "text", None)
        if text and _SHAPED_SCRIPTS.search(text):
            properties["ActualText"] = pydyf.String(text)
        self.begin_marked_content(tag, properties)
    try:
        yield
    finally:
        self.end_marked_content()


def _with_languages(build_box_tree):
    """Wrap ``weasyprint.pdf.tags._build_box_tree``: give each structure element /Lang when its box's
    language differs from the one around it; leave margin boxes (artifacts, see ``_marked``) out."""
    import pydyf
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder

    def tagged(box, parent, *args):
        if isinstance(box, boxes.MarginBox):
            return
        language = (box._box if isinstance(box, AbsolutePlaceholder) else box).style["lang"]
        around = _languages[-1] if _languages else language
        _languages.append(language)
        try:
            for element in build_box_tree(box, parent, *args):
                # The html and body boxes pass their children's elements on: those were seen already.
                if not getattr(element, "kb_language_seen", False):
                    element.kb_language_seen = True
                    if language and language != around:
                        element["Lang"] = pydyf.String(language)
                yield element
        finally:
            _languages.pop()

    return tagged
