"""The reviewer's screens: the queue, and the reviewer's part of the submission page.

``/review`` lists what waits for review, oldest first, with its age in days and filters by MMP and
state. On the submission page (``kb.views.submit``) reviewers also get the side-by-side differences
against the published version (or the previous revision) from ``kb.services.diffs`` and, once they have
claimed it, the checklist. Claiming and deciding are workflow actions, posted like every other
(``submit.act``); the checklist is saved here.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kb import permissions
from kb.errors import Conflict, ValidationError
from kb.extensions import db
from kb.services import catalog, submissions
from kb.services.diffs import diff_revisions
from kb.workflow import CHECKLIST

review = Blueprint("review", __name__)


@review.get("/review")
@login_required
def queue():
    mmp = request.args.get("mmp") or None
    state = request.args.get("state") or None
    cases = submissions.review_queue(current_user, mmp=mmp, state=state)
    mmps, states = catalog.taxonomy()
    rows = [(case, case.working_revision, submissions.age_in_days(case.working_revision)) for case in cases]
    return render_template("review/queue.html", rows=rows, mmps=mmps, states=states, mmp=mmp, state=state)


@review.post("/submissions/<public_id>/checklist")
@login_required
def save_checklist(public_id: str):
    ticked = {key: True for key in CHECKLIST if request.form.get(f"checklist-{key}")}
    try:
        case = submissions.save_checklist(current_user, public_id, ticked)
    except (ValidationError, Conflict) as error:
        db.session.rollback()
        from kb.views.submit import render_submission

        return render_submission(submissions.get_submission(current_user, public_id), error=error)
    db.session.commit()
    flash(_("Checklist saved."), "success")
    return redirect(url_for("submit.show", public_id=case.public_id) + "#review")


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
