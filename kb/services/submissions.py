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
import re
import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kb import permissions
from kb.content import MAX_TAGS, MISSING, fill_revision, validate_case_meta
from kb.errors import Conflict, ContentError, Forbidden, ValidationError
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
from kb.services.cases import allocate_case_number, find_case, lock_revision
from kb.services.publishing import publish_revision, withdraw_case
from kb.validation import whole_number
from kb.workflow import CHECKLIST, EDITABLE_STATES, OPEN_STATES, STATUS_IN_SENTENCE, check_transition, transition_for

# The fields a submitter may set. Anything else in a request (status, organization, author, ...) is
# ignored: it is not theirs to set.
EDITABLE_FIELDS = ("title", "summary", "translated_title", "translated_summary", "body", "mmp", "state",
                   "department", "year", "stage", "language", "tags", "outcomes", "links", "contacts",
                   "recognitions")
# A draft may be incomplete, but it needs a title and an MMP to be filed under.
REQUIRED_FOR_DRAFT = ("title", "mmp")
MAX_COMMENT = 10_000

# Every field's type and size, checked before any rule reads it (README "Limits"). Nothing is coerced:
# a list where text belongs is refused, not stored as "['a', 'b']". Sizes fit the database's columns.
TEXT_LIMITS = {"title": 200, "summary": 600, "translated_title": 200, "translated_summary": 600,
               "body": 100_000, "department": 300, "mmp": 80, "state": 10, "stage": 20, "language": 5}
ROW_TEXT_LIMITS = {
    "outcomes": {"label": 300, "unit": 60, "source": 1000, "period": 40, "document": 300, "attachment": 255,
                 "evidence": 40},
    "links": {"title": 300, "url": 1000},
    "contacts": {"name": 200, "organization": 300, "email": 254, "phone": 40, "url": 1000},
    "recognitions": {"name": 200, "category": 300},
}
ROW_NUMBERS = {"outcomes": ("before", "after")}
ROW_YEARS = {"recognitions": ("year",)}  # a whole year, as a number or as typed in a form
MAX_ROWS = 20
MAX_FIGURE = 10**15  # an outcome's before/after: any real figure, and a float the database keeps exactly
MAX_TAG_TEXT = 1_000


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
    _write_revision(then, snapshot["fields"])
    # The classification is read through relationships, which an unsaved object does not load by id.
    then.mmp = db.session.get(Mmp, then.mmp_id) if then.mmp_id else None
    return SentBack(content=then, at=dt.datetime.fromisoformat(snapshot["at"]))


# ---------------------------------------------------------------------------------------------------
# Writing content


def create_submission(user: User | None, data: dict[str, Any]) -> Case:
    """A new case in ``draft``, belonging to the submitter's organisation, with a fresh public id."""
    permissions.authorize(user, "create_submission")
    document = _validated(data, complete=False)
    number = allocate_case_number()
    case = Case(number=number, slug=format_public_id(number).lower(), organization_id=user.organization_id,
                mmp_id=db.session.scalar(select(Mmp.id).where(Mmp.slug == document["mmp"])))
    db.session.add(case)
    db.session.flush()
    revision = Revision(case=case, number=1, status=RevisionStatus.draft.value, author=user,
                        title="", summary="", body="")
    db.session.add(revision)
    _write_revision(revision, document)
    _copy_draft_classification(case, revision)
    db.session.add(StatusEvent(case_id=case.id, revision_id=revision.id, actor=user, action="create",
                               from_status=None, to_status=RevisionStatus.draft.value, note=""))
    db.session.flush()
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
    before = submission_fields(revision)
    document = _validated({**before, **_only_editable(data)}, complete=False)
    _lock(revision)
    _write_revision(revision, document)
    if not case.is_published:
        _copy_draft_classification(case, revision)
    # The audit trail names only what the edit really changed (a form posts every field).
    changed = changed_fields(before, submission_fields(revision))
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
    _write_revision(revision, _validated(submission_fields(source), complete=False))
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


def submission_fields(revision: Revision) -> dict[str, Any]:
    """The editable fields of a revision, in the shape create/update accept (and the API returns)."""
    return {
        "title": revision.title, "summary": revision.summary, "translated_title": revision.translated_title or "",
        "translated_summary": revision.translated_summary or "", "body": revision.body,
        "mmp": revision.mmp.slug if revision.mmp else None,
        "state": revision.state.code if revision.state else None,
        "department": revision.department, "year": revision.year_started, "stage": revision.stage,
        "language": revision.language, "tags": revision.tag_names,
        "outcomes": [{"label": o.label, "before": o.before_value, "after": o.after_value, "unit": o.unit,
                      "source": o.source_url, "period": o.period or "", "document": o.source_document or "",
                      "attachment": o.source_attachment or "", "evidence": o.grade.value}
                     for o in revision.outcomes],
        "recognitions": [{"name": r.name, "year": r.year, "category": r.category or ""}
                         for r in revision.recognitions],
        "links": [{"title": link.title, "url": link.url} for link in revision.links],
        "contacts": [{"name": c.name, "organization": c.organization, "email": c.email, "phone": c.phone,
                      "url": c.url} for c in revision.contacts],
    }


