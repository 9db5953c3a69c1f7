"""Passwords: hashing, checking and the rules a new one must follow.

Passwords are hashed with argon2id (argon2-cffi's RFC 9106 low-memory profile: 64 MiB, 3 passes,
4 lanes), above the OWASP ASVS minimum that Werkzeug's default scrypt parameters fall below. A password
must be 8 to 128 characters long, must not be one of the common passwords in ``kb/data/`` and must not
be the account's email or name. Used by ``kb.services.accounts`` (setting one) and ``kb.services.auth``
(logging in, changing and resetting one).
"""
from __future__ import annotations

import functools
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import gettext as _

from kb.errors import ValidationError
from kb.models import User

hasher = PasswordHasher()
MIN_PASSWORD, MAX_PASSWORD = 8, 128
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"


def hash_password(password: str, *, email: str | None = None, name: str | None = None) -> str:
    check_password_rules(password, email=email, name=name)
    return hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased (comment lines start with '# ')."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("# "))


def check_password_rules(password: str, *, email: str | None = None, name: str | None = None) -> None:
    """Raise ValidationError (field ``password``) unless the password may be used."""
    password = password or ""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValidationError(_("Invalid password."), {"password": _(
            "must be %(low)d to %(high)d characters long", low=MIN_PASSWORD, high=MAX_PASSWORD)})
    folded = password.strip().lower()
    if folded in common_passwords():
        raise ValidationError(_("Invalid password."), {"password": _(
            "is one of the most commonly used passwords; choose one that is harder to guess")})
    personal = set()
    if email:
        email = email.strip().lower()
        personal |= {email, email.partition("@")[0]}
    if name and name.strip():
        personal |= {name.strip().lower(), "".join(name.lower().split())}
    if folded in personal or "".join(folded.split()) in personal:
        raise ValidationError(_("Invalid password."), {"password": _("must not be your email address or name")})
