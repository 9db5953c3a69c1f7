"""Organisations, users and passwords.

Passwords are hashed with argon2id (argon2-cffi's RFC 9106 low-memory profile: 64 MiB, 3 passes,
4 lanes), above the OWASP ASVS minimum that Werkzeug's default scrypt parameters fall below.
"""
from __future__ import annotations

import re
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select

from kb.errors import Conflict, ValidationError
from kb.extensions import db
from kb.models import Organization, OrganizationKind, Role, State, User

_hasher = PasswordHasher()
MIN_PASSWORD, MAX_PASSWORD = 8, 128
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def hash_password(password: str) -> str:
    check_password_rules(password)
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str) -> None:
    if not MIN_PASSWORD <= len(password or "") <= MAX_PASSWORD:
        raise ValidationError("Invalid password.",
                              {"password": f"must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long"})


def _state_by_code(code: str | None) -> State | None:
    if not code:
        return None
    state = db.session.scalar(select(State).where(State.code == code.upper()))
    if state is None:
        raise ValidationError("Unknown state.", {"state": f"unknown state code '{code}'"})
    return state


def create_organization(*, slug: str, name: str, kind: str, state_code: str | None = None) -> Organization:
    fields = {}
    if not _SLUG.match(slug or ""):
        fields["slug"] = "use lowercase letters, digits and hyphens"
    if not (name or "").strip():
        fields["name"] = "missing"
    if kind not in {k.value for k in OrganizationKind}:
        fields["kind"] = f"'{kind}' is not one of {', '.join(k.value for k in OrganizationKind)}"
    if fields:
        raise ValidationError("Invalid organisation.", fields)
    if db.session.scalar(select(Organization).where(Organization.slug == slug)):
        raise Conflict(f"An organisation with slug '{slug}' already exists.", {"slug": "already taken"})
    organization = Organization(slug=slug, name=name.strip(), kind=kind, state=_state_by_code(state_code))
    db.session.add(organization)
    db.session.flush()
    return organization


def create_user(*, email: str, name: str, role: str, org_slug: str | None = None, state_code: str | None = None,
                password: str | None = None) -> User:
    """Create an active user. Without a password the account can only log in after a reset."""
    email = (email or "").strip().lower()
    fields = {}
    if not _EMAIL.match(email):
        fields["email"] = "not an email address"
    if not (name or "").strip():
        fields["name"] = "missing"
    if role not in {r.value for r in Role}:
        fields["role"] = f"'{role}' is not one of {', '.join(r.value for r in Role)}"
    organization = None
    if org_slug:
        organization = db.session.scalar(select(Organization).where(Organization.slug == org_slug))
        if organization is None:
            fields["org"] = f"unknown organisation '{org_slug}'"
    if fields:
        raise ValidationError("Invalid user.", fields)
    if db.session.scalar(select(User).where(User.email == email)):
        raise Conflict(f"A user with email {email} already exists.", {"email": "already registered"})
    user = User(email=email, name=name.strip(), role=role, organization=organization,
                state=_state_by_code(state_code), password_hash=hash_password(password) if password else None)
    db.session.add(user)
    db.session.flush()
    return user


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
