"""The admin pages: only admins get in; they list and search users, create them, approve the pending ones,
change roles and deactivate — and a deactivation or a role change ends the user's live sessions at once.
Organisations are listed and created here too. Real HTTP, the real database, CSRF on."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from kb.extensions import db
from kb.models import EmailMessage, Organization, User, UserSession
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def admin_client(app, make_user, form_token):
    """A browser in which an admin has logged in through the login form."""
    admin = make_user("admin", email="admin@example.org")
    browser = app.test_client()
    response = browser.post("/login", data={"csrf_token": form_token(browser), "email": admin.email,
                                            "password": TEST_PASSWORD})
    assert response.status_code == 302
    browser.admin = admin
    return browser


@pytest.fixture
def user_browser(app, form_token):
    """Log a user in through the login form in a browser of their own (remember-me on)."""

    def log_in(user):
        browser = app.test_client()
        response = browser.post("/login", data={"csrf_token": form_token(browser), "email": user.email,
                                                "password": TEST_PASSWORD, "remember": "1"})
        assert response.status_code == 302
        return browser

    return log_in


def post(browser, form_token, path, **data):
    return browser.post(path, data={"csrf_token": form_token(browser), **data})


def logged_in(browser) -> bool:
    return browser.get("/account").status_code == 200


def test_only_admins_may_open_the_admin_pages(client, make_user, user_browser):
    assert client.get("/admin/users").status_code == 302  # visitors are asked to log in
    for role in ("trainer", "submitter", "reviewer"):
        browser = user_browser(make_user(role))
        assert browser.get("/admin/users").status_code == 403
        assert browser.get("/admin/organizations").status_code == 403


def test_a_non_admin_cannot_change_anyone_by_posting_to_the_admin_urls(make_user, user_browser, form_token):
    reviewer = make_user("reviewer")
    target = make_user("submitter")
    browser = user_browser(reviewer)
    assert post(browser, form_token, f"/admin/users/{target.id}/deactivate").status_code == 403
    assert post(browser, form_token, f"/admin/users/{target.id}/role", role="admin").status_code == 403
    db.session.expire_all()
    assert db.session.get(User, target.id).active and db.session.get(User, target.id).role == "submitter"


def test_users_can_be_listed_searched_and_filtered(admin_client, make_user):
    make_user("trainer", email="meera.trainer@ati.example.org")
    pending = make_user("submitter", email="ravi@ka.example.org")
    pending.approved = False
    db.session.commit()

    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert "meera.trainer@ati.example.org" in page and "ravi@ka.example.org" in page and "3 users" in page

    page = admin_client.get("/admin/users?q=MEERA").get_data(as_text=True)
    assert "meera.trainer@ati.example.org" in page and "ravi@ka.example.org" not in page

    page = admin_client.get("/admin/users?status=pending").get_data(as_text=True)
    assert "ravi@ka.example.org" in page and "meera.trainer" not in page and "waiting for approval" in page

    page = admin_client.get("/admin/users?q=%25").get_data(as_text=True)  # a literal %, not a wildcard
    assert "No user matches." in page


def test_an_admin_approves_a_pending_account_which_may_then_log_in(admin_client, make_user, user_browser,
                                                                   form_token):
    pending = make_user("submitter")
    pending.approved = False
    db.session.commit()
    response = post(admin_client, form_token, f"/admin/users/{pending.id}/approve", next="/admin/users?status=pending")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users?status=pending"
    db.session.expire_all()
    assert db.session.get(User, pending.id).approved
    assert "approved" in db.session.scalar(select(EmailMessage).where(EmailMessage.recipient == pending.email)).subject
    assert logged_in(user_browser(pending))


def test_deactivation_ends_the_users_live_sessions_and_remember_me_cookies(app, admin_client, make_user,
                                                                          user_browser, form_token):
    user = make_user("submitter")
    browser = user_browser(user)
    remembered = browser.get_cookie("remember_token", domain="kb.test").value
    assert logged_in(browser)

    response = post(admin_client, form_token, f"/admin/users/{user.id}/deactivate")
    assert response.status_code == 302
    assert not logged_in(browser)
    replay = app.test_client()
    replay.set_cookie("remember_token", remembered, domain="kb.test")
    assert not logged_in(replay)
    assert db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)) == 0

    # Reactivated, the account logs in again — with a new session, the old cookies stay dead.
    post(admin_client, form_token, f"/admin/users/{user.id}/reactivate")
    assert not logged_in(replay)
    assert logged_in(user_browser(user))


def test_a_role_change_ends_the_users_live_sessions(admin_client, make_user, make_org, user_browser, form_token):
    user = make_user("reviewer")
    browser = user_browser(user)
    assert "Review queue" in browser.get("/").get_data(as_text=True)
    make_org("ati-ka", kind="ati")

    response = post(admin_client, form_token, f"/admin/users/{user.id}/role", role="trainer", org="ati-ka")
    assert response.status_code == 302
    assert not logged_in(browser)
    db.session.expire_all()
    changed = db.session.get(User, user.id)
    assert changed.role == "trainer" and changed.organization.slug == "ati-ka"

    browser = user_browser(changed)
    assert "Review queue" not in browser.get("/").get_data(as_text=True)


@pytest.mark.parametrize("role, org, reason", [
    ("trainer", "", "a trainer belongs to an Administrative Training Institute"),
    ("trainer", "ka-revenue", "a trainer belongs to an Administrative Training Institute"),
    ("submitter", "ati-ka", "a submitter belongs to a state department or a nodal agency"),
])
def test_a_role_change_keeps_the_rule_of_registration(admin_client, make_user, make_org, form_token, role, org,
                                                      reason):
    make_org("ka-revenue", kind="state_department")
    make_org("ati-ka", kind="ati")
    user = make_user("reviewer")
    response = post(admin_client, form_token, f"/admin/users/{user.id}/role", role=role, org=org)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="org-error"' in page and reason in page
    db.session.expire_all()
    assert db.session.get(User, user.id).role == "reviewer", "nothing changed"


def test_an_unknown_role_is_refused(admin_client, make_user, form_token):
    user = make_user("reviewer")
    response = post(admin_client, form_token, f"/admin/users/{user.id}/role", role="superuser")
    assert response.status_code == 400 and 'id="role-error"' in response.get_data(as_text=True)


def test_an_admin_cannot_deactivate_or_demote_themselves(admin_client, form_token):
    me = admin_client.admin
    assert post(admin_client, form_token, f"/admin/users/{me.id}/deactivate").status_code == 403
    assert post(admin_client, form_token, f"/admin/users/{me.id}/role", role="trainer").status_code == 403
    assert logged_in(admin_client)


def test_admin_actions_are_posts_with_a_csrf_token(admin_client, make_user):
    user = make_user("trainer")
    assert admin_client.get(f"/admin/users/{user.id}/deactivate").status_code == 405
    assert admin_client.post(f"/admin/users/{user.id}/deactivate").status_code == 400  # no token
    db.session.expire_all()
    assert db.session.get(User, user.id).active


def test_an_admin_creates_a_user_with_a_password(admin_client, make_org, form_token, user_browser):
    make_org("ati-mcrhrdi", "ati", "TS")
    response = post(admin_client, form_token, "/admin/users/new", name="Meera Iyer", email="Meera@ATI.example.org",
                    role="trainer", org="ati-mcrhrdi", state="", password=TEST_PASSWORD)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "meera@ati.example.org"))
    assert user.approved and user.active and user.organization.slug == "ati-mcrhrdi"
    assert logged_in(user_browser(user))


def test_a_user_created_without_a_password_is_emailed_a_link_to_choose_one(admin_client, form_token):
    response = post(admin_client, form_token, "/admin/users/new", name="Ravi Kumar", email="ravi@example.org",
                    role="reviewer", org="", state="")
    assert response.status_code == 302
    message = db.session.scalar(select(EmailMessage).where(EmailMessage.recipient == "ravi@example.org"))
    assert "choose a password" in message.subject
    link = re.search(r"http://kb\.test(/password/reset/\S+)", message.body).group(1)
    assert admin_client.get(link).status_code == 200


@pytest.mark.parametrize("changes, field, status", [
    ({"email": "not-an-email"}, "email", 400),
    ({"role": "owner"}, "role", 400),
    ({"password": "password123"}, "password", 400),
    ({"email": "admin@example.org"}, "email", 409),
])
def test_creating_a_user_names_the_wrong_field_and_keeps_the_form(admin_client, form_token, changes, field, status):
    data = {"name": "Ravi Kumar", "email": "ravi@example.org", "role": "reviewer", "org": "", "state": ""}
    data.update(changes)
    response = post(admin_client, form_token, "/admin/users/new", **data)
    page = response.get_data(as_text=True)
    assert response.status_code == status and f'id="{field}-error"' in page and 'value="Ravi Kumar"' in page
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_organisations_are_listed_and_created(admin_client, form_token, make_org):
    make_org("ka-revenue", "state_department", "KA", name="Revenue Department, Karnataka")
    page = admin_client.get("/admin/organizations").get_data(as_text=True)
    assert "Revenue Department, Karnataka" in page

    response = post(admin_client, form_token, "/admin/organizations", slug="ati-kerala", name="IMG Kerala",
                    kind="ati", state="KL")
    assert response.status_code == 302
    organization = db.session.scalar(select(Organization).where(Organization.slug == "ati-kerala"))
    assert organization.kind == "ati" and organization.state.code == "KL"

    duplicate = post(admin_client, form_token, "/admin/organizations", slug="ati-kerala", name="Again", kind="ati")
    assert duplicate.status_code == 409 and "already" in duplicate.get_data(as_text=True)
    bad = post(admin_client, form_token, "/admin/organizations", slug="Not A Slug", name="X", kind="ministry")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and 'id="slug-error"' in page and 'id="kind-error"' in page


def test_the_header_shows_admins_how_many_accounts_wait(admin_client, make_user):
    for _ in range(2):
        user = make_user("trainer")
        user.approved = False
    db.session.commit()
    page = admin_client.get("/").get_data(as_text=True)
    assert re.search(r'>Admin <span class="badge"[^>]*>2</span>', page)
