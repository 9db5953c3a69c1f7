"""Side-by-side differences between two revisions of a case, as plain data.

``diff_revisions(old, new)`` compares every field of a case (``kb.services.case_fields``): the texts,
the body (section by section, then line by line, with the changed words marked inside each changed
line), the case's classification as one table, and each kind of row (outcome figures, links, contacts,
recognitions). The result holds plain strings only: templates render it
escaped (``<del>``/``<ins>`` around changed words), so nothing a submitter typed can become markup.
The public version history and the reviewer's "what changed" screen both use it; ``old`` may be None
(a first version), in which case everything is an insertion.
"""
from __future__ import annotations

import dataclasses
import difflib
import re
import unicodedata
from typing import Callable, Iterable, Sequence

from kb.models import Revision
from kb.services.case_fields import CLASSIFICATION, FIELDS
from kb.services.sections import split_sections

EQUAL, INSERT, DELETE, REPLACE = "equal", "insert", "delete", "replace"

# A word is letters, digits and Devanagari combining marks (which Python's \w does not count as word
# characters); the dandas (U+0964, U+0965) are punctuation. Whitespace runs and single punctuation
# marks are tokens of their own, so "minutes." -> "hours." marks only the word.
_TOKEN = re.compile(r"\s+|[\w\u0900-\u0963\u0966-\u097f\u200c\u200d]+|[^\w\s]")
# Lines this unlike are shown as replaced whole rather than as a confetti of word changes.
_MIN_LINE_SIMILARITY = 0.3


@dataclasses.dataclass(frozen=True)
class Segment:
    """A run of text in one side of a row; ``changed`` marks words deleted (left) or inserted (right)."""

    text: str
    changed: bool = False


@dataclasses.dataclass(frozen=True)
class DiffRow:
    """One aligned row: ``kind`` is equal, insert (right only), delete (left only) or replace.

    ``left``/``right`` are the whole texts (None where that side has no line); the segments split them
    into changed and unchanged runs for inline highlighting. ``field`` names the metadata field of a
    classification row (one of ``case_fields.CLASSIFICATION``).
    """

    kind: str
    left: str | None
    right: str | None
    left_segments: tuple[Segment, ...] = ()
    right_segments: tuple[Segment, ...] = ()
    field: str | None = None

    @property
    def changed(self) -> bool:
        return self.kind != EQUAL


@dataclasses.dataclass(frozen=True)
class DiffSection:
    """A part of the case: ``key`` is title, summary, translated_title, translated_summary (in the case's
    other language), body, metadata, outcomes, links or contacts.

    Body sections carry the Markdown heading they compare (``heading``: the new one, or the old one of a
    section that was removed); a body section whose heading changed shows it as its first row.
    """

    key: str
    rows: tuple[DiffRow, ...]
    heading: str | None = None

    @property
    def changed(self) -> bool:
        return any(row.changed for row in self.rows)


@dataclasses.dataclass(frozen=True)
class RevisionDiff:
    old_version: int | None
    new_version: int
    sections: tuple[DiffSection, ...]

    @property
    def changed(self) -> bool:
        return any(section.changed for section in self.sections)

    def counts(self) -> dict[str, int]:
        """How many rows were inserted, deleted and replaced, over all sections."""
        totals = {INSERT: 0, DELETE: 0, REPLACE: 0}
        for section in self.sections:
            for row in section.rows:
                if row.kind in totals:
                    totals[row.kind] += 1
        return totals

    def section(self, key: str) -> DiffSection | None:
        """The first section with this key (``title``, ``summary``, ``metadata``, ``outcomes``, ...)."""
        return next((s for s in self.sections if s.key == key), None)

    def body_sections(self) -> list[DiffSection]:
        return [s for s in self.sections if s.key == "body"]


