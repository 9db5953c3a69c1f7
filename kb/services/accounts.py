"""Organisations and users: creating, registering, approving, changing role, deactivating. (Password
rules and hashing: ``kb.services.passwords``.)

Every change that alters what a user may do (deactivation, a role or organisation change) ends all of
their server-side sessions, so a browser that was logged in, or holds a remember-me cookie, is logged out.
Functions flush; the caller (a request or a command) commits.
"""
from __future__ import annotations

import logging
import re
import secrets
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from kb import permissions
from kb.errors import Conflict, NotFound, ValidationError
from kb.extensions import db
from kb.i18n import LANGUAGES, in_language
from kb.paging import Page
from kb.models import Organization, OrganizationKind, Role, State, User
from kb.services import auth, notifications
from kb.services.passwords import check_password_rules, hash_password
from kb.services.passwords import hasher as _hasher
from kb.validation import is_email_address

log = logging.getLogger(__name__)

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Which organisations a self-registered account may belong to, by role.
REGISTRATION_ROLES = {
    Role.trainer.value: (OrganizationKind.ati.value,),
    Role.submitter.value: (OrganizationKind.state_department.value, OrganizationKind.nodal_agency.value),
}


def _state_by_code(code: str | None) -> State | None:
    if not code:
        return None
    state = db.session.scalar(select(State).where(State.code == code.upper()))
    if state is None:
        raise ValidationError(_("Unknown state."), {"state": _("unknown state code '%(code)s'", code=code)})
    return state


def _organization_by_slug(slug: str | None) -> Organization | None:
    return db.session.scalar(select(Organization).where(Organization.slug == slug)) if slug else None


# ---------------------------------------------------------------------------------------------------
# Organisations


def create_organization(*, slug: str, name: str, kind: str, state_code: str | None = None) -> Organization:
    slug = (slug or "").strip()
    fields = {}
    if not _SLUG.match(slug):
        fields["slug"] = _("use lowercase letters, digits and hyphens")
    if not (name or "").strip():
        fields["name"] = _("missing")
    if kind not in {k.value for k in OrganizationKind}:
        fields["kind"] = _("'%(kind)s' is not one of %(kinds)s", kind=kind,
                           kinds=", ".join(k.value for k in OrganizationKind))
    if fields:
        raise ValidationError(_("Invalid organisation."), fields)
    if db.session.scalar(select(Organization).where(Organization.slug == slug)):
        raise Conflict(_("An organisation with slug '%(slug)s' already exists.", slug=slug), {"slug": _("already taken")})
    organization = Organization(slug=slug, name=name.strip(), kind=kind, state=_state_by_code(state_code))
    db.session.add(organization)
    db.session.flush()
    log.info("organisation %s created", slug)
    return organization


def list_organizations(kinds: tuple[str, ...] | None = None) -> list[Organization]:
    statement = select(Organization).order_by(Organization.name)
    if kinds:
        statement = statement.where(Organization.kind.in_(kinds))
    return list(db.session.scalars(statement))


def count_members() -> dict[int, int]:
    """How many users each organisation has, by organisation id."""
    return dict(db.session.execute(select(User.organization_id, func.count()).where(
        User.organization_id.is_not(None)).group_by(User.organization_id)).all())


# ---------------------------------------------------------------------------------------------------
# Users


def _check_user_fields(email: str, name: str, role: str, org_slug: str | None, password: str | None,
                       roles=None) -> tuple[dict, Organization | None]:
    fields = {}
    if not is_email_address(email):
        fields["email"] = _("not an email address")
    if not (name or "").strip():
        fields["name"] = _("missing")
    elif len(name.strip()) > 200:
        fields["name"] = _("at most 200 characters")
    roles = roles or [r.value for r in Role]
    if role not in roles:
        fields["role"] = _("'%(role)s' is not one of %(roles)s", role=role, roles=", ".join(roles))
    organization = _organization_by_slug(org_slug)
    if org_slug and organization is None:
        fields["org"] = _("unknown organisation '%(slug)s'", slug=org_slug)
    if organization is not None and "role" not in fields and "org" not in fields:
        mismatch = organisation_mismatch(role, organization)
        if mismatch:
            fields["org"] = mismatch
    if password:
        try:
            check_password_rules(password, email=email, name=name)
        except ValidationError as error:
            fields.update(error.fields)
    return fields, organization


def organisation_mismatch(role: str, organization: Organization | None):
    """Why this organisation cannot be this role's (None if it can): a trainer belongs to an ATI, a
    submitter to a state department or a nodal agency (the rule of registration, kept by admins too)."""
    kinds = REGISTRATION_ROLES.get(role)
    if kinds is None or (organization is not None and organization.kind in kinds):
        return None
    if role == Role.trainer.value:
        return _l("a trainer belongs to an Administrative Training Institute")
    return _l("a submitter belongs to a state department or a nodal agency")


