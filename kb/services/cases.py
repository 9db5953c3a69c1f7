"""Finding a case by its public id, whatever state its versions are in: where the workflow's services
(submissions, attachments) start. Whether the caller may see it is ``kb.permissions``' question."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text, update

from sqlalchemy.orm.exc import StaleDataError

from kb.errors import Conflict, NotFound
from kb.extensions import db
from kb.models import utcnow
from kb.models import CASE_NUMBER_SEQUENCE, MAX_INTEGER, PUBLIC_ID_PATTERN, Case, CaseNumberCounter


def find_case(public_id: str) -> Case:
    match = PUBLIC_ID_PATTERN.match((public_id or "").upper())
    number = int(match.group(1)) if match else None
    # A number beyond the column's range is no case (and would overflow the query on PostgreSQL).
    case = db.session.scalar(select(Case).where(Case.number == number)) if number and number <= MAX_INTEGER else None
    if case is None or not case.revisions:
        raise NotFound(_l("No submission %(id)s.", id=public_id))
    return case


def allocate_case_number() -> int:
    """A case number nobody has had, without racing another writer and without ever refusing.

    New numbers follow the highest in use (the content folder numbers its own cases, and may be ahead).
    PostgreSQL: the next value of ``case_number_seq``; if an imported case is at or above it, the sequence
    jumps past the highest number in use (never backwards: others may hold numbers from it that they have
    not committed yet). SQLite: the counter row, updated under the write lock that kb.database takes up
    front, so no other writer is between read and write."""
    if db.engine.dialect.name == "postgresql":
        while True:
            number = db.session.scalar(select(CASE_NUMBER_SEQUENCE.next_value()))
            if number > (db.session.scalar(select(func.max(Case.number))) or 0):
                return number
            db.session.execute(text(
                "SELECT setval('case_number_seq', GREATEST((SELECT MAX(number) FROM cases), "
                "(SELECT last_value FROM case_number_seq)))"))
    highest_in_use = select(func.coalesce(func.max(Case.number), 0)).scalar_subquery()
    number = db.session.scalar(
        update(CaseNumberCounter).where(CaseNumberCounter.id == 1)
        .values(last_number=func.max(CaseNumberCounter.last_number, highest_in_use) + 1)
        .returning(CaseNumberCounter.last_number))
    if number is None:  # a database emptied by hand: start the counter again above what is there
        number = (db.session.scalar(select(func.max(Case.number))) or 0) + 1
        db.session.add(CaseNumberCounter(id=1, last_number=number))
        db.session.flush()
    return number


def lock_revision(revision) -> None:
    """Take the revision before changing anything: an UPDATE that checks and bumps its lock_version.
    Of two writers, the second matches no row (PostgreSQL makes it wait for the first to commit; SQLite
    lets one writer at a time) and gets a Conflict, with nothing written (the caller, which owns the
    transaction, rolls it back). Every decision on a submission takes it: the workflow's and the
    reviewer's evidence check."""
    revision.updated_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(_l(
            "Someone else acted on this submission at the same moment; reload it and try again.")) from None
