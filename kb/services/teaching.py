"""The teaching layer: trainers' notes on how to teach a published case.

A teaching note holds learning objectives, discussion questions, a suggested session plan (its length
in minutes and the activities, in order) and exercises; each list is kept one item per line. Every
trainer (and reviewers and admins) can read every note, with its author's institute; only the author
edits it; the author or an admin deletes it. One note per trainer and case: a second is a 409 (edit
the first). Anonymous visitors and submitters never see notes. Functions flush; the caller commits.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from kb import permissions
from kb.errors import Conflict, NotFound, ValidationError
from kb.extensions import db
from kb.models import Case, Organization, TeachingNote, User, utcnow
from kb.services.catalog import get_published_case
from kb.validation import whole_number

TEXT_FIELDS = ("objectives", "discussion_questions", "activities", "exercises")
MAX_TEXT = 10_000
MIN_MINUTES, MAX_MINUTES = 5, 1440


def list_teaching_notes(user: User | None, public_id: str) -> list[TeachingNote]:
    """The notes on a published case, oldest first; only for those who may read teaching notes."""
    case = get_published_case(public_id)
    permissions.authorize(user, "read_teaching_notes")
    return notes_on(case)


def notes_on(case: Case) -> list[TeachingNote]:
    return list(db.session.scalars(
        select(TeachingNote).where(TeachingNote.case_id == case.id)
        .options(joinedload(TeachingNote.author), joinedload(TeachingNote.organization))
        .order_by(TeachingNote.created_at, TeachingNote.id)))


def get_teaching_note(user: User | None, note_id: int) -> TeachingNote:
    """A note on a published case, for those who may read notes (404 for anyone else)."""
    note = db.session.get(TeachingNote, note_id)
    if note is None or not note.case.is_published or not permissions.can(user, "read_teaching_notes"):
        raise NotFound(_l("No such teaching note."))
    return note


def write_teaching_note(user: User | None, public_id: str, data: dict[str, Any]) -> TeachingNote:
    """A trainer of an ATI adds their teaching note to a published case."""
    case = get_published_case(public_id)
    if permissions.is_trainer_without_an_ati(user):
        raise ValidationError(_l("Your account belongs to no Administrative Training Institute."),
                              {"ati": _l("your account is not linked to an Administrative Training Institute")})
    permissions.authorize(user, "write_teaching_notes")
    values = validate_teaching_note(data)
    if db.session.scalar(select(TeachingNote.id).where(TeachingNote.case_id == case.id,
                                                       TeachingNote.author_id == user.id)) is not None:
        raise _duplicate()
    note = TeachingNote(case_id=case.id, author_id=user.id, organization_id=user.organization_id, **values)
    try:
        with db.session.begin_nested():
            db.session.add(note)
            db.session.flush()
    except IntegrityError:
        raise _duplicate() from None
    return note


def _duplicate() -> Conflict:
    return Conflict(_l("You already have teaching notes on this case; edit them instead."),
                    {"case": _l("already has your teaching notes")})


def update_teaching_note(user: User | None, note_id: int, data: dict[str, Any]) -> TeachingNote:
    """Only the author changes a note (others who can read it get 403)."""
    note = get_teaching_note(user, note_id)
    permissions.authorize(user, "edit", note)
    for key, value in validate_teaching_note(data).items():
        setattr(note, key, value)
    note.updated_at = utcnow()
    db.session.flush()
    return note


def delete_teaching_note(user: User | None, note_id: int) -> Case:
    """The author or an admin deletes a note. Returns its case."""
    note = get_teaching_note(user, note_id)
    permissions.authorize(user, "delete", note)
    case = note.case
    db.session.delete(note)
    db.session.flush()
    return case


def teaching_note_fields(note: TeachingNote | None) -> dict[str, Any]:
    """A note's values in the shape the form and ``validate_teaching_note`` use."""
    if note is None:
        return {key: "" for key in (*TEXT_FIELDS, "duration_minutes")}
    return {**{key: getattr(note, key) for key in TEXT_FIELDS},
            "duration_minutes": "" if note.duration_minutes is None else note.duration_minutes}


def validate_teaching_note(data: dict[str, Any]) -> dict[str, Any]:
    data = data or {}
    fields: dict[str, str] = {}
    values: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        lines = [line.strip() for line in str(data.get(key) or "").replace("\r\n", "\n").split("\n")]
        values[key] = "\n".join(line for line in lines if line)
        if len(values[key]) > MAX_TEXT:
            fields[key] = _l("at most %(limit)s characters", limit=MAX_TEXT)
    raw = data.get("duration_minutes")
    values["duration_minutes"] = None
    if raw not in (None, ""):
        text = str(raw).strip()
        if isinstance(raw, bool) or whole_number(text) is None or not MIN_MINUTES <= int(text) <= MAX_MINUTES:
            fields["duration_minutes"] = _l("must be a whole number of minutes from %(low)s to %(high)s",
                                             low=MIN_MINUTES, high=MAX_MINUTES)
        else:
            values["duration_minutes"] = int(text)
    if not any(values[key] for key in TEXT_FIELDS) and "objectives" not in fields:
        fields["objectives"] = _l("write at least the learning objectives, questions, activities or exercises")
    if fields:
        raise ValidationError(_l("Some fields need attention."), fields)
    return values


def notes_by_institute(organization: Organization) -> list[TeachingNote]:
    """Teaching notes written at an institute (published cases only), newest first."""
    return list(db.session.scalars(
        select(TeachingNote).join(Case, Case.id == TeachingNote.case_id)
        .where(TeachingNote.organization_id == organization.id, Case.published_revision_id.is_not(None))
        .options(joinedload(TeachingNote.case).joinedload(Case.published_revision))
        .order_by(TeachingNote.updated_at.desc(), TeachingNote.id.desc())))
