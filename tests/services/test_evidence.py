"""kb.services.evidence: every outcome figure says how it is known; the reviewer confirms or lowers each
grade (never raises it), in the audit trail; a case's overall level is what at least half its figures reach."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from kb.errors import Conflict, Forbidden, ValidationError
from kb.extensions import db
from kb.models import EvidenceGrade as G
from kb.models import StatusEvent
from kb.services import evidence, submissions

SOURCE = "https://example.org/evaluation"


def figures(*grades):
    return [{"label": f"Figure {i}", "before": 10, "after": 1, "unit": "days", "source": SOURCE,
             "period": "2023-24", "evidence": grade} for i, grade in enumerate(grades, 1)]


@pytest.mark.parametrize("grades, level", [
    ([], None),
    ([G.audited], G.audited),
    ([G.audited, G.self_reported], G.self_reported),  # more than half must reach it: the lower of two
    ([G.audited, G.evaluated, G.self_reported], G.evaluated),
    ([G.audited, G.audited, G.documented, G.self_reported], G.documented),
    ([G.evaluated, G.evaluated, G.evaluated, G.self_reported], G.evaluated),
])
def test_the_overall_level_is_the_strongest_grade_more_than_half_of_the_figures_reach(grades, level):
    assert evidence.overall_level(grades) == level


def test_publishing_gives_the_case_its_level_and_the_page_says_why(make_submission, client):
    case, _ = make_submission("published", outcomes=figures("audited", "evaluated", "self_reported"))
    assert case.evidence_level == "evaluated"
    page = client.get(f"/en/cases/{case.public_id}").get_data(as_text=True)
    assert "Overall evidence: Independently evaluated." in page
    assert "2 of 3 figures reach this level or a stronger one." in page
    assert "Audited (e.g. CAG) 1; Independently evaluated 1; Self-reported 1" in page
    hindi = client.get(f"/hi/cases/{case.public_id}").get_data(as_text=True)
    assert "समग्र साक्ष्य: स्वतंत्र रूप से मूल्यांकित।" in hindi


def test_a_grade_above_self_reported_needs_a_source(make_user, submission_data):
    submitter = make_user("submitter")
    data = submission_data(outcomes=[{"label": "Days", "before": 3, "after": 1, "unit": "days",
                                      "evidence": "audited"}])
    with pytest.raises(ValidationError) as error:
        submissions.create_submission(submitter, data)
    assert "outcomes[1]" in error.value.fields and "source" in str(error.value.fields["outcomes[1]"])


def test_an_unknown_grade_is_named(make_user, submission_data):
    with pytest.raises(ValidationError) as error:
        submissions.create_submission(make_user("submitter"), submission_data(outcomes=figures("excellent")))
    assert "evidence" in str(error.value.fields["outcomes[1]"])


def test_the_reviewer_confirms_or_lowers_each_grade_and_the_audit_trail_says_which(make_submission):
    case, people = make_submission("in_review", outcomes=figures("audited", "documented"))
    evidence.grade_submission(people["reviewer"], case.public_id, {"1": "audited", "2": "self_reported"},
                              review_months="6")
    db.session.commit()
    first, second = case.working_revision.outcomes
    assert (first.grade, first.evidence_reviewed) == (G.audited, "audited")
    assert (second.evidence, second.grade) == ("documented", G.self_reported)  # the claim is kept
    assert case.working_revision.review_months == 6
    event = db.session.scalar(select(StatusEvent).where(StatusEvent.action == "grade_evidence"))
    assert event.actor_id == people["reviewer"].id
    assert event.note == ("figure 1: confirmed audited; figure 2: lowered from documented to self_reported; "
                          "re-verify every 6 months")
    submissions.take_action(people["reviewer"], case.public_id, "approve")
    db.session.commit()
    assert case.evidence_level == "self_reported"  # the lower of the two reviewed grades


def test_a_reviewer_cannot_raise_a_grade(make_submission):
    case, people = make_submission("in_review", outcomes=figures("documented"))
    with pytest.raises(ValidationError) as error:
        evidence.grade_submission(people["reviewer"], case.public_id, {"1": "audited"})
    assert "grade[1]" in error.value.fields


@pytest.mark.parametrize("grades, months, field", [
    ({"7": "audited"}, None, "grade[7]"),
    ({"1": "platinum"}, None, "grade[1]"),
    ({}, "0", "review_months"),
    ({}, "forty", "review_months"),
])
def test_bad_grading_input_names_the_field(make_submission, grades, months, field):
    case, people = make_submission("in_review", outcomes=figures("documented"))
    with pytest.raises(ValidationError) as error:
        evidence.grade_submission(people["reviewer"], case.public_id, grades, review_months=months)
    assert field in error.value.fields


def test_only_the_deciding_reviewer_grades_and_only_during_review(make_submission, make_user):
    case, people = make_submission("in_review", outcomes=figures("documented"))
    with pytest.raises(Forbidden):
        evidence.grade_submission(people["submitter"], case.public_id, {"1": "documented"})
    draft, others = make_submission("submitted", outcomes=figures("documented"))
    with pytest.raises(Conflict):
        evidence.grade_submission(others["reviewer"], draft.public_id, {"1": "documented"})


def test_the_review_page_offers_only_grades_up_to_the_claim_and_saves_them(make_submission, client, login_as,
                                                                          form_token):
    case, people = make_submission("in_review", outcomes=figures("documented"))
    login_as(client, people["reviewer"])
    page = client.get(f"/submissions/{case.public_id}").get_data(as_text=True)
    assert 'name="grade-1"' in page and '<option value="documented" selected>' in page
    assert '<option value="audited"' not in page.split('name="grade-1"')[1].split("</select>")[0]
    response = client.post(f"/submissions/{case.public_id}/evidence", data={
        "csrf_token": form_token(client, f"/submissions/{case.public_id}"), "grade-1": "self_reported",
        "review_months": "18"})
    assert response.status_code == 302
    db.session.expire_all()
    assert case.working_revision.outcomes[0].evidence_reviewed == "self_reported"
    refused = client.post(f"/submissions/{case.public_id}/evidence", data={
        "csrf_token": form_token(client, f"/submissions/{case.public_id}"), "grade-1": "audited"})
    assert refused.status_code == 400
    assert "not raise it" in refused.get_data(as_text=True)


def test_the_api_and_the_citation_files_carry_the_evidence(make_case, client):
    make_case(901, outcomes=figures("evaluated", "evaluated"),
              links=[{"title": "Evaluation", "url": SOURCE}])
    data = client.get("/api/v1/cases/KB-0901").get_json()
    assert data["evidence"]["level"] == "evaluated" and data["evidence"]["by_grade"] == {"evaluated": 2}
    assert data["outcomes"][0]["period"] == "2023-24" and data["outcomes"][0]["evidence"] == "evaluated"
    assert client.get("/api/v1/cases?evidence=evaluated").get_json()["total"] == 1
    assert client.get("/api/v1/cases?per_page=1").get_json()["results"][0]["evidence"] == "evaluated"
    bib = client.get("/cases/KB-0901/cite.bib").get_data(as_text=True)
    assert "Evidence: independently evaluated (2 of 2 outcome figures)" in bib
    ris = client.get("/cases/KB-0901/cite.ris").get_data(as_text=True)
    assert "N1  - Evidence: independently evaluated (2 of 2 outcome figures)" in ris
