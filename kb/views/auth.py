"""Logging in and out, registering, and looking after one's own password.

Thin views over ``kb.services.auth`` and ``kb.services.accounts``. The session cookie and the remember-me
cookie carry a server-side session token (``auth.start_session``), never the user id, so logging out ends
the session on the server and a replayed cookie finds nothing. Nothing changes state on GET.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from kb import permissions
from kb.i18n import LANGUAGE_NAMES, current_language
from kb.errors import AccountPending, InvalidResetToken, LoginFailed, TooManyAttempts, ValidationError
from kb.extensions import db
from kb.services import accounts, auth as auth_service, notifications
from kb.responses import json_error, wants_json
from kb.views.safety import safe_next_path

auth = Blueprint("auth", __name__)

def _address() -> str:
    return request.remote_addr or "unknown"


def _current_token() -> str:
    return session.get("_user_id") or ""


def _next_from_request() -> str:
    return safe_next_path(request.values.get("next"), default="")


def _page(template: str, status: int = 200, headers: dict | None = None, **context):
    """Render a form page. Pages with secrets or typed text are not kept by caches (``no-store``)."""
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response


# ---------------------------------------------------------------------------------------------------
# Logging in and out


def ask_to_log_in():
    """Flask-Login's answer to a page that needs a login: JSON 401 for the API, else the login page."""
    if wants_json():
        return json_error(401, "unauthorized", _("Log in, or send an API token, to do this."))
    flash(_("Please log in to see this page."), "info")
    target = request.full_path if request.query_string else request.path
    return redirect(url_for("auth.login", next=safe_next_path(target)))


@auth.route("/login", methods=["GET", "POST"])
def login():
    next_path = _next_from_request()
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(next_path or url_for("auth.account"))
        return _page("auth/login.html", next=next_path, email="")

    email = request.form.get("email", "")
    remember = request.form.get("remember") in ("1", "on", "yes", "true")
    try:
        user = auth_service.authenticate(email, request.form.get("password", ""), address=_address())
    except TooManyAttempts:
        db.session.commit()
        return _page("auth/login.html", 429, {"Retry-After": str(int(auth_service.THROTTLE_WINDOW.total_seconds()))},
                     next=next_path, email=email, error=_("Too many failed logins. Wait a few minutes and try again."))
    except AccountPending:
        db.session.commit()
        return _page("auth/login.html", 401, next=next_path, email=email, error=_(
            "Your account is waiting for an administrator's approval. You will get an email when it is approved."))
    except LoginFailed:
        db.session.commit()  # the failed attempt counts towards throttling
        return _page("auth/login.html", 401, next=next_path, email=email, error=_("Wrong email or password."))

    # A new session at login: nothing from before (a planted session, an old CSRF secret) carries over.
    if _current_token():
        auth_service.end_session(_current_token())
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF's cached token was signed for the session just cleared
    auth_service.start_session(user, remember=remember, user_agent=request.headers.get("User-Agent", ""))
    login_user(user, remember=remember, duration=auth_service.REMEMBER_LIFETIME)
    db.session.commit()
    return redirect(next_path or url_for("public.home"))


@auth.get("/logout")
def logout_confirm():
    """GET changes nothing: it only offers the button (a form with a CSRF token) that logs out."""
    if not current_user.is_authenticated:
        return redirect(url_for("public.home"))
    return render_template("auth/logout.html")


@auth.post("/logout")
def logout():
    token = _current_token()
    if token:
        auth_service.end_session(token)  # the session and remember-me cookies now point at nothing
        db.session.commit()
    session.clear()
    logout_user()  # and tells the browser to drop the remember-me cookie
    flash(_("You have been logged out."), "success")
    return redirect(url_for("public.home"))


# ---------------------------------------------------------------------------------------------------
# Registration


def _registration_organizations():
    kinds = sorted({kind for kinds in accounts.REGISTRATION_ROLES.values() for kind in kinds})
    return accounts.list_organizations(tuple(kinds))


@auth.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = {key: request.form.get(key, "") for key in ("name", "email", "role", "org")}

    def form_page(status=200, fields=None):
        return _page("auth/register.html", status, form=form, organizations=_registration_organizations(),
                     fields=fields or {})

    if request.method == "GET":
        return form_page()
    if request.form.get("password", "") != request.form.get("password_confirm", ""):
        return form_page(400, {"password_confirm": _("does not match the password")})
    try:
        accounts.register_user(email=form["email"], name=form["name"], password=request.form.get("password", ""),
                               role=form["role"], org_slug=form["org"] or None, language=current_language())
    except ValidationError as error:
        db.session.rollback()
        return form_page(400, error.fields)
    db.session.commit()
    return render_template("auth/registered.html", email=form["email"].strip().lower())


