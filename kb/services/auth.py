"""Logging in and staying logged in: server-side sessions, login throttling and personal API tokens.

A login creates a ``UserSession`` row; the cookie (Flask's session, and Flask-Login's remember-me cookie)
carries only its random token, which is stored here hashed. Every request looks the token up, so deleting
the row ends the session at once, however old or well-signed the cookie: logout ends that session;
deactivation, a role change and a password change end all of a user's sessions.

Throttling counts failed attempts in the database (``LoginAttempt``), so the limits hold across worker
processes and hosts.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, func, select

from kb.errors import KbError
from kb.extensions import db
from kb.models import ApiToken, LoginAttempt, User, UserSession, utcnow
from kb.services.accounts import verify_password

SESSION_LIFETIME = dt.timedelta(hours=12)
REMEMBER_LIFETIME = dt.timedelta(days=14)
THROTTLE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
LOGIN_FAILED = "Wrong email or password."  # one message whether or not the email exists
TOKEN_PREFIX = "kb_"


class TooManyAttempts(KbError):
    status = 429
    code = "rate_limited"


class LoginFailed(KbError):
    status = 401
    code = "login_failed"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------------
# Login


def check_throttle(email: str, address: str, now: dt.datetime | None = None) -> None:
    """Raise TooManyAttempts if this account or this address failed too often recently."""
    since = (now or utcnow()) - THROTTLE_WINDOW
    email = (email or "").strip().lower()

    def failures(column, value) -> int:
        return db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
            column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at >= since)) or 0

    if failures(LoginAttempt.email, email) >= MAX_FAILURES_PER_ACCOUNT or \
            failures(LoginAttempt.address, address) >= MAX_FAILURES_PER_ADDRESS:
        raise TooManyAttempts("Too many failed logins. Wait a few minutes and try again.")


def authenticate(email: str, password: str, *, address: str) -> User:
    """The user with this email and password, or LoginFailed (the same message for every reason but
    a pending approval, which is only said to someone who knows the password)."""
    email = (email or "").strip().lower()[:254]
    address = (address or "unknown")[:64]
    check_throttle(email, address)
    user = db.session.scalar(select(User).where(User.email == email))
    # Verify against a dummy hash when there is no such user, so the answer takes as long either way.
    ok = verify_password(user, password or "") if user is not None else _burn_time(password or "")
    db.session.add(LoginAttempt(email=email, address=address, succeeded=bool(ok and user.active)))
    db.session.flush()
    if not ok or not user.active:
        raise LoginFailed(LOGIN_FAILED)
    if not user.approved:
        raise LoginFailed("Your account is waiting for an administrator's approval.")
    return user


_DUMMY_USER = None


def _burn_time(password: str) -> bool:
    global _DUMMY_USER
    if _DUMMY_USER is None:
        from kb.services.accounts import hash_password

        _DUMMY_USER = User(password_hash=hash_password("not-a-real-password"))
    verify_password(_DUMMY_USER, password)
    return False


def start_session(user: User, *, remember: bool = False, user_agent: str = "") -> str:
    """Open a server-side session for the user; returns the token the cookie carries."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(token_hash=token_hash(token), user_id=user.id, remember=remember,
                               created_at=now, last_seen_at=now, user_agent=(user_agent or "")[:300],
                               expires_at=now + (REMEMBER_LIFETIME if remember else SESSION_LIFETIME)))
    db.session.flush()
    user.session_token = token
    return token


def user_for_session(token: str, now: dt.datetime | None = None) -> User | None:
    """The user a session token belongs to, if the session is still open and the user may act."""
    if not token:
        return None
    now = now or utcnow()
    session = db.session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if session is None or session.expires_at <= now or not session.user.can_act:
        return None
    if now - session.last_seen_at > dt.timedelta(minutes=5):  # keep writes rare on every request
        session.last_seen_at = now
    session.user.session_token = token
    return session.user


def end_session(token: str) -> None:
    db.session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token or "")))


def end_all_sessions(user: User) -> int:
    """Log the user out everywhere (deactivation, role change, password change)."""
    return db.session.execute(delete(UserSession).where(UserSession.user_id == user.id)).rowcount or 0


# ---------------------------------------------------------------------------------------------------
# API tokens


def create_api_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new personal API token; the raw token is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=(name or "").strip()[:100], prefix=raw[:10], token_hash=token_hash(raw))
    db.session.add(token)
    db.session.flush()
    return token, raw


def user_for_api_token(raw: str) -> User | None:
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(raw)))
    if token is None or token.revoked_at is not None or not token.user.can_act:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        token.last_used_at = now
    return token.user


def list_api_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_api_token(user: User, token_id: int) -> None:
    from kb.errors import NotFound

    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.session.flush()
