"""POST/GET /api/v1/cases/<id>/adoptions as ../shared/API.md says, and the replication endpoints."""
from __future__ import annotations

import pytest

from kb.extensions import db
from kb.services import adoptions, submissions

TRAINING = {"programme": "Induction course for Deputy Collectors", "date": "2026-01-15", "participants": 32,
            "notes": "Opening case of week 2."}
REPLICATION = {"status": "exploring", "adaptations": "Panchayat kiosks", "outcome": "Study visit done",
               "contact_name": "Director, e-Governance", "contact_email": "director@example.org"}


@pytest.fixture
def trainer_headers(make_user, api_token):
    return api_token(make_user("trainer"))


# ---------------------------------------------------------------------------------------------------
# Training uses: the contract


def test_a_trainer_records_an_adoption_and_gets_201_with_the_record(client, make_case, trainer_headers):
    make_case(901)
    response = client.post("/api/v1/cases/KB-0901/adoptions", json=TRAINING, headers=trainer_headers)
    assert response.status_code == 201
    body = response.get_json()
    assert {"ati", "programme", "date", "participants", "notes"} <= set(body)
    assert (body["ati"], body["programme"], body["date"], body["participants"], body["notes"]) == (
        "ati-mcrhrdi", TRAINING["programme"], "2026-01-15", 32, "Opening case of week 2.")
    assert body["mode"] == "classroom" and body["rating"] is None and body["case"] == "KB-0901"
    assert response.headers["Location"].endswith("/api/v1/cases/KB-0901/adoptions")


def test_mode_and_rating_may_be_given(client, make_case, trainer_headers):
    make_case(901)
    body = client.post("/api/v1/cases/KB-0901/adoptions", json={**TRAINING, "mode": "field_visit", "rating": 4},
                       headers=trainer_headers).get_json()
    assert (body["mode"], body["rating"]) == ("field_visit", 4)


def test_anyone_lists_adoptions_in_the_contract_shape(client, make_case, make_user):
    make_case(901)
    adoptions.record_training_use(make_user("trainer"), "KB-0901", {**TRAINING, "date": "2025-11-02"})
    adoptions.record_training_use(make_user("trainer", org="ati-yashada"), "KB-0901", TRAINING)
    db.session.commit()
    data = client.get("/api/v1/cases/KB-0901/adoptions").get_json()
    assert {"total", "results"} <= set(data) and data["total"] == 2
    assert (data["page"], data["per_page"]) == (1, 20)
    assert {"ati", "programme", "date", "participants"} <= set(data["results"][0])
    assert [(r["ati"], r["date"]) for r in data["results"]] == [("ati-yashada", "2026-01-15"),
                                                                ("ati-mcrhrdi", "2025-11-02")]
    second = client.get("/api/v1/cases/KB-0901/adoptions?per_page=1&page=2").get_json()
    assert second["total"] == 2 and [r["ati"] for r in second["results"]] == ["ati-mcrhrdi"]


def test_the_case_detail_counts_its_adoptions(client, make_case, trainer_headers):
    make_case(901)
    assert client.get("/api/v1/cases/KB-0901").get_json()["adoptions"] == 0
    client.post("/api/v1/cases/KB-0901/adoptions", json=TRAINING, headers=trainer_headers)
    client.post("/api/v1/cases/KB-0901/adoptions", json={**TRAINING, "date": "2026-01-16"}, headers=trainer_headers)
    assert client.get("/api/v1/cases/KB-0901").get_json()["adoptions"] == 2


# ---------------------------------------------------------------------------------------------------
# Training uses: who may, and what is refused


def test_recording_needs_a_token(client, make_case):
    make_case(901)
    response = client.post("/api/v1/cases/KB-0901/adoptions", json=TRAINING)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


def test_the_site_session_cookie_does_not_authenticate_the_api(client, login_as, make_case, make_user):
    make_case(901)
    login_as(client, make_user("trainer"))
    assert client.post("/api/v1/cases/KB-0901/adoptions", json=TRAINING).status_code == 401


@pytest.mark.parametrize("role", ["submitter", "reviewer", "admin"])
def test_only_trainers_record(client, make_case, make_user, api_token, role):
    make_case(901)
    response = client.post("/api/v1/cases/KB-0901/adoptions", json=TRAINING, headers=api_token(make_user(role)))
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


def test_a_trainer_without_an_ati_gets_400_naming_the_field(client, make_case, make_org, make_user, api_token):
    make_case(901)
    make_org("ka-revenue", "state_department", "KA")
    response = client.post("/api/v1/cases/KB-0901/adoptions", json=TRAINING,
                           headers=api_token(make_user("trainer", org="ka-revenue")))
    error = response.get_json()["error"]
    assert response.status_code == 400 and set(error["fields"]) == {"ati"}


@pytest.mark.parametrize("changes, field", [
    ({"participants": -4}, "participants"),
    ({"participants": "lots"}, "participants"),
    ({"date": "2999-01-01"}, "date"),
    ({"date": "yesterday"}, "date"),
    ({"programme": ""}, "programme"),
    ({"mode": "postal"}, "mode"),
    ({"rating": 9}, "rating"),
])
def test_bad_input_is_a_400_naming_the_field(client, make_case, trainer_headers, changes, field):
    make_case(901)
    response = client.post("/api/v1/cases/KB-0901/adoptions", json={**TRAINING, **changes}, headers=trainer_headers)
    error = response.get_json()["error"]
    assert response.status_code == 400 and error["code"] == "invalid" and field in error["fields"]


def test_fields_kb_sets_are_refused(client, make_case, trainer_headers):
    make_case(901)
    response = client.post("/api/v1/cases/KB-0901/adoptions", json={**TRAINING, "ati": "ati-other", "colour": 1},
                           headers=trainer_headers)
    assert response.status_code == 400 and set(response.get_json()["error"]["fields"]) == {"ati", "colour"}


@pytest.mark.parametrize("body, kwargs", [("[1, 2]", {"content_type": "application/json"}),
                                          ("{", {"content_type": "application/json"}),
                                          ("programme=x", {"content_type": "application/x-www-form-urlencoded"})])
def test_a_body_that_is_not_a_json_object_is_a_400(client, make_case, trainer_headers, body, kwargs):
    make_case(901)
    response = client.post("/api/v1/cases/KB-0901/adoptions", data=body, headers=trainer_headers, **kwargs)
    assert response.status_code == 400 and "body" in response.get_json()["error"]["fields"]


def test_the_same_programme_and_date_again_is_a_409(client, make_case, trainer_headers):
    make_case(901)
    assert client.post("/api/v1/cases/KB-0901/adoptions", json=TRAINING, headers=trainer_headers).status_code == 201
    again = {**TRAINING, "programme": TRAINING["programme"].upper(), "participants": 5}
    response = client.post("/api/v1/cases/KB-0901/adoptions", json=again, headers=trainer_headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"
    assert client.get("/api/v1/cases/KB-0901/adoptions").get_json()["total"] == 1


def test_an_unknown_or_unpublished_case_is_a_404(client, make_unpublished_case, make_submission, trainer_headers):
    make_unpublished_case(950)
    archived, people = make_submission("archived")
    for public_id in ("KB-0999", "KB-0950", archived.public_id, "not-an-id"):
        assert client.post(f"/api/v1/cases/{public_id}/adoptions", json=TRAINING,
                           headers=trainer_headers).status_code == 404
        response = client.get(f"/api/v1/cases/{public_id}/adoptions")
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_bad_paging_is_a_400(client, make_case):
    make_case(901)
    response = client.get("/api/v1/cases/KB-0901/adoptions?per_page=500")
    assert response.status_code == 400 and "per_page" in response.get_json()["error"]["fields"]


# ---------------------------------------------------------------------------------------------------
# Replications


def test_a_submitter_of_another_state_records_and_updates_a_replication(client, make_case, make_user, api_token):
    make_case(901, state="TN")
    headers = api_token(make_user("submitter"))
    response = client.post("/api/v1/cases/KB-0901/replications", json=REPLICATION, headers=headers)
    assert response.status_code == 201
    record = response.get_json()
    assert (record["state"], record["status"]) == ("KA", "exploring")
    assert record["contact"] == {"name": "Director, e-Governance", "email": "director@example.org", "phone": None}
    assert response.headers["Location"].endswith(f"/api/v1/replications/{record['id']}")
    changed = client.patch(f"/api/v1/replications/{record['id']}", json={"status": "piloting", "note": "Two districts"},
                           headers=headers)
    assert changed.status_code == 200
    history = changed.get_json()["history"]
    assert [(h["from"], h["to"], h["note"]) for h in history] == [(None, "exploring", ""),
                                                                   ("exploring", "piloting", "Two districts")]
    listing = client.get("/api/v1/cases/KB-0901/replications").get_json()
    assert listing["total"] == 1 and listing["results"][0]["status"] == "piloting"
    assert client.get(f"/api/v1/replications/{record['id']}").get_json()["status"] == "piloting"


def test_replication_rules_over_the_api(client, make_case, make_user, make_org, api_token):
    make_case(901, state="KA")
    make_case(902, state="TN")
    submitter = api_token(make_user("submitter"))
    assert client.post("/api/v1/cases/KB-0901/replications", json=REPLICATION, headers=submitter).status_code == 403
    assert client.post("/api/v1/cases/KB-0902/replications", json=REPLICATION).status_code == 401
    response = client.post("/api/v1/cases/KB-0902/replications", json={**REPLICATION, "status": "done"},
                           headers=submitter)
    assert response.status_code == 400 and "status" in response.get_json()["error"]["fields"]
    assert client.post("/api/v1/cases/KB-0902/replications", json=REPLICATION, headers=submitter).status_code == 201
    assert client.post("/api/v1/cases/KB-0902/replications", json=REPLICATION, headers=submitter).status_code == 409
    make_org("nodal-agency", "nodal_agency", None)
    stateless = api_token(make_user("submitter", org="nodal-agency"))
    response = client.post("/api/v1/cases/KB-0902/replications", json=REPLICATION, headers=stateless)
    assert response.status_code == 400 and set(response.get_json()["error"]["fields"]) == {"state"}
    record_id = client.get("/api/v1/cases/KB-0902/replications").get_json()["results"][0]["id"]
    make_org("mh-it", "state_department", "MH")
    other_state = api_token(make_user("submitter", org="mh-it"))
    assert client.patch(f"/api/v1/replications/{record_id}", json={"status": "adopted"},
                        headers=other_state).status_code == 403
    assert client.get("/api/v1/replications/123456").status_code == 404
    assert client.get("/api/v1/replications/abc").status_code == 404


def test_replications_of_an_archived_case_are_not_found(client, make_submission, make_user, api_token):
    case, people = make_submission("published", state="TN")
    headers = api_token(make_user("submitter", org="ka-other"))
    assert client.post(f"/api/v1/cases/{case.public_id}/replications", json=REPLICATION,
                       headers=headers).status_code == 201
    submissions.take_action(people["reviewer"], case.public_id, "archive", note="withdrawn")
    db.session.commit()
    assert client.get(f"/api/v1/cases/{case.public_id}/replications").status_code == 404


# ---------------------------------------------------------------------------------------------------
# The OpenAPI document describes these endpoints


def test_the_openapi_document_describes_the_adoption_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    adoptions_path = document["paths"]["/cases/{public_id}/adoptions"]
    assert {"get", "post"} <= set(adoptions_path)
    assert adoptions_path["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TrainingUseRequest"}
    assert {"ati", "programme", "date", "participants"} <= set(document["components"]["schemas"]["TrainingUse"]["required"])
    assert "/replications/{replication_id}" in document["paths"]
