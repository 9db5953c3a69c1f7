"""Adoption of published cases, both kinds as first-class records.

*Used in training*: a trainer records that their Administrative Training Institute used a case in a
programme (``record_training_use``). The same programme on the same date is recorded once per
institute and case (the database's unique constraint backs the check here).

*Replicated by a state*: a submitter of another state than the case's records that their state is
exploring, piloting, has adopted or has discontinued it (``record_replication``), with what they
adapted, the outcome so far and a contact. One record per state and case; every status it takes is
appended to ``replication_events`` (the database refuses to rewrite that history).

Only published cases can be adopted, and lists show adoptions of published cases only: an archived
case's records stay in the database but are not shown. Functions flush; the caller commits.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from kb import permissions
from kb.errors import Conflict, NotFound, ValidationError
from kb.extensions import db
from kb.models import (
    Case,
    Organization,
    OrganizationKind,
    Replication,
    ReplicationEvent,
    ReplicationStatus,
    State,
    TrainingMode,
    TrainingUse,
    User,
    utcnow,
)
from kb.services.catalog import get_published_case
from kb.validation import MISSING, is_email_address

MAX_PROGRAMME = 300
MAX_TEXT = 5000
MAX_PARTICIPANTS = 100_000
EARLIEST_DATE = dt.date(1980, 1, 1)
# "Today" is India's today: a programme held this morning in India is not "in the future" at 00:30 IST.
INDIA = dt.timezone(dt.timedelta(hours=5, minutes=30), "IST")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,38}$")


def today_in_india() -> dt.date:
    return utcnow().astimezone(INDIA).date()


# ---------------------------------------------------------------------------------------------------
# Used in training


def record_training_use(user: User | None, public_id: str, data: dict[str, Any]) -> TrainingUse:
    """Record that the trainer's institute used a published case in a programme.

    ``data``: ``programme``, ``date`` (YYYY-MM-DD, not in the future), ``participants`` (a whole number
    from 1), optional ``mode`` (classroom, online, field_visit; default classroom), ``notes`` and
    ``rating`` (1–5). 404 for an unknown or unpublished case, 403 for anyone but a trainer, 400 for a
    trainer whose account has no ATI, 409 for the same programme and date again.
    """
    case = get_published_case(public_id)
    if permissions.is_trainer_without_an_ati(user):
        raise ValidationError(_l("Your account belongs to no Administrative Training Institute."),
                              {"ati": _l("your account is not linked to an Administrative Training Institute; "
                                         "ask an admin to add you to one")})
    permissions.authorize(user, "record_training_use", case)
    values = validate_training_use(data)
    duplicate = db.session.scalar(select(TrainingUse.id).where(
        TrainingUse.case_id == case.id, TrainingUse.organization_id == user.organization_id,
        TrainingUse.programme_key == values["programme_key"], TrainingUse.held_on == values["held_on"]))
    if duplicate is not None:
        raise _duplicate_training_use()
    use = TrainingUse(case_id=case.id, organization_id=user.organization_id, recorded_by_id=user.id, **values)
    try:
        with db.session.begin_nested():
            db.session.add(use)
            db.session.flush()
    except IntegrityError:  # the same record, committed by someone else a moment ago
        raise _duplicate_training_use() from None
    return use


def _duplicate_training_use() -> Conflict:
    return Conflict(_l("Your institute has already recorded this programme on this date for this case."),
                    {"programme": _l("already recorded for this date")})


def validate_training_use(data: dict[str, Any]) -> dict[str, Any]:
    """The clean column values, or ValidationError naming every bad field."""
    data = data or {}
    fields: dict[str, str] = {}
    programme = " ".join(str(data.get("programme") or "").split())
    if not programme:
        fields["programme"] = MISSING
    elif len(programme) > MAX_PROGRAMME:
        fields["programme"] = _l("at most %(limit)s characters", limit=MAX_PROGRAMME)
    held_on = _date(data.get("date"), fields, "date")
    participants = _whole_number(data.get("participants"), fields, "participants", 1, MAX_PARTICIPANTS,
                                 required=True)
    mode = str(data.get("mode") or TrainingMode.classroom.value).strip()
    if mode not in {m.value for m in TrainingMode}:
        fields["mode"] = _l("must be one of %(choices)s", choices=", ".join(m.value for m in TrainingMode))
    rating = _whole_number(data.get("rating"), fields, "rating", 1, 5, required=False)
    notes = _text(data.get("notes"), fields, "notes")
    if fields:
        raise ValidationError(_l("Some fields need attention."), fields)
    return {"programme": programme, "programme_key": programme.casefold(), "held_on": held_on,
            "participants": participants, "mode": mode, "notes": notes, "rating": rating}


@dataclasses.dataclass
class TrainingUsePage:
    items: list[TrainingUse]
    total: int
    page: int
    per_page: int


def list_training_uses(public_id: str, *, page: int = 1, per_page: int = 20) -> TrainingUsePage:
    """Who used a published case in training, newest programme first. Anyone may read it."""
    case = get_published_case(public_id)
    query = select(TrainingUse).where(TrainingUse.case_id == case.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.session.scalars(query.options(joinedload(TrainingUse.organization))
                               .order_by(TrainingUse.held_on.desc(), TrainingUse.id.desc())
                               .offset((page - 1) * per_page).limit(per_page)).all()
    return TrainingUsePage(list(items), total, page, per_page)


def count_training_uses(case: Case) -> int:
    """The number of recorded training uses of a case (the API's ``adoptions``)."""
    return db.session.scalar(select(func.count()).select_from(TrainingUse)
                             .where(TrainingUse.case_id == case.id)) or 0


def remove_training_use(user: User | None, use_id: int) -> Case:
    """Delete a training record: the trainer who recorded it, or an admin. Returns its case."""
    use = db.session.get(TrainingUse, use_id)
    if use is None or not use.case.is_published:
        raise NotFound(_l("No such training record."))
    permissions.authorize(user, "remove", use)
    case = use.case
    db.session.delete(use)
    db.session.flush()
    return case


# ---------------------------------------------------------------------------------------------------
# Replicated by a state


def record_replication(user: User | None, public_id: str, data: dict[str, Any]) -> Replication:
    """Record that the submitter's state takes up a published case of another state.

    ``data``: ``status`` (exploring, piloting, adopted, discontinued), ``adaptations``, ``outcome``,
    ``contact_name`` and optional ``contact_email`` / ``contact_phone``. One record per state and case
    (409 for a second; change its status instead).
    """
    case = get_published_case(public_id)
    state_id = permissions.home_state_id(user)
    if permissions.is_submitter(user) and state_id is None:
        raise ValidationError(_l("Your account is linked to no state."),
                              {"state": _l("your account and organisation name no state; ask an admin to set one")})
    permissions.authorize(user, "record_replication", case)
    values = validate_replication(data)
    if db.session.scalar(select(Replication.id).where(Replication.case_id == case.id,
                                                      Replication.state_id == state_id)) is not None:
        raise _duplicate_replication()
    replication = Replication(case_id=case.id, state_id=state_id, organization_id=user.organization_id,
                              recorded_by_id=user.id, **values)
    try:
        with db.session.begin_nested():
            db.session.add(replication)
            db.session.flush()
    except IntegrityError:
        raise _duplicate_replication() from None
    db.session.add(ReplicationEvent(replication_id=replication.id, from_status=None, status=replication.status,
                                    note="", actor_id=user.id))
    db.session.flush()
    return replication


def _duplicate_replication() -> Conflict:
    return Conflict(_l("Your state has already recorded this case; change the status of that record instead."),
                    {"state": _l("already recorded for this case")})


def update_replication(user: User | None, replication_id: int, data: dict[str, Any]) -> Replication:
    """Change a replication's status (appended to its history, with an optional ``note``) and its
    details. The replicating state's submitters, or an admin."""
    replication = get_replication(replication_id)
    permissions.authorize(user, "update", replication)
    values = validate_replication({**replication_fields(replication), **(data or {})})
    fields: dict[str, str] = {}
    note = _text((data or {}).get("note"), fields, "note")
    if fields:
        raise ValidationError(_l("Some fields need attention."), fields)
    previous = replication.status
    for key, value in values.items():
        setattr(replication, key, value)
    replication.updated_at = utcnow()
    if values["status"] != previous or note:
        db.session.add(ReplicationEvent(replication_id=replication.id, from_status=previous,
                                        status=values["status"], note=note, actor_id=user.id))
    db.session.flush()
    return replication


def replication_fields(replication: Replication) -> dict[str, Any]:
    return {"status": replication.status, "adaptations": replication.adaptations,
            "outcome": replication.outcome, "contact_name": replication.contact_name,
            "contact_email": replication.contact_email or "", "contact_phone": replication.contact_phone or ""}


def validate_replication(data: dict[str, Any]) -> dict[str, Any]:
    data = data or {}
    fields: dict[str, str] = {}
    status = str(data.get("status") or "").strip()
    if not status:
        fields["status"] = MISSING
    elif status not in {s.value for s in ReplicationStatus}:
        fields["status"] = _l("must be one of %(choices)s", choices=", ".join(s.value for s in ReplicationStatus))
    adaptations = _text(data.get("adaptations"), fields, "adaptations")
    outcome = _text(data.get("outcome"), fields, "outcome")
    contact_name = " ".join(str(data.get("contact_name") or "").split())
    if not contact_name:
        fields["contact_name"] = MISSING
    elif len(contact_name) > 200:
        fields["contact_name"] = _l("at most %(limit)s characters", limit=200)
    contact_email = str(data.get("contact_email") or "").strip().lower() or None
    if contact_email and not is_email_address(contact_email):
        fields["contact_email"] = _l("not an email address")
    contact_phone = str(data.get("contact_phone") or "").strip() or None
    if contact_phone and not _PHONE.match(contact_phone):
        fields["contact_phone"] = _l("not a phone number")
    if fields:
        raise ValidationError(_l("Some fields need attention."), fields)
    return {"status": status, "adaptations": adaptations, "outcome": outcome, "contact_name": contact_name,
            "contact_email": contact_email, "contact_phone": contact_phone}


def get_replication(replication_id: int) -> Replication:
    """A replication of a published case (anyone may read it), with its history."""
    replication = db.session.get(Replication, replication_id)
    if replication is None or not replication.case.is_published:
        raise NotFound(_l("No such replication record."))
    return replication


def list_replications(public_id: str) -> list[Replication]:
    """The states that replicate a published case, by state name."""
    return replications_of(get_published_case(public_id))


def replications_of(case: Case) -> list[Replication]:
    return list(db.session.scalars(
        select(Replication).join(State, State.id == Replication.state_id)
        .where(Replication.case_id == case.id).options(joinedload(Replication.state))
        .order_by(State.name)))


# ---------------------------------------------------------------------------------------------------
# What the case page, an institute's page and a state's page show


@dataclasses.dataclass
class CaseAdoption:
    training_uses: list[TrainingUse]
    programme_count: int
    institute_count: int
    replications: list[Replication]

    @property
    def state_count(self) -> int:
        return len(self.replications)


def case_adoption(case: Case) -> CaseAdoption:
    """Both kinds of adoption of a published case, for its page."""
    uses = list(db.session.scalars(
        select(TrainingUse).where(TrainingUse.case_id == case.id).options(joinedload(TrainingUse.organization))
        .order_by(TrainingUse.held_on.desc(), TrainingUse.id.desc())))
    replications = replications_of(case)
    return CaseAdoption(training_uses=uses, programme_count=len(uses),
                        institute_count=len({use.organization_id for use in uses}), replications=replications)


def get_institute(slug: str) -> Organization:
    organization = db.session.scalar(select(Organization).where(Organization.slug == slug))
    if organization is None or organization.kind != OrganizationKind.ati:
        raise NotFound(_l("No training institute '%(slug)s'.", slug=slug))
    return organization


def institute_training_uses(organization: Organization) -> list[TrainingUse]:
    """What an institute used in training (published cases only), newest first."""
    return list(db.session.scalars(
        select(TrainingUse).join(Case, Case.id == TrainingUse.case_id)
        .where(TrainingUse.organization_id == organization.id, Case.published_revision_id.is_not(None))
        .options(joinedload(TrainingUse.case).joinedload(Case.published_revision))
        .order_by(TrainingUse.held_on.desc(), TrainingUse.id.desc())))


def state_replications(state: State) -> list[Replication]:
    """What a state replicates from other states (published cases only), most recently changed first."""
    return list(db.session.scalars(
        select(Replication).join(Case, Case.id == Replication.case_id)
        .where(Replication.state_id == state.id, Case.published_revision_id.is_not(None))
        .options(joinedload(Replication.case).joinedload(Case.published_revision))
        .order_by(Replication.updated_at.desc(), Replication.id.desc())))


def replications_of_state_cases(state: State) -> list[Replication]:
    """Where a state's own published cases have been taken up by other states."""
    return list(db.session.scalars(
        select(Replication).join(Case, Case.id == Replication.case_id)
        .where(Case.state_id == state.id, Case.published_revision_id.is_not(None))
        .options(joinedload(Replication.case).joinedload(Case.published_revision), joinedload(Replication.state))
        .order_by(Replication.updated_at.desc(), Replication.id.desc())))


# ---------------------------------------------------------------------------------------------------
# Parsing


def _date(raw: Any, fields: dict[str, str], name: str) -> dt.date | None:
    if raw in (None, ""):
        fields[name] = MISSING
        return None
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        value = raw
    else:
        try:
            value = dt.date.fromisoformat(str(raw).strip())
        except ValueError:
            fields[name] = _l("not a date; use YYYY-MM-DD")
            return None
    if value > today_in_india():
        fields[name] = _l("is in the future; record a programme once it has been held")
    elif value < EARLIEST_DATE:
        fields[name] = _l("must be on or after %(date)s", date=EARLIEST_DATE.isoformat())
    return value


def _whole_number(raw: Any, fields: dict[str, str], name: str, low: int, high: int, *,
                  required: bool) -> int | None:
    if raw in (None, ""):
        if required:
            fields[name] = MISSING
        return None
    if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
        fields[name] = _l("must be a whole number from %(low)s to %(high)s", low=low, high=high)
        return None
    try:
        value = int(str(raw).strip()) if not isinstance(raw, (int, float)) else int(raw)
    except ValueError:
        fields[name] = _l("must be a whole number from %(low)s to %(high)s", low=low, high=high)
        return None
    if not low <= value <= high:
        fields[name] = (_l("cannot be negative") if value < 0
                       else _l("must be a whole number from %(low)s to %(high)s", low=low, high=high))
        return None
    return value


def _text(raw: Any, fields: dict[str, str], name: str, limit: int = MAX_TEXT) -> str:
    text = str(raw or "").replace("\r\n", "\n").strip()
    if len(text) > limit:
        fields[name] = _l("at most %(limit)s characters", limit=limit)
    return text
