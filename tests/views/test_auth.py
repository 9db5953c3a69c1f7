"""Logging in and out, remember-me, throttling, registration, password change and reset, and CSRF — through
real HTTP requests against the real database, with CSRF protection on (as in production).

Each security test here fails when its protection is removed.
"""
from __future__ import annotations

import datetime as dt
import re
import time
from http.cookies import SimpleCookie

import pytest
from sqlalchemy import func, select

from kb import create_app
from kb.extensions import db
from kb.models import EmailMessage, LoginAttempt, Notification, PasswordResetToken, User, UserSession, utcnow
from kb.services import auth
from tests.conftest import TEST_PASSWORD, csrf_token_in


@pytest.fixture
def log_in(client, form_token):
    """Submit the login form as a browser would: ``log_in(email, remember=True, next="/cases")``."""

    def submit(email, password=TEST_PASSWORD, *, remember=False, next=None, via=None, address="10.1.1.1"):
        browser = via or client
        data = {"csrf_token": form_token(browser), "email": email, "password": password}
        if remember:
            data["remember"] = "1"
        if next is not None:
            data["next"] = next
        return browser.post("/login", data=data, environ_overrides={"REMOTE_ADDR": address})

    return submit


def logged_in(client) -> bool:
    """Does the site treat this browser as logged in? (The account page needs a login.)"""
    return client.get("/account").status_code == 200


def set_cookies(header_values: list[str]) -> dict[str, SimpleCookie]:
    cookies = {}
    for value in header_values:
        cookie = SimpleCookie()
        cookie.load(value)
        for name, morsel in cookie.items():
            cookies[name] = (morsel, value.lower())
    return cookies


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# ---------------------------------------------------------------------------------------------------
# Logging in


def test_a_page_that_needs_a_login_sends_the_visitor_to_the_login_form_and_back(client, make_user, log_in):
    user = make_user("trainer")
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/account")

    response = log_in(user.email, next="/account")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    page = client.get("/account").get_data(as_text=True)
    assert user.email in page and "Log out" in page


def test_login_asks_for_email_and_password_and_offers_remember_me(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="email"' in page and 'type="password"' in page and 'name="remember"' in page
    assert 'name="csrf_token"' in page


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client, make_user, log_in):
    user = make_user("trainer", email="known@example.org")
    wrong_password = log_in(user.email, "not the password at all")
    unknown_email = log_in("nobody@example.org", "not the password at all")
    assert wrong_password.status_code == unknown_email.status_code == 401
    alert = re.compile(r'<p class="form-alert" role="alert">(.*?)</p>')
    assert alert.search(wrong_password.get_data(as_text=True)).group(1) == \
        alert.search(unknown_email.get_data(as_text=True)).group(1) == "Wrong email or password."
    assert not logged_in(client)


@pytest.mark.parametrize("email_exists", [True, False])
def test_an_account_is_throttled_with_429_and_one_message_whether_or_not_it_exists(client, make_user, log_in,
                                                                                email_exists):
    email = make_user("trainer").email if email_exists else "ghost@example.org"
    for attempt in range(auth.MAX_FAILURES_PER_ACCOUNT):
        assert log_in(email, "wrong password!", address=f"10.0.0.{attempt}").status_code == 401
    response = log_in(email, TEST_PASSWORD, address="10.9.9.9")  # the right password, from elsewhere
    assert response.status_code == 429
    assert "Too many failed logins. Wait a few minutes and try again." in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    assert not logged_in(client)


def test_an_address_with_many_failures_is_slowed_but_cannot_lock_its_users_out(client, make_user, log_in):
    """Many people share an address (a NAT, an office proxy): its failures slow every attempt from it
    and turn wrong answers into 429s, but the right password still logs in."""
    victim = make_user("trainer")
    for attempt in range(auth.MAX_FAILURES_PER_ADDRESS):
        log_in(f"guess{attempt}@example.org", "wrong password!", address="203.0.113.7")
    assert log_in("guess-more@example.org", "wrong password!", address="203.0.113.7").status_code == 429
    started = time.monotonic()
    assert log_in(victim.email, address="203.0.113.7").status_code == 302
    assert time.monotonic() - started >= auth.ADDRESS_DELAY
    assert log_in(victim.email, address="198.51.100.1").status_code == 302


