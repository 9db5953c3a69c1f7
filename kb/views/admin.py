"""Admin pages: users (list and search, create, approve, change role, deactivate and reactivate),
organisations (list and create) and visitors' feedback (read, mark answered or closed).

Only admins get in (``permissions.can(user, "administer")``, asked once for the whole blueprint); whether
an admin may change one particular account is the service's question (``can(user, "manage", account)``). Every
change is a POST with a CSRF token, followed by a redirect.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kb import permissions
from kb.errors import Forbidden, KbError, ValidationError
from kb.extensions import db, login_manager
from kb.models import FeedbackCategory, FeedbackStatus, OrganizationKind, Role
from kb.services import accounts, auth as auth_service, catalog, feedback
from kb.views.safety import safe_next_path

admin = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 50


@admin.before_request
def only_admins():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not permissions.can(current_user, "administer"):
        raise Forbidden(_("Only an admin may see the admin pages."))
    return None


@admin.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _back(user_id: int | None = None):
    default = url_for(".user_detail", user_id=user_id) if user_id else url_for(".users")
    return redirect(safe_next_path(request.form.get("next"), default=default))


@admin.get("/")
def index():
    return redirect(url_for(".users"))


# ---------------------------------------------------------------------------------------------------
# Users


@admin.get("/users")
def users():
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "all")
    if status not in accounts.USER_STATUSES:
        status = "all"
    role = request.args.get("role") or None
    page, _per_page = catalog.parse_paging(request.args.get("page"), None)
    listing = accounts.list_users(q=q, status=status, role=role, page=page, per_page=PER_PAGE)
    return render_template("admin/users.html", listing=listing, users=listing.items, total=listing.total, q=q,
                           status=status, role=role or "", roles=[r.value for r in Role],
                           can_manage=lambda user: permissions.can(current_user, "manage", user))


def _user_form_context(**extra):
    return dict(roles=[r.value for r in Role], organizations=accounts.list_organizations(),
                states=catalog.taxonomy()[1], kind_names=OrganizationKind.labels(), **extra)


@admin.route("/users/new", methods=["GET", "POST"])
def new_user():
    keys = ("email", "name", "role", "org", "state", "language")
    form = {key: request.form.get(key, "") for key in keys}
    if request.method == "GET":
        return render_template("admin/user_new.html", form=form, fields={}, **_user_form_context())
    try:
        user = accounts.create_user(email=form["email"], name=form["name"], role=form["role"],
                                    org_slug=form["org"] or None, state_code=form["state"] or None,
                                    password=request.form.get("password") or None,
                                    language=form["language"] or "en")
        invited = False
        if not request.form.get("password"):
            invited = auth_service.request_password_reset(user.email, link_for=_reset_link, invite=True)
    except KbError as error:
        db.session.rollback()
        fields = error.fields or {"email": error.message}
        return current_app.make_response((render_template(
            "admin/user_new.html", form=form, fields=fields, **_user_form_context()), error.status))
    db.session.commit()
    flash(_("Account %(email)s created.", email=user.email) + " " +
          (_("An email with a link to choose a password was sent.") if invited else ""), "success")
    return redirect(url_for(".user_detail", user_id=user.id))


def _reset_link(token: str) -> str:
    from kb.views.auth import _reset_link as link

    return link(token)


@admin.get("/users/<int:user_id>")
def user_detail(user_id: int):
    user = accounts.get_user(user_id)
    return render_template("admin/user.html", user=user, can_manage=permissions.can(current_user, "manage", user),
                           sessions=auth_service.count_sessions(user), fields={}, **_user_form_context())


@admin.post("/users/<int:user_id>/approve")
def approve(user_id: int):
    user = accounts.get_user(user_id)
    if accounts.approve_user(user, actor=current_user):
        flash(_("%(email)s is approved and may now log in.", email=user.email), "success")
    db.session.commit()
    return _back(user_id)


@admin.post("/users/<int:user_id>/role")
def change_role(user_id: int):
    user = accounts.get_user(user_id)
    org = request.form.get("org")
    try:
        changed = accounts.change_role(user, request.form.get("role", ""), org_slug=org if org is not None else None,
                                       actor=current_user)
    except ValidationError as error:
        db.session.rollback()
        return current_app.make_response((render_template(
            "admin/user.html", user=user, can_manage=True, fields=error.fields,
            sessions=auth_service.count_sessions(user), **_user_form_context()), 400))
    db.session.commit()
    if changed:
        flash(_("%(email)s is now %(role)s. Their sessions were ended; they must log in again.",
                email=user.email, role=user.role), "success")
    return _back(user_id)


@admin.post("/users/<int:user_id>/deactivate")
def deactivate(user_id: int):
    user = accounts.get_user(user_id)
    if accounts.set_active(user, False, actor=current_user):
        flash(_("%(email)s is deactivated and logged out everywhere.", email=user.email), "success")
    db.session.commit()
    return _back(user_id)


@admin.post("/users/<int:user_id>/reactivate")
def reactivate(user_id: int):
    user = accounts.get_user(user_id)
    if accounts.set_active(user, True, actor=current_user):
        flash(_("%(email)s is active again.", email=user.email), "success")
    db.session.commit()
    return _back(user_id)


# ---------------------------------------------------------------------------------------------------
# Organisations


@admin.route("/organizations", methods=["GET", "POST"])
def organizations():
    form = {key: request.form.get(key, "") for key in ("slug", "name", "kind", "state")}
    fields, status = {}, 200
    if request.method == "POST":
        try:
            organization = accounts.create_organization(slug=form["slug"], name=form["name"], kind=form["kind"],
                                                        state_code=form["state"] or None)
        except KbError as error:
            db.session.rollback()
            fields, status = error.fields or {"slug": error.message}, error.status
        else:
            db.session.commit()
            flash(_("Organisation %(name)s created.", name=organization.name), "success")
            return redirect(url_for(".organizations"))
    return current_app.make_response((render_template(
        "admin/organizations.html", organizations=accounts.list_organizations(),
        members=accounts.count_members(), form=form, fields=fields, kind_names=OrganizationKind.labels(),
        kinds=[k.value for k in OrganizationKind], states=catalog.taxonomy()[1]), status))


# ---------------------------------------------------------------------------------------------------
# Feedback from visitors


@admin.get("/feedback")
def feedback_list():
    status = request.args.get("status") or None
    page, _per_page = catalog.parse_paging(request.args.get("page"), None)
    listing = feedback.list_feedback(current_user, status=status, page=page)
    return render_template("admin/feedback.html", listing=listing, status=status,
                           statuses=FeedbackStatus.labels(), categories=FeedbackCategory.labels())


@admin.get("/feedback/<int:feedback_id>")
def feedback_detail(feedback_id: int):
    item = feedback.get_feedback(current_user, feedback_id)
    return render_template("admin/feedback_detail.html", item=item, statuses=FeedbackStatus.labels(),
                           categories=FeedbackCategory.labels(), error=None, typed_note=item.reply_note)


@admin.post("/feedback/<int:feedback_id>")
def feedback_update(feedback_id: int):
    try:
        feedback.set_feedback_status(current_user, feedback_id, request.form.get("status", ""),
                                     request.form.get("note", ""))
    except ValidationError as error:
        db.session.rollback()
        return render_template("admin/feedback_detail.html", item=feedback.get_feedback(current_user, feedback_id),
                               statuses=FeedbackStatus.labels(), categories=FeedbackCategory.labels(), error=error,
                               typed_note=request.form.get("note", "")), 400
    db.session.commit()
    flash(_("The feedback's status was saved."), "success")
    return redirect(url_for(".feedback_detail", feedback_id=feedback_id))
