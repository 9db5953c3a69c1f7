"""Course packs: an institute's ordered set of published cases for a programme, with a note per case.

A pack belongs to the Administrative Training Institute of the trainer who made it. It is private to
that institute (everyone else gets 404, as for something that does not exist) or public, and lives at
the stable address ``/packs/<number>``. Any trainer of the institute edits it (adds, removes, reorders,
notes); only its creator deletes it.

Only published cases can be added. A case archived after it was added stays in the pack's rows (so
nothing is lost if it comes back) but is never shown, printed or exported: the pack says how many
cases it leaves out, never which. Functions flush; the caller commits.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from kb import permissions
from kb.validation import MISSING
from kb.errors import Conflict, NotFound, ValidationError
from kb.extensions import db
from kb.models import (
    PUBLIC_ID_PATTERN,
    Case,
    CoursePack,
    CoursePackItem,
    Organization,
    PackVisibility,
    Revision,
    User,
    utcnow,
)
from kb.services.catalog import get_published_case
from kb.services.citations import format_citation, permalink

MAX_TITLE, MAX_PROGRAMME, MAX_TEXT = 200, 300, 5000
MAX_ITEMS = 60


# ---------------------------------------------------------------------------------------------------
# Packs


def create_pack(user: User | None, data: dict[str, Any]) -> CoursePack:
    """A new, empty pack of the trainer's institute, with a fresh number."""
    if permissions.is_trainer_without_an_ati(user):
        raise ValidationError(_l("Your account belongs to no Administrative Training Institute."),
                              {"ati": _l("your account is not linked to an Administrative Training Institute")})
    permissions.authorize(user, "create_course_pack")
    values = validate_pack(data)
    for _attempt in range(5):
        number = (db.session.scalar(select(func.max(CoursePack.number))) or 0) + 1
        pack = CoursePack(number=number, organization_id=user.organization_id, created_by_id=user.id, **values)
        try:
            with db.session.begin_nested():
                db.session.add(pack)
                db.session.flush()
        except IntegrityError:  # another pack took the number at the same moment
            continue
        return pack
    raise Conflict(_l("Could not allocate a course pack number; try again."))  # pragma: no cover


def update_pack(user: User | None, number: int, data: dict[str, Any]) -> CoursePack:
    """Change the title, programme, description or visibility."""
    pack = get_editable_pack(user, number)
    for key, value in validate_pack({**pack_fields(pack), **(data or {})}).items():
        setattr(pack, key, value)
    pack.updated_at = utcnow()
    db.session.flush()
    return pack


def delete_pack(user: User | None, number: int) -> None:
    pack = get_pack(user, number)
    permissions.authorize(user, "delete", pack)
    db.session.delete(pack)
    db.session.flush()


def pack_fields(pack: CoursePack | None) -> dict[str, Any]:
    if pack is None:
        return {"title": "", "programme": "", "description": "", "visibility": PackVisibility.institute.value}
    return {"title": pack.title, "programme": pack.programme, "description": pack.description,
            "visibility": pack.visibility}


def validate_pack(data: dict[str, Any]) -> dict[str, Any]:
    data = data or {}
    fields: dict[str, str] = {}
    title = " ".join(str(data.get("title") or "").split())
    if not title:
        fields["title"] = MISSING
    elif len(title) > MAX_TITLE:
        fields["title"] = _l("at most %(limit)s characters", limit=MAX_TITLE)
    programme = " ".join(str(data.get("programme") or "").split())
    if len(programme) > MAX_PROGRAMME:
        fields["programme"] = _l("at most %(limit)s characters", limit=MAX_PROGRAMME)
    description = str(data.get("description") or "").replace("\r\n", "\n").strip()
    if len(description) > MAX_TEXT:
        fields["description"] = _l("at most %(limit)s characters", limit=MAX_TEXT)
    visibility = str(data.get("visibility") or PackVisibility.institute.value).strip()
    if visibility not in {v.value for v in PackVisibility}:
        fields["visibility"] = _l("must be one of %(choices)s", choices=", ".join(v.value for v in PackVisibility))
    if fields:
        raise ValidationError(_l("Some fields need attention."), fields)
    return {"title": title, "programme": programme, "description": description, "visibility": visibility}


def get_pack(user: User | None, number: int) -> CoursePack:
    """The pack, if the user may see it; NotFound otherwise (a private pack does not exist outside)."""
    pack = db.session.scalar(select(CoursePack).where(CoursePack.number == number)
                             .options(joinedload(CoursePack.organization)))
    if pack is None or not permissions.can(user, "view", pack):
        raise NotFound(_l("No course pack %(number)s.", number=number))
    return pack