# ---------------------------------------------------------------------------------------------------
# The workflow


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The fields whose values differ, in the order of EDITABLE_FIELDS (blank and missing are equal)."""
    return [key for key in EDITABLE_FIELDS if (before.get(key) or None) != (after.get(key) or None)]


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
            revision.sent_back_content = {"at": now.isoformat(), "fields": submission_fields(revision)}
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
        _validated(submission_fields(revision), complete=True, public_id=format_public_id(revision.case.number))
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
    unknown = sorted(set(checklist) - set(CHECKLIST))
    if unknown:
        raise ValidationError(_l("Unknown checklist item."), {"checklist": _l("unknown item '%(value)s'",
                                                                              value=unknown[0])})
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


def _only_editable(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in (data or {}).items() if key in EDITABLE_FIELDS}


def _coerce(data: dict[str, Any]) -> dict[str, Any]:
    """Form and JSON values into the types the case rules expect (a year typed as text, tags as a line)."""
    meta = {key: value for key, value in data.items() if value not in (None, "", [])}
    year = meta.get("year")
    if isinstance(year, str) and whole_number(year) is not None:
        meta["year"] = whole_number(year)
    if "tags" in meta:
        meta["tags"] = normalise_tags(meta["tags"])
    for key in ("state", "stage", "language", "mmp"):
        if isinstance(meta.get(key), str):
            meta[key] = meta[key].strip()
    if isinstance(meta.get("state"), str):
        meta["state"] = meta["state"].upper()
    return meta


def _type_problems(data: dict[str, Any]) -> dict[str, str]:
    """Each field of the wrong JSON type or over its size limit, with the reason."""
    problems: dict[str, str] = {}
    for key, limit in TEXT_LIMITS.items():
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            problems[key] = _l("must be text")
        elif len(value) > limit:
            problems[key] = _l("at most %(limit)s characters", limit=limit)
    year = data.get("year")
    if year not in (None, "") and (isinstance(year, bool) or not isinstance(year, (int, str))
                                   or (isinstance(year, str) and whole_number(year, maximum=9999) is None)
                                   or (isinstance(year, int) and not 0 <= year <= 9999)):
        problems["year"] = _l("must be a whole year, such as 2019")
    tags = data.get("tags")
    if tags is not None:
        if isinstance(tags, str):
            if len(tags) > MAX_TAG_TEXT:
                problems["tags"] = _l("at most %(limit)s characters", limit=MAX_TAG_TEXT)
        elif not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            problems["tags"] = _l("must be a list of tags (text)")
        elif len(tags) > MAX_TAGS * 2 or any(len(tag) > 60 for tag in tags):
            problems["tags"] = _l("at most %(limit)s tags", limit=MAX_TAGS)
    for key, limits in ROW_TEXT_LIMITS.items():
        rows = data.get(key)
        if rows is None:
            continue
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            problems[key] = _l("must be a list of objects")
            continue
        if len(rows) > MAX_ROWS:
            problems[key] = _l("at most %(limit)s rows", limit=MAX_ROWS)
            continue
        for index, row in enumerate(rows, 1):
            for name, value in row.items():
                field = f"{key}[{index}]"
                if name in ROW_NUMBERS.get(key, ()):
                    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                              or not -MAX_FIGURE <= value <= MAX_FIGURE):
                        problems[field] = _l("'%(key)s' must be a number", key=name)
                elif name in ROW_YEARS.get(key, ()):
                    if value not in (None, "") and (
                            isinstance(value, bool) or not isinstance(value, (int, str))
                            or (isinstance(value, str) and whole_number(value, maximum=9999) is None)
                            or (isinstance(value, int) and not 0 <= value <= 9999)):
                        problems[field] = _l("'%(key)s' must be a whole year, such as 2019", key=name)
                elif name not in limits:
                    problems[field] = _l("'%(key)s' is not a field of this row", key=name)
                elif value is not None and not isinstance(value, str):
                    problems[field] = _l("'%(key)s' must be text", key=name)
                elif value is not None and len(value) > limits[name]:
                    problems[field] = _l("'%(key)s' has at most %(limit)s characters", key=name,
                                         limit=limits[name])
    return problems


def normalise_tags(tags: str | list[str]) -> list[str]:
    """Tags as people type them, as the keywords kb files them under: "Land records" and "land_records"
    are ``land-records``. A line of tags is split at commas, semicolons and line ends, never at spaces,
    so a tag of two words stays one tag."""
    if isinstance(tags, str):
        tags = re.split(r"[,;\n]", tags)
    normalised = []
    for tag in tags:
        slug = re.sub(r"[\s_]+", "-", unicodedata.normalize("NFC", tag).strip().lower())
        slug = re.sub(r"-{2,}", "-", slug).strip("-")
        if slug and slug not in normalised:
            normalised.append(slug)
    return normalised


def _validated(data: dict[str, Any], *, complete: bool, public_id: str = "KB-0001") -> dict[str, Any]:
    """Check the fields with the content rules. A draft may leave fields out; a submission may not.
    Returns the canonical values (missing ones as None/empty)."""
    data = _only_editable(data)
    problems = _type_problems(data)
    if not problems:
        return _checked_by_the_rules(data, complete=complete, public_id=public_id)
    # The rules see only well-typed fields, and every problem is named at once.
    wrong = {key.partition("[")[0] for key in problems}
    try:
        _checked_by_the_rules({k: v for k, v in data.items() if k not in wrong}, complete=complete,
                              public_id=public_id)
    except ValidationError as error:
        problems = {**error.fields, **problems}
    raise ValidationError(_l("Some fields need attention."), problems)


def _checked_by_the_rules(data: dict[str, Any], *, complete: bool, public_id: str) -> dict[str, Any]:
    meta = _coerce(data)
    body = (meta.pop("body", "") or "")
    body = body.replace("\r\n", "\n").strip()
    meta["id"] = public_id
    mmp_slugs = set(db.session.scalars(select(Mmp.slug)))
    state_codes = set(db.session.scalars(select(State.code)))
    try:
        document = validate_case_meta(meta, body + "\n" if body else "", path="submission",
                                      mmp_slugs=mmp_slugs, state_codes=state_codes)
        return dataclasses.asdict(document)
    except ContentError as error:
        fields = dict(error.fields)
    if not complete:
        # A draft is work in progress: only what is malformed (not what is missing or unfinished) stops it.
        fields = {key: reason for key, reason in fields.items()
                  if key in REQUIRED_FOR_DRAFT or (reason is not MISSING and key != "body")}
    if fields:
        raise ValidationError(_l("Some fields need attention."), fields)
    # An incomplete but well-formed draft: keep what was given, as the rules would have normalised it.
    lenient = {**meta}
    for key in ("title", "summary", "translated_title", "translated_summary", "department"):
        lenient[key] = str(lenient.get(key) or "").strip()
    lenient.setdefault("language", "en")
    lenient["tags"] = sorted({str(t).strip().lower() for t in lenient.get("tags") or []})
    lenient["body"] = body + "\n" if body else ""
    for key in ("state", "year", "stage", "outcomes", "links", "contacts", "recognitions"):
        lenient.setdefault(key, [] if key in ("outcomes", "links", "contacts", "recognitions") else None)
    lenient["outcomes"] = [{"label": o.get("label"), "before": o.get("before"), "after": o.get("after"),
                            "unit": o.get("unit") or "", "source": o.get("source"), "period": o.get("period") or "",
                            "document": o.get("document") or "", "attachment": o.get("attachment") or "",
                            "evidence": o.get("evidence") or "self_reported"} for o in lenient["outcomes"]]
    lenient["recognitions"] = [{"name": r.get("name"), "year": r.get("year"), "category": r.get("category") or ""}
                               for r in lenient["recognitions"]]
    lenient["links"] = [{"title": link.get("title"), "url": link.get("url")} for link in lenient["links"]]
    lenient["contacts"] = [{"name": c.get("name"), "organization": c.get("organization") or "",
                            "email": c.get("email"), "phone": c.get("phone"), "url": c.get("url")}
                           for c in lenient["contacts"]]
    return lenient


def _write_revision(revision: Revision, values: dict[str, Any]) -> None:
    from kb.content import CaseDocument

    document = CaseDocument(
        path="", number=0, slug="", title=values["title"], summary=values["summary"],
        translated_title=values.get("translated_title") or "",
        translated_summary=values.get("translated_summary") or "",
        mmp=values["mmp"],
        state=values["state"], department=values["department"], year=values["year"], stage=values["stage"],
        language=values["language"], tags=values["tags"], published=None, outcomes=values["outcomes"],
        links=values["links"], contacts=values["contacts"], body=values["body"],
        recognitions=values.get("recognitions") or [],
    )
    with db.session.no_autoflush:
        fill_revision(revision, document)


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