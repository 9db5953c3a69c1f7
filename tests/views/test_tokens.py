"""Personal API tokens on the account page (/account/tokens): created and shown once, stored hashed, listed,
revoked — and a revoked token is refused by the API. (``kb tokens``: tests/test_cli_tokens.py.)"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.models import ApiToken
from kb.services import auth

TOKEN = re.compile(r'value="(kb_[A-Za-z0-9_-]{20,})"')


@pytest.fixture
def person(make_user):
    return make_user("submitter", email="asha@example.org")


@pytest.fixture
def browser(client, person, login_as):
    login_as(client, person)
    return client


def create_token(browser, form_token, name="nightly export"):
    return browser.post("/account/tokens", data={"csrf_token": form_token(browser, "/account/tokens"), "name": name})


def test_the_page_needs_a_login(client, app):
    response = client.get("/account/tokens")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/account/tokens", data={"name": "x"}).status_code in (302, 400)
    assert db.session.scalar(select(ApiToken)) is None


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(browser, form_token, person):
    response = create_token(browser, form_token)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    raw = TOKEN.search(response.get_data(as_text=True)).group(1)
    stored = db.session.scalar(select(ApiToken))
    assert stored.user_id == person.id and stored.name == "nightly export"
    assert stored.token_hash == auth.token_hash(raw) and raw not in (stored.token_hash, stored.prefix, stored.name)
    assert raw.startswith(stored.prefix)
    again = browser.get("/account/tokens").get_data(as_text=True)
    assert raw not in again and f"{stored.prefix}…" in again and "nightly export" in again
    assert raw not in str(browser.get_cookie("session").value if browser.get_cookie("session") else "")


def test_the_new_token_works_on_the_api(browser, form_token, client, person):
    raw = TOKEN.search(create_token(browser, form_token).get_data(as_text=True)).group(1)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status_code == 200 and me.get_json()["email"] == person.email


def test_the_list_shows_prefix_name_created_and_last_use(browser, form_token, client):
    raw = TOKEN.search(create_token(browser, form_token).get_data(as_text=True)).group(1)
    assert "never" in browser.get("/account/tokens").get_data(as_text=True)
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    row = re.search(r'<tr id="token-\d+">(.*?)</tr>', browser.get("/account/tokens").get_data(as_text=True), re.S).group(1)
    assert "never" not in row and row.count("<time") == 2


def test_a_revoked_token_gets_401_from_the_api(browser, form_token, client):
    raw = TOKEN.search(create_token(browser, form_token).get_data(as_text=True)).group(1)
    token = db.session.scalar(select(ApiToken))
    response = browser.post(f"/account/tokens/{token.id}/revoke",
                            data={"csrf_token": form_token(browser, "/account/tokens")})
    assert response.status_code == 302
    page = browser.get("/account/tokens").get_data(as_text=True)
    assert "revoked" in page
    api = client.get("/api/v1/submissions", headers={"Authorization": f"Bearer {raw}"})
    assert api.status_code == 401 and api.get_json()["error"]["code"] == "unauthorized"


def test_creating_and_revoking_need_the_csrf_token(browser, person):
    token, _raw = auth.create_api_token(person, "script")
    db.session.commit()
    assert browser.post("/account/tokens", data={"name": "no csrf"}).status_code == 400
    assert browser.post(f"/account/tokens/{token.id}/revoke").status_code == 400
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken).where(ApiToken.name == "no csrf")) is None
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_nobody_revokes_someone_elses_token(browser, form_token, make_user):
    other = make_user("reviewer")
    token, _raw = auth.create_api_token(other, "theirs")
    db.session.commit()
    response = browser.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": form_token(browser, "/account/tokens")})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_someone_elses_tokens_are_not_listed(browser, make_user):
    auth.create_api_token(make_user("reviewer"), "someone else's script")
    db.session.commit()
    assert "someone else" not in browser.get("/account/tokens").get_data(as_text=True)


def test_a_token_cannot_drive_the_token_page(client, person, api_token):
    """The site knows only login sessions: a leaked token cannot mint more tokens that outlive it."""
    headers = api_token(person)
    response = client.get("/account/tokens", headers=headers)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_name_that_is_too_long_is_refused_with_the_text_kept(browser, form_token):
    response = create_token(browser, form_token, name="x" * 101)
    assert response.status_code == 400 and "at most 100 characters" in response.get_data(as_text=True)
    assert db.session.scalar(select(ApiToken)) is None


# ---------------------------------------------------------------------------------------------------
