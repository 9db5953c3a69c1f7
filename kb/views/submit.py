"""The submitter's screens and the submission page everyone involved shares.

``/submissions`` lists the submissions the user may see; ``/submissions/new`` and ``.../edit`` are the
case form (with a server-rendered preview); ``/submissions/<id>`` shows one submission: its status, the
content, files, the reviewer's panel (``kb.views.review``), comments and the audit trail, with the
buttons ``kb.permissions`` allows. Every change is a POST that calls one service function and commits
once; a refused change shows the same page again with the reason and everything that was typed.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kb import permissions
from kb.errors import Conflict, Forbidden, KbError, ValidationError
from kb.extensions import db
from kb.markdown import render_markdown
from kb.models import RevisionStatus
from kb.services import accounts, catalog, submissions
from kb.validation import whole_number
from kb.views.case_form import CaseForm
from kb.views.submission_page import render_submission
from kb.workflow import STATUS_IN_SENTENCE, TRANSITIONS

submit = Blueprint("submit", __name__)

# ---------------------------------------------------------------------------------------------------
# My submissions


@submit.get("/submissions")
@login_required
def index():
    status = request.args.get("status") or None
    page, _per_page = catalog.parse_paging(request.args.get("page"), None)
    listing = submissions.list_submissions(current_user, status=status, page=page)
    return render_template("submissions/index.html", listing=listing, status=status,
                           can_create=permissions.can(current_user, "create_submission"))


# ---------------------------------------------------------------------------------------------------
# The case form


@submit.route("/submissions/new", methods=["GET", "POST"])
@login_required
def new():
    if not permissions.can(current_user, "create_submission"):
        raise Forbidden(_("Only a submitter of a state department or a nodal agency may write a case."))
    if request.method == "GET":
        return _form_page(CaseForm.blank(request.args.get("language", "en"),
                                         state=accounts.home_state_code(current_user)), case=None)
    form = CaseForm.from_request(request.form)
    if request.form.get("intent") == "preview":
        return _form_page(form, case=None, preview=True)
    try:
        case = submissions.create_submission(current_user, form.data())
    except ValidationError as error:
        db.session.rollback()
        return _form_page(form, case=None, error=error)
    db.session.commit()
    flash(_("Draft saved as %(id)s. Submit it for review when it is ready.", id=case.public_id), "success")
    return redirect(url_for(".show", public_id=case.public_id))


@submit.route("/submissions/<public_id>/edit", methods=["GET", "POST"])
@login_required
def edit(public_id: str):
    if request.method == "GET":
        case = _editable_case(public_id)
        return _form_page(CaseForm.from_revision(case.working_revision), case=case)
    # A POST is checked by the service, so that a submission that changed state while someone typed
    # (a colleague submitted it) answers with the form and the typed text, not a bare error page.
    case = submissions.get_submission(current_user, public_id)
    permissions.authorize(current_user, "edit", case)
    form = CaseForm.from_request(request.form)
    if request.form.get("intent") == "preview":
        return _form_page(form, case=case, preview=True)
    try:
        submissions.update_submission(current_user, case.public_id, form.data(), lock_version=form.lock_version)
    except (ValidationError, Conflict) as error:
        db.session.rollback()
        case = submissions.get_submission(current_user, public_id)
        if isinstance(error, Conflict):
            # Keep what was typed; the next save knowingly replaces the other change (which the page links to).
            form.lock_version = case.working_revision.lock_version
        return _form_page(form, case=case, error=error)
    db.session.commit()
    flash(_("Draft saved."), "success")
    return redirect(url_for(".show", public_id=case.public_id))


def _editable_case(public_id: str):
    case = submissions.get_submission(current_user, public_id)
    permissions.authorize(current_user, "edit", case)
    if "edit" not in permissions.allowed_changes(current_user, case):
        raise Conflict(_("This submission is %(status)s; only a draft or a submission with changes requested "
                         "can be edited.", status=STATUS_IN_SENTENCE[RevisionStatus(case.working_revision.status)]))
    return case


def _form_page(form: CaseForm, *, case, preview: bool = False, error: KbError | None = None):
    mmps, states = catalog.taxonomy()
    status = error.status if error is not None else 200
    conflict = isinstance(error, Conflict)
    return render_template(
        "submissions/form.html", form=form, case=case, mmps=mmps, states=states,
        preview_html=render_markdown(form.values.get("body")) if preview else None,
        error=error, errors=error.fields if isinstance(error, ValidationError) else {},
        conflict=conflict,
        # Stale but still editable: saving again replaces the other change. Otherwise it cannot be saved.
        still_editable=conflict and case is not None and "edit" in permissions.allowed_changes(current_user, case),
        attachments=case.working_revision.attachments if case else [],
    ), status


# ---------------------------------------------------------------------------------------------------
# The submission page


@submit.get("/submissions/<public_id>")
@login_required
def show(public_id: str):
    case = submissions.get_submission(current_user, public_id)
    if public_id != case.public_id:
        return redirect(url_for(".show", public_id=case.public_id), code=301)
    return render_submission(case)


def lock_version_from(form) -> int | None:
    value = form.get("lock_version", "")
    return whole_number(value) if whole_number(value) is not None else (-1 if value else None)


@submit.post("/submissions/<public_id>/actions/<action>")
@login_required
def act(public_id: str, action: str):
    """One workflow step (submit, withdraw, claim, request changes, approve, reject, archive)."""
    note = request.form.get("note", "")
    try:
        case = submissions.take_action(current_user, public_id, action, note=note,
                                       lock_version=lock_version_from(request.form))
    except (ValidationError, Conflict) as error:
        db.session.rollback()
        case = submissions.get_submission(current_user, public_id)
        return render_submission(case, error=error, typed={"action": action, "note": note})
    db.session.commit()
    transition = TRANSITIONS.get(action)
    flash(transition.done if transition is not None else _("Done."), "success")
    return redirect(url_for(".show", public_id=case.public_id))


@submit.post("/submissions/<public_id>/comments")
@login_required
def comment(public_id: str):
    body = request.form.get("body", "")
    try:
        added = submissions.add_comment(current_user, public_id, body)
    except ValidationError as error:
        db.session.rollback()
        case = submissions.get_submission(current_user, public_id)
        return render_submission(case, error=error, typed={"comment": body})
    db.session.commit()
    flash(_("Comment added."), "success")
    return redirect(url_for(".show", public_id=added.revision.case.public_id) + "#comments")


@submit.post("/submissions/<public_id>/new-version")
@login_required
def new_version(public_id: str):
    try:
        case = submissions.open_new_revision(current_user, public_id)
    except Conflict as error:
        db.session.rollback()
        return render_submission(submissions.get_submission(current_user, public_id), error=error)
    db.session.commit()
    flash(_("Version %(n)s opened as a draft. The published version stays live until this one is approved.",
            n=case.working_revision.number), "success")
    return redirect(url_for(".edit", public_id=case.public_id))
