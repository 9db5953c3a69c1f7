"""``kb tokens``: personal API tokens from the command line, created (printed once, stored hashed), listed
and revoked, with the same effect on the API as the account page's."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.models import ApiToken
from kb.services import auth


@pytest.fixture
def person(make_user):
    return make_user("submitter", email="asha@example.org")


def test_kb_tokens_create_prints_a_working_token_stored_hashed(runner, client, person):
    result = runner.invoke(args=["tokens", "create", "--email", "ASHA@example.org"])
    assert result.exit_code == 0, result.output
    raw = result.stdout.strip()
    assert raw.startswith("kb_") and len(raw.splitlines()) == 1
    stored = db.session.scalar(select(ApiToken))
    assert stored.token_hash == auth.token_hash(raw) and stored.user_id == person.id
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200


def test_kb_tokens_create_for_an_unknown_email_fails_clearly(runner, app):
    result = runner.invoke(args=["tokens", "create", "--email", "nobody@example.org"])
    assert result.exit_code == 1 and "nobody@example.org" in result.output
    assert db.session.scalar(select(ApiToken)) is None


def test_kb_tokens_list_and_revoke(runner, client, person):
    raw = runner.invoke(args=["tokens", "create", "--email", person.email, "--name", "export"]).stdout.strip()
    listed = runner.invoke(args=["tokens", "list", "--email", person.email]).stdout
    token_id, prefix, status = listed.split("\t")[:3]
    assert raw.startswith(prefix.rstrip("…")) and status == "active" and raw not in listed
    assert runner.invoke(args=["tokens", "revoke", "--email", person.email, "--id", token_id]).exit_code == 0
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
