"""How solid a case's numbers are: each outcome figure's evidence grade, the reviewer's check of it, and the
case's overall evidence level with the reasons for it.

A submitter claims a grade for each figure (self-reported, documented by the department, independently
evaluated, audited). During review the reviewer who claimed the submission confirms or lowers each grade
(never raises it: a stronger grade needs a stronger source, which is the submitter's to add), and sets
when the case is next to be re-verified; both are recorded in the audit trail. On publication the case
takes its overall level (``Case.evidence_level``), which search offers as a facet and a sort.

The overall level is the strongest grade that more than half of the figures reach: one audited figure
beside a self-reported one does not make a case "audited", and one weak figure among three strong ones
does not sink it.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from flask_babel import lazy_gettext as _l

from kb import permissions
from kb.errors import Conflict, ValidationError
from kb.extensions import db
from kb.models import Case, EvidenceGrade, OutcomeFigure, RevisionStatus, StatusEvent, User
from kb.services.cases import find_case, lock_revision
from kb.validation import whole_number
from kb.workflow import STATUS_IN_SENTENCE

MIN_REVIEW_MONTHS, MAX_REVIEW_MONTHS = 1, 36


@dataclasses.dataclass(frozen=True)
class EvidenceSummary:
    """A case's overall evidence level and why: how many figures have each grade."""

    level: EvidenceGrade | None  # None: the case gives no figures
    figures: int
    reaching: int  # how many figures reach the level
    by_grade: list[tuple[EvidenceGrade, int]]  # strongest first, only grades some figure has
    reviewed: int  # how many figures a reviewer confirmed or lowered
    unsourced: int  # figures naming no source at all


def overall_level(grades: Iterable[EvidenceGrade]) -> EvidenceGrade | None:
    """The strongest grade that more than half of the figures reach (None for no figures)."""
    ranks = sorted((grade.rank for grade in grades), reverse=True)
    if not ranks:
        return None
    return list(EvidenceGrade)[ranks[len(ranks) // 2]]


def summarise(figures: list[OutcomeFigure]) -> EvidenceSummary:
    grades = [figure.grade for figure in figures]
    level = overall_level(grades)
    counts = {grade: grades.count(grade) for grade in reversed(list(EvidenceGrade)) if grade in grades}
    return EvidenceSummary(
        level=level, figures=len(figures),
        reaching=sum(1 for grade in grades if level is not None and grade.rank >= level.rank),
        by_grade=list(counts.items()), reviewed=sum(1 for figure in figures if figure.evidence_reviewed),
        unsourced=sum(1 for figure in figures if not figure.has_source))


def reason_text(summary: EvidenceSummary) -> str:
    """Why the case has its level, in a sentence or two of the current language."""
    if summary.level is None:
        return str(_l("The case gives no outcome figures."))
    parts = [str(_l("%(reaching)s of %(figures)s figures reach this level or a stronger one.",
                    reaching=summary.reaching, figures=summary.figures))]
    parts.append(str(_l("Grades of the figures: %(grades)s.", grades="; ".join(
        f"{grade.label} {count}" for grade, count in summary.by_grade))))
    if summary.reviewed:
        parts.append(str(_l("%(reviewed)s of %(figures)s grades were checked by a reviewer.",
                            reviewed=summary.reviewed, figures=summary.figures)))
    if summary.unsourced:
        parts.append(str(_l("%(count)s figures name no source.", count=summary.unsourced)))
    return " ".join(parts)


def level_of(case: Case) -> str | None:
    """The overall level of the case's live version, as stored on the case."""
    revision = case.published_revision
    level = overall_level(figure.grade for figure in revision.outcomes) if revision is not None else None
    return level.value if level is not None else None


def grade_submission(user: User | None, public_id: str, grades: dict[str, Any], *,
                     review_months: Any = None) -> Case:
    """The reviewer's check of the evidence of the submission they are reviewing: for each figure (by its
    number, from 1) the grade confirmed or lowered to, and the months until the case is to be re-verified.

    A grade above the claimed one is refused (400, naming the figure); each figure whose grade is given is
    marked reviewed, and one line in the audit trail says what was confirmed and what was lowered."""
    case = find_case(public_id)
    permissions.authorize(user, "approve", case)  # the reviewer who decides checks the evidence
    revision = case.working_revision
    if revision.status != RevisionStatus.in_review.value:
        raise Conflict(_l("Evidence is checked during review; the submission is %(status)s.",
                          status=STATUS_IN_SENTENCE[revision.status]))
    figures = {str(i): figure for i, figure in enumerate(revision.outcomes, 1)}
    fields: dict[str, Any] = {}
    changes: list[tuple[OutcomeFigure, EvidenceGrade]] = []
    if grades is not None and not isinstance(grades, dict):  # the API's body: the form always sends pairs
        fields["grades"] = _l("must be an object of figure numbers (from 1) and grades")
        grades = {}
    for key, value in (grades or {}).items():
        figure = figures.get(str(key).strip())
        if figure is None:
            fields[f"grade[{key}]"] = _l("there is no outcome figure %(number)s", number=key)
            continue
        if value in (None, ""):
            continue
        if not isinstance(value, str) or value not in EvidenceGrade.labels():
            fields[f"grade[{key}]"] = _l("'%(value)s' is not one of %(choices)s", value=value,
                                         choices=", ".join(EvidenceGrade.labels()))
            continue
        grade, claimed = EvidenceGrade(value), EvidenceGrade(figure.evidence)
        if grade.rank > claimed.rank:
            fields[f"grade[{key}]"] = _l("a reviewer may confirm or lower the claimed grade (%(claimed)s), "
                                         "not raise it", claimed=claimed.label)
            continue
        changes.append((figure, grade))
    months = None
    if review_months not in (None, ""):
        months = whole_number(review_months, maximum=MAX_REVIEW_MONTHS)  # None for anything but one
        if months is None or months < MIN_REVIEW_MONTHS:
            months = None
            fields["review_months"] = _l("must be a whole number of months from %(low)s to %(high)s",
                                         low=MIN_REVIEW_MONTHS, high=MAX_REVIEW_MONTHS)
    if fields:
        raise ValidationError(_l("Some fields need attention."), fields)
    lock_revision(revision)  # the same optimistic lock as every decision on a submission
    lines = []
    for figure, grade in changes:
        verb = "confirmed" if grade.value == figure.evidence else f"lowered from {figure.evidence} to"
        lines.append(f"figure {figure.position + 1}: {verb} {grade.value}")
        figure.evidence_reviewed = grade.value
    if months is not None and months != revision.review_months:
        revision.review_months = months
        lines.append(f"re-verify every {months} months")
    if lines:
        db.session.add(StatusEvent(case_id=case.id, revision_id=revision.id, actor=user, action="grade_evidence",
                                   from_status=revision.status, to_status=revision.status,
                                   note="; ".join(lines)))
    db.session.flush()
    return case
