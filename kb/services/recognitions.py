"""Awards and recognitions of published practices (e.g. the National Award for e-Governance): listed and
filtered by award and year at ``/recognitions``. They are part of a version's content, so only the live
versions of published cases count."""
from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from kb.errors import ValidationError
from kb.extensions import db
from kb.models import Case, Recognition


@dataclasses.dataclass
class RecognitionList:
    rows: list[tuple[Case, Recognition]]  # newest year first
    awards: list[str]  # every award named, for the filter
    years: list[int]
    award: str | None
    year: int | None


def list_recognitions(award: str | None = None, year: str | None = None) -> RecognitionList:
    chosen_year = None
    if year not in (None, ""):
        if not str(year).strip().isdigit():
            raise ValidationError(_l("Invalid filter."), {"year": _l("'%(value)s' is not a year", value=year)})
        chosen_year = int(str(year).strip())
    award = (award or "").strip() or None
    everything = db.session.execute(
        select(Case, Recognition).join(Recognition, Recognition.revision_id == Case.published_revision_id)
        .options(joinedload(Case.published_revision), joinedload(Case.state), joinedload(Case.mmp))
        .order_by(Recognition.year.desc(), Recognition.name, Case.number)).unique().all()
    rows = [(case, recognition) for case, recognition in everything
            if (award is None or recognition.name == award) and (chosen_year is None or recognition.year == chosen_year)]
    return RecognitionList(rows=rows, awards=sorted({r.name for _, r in everything}),
                           years=sorted({r.year for _, r in everything}, reverse=True), award=award, year=chosen_year)
