"""Exports of many cases at once: every result of a search, or a course pack's cases, as CSV (one row per
case with its classification and permalink), BibTeX or RIS (one reference per case, as the case page's
downloads write them).

Exports stream: the search gives the results' ids a batch at a time (``catalog.iter_search_ids``), each
batch is loaded, written and let go, so 20,000 results never sit in memory at once.
"""
from __future__ import annotations

import csv
import dataclasses
import io
from typing import Iterable, Iterator

from flask_babel import lazy_gettext as _l

from kb.errors import NotFound
from kb.models import Case
from kb.services import catalog
from kb.services.citations import organisation, permalink, reference_for, to_bibtex, to_ris


@dataclasses.dataclass(frozen=True)
class ExportFormat:
    name: str
    extension: str
    media_type: str


FORMATS = {
    "csv": ExportFormat("csv", "csv", "text/csv; charset=utf-8"),
    "bib": ExportFormat("bibtex", "bib", "application/x-bibtex; charset=utf-8"),
    "ris": ExportFormat("ris", "ris", "application/x-research-info-systems; charset=utf-8"),
}

CSV_COLUMNS = ("id", "title", "summary", "mmp", "mmp_name", "mmp_category", "state", "state_name", "department",
               "year_started", "stage", "language", "tags", "version", "published", "first_published", "url",
               "version_url")

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): such a value is
# written with a leading apostrophe, which spreadsheets show as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def format_for(extension: str) -> ExportFormat:
    export_format = FORMATS.get(extension)
    if export_format is None:
        raise NotFound(_l("No export format '%(extension)s'.", extension=extension))
    return export_format


def cases_in_batches(id_batches: Iterable[list[str]]) -> Iterator[list[Case]]:
    """Each batch of public ids as the published cases (whole, in the same order). The session's identity
    map holds unchanged objects weakly, so a written batch is let go."""
    for ids in id_batches:
        yield catalog.published_cases(ids)


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_row(case: Case) -> list[str]:
    revision = case.published_revision
    return [_cell(value) for value in (
        case.public_id, revision.title, " ".join(revision.summary.split()), case.mmp.slug, case.mmp.name,
        case.mmp.category, case.state.code if case.state else "", case.state.name if case.state else "",
        organisation(case, revision), case.year_started, case.stage or "", case.language, "; ".join(case.tag_names),
        revision.number, revision.published_at.date().isoformat() if revision.published_at else "",
        case.first_published_at.date().isoformat() if case.first_published_at else "", permalink(case),
        permalink(case, revision))]


def stream(export_format: ExportFormat, batches: Iterable[list[Case]], site_base: str = "") -> Iterator[str]:
    """The export, a batch of cases at a time."""
    if export_format.name == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        yield "\ufeff" + buffer.getvalue()  # the byte-order mark tells spreadsheets it is UTF-8 (Devanagari)
        for cases in batches:
            buffer.seek(0)
            buffer.truncate()
            writer.writerows(csv_row(case) for case in cases)
            yield buffer.getvalue()
        return
    write = to_bibtex if export_format.name == "bibtex" else to_ris
    separator = "\n" if export_format.name == "bibtex" else ""
    for cases in batches:
        yield "".join(write(reference_for(case, case.published_revision)) + separator for case in cases)
