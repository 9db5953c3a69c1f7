"""PDF handouts of cases: an A4 document a trainer prints or shares, generated on the server.

``render_cases_pdf(title, items)`` lays out a title page (the title, the date and the list of cases),
then each case on new pages: its classification, summary, the note given with it, the body rendered
from its Markdown, the outcome figures, and at the end the citation and the permalink. A single case's
handout and a course pack's both come from here.

It uses fpdf2 (pure Python) with HarfBuzz text shaping (uharfbuzz), so Devanagari conjuncts and vowel
signs are placed as a browser would place them. The fonts are Noto Sans and Noto Sans Devanagari,
shipped in ``kb/static/fonts`` under the SIL Open Font License (``OFL.txt`` there): nothing is fetched
at run time, and the PDF embeds only the glyphs it uses.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import html
import logging
import math
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from fpdf import FPDF

from kb.markdown import render_markdown
from kb.models import Case, Revision
from kb.services.citations import format_citation, permalink
from kb.services.diffs import format_figure

# fontTools reports every font it subsets at INFO; that is noise in the site's log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
LATIN = "NotoSans"
DEVANAGARI = "NotoSansDevanagari"
_FONT_FILES = {
    (LATIN, ""): "NotoSans-Regular.ttf", (LATIN, "B"): "NotoSans-Bold.ttf", (LATIN, "I"): "NotoSans-Italic.ttf",
    (DEVANAGARI, ""): "NotoSansDevanagari-Regular.ttf", (DEVANAGARI, "B"): "NotoSansDevanagari-Bold.ttf",
}

INK = (29, 36, 48)
MUTED = (90, 100, 114)
ACCENT = (11, 92, 173)
RULE = (200, 206, 214)
TINT = (244, 246, 249)

BODY_SIZE = 10.5
MM_PER_PT = 25.4 / 72
PAD = 1.2  # mm inside table cells

HandoutItem = tuple[Case, Revision, str]


def render_cases_pdf(title: str, items: Iterable[HandoutItem], *, locale: str | None = None) -> bytes:
    """An A4 PDF: a title page, then each (case, revision, note) with its citation and permalink.

    ``locale`` is the language of the handout's own labels ("Outcome figures", dates); the cases keep
    their own language. It defaults to the site's default locale (a web view passes the visitor's).
    """
    items = list(items)
    with force_locale(locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "en")):
        pdf = _HandoutPdf(title, current_app.config.get("KB_SITE_NAME", "kb"))
        _title_page(pdf, title, items)
        for case, revision, note in items:
            _case_pages(pdf, case, revision, note)
        return bytes(pdf.output())


# ---------------------------------------------------------------------------------------------------
# Text in two scripts
#
# Noto Sans has no Devanagari and Noto Sans Devanagari has no Latin letters, so every string is cut
# into runs by script and each run is written in its own font (digits, spaces and punctuation stay with
# the run they are in, so HarfBuzz shapes whole words). fpdf2's own fallback-font mechanism is not
# used: with a text colour set, it loses the font of lines wrapped after a fallback run (the PDF then
# shows garbage, "No font in show").


@functools.lru_cache(maxsize=None)
def _cmap(filename: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(FONT_DIR / filename), lazy=True) as font:
        return frozenset(font.getBestCmap())


def script_runs(text: str) -> list[tuple[str, str]]:
    """Cut text into (font family, text) runs: Devanagari in Noto Sans Devanagari, the rest in Noto Sans."""
    latin, devanagari = _cmap(_FONT_FILES[(LATIN, "")]), _cmap(_FONT_FILES[(DEVANAGARI, "")])
    runs: list[list] = []
    pending = ""
    for char in text:
        code = ord(char)
        if code in latin and code in devanagari:
            family = None  # shared (spaces, digits, punctuation): stays with the current run
        elif code in devanagari:
            family = DEVANAGARI
        else:
            family = LATIN
        if family is None or (runs and runs[-1][0] == family):
            if runs:
                runs[-1][1] += char
            else:
                pending += char
        else:
            runs.append([family, pending + char])
            pending = ""
    if pending:
        runs.append([LATIN, pending])
    return [(family, chunk) for family, chunk in runs]


def _style_for(family: str, bold: bool, italic: bool) -> str:
    if bold:
        return "B"
    return "I" if italic and family == LATIN else ""


class _HandoutPdf(FPDF):
    def __init__(self, title: str, site: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.handout_title = title
        self.site = site
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=20)
        for (family, style), filename in _FONT_FILES.items():
            self.add_font(family, style, str(FONT_DIR / filename))
        self.set_text_shaping(True)
        self.set_title(title)
        self.set_author(site)
        self.set_creator("kb")
        self.alias_nb_pages()

    def footer(self):
        self.set_y(-13)
        short = self.handout_title if len(self.handout_title) <= 70 else self.handout_title[:69] + "…"
        self.rich(f"{self.site} · {short}", size=8, color=MUTED, height=5)
        self.set_xy(self.l_margin, -13)
        self.aligned(self.w - self.l_margin - self.r_margin, 5,
                     _("Page %(page)s of %(pages)s", page=self.page_no(), pages="{nb}"), size=8, color=MUTED)

    # -- text -------------------------------------------------------------------------------------

    @staticmethod
    def line_height(size: float) -> float:
        return size * MM_PER_PT * 1.6

    def rich(self, text: str, *, size: float = BODY_SIZE, bold: bool = False, italic: bool = False,
             color=INK, link: str | None = None, height: float | None = None) -> None:
        """Write text from the current position, wrapping at the margins, each script in its font."""
        height = height or self.line_height(size)
        self.set_text_color(*color)
        for family, chunk in script_runs(text):
            self.set_font(family, _style_for(family, bold, italic), size)
            self.write(height, chunk, link=link or "")
        self.set_text_color(*INK)

    def aligned(self, width: float, height: float, text: str, *, size: float, bold: bool = False, color=INK,
                align: str = "R") -> None:
        """One line of text aligned in a box (numbers, page numbers); text in two scripts is left-aligned."""
        runs = script_runs(text)
        self.set_text_color(*color)
        if len(runs) <= 1:
            family = runs[0][0] if runs else LATIN
            self.set_font(family, _style_for(family, bold, False), size)
            self.cell(width, height, text, align=align)
        else:
            self.rich(text, size=size, bold=bold, color=color, height=height)
        self.set_text_color(*INK)

    def text_width(self, text: str, size: float, bold: bool = False) -> float:
        width = 0.0
        for family, chunk in script_runs(text):
            self.set_font(family, _style_for(family, bold, False), size)
            width += self.get_string_width(chunk)
        return width

    def paragraph(self, text: str, size: float = BODY_SIZE, bold: bool = False, color=INK, after: float = 2.0,
                  link: str | None = None):
        self.set_x(self.l_margin)
        self.rich(text, size=size, bold=bold, color=color, link=link)
        self.ln(self.line_height(size))
        self.ln(after)

    def heading(self, text: str, size: float = 13, after: float = 1.0):
        if self.will_page_break(self.line_height(size) * 4):
            self.add_page()
        else:
            self.ln(2.5)
        self.paragraph(text, size=size, bold=True, color=ACCENT, after=after)

    def rule(self, color=RULE):
        self.set_draw_color(*color)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())

    @contextlib.contextmanager
    def column(self, left: float, right: float):
        """Text written inside wraps between x = left and x = right."""
        saved = self.l_margin, self.r_margin
        self.set_left_margin(left)
        self.set_right_margin(self.w - right)
        try:
            yield
        finally:
            self.set_left_margin(saved[0])
            self.set_right_margin(saved[1])

    def table(self, widths: list[float], rows: list[list[str]], *, header: list[str] | None = None,
              right_aligned: frozenset[int] = frozenset(), size: float = 9.5) -> None:
        """A simple ruled table whose cells wrap and may mix scripts; rows never split across pages."""
        total = sum(widths)
        scale = (self.w - self.l_margin - self.r_margin) / total
        widths = [w * scale for w in widths]
        line = self.line_height(size)
        all_rows = ([(header, True)] if header else []) + [(row, False) for row in rows]
        for cells, is_header in all_rows:
            lines = max(self._lines_needed(text, width - 2 * PAD, size, is_header)
                        for text, width in zip(cells, widths))
            height = lines * line + 2 * PAD
            if self.will_page_break(height):
                self.add_page()
            top = self.get_y()
            if is_header:
                self.set_fill_color(*TINT)
                self.rect(self.l_margin, top, sum(widths), height, style="F")
            x = self.l_margin
            bottom = top + height
            for index, (text, width) in enumerate(zip(cells, widths)):
                with self.column(x + PAD, x + width - PAD):
                    self.set_xy(x + PAD, top + PAD)
                    if index in right_aligned:
                        self.aligned(width - 2 * PAD, line, text, size=size, bold=is_header)
                    else:
                        self.rich(text, size=size, bold=is_header, height=line)
                    bottom = max(bottom, self.get_y() + line + PAD)
                x += width
            self.set_y(bottom)
            self.rule()

    def _lines_needed(self, text: str, width: float, size: float, bold: bool) -> int:
        # Word wrapping can need a little more than width / line; a 10 % margin keeps rows on one page.
        return max(1, math.ceil(self.text_width(text, size, bold) * 1.1 / max(width, 1)))


# ---------------------------------------------------------------------------------------------------
# Pages


def _title_page(pdf: _HandoutPdf, title: str, items: list[HandoutItem]) -> None:
    pdf.add_page()
    pdf.ln(30)
    pdf.paragraph(pdf.site, size=11, color=MUTED)
    pdf.paragraph(title, size=24, bold=True, after=4)
    pdf.paragraph(_("Handout prepared on %(date)s", date=format_date(dt.date.today(), "long")), size=10,
                  color=MUTED, after=6)
    pdf.rule()
    pdf.ln(4)
    pdf.paragraph(_("Cases in this handout"), size=12, bold=True)
    for number, (case, revision, _note) in enumerate(items, 1):
        pdf.paragraph(f"{number}. {revision.title} ({case.public_id}, "
                      + _("version %(n)s", n=revision.number) + ")", after=1)


def _case_pages(pdf: _HandoutPdf, case: Case, revision: Revision, note: str) -> None:
    # Each revision carries the classification it was published with; rows from before that was
    # recorded (no MMP on the revision) use the case's.
    source = revision if revision.mmp is not None else case
    pdf.add_page()
    pdf.start_section(revision.title)
    pdf.paragraph(f"{case.public_id} · {source.mmp.name} · "
                  + (source.state.name if source.state else _("Central / national")), size=9, color=MUTED, after=1)
    pdf.paragraph(revision.title, size=18, bold=True, after=3)

    facts = [
        [_("Department"), source.department],
        [_("Started"), str(source.year_started)],
        [_("Stage"), _stage_name(source.stage)],
        [_("Language"), {"en": "English", "hi": "हिन्दी"}.get(source.language, source.language)],
        [_("Version"), str(revision.number) + (f", {format_date(revision.published_at, 'medium')}"
                                               if revision.published_at else "")],
    ]
    if source.tag_names:
        facts.append([_("Tags"), ", ".join(source.tag_names)])
    pdf.rule()
    pdf.table([30, 144], facts, size=9.5)
    pdf.ln(4)

    pdf.paragraph(revision.summary, size=11.5, after=3)
    if note and note.strip():
        _note_box(pdf, note.strip())

    _markdown_blocks(pdf, revision.body)

    if revision.outcomes:
        pdf.heading(_("Outcome figures"))
        pdf.table([80, 24, 24, 46], [
            [o.label, format_figure(o.before_value), format_figure(o.after_value), o.unit or ""]
            for o in revision.outcomes
        ], header=[_("Measure"), _("Before"), _("After"), _("Unit")], right_aligned=frozenset({1, 2}))

    if revision.links:
        pdf.heading(_("Sources and links"), size=11)
        for link in revision.links:
            pdf.set_x(pdf.l_margin)
            pdf.rich(f"{link.title}: ", size=9)
            pdf.rich(link.url, size=9, color=ACCENT, link=link.url)
            pdf.ln(pdf.line_height(9))
            pdf.ln(1)

    # The reference closes every case, as on the printed page.
    pdf.ln(4)
    if pdf.will_page_break(28):
        pdf.add_page()
    pdf.rule()
    pdf.ln(2)
    pdf.paragraph(_("Cite this case"), size=10, bold=True, after=1)
    pdf.paragraph(format_citation(case, revision), size=9.5, after=1)
    url = permalink(case, revision)
    pdf.set_x(pdf.l_margin)
    pdf.rich(_("Permalink:") + " ", size=9.5)
    pdf.rich(url, size=9.5, color=ACCENT, link=url)
    pdf.ln(pdf.line_height(9.5))


def _stage_name(stage: str) -> str:
    return {"pilot": _("Pilot"), "scaled": _("Scaled up"), "statewide": _("Statewide"),
            "national": _("National")}.get(stage, stage)


def _note_box(pdf: _HandoutPdf, note: str) -> None:
    """The note given with the case (a trainer's, in a course pack), set off by a bar in the margin."""
    top = pdf.get_y()
    with pdf.column(pdf.l_margin + 4, pdf.w - pdf.r_margin):
        pdf.set_x(pdf.l_margin)
        pdf.paragraph(_("Note"), size=10, bold=True, after=0.5)
        pdf.paragraph(note, size=10, after=0)
    pdf.set_fill_color(*ACCENT)
    if pdf.get_y() > top:  # the note did not run onto a new page
        pdf.rect(pdf.l_margin, top, 1.2, pdf.get_y() - top, style="F")
    pdf.ln(4)


# ---------------------------------------------------------------------------------------------------
# Markdown body: rendered and sanitised by kb.markdown, then laid out block by block.


@dataclasses.dataclass
class _Run:
    text: str
    bold: bool = False
    italic: bool = False
    link: str | None = None


@dataclasses.dataclass
class _Block:
    kind: str  # h2..h6, p, li, quote, pre
    runs: list[_Run] = dataclasses.field(default_factory=list)
    depth: int = 0  # list nesting
    marker: str = ""  # "•" or "3."


class _BlockParser(HTMLParser):
    """Sanitised HTML (kb.markdown's allow-list) -> a flat list of blocks of styled text runs."""

    _BLOCKS = {"p", "h2", "h3", "h4", "h5", "h6", "li", "pre", "dt", "dd", "tr", "caption", "summary"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[_Block] = []
        self.current: _Block | None = None
        self.bold = 0
        self.italic = 0
        self.link: str | None = None
        self.lists: list[list] = []  # [kind, counter]
        self.quote = 0
        self.pre = 0

    def _open(self, kind: str, marker: str = ""):
        self._close()
        depth = len(self.lists)
        self.current = _Block("quote" if self.quote and kind == "p" else kind, depth=depth, marker=marker)

    def _close(self):
        if self.current is not None and "".join(r.text for r in self.current.runs).strip():
            self.blocks.append(self.current)
        self.current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("ul", "ol"):
            start = attrs.get("start")
            self.lists.append([tag, int(start) - 1 if start and start.isdigit() else 0])
        elif tag == "li":
            marker = "•"
            if self.lists and self.lists[-1][0] == "ol":
                self.lists[-1][1] += 1
                marker = f"{self.lists[-1][1]}."
            self._open("li", marker)
        elif tag == "blockquote":
            self.quote += 1
        elif tag == "pre":
            self.pre += 1
            self._open("pre")
        elif tag in self._BLOCKS:
            if tag in ("dd", "tr", "caption", "summary", "dt"):
                tag = "p"
            if tag == "p" and self.current is not None and self.current.kind == "li" and not self.current.runs:
                return  # <li><p>…: the paragraph is the item
            self._open(tag)
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "a":
            self.link = attrs.get("href")
        elif tag == "br":
            self._text("\n")
        elif tag in ("td", "th") and self.current is not None and self.current.runs:
            self._text(" | ")
        elif tag == "img" and attrs.get("alt"):
            self._text(f"[{attrs['alt']}]")

    def handle_endtag(self, tag):
        if tag in ("ul", "ol"):
            self._close()
            if self.lists:
                self.lists.pop()
        elif tag == "blockquote":
            self._close()
            self.quote = max(0, self.quote - 1)
        elif tag == "pre":
            self._close()
            self.pre = max(0, self.pre - 1)
        elif tag in self._BLOCKS or tag in ("dd", "tr"):
            if tag == "p" and self.current is not None and self.current.kind == "li":
                return
            self._close()
        elif tag in ("strong", "b"):
            self.bold = max(0, self.bold - 1)
        elif tag in ("em", "i"):
            self.italic = max(0, self.italic - 1)
        elif tag == "a":
            self.link = None

    def handle_data(self, data):
        self._text(data)

    def _text(self, data: str):
        if not self.pre:
            data = re.sub(r"[ \t\r\n]+", " ", data) if data != "\n" else data
        if not data or (self.current is None and not data.strip()):
            return
        if self.current is None:
            self._open("p")
        run = _Run(data, bool(self.bold), bool(self.italic), self.link)
        self.current.runs.append(run)

    def close(self):
        super().close()
        self._close()


def markdown_blocks(body: str | None) -> list[_Block]:
    parser = _BlockParser()
    parser.feed(str(render_markdown(body)))
    parser.close()
    return parser.blocks


def _markdown_blocks(pdf: _HandoutPdf, body: str) -> None:
    sizes = {"h2": 13, "h3": 11.5, "h4": 10.5, "h5": 10.5, "h6": 10.5}
    for block in markdown_blocks(body):
        if block.kind in sizes:
            pdf.heading("".join(r.text for r in block.runs).strip(), size=sizes[block.kind])
            continue
        indent = 6 * block.depth if block.kind == "li" else (6 if block.kind == "quote" else 0)
        size = 9.5 if block.kind == "pre" else BODY_SIZE
        left = pdf.l_margin
        if block.kind == "li":
            pdf.set_x(left + indent - 5)
            pdf.rich(block.marker, size=size)
        with pdf.column(left + indent, pdf.w - pdf.r_margin):
            if block.kind != "li":
                pdf.set_x(left + indent)
            _write_runs(pdf, block.runs, size, italic=block.kind == "quote")
        pdf.ln(pdf.line_height(size))
        pdf.ln(1.2 if block.kind == "li" else 2.2)


def _write_runs(pdf: _HandoutPdf, runs: list[_Run], size: float, italic: bool = False) -> None:
    for run in _trimmed(runs):
        link = run.link if run.link and run.link.startswith(("http://", "https://", "mailto:")) else None
        pdf.rich(run.text, size=size, bold=run.bold, italic=run.italic or italic,
                 color=ACCENT if link else INK, link=link)
        if link and html.unescape(run.text).strip() != link and not link.startswith("mailto:"):
            # A printed handout cannot be clicked: the address follows the link text.
            pdf.rich(f" ({link})", size=size - 1.5, color=MUTED)


def _trimmed(runs: list[_Run]) -> list[_Run]:
    runs = [dataclasses.replace(r) for r in runs]
    if runs:
        runs[0].text = runs[0].text.lstrip()
        runs[-1].text = runs[-1].text.rstrip()
    return [r for r in runs if r.text]
