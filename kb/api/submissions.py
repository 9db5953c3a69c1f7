"""Submissions and their review: create, list, read, edit, the workflow actions, comments and files.

Every endpoint needs a token (401 without one). Who may do what, in which state, is decided by the
services (``kb.services.submissions``, ``kb.services.attachments``) through ``kb.permissions`` and
``kb.workflow``: 404 for a submission the caller may not see, 403 for an action they may not take, 409 for
one its state does not allow or a stale ``lock_version``.
"""
from __future__ import annotations

from flask import request

from kb.api import api
from kb.api import requests as parse
from kb.api.auth import caller, token_required
from kb.api.submission_serializers import (
    attachment_json,
    comment_json,
    submission_detail,
    submission_summary,
    submission_url,
)
from kb.errors import ValidationError
from kb.extensions import db
from kb.services import attachments, evidence, submissions
from kb.services.case_fields import FIELD_NAMES
from kb.responses import attachment_response
from kb.workflow import REVIEW_ACTIONS

# What a caller may never set: kb decides them (the workflow, the caller's account, the clock).
READ_ONLY = ("id", "status", "version", "lock_version", "published_version", "organization", "organization_id",
             "author", "author_id", "claimed_by", "created_at", "updated_at", "submitted_at", "url", "case_url",
             "allowed_actions", "history", "comments", "attachments", "checklist", "evidence_check")
EDITABLE = FIELD_NAMES


@api.get("/submissions")
@token_required
def list_submissions():
    page, per_page = parse.paging()
    listing = submissions.list_submissions(caller(), status=request.args.get("status") or None,
                                           page=page, per_page=per_page)
    return {"total": listing.total, "page": listing.page, "per_page": listing.per_page,
            "results": [submission_summary(case) for case in listing.items]}


@api.post("/submissions")
@token_required
def create_submission():
    data = parse.only(parse.json_object(), EDITABLE, read_only=READ_ONLY)
    case = submissions.create_submission(caller(), data)
    location = submission_url(case)
    return _committed(submission_detail(case, caller())), 201, {"Location": location}


@api.get("/submissions/<public_id>")
@token_required
def get_submission(public_id: str):
    return submission_detail(submissions.get_submission(caller(), public_id), caller())


@api.patch("/submissions/<public_id>")
@token_required
def update_submission(public_id: str):
    data = parse.json_object()
    lock_version = parse.lock_version(data)
    changes = parse.only({k: v for k, v in data.items() if k != "lock_version"}, EDITABLE,
                         read_only=READ_ONLY)
    if not changes:
        raise ValidationError("Nothing to change.", {"body": f"name at least one of: {', '.join(EDITABLE)}"})
    case = submissions.update_submission(caller(), public_id, changes, lock_version=lock_version)
    return _committed(submission_detail(case, caller()))


def _act(public_id: str, action: str, data: dict):
    case = submissions.take_action(caller(), public_id, action, note=parse.text(data, "note"),
                                   lock_version=parse.lock_version(data))
    return _committed(submission_detail(case, caller()))


def _committed(answer: dict) -> dict:
    """Commit, then give the answer written from what the change left in the session. Written after the
    commit, it read the submission again, row by row (a commit forgets every loaded object): some fifteen
    queries that made half of a create's or a decision's time under load (issue 13). If the commit
    fails, the answer is not given."""
    db.session.commit()
    return answer


@api.post("/submissions/<public_id>/submit")
@token_required
def submit_submission(public_id: str):
    return _act(public_id, "submit", parse.only(parse.json_object(required=False), ("note", "lock_version")))


@api.post("/submissions/<public_id>/withdraw")
@token_required
def withdraw_submission(public_id: str):
    return _act(public_id, "withdraw", parse.only(parse.json_object(required=False), ("note", "lock_version")))


@api.post("/submissions/<public_id>/review")
@token_required
def review_submission(public_id: str):
    data = parse.only(parse.json_object(), ("action", "note", "lock_version"))
    action = data.get("action")
    if action not in REVIEW_ACTIONS:
        raise ValidationError("Unknown review action.", {"action": f"must be one of {', '.join(REVIEW_ACTIONS)}"})
    return _act(public_id, action, data)


@api.post("/submissions/<public_id>/evidence")
@token_required
def grade_evidence(public_id: str):
    """The reviewer's evidence check, as the submission page's: confirm or lower each figure's grade
    (``grades``: figure number from 1 -> grade) and set the months until re-verification."""
    data = parse.only(parse.json_object(), ("grades", "review_months"))
    case = evidence.grade_submission(caller(), public_id, data.get("grades"), review_months=data.get("review_months"))
    db.session.commit()
    return submission_detail(case, caller())


@api.put("/submissions/<public_id>/checklist")
@token_required
def save_checklist(public_id: str):
    """The reviewer's checklist, as the submission page's: every item true or false (an item left out is
    not ticked)."""
    data = parse.only(parse.json_object(), ("checklist",))
    case = submissions.save_checklist(caller(), public_id, data.get("checklist"))
    db.session.commit()
    return submission_detail(case, caller())


@api.post("/submissions/<public_id>/comments")
@token_required
def add_comment(public_id: str):
    data = parse.only(parse.json_object(), ("body",))
    comment = submissions.add_comment(caller(), public_id, parse.text(data, "body"))
    db.session.commit()
    return comment_json(comment), 201


@api.post("/submissions/<public_id>/attachments")
@token_required
def upload_attachment(public_id: str):
    """One file as multipart/form-data in the field ``file`` (the HTML form's field)."""
    upload = request.files.get(attachments.FIELD)
    if upload is None or not upload.filename:
        raise ValidationError("Send the file as multipart/form-data in the field 'file'.",
                              {attachments.FIELD: "missing"})
    attachment = attachments.add_attachment(caller(), public_id, filename=upload.filename, content=upload.stream)
    db.session.commit()
    body = attachment_json(attachment)
    return body, 201, {"Location": body["url"]}


@api.get("/attachments/<key>")
def download_attachment(key: str):
    """The file, as a download, to whoever may see its version (anyone, once published); else 404."""
    return attachment_response(attachments.get_attachment(caller(), key))


@api.delete("/attachments/<key>")
@token_required
def remove_attachment(key: str):
    attachments.remove_attachment(caller(), key)
    db.session.commit()
    return "", 204
