"""The public history of a case: its published versions and the difference between any two of them.

Only versions the public has seen (published or superseded) are listed or compared; a draft, a
rejected or an archived revision is "not found", exactly as on the version pages.
"""
from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l

from kb.errors import ValidationError
from kb.models import Case, Revision
from kb.services import catalog
from kb.services.diffs import RevisionDiff, diff_revisions
from kb.validation import whole_number


@dataclasses.dataclass(frozen=True)
class VersionComparison:
    case: Case
    old: Revision
    new: Revision
    diff: RevisionDiff


def version_history(public_id: str) -> tuple[Case, list[Revision]]:
    """The published case and its public versions, newest first; ``NotFound`` if it is not published."""
    case = catalog.get_published_case(public_id)
    return case, catalog.public_versions(case)


def parse_version_pair(from_value: str | None, to_value: str | None) -> tuple[int, int]:
    """Read the ``from`` and ``to`` version numbers of a request; ``ValidationError`` names each bad one."""
    fields: dict[str, str] = {}
    numbers = []
    for field, raw in (("from", from_value), ("to", to_value)):
        text = (raw or "").strip()
        if not text:
            fields[field] = _l("is required: a version number")
        elif not whole_number(text):
            fields[field] = _l("'%(value)s' is not a version number (a whole number from 1)", value=raw)
        else:
            numbers.append(int(text))
    if fields:
        raise ValidationError(_l("Choose two versions to compare."), fields)
    return numbers[0], numbers[1]


def compare_versions(public_id: str, from_value: str | None, to_value: str | None) -> VersionComparison:
    """The difference between two public versions of a case (in the order given)."""
    old_number, new_number = parse_version_pair(from_value, to_value)
    case, old = catalog.get_public_version(public_id, old_number)
    _, new = catalog.get_public_version(public_id, new_number)
    return VersionComparison(case=case, old=old, new=new, diff=diff_revisions(old, new))