def create_user(*, email: str, name: str, role: str, org_slug: str | None = None, state_code: str | None = None,
                password: str | None = None, language: str = "en") -> User:
    """Create an active, approved user. Without a password the account can only log in after a reset.
    ``language`` is that of the account's mail and notifications (``en`` or ``hi``)."""
    email = (email or "").strip().lower()
    fields, organization = _check_user_fields(email, name, role, org_slug, password)
    if language not in LANGUAGES:
        fields["language"] = _l("choose English or Hindi")
    if fields:
        raise ValidationError(_("Invalid user."), fields)
    if _user_by_email(email) is not None:
        raise Conflict(_("A user with email %(email)s already exists.", email=email), {"email": _("already registered")})
    user = User(email=email, name=name.strip(), role=role, organization=organization, state=_state_by_code(state_code),
                password_hash=_hasher.hash(password) if password else None, active=True, approved=True,
                language=language)
    db.session.add(user)
    db.session.flush()
    log.info("user %s (%s) created", email, role)
    return user


def register_user(*, email: str, name: str, password: str, role: str, org_slug: str | None,
                  language: str = "en") -> User | None:
    """Self-registration: an account that cannot log in or act until an admin approves it.

    Only trainers (of an ATI) and submitters (of a state department or a nodal agency) may register.
    Every admin is notified. When the email is already registered nothing is created and that address is
    told instead, so the answer to the visitor is the same either way (returns None then). ``language``
    (the interface the visitor registered in) is kept for the account's mail and notifications.
    """
    email = (email or "").strip().lower()
    fields, organization = _check_user_fields(email, name, role, org_slug, password, roles=list(REGISTRATION_ROLES))
    if not password:
        fields["password"] = _("missing")
    if not org_slug:
        fields["org"] = _("choose your organisation")
    elif organization is not None and organisation_mismatch(role, organization):
        fields["org"] = organisation_mismatch(role, organization)
    if fields:
        raise ValidationError(_("Please correct the marked fields."), fields)
    existing = _user_by_email(email)
    if existing is not None:
        with in_language(existing.language):
            notifications.queue_email(email, subject=_("[kb] Someone tried to register with this address"), body=_(
                "Someone asked to register a kb account with this email address, which already has an account.\n"
                "If it was you, log in, or reset your password from the login page. If not, you can ignore "
                "this message; nothing was changed.\n"))
        log.info("registration refused for an existing email (the owner was told)")
        return None
    user = User(email=email, name=name.strip(), role=role, organization=organization,
                password_hash=_hasher.hash(password), active=True, approved=False,
                language=language if language in LANGUAGES else "en")
    db.session.add(user)
    db.session.flush()
    admins = db.session.scalars(select(User).where(User.role == Role.admin.value, User.active.is_(True),
                                                   User.approved.is_(True)))
    notifications.notify(admins, kind="registration", case=None, url="/admin/users?status=pending",
                         message=notifications.Message(
                             _l("%(name)s (%(email)s) registered as a %(role)s of %(org)s and waits for approval."),
                             name=user.name, email=email, role=Role(role).label, org=organization.name))
    log.info("user %s registered as %s, waiting for approval", email, role)
    return user


def _user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    return user


def find_user(email: str) -> User:
    user = _user_by_email(email)
    if user is None:
        raise NotFound(_("No user with email %(email)s.", email=(email or "").strip().lower()))
    return user


USER_STATUSES = ("all", "pending", "active", "inactive")


def list_users(*, q: str = "", status: str = "all", role: str | None = None, page: int = 1,
               per_page: int = 50) -> Page:
    """Users matching ``q`` (in email or name) and a status; newest first. """
    statement = select(User)
    words = (q or "").strip().lower()
    if words:
        pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(or_(User.email.like(pattern, escape="\\"),
                                        func.lower(User.name).like(pattern, escape="\\")))
    if status == "pending":
        statement = statement.where(User.approved.is_(False), User.active.is_(True))
    elif status == "active":
        statement = statement.where(User.approved.is_(True), User.active.is_(True))
    elif status == "inactive":
        statement = statement.where(User.active.is_(False))
    if role in {r.value for r in Role}:
        statement = statement.where(User.role == role)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    page = max(1, page)
    users = db.session.scalars(statement.order_by(User.created_at.desc(), User.id.desc())
                               .offset((page - 1) * per_page).limit(per_page))
    return Page(list(users), total, page, per_page)


def count_pending() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.approved.is_(False), User.active.is_(True))) or 0


def _check_manager(actor: User | None, target: User) -> None:
    """The CLI acts as the system (actor None); in the site only an admin, and never on their own account."""
    if actor is not None:
        permissions.authorize(actor, "manage", target)


def home_state_code(user: User | None) -> str | None:
    """The code of the state a user acts for (``permissions.home_state_id``); None for a central body."""
    state_id = permissions.home_state_id(user)
    return db.session.get(State, state_id).code if state_id is not None else None


