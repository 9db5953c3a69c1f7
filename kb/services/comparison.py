"""Side-by-side comparison of two to four published cases: classification, outcome figures and the six
key sections (Problem, Solution, Technology, Impact, Lessons, How to replicate) aligned in columns.

Cases written in Hindi are cut at their Hindi headings, so a Hindi and an English case line up section
by section. Outcome figures with the same label (ignoring case and spacing) share a row.
"""
from __future__ import annotations

import dataclasses
import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from kb.errors import ValidationError
from kb.models import Case, OutcomeFigure, Revision
from kb.services import catalog
from kb.services.sections import KEY_SECTIONS, Section, heading_for, key_sections

MIN_CASES = 2
MAX_CASES = 4


@dataclasses.dataclass(frozen=True)
class ComparedCase:
    case: Case
    revision: Revision
    sections: dict[str, Section]  # by key in KEY_SECTIONS; a missing heading is left out

    def heading(self, key: str) -> str:
        """The heading this case uses for a key section, in its own language."""
        found = self.sections.get(key)
        return found.heading if found and found.heading else heading_for(key, self.case.language)


@dataclasses.dataclass(frozen=True)
class OutcomeRow:
    label: str
    language: str  # the language of the case the label is taken from
    cells: tuple[OutcomeFigure | None, ...]  # one per column, None where that case has no such figure


@dataclasses.dataclass(frozen=True)
class CaseComparison:
    columns: tuple[ComparedCase, ...]
    outcome_rows: tuple[OutcomeRow, ...]
    section_keys: tuple[str, ...] = KEY_SECTIONS

    @property
    def ids(self) -> list[str]:
        return [column.case.public_id for column in self.columns]


def parse_case_ids(values: list[str]) -> list[str]:
    """Case ids from repeated ``ids`` values (commas and spaces also separate); duplicates dropped.

    ``ValidationError`` on ``ids`` unless there are two to four distinct ids.
    """
    ids: list[str] = []
    for value in values:
        for part in re.split(r"[\s,]+", value or ""):
            if part and part.upper() not in ids:
                ids.append(part.upper())
    if not MIN_CASES <= len(ids) <= MAX_CASES:
        raise ValidationError(
            _l("Choose %(low)s to %(high)s cases to compare.", low=MIN_CASES, high=MAX_CASES),
            {"ids": lazy_ngettext("%(num)s distinct case given; compare %(low)s to %(high)s",
                                  "%(num)s distinct cases given; compare %(low)s to %(high)s",
                                  len(ids), low=MIN_CASES, high=MAX_CASES)},
        )
    return ids


def compare_cases(values: list[str]) -> CaseComparison:
    """Compare published cases by public id; ``NotFound`` names the first id that is not published."""
    columns = []
    for public_id in parse_case_ids(values):
        case = catalog.get_published_case(public_id)
        revision = case.published_revision
        columns.append(ComparedCase(case, revision, key_sections(revision.body, case.language)))
    return CaseComparison(columns=tuple(columns), outcome_rows=tuple(_outcome_rows(columns)))


def _outcome_rows(columns: list[ComparedCase]) -> list[OutcomeRow]:
    order: list[str] = []
    labels: dict[str, tuple[str, str]] = {}
    cells: dict[str, list[OutcomeFigure | None]] = {}
    for index, column in enumerate(columns):
        for outcome in column.revision.outcomes:
            key = " ".join(unicodedata.normalize("NFC", outcome.label).casefold().split())
            if key not in cells:
                order.append(key)
                labels[key] = (outcome.label, column.case.language)
                cells[key] = [None] * len(columns)
            if cells[key][index] is None:
                cells[key][index] = outcome
    return [OutcomeRow(*labels[key], tuple(cells[key])) for key in order]
