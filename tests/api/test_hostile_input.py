"""Every hostile value in every field of every JSON endpoint is a 4xx naming the field, never a 5xx, and
changes nothing saved: property-based (Hypothesis, tests/hostile.py), on SQLite and PostgreSQL."""
from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from kb.services.case_fields import read_revision
from kb.extensions import db
from kb.models import Case, StatusEvent
from kb.services import submissions
from tests.conftest import SUBMISSION
from tests.hostile import HOSTILE, HOSTILE_SETTINGS, HOSTILE_TEXT, deeply_nested


@pytest.fixture
def world(app, client, make_user, make_submission, api_token):
    """A published canary case and a draft, with tokens for a submitter, a reviewer and a trainer."""
    submitter, reviewer = make_user("submitter"), make_user("reviewer")
    canary, _ = make_submission("published", submitter=submitter, reviewer=reviewer)
    draft, _ = make_submission("draft", submitter=submitter, reviewer=reviewer)
    in_review, _ = make_submission("in_review", submitter=submitter, reviewer=reviewer)
    world = {
        "client": client, "canary": canary.public_id, "draft": draft.public_id, "in_review": in_review.public_id,
        "submitter": api_token(submitter), "reviewer": api_token(reviewer), "trainer": api_token(make_user("trainer")),
    }
    world["before"] = _snapshot(world["canary"])
    return world


def _snapshot(public_id: str):
    db.session.rollback()
    case = submissions.find_case(public_id)
    fields = read_revision(case.published_revision)
    events = db.session.scalar(select(func.count()).select_from(StatusEvent).where(StatusEvent.case_id == case.id))
    return fields, case.published_revision.lock_version, events


def _answered(world, response, *expected_fields):
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code == 400:
        error = response.get_json()["error"]
        assert error["fields"], error
    assert _snapshot(world["canary"]) == world["before"]


def _field_of(name: str, fields: dict) -> bool:
    return any(key == name or key.startswith(name + "[") or key.startswith(name + ".") for key in fields)


SUBMISSION_FIELDS = sorted(SUBMISSION)


@HOSTILE_SETTINGS
@given(field=st.sampled_from(SUBMISSION_FIELDS), value=HOSTILE)
def test_creating_a_submission_with_any_value_in_any_field(world, field, value):
    response = world["client"].post("/api/v1/submissions", json={**SUBMISSION, field: value},
                                    headers=world["submitter"])
    _answered(world, response)
    if response.status_code == 201:  # accepted: then the value was kept as sent (normalised), not coerced
        stored = response.get_json()[field]
        assert not (isinstance(value, (list, dict)) and isinstance(stored, str) and stored == str(value))
    else:
        assert response.status_code == 400 and _field_of(field, response.get_json()["error"]["fields"])


@HOSTILE_SETTINGS
@given(field=st.sampled_from(SUBMISSION_FIELDS), value=HOSTILE)
def test_editing_a_draft_with_any_value_in_any_field(world, field, value):
    response = world["client"].patch(f"/api/v1/submissions/{world['draft']}", json={field: value},
                                     headers=world["submitter"])
    _answered(world, response)
    assert response.status_code in (200, 400)


@HOSTILE_SETTINGS
@given(body=st.fixed_dictionaries({}, optional={"action": HOSTILE, "note": HOSTILE, "lock_version": HOSTILE}))
def test_reviewing_with_any_action_and_note(world, body):
    response = world["client"].post(f"/api/v1/submissions/{world['in_review']}/review", json=body,
                                    headers=world["reviewer"])
    _answered(world, response)


@HOSTILE_SETTINGS
@given(body=st.fixed_dictionaries({}, optional={"body": HOSTILE}))
def test_commenting_with_any_body(world, body):
    response = world["client"].post(f"/api/v1/submissions/{world['draft']}/comments", json=body,
                                    headers=world["submitter"])
    _answered(world, response)


@HOSTILE_SETTINGS
@given(field=st.sampled_from(["programme", "date", "participants", "mode", "notes", "rating"]), value=HOSTILE)
def test_recording_an_adoption_with_any_value(world, field, value):
    body = {"programme": "Induction course", "date": "2026-01-10", "participants": 30, field: value}
    response = world["client"].post(f"/api/v1/cases/{world['canary']}/adoptions", json=body,
                                    headers=world["trainer"])
    assert response.status_code < 500, response.get_data(as_text=True)[:300]


@HOSTILE_SETTINGS
@given(ids=HOSTILE)
def test_marking_notifications_read_with_any_ids(world, ids):
    response = world["client"].post("/api/v1/notifications/read", json={"ids": ids}, headers=world["submitter"])
    _answered(world, response)


@HOSTILE_SETTINGS
@given(name=st.sampled_from(["q", "mmp", "state", "year", "tag", "language", "sort", "page", "per_page", "award"]),
       value=HOSTILE_TEXT)
def test_searching_the_cases_with_any_parameter(world, name, value):
    response = world["client"].get("/api/v1/cases", query_string={name: value})
    _answered(world, response)


@HOSTILE_SETTINGS
@given(public_id=HOSTILE_TEXT, endpoint=st.sampled_from(["/api/v1/cases/{}", "/api/v1/submissions/{}",
                                                         "/api/v1/cases/{}/similar", "/api/v1/replications/{}"]))
def test_reading_any_id_in_the_path(world, public_id, endpoint):
    from urllib.parse import quote

    response = world["client"].get(endpoint.format(quote(public_id, safe="")), headers=world["submitter"])
    _answered(world, response)
    assert response.status_code in (200, 400, 404)


