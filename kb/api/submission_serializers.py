"""JSON shapes of submissions, their audit trail, comments, attachments and the caller's notifications.

A submission is a case's working (newest) revision: ``version`` is that revision's number and
``lock_version`` the counter a caller may send back to have a change refused (409) if someone acted since.
People appear by name only (no email addresses): a submission is shared across organisations.
"""
from __future__ import annotations

import datetime as dt

from flask import url_for

from kb import permissions
from kb.models import Attachment, Case, Comment, EvidenceGrade, Notification, StatusEvent, User
from kb.services import submissions
from kb.services.case_fields import read_revision
from kb.services.citations import permalink
from kb.workflow import CHECKLIST


def _at(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _name(user: User | None) -> str | None:
    return user.name if user is not None else None


def _organization(case: Case) -> dict | None:
    organization = case.organization
    return {"slug": organization.slug, "name": organization.name} if organization is not None else None


def submission_url(case: Case) -> str:
    return url_for("api.get_submission", public_id=case.public_id, _external=True)


def submission_summary(case: Case) -> dict:
    revision = case.working_revision
    return {
        "id": case.public_id,
        "title": revision.title,
        "status": revision.status,
        "version": revision.number,
        "mmp": revision.mmp.slug if revision.mmp else None,
        "state": revision.state.code if revision.state else None,
        "language": revision.language,
        "organization": _organization(case),
        "submitted_at": _at(revision.submitted_at),
        "updated_at": _at(revision.updated_at),
        "url": submission_url(case),
    }


def submission_detail(case: Case, user: User | None) -> dict:
    revision = case.working_revision
    published = case.published_revision
    return {
        "id": case.public_id,
        **read_revision(revision),
        "status": revision.status,
        "version": revision.number,
        "lock_version": revision.lock_version,
        "published_version": published.number if published is not None else None,
        "organization": _organization(case),
        "author": _name(revision.author),
        "claimed_by": _name(revision.claimed_by),
        "created_at": _at(revision.created_at),
        "updated_at": _at(revision.updated_at),
        "submitted_at": _at(revision.submitted_at),
        "url": submission_url(case),
        "case_url": permalink(case) if published is not None else None,
        # What the caller may do now, so a script need not re-derive the rules (kb.permissions decides).
        "allowed_actions": permissions.allowed_actions(user, case)
        + sorted(permissions.allowed_changes(user, case)),
        "history": [event_json(event) for event in submissions.history(case)],
        "comments": [comment_json(comment) for comment in submissions.comments(case)],
        "attachments": [attachment_json(a) for a in getattr(revision, "attachments", [])],
        # The reviewer's part (kept during review; shown to whoever may see the submission, as on its page).
        "checklist": {key: bool((revision.checklist or {}).get(key)) for key in CHECKLIST},
        "evidence_check": {
            "review_months": revision.review_months,
            "figures": [{"figure": number, "label": figure.label, "claimed": figure.evidence or EvidenceGrade.self_reported.value,
                         "reviewed": figure.evidence_reviewed} for number, figure in enumerate(revision.outcomes, 1)],
        },
    }


def event_json(event: StatusEvent) -> dict:
    return {
        "action": event.action,
        "from": event.from_status,
        "to": event.to_status,
        "by": _name(event.actor),
        "at": _at(event.created_at),
        "note": event.note or "",
        "version": event.revision.number if event.revision is not None else None,
    }


def comment_json(comment: Comment) -> dict:
    return {
        "id": comment.id,
        "by": _name(comment.author),
        "at": _at(comment.created_at),
        "body": comment.body,
        "version": comment.revision.number if comment.revision is not None else None,
    }


def attachment_json(attachment: Attachment) -> dict:
    return {
        "key": attachment.key,
        "name": attachment.filename,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "url": url_for("api.download_attachment", key=attachment.key, _external=True),
    }


def notification_json(notification: Notification) -> dict:
    return {
        "id": notification.id,
        "kind": notification.kind,
        "message": notification.message,
        "case": notification.case.public_id if notification.case is not None else None,
        "url": url_for("api.get_submission", public_id=notification.case.public_id, _external=True)
        if notification.case is not None else None,
        "created_at": _at(notification.created_at),
        "read": notification.read_at is not None,
    }


def me_json(user: User) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "organization": {"slug": user.organization.slug, "name": user.organization.name,
                         "kind": user.organization.kind} if user.organization is not None else None,
    }