@pytest.mark.parametrize("hops, counted_as", [(0, "10.0.0.2"), (1, "203.0.113.7"), (2, "198.51.100.9")])
def test_the_address_counted_is_the_one_the_trusted_proxies_saw(app_config, form_token, hops, counted_as):
    """Without KB_PROXY_HOPS a client's X-Forwarded-For is ignored (else it could claim any address and
    escape the throttle); with it, the address is read that many proxies back."""
    app = create_app({**app_config, "KB_PROXY_HOPS": hops})
    try:
        with app.app_context():
            browser = app.test_client()
            browser.post("/login", data={"csrf_token": form_token(browser, "/login"), "email": "nobody@example.org",
                                         "password": "wrong password!"},
                         headers={"X-Forwarded-For": "198.51.100.9, 203.0.113.7"},
                         environ_overrides={"REMOTE_ADDR": "10.0.0.2"})
            assert db.session.scalars(select(LoginAttempt.address)).all() == [counted_as]
    finally:
        with app.app_context():
            db.engine.dispose()


def test_throttling_holds_across_two_app_instances_sharing_the_database(app, app_config, make_user, form_token):
    """Two app instances (two workers or two hosts) share nothing but the database."""
    user = make_user("trainer")
    other_app = create_app(app_config)
    try:
        first, second = app.test_client(), other_app.test_client()

        def attempt(browser, password):
            return browser.post("/login", data={"csrf_token": form_token(browser, "/login"), "email": user.email,
                                                "password": password})

        for _ in range(auth.MAX_FAILURES_PER_ACCOUNT):
            assert attempt(first, "wrong password!").status_code == 401
        assert attempt(second, TEST_PASSWORD).status_code == 429
    finally:
        with other_app.app_context():
            db.engine.dispose()


def test_throttling_ends_when_the_window_has_passed(client, make_user, log_in):
    user = make_user("trainer")
    for _ in range(auth.MAX_FAILURES_PER_ACCOUNT):
        log_in(user.email, "wrong password!")
    long_ago = utcnow() - auth.THROTTLE_WINDOW - dt.timedelta(minutes=1)
    for attempt in db.session.scalars(select(LoginAttempt)):
        attempt.created_at = long_ago
    db.session.commit()
    assert log_in(user.email).status_code == 302


def test_a_pending_account_cannot_log_in_even_with_the_right_password(client, make_user, log_in):
    user = make_user("submitter")
    user.approved = False
    db.session.commit()
    response = log_in(user.email)
    assert response.status_code == 401
    assert "waiting for an administrator" in response.get_data(as_text=True)
    assert not logged_in(client)
    # ... and someone who does not know the password learns nothing about it.
    assert "Wrong email or password." in log_in(user.email, "wrong password!").get_data(as_text=True)


def test_a_deactivated_account_cannot_log_in(client, make_user, log_in):
    user = make_user("reviewer")
    user.active = False
    db.session.commit()
    response = log_in(user.email)
    assert response.status_code == 401 and "Wrong email or password." in response.get_data(as_text=True)


def test_login_starts_a_new_session_and_ends_the_one_before(client, make_user, log_in):
    first, second = make_user("trainer"), make_user("reviewer")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    log_in(first.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        first_token = session["_user_id"]
    log_in(second.email)
    with client.session_transaction() as session:
        assert session["_user_id"] != first_token
    assert auth.user_for_session(first_token) is None
    assert second.name in client.get("/account").get_data(as_text=True)


@pytest.mark.parametrize("target", [
    "//evil.example", "/\\evil.example", "https:evil.example", "https://evil.example/path", "http:/evil.example",
    "/\t/evil.example", "javascript:alert(1)", "evil.example", "\\\\evil.example",
])
def test_next_never_leaves_the_site(client, make_user, log_in, target):
    user = make_user("trainer")
    response = log_in(user.email, next=target)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_next_may_be_any_path_on_the_site(client, make_user, log_in):
    user = make_user("trainer")
    response = log_in(user.email, next="/cases?q=land+records&state=KA")
    assert response.headers["Location"] == "/cases?q=land+records&state=KA"


# ---------------------------------------------------------------------------------------------------
# Logging out, and cookies that outlive their session


def test_logout_is_a_post_with_a_csrf_token_and_get_changes_nothing(client, make_user, log_in, form_token):
    user = make_user("trainer")
    log_in(user.email)
    page = client.get("/logout")
    assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True)
    assert logged_in(client)
    assert client.post("/logout").status_code == 400  # no token: refused
    assert logged_in(client)
    response = client.post("/logout", data={"csrf_token": form_token(client, "/account")})
    assert response.status_code == 302 and not logged_in(client)
    assert count(UserSession, UserSession.user_id == user.id) == 0


