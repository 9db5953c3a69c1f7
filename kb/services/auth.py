"""Logging in and staying logged in: server-side sessions, login throttling, password changes and
resets, and personal API tokens.

A login creates a ``UserSession`` row; the cookie (Flask's session, and Flask-Login's remember-me cookie)
carries only its random token, which is stored here hashed. Every request looks the token up, so deleting
the row ends the session at once, however old or well-signed the cookie: logout ends that session;
deactivation, a role change and a password change end all of a user's sessions.

Throttling counts failed attempts in the database (``LoginAttempt``), so the limits hold across worker
processes and hosts. It slows guessing without letting anyone lock others out:
- MAX_FAILURES_PER_ACCOUNT failures for one email within THROTTLE_WINDOW, and further attempts at that
  account are refused (429) until the window has passed: a password can be guessed only that often.
- MAX_FAILURES_PER_ADDRESS failures from one address (many people share one: a NAT, an office proxy)
  never refuse a right password. Each further attempt from that address waits ADDRESS_DELAY before it
  is answered, and a wrong one (a bad API token too) is answered 429 instead of 401.

A password reset link carries a random token that is stored hashed (``PasswordResetToken``), expires after
RESET_LIFETIME and works once; using it, like changing the password, ends the user's other sessions.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import time
from typing import Callable

from flask_babel import gettext
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload

from kb.errors import AccountPending, InvalidResetToken, LoginFailed, TooManyAttempts, ValidationError
from kb.extensions import db
from kb.i18n import in_language
from kb.models import ApiToken, LoginAttempt, PasswordResetToken, User, UserSession, utcnow
from kb.services.passwords import hash_password, verify_password

log = logging.getLogger(__name__)

SESSION_LIFETIME = dt.timedelta(hours=12)
REMEMBER_LIFETIME = dt.timedelta(days=14)
THROTTLE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
ADDRESS_DELAY = 1.0  # seconds; slows a guesser at a busy address, costs a person one second
RESET_LIFETIME = dt.timedelta(hours=1)
INVITE_LIFETIME = dt.timedelta(days=3)
MAX_RESETS_PER_HOUR = 3
LOGIN_FAILED = "Wrong email or password."  # one message whether or not the email exists
INVALID_RESET = "This password reset link is invalid, used or expired. Ask for a new one."
TOKEN_PREFIX = "kb_"
API_TOKEN_ATTEMPT = "(api token)"  # LoginAttempt.email of a bad bearer token (never an email)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------------
# Login


def _recent_failures(column, value: str, now: dt.datetime | None = None) -> int:
    since = (now or utcnow()) - THROTTLE_WINDOW
    return db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
        column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at >= since)) or 0


def check_throttle(email: str, address: str = "", now: dt.datetime | None = None) -> None:
    """Raise TooManyAttempts if this account failed too often recently (an address's failures never
    refuse an account: see ``address_is_suspect``)."""
    email = (email or "").strip().lower()
    if _recent_failures(LoginAttempt.email, email, now) >= MAX_FAILURES_PER_ACCOUNT:
        raise TooManyAttempts("Too many failed logins. Wait a few minutes and try again.")


def address_is_suspect(address: str, now: dt.datetime | None = None) -> bool:
    """Whether this address failed too often recently (logins and bad API tokens together)."""
    return _recent_failures(LoginAttempt.address, (address or "unknown")[:64], now) >= MAX_FAILURES_PER_ADDRESS


def authenticate(email: str, password: str, *, address: str) -> User:
    """The user with this email and password, or LoginFailed (the same message for every reason but
    a pending approval, which is only said to someone who knows the password)."""
    email = (email or "").strip().lower()[:254]
    address = (address or "unknown")[:64]
    check_throttle(email, address)
    suspect = address_is_suspect(address)
    if suspect:
        time.sleep(ADDRESS_DELAY)
    user = db.session.scalar(select(User).where(User.email == email))
    # Verify against a dummy hash when there is no such user, so the answer takes as long either way.
    ok = verify_password(user, password or "") if user is not None else _burn_time(password or "")
    db.session.add(LoginAttempt(email=email, address=address, succeeded=bool(ok and user.active)))
    db.session.flush()
    if not ok or not user.active:
        if suspect:
            raise TooManyAttempts("Too many failed logins. Wait a few minutes and try again.")
        raise LoginFailed(LOGIN_FAILED)
    if not user.approved:
        raise AccountPending("Your account is waiting for an administrator's approval.")
    return user


_DUMMY_USER = None


def _burn_time(password: str) -> bool:
    global _DUMMY_USER
    if _DUMMY_USER is None:
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


def count_sessions(user: User, now: dt.datetime | None = None) -> int:
    """How many open (unexpired) sessions the user has."""
    return db.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id, UserSession.expires_at > (now or utcnow()))) or 0


def end_other_sessions(user: User, keep_token: str) -> int:
    """Log the user out everywhere but in the session whose token is ``keep_token``."""
    return db.session.execute(delete(UserSession).where(
        UserSession.user_id == user.id, UserSession.token_hash != token_hash(keep_token or ""))).rowcount or 0


def prune_expired(now: dt.datetime | None = None) -> int:
    """Delete expired sessions and reset tokens and login attempts older than the throttle window."""
    now = now or utcnow()
    removed = db.session.execute(delete(UserSession).where(UserSession.expires_at <= now)).rowcount or 0
    removed += db.session.execute(delete(PasswordResetToken).where(
        PasswordResetToken.expires_at <= now - RESET_LIFETIME)).rowcount or 0
    removed += db.session.execute(delete(LoginAttempt).where(
        LoginAttempt.created_at < now - THROTTLE_WINDOW)).rowcount or 0
    return removed


# ---------------------------------------------------------------------------------------------------
# Passwords


def change_password(user: User, current: str, new: str, *, address: str, keep_token: str) -> int:
    """Change the password of a logged-in user who knows the current one; every other session ends.

    A wrong current password counts as a failed login for the account, so it is throttled the same way.
    Returns how many other sessions were ended."""
    address = (address or "unknown")[:64]
    check_throttle(user.email, address)
    if not verify_password(user, current or ""):
        db.session.add(LoginAttempt(email=user.email, address=address, succeeded=False))
        db.session.flush()
        raise ValidationError(gettext("Invalid password."),
                              {"current_password": gettext("is not your current password")})
    if new == current:
        raise ValidationError(gettext("Invalid password."), {"password": gettext("is the same as the current one")})
    user.password_hash = hash_password(new, email=user.email, name=user.name)
    user.password_changed_at = utcnow()
    db.session.execute(update(PasswordResetToken).where(
        PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None)).values(used_at=utcnow()))
    ended = end_other_sessions(user, keep_token)
    db.session.flush()
    log.info("user %s changed their password; %d other sessions ended", user.email, ended)
    return ended


def request_password_reset(email: str, *, link_for: Callable[[str], str], invite: bool = False,
                           now: dt.datetime | None = None) -> bool:
    """Email a single-use reset link to the account with this email, if there is one that may log in.

    The caller says the same thing either way. ``link_for(token)`` builds the absolute link. At most
    MAX_RESETS_PER_HOUR links are sent per account, so the form cannot be used to flood a mailbox.
    ``invite``: the account was just created by an admin without a password; the link (valid for
    INVITE_LIFETIME) lets its owner choose one. Returns whether a link was sent (for tests and logs)."""
    from kb.services.notifications import queue_email

    now = now or utcnow()
    email = (email or "").strip().lower()[:254]
    user = db.session.scalar(select(User).where(User.email == email)) if email else None
    if user is None or not user.active or not user.approved:
        log.info("password reset asked for an address without a usable account")
        return False
    recent = db.session.scalar(select(func.count()).select_from(PasswordResetToken).where(
        PasswordResetToken.user_id == user.id, PasswordResetToken.created_at >= now - dt.timedelta(hours=1))) or 0
    if recent >= MAX_RESETS_PER_HOUR:
        log.warning("password reset for %s refused: %d links in the last hour", email, recent)
        return False
    raw = secrets.token_urlsafe(32)
    lifetime = INVITE_LIFETIME if invite else RESET_LIFETIME
    db.session.add(PasswordResetToken(user_id=user.id, token_hash=token_hash(raw), created_at=now,
                                      expires_at=now + lifetime))
    with in_language(user.language):
        if invite:
            subject = gettext("[kb] Your account: choose a password")
            body = gettext(
                "An administrator created a kb account for you (%(email)s).\n\n"
                "To choose your password, open this link within %(days)d days. It works once:\n\n%(link)s\n",
                email=user.email, days=lifetime.days, link=link_for(raw))
        else:
            subject = gettext("[kb] Reset your password")
            body = gettext(
                "Someone (we hope you) asked to reset the password of your kb account.\n\n"
                "To choose a new password, open this link within %(minutes)d minutes. It works once:\n\n%(link)s\n\n"
                "If you did not ask for this, ignore this message: your password has not changed.\n",
                minutes=int(lifetime.total_seconds() // 60), link=link_for(raw))
        queue_email(user.email, subject=subject, body=body)
    db.session.flush()
    return True


def user_for_reset_token(raw: str, now: dt.datetime | None = None) -> User | None:
    """The user whose unused, unexpired reset token this is (the reset form shows only then)."""
    token = _usable_reset_token(raw, now or utcnow())
    return token.user if token is not None else None


def reset_password(raw: str, new: str, now: dt.datetime | None = None) -> User:
    """Set a new password with a reset token. The token is used up (also when two requests race: the
    update only matches an unused row), every other reset token of the user too, and every session of
    the user ends."""
    now = now or utcnow()
    token = _usable_reset_token(raw, now)
    if token is None:
        raise InvalidResetToken(INVALID_RESET)
    user = token.user
    password_hash = hash_password(new, email=user.email, name=user.name)  # may raise ValidationError: token kept
    claimed = db.session.execute(update(PasswordResetToken).where(
        PasswordResetToken.id == token.id, PasswordResetToken.used_at.is_(None)).values(used_at=now)).rowcount
    if claimed != 1:
        raise InvalidResetToken(INVALID_RESET)
    db.session.execute(update(PasswordResetToken).where(
        PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None)).values(used_at=now))
    user.password_hash = password_hash
    user.password_changed_at = now
    ended = end_all_sessions(user)
    db.session.flush()
    log.info("user %s reset their password; %d sessions ended", user.email, ended)
    return user


def _usable_reset_token(raw: str, now: dt.datetime) -> PasswordResetToken | None:
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == token_hash(raw)))
    if token is None or token.used_at is not None or token.expires_at <= now:
        return None
    if not token.user.active or not token.user.approved:
        return None
    return token


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
    # The caller and their organisation come with the token, in one query: every API request needs the
    # caller, and most its organisation (permissions, answers); lazily they were two more round trips.
    token = db.session.scalar(select(ApiToken).options(joinedload(ApiToken.user).joinedload(User.organization))
                              .where(ApiToken.token_hash == token_hash(raw)))
    if token is None or token.revoked_at is not None or not token.user.can_act:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        token.last_used_at = now
    return token.user


def record_bad_api_token(address: str) -> None:
    """Count a bad, revoked or expired bearer token as a failed attempt from this address."""
    db.session.add(LoginAttempt(email=API_TOKEN_ATTEMPT, address=(address or "unknown")[:64], succeeded=False))
    db.session.flush()


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
