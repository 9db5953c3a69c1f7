"""kb.services.freshness: every published case has "last verified" and "review by" dates; near and past the
date its organisation is reminded (in the site and by mail, in their language), and answers by confirming
it as current (an event, no new version), updating it (a new version) or marking it as discontinued."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from kb.errors import Conflict, Forbidden, ValidationError
from kb.extensions import db
from kb.models import EmailMessage, Notification, Revision, StatusEvent
from kb.services import freshness, submissions
from kb.services.freshness import Freshness, add_months, today_in_india


def age(case, *, verified_days_ago: int, months: int = 12):
    """Make the case as if it was last verified ``verified_days_ago`` days ago."""
    verified = today_in_india() - dt.timedelta(days=verified_days_ago)
    case.last_verified_on, case.review_by, case.reverify_reminded = verified, add_months(verified, months), ""
    db.session.commit()
    return case


@pytest.mark.parametrize("day, months, due", [
    (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)), (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
    (dt.date(2026, 11, 15), 3, dt.date(2027, 2, 15)), (dt.date(2026, 5, 10), 36, dt.date(2029, 5, 10)),
])
def test_months_are_added_calendar_wise(day, months, due):
    assert add_months(day, months) == due


def test_a_publication_verifies_the_case_for_the_months_the_reviewer_chose(make_submission):
    from kb.services import evidence

    case, people = make_submission("in_review")
    evidence.grade_submission(people["reviewer"], case.public_id, {}, review_months="6")
    submissions.take_action(people["reviewer"], case.public_id, "approve")
    db.session.commit()
    assert case.last_verified_on == today_in_india()
    assert case.review_by == add_months(today_in_india(), 6)
    default, _ = make_submission("published")
    assert default.review_by == add_months(today_in_india(), freshness.DEFAULT_MONTHS)


def test_due_soon_and_overdue_cases_are_listed_most_overdue_first(make_submission):
    current, _ = make_submission("published")
    soon, _ = make_submission("published")
    late, _ = make_submission("published")
    age(soon, verified_days_ago=350)
    age(late, verified_days_ago=400)
    due = freshness.due_cases()
    assert [(d.case.public_id, d.status) for d in due] == [(late.public_id, Freshness.OVERDUE),
                                                          (soon.public_id, Freshness.DUE_SOON)]
    assert due[0].days == -(400 - 365)
    assert freshness.status_of(current) == Freshness.CURRENT
    assert freshness.overdue_public_ids() == {late.public_id}


def test_the_organisation_is_reminded_once_when_due_and_once_when_overdue_in_its_language(
        make_submission, make_user):
    hindi_submitter = make_user("submitter", language="hi")
    case, people = make_submission("published", submitter=hindi_submitter)
    english_colleague = make_user("submitter")
    age(case, verified_days_ago=350)
    assert [d.case.id for d in freshness.send_reminders()] == [case.id]
    db.session.commit()
    assert freshness.send_reminders() == []  # the same stage is not repeated
    notes = db.session.scalars(select(Notification).where(Notification.kind == "reverify")).all()
    assert {n.user_id for n in notes} == {hindi_submitter.id, english_colleague.id}
    hindi = next(n for n in notes if n.user_id == hindi_submitter.id)
    assert "पुनः सत्यापन" in hindi.message and hindi.url == f"/cases/{case.public_id}/verify"
    english = next(n for n in notes if n.user_id == english_colleague.id)
    assert "is due for re-verification by" in english.message
    assert db.session.scalar(select(func.count()).select_from(EmailMessage).where(
        EmailMessage.recipient == hindi_submitter.email, EmailMessage.subject.contains("पुनः सत्यापन"))) == 1
    age(case, verified_days_ago=400)
    case.reverify_reminded = "soon"  # the reminder sent while it was due soon
    db.session.commit()
    assert len(freshness.send_reminders()) == 1
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "reverify", Notification.message.contains("was due for re-verification on"))) == 1


def test_confirming_as_current_records_an_event_and_moves_the_dates_without_a_new_version(make_submission):
    case, people = make_submission("published")
    age(case, verified_days_ago=400)
    versions = db.session.scalar(select(func.count()).select_from(Revision).where(Revision.case_id == case.id))
    freshness.confirm_current(people["submitter"], case.public_id, "Figures checked with the district")
    db.session.commit()
    assert case.last_verified_on == today_in_india() and freshness.status_of(case) == Freshness.CURRENT
    assert db.session.scalar(select(func.count()).select_from(Revision).where(Revision.case_id == case.id)) == versions
    event = db.session.scalar(select(StatusEvent).where(StatusEvent.action == "confirm_current"))
    assert event.actor_id == people["submitter"].id and "Figures checked with the district" in event.note
    assert event.revision_id == case.published_revision_id


def test_marking_as_discontinued_needs_a_reason_and_keeps_the_case_readable(make_submission, client):
    case, people = make_submission("published")
    with pytest.raises(ValidationError) as error:
        freshness.mark_discontinued(people["submitter"], case.public_id, "  ")
    assert "reason" in error.value.fields
    freshness.mark_discontinued(people["submitter"], case.public_id, "Merged into the state portal in 2025.")
    db.session.commit()
    page = client.get(f"/en/cases/{case.public_id}")
    assert page.status_code == 200
    assert "Merged into the state portal in 2025." in page.get_data(as_text=True)
    assert "Discontinued on" in page.get_data(as_text=True)
    with pytest.raises(Conflict):
        freshness.mark_discontinued(people["submitter"], case.public_id, "again")
    assert freshness.due_cases(within_days=3650) == []  # a discontinued practice is not asked again


def test_only_the_cases_organisation_or_an_admin_re_verifies(make_submission, make_user):
    case, people = make_submission("published")
    for outsider in (people["reviewer"], make_user("trainer"), make_user("submitter", org="mh-revenue")):
        with pytest.raises(Forbidden):
            freshness.confirm_current(outsider, case.public_id)
    freshness.confirm_current(make_user("admin"), case.public_id)


def test_an_overdue_case_shows_a_dated_notice_and_can_be_left_out_of_search(make_submission, client):
    late, _ = make_submission("published", title="Overdue doorstep delivery of land records")
    fresh, _ = make_submission("published", title="Current doorstep delivery of land records")
    age(late, verified_days_ago=400)
    page = client.get(f"/en/cases/{late.public_id}").get_data(as_text=True)
    assert f"Not re-verified: due on" in page
    ids = lambda query: {r["id"] for r in client.get(f"/api/v1/cases?{query}").get_json()["results"]}  # noqa: E731
    assert ids("q=doorstep") == {late.public_id, fresh.public_id}
    assert ids("q=doorstep&current=1") == {fresh.public_id}
    listing = client.get("/en/cases?q=doorstep&current=1").get_data(as_text=True)
    assert late.public_id not in listing and fresh.public_id in listing
    exported = client.get("/exports/cases.csv?q=doorstep&current=1").get_data(as_text=True)
    assert late.public_id not in exported and fresh.public_id in exported  # an export is what the page lists
    assert client.get("/api/v1/cases?current=yes").status_code == 400


def test_the_verify_page_walks_the_organisation_through_the_three_answers(make_submission, client, login_as,
                                                                        form_token):
    case, people = make_submission("published")
    age(case, verified_days_ago=400)
    login_as(client, people["submitter"])
    page = client.get(f"/en/cases/{case.public_id}/verify").get_data(as_text=True)
    assert "Confirm as current" in page and "Open a new version" in page and "Mark as discontinued" in page
    token = form_token(client, f"/en/cases/{case.public_id}/verify")
    response = client.post(f"/en/cases/{case.public_id}/verify/confirm", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert freshness.status_of(case) == Freshness.CURRENT
    empty = client.post(f"/en/cases/{case.public_id}/verify/discontinue", data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 400 and 'aria-invalid="true"' in empty.get_data(as_text=True)
    hindi = client.get(f"/hi/cases/{case.public_id}/verify").get_data(as_text=True)
    assert "क्या यह केस अध्ययन अब भी सही है?" in hindi


def test_the_api_confirms_and_discontinues_for_the_organisation(make_submission, make_user, client, api_token):
    case, people = make_submission("published")
    age(case, verified_days_ago=400)
    headers = api_token(people["submitter"])
    confirmed = client.post(f"/api/v1/cases/{case.public_id}/confirm-current", json={"note": "checked"},
                            headers=headers)
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "current"
    assert confirmed.get_json()["review_by"] == add_months(today_in_india(), 12).isoformat()
    outsider = client.post(f"/api/v1/cases/{case.public_id}/discontinue", json={"reason": "x"},
                           headers=api_token(people["reviewer"]))
    assert outsider.status_code == 403
    missing = client.post(f"/api/v1/cases/{case.public_id}/discontinue", json={}, headers=headers)
    assert missing.status_code == 400 and "reason" in missing.get_json()["error"]["fields"]
    unknown = client.post(f"/api/v1/cases/{case.public_id}/discontinue", json={"reason": "x", "status": "y"},
                          headers=headers)
    assert unknown.status_code == 400
    done = client.post(f"/api/v1/cases/{case.public_id}/discontinue", json={"reason": "Replaced by a portal."},
                       headers=headers)
    assert done.status_code == 200 and done.get_json()["discontinued_reason"] == "Replaced by a portal."
    detail = client.get(f"/api/v1/cases/{case.public_id}").get_json()
    assert detail["freshness"]["status"] == "discontinued"
