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

from kb.errors import Conflict, ValidationError
from kb.extensions import db
from kb.services import catalog, evidence, submissions
from kb.views.submission_page import render_submission
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
        return render_submission(submissions.get_submission(current_user, public_id), error=error)
    db.session.commit()
    flash(_("Checklist saved."), "success")
    return redirect(url_for("submit.show", public_id=case.public_id) + "#review")


@review.post("/submissions/<public_id>/evidence")
@login_required
def grade_evidence(public_id: str):
    """The reviewer confirms or lowers each figure's evidence grade and sets when to re-verify."""
    grades = {key[len("grade-"):]: value for key, value in request.form.items() if key.startswith("grade-")}
    try:
        case = evidence.grade_submission(current_user, public_id, grades,
                                         review_months=request.form.get("review_months"))
    except (ValidationError, Conflict) as error:
        db.session.rollback()
        return render_submission(submissions.get_submission(current_user, public_id), error=error)
    db.session.commit()
    flash(_("Evidence check saved."), "success")
    return redirect(url_for("submit.show", public_id=case.public_id) + "#evidence-check")
