"""Re-verifying a published case: its organisation confirms it as current, updates it (a new version, through
the review workflow) or marks it as discontinued. The rules are kb.services.freshness'."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kb.errors import Conflict, ValidationError
from kb.extensions import db
from kb.i18n import format_date
from kb.services import freshness

verify = Blueprint("verify", __name__)


@verify.get("/cases/<public_id>/verify")
@login_required
def page(public_id: str):
    case = freshness.case_to_verify(current_user, public_id)
    return _page(case)


def _page(case, error=None, reason: str = ""):
    return render_template("cases/verify.html", case=case, status=freshness.status_of(case), error=error,
                           errors=error.fields if error is not None else {}, reason=reason,
                           default_months=freshness.DEFAULT_MONTHS), (error.status if error is not None else 200)


@verify.post("/cases/<public_id>/verify/confirm")
@login_required
def confirm(public_id: str):
    try:
        case = freshness.confirm_current(current_user, public_id, request.form.get("note", ""))
    except Conflict as error:
        db.session.rollback()
        return _page(freshness.case_to_verify(current_user, public_id), error)
    db.session.commit()
    flash(_("Confirmed as current. The next review is due by %(date)s.", date=format_date(case.review_by)), "success")
    return redirect(url_for("public.case_page", public_id=case.public_id))


@verify.post("/cases/<public_id>/verify/discontinue")
@login_required
def discontinue(public_id: str):
    reason = request.form.get("reason", "")
    try:
        case = freshness.mark_discontinued(current_user, public_id, reason)
    except (ValidationError, Conflict) as error:
        db.session.rollback()
        return _page(freshness.case_to_verify(current_user, public_id), error, reason)
    db.session.commit()
    flash(_("Marked as discontinued. The case stays in the library with your reason."), "success")
    return redirect(url_for("public.case_page", public_id=case.public_id))
