"""The kb command: users, organisations, demo accounts and the content round trip."""
from __future__ import annotations

from sqlalchemy import select

from kb.extensions import db
from kb.models import Organization, User
from kb.services.passwords import verify_password


def test_orgs_and_users_create_print_ids(runner, app):
    result = runner.invoke(args=["orgs", "create", "--slug", "ati-ts", "--name", "MCR HRD Institute", "--kind", "ati",
                                 "--state", "TS"])
    assert result.exit_code == 0, result.output
    org = db.session.scalar(select(Organization).where(Organization.slug == "ati-ts"))
    assert result.output.strip() == str(org.id) and org.state.code == "TS"

    result = runner.invoke(args=["users", "create", "--email", "Trainer@Example.ORG", "--name", "A Trainer",
                                 "--role", "trainer", "--org", "ati-ts", "--password", "a long passphrase"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "trainer@example.org"))
    assert result.output.strip() == str(user.id)
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user, "a long passphrase") and not verify_password(user, "wrong password")


def test_users_create_names_the_bad_field(runner, app):
    result = runner.invoke(args=["users", "create", "--email", "not-an-email", "--name", "X", "--role", "trainer",
                                 "--org", "nowhere"])
    assert result.exit_code == 1
    assert "email: not an email address" in result.output and "org: unknown organisation 'nowhere'" in result.output
    assert db.session.scalar(select(User)) is None


def test_duplicate_email_is_refused(runner, app):
    args = ["users", "create", "--email", "a@example.org", "--name", "A", "--role", "reviewer"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code == 1 and "already exists" in result.output


def test_short_password_is_refused(runner, app):
    result = runner.invoke(args=["users", "create", "--email", "a@example.org", "--name", "A", "--role", "reviewer",
                                 "--password", "short"])
    assert result.exit_code == 1 and "password: must be 8 to 128 characters" in result.output


def test_demo_accounts_are_created_once_with_stable_passwords(runner, app):
    first = runner.invoke(args=["demo-accounts"])
    second = runner.invoke(args=["demo-accounts"])
    assert first.exit_code == 0 and first.output == second.output
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 4
    assert {u.role for u in db.session.scalars(select(User))} == {"trainer", "submitter", "reviewer", "admin"}
    line = next(line for line in first.output.splitlines() if "reviewer@" in line)
    password = line.split()[-1]
    assert verify_password(db.session.scalar(select(User).where(User.role == "reviewer")), password)


def test_content_export_writes_one_file_per_published_case(runner, library, tmp_path):
    result = runner.invoke(args=["content", "export", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "out" / "cases").glob("*.md"))) == len(library.created)
    assert (tmp_path / "out" / "taxonomy" / "mmps.yml").exists()


def test_freshness_due_lists_what_is_due_and_reminds_once(runner, make_submission):
    import datetime as dt

    from kb.models import Notification
    from kb.services.freshness import today_in_india

    case, people = make_submission("published")
    case.review_by = today_in_india() - dt.timedelta(days=3)
    db.session.commit()
    result = runner.invoke(args=["freshness", "due", "--notify"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{case.public_id}\toverdue\t{case.review_by.isoformat()}\t-3\tka-revenue\treminded"]
    again = runner.invoke(args=["freshness", "due", "--notify"])
    assert again.output.splitlines() == [f"{case.public_id}\toverdue\t{case.review_by.isoformat()}\t-3\tka-revenue"]
    assert db.session.query(Notification).filter_by(kind="reverify").count() == 1
    assert runner.invoke(args=["freshness", "due", "--within", "-1"]).exit_code == 2
