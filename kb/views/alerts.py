"""Following a search by email (kb.services.alerts): the follow form, a visitor's confirmation, the
unsubscribe link of every digest (one click, no login) and a user's list under their account."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kb.errors import TooManyRequests, ValidationError
from kb.extensions import csrf, db
from kb.i18n import current_language
from kb.models import AlertFrequency
from kb.services import alerts

alerts_views = Blueprint("alerts", __name__)


def _search_arguments(source) -> dict[str, list[str]]:
    return {key: [v for v in source.getlist(key) if v] for key in alerts.SEARCH_ARGUMENTS if source.getlist(key)}


def _form_page(arguments, *, values=None, error=None, status=200, headers=None):
    query = alerts.normalise_query(arguments)
    return render_template("alerts/new.html", query=query, arguments=alerts.query_arguments(query),
                           search=alerts.describe(query), frequencies=AlertFrequency.labels(),
                           values=values or {"email": "", "frequency": AlertFrequency.weekly.value}, error=error,
                           search_url=url_for("public.case_list") + (f"?{query}" if query else "")), status, headers or {}


@alerts_views.get("/alerts/new")
def new_alert():
    """The follow form for a search (its query string is that of /cases)."""
    return _form_page(_search_arguments(request.args))


@alerts_views.post("/alerts")
def create_alert():
    arguments = _search_arguments(request.form)
    values = {"email": request.form.get("email", ""), "frequency": request.form.get("frequency", "")}
    try:
        if current_user.is_authenticated:
            alerts.follow(current_user, arguments, values["frequency"])
        else:
            alerts.request_follow(values["email"], arguments, values["frequency"], language=current_language(),
                                  address=request.remote_addr or "unknown")
    except ValidationError as error:
        db.session.rollback()
        return _form_page(arguments, values=values, error=error, status=400)
    except TooManyRequests as error:
        db.session.rollback()
        return _form_page(arguments, values=values, error=error, status=429,
                          headers={"Retry-After": str(error.retry_after)})
    db.session.commit()
    if current_user.is_authenticated:
        flash(_("You now follow this search. New case studies will be emailed to you."), "success")
        return redirect(url_for(".account_alerts"))
    return render_template("alerts/check_inbox.html")


@alerts_views.route("/alerts/<int:alert_id>/confirm/<token>", methods=["GET", "POST"])
def confirm_alert(alert_id: int, token: str):
    """The link of a confirmation mail: a page with a button (a link scanner's GET confirms nothing)."""
    if request.method == "GET":
        alert = alerts.alert_for_link(alert_id, token, "confirm")
        return render_template("alerts/confirm.html", alert=alert,
                               search=alerts.describe(alert.query) if alert else None)
    alert = alerts.confirm(alert_id, token)
    db.session.commit()
    return render_template("alerts/confirmed.html", search=alerts.describe(alert.query))


@alerts_views.route("/alerts/<int:alert_id>/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the token in the address is the authority; mail clients post here (RFC 8058 one-click)
def unsubscribe(alert_id: int, token: str):
    if request.method == "GET":
        alert = alerts.alert_for_link(alert_id, token, "unsubscribe")
        return render_template("alerts/unsubscribe.html", alert=alert,
                               search=alerts.describe(alert.query) if alert else None)
    alerts.unsubscribe(alert_id, token)
    db.session.commit()
    return render_template("alerts/unsubscribed.html")


@alerts_views.get("/account/alerts")
@login_required
def account_alerts():
    followed = [(alert, alerts.describe(alert.query),
                 url_for("public.case_list") + (f"?{alert.query}" if alert.query else ""))
                for alert in alerts.alerts_of(current_user)]
    return render_template("alerts/list.html", followed=followed, frequencies=AlertFrequency.labels())


@alerts_views.post("/account/alerts/<int:alert_id>/delete")
@login_required
def delete_alert(alert_id: int):
    alerts.unfollow(current_user, alert_id)
    db.session.commit()
    flash(_("You no longer follow that search."), "success")
    return redirect(url_for(".account_alerts"))

