"""Submissions: states write cases, reviewers decide. One function per thing a user does.

The HTML views, the JSON API and the CLI all call these functions; none of them takes a Flask request.
Each checks permissions (``kb.permissions``: 404 if the caller may not see the submission, 403 if they
may not act), then the workflow (``kb.workflow``: 409 if the state does not allow it), then applies the
change and appends to the audit trail. Functions flush; the caller commits once.

A *submission* is a case's working (newest) revision. Concurrent actions on one revision are serialised
by its ``lock_version`` (SQLAlchemy's version counter): the second writer's UPDATE matches no row and
gets ``Conflict``. A caller may also pass the ``lock_version`` it last saw, so that a decision taken on
a stale page is refused rather than applied to content the reviewer never read.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.exc import IntegrityError

from kb import permissions
from kb.errors import Conflict, Forbidden, ValidationError
from kb.extensions import db
from kb.models import (
    Case,
    Comment,
    Mmp,
    Revision,
    RevisionStatus,
    State,
    StatusEvent,
    User,
    format_public_id,
    utcnow,
)
from kb.paging import Page
from kb.services import notifications
from kb.services.attachments import copy_attachment
from kb.services.case_fields import CaseFields, changed_fields, check_fields, read_revision, write_revision
from kb.services.cases import allocate_case_number, find_case, lock_revision
from kb.services.publishing import publish_revision, withdraw_case
from kb.validation import MISSING
from kb.workflow import CHECKLIST, EDITABLE_STATES, OPEN_STATES, STATUS_IN_SENTENCE, check_transition, transition_for

MAX_COMMENT = 10_000


# ---------------------------------------------------------------------------------------------------
# Reading


def get_submission(user: User | None, public_id: str) -> Case:
    """The case, if the user may see its submission; NotFound otherwise."""
    case = find_case(public_id)
    permissions.authorize(user, "view", case)
    return case


def list_submissions(user: User | None, *, status: str | None = None, page: int = 1,
                     per_page: int = 20) -> Page:
    """The submissions the user may see: their organisation's (a reviewer or admin: all they may see),
    newest change first, optionally by the working revision's status."""
    if status is not None and status not in {s.value for s in RevisionStatus}:
        raise ValidationError(_l("Unknown status."), {"status": _l("'%(value)s' is not a submission status",
                                                                       value=status)})
    if user is None or not user.can_act:
        raise Forbidden(_l("Log in to see submissions."))
    newest = (select(Revision.case_id, func.max(Revision.number).label("number"))
              .group_by(Revision.case_id).subquery())
    query = (select(Case).join(newest, newest.c.case_id == Case.id)
             .join(Revision, (Revision.case_id == Case.id) & (Revision.number == newest.c.number)))
    if permissions.is_admin(user):
        pass
    elif permissions.is_curator(user):
        query = query.where(Revision.status != RevisionStatus.draft.value)
    elif user.role == "submitter" and user.organization_id is not None:
        query = query.where(Case.organization_id == user.organization_id)
    else:
        return Page([], 0, page, per_page)
    if status:
        query = query.where(Revision.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.session.scalars(query.order_by(Revision.updated_at.desc(), Case.id.desc())
                               .offset((page - 1) * per_page).limit(per_page)).all()
    return Page(list(items), total, page, per_page)


def review_queue(user: User | None, *, mmp: str | None = None, state: str | None = None) -> list[Case]:
    """Submitted and in-review cases, oldest submission first, that this reviewer may see."""
    permissions.authorize(user, "use_review_queue")
    query = (select(Case).join(Revision, Revision.case_id == Case.id)
             .where(Revision.status.in_([RevisionStatus.submitted.value, RevisionStatus.in_review.value])))
    if mmp:
        query = query.join(Mmp, Mmp.id == Revision.mmp_id).where(Mmp.slug == mmp)
    if state:
        query = query.join(State, State.id == Revision.state_id).where(State.code == state.upper())
    cases = db.session.scalars(query.order_by(Revision.submitted_at.asc(), Case.id.asc())).unique().all()
    return [case for case in cases if case.working_revision.status in
            (RevisionStatus.submitted.value, RevisionStatus.in_review.value)]


def age_in_days(revision: Revision, now: dt.datetime | None = None) -> int:
    since = revision.submitted_at or revision.created_at
    return max(0, ((now or utcnow()) - since).days)


def history(case: Case) -> list[StatusEvent]:
    return list(db.session.scalars(select(StatusEvent).where(StatusEvent.case_id == case.id)
                                   .order_by(StatusEvent.created_at, StatusEvent.id)))


def comments(case: Case) -> list[Comment]:
    return list(db.session.scalars(select(Comment).where(Comment.case_id == case.id)
                                   .order_by(Comment.created_at, Comment.id)))


def previous_public_revision(case: Case) -> Revision | None:
    """What a reviewer compares the working revision with: the published version, else the one before."""
    working = case.working_revision
    if case.published_revision is not None and case.published_revision is not working:
        return case.published_revision
    earlier = [r for r in case.revisions if r is not working]
    return earlier[-1] if earlier else None


@dataclasses.dataclass(frozen=True)
class SentBack:
    """What an open version held when a reviewer last asked for changes."""

    content: Revision  # unsaved, for kb.services.diffs
    at: dt.datetime


def content_when_sent_back(revision: Revision) -> SentBack | None:
    """What the revision held when a reviewer last asked for changes, while it is still open (once it
    is decided, its history tells the rest); None if nobody asked."""
    snapshot = revision.sent_back_content
    if not snapshot or revision.status not in OPEN_STATES:
        return None
    then = Revision(number=revision.number, title="", summary="", body="")
    write_revision(then, CaseFields.from_dict(snapshot["fields"]))
    # The classification is read through relationships, which an unsaved object does not load by id.
    then.mmp = db.session.get(Mmp, then.mmp_id) if then.mmp_id else None
    return SentBack(content=then, at=dt.datetime.fromisoformat(snapshot["at"]))


# ---------------------------------------------------------------------------------------------------
# Writing content


def create_submission(user: User | None, data: dict[str, Any]) -> Case:
    """A new case in ``draft``, belonging to the submitter's organisation, with a fresh public id."""
    permissions.authorize(user, "create_submission")
    fields = check_fields(data, complete=False)
    number = allocate_case_number()
    case = Case(number=number, slug=format_public_id(number).lower(), organization_id=user.organization_id,
                mmp_id=db.session.scalar(select(Mmp.id).where(Mmp.slug == fields.mmp)))
    db.session.add(case)
    db.session.flush()
    revision = Revision(case=case, number=1, status=RevisionStatus.draft.value, author=user,
                        title="", summary="", body="")
    db.session.add(revision)
    write_revision(revision, fields)
    _copy_draft_classification(case, revision)
    db.session.add(StatusEvent(case_id=case.id, revision_id=revision.id, actor=user, action="create",
                               from_status=None, to_status=RevisionStatus.draft.value, note=""))
    db.session.flush()
    # A new case has this one revision: say so, so that the answer reads it (and the rows just written)
    # from memory rather than loading them again, and so that the case keeps it from being collected.
    set_committed_value(case, "revisions", [revision])
    return case


def update_submission(user: User | None, public_id: str, data: dict[str, Any], *,
                      lock_version: int | None = None) -> Case:
    """Change the fields of a draft (or a submission sent back with changes requested)."""
    case = find_case(public_id)
    permissions.authorize(user, "edit", case)
    revision = case.working_revision
    if revision.status not in EDITABLE_STATES:
        raise Conflict(_l("Cannot edit: the submission is %(status)s; only a draft or a submission with changes "
                          "requested can be edited.", status=STATUS_IN_SENTENCE[revision.status]))
    _check_lock(revision, lock_version)
    before = read_revision(revision)
    fields = check_fields({**before, **data}, complete=False)
    _lock(revision)
    write_revision(revision, fields)
    if not case.is_published:
        _copy_draft_classification(case, revision)
    # The audit trail names only what the edit really changed (a form posts every field).
    changed = changed_fields(before, read_revision(revision))
    if changed:  # saving an unchanged form is no event
        db.session.add(StatusEvent(case_id=case.id, revision_id=revision.id, actor=user, action="edit",
                                   from_status=revision.status, to_status=revision.status,
                                   note="changed: " + ", ".join(changed)))
    db.session.flush()
    return case


def open_new_revision(user: User | None, public_id: str) -> Case:
    """A new draft version of a published case, starting from the published content. The published
    version stays live until this one is approved."""
    case = find_case(public_id)
    # A published case is public, so anyone may learn that they may not do this (403); an unpublished one
    # is 404 to those who may not see it. Permission comes before state, as for every other action: a
    # reviewer gets 403 whatever the state, and only the case's own submitters hear that it is not published.
    permissions.authorize(user, "new_revision", case)
    if not case.is_published:
        raise Conflict(_l("Only a published case can get a new version; this one is not published."))
    working = case.working_revision
    if working.status in OPEN_STATES:
        raise Conflict(_l("Version %(number)s is already open (%(status)s); finish it before starting another.",
                          number=working.number, status=STATUS_IN_SENTENCE[working.status]))
    source = case.published_revision
    revision = Revision(case=case, number=working.number + 1, status=RevisionStatus.draft.value, author=user,
                        title="", summary="", body="")
    db.session.add(revision)
    write_revision(revision, CaseFields.from_revision(source))
    for attachment in getattr(source, "attachments", []):
        copy_attachment(attachment, revision)
    db.session.add(StatusEvent(case_id=case.id, revision_id=revision.id, actor=user, action="new_revision",
                               from_status=None, to_status=RevisionStatus.draft.value,
                               note=f"from version {source.number}"))
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict(_l("Another new version was opened at the same moment.")) from None
    return case


# ---------------------------------------------------------------------------------------------------
# The workflow


def take_action(user: User | None, public_id: str, action: str, *, note: str | None = None,
                lock_version: int | None = None) -> Case:
    """Apply one workflow action (submit, withdraw, claim, request_changes, approve, reject, archive)."""
    transition = transition_for(action)
    case = find_case(public_id)
    permissions.authorize(user, action, case)
    revision = case.published_revision if action == "archive" else case.working_revision
    status = revision.status if revision is not None else case.working_revision.status
    check_transition(transition, status, note)
    _check_lock(revision, lock_version)
    note = (note or "").strip()
    if action == "submit":
        problems = completeness_problems(revision)
        if problems:
            raise ValidationError(_l("The case is not complete enough to submit."), problems)
    from_status = revision.status
    now = utcnow()
    _lock(revision)
    if action == "approve":
        publish_revision(case, revision, actor=user, action="approve", note=note, from_status=from_status)
    elif action == "archive":
        withdraw_case(case, actor=user, note=note)
    else:
        revision.status = transition.target
        if action == "submit":
            revision.submitted_at = now
            revision.claimed_by_id = None
        elif action == "claim":
            revision.claimed_by = user
        elif action == "request_changes":
            revision.sent_back_content = {"at": now.isoformat(), "fields": read_revision(revision)}
        elif action == "withdraw":
            revision.submitted_at = None
        db.session.add(StatusEvent(case_id=case.id, revision_id=revision.id, actor=user, action=action,
                                   from_status=from_status, to_status=transition.target, note=note))
    db.session.flush()
    notifications.workflow_event(case, revision, action, actor=user, note=note)
    return case


def completeness_problems(revision: Revision) -> dict[str, str]:
    """What must be fixed before a revision can be submitted: the same rules as the content importer."""
    try:
        check_fields(read_revision(revision), complete=True)
    except ValidationError as error:
        return error.fields
    return {}


def save_checklist(user: User | None, public_id: str, checklist: dict[str, Any]) -> Case:
    """The reviewer's checklist for the submission they are reviewing."""
    case = find_case(public_id)
    permissions.authorize(user, "approve", case)  # the one who decides keeps the checklist
    revision = case.working_revision
    if revision.status != RevisionStatus.in_review.value:
        raise Conflict(_l("The checklist is kept during review; the submission is %(status)s.",
                          status=STATUS_IN_SENTENCE[revision.status]))
    if not isinstance(checklist, dict):  # the API's body: the form always sends its ticked items
        raise ValidationError(_l("Some fields need attention."),
                              {"checklist": _l("must be an object of items and true or false")})
    unknown = sorted(set(map(str, checklist)) - set(CHECKLIST))
    if unknown:
        raise ValidationError(_l("Unknown checklist item."), {"checklist": _l("unknown item '%(value)s'",
                                                                              value=unknown[0])})
    wrong = sorted(key for key, value in checklist.items() if not isinstance(value, bool))
    if wrong:
        raise ValidationError(_l("Some fields need attention."),
                              {f"checklist.{wrong[0]}": _l("must be true or false")})
    _lock(revision)
    revision.checklist = {key: bool(checklist.get(key)) for key in CHECKLIST}
    db.session.flush()
    return case


def add_comment(user: User | None, public_id: str, body: str) -> Comment:
    case = find_case(public_id)
    permissions.authorize(user, "comment", case)
    body = (body or "").strip()
    if not body:
        raise ValidationError(_l("The comment is empty."), {"body": MISSING})
    if len(body) > MAX_COMMENT:
        raise ValidationError(_l("The comment is too long."), {"body": _l("at most %(limit)s characters",
                                                                          limit=MAX_COMMENT)})
    comment = Comment(case_id=case.id, revision_id=case.working_revision.id, author=user, body=body)
    db.session.add(comment)
    db.session.flush()
    notifications.comment_added(case, comment)
    return comment


# ---------------------------------------------------------------------------------------------------
# Helpers


def _copy_draft_classification(case: Case, revision: Revision) -> None:
    """Before its first publication a case is classified as its draft is (for lists and queues)."""
    case.mmp_id = revision.mmp_id
    case.state_id = revision.state_id
    case.department = revision.department
    case.year_started = revision.year_started
    case.stage = revision.stage
    case.language = revision.language


def _check_lock(revision: Revision, lock_version: int | None) -> None:
    if lock_version is not None and int(lock_version) != revision.lock_version:
        raise Conflict(_l("This submission changed since you loaded it; reload it and try again."),
                       {"lock_version": _l("is %(current)s, you sent %(sent)s", current=revision.lock_version,
                                           sent=lock_version)})


def _lock(revision: Revision) -> None:
    lock_revision(revision)