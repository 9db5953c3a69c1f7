"""Server-side sessions, throttling and API tokens."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from kb.errors import ValidationError
from kb import errors
from kb.extensions import db
from kb.models import EmailMessage, LoginAttempt, PasswordResetToken, UserSession, utcnow
from kb.services import auth
from kb.services.passwords import verify_password
from tests.conftest import TEST_PASSWORD


def test_a_session_token_finds_its_user_until_the_session_ends(make_user):
    user = make_user("trainer")
    token = auth.start_session(user)
    db.session.commit()
    assert auth.user_for_session(token) is user
    auth.end_session(token)
    db.session.commit()
    assert auth.user_for_session(token) is None


def test_deactivation_ends_every_session(make_user):
    user = make_user("trainer")
    tokens = [auth.start_session(user), auth.start_session(user, remember=True)]
    user.active = False
    auth.end_all_sessions(user)
    db.session.commit()
    assert [auth.user_for_session(t) for t in tokens] == [None, None]


def test_the_same_message_whether_or_not_the_email_exists(make_user):
    make_user("trainer", email="known@example.org")
    messages = []
    for email in ("known@example.org", "unknown@example.org"):
        with pytest.raises(errors.LoginFailed) as error:
            auth.authenticate(email, "wrong password!", address="10.0.0.1")
        messages.append(error.value.message)
    assert messages[0] == messages[1] == auth.LOGIN_FAILED


def test_an_account_is_throttled_after_repeated_failures_even_with_the_right_password(make_user):
    user = make_user("trainer", email="target@example.org")
    for i in range(auth.MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(errors.LoginFailed):
            auth.authenticate(user.email, "wrong password!", address=f"10.0.0.{i}")
    db.session.commit()
    with pytest.raises(errors.TooManyAttempts):
        auth.authenticate(user.email, TEST_PASSWORD, address="10.9.9.9")


def test_a_revoked_api_token_no_longer_authenticates(make_user):
    user = make_user("submitter")
    token, raw = auth.create_api_token(user, "script")
    db.session.commit()
    assert auth.user_for_api_token(raw) is user
    assert token.token_hash != raw and raw not in token.prefix * 2
    auth.revoke_api_token(user, token.id)
    db.session.commit()
    assert auth.user_for_api_token(raw) is None


# ---------------------------------------------------------------------------------------------------
# Pending accounts, other sessions, password changes and resets


def test_a_pending_account_is_told_so_only_with_the_right_password(make_user):
    user = make_user("submitter")
    user.approved = False
    with pytest.raises(errors.AccountPending):
        auth.authenticate(user.email, TEST_PASSWORD, address="10.0.0.1")
    with pytest.raises(errors.LoginFailed) as error:
        auth.authenticate(user.email, "wrong password!", address="10.0.0.1")
    assert not isinstance(error.value, errors.AccountPending) and error.value.message == auth.LOGIN_FAILED


def test_ending_other_sessions_keeps_this_one(make_user):
    user = make_user("trainer")
    this, other = auth.start_session(user), auth.start_session(user, remember=True)
    assert auth.end_other_sessions(user, this) == 1
    assert auth.user_for_session(this) is user and auth.user_for_session(other) is None


def test_changing_the_password_ends_the_other_sessions_and_counts_wrong_guesses(make_user):
    user = make_user("trainer")
    this, other = auth.start_session(user), auth.start_session(user)
    with pytest.raises(ValidationError):
        auth.change_password(user, "wrong guess!", "tidal wave almanac", address="10.0.0.1", keep_token=this)
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.email == user.email, LoginAttempt.succeeded.is_(False))) == 1
    assert auth.change_password(user, TEST_PASSWORD, "tidal wave almanac", address="10.0.0.1", keep_token=this) == 1
    assert auth.user_for_session(this) is user and auth.user_for_session(other) is None
    assert verify_password(user, "tidal wave almanac") and user.password_changed_at is not None


def _reset(user_email, **kwargs):
    links = []
    sent = auth.request_password_reset(user_email, link_for=lambda token: links.append(token) or f"/r/{token}",
                                       **kwargs)
    return sent, (links[0] if links else None)


def test_a_reset_token_is_stored_hashed_works_once_and_ends_every_session(make_user):
    user = make_user("trainer")
    session_token = auth.start_session(user, remember=True)
    sent, raw = _reset(user.email)
    assert sent and raw
    stored = db.session.scalar(select(PasswordResetToken))
    assert stored.token_hash == auth.token_hash(raw) and raw not in stored.token_hash
    mail = db.session.scalar(select(EmailMessage).where(EmailMessage.recipient == user.email))
    assert f"/r/{raw}" in mail.body and "60 minutes" in mail.body

    assert auth.user_for_reset_token(raw) is user
    auth.reset_password(raw, "tidal wave almanac")
    db.session.commit()
    assert auth.user_for_session(session_token) is None
    assert auth.user_for_reset_token(raw) is None
    with pytest.raises(errors.InvalidResetToken):
        auth.reset_password(raw, "another long phrase")
    assert verify_password(user, "tidal wave almanac")


def test_a_reset_token_expires_after_an_hour(make_user):
    user = make_user("trainer")
    issued = utcnow() - auth.RESET_LIFETIME - dt.timedelta(seconds=1)
    _, raw = _reset(user.email, now=issued)
    assert auth.user_for_reset_token(raw) is None
    with pytest.raises(errors.InvalidResetToken):
        auth.reset_password(raw, "tidal wave almanac")
    assert auth.user_for_reset_token(_reset(user.email)[1]) is user


def test_using_one_reset_token_uses_up_the_others(make_user):
    user = make_user("trainer")
    first, second = _reset(user.email)[1], _reset(user.email)[1]
    auth.reset_password(second, "tidal wave almanac")
    assert auth.user_for_reset_token(first) is None


def test_no_reset_for_unknown_pending_or_deactivated_accounts(make_user):
    pending, inactive = make_user("submitter"), make_user("trainer")
    pending.approved, inactive.active = False, False
    for email in ("nobody@example.org", pending.email, inactive.email, ""):
        assert _reset(email) == (False, None)
    assert db.session.scalar(select(func.count()).select_from(EmailMessage)) == 0


def test_an_invitation_link_lasts_three_days(make_user):
    user = make_user("reviewer")
    sent, raw = _reset(user.email, invite=True)
    token = db.session.scalar(select(PasswordResetToken))
    assert sent and token.expires_at - token.created_at == auth.INVITE_LIFETIME == dt.timedelta(days=3)
    assert "choose a password" in db.session.scalar(select(EmailMessage.subject))


def test_prune_removes_expired_sessions_tokens_and_old_attempts(make_user):
    user = make_user("trainer")
    live = auth.start_session(user)
    expired = auth.start_session(user)
    db.session.scalar(select(UserSession).where(UserSession.token_hash == auth.token_hash(expired))).expires_at = \
        utcnow() - dt.timedelta(seconds=1)
    db.session.add(LoginAttempt(email="x@example.org", address="1.2.3.4",
                                created_at=utcnow() - auth.THROTTLE_WINDOW - dt.timedelta(minutes=1)))
    db.session.flush()
    assert auth.prune_expired() == 2
    assert auth.user_for_session(live) is user