# ---------------------------------------------------------------------------------------------------
# Forgotten password


def _reset_link(token: str) -> str:
    """The absolute reset link. KB_BASE_URL, when set, wins over the request's Host header, so a forged
    Host cannot make the email point elsewhere."""
    path = url_for("auth.reset_password", token=token)
    base = current_app.config.get("KB_BASE_URL") or request.host_url.rstrip("/")
    return f"{base}{path}"


@auth.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    if request.method == "GET":
        return render_template("auth/forgot.html", email="")
    email = request.form.get("email", "")
    auth_service.request_password_reset(email, link_for=_reset_link)
    db.session.commit()
    # The same answer whether or not the address has an account.
    return render_template("auth/forgot_sent.html", email=email.strip())


@auth.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if auth_service.user_for_reset_token(token) is None:
        return _page("auth/reset_invalid.html", 400)
    if request.method == "GET":  # showing the form does not use the token up (mail scanners open links)
        return _page("auth/reset.html", token=token, fields={})
    new = request.form.get("password", "")
    if new != request.form.get("password_confirm", ""):
        return _page("auth/reset.html", 400, token=token, fields={"password_confirm": _("does not match the password")})
    try:
        auth_service.reset_password(token, new)
    except InvalidResetToken:
        db.session.rollback()
        return _page("auth/reset_invalid.html", 400)
    except ValidationError as error:
        db.session.rollback()
        return _page("auth/reset.html", 400, token=token, fields=error.fields)
    db.session.commit()
    session.clear()
    logout_user()
    flash(_("Your password has been changed and every session of your account has been ended. "
            "Log in with the new password."), "success")
    return redirect(url_for("auth.login"))


# ---------------------------------------------------------------------------------------------------
# One's own account


@auth.get("/account")
@login_required
def account():
    return render_template("auth/account.html", user=current_user)


@auth.post("/account/language")
@login_required
def set_language():
    """The language of the account's email and notifications."""
    try:
        accounts.set_language(current_user, request.form.get("language", ""))
    except ValidationError as error:
        db.session.rollback()
        flash(error.fields.get("language") or error.message, "error")
        return redirect(url_for("auth.account"))
    db.session.commit()
    flash(_("Email and notifications will now come in %(language)s.",
            language=LANGUAGE_NAMES[current_user.language]), "success")
    return redirect(url_for("auth.account"))


@auth.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    if request.method == "GET":
        return _page("auth/change_password.html", fields={})
    new = request.form.get("password", "")
    if new != request.form.get("password_confirm", ""):
        return _page("auth/change_password.html", 400, fields={"password_confirm": _("does not match the new password")})
    try:
        ended = auth_service.change_password(current_user, request.form.get("current_password", ""), new,
                                             address=_address(), keep_token=_current_token())
    except TooManyAttempts:
        db.session.commit()
        return _page("auth/change_password.html", 429, fields={},
                     error=_("Too many failed attempts. Wait a few minutes and try again."))
    except ValidationError as error:
        db.session.commit()  # a wrong current password is kept as a failed attempt
        return _page("auth/change_password.html", 400, fields=error.fields)
    db.session.commit()
    message = _("Your password has been changed.")
    if ended:
        message += " " + _("Your other sessions (%(count)d) have been ended.", count=ended)
    flash(message, "success")
    return redirect(url_for("auth.account"))


@auth.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    ended = auth_service.end_other_sessions(current_user, _current_token())
    db.session.commit()
    flash(_("Logged out of %(count)d other sessions.", count=ended), "success")
    return redirect(url_for("auth.account"))


# ---------------------------------------------------------------------------------------------------
# What the header shows


def navigation() -> dict:
    """Flags for the header, asked of kb.permissions (templates never decide who may do what); registered
    with every template in kb.views.templating."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        user = current_user if current_user.is_authenticated else None
        nav = {
            "submissions": permissions.can(user, "list_own_submissions"),
            "review": permissions.can(user, "use_review_queue"),
            "admin": permissions.can(user, "administer"),
            "unread": notifications.unread_count(user) if user is not None else 0,
            "pending": accounts.count_pending() if permissions.can(user, "administer") else 0,
        }
    except SQLAlchemyError:  # an error page for a broken database must still render
        db.session.rollback()
        nav = {"submissions": False, "review": False, "admin": False, "unread": 0, "pending": 0}
    return {"nav": nav}


# The account and admin forms' fields, as their error messages name them.
FIELD_LABELS = {
    "name": _l("Name"), "email": _l("Email address"), "role": _l("Role"), "org": _l("Organisation"),
    "state": _l("State"), "password": _l("Password"), "password_confirm": _l("Password again"),
    "current_password": _l("Current password"), "slug": _l("Short name (slug)"), "kind": _l("Kind"),
    "language": _l("Language"),
}
