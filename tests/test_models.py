"""kb.models: what the database itself enforces."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from kb.extensions import db
from kb.models import Case, Mmp, Revision, User, format_public_id


def _case(number=901, **changes):
    fields = dict(number=number, slug="x", mmp=db.session.scalar(select(Mmp).where(Mmp.slug == "pds")),
                  department="Food", year_started=2010, stage="pilot", language="en")
    fields.update(changes)
    return Case(**fields)


@pytest.mark.parametrize("changes", [
    {"stage": "everywhere"}, {"language": "fr"}, {"year_started": 1800}, {"number": 0},
])
def test_case_check_constraints(app, changes):
    db.session.add(_case(**changes))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_case_numbers_are_unique(app):
    db.session.add_all([_case(901), _case(901, slug="y")])
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_revision_numbers_are_unique_per_case_and_status_is_checked(app):
    case = _case()
    db.session.add(case)
    db.session.flush()
    db.session.add_all([Revision(case=case, number=1, title="a", summary="b", body="c", status="draft"),
                        Revision(case=case, number=1, title="a", summary="b", body="c", status="draft")])
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(Revision(case=_case(902), number=1, title="a", summary="b", body="c", status="lost"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_user_email_must_be_stored_lowercase_and_role_known(app):
    db.session.add(User(email="Officer@Example.org", name="A", role="trainer"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(User(email="officer@example.org", name="A", role="superuser"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_case_cannot_point_at_a_missing_revision(app):
    db.session.add(_case(published_revision_id=987654))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_naive_datetimes_are_refused(app):
    db.session.add(_case(first_published_at=dt.datetime(2026, 1, 1)))
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.commit()
    db.session.rollback()


def test_datetimes_come_back_timezone_aware(app, make_case):
    case = make_case(901)
    db.session.expire_all()
    assert db.session.get(Case, case.id).first_published_at.tzinfo is not None


def test_public_ids_are_zero_padded_and_grow_past_four_digits():
    assert format_public_id(42) == "KB-0042"
    assert format_public_id(12345) == "KB-12345"