def test_a_session_cookie_replayed_after_logout_does_not_log_in(app, client, make_user, log_in, form_token):
    user = make_user("trainer")
    log_in(user.email)
    stolen = client.get_cookie("session", domain="kb.test").value
    client.post("/logout", data={"csrf_token": form_token(client, "/account")})

    replay = app.test_client()
    replay.set_cookie("session", stolen, domain="kb.test")
    assert replay.get("/account").status_code == 302


def test_a_remember_me_cookie_works_until_logout_and_never_after(app, client, make_user, log_in, form_token):
    user = make_user("trainer")
    log_in(user.email, remember=True)
    remembered = client.get_cookie("remember_token", domain="kb.test")
    assert remembered is not None and remembered.expires is not None
    assert remembered.expires <= dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=14, minutes=1)

    browser_restarted = app.test_client()  # the session cookie is gone, the remember-me cookie stays
    browser_restarted.set_cookie("remember_token", remembered.value, domain="kb.test")
    assert logged_in(browser_restarted)

    client.post("/logout", data={"csrf_token": form_token(client, "/account")})
    replay = app.test_client()
    replay.set_cookie("remember_token", remembered.value, domain="kb.test")
    assert replay.get("/account").status_code == 302


def test_the_remember_me_session_ends_on_the_server_after_14_days(client, make_user, log_in):
    user = make_user("trainer")
    log_in(user.email, remember=True)
    session = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert session.remember and session.expires_at - session.created_at == dt.timedelta(days=14)
    session.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert not logged_in(client)


def _cookie_flags(app_config, monkeypatch, make_user, env: str | None):
    monkeypatch.delenv("KB_SECURE_COOKIES", raising=False)
    if env:
        monkeypatch.setenv("KB_ENV", env)
    else:
        monkeypatch.delenv("KB_ENV", raising=False)
    user = make_user("trainer")
    site = create_app(app_config)
    try:
        browser = site.test_client()
        html = browser.get("/login").get_data(as_text=True)
        token = csrf_token_in(html)
        response = browser.post("/login", data={"csrf_token": token, "email": user.email, "password": TEST_PASSWORD,
                                                "remember": "1"})
        assert response.status_code == 302
        return set_cookies(response.headers.getlist("Set-Cookie"))
    finally:
        with site.app_context():
            db.engine.dispose()


def test_session_and_remember_me_cookies_are_httponly_samesite_lax_and_secure(app_config, monkeypatch, make_user):
    cookies = _cookie_flags(app_config, monkeypatch, make_user, env=None)  # production is the default
    for name in ("session", "remember_token"):
        morsel, raw = cookies[name]
        assert morsel["httponly"] and morsel["secure"] and morsel["samesite"] == "Lax", raw


def test_cookies_are_not_secure_only_in_development(app_config, monkeypatch, make_user):
    cookies = _cookie_flags(app_config, monkeypatch, make_user, env="development")
    for name in ("session", "remember_token"):
        morsel, raw = cookies[name]
        assert morsel["httponly"] and not morsel["secure"] and morsel["samesite"] == "Lax", raw


# ---------------------------------------------------------------------------------------------------
# Header


def test_the_header_offers_login_to_visitors_and_the_right_links_to_each_role(client, make_user, log_in,
                                                                             form_token):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/login?next=/"' in page and "Register" in page and "My submissions" not in page

    expected = {"submitter": {"My submissions"}, "reviewer": {"Review queue"}, "admin": {"Review queue", "Admin"},
                "trainer": set()}
    for role, links in expected.items():
        user = make_user(role)
        log_in(user.email)
        page = client.get("/").get_data(as_text=True)
        shown = {link for link in ("My submissions", "Review queue", "Admin") if f">{link}<" in page
                 or f">{link} <" in page}
        assert shown == links, role
        assert 'href="/notifications"' in page and user.name in page
        client.post("/logout", data={"csrf_token": form_token(client, "/account")})


