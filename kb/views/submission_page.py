"""The submission page, which the submitter's, the reviewer's and the files' screens all show again with a
refused change's reason: its content, files, comments and history, the actions ``kb.permissions`` allows,
and the reviewer's panel (differences to read, the checklist)."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user

from kb import permissions
from kb.errors import KbError
from kb.services import attachments, submissions
from kb.services.diffs import diff_revisions
from kb.workflow import CHECKLIST, TRANSITIONS


def render_submission(case, *, error: KbError | None = None, typed: dict | None = None):
    """The submission page, optionally with a refused change's reason and the text that was typed."""
    revision = case.working_revision
    events = submissions.history(case)
    decision = next((event for event in reversed(events)
                     if event.revision_id == revision.id and event.to_status == revision.status and event.note
                     and event.action in ("request_changes", "reject", "archive")), None)
    status = error.status if error is not None else 200
    return render_template(
        "submissions/show.html", case=case, revision=revision, events=events,
        comments=submissions.comments(case), decision=decision,
        actions=permissions.allowed_actions(current_user, case),
        changes=permissions.allowed_changes(current_user, case), transitions=TRANSITIONS,
        review=review_panel(current_user, case), error=error,
        errors=error.fields if error is not None else {}, typed=typed or {},
        upload_limit=attachments.human_size(attachments.upload_limit()),
    ), status


def review_panel(user, case) -> dict:
    """What the submission page shows for review: the differences to read and, for the reviewer
    deciding, the checklist."""
    revision = case.working_revision
    compared = submissions.previous_public_revision(case)
    sent_back = submissions.content_when_sent_back(revision)
    return {
        "compared": compared,
        "diff": diff_revisions(compared, revision) if compared is not None else None,
        # What changed since a reviewer asked for changes (a version is edited in place).
        "sent_back": sent_back,
        "since_sent_back": diff_revisions(sent_back.content, revision) if sent_back is not None else None,
        # The one who may approve keeps the checklist (the same question save_checklist asks).
        "keeps_checklist": "approve" in permissions.allowed_actions(user, case),
        "checklist": {key: bool((revision.checklist or {}).get(key)) for key in CHECKLIST},
    }