def get_editable_pack(user: User | None, number: int) -> CoursePack:
    pack = get_pack(user, number)
    permissions.authorize(user, "edit", pack)
    return pack


@dataclasses.dataclass
class PackOverview:
    own: list[CoursePack]  # the user's institute's packs (private and public)
    public: list[CoursePack]  # other institutes' public packs


def list_packs(user: User | None) -> PackOverview:
    """The packs a user can see: their institute's, then every other institute's public ones."""
    own: list[CoursePack] = []
    others = select(CoursePack).where(CoursePack.visibility == PackVisibility.public.value)
    if user is not None and user.can_act and user.organization_id is not None:
        own = list(db.session.scalars(select(CoursePack).where(CoursePack.organization_id == user.organization_id)
                                      .order_by(CoursePack.updated_at.desc(), CoursePack.id.desc())))
        others = others.where(CoursePack.organization_id != user.organization_id)
    public = list(db.session.scalars(others.options(joinedload(CoursePack.organization))
                                     .order_by(CoursePack.updated_at.desc(), CoursePack.id.desc())))
    return PackOverview(own=own, public=public)


def packs_to_add_to(user: User | None) -> list[CoursePack]:
    """The packs a user may add a case to (their institute's, if they are one of its trainers)."""
    if not permissions.is_trainer(user) or user.organization_id is None:
        return []
    return list(db.session.scalars(select(CoursePack).where(CoursePack.organization_id == user.organization_id)
                                   .order_by(CoursePack.title, CoursePack.number)))


def public_packs_of(organization: Organization, viewer: User | None = None) -> list[CoursePack]:
    """An institute's packs a viewer may see: the public ones, and all of them for its own people."""
    query = select(CoursePack).where(CoursePack.organization_id == organization.id)
    if not (viewer is not None and viewer.can_act and viewer.organization_id == organization.id):
        query = query.where(CoursePack.visibility == PackVisibility.public.value)
    return list(db.session.scalars(query.order_by(CoursePack.updated_at.desc(), CoursePack.id.desc())))


# ---------------------------------------------------------------------------------------------------
# Contents


@dataclasses.dataclass
class PackEntry:
    item: CoursePackItem
    case: Case
    revision: Revision
    citation: str
    permalink: str


@dataclasses.dataclass
class PackContents:
    pack: CoursePack
    entries: list[PackEntry]
    hidden_count: int  # cases in the pack that are no longer published: left out, never named


def pack_contents(pack: CoursePack) -> PackContents:
    """The pack's published cases in order, each with its citation and version permalink."""
    items = db.session.scalars(
        select(CoursePackItem).where(CoursePackItem.pack_id == pack.id)
        .options(joinedload(CoursePackItem.case).joinedload(Case.published_revision)
                 .selectinload(Revision.outcomes),
                 joinedload(CoursePackItem.case).joinedload(Case.mmp),
                 joinedload(CoursePackItem.case).joinedload(Case.state))
        .order_by(CoursePackItem.position, CoursePackItem.id)).unique().all()
    entries, hidden = [], 0
    for item in items:
        revision = item.case.published_revision
        if revision is None:
            hidden += 1
            continue
        entries.append(PackEntry(item=item, case=item.case, revision=revision,
                                 citation=format_citation(item.case, revision),
                                 permalink=permalink(item.case, revision)))
    return PackContents(pack=pack, entries=entries, hidden_count=hidden)


def add_case(user: User | None, number: int, public_id: str, note: str = "") -> CoursePackItem:
    """Add a published case at the end of the pack (409 if it is there already)."""
    pack = get_editable_pack(user, number)
    case = get_published_case(public_id)
    note = _note(note)
    items = db.session.scalars(select(CoursePackItem).where(CoursePackItem.pack_id == pack.id)).all()
    if any(item.case_id == case.id for item in items):
        raise _already_in_pack(case)
    if len(items) >= MAX_ITEMS:
        raise ValidationError(_l("The course pack is full."),
                              {"case": _l("a pack holds at most %(limit)s cases", limit=MAX_ITEMS)})
    item = CoursePackItem(pack_id=pack.id, case_id=case.id, note=note, added_by_id=user.id,
                          position=max((i.position for i in items), default=0) + 1)
    try:
        with db.session.begin_nested():
            db.session.add(item)
            db.session.flush()
    except IntegrityError:
        raise _already_in_pack(case) from None
    _touch(pack)
    return item


