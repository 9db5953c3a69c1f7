"""``kb users ...`` and ``kb orgs ...``: the admin pages' powers on the command line, through the same services
(a deactivation or a role change ends the user's sessions there too)."""
from __future__ import annotations

from sqlalchemy import select

from kb.extensions import db
from kb.models import User
from kb.services import auth


def run(runner, *args):
    return runner.invoke(args=list(args))


def test_users_list_prints_one_tab_separated_line_per_user_and_filters(runner, make_user):
    trainer = make_user("trainer", email="meera@ati.example.org")
    pending = make_user("submitter", email="ravi@ka.example.org")
    pending.approved = False
    db.session.commit()

    result = run(runner, "users", "list")
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.output.splitlines()]
    assert [str(trainer.id), "meera@ati.example.org", "trainer", "ati-mcrhrdi", "active", "Test Trainer"] in lines
    assert [str(pending.id), "ravi@ka.example.org", "submitter", "ka-revenue", "pending", "Test Submitter"] in lines

    assert run(runner, "users", "list", "--status", "pending").output.count("\n") == 1
    assert "meera@" in run(runner, "users", "list", "--search", "MEERA").output
    assert "ravi@" not in run(runner, "users", "list", "--role", "trainer").output


def test_users_approve_lets_a_pending_account_log_in(runner, make_user):
    user = make_user("submitter")
    user.approved = False
    db.session.commit()
    result = run(runner, "users", "approve", "--email", user.email.upper())
    assert result.exit_code == 0 and "approved" in result.output
    db.session.expire_all()
    assert db.session.get(User, user.id).approved
    assert run(runner, "users", "approve", "--email", user.email).output.strip().endswith("was already approved")


def test_users_deactivate_ends_every_session_and_reactivate_lets_the_account_back(runner, make_user):
    user = make_user("reviewer")
    token = auth.start_session(user, remember=True)
    db.session.commit()
    result = run(runner, "users", "deactivate", "--email", user.email)
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert auth.user_for_session(token) is None and not db.session.get(User, user.id).active

    assert run(runner, "users", "reactivate", "--email", user.email).exit_code == 0
    db.session.expire_all()
    assert db.session.get(User, user.id).active
    assert auth.user_for_session(token) is None  # the old session stays ended


def test_users_set_role_changes_role_and_organisation_and_ends_sessions(runner, make_user, make_org):
    user = make_user("submitter")
    make_org("ati-kerala", "ati", "KL")
    token = auth.start_session(user)
    db.session.commit()
    result = run(runner, "users", "set-role", "--email", user.email, "--role", "trainer", "--org", "ati-kerala")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    changed = db.session.get(User, user.id)
    assert changed.role == "trainer" and changed.organization.slug == "ati-kerala"
    assert auth.user_for_session(token) is None


def test_an_unknown_email_or_organisation_is_a_clear_error(runner, make_user):
    result = run(runner, "users", "approve", "--email", "nobody@example.org")
    assert result.exit_code == 1 and "No user with email nobody@example.org" in result.output
    user = make_user("submitter")
    result = run(runner, "users", "set-role", "--email", user.email, "--role", "trainer", "--org", "nowhere")
    assert result.exit_code == 1 and "org: unknown organisation 'nowhere'" in result.output
    db.session.expire_all()
    assert db.session.get(User, user.id).role == "submitter"


def test_users_create_refuses_a_common_password(runner, app):
    result = run(runner, "users", "create", "--email", "a@example.org", "--name", "A", "--role", "reviewer",
                 "--password", "password123")
    assert result.exit_code == 1 and "most commonly used passwords" in result.output
    assert db.session.scalar(select(User)) is None


def test_orgs_list_prints_every_organisation_or_one_kind(runner, make_org):
    ati = make_org("ati-kerala", "ati", "KL", name="IMG Kerala")
    make_org("ka-revenue", "state_department", "KA")
    result = run(runner, "orgs", "list")
    assert result.exit_code == 0 and len(result.output.splitlines()) == 2
    assert run(runner, "orgs", "list", "--kind", "ati").output.splitlines() == \
        [f"{ati.id}\tati-kerala\tati\tKL\tIMG Kerala"]


def test_users_prune_deletes_expired_sessions(runner, make_user):
    import datetime as dt

    from kb.models import UserSession, utcnow

    user = make_user("trainer")
    live, expired = auth.start_session(user), auth.start_session(user)
    db.session.scalar(select(UserSession).where(UserSession.token_hash == auth.token_hash(expired))).expires_at = \
        utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert run(runner, "users", "prune").exit_code == 0
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count()).select_from(UserSession)) == 1
    assert auth.user_for_session(live) is not None


def test_a_user_created_on_the_command_line_gets_mail_in_the_language_chosen(runner, app):
    from kb.models import User

    result = runner.invoke(args=["users", "create", "--email", "hindi.reviewer@example.org", "--name", "R",
                                 "--role", "reviewer", "--language", "hi"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.email == "hindi.reviewer@example.org")).language == "hi"
    refused = runner.invoke(args=["users", "create", "--email", "x@example.org", "--name", "X", "--role", "reviewer",
                                  "--language", "fr"])
    assert refused.exit_code != 0
