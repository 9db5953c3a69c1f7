"""Server-side sessions, throttling and API tokens."""
from __future__ import annotations

import pytest

from kb.extensions import db
from kb.services import auth
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
        with pytest.raises(auth.LoginFailed) as error:
            auth.authenticate(email, "wrong password!", address="10.0.0.1")
        messages.append(error.value.message)
    assert messages[0] == messages[1] == auth.LOGIN_FAILED


def test_an_account_is_throttled_after_repeated_failures_even_with_the_right_password(make_user):
    user = make_user("trainer", email="target@example.org")
    for i in range(auth.MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(auth.LoginFailed):
            auth.authenticate(user.email, "wrong password!", address=f"10.0.0.{i}")
    db.session.commit()
    with pytest.raises(auth.TooManyAttempts):
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
