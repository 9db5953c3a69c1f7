"""Finding a case by its public id, whatever state its versions are in: where the workflow's services
(submissions, attachments) start. Whether the caller may see it is ``kb.permissions``' question."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kb.errors import NotFound
from kb.extensions import db
from kb.models import PUBLIC_ID_PATTERN, Case


def find_case(public_id: str) -> Case:
    match = PUBLIC_ID_PATTERN.match((public_id or "").upper())
    case = db.session.scalar(select(Case).where(Case.number == int(match.group(1)))) if match else None
    if case is None or not case.revisions:
        raise NotFound(_l("No submission %(id)s.", id=public_id))
    return case