def diff_revisions(old: Revision | None, new: Revision) -> RevisionDiff:
    """Compare two revisions (usually of one case; ``old`` None means everything in ``new`` is new)."""
    sections: list[DiffSection] = []
    for field in FIELDS:
        if field.name == "body":
            sections.extend(_body_sections(old.body if old else None, new.body))
        elif field.name == CLASSIFICATION[0]:
            sections.append(DiffSection("metadata", tuple(_metadata_rows(old, new))))
        elif field.kind == "rows":
            key, text = _ROW_DIFFS[field.name]
            sections.append(DiffSection(field.name, tuple(_aligned(
                getattr(old, field.name) if old else [], getattr(new, field.name), key=key, text=text))))
        elif field.name not in CLASSIFICATION:
            sections.append(DiffSection(field.name, (_text_row(
                (getattr(old, field.name) or "") if old else None, getattr(new, field.name) or ""),)))
    return RevisionDiff(old_version=old.number if old else None, new_version=new.number, sections=tuple(sections))


# ---------------------------------------------------------------------------------------------------
# Words and lines


def diff_words(left: str, right: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    """Inline changes between two texts: (left segments, right segments)."""
    a, b = _TOKEN.findall(left), _TOKEN.findall(right)
    left_parts: list[Segment] = []
    right_parts: list[Segment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == EQUAL:
            left_parts.append(Segment("".join(a[i1:i2])))
            right_parts.append(Segment("".join(b[j1:j2])))
        else:
            if i2 > i1:
                left_parts.append(Segment("".join(a[i1:i2]), True))
            if j2 > j1:
                right_parts.append(Segment("".join(b[j1:j2]), True))
    return _merge(left_parts), _merge(right_parts)


def diff_lines(old_lines: Sequence[str], new_lines: Sequence[str]) -> list[DiffRow]:
    """Align two lists of lines; lines replaced by others are paired in order and diffed word by word."""
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(None, list(old_lines), list(new_lines), autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == EQUAL:
            rows.extend(_equal_row(line) for line in old_lines[i1:i2])
            continue
        left, right = list(old_lines[i1:i2]), list(new_lines[j1:j2])
        for k in range(max(len(left), len(right))):
            rows.append(_text_row(left[k] if k < len(left) else None, right[k] if k < len(right) else None))
    return rows


def _text_row(left: str | None, right: str | None, field: str | None = None) -> DiffRow:
    if left is None and right is None:
        raise ValueError("a row needs at least one side")
    if left is None:
        return DiffRow(INSERT, None, right, (), (Segment(right, True),), field)
    if right is None:
        return DiffRow(DELETE, left, None, (Segment(left, True),), (), field)
    if left == right:
        return dataclasses.replace(_equal_row(left), field=field)
    if difflib.SequenceMatcher(None, left, right, autojunk=False).ratio() < _MIN_LINE_SIMILARITY:
        return DiffRow(REPLACE, left, right, (Segment(left, True),), (Segment(right, True),), field)
    left_segments, right_segments = diff_words(left, right)
    return DiffRow(REPLACE, left, right, left_segments, right_segments, field)


def _equal_row(text: str) -> DiffRow:
    return DiffRow(EQUAL, text, text, (Segment(text),), (Segment(text),))


def _merge(parts: list[Segment]) -> tuple[Segment, ...]:
    """Join neighbouring runs of the same kind; a lone space between two changes joins the change."""
    parts = [p for p in parts if p.text]
    for i in range(1, len(parts) - 1):
        if not parts[i].changed and not parts[i].text.strip() and parts[i - 1].changed and parts[i + 1].changed:
            parts[i] = Segment(parts[i].text, True)
    merged: list[Segment] = []
    for part in parts:
        if merged and merged[-1].changed == part.changed:
            merged[-1] = Segment(merged[-1].text + part.text, part.changed)
        else:
            merged.append(part)
    return tuple(merged)


# ---------------------------------------------------------------------------------------------------
# Body


def _body_sections(old_body: str | None, new_body: str) -> list[DiffSection]:
    """Pair the sections of two bodies by heading (renamed ones by position), then diff their lines."""
    old_sections = split_sections(old_body) if old_body is not None else []
    new_sections = split_sections(new_body)
    old_keys = [_normal(s.heading or "") for s in old_sections]
    new_keys = [_normal(s.heading or "") for s in new_sections]
    result: list[DiffSection] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False).get_opcodes():
        left, right = old_sections[i1:i2], new_sections[j1:j2]
        for k in range(max(len(left), len(right))):
            before = left[k] if k < len(left) else None
            after = right[k] if k < len(right) else None
            rows: list[DiffRow] = []
            old_heading = before.heading if before else None
            new_heading = after.heading if after else None
            if old_heading != new_heading and (old_heading or new_heading):
                rows.append(_text_row(old_heading, new_heading))
            rows.extend(diff_lines(_lines(before.text if before else ""), _lines(after.text if after else "")))
            result.append(DiffSection("body", tuple(rows), heading=new_heading if after else old_heading))
    return result


def _lines(text: str) -> list[str]:
    """The non-blank lines of a section (blank lines only separate paragraphs)."""
    return [line.rstrip() for line in text.split("\n") if line.strip()]


# ---------------------------------------------------------------------------------------------------
# Classification, figures, links and contacts


def _metadata(revision: Revision) -> dict[str, str]:
    """The classification a revision carries (each revision proposes its own; the case has the published one)."""
    return {
        "mmp": revision.mmp.name if revision.mmp else "",
        "state": revision.state.name if revision.state else "",
        "department": revision.department or "",
        "year": str(revision.year_started or ""),
        "stage": revision.stage or "",
        "language": revision.language or "",
        "tags": ", ".join(revision.tag_names),
    }


def _metadata_rows(old: Revision | None, new: Revision) -> list[DiffRow]:
    before = _metadata(old) if old is not None else {}
    after = _metadata(new)
    rows = []
    for field in CLASSIFICATION:
        left = before.get(field) if old is not None else None
        rows.append(_text_row(left, after[field], field=field))
    return rows


def _aligned(old_items: Iterable, new_items: Iterable, *, key: Callable, text: Callable[..., str]) -> list[DiffRow]:
    """Rows for two ordered lists of records: matched by key, then compared by their text."""
    old_items, new_items = list(old_items), list(new_items)
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(None, [key(i) for i in old_items], [key(i) for i in new_items], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        left, right = old_items[i1:i2], new_items[j1:j2]
        for k in range(max(len(left), len(right))):
            rows.append(_text_row(text(left[k]) if k < len(left) else None,
                                  text(right[k]) if k < len(right) else None))
    return rows


def format_figure(value: float | None) -> str:
    if value is None:
        return "–"
    number = float(value)
    if number.is_integer():
        return f"{int(number):,}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def _outcome_text(outcome) -> str:
    text = f"{outcome.label}: {format_figure(outcome.before_value)} → {format_figure(outcome.after_value)}"
    if outcome.unit:
        text += f" {outcome.unit}"
    if getattr(outcome, "period", ""):
        text += f", {outcome.period}"
    sources = [s for s in (getattr(outcome, "source_document", ""), outcome.source_url,
                           getattr(outcome, "source_attachment", "")) if s]
    if sources:
        text += f" ({'; '.join(sources)})"
    if getattr(outcome, "evidence", None):
        text += f" [{outcome.grade.label}]"  # how the figure is known: a change of grade is a change
    return text


def _link_text(link) -> str:
    return f"{link.title} ({link.url})"


def _contact_text(contact) -> str:
    parts = [contact.name, contact.organization, contact.email, contact.phone, contact.url]
    return " · ".join(p for p in parts if p)


def _recognition_text(recognition) -> str:
    parts = [recognition.name, str(recognition.year or ""), recognition.category]
    return " · ".join(p for p in parts if p)


# Each kind of row (kb.services.case_fields.ROWS): how two versions' rows are matched, and shown.
_ROW_DIFFS: dict[str, tuple[Callable, Callable[..., str]]] = {
    "outcomes": (lambda o: _normal(o.label), _outcome_text),
    "links": (lambda link: link.url.strip(), _link_text),
    "contacts": (lambda c: _normal(c.name), _contact_text),
    "recognitions": (lambda r: (_normal(r.name), r.year), _recognition_text),
}


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())