def _already_in_pack(case: Case) -> Conflict:
    return Conflict(_l("%(id)s is already in this course pack.", id=case.public_id),
                    {"case": _l("already in this pack")})


def remove_case(user: User | None, number: int, public_id: str) -> CoursePack:
    pack = get_editable_pack(user, number)
    item = _item(pack, public_id)
    db.session.delete(item)
    db.session.flush()
    _renumber(pack)
    return pack


def move_case(user: User | None, number: int, public_id: str, direction: str) -> CoursePack:
    """Move a case one place ``up`` or ``down`` among the pack's published cases."""
    if direction not in ("up", "down"):
        raise ValidationError(_l("Unknown direction."), {"direction": _l("must be up or down")})
    pack = get_editable_pack(user, number)
    item = _item(pack, public_id)
    visible = [entry.item for entry in pack_contents(pack).entries]
    if item not in visible:
        raise NotFound(_l("%(id)s is not in this course pack.", id=public_id))
    index = visible.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(visible):
        neighbour = visible[other]
        item.position, neighbour.position = neighbour.position, item.position
        db.session.flush()
        _renumber(pack)
    return pack


def set_note(user: User | None, number: int, public_id: str, note: str) -> CoursePackItem:
    pack = get_editable_pack(user, number)
    item = _item(pack, public_id)
    item.note = _note(note)
    _touch(pack)
    return item


def remove_unpublished(user: User | None, number: int) -> int:
    """Drop the cases that are no longer published from the pack; returns how many."""
    pack = get_editable_pack(user, number)
    gone = db.session.scalars(select(CoursePackItem).join(Case, Case.id == CoursePackItem.case_id)
                              .where(CoursePackItem.pack_id == pack.id, Case.published_revision_id.is_(None))).all()
    for item in gone:
        db.session.delete(item)
    db.session.flush()
    _renumber(pack)
    return len(gone)


def pack_pdf(user: User | None, number: int, *, locale: str | None = None) -> tuple[CoursePack, bytes]:
    """The pack as a PDF handout (its published cases, each with its note, citation and permalink)."""
    from kb.services.handouts import render_cases_pdf

    pack = get_pack(user, number)
    contents = pack_contents(pack)
    title = pack.title if not pack.programme else f"{pack.title} — {pack.programme}"
    items = [(entry.case, entry.revision, entry.item.note) for entry in contents.entries]
    return pack, render_cases_pdf(title, items, locale=locale)


def packs_containing(user: User | None, case: Case) -> list[CoursePack]:
    """The packs the user may see that contain a case (for its page)."""
    query = (select(CoursePack).join(CoursePackItem, CoursePackItem.pack_id == CoursePack.id)
             .where(CoursePackItem.case_id == case.id))
    if user is not None and user.can_act and user.organization_id is not None:
        query = query.where(or_(CoursePack.visibility == PackVisibility.public.value,
                                CoursePack.organization_id == user.organization_id))
    else:
        query = query.where(CoursePack.visibility == PackVisibility.public.value)
    return list(db.session.scalars(query.options(selectinload(CoursePack.organization))
                                   .order_by(CoursePack.title, CoursePack.number)))


# ---------------------------------------------------------------------------------------------------
# Helpers


def _item(pack: CoursePack, public_id: str) -> CoursePackItem:
    match = PUBLIC_ID_PATTERN.match((public_id or "").upper())
    item = None
    if match:
        item = db.session.scalar(select(CoursePackItem).join(Case, Case.id == CoursePackItem.case_id)
                                 .where(CoursePackItem.pack_id == pack.id, Case.number == int(match.group(1))))
    if item is None:
        raise NotFound(_l("%(id)s is not in this course pack.", id=public_id))
    return item


def _renumber(pack: CoursePack) -> None:
    """Positions 1..n in the current order (removals and moves leave no gaps)."""
    items = db.session.scalars(select(CoursePackItem).where(CoursePackItem.pack_id == pack.id)
                               .order_by(CoursePackItem.position, CoursePackItem.id)).all()
    for position, item in enumerate(items, start=1):
        item.position = position
    _touch(pack)


def _touch(pack: CoursePack) -> None:
    pack.updated_at = utcnow()
    db.session.flush()


def _note(note: str | None) -> str:
    note = str(note or "").replace("\r\n", "\n").strip()
    if len(note) > MAX_TEXT:
        raise ValidationError(_l("The note is too long."), {"note": _l("at most %(limit)s characters", limit=MAX_TEXT)})
    return note
