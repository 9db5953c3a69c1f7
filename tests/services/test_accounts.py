"""Accounts: password rules, creating and registering users, approving, changing roles and deactivating —
each change that alters what a user may do ends their sessions."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kb.errors import AccountPending, Conflict, Forbidden, ValidationError
from kb.extensions import db
from kb.models import EmailMessage, Notification, User
from kb.services import accounts, auth, passwords


# ---------------------------------------------------------------------------------------------------
# Passwords


@pytest.mark.parametrize("password", ["a" * 7, "b" * 129, ""])
def test_a_password_is_8_to_128_characters(password):
    with pytest.raises(ValidationError) as error:
        passwords.check_password_rules(password)
    assert "8 to 128 characters" in error.value.fields["password"]


@pytest.mark.parametrize("password", ["x" * 8 + "Zq", "नमस्ते दुनिया बहुत", "z" * 128])
def test_long_enough_uncommon_passwords_of_any_script_are_accepted(password):
    passwords.check_password_rules(password)


@pytest.mark.parametrize("password", ["password", "Password1", "QWERTY123", "iloveyou", "1q2w3e4r5t",
                                      "india@123", " sunshine "])
def test_common_passwords_are_refused_whatever_their_case(password):
    with pytest.raises(ValidationError) as error:
        passwords.check_password_rules(password)
    assert "most commonly used passwords" in error.value.fields["password"]


def test_the_shipped_list_holds_thousands_of_common_passwords():
    common = passwords.common_passwords()
    assert len(common) > 5000
    assert all(8 <= len(word) <= 128 and word == word.lower() for word in common)
    assert not any(word.startswith("# ") for word in common)


@pytest.mark.parametrize("password", ["meera.iyer@ati.example.org", "MEERA.IYER", "Meera Iyer R", "MeeraIyerR"])
def test_a_password_may_not_be_the_email_or_the_name(password):
    with pytest.raises(ValidationError) as error:
        passwords.check_password_rules(password, email="meera.iyer@ati.example.org", name="Meera Iyer R")
    assert "email address or name" in error.value.fields["password"]


def test_passwords_are_hashed_with_argon2id(app):
    hashed = accounts.hash_password("tidal wave almanac")
    assert hashed.startswith("$argon2id$") and "m=65536,t=3,p=4" in hashed


# ---------------------------------------------------------------------------------------------------
# Registration


def test_a_registered_account_waits_for_approval_and_every_admin_is_told(app, make_user, make_org):
    admins = [make_user("admin"), make_user("admin")]
    make_user("reviewer")
    make_org("ati-mcrhrdi", "ati", "TS")
    user = accounts.register_user(email=" Meera@ATI.example.org ", name="Meera Iyer", password="tidal wave almanac",
                                  role="trainer", org_slug="ati-mcrhrdi")
    db.session.commit()
    assert user.email == "meera@ati.example.org" and not user.approved and user.active and not user.can_act
    notified = db.session.scalars(select(Notification.user_id).where(Notification.kind == "registration")).all()
    assert sorted(notified) == sorted(admin.id for admin in admins)
    assert db.session.scalar(select(Notification.url).where(Notification.kind == "registration")) == \
        "/admin/users?status=pending"
    with pytest.raises(AccountPending):
        auth.authenticate(user.email, "tidal wave almanac", address="10.0.0.1")


@pytest.mark.parametrize("role, org, field", [
    ("admin", "ati-mcrhrdi", "role"), ("reviewer", "ati-mcrhrdi", "role"), ("submitter", "ati-mcrhrdi", "org"),
    ("trainer", "ka-revenue", "org"), ("trainer", None, "org"), ("trainer", "nowhere", "org"),
])
def test_registration_offers_only_trainer_and_submitter_of_a_fitting_organisation(app, make_org, role, org, field):
    make_org("ati-mcrhrdi", "ati", "TS")
    make_org("ka-revenue", "state_department", "KA")
    with pytest.raises(ValidationError) as error:
        accounts.register_user(email="x@example.org", name="X Y", password="tidal wave almanac", role=role,
                               org_slug=org)
    assert field in error.value.fields
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_registering_a_known_email_creates_nothing_and_tells_the_owner(app, make_user, make_org):
    owner = make_user("submitter", email="ravi@ka.example.org")
    assert accounts.register_user(email="RAVI@ka.example.org", name="Someone", password="tidal wave almanac",
                                  role="submitter", org_slug="ka-revenue") is None
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert db.session.scalar(select(EmailMessage.recipient)) == owner.email


# ---------------------------------------------------------------------------------------------------
# What admins (and the command line) do


def test_approval_lets_the_account_act_and_tells_its_owner(app, make_user):
    admin, user = make_user("admin"), make_user("submitter")
    user.approved = False
    assert accounts.approve_user(user, actor=admin) is True
    assert user.can_act and accounts.approve_user(user, actor=admin) is False
    assert "approved" in db.session.scalar(select(EmailMessage.subject).where(EmailMessage.recipient == user.email))


def test_a_role_change_ends_every_session_of_the_user(app, make_user, make_org):
    admin, user = make_user("admin"), make_user("reviewer")
    tokens = [auth.start_session(user), auth.start_session(user, remember=True)]
    make_org("ka-revenue", "state_department", "KA")
    assert accounts.change_role(user, "submitter", org_slug="ka-revenue", actor=admin)
    db.session.commit()
    assert user.role == "submitter" and user.organization.slug == "ka-revenue"
    assert [auth.user_for_session(token) for token in tokens] == [None, None]


def test_a_role_change_to_the_same_role_changes_nothing(app, make_user):
    user = make_user("reviewer")
    token = auth.start_session(user)
    assert accounts.change_role(user, "reviewer") is False
    assert auth.user_for_session(token) is user


def test_deactivation_ends_every_session_and_api_tokens_stop_working(app, make_user):
    admin, user = make_user("admin"), make_user("submitter")
    token = auth.start_session(user, remember=True)
    _, raw = auth.create_api_token(user, "script")
    assert accounts.set_active(user, False, actor=admin)
    db.session.commit()
    assert auth.user_for_session(token) is None and auth.user_for_api_token(raw) is None
    assert accounts.set_active(user, True, actor=admin) and auth.user_for_session(token) is None


def test_only_an_admin_manages_accounts_and_never_their_own(app, make_user):
    admin, reviewer, user = make_user("admin"), make_user("reviewer"), make_user("trainer")
    with pytest.raises(Forbidden):
        accounts.set_active(user, False, actor=reviewer)
    with pytest.raises(Forbidden):
        accounts.set_active(admin, False, actor=admin)
    with pytest.raises(Forbidden):
        accounts.change_role(admin, "trainer", actor=admin)
    assert user.active and admin.active and admin.role == "admin"


def test_a_user_created_twice_is_a_conflict(app, make_user):
    make_user("trainer", email="meera@ati.example.org")
    with pytest.raises(Conflict):
        accounts.create_user(email="MEERA@ati.example.org", name="Meera", role="trainer")


def test_users_are_searched_by_email_or_name_with_wildcards_taken_literally(app, make_user):
    make_user("trainer", email="meera_iyer@ati.example.org")
    make_user("trainer", email="meeraxiyer@ati.example.org")
    found, total = (lambda page: (page.items, page.total))(accounts.list_users(q="meera_iyer"))
    assert total == 1 and found[0].email == "meera_iyer@ati.example.org"
    assert accounts.list_users(q="100%").total == 0
    assert accounts.list_users(q="test trainer").total == 2  # names match too, in any case


def test_users_are_filtered_by_status(app, make_user):
    active, pending, inactive = make_user("trainer"), make_user("trainer"), make_user("trainer")
    pending.approved = False
    inactive.active = False
    db.session.commit()
    ids = lambda status: {u.id for u in accounts.list_users(status=status).items}  # noqa: E731
    assert ids("pending") == {pending.id} and ids("inactive") == {inactive.id} and ids("active") == {active.id}
    assert accounts.count_pending() == 1


def test_an_admin_cannot_give_a_role_an_organisation_of_the_wrong_kind(make_org, make_user):
    make_org("ka-revenue", "state_department", "KA")
    make_org("ati-ka", "ati", "KA")
    with pytest.raises(ValidationError) as error:
        accounts.create_user(email="t@example.org", name="T", role="trainer", org_slug="ka-revenue")
    assert set(error.value.fields) == {"org"}
    reviewer = make_user("reviewer")
    with pytest.raises(ValidationError) as error:
        accounts.change_role(reviewer, "submitter", org_slug="ati-ka")
    assert "state department or a nodal agency" in str(error.value.fields["org"])
    assert accounts.change_role(reviewer, "trainer", org_slug="ati-ka") is True