def set_language(user: User, language: str) -> None:
    """The language in which the user gets email and notifications."""
    if language not in LANGUAGES:
        raise ValidationError(_l("Unknown language."), {"language": _l("choose English or Hindi")})
    user.language = language
    db.session.flush()


def approve_user(target: User, *, actor: User | None = None) -> bool:
    """Let a self-registered account log in; tells its owner by email. False if it was already approved."""
    _check_manager(actor, target)
    if target.approved:
        return False
    target.approved = True
    with in_language(target.language):
        notifications.queue_email(target.email, subject=_("[kb] Your account has been approved"), body=_(
            "Your kb account has been approved. You can now log in with your email address and password.\n"))
    db.session.flush()
    log.info("user %s approved by %s", target.email, actor.email if actor else "the command line")
    return True


def change_role(target: User, role: str, *, org_slug: str | None = None, actor: User | None = None) -> bool:
    """Give the user another role (and, when ``org_slug`` is given, organisation). Ends all their sessions,
    so what they may do changes at once. False if nothing changed."""
    _check_manager(actor, target)
    fields = {}
    if role not in {r.value for r in Role}:
        fields["role"] = _("'%(role)s' is not one of %(roles)s", role=role, roles=", ".join(r.value for r in Role))
    organization = target.organization
    if org_slug is not None:
        organization = _organization_by_slug(org_slug) if org_slug else None
        if org_slug and organization is None:
            fields["org"] = _("unknown organisation '%(slug)s'", slug=org_slug)
    if not fields and organisation_mismatch(role, organization):
        fields["org"] = organisation_mismatch(role, organization)
    if fields:
        raise ValidationError(_("Invalid role."), fields)
    if role == target.role and organization is target.organization:
        return False
    target.role = role
    target.organization = organization
    ended = auth.end_all_sessions(target)
    db.session.flush()
    log.info("user %s is now %s of %s (by %s); %d sessions ended", target.email, role,
             organization.slug if organization else "no organisation", actor.email if actor else "the command line",
             ended)
    return True


def set_active(target: User, active: bool, *, actor: User | None = None) -> bool:
    """Deactivate (ending every session at once) or reactivate an account. False if nothing changed."""
    _check_manager(actor, target)
    if target.active == active:
        return False
    target.active = active
    ended = 0 if active else auth.end_all_sessions(target)
    db.session.flush()
    log.info("user %s %s by %s; %d sessions ended", target.email, "reactivated" if active else "deactivated",
             actor.email if actor else "the command line", ended)
    return True


DEMO_ORGANIZATIONS = [
    {"slug": "demo-ati-mcrhrdi", "name": "Demo ATI (Telangana)", "kind": "ati", "state_code": "TS"},
    {"slug": "demo-ka-revenue", "name": "Demo Revenue Department, Karnataka", "kind": "state_department", "state_code": "KA"},
    {"slug": "demo-nodal-agency", "name": "Demo National Nodal Agency", "kind": "nodal_agency", "state_code": None},
]
DEMO_USERS = [
    {"email": "trainer@demo.kb.local", "name": "Demo Trainer", "role": "trainer", "org_slug": "demo-ati-mcrhrdi"},
    {"email": "submitter@demo.kb.local", "name": "Demo Submitter", "role": "submitter", "org_slug": "demo-ka-revenue"},
    {"email": "reviewer@demo.kb.local", "name": "Demo Reviewer", "role": "reviewer", "org_slug": "demo-nodal-agency"},
    {"email": "admin@demo.kb.local", "name": "Demo Admin", "role": "admin", "org_slug": "demo-nodal-agency"},
]


def ensure_demo_accounts(instance_dir: Path) -> list[dict]:
    """Create one demo account per role (idempotent). Passwords are random, generated once per instance
    and kept in ``instance/demo-accounts.txt`` (0600) so that ``make run`` can print them every time."""
    secrets_file = Path(instance_dir) / "demo-accounts.txt"
    known = {}
    if secrets_file.exists():
        for line in secrets_file.read_text(encoding="utf-8").splitlines():
            email, _, password = line.partition(" ")
            known[email] = password
    for spec in DEMO_ORGANIZATIONS:
        if not db.session.scalar(select(Organization).where(Organization.slug == spec["slug"])):
            create_organization(**spec)
    accounts = []
    for spec in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.email == spec["email"]))
        password = known.get(spec["email"])
        if user is None or password is None:
            password = secrets.token_urlsafe(9)
            if user is None:
                create_user(password=password, **spec)
            else:
                user.password_hash = hash_password(password)
        accounts.append({"email": spec["email"], "role": spec["role"], "password": password})
    db.session.flush()
    secrets_file.touch(mode=0o600, exist_ok=True)
    secrets_file.write_text("".join(f"{a['email']} {a['password']}\n" for a in accounts), encoding="utf-8")
    return accounts
