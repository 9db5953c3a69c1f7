"""/api/v1/openapi.json: valid OpenAPI 3.1, in step with the routes, and true of real responses."""
from __future__ import annotations

import io
import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry
from referencing.jsonschema import DRAFT202012

DOCUMENT_URI = "urn:kb:openapi"


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def api_routes(app) -> set[tuple[str, str]]:
    """(path as OpenAPI writes it, relative to the /api/v1 server; method) for every API route."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def documented(document) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items() for method in item
            if method in {"get", "put", "post", "delete", "patch"}}


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate_openapi(document)


def test_every_api_route_is_documented_and_every_documented_path_is_a_route(app, document):
    assert document["servers"] == [{"url": "/api/v1"}]
    routes, described = api_routes(app), documented(document)
    assert routes - described == set(), "routes missing from the OpenAPI document"
    assert described - routes == set(), "documented paths that are not routes"


def test_every_operation_documents_its_errors_and_its_path_parameters(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert {"401", "429"} <= set(operation["responses"]), (path, method)
            named = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
            assert named == set(re.findall(r"{([^}]+)}", path)), (path, method)


def test_endpoints_that_need_a_token_say_so(app, client, document):
    """An operation documented as needing a token answers 401 without one, and the others do not."""
    for path, method in documented(document):
        operation = document["paths"][path][method]
        needs_token = {} not in operation["security"]
        url = "/api/v1" + path.replace("{public_id}", "KB-0001").replace("{key}", "nothing")
        status = client.open(url, method=method.upper()).status_code
        assert (status == 401) == needs_token, (method, path, status)


# ---------------------------------------------------------------------------------------------------
# Real responses against the schemas


def check(document, path: str, method: str, response, status: int | None = None) -> dict:
    """Assert that ``response`` is one the document describes for this operation, and return its JSON."""
    status = status or response.status_code
    assert response.status_code == status, response.get_data(as_text=True)
    described = document["paths"][path][method]["responses"][str(status)]
    if "$ref" in described:
        described = document["components"]["responses"][described["$ref"].rsplit("/", 1)[1]]
    schema = described["content"]["application/json"]["schema"]
    registry = Registry().with_resource(DOCUMENT_URI, DRAFT202012.create_resource(document))
    validator = Draft202012Validator({"$ref": DOCUMENT_URI + schema["$ref"]}, registry=registry)
    body = response.get_json()
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]
    assert not problems, f"{method.upper()} {path} {status}:\n" + "\n".join(problems)
    return body


def test_library_responses_match_their_schemas(client, document, make_case):
    make_case(901)
    make_case(902, title="Kiosks for land records in every taluk")
    check(document, "/taxonomy", "get", client.get("/api/v1/taxonomy"))
    check(document, "/cases", "get", client.get("/api/v1/cases?q=land&per_page=5"))
    check(document, "/cases/{public_id}", "get", client.get("/api/v1/cases/KB-0901"))
    check(document, "/cases/{public_id}/similar", "get", client.get("/api/v1/cases/KB-0901/similar"))
    check(document, "/cases/{public_id}", "get", client.get("/api/v1/cases/KB-0999"), 404)
    check(document, "/cases", "get", client.get("/api/v1/cases?per_page=500"), 400)


def test_workflow_responses_match_their_schemas(client, document, make_user, api_token, submission_data):
    submitter, reviewer = make_user("submitter"), make_user("reviewer")
    mine, theirs = api_token(submitter), api_token(reviewer)
    created = check(document, "/submissions", "post",
                    client.post("/api/v1/submissions", json=submission_data(), headers=mine), 201)
    public_id = created["id"]
    base = f"/api/v1/submissions/{public_id}"
    check(document, "/submissions/{public_id}", "patch",
          client.patch(base, json={"summary": "Copies printed at the door."}, headers=mine))
    check(document, "/submissions/{public_id}/attachments", "post",
          client.post(f"{base}/attachments", headers=mine, content_type="multipart/form-data",
                      data={"file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "report.pdf")}), 201)
    check(document, "/submissions/{public_id}/submit", "post", client.post(f"{base}/submit", headers=mine))
    check(document, "/submissions/{public_id}/review", "post",
          client.post(f"{base}/review", json={"action": "claim"}, headers=theirs))
    check(document, "/submissions/{public_id}/comments", "post",
          client.post(f"{base}/comments", json={"body": "Which districts?"}, headers=theirs), 201)
    check(document, "/submissions/{public_id}/review", "post",
          client.post(f"{base}/review", json={"action": "approve"}, headers=theirs))
    check(document, "/submissions/{public_id}", "get", client.get(base, headers=mine))
    check(document, "/submissions", "get", client.get("/api/v1/submissions", headers=theirs))
    check(document, "/cases/{public_id}/revisions", "post",
          client.post(f"/api/v1/cases/{public_id}/revisions", headers=mine), 201)
    check(document, "/notifications", "get", client.get("/api/v1/notifications", headers=mine))
    check(document, "/notifications/read", "post", client.post("/api/v1/notifications/read", headers=mine))
    check(document, "/me", "get", client.get("/api/v1/me", headers=theirs))


def test_error_responses_match_the_error_schema(client, document, make_submission, api_token, make_user):
    case, people = make_submission("submitted")
    base = f"/api/v1/submissions/{case.public_id}"
    submitter, reviewer = api_token(people["submitter"]), api_token(people["reviewer"])
    check(document, "/submissions", "post", client.post("/api/v1/submissions", json={}), 401)
    check(document, "/submissions/{public_id}/review", "post",
          client.post(f"{base}/review", json={"action": "approve"}, headers=reviewer), 409)
    check(document, "/submissions/{public_id}/review", "post",
          client.post(f"{base}/review", json={"action": "claim"}, headers=submitter), 403)
    check(document, "/submissions/{public_id}", "get",
          client.get(base, headers=api_token(make_user("trainer"))), 404)
    body = check(document, "/submissions/{public_id}", "patch",
                 client.patch(base, data="{", content_type="application/json", headers=submitter), 400)
    assert "body" in body["error"]["fields"]