def test_the_header_counts_unread_notifications(client, make_user, log_in):
    user = make_user("submitter")
    for n in range(3):
        db.session.add(Notification(user_id=user.id, kind="comment", message=f"note {n}", url=""))
    db.session.commit()
    log_in(user.email)
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'class="badge unread-count">3<', page)


# ---------------------------------------------------------------------------------------------------
# Registration


def registration(form_token, client, **changes):
    data = {"csrf_token": form_token(client, "/register"), "name": "Asha Rao", "email": "asha@ka.example.org",
            "role": "submitter", "org": "ka-revenue", "password": "monsoon paddy ledger",
            "password_confirm": "monsoon paddy ledger"}
    data.update(changes)
    return client.post("/register", data=data)


def test_registration_creates_an_account_that_waits_for_an_admin(client, make_user, make_org, form_token, log_in):
    admin = make_user("admin")
    make_org("ka-revenue", "state_department", "KA")
    response = registration(form_token, client)
    assert response.status_code == 200 and "An administrator will check your request" in response.get_data(as_text=True)

    user = db.session.scalar(select(User).where(User.email == "asha@ka.example.org"))
    assert user.approved is False and user.role == "submitter" and user.organization.slug == "ka-revenue"
    assert user.password_hash.startswith("$argon2id$")
    notice = db.session.scalar(select(Notification).where(Notification.user_id == admin.id))
    assert notice.kind == "registration" and "asha@ka.example.org" in notice.message
    assert count(EmailMessage, EmailMessage.recipient == admin.email) == 1

    assert log_in(user.email, "monsoon paddy ledger").status_code == 401
    assert not logged_in(client)


def test_registering_an_email_that_exists_says_the_same_and_tells_its_owner(client, make_user, make_org, form_token):
    make_org("ka-revenue", "state_department", "KA")
    owner = make_user("submitter", email="asha@ka.example.org")
    response = registration(form_token, client)
    assert response.status_code == 200 and "An administrator will check your request" in response.get_data(as_text=True)
    assert count(User) == 1 and db.session.get(User, owner.id).approved
    message = db.session.scalar(select(EmailMessage).where(EmailMessage.recipient == owner.email))
    assert "already has an account" in message.body