# ---------------------------------------------------------------------------------------------------
# The cases the outside evaluation found, by name


def test_json_nested_100000_deep_is_a_400_naming_the_body(world):
    response = world["client"].post("/api/v1/submissions", data=deeply_nested(), content_type="application/json",
                                    headers=world["submitter"])
    assert response.status_code == 400 and "body" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("value", ["\ud800", "a\x00b"])
@pytest.mark.parametrize("field", ["title", "summary", "body", "department", "translated_title"])
def test_unstorable_characters_in_any_text_field_are_a_400_naming_it(world, field, value):
    raw = json.dumps({**SUBMISSION, field: value})  # json.dumps writes \ud800 and \u0000 escapes
    response = world["client"].post("/api/v1/submissions", data=raw, content_type="application/json",
                                    headers=world["submitter"])
    assert response.status_code == 400 and field in response.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(Case)) == 3


@pytest.mark.parametrize("field, value", [("title", ["a", "b"]), ("body", 42), ("mmp", ["land-records"]),
                                          ("year", "²"), ("year", 2**63), ("department", "x" * 1_000_000),
                                          ("body", "x" * 10_000_000), ("tags", [1, 2]), ("outcomes", "many")])
def test_wrong_types_and_sizes_are_refused_not_coerced(world, field, value):
    response = world["client"].post("/api/v1/submissions", json={**SUBMISSION, field: value},
                                    headers=world["submitter"])
    assert response.status_code in (400, 413)
    if response.status_code == 400:
        assert field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("path", ["/api/v1/cases/KB-99999999999999999999", "/api/v1/submissions/KB-²²²²",
                                  f"/api/v1/replications/{2**64}", "/api/v1/cases?page=" + "1" + "0" * 30,
                                  "/api/v1/cases?year=²", "/api/v1/cases/KB-0001%00"])
def test_numbers_beyond_64_bits_and_odd_digits_in_addresses_are_4xx(world, path):
    response = world["client"].get(path, headers=world["submitter"])
    assert 400 <= response.status_code < 500


def test_ids_beyond_64_bits_in_a_body_are_a_400(world):
    response = world["client"].post("/api/v1/notifications/read", json={"ids": [2**63]}, headers=world["submitter"])
    assert response.status_code == 400 and "ids" in response.get_json()["error"]["fields"]


def test_a_chunked_body_over_the_limit_is_a_413(app, world):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    body = json.dumps({**SUBMISSION, "body": "x" * 4096}).encode()
    response = world["client"].post("/api/v1/submissions", input_stream=__import__("io").BytesIO(body),
                                    content_type="application/json", headers={**world["submitter"],
                                                                              "Transfer-Encoding": "chunked"},
                                    environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"


def test_tags_with_spaces_are_normalised_not_split_or_refused(world):
    response = world["client"].post("/api/v1/submissions", json={
        **SUBMISSION, "tags": ["land records", "Citizen Service Centres", "e_district"]}, headers=world["submitter"])
    assert response.status_code == 201
    assert response.get_json()["tags"] == ["citizen-service-centres", "e-district", "land-records"]


def test_a_body_may_have_sections_of_its_own_besides_the_six(world):
    body = SUBMISSION["body"].replace("## Impact", "## Timeline\n2004: pilot; 2006: statewide.\n\n## Impact")
    body += "\n## Costs\nRs 30 crore over five years.\n"
    created = world["client"].post("/api/v1/submissions", json={**SUBMISSION, "body": body},
                                   headers=world["submitter"])
    assert created.status_code == 201
    submitted = world["client"].post(f"/api/v1/submissions/{created.get_json()['id']}/submit",
                                     headers=world["submitter"])
    assert submitted.status_code == 200, submitted.get_json()
    shuffled = body.replace("## Problem", "## Background").replace("## Solution", "## Problem")
    refused = world["client"].post("/api/v1/submissions", json={**SUBMISSION, "body": shuffled},
                                   headers=world["submitter"])
    refused_id = refused.get_json()["id"]
    again = world["client"].post(f"/api/v1/submissions/{refused_id}/submit", headers=world["submitter"])
    assert again.status_code == 400 and "body" in again.get_json()["error"]["fields"]


@HOSTILE_SETTINGS
@given(body=st.fixed_dictionaries({}, optional={
    "grades": st.one_of(HOSTILE, st.dictionaries(st.one_of(st.sampled_from(["1", "2", "0", "-1", " 1 "]), st.text(max_size=8)),
                                                 HOSTILE, max_size=3)),
    "review_months": HOSTILE}))
def test_checking_evidence_with_any_grades_and_months(world, body):
    response = world["client"].post(f"/api/v1/submissions/{world['in_review']}/evidence", json=body,
                                    headers=world["reviewer"])
    _answered(world, response)
    assert response.status_code in (200, 400)


@HOSTILE_SETTINGS
@given(checklist=st.one_of(HOSTILE, st.dictionaries(st.one_of(st.sampled_from(["completeness", "sources"]),
                                                               st.text(max_size=8)), HOSTILE, max_size=3)))
def test_keeping_the_checklist_with_any_items(world, checklist):
    response = world["client"].put(f"/api/v1/submissions/{world['in_review']}/checklist",
                                   json={"checklist": checklist}, headers=world["reviewer"])
    _answered(world, response)
    assert response.status_code in (200, 400)
