"""One owner of a case's fields (kb.services.case_fields): the importer, the submission service, the API
and the form all read its tables, so a value is judged the same way wherever it comes from."""
from __future__ import annotations

import re

import pytest
import yaml

from kb.content import parse_case_text
from kb.errors import ContentError, ValidationError
from kb.extensions import db
from kb.services import case_fields, submissions
from kb.services.case_fields import FIELD_NAMES, FIELDS, ROWS, Taxonomy, check_fields, read_revision

RECOGNITION = [{"name": "National Award for e-Governance", "year": 2012, "category": "Citizen-centric service"}]
CONTACT = [{"name": "Commissioner", "organization": "Revenue Department", "email": "cm@example.gov.in",
            "phone": "+91 80 2222 3333", "url": "https://example.gov.in"}]


def _as_file(data: dict) -> str:
    meta = {key: value for key, value in data.items() if key != "body"}
    return "---\n" + yaml.safe_dump({"id": "KB-0777", **meta}, allow_unicode=True) + "---\n" + data["body"]


def _file_reasons(data: dict) -> dict[str, str]:
    taxonomy = Taxonomy.load()
    with pytest.raises(ContentError) as error:
        parse_case_text(_as_file(data), path="kb-0777.md", mmp_slugs=set(taxonomy.mmp_slugs),
                        state_codes=set(taxonomy.state_codes))
    return {key: str(reason) for key, reason in error.value.fields.items()}


def _submission_reasons(user, data: dict) -> dict[str, str]:
    with pytest.raises(ValidationError) as error:
        submissions.create_submission(user, data)
    db.session.rollback()
    return {key: str(reason) for key, reason in error.value.fields.items()}


def test_every_field_written_to_a_revision_reads_back_as_it_was_checked(app, make_user, submission_data):
    data = submission_data(recognitions=RECOGNITION, contacts=CONTACT, tags="Land records; doorstep")
    checked = check_fields(data, complete=True)

    case = submissions.create_submission(make_user("submitter"), data)
    db.session.commit()

    assert read_revision(case.working_revision) == checked.fields()
    assert set(checked.fields()) == set(FIELD_NAMES)
    assert checked.tags == ["doorstep", "land-records"]  # typed as a line, filed as keywords
    assert checked.recognitions == RECOGNITION and checked.contacts == CONTACT


@pytest.mark.parametrize("change, field", [
    ({"title": "Tiny"}, "title"),
    ({"year": 1850}, "year"),
    ({"state": "XX"}, "state"),
    ({"stage": "everywhere"}, "stage"),
    ({"tags": ["not a keyword!"]}, "tags"),
    ({"outcomes": [{"label": "Days", "before": 3, "source": "https://elsewhere.example/x"}]}, "outcomes[1]"),
    ({"outcomes": [{"label": "Days", "before": 3, "evidence": "audited"}]}, "outcomes[1]"),
    ({"contacts": [{"name": "Officer", "email": "not an address"}]}, "contacts[1]"),
    ({"recognitions": [{"name": "An award", "year": 1970}]}, "recognitions[1]"),
    ({"translated_title": "", "translated_summary": "Only the summary was translated here."}, "translated_title"),
    ({"body": "## Problem\nOnly one heading.\n"}, "body"),
])
def test_a_case_file_and_a_submission_are_judged_by_the_same_rule(app, make_user, submission_data, change, field):
    data = submission_data(**change)
    submitter = make_user("submitter")

    from_file = _file_reasons(data)
    with pytest.raises(ValidationError) as error:
        check_fields(data, complete=True)
    from_submission = {key: str(reason) for key, reason in error.value.fields.items()}

    assert from_file[field] == from_submission[field]
    if field != "body":  # a draft may have an unfinished body; anything malformed is refused at once
        assert _submission_reasons(submitter, data)[field] == from_file[field]


def test_a_draft_may_leave_fields_out_but_nothing_it_gives_may_be_malformed(app):
    draft = check_fields({"title": "Work in progress", "mmp": "e-district"}, complete=False)
    assert draft.summary == "" and draft.year is None and draft.language == "en"

    with pytest.raises(ValidationError) as error:
        check_fields({"title": "Work in progress", "mmp": "e-district"}, complete=True)
    assert {"summary", "department", "year", "stage", "body"} <= set(error.value.fields)

    with pytest.raises(ValidationError) as error:
        check_fields({"title": "Work in progress", "mmp": "e-district", "year": "next year",
                      "summary": ["a", "b"]}, complete=False)
    assert set(error.value.fields) == {"year", "summary"}
    assert str(error.value.fields["summary"]) == "must be text"


def test_each_bad_row_is_named_by_its_own_number(app):
    rows = [{"label": "", "before": 1}, {"label": "Good", "after": 2}, {"label": "Days", "before": "many"}]
    with pytest.raises(ValidationError) as error:
        check_fields({"title": "Work in progress", "mmp": "e-district", "outcomes": rows}, complete=False)
    assert set(error.value.fields) == {"outcomes[1]", "outcomes[3]"}
    assert "before" in str(error.value.fields["outcomes[3]"])


def test_the_api_describes_exactly_the_fields_it_accepts_with_their_limits(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    accepted = schemas["SubmissionCreate"]["properties"]

    assert set(accepted) == set(FIELD_NAMES)
    assert schemas["SubmissionCreate"]["required"] == ["title", "mmp"]
    for field in FIELDS:
        if field.kind in ("text", "body"):
            assert accepted[field.name]["maxLength"] == field.limit, field.name
        if field.kind == "rows":
            assert accepted[field.name]["maxItems"] == case_fields.MAX_ROWS


def test_the_case_form_offers_every_field_and_every_column_of_a_row(client, make_user, login_as):
    login_as(client, make_user("submitter"))
    page = client.get("/submissions/new").get_data(as_text=True)
    offered = set(re.findall(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', page))

    scalar = {field.name for field in FIELDS if field.kind != "rows"}
    assert scalar <= offered
    for name, kind in ROWS.items():
        assert {f"{name}-0-{column}" for column in kind.column_names} <= offered, name