@pytest.mark.parametrize("changes, field", [
    ({"role": "admin"}, "role"),  # not offered by the form: refused, never granted
    ({"role": "reviewer"}, "role"),
    ({"role": "trainer"}, "org"),  # a trainer belongs to an ATI, not a state department
    ({"org": ""}, "org"),
    ({"email": "not-an-email"}, "email"),
    ({"password": "short", "password_confirm": "short"}, "password"),
    ({"password": "iloveyou123", "password_confirm": "iloveyou123"}, "password"),
    ({"password": "asha@ka.example.org", "password_confirm": "asha@ka.example.org"}, "password"),
    ({"password_confirm": "something else"}, "password_confirm"),
])
def test_registration_names_the_wrong_field_keeps_what_was_typed_and_creates_nothing(client, make_org, form_token,
                                                                                     changes, field):
    make_org("ka-revenue", "state_department", "KA")
    response = registration(form_token, client, **changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in page
    assert 'value="Asha Rao"' in page
    assert "monsoon paddy ledger" not in page  # passwords are never echoed
    assert count(User) == 0


# ---------------------------------------------------------------------------------------------------
# Changing the password


def change_password(client, form_token, current, new, confirm=None):
    return client.post("/account/password", data={
        "csrf_token": form_token(client, "/account/password"), "current_password": current, "password": new,
        "password_confirm": new if confirm is None else confirm})


def test_changing_the_password_needs_the_current_one_and_ends_every_other_session(app, client, make_user, log_in,
                                                                                  form_token):
    user = make_user("trainer")
    other_device = app.test_client()
    log_in(user.email, via=other_device, remember=True)
    log_in(user.email)

    assert change_password(client, form_token, "not my password", "river delta monsoon").status_code == 400
    response = change_password(client, form_token, TEST_PASSWORD, "river delta monsoon")
    assert response.status_code == 302

    assert logged_in(client) and not logged_in(other_device)
    client.post("/logout", data={"csrf_token": form_token(client, "/account")})
    assert log_in(user.email).status_code == 401
    assert log_in(user.email, "river delta monsoon").status_code == 302


@pytest.mark.parametrize("new, reason", [
    ("seven77", "8 to 128 characters"),
    ("x" * 129, "8 to 128 characters"),
    ("Password1", "most commonly used passwords"),
    ("qwertyuiop", "most commonly used passwords"),
    ("Test Trainer", "must not be your email address or name"),
])
def test_a_new_password_must_follow_the_rules(client, make_user, log_in, form_token, new, reason):
    user = make_user("trainer")
    log_in(user.email)
    response = change_password(client, form_token, TEST_PASSWORD, new)
    assert response.status_code == 400 and reason in response.get_data(as_text=True)


def test_guessing_the_current_password_is_throttled(client, make_user, log_in, form_token):
    user = make_user("trainer")
    log_in(user.email)
    for _ in range(auth.MAX_FAILURES_PER_ACCOUNT):
        assert change_password(client, form_token, "a wrong guess", "river delta monsoon").status_code == 400
    assert change_password(client, form_token, TEST_PASSWORD, "river delta monsoon").status_code == 429


# ---------------------------------------------------------------------------------------------------
# Password reset


def reset_link_in_mail(email: str) -> str:
    message = db.session.scalar(select(EmailMessage).where(EmailMessage.recipient == email)
                                .order_by(EmailMessage.id.desc()))
    return re.search(r"http://kb\.test(/password/reset/\S+)", message.body).group(1)


def ask_for_reset(client, form_token, email):
    return client.post("/password/forgot", data={"csrf_token": form_token(client, "/password/forgot"),
                                                 "email": email})


def test_asking_for_a_reset_answers_the_same_whether_or_not_the_email_exists(client, make_user, form_token):
    user = make_user("trainer")
    known = ask_for_reset(client, form_token, user.email)
    unknown = ask_for_reset(client, form_token, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200

    def strip(response, email):  # the address typed, and the CSRF token (signed with the second it was made)
        page = response.get_data(as_text=True).replace(email, "EMAIL")
        return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value="TOKEN"', page)

    assert strip(known, user.email) == strip(unknown, "nobody@example.org")
    assert count(EmailMessage, EmailMessage.recipient == user.email) == 1
    assert count(EmailMessage, EmailMessage.recipient == "nobody@example.org") == 0


def test_a_reset_link_sets_a_new_password_once_and_logs_out_everywhere(app, client, make_user, log_in, form_token):
    user = make_user("trainer")
    logged_in_elsewhere = app.test_client()
    log_in(user.email, via=logged_in_elsewhere, remember=True)

    ask_for_reset(client, form_token, user.email)
    link = reset_link_in_mail(user.email)
    raw_token = link.rsplit("/", 1)[1]
    stored = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    assert stored.token_hash != raw_token and raw_token not in stored.token_hash  # only its hash is kept
    assert stored.expires_at - stored.created_at == dt.timedelta(hours=1)

    form = client.get(link)
    assert form.status_code == 200 and 'name="password"' in form.get_data(as_text=True)
    assert client.get(link).status_code == 200  # looking at the form (or a mail scanner) does not use it up
    response = client.post(link, data={"csrf_token": form_token(client, link), "password": "tidal wave almanac",
                                       "password_confirm": "tidal wave almanac"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not logged_in(logged_in_elsewhere)
    assert log_in(user.email, "tidal wave almanac").status_code == 302

    again = client.post(link, data={"csrf_token": form_token(client, "/account"), "password": "another long phrase",
                                    "password_confirm": "another long phrase"})
    assert again.status_code == 400 and "invalid, has been used, or has expired" in again.get_data(as_text=True)
    db.session.expire_all()
    assert auth.verify_password(db.session.get(User, user.id), "tidal wave almanac")


def test_a_reset_link_expires_after_an_hour(client, make_user, form_token):
    user = make_user("trainer")
    ask_for_reset(client, form_token, user.email)
    link = reset_link_in_mail(user.email)
    token = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    token.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert client.get(link).status_code == 400
    response = client.post(link, data={"csrf_token": form_token(client), "password": "tidal wave almanac",
                                       "password_confirm": "tidal wave almanac"})
    assert response.status_code == 400
    db.session.expire_all()
    assert auth.verify_password(db.session.get(User, user.id), TEST_PASSWORD)


def test_a_weak_new_password_keeps_the_reset_link_usable(client, make_user, form_token):
    user = make_user("trainer")
    ask_for_reset(client, form_token, user.email)
    link = reset_link_in_mail(user.email)
    response = client.post(link, data={"csrf_token": form_token(client, link), "password": "password1",
                                       "password_confirm": "password1"})
    assert response.status_code == 400 and "most commonly used" in response.get_data(as_text=True)
    assert client.get(link).status_code == 200


def test_a_made_up_reset_token_is_refused(client):
    assert client.get("/password/reset/not-a-real-token").status_code == 400


def test_reset_links_are_limited_per_hour(client, make_user, form_token):
    user = make_user("trainer")
    for _ in range(auth.MAX_RESETS_PER_HOUR + 2):
        assert ask_for_reset(client, form_token, user.email).status_code == 200
    assert count(EmailMessage, EmailMessage.recipient == user.email) == auth.MAX_RESETS_PER_HOUR


# ---------------------------------------------------------------------------------------------------
# CSRF


def test_a_form_post_without_a_csrf_token_is_refused_and_changes_nothing(client, make_user):
    user = make_user("trainer")
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert count(LoginAttempt) == 0 and count(UserSession) == 0 and not logged_in(client)


def test_a_forged_csrf_token_is_refused(client, make_user, form_token):
    user = make_user("trainer")
    token = form_token(client, "/login")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = client.post("/login", data={"csrf_token": forged, "email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400 and not logged_in(client)


def test_a_token_from_another_browser_session_is_refused(app, client, make_user, form_token):
    user = make_user("trainer")
    attackers_token = form_token(app.test_client(), "/login")
    response = client.post("/login", data={"csrf_token": attackers_token, "email": user.email,
                                           "password": TEST_PASSWORD})
    assert response.status_code == 400 and not logged_in(client)


def test_a_refused_form_comes_back_with_everything_typed_and_a_fresh_token(client, make_org, form_token):
    make_org("ka-revenue", "state_department", "KA")
    long_text = "Line one of a long answer\n\n<script>alert('x')</script> & more\n" + "word " * 400
    response = client.post("/register?from=home", data={
        "name": long_text, "email": "asha@ka.example.org", "role": "submitter", "org": "ka-revenue",
        "password": "monsoon paddy ledger", "password_confirm": "monsoon paddy ledger", "tag": ["one", "two"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Your form was not sent" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert 'action="/register?from=home"' in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more" in page and "<script>" not in page
    assert 'value="asha@ka.example.org"' in page and 'value="one"' in page and 'value="two"' in page
    assert "monsoon paddy ledger" not in page  # passwords are not echoed back

    # One click sends it again: the page's own form, fresh token included, is accepted.
    fresh = csrf_token_in(page)
    resent = client.post("/register?from=home", data={
        "csrf_token": fresh, "name": "Asha Rao", "email": "asha@ka.example.org", "role": "submitter",
        "org": "ka-revenue", "password": "monsoon paddy ledger", "password_confirm": "monsoon paddy ledger"})
    assert resent.status_code == 200 and count(User) == 1


def test_a_textarea_keeps_a_leading_newline(client):
    page = client.post("/register", data={"body": "\nstarts with a blank line\nand goes on"}).get_data(as_text=True)
    assert re.search(r'<textarea [^>]*name="body"[^>]*>\n\nstarts with a blank line', page)


def test_the_account_keeps_the_language_of_its_mail(client, make_user, login_as, form_token, make_org):
    user = make_user("trainer")
    login_as(client, user)
    page = client.get("/account").get_data(as_text=True)
    assert '<option value="en" lang="en" selected>' in page
    response = client.post("/account/language", data={"csrf_token": form_token(client), "language": "hi"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).language == "hi"
    client.post("/account/language", data={"csrf_token": form_token(client), "language": "fr"})
    db.session.expire_all()
    assert db.session.get(User, user.id).language == "hi", "an unknown language changes nothing"


def test_registering_in_hindi_keeps_hindi_for_the_accounts_mail(app, make_org, form_token):
    make_org("ati-hipa", "ati", "HR")
    browser = app.test_client()
    response = browser.post("/hi/register", data={
        "csrf_token": form_token(browser, "/hi/register"), "name": "Ravi Kumar", "email": "ravi@example.org",
        "role": "trainer", "org": "ati-hipa", "password": "monsoon paddy ledger",
        "password_confirm": "monsoon paddy ledger"})
    assert response.status_code == 200
    assert db.session.scalar(select(User).where(User.email == "ravi@example.org")).language == "hi"
