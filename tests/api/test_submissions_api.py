"""The submissions API as ../shared/API.md says: create, list, read, edit, the workflow, comments, new versions."""
from __future__ import annotations

import pytest

from kb.extensions import db
from kb.models import Case, StatusEvent
from kb.services import submissions


@pytest.fixture
def submitter(make_user):
    return make_user("submitter")


@pytest.fixture
def as_submitter(submitter, api_token):
    return api_token(submitter)


def error_of(response) -> dict:
    return response.get_json()["error"]


# ---------------------------------------------------------------------------------------------------
# Creating


def test_a_submitter_creates_a_draft_and_is_told_where_it_is(client, as_submitter, submission_data, submitter):
    response = client.post("/api/v1/submissions", json=submission_data(), headers=as_submitter)
    assert response.status_code == 201
    data = response.get_json()
    assert data["status"] == "draft" and data["version"] == 1 and data["id"].startswith("KB-")
    assert response.headers["Location"] == f"http://kb.test/api/v1/submissions/{data['id']}"
    assert data["organization"] == {"slug": "ka-revenue", "name": submitter.organization.name}
    assert data["title"] == "Doorstep delivery of land record copies" and data["tags"] == ["doorstep", "land-records"]
    assert [(e["action"], e["from"], e["to"], e["by"]) for e in data["history"]] == [
        ("create", None, "draft", submitter.name)]
    assert "submit" in data["allowed_actions"] and "edit" in data["allowed_actions"]
    assert client.get(response.headers["Location"], headers=as_submitter).get_json()["id"] == data["id"]


def test_the_answer_to_each_write_is_what_was_committed(client, as_submitter, submission_data, make_user,
                                                       api_token):
    """Each write's answer is written before its commit, from what the change left in the session
    (issue 13: reading it all again cost half a request); it must be what a reader gets right after."""
    as_reviewer = api_token(make_user("reviewer"))
    created = client.post("/api/v1/submissions", json=submission_data(), headers=as_submitter)
    url = created.headers["Location"]
    answers = [created.get_json()]
    assert created.status_code == 201 and answers[-1] == client.get(url, headers=as_submitter).get_json()
    steps = [
        ("patch", url, {"summary": "Certified copies printed at the doorstep by village officers.",
                        "lock_version": answers[-1]["lock_version"]}, as_submitter),
        ("post", f"{url}/submit", None, as_submitter),
        ("post", f"{url}/review", {"action": "claim"}, as_reviewer),
        ("post", f"{url}/review", {"action": "approve"}, as_reviewer),
    ]
    for method, address, body, headers in steps:
        answer = getattr(client, method)(address, json=body, headers=headers)
        assert answer.status_code == 200, answer.get_json()
        db.session.expire_all()
        answers.append(answer.get_json())
        assert answers[-1] == client.get(url, headers=headers).get_json()
    assert [a["status"] for a in answers] == ["draft", "draft", "submitted", "in_review", "published"]
    assert len({a["lock_version"] for a in answers}) == 5 and answers[1]["summary"].startswith("Certified")
    assert answers[-1]["published_version"] == 1 and answers[-1]["case_url"]
    assert [e["action"] for e in answers[-1]["history"]] == ["create", "edit", "submit", "claim", "approve"]


@pytest.mark.parametrize("field, value", [("status", "published"), ("organization", "tn-it"), ("author", "x"),
                                          ("id", "KB-0001"), ("organization_id", 1), ("author_id", 1)])
def test_fields_kb_decides_are_refused_and_never_applied(client, as_submitter, submission_data, field, value):
    response = client.post("/api/v1/submissions", json=submission_data(**{field: value}), headers=as_submitter)
    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert db.session.query(Case).count() == 0


def test_an_unknown_field_is_named_rather_than_ignored(client, as_submitter, submission_data):
    response = client.post("/api/v1/submissions", json=submission_data(titel="typo"), headers=as_submitter)
    assert response.status_code == 400 and error_of(response)["fields"] == {"titel": "is not a field of this request"}


def test_a_draft_needs_a_title_and_an_mmp(client, as_submitter):
    response = client.post("/api/v1/submissions", json={"summary": "Only a summary"}, headers=as_submitter)
    assert response.status_code == 400 and {"title", "mmp"} <= set(error_of(response)["fields"])


@pytest.mark.parametrize("body, content_type, why", [
    ("title=x", "application/x-www-form-urlencoded", "Content-Type must be application/json"),
    ('{"title": "x",', "application/json", "not valid JSON"),
    ('["title"]', "application/json", "must be a JSON object, not an array"),
    ("", "application/json", "missing"),
    (b"\xff\xfe{", "application/json", "not UTF-8"),
])
def test_a_body_that_is_not_a_json_object_is_a_400_naming_the_body(client, as_submitter, body, content_type, why):
    response = client.post("/api/v1/submissions", data=body, content_type=content_type, headers=as_submitter)
    assert response.status_code == 400
    assert why in error_of(response)["fields"]["body"]


@pytest.mark.parametrize("changes, field", [({"title": 42}, "title"), ({"tags": {"a": 1}}, "tags"),
                                            ({"year": "soon"}, "year"), ({"outcomes": "many"}, "outcomes"),
                                            ({"mmp": "no-such-mmp"}, "mmp"), ({"state": "XX"}, "state")])
def test_values_of_the_wrong_type_are_a_400_not_a_500(client, as_submitter, submission_data, changes, field):
    response = client.post("/api/v1/submissions", json=submission_data(**changes), headers=as_submitter)
    assert response.status_code == 400, response.get_json()
    assert field in error_of(response)["fields"]


@pytest.mark.parametrize("role", ["trainer", "reviewer", "admin"])
def test_only_submitters_create_submissions(client, make_user, api_token, submission_data, role):
    response = client.post("/api/v1/submissions", json=submission_data(), headers=api_token(make_user(role)))
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"


# ---------------------------------------------------------------------------------------------------
# Authentication


def test_writing_without_a_token_is_a_401_that_says_how_to_authenticate(client, submission_data):
    response = client.post("/api/v1/submissions", json=submission_data())
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert error_of(response)["code"] == "unauthorized"


@pytest.mark.parametrize("header", ["Bearer kb_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "kb_token"])
def test_a_bad_token_is_a_401_even_on_public_endpoints(client, app, header):
    response = client.get("/api/v1/taxonomy", headers={"Authorization": header})
    assert response.status_code == 401 and error_of(response)["code"] == "unauthorized"


def test_a_revoked_token_is_a_401(client, submitter, submission_data):
    from kb.services import auth

    token, raw = auth.create_api_token(submitter, "script")
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/submissions", headers=headers).status_code == 200
    auth.revoke_api_token(submitter, token.id)
    db.session.commit()
    response = client.post("/api/v1/submissions", json=submission_data(), headers=headers)
    assert response.status_code == 401
    assert client.get("/api/v1/submissions", headers=headers).status_code == 401


def test_a_deactivated_accounts_token_is_a_401(client, submitter, as_submitter):
    submitter.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=as_submitter).status_code == 401


def test_the_site_session_cookie_does_not_authenticate_the_api(client, submitter, login_as, submission_data):
    """The API has no CSRF check, so a browser's session must not be able to act through it."""
    login_as(client, submitter)
    assert client.post("/api/v1/submissions", json=submission_data()).status_code == 401


def test_many_bad_tokens_from_one_address_are_answered_429_but_a_valid_token_still_works(
        client, app, make_user, api_token):
    from kb.services import auth

    good = api_token(make_user("submitter"))
    for _ in range(auth.MAX_FAILURES_PER_ADDRESS):
        assert client.get("/api/v1/me", headers={"Authorization": "Bearer kb_guess"}).status_code == 401
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer kb_guess"})
    assert response.status_code == 429 and error_of(response)["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0
    # Whoever else is behind the address (a NAT, a proxy), a valid token is never refused.
    assert client.get("/api/v1/me", headers=good).status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer kb_guess"}).status_code == 429
    assert client.get("/api/v1/taxonomy").status_code == 200  # reading without a token is unaffected


def test_me_says_who_the_token_belongs_to(client, submitter, as_submitter):
    data = client.get("/api/v1/me", headers=as_submitter).get_json()
    assert data["email"] == submitter.email and data["role"] == "submitter"
    assert data["organization"]["slug"] == "ka-revenue"


def test_a_tokens_last_use_is_recorded(client, submitter):
    from kb.services import auth

    token, raw = auth.create_api_token(submitter, "script")
    db.session.commit()
    assert token.last_used_at is None
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    db.session.expire_all()
    assert auth.list_api_tokens(submitter)[0].last_used_at is not None


# ---------------------------------------------------------------------------------------------------
# Reading


def test_the_list_is_the_callers_organisations_paginated(client, make_submission, make_user, api_token, submitter):
    for _ in range(3):
        make_submission("draft", submitter=submitter)
    make_submission("submitted", submitter=make_user("submitter", org="tn-it"))
    headers = api_token(submitter)
    page = client.get("/api/v1/submissions?per_page=2&page=2", headers=headers).get_json()
    assert (page["total"], page["page"], page["per_page"], len(page["results"])) == (3, 2, 2, 1)
    assert set(page["results"][0]) >= {"id", "title", "status", "version", "organization", "updated_at", "url"}
    reviewer = api_token(make_user("reviewer"))
    assert client.get("/api/v1/submissions", headers=reviewer).get_json()["total"] == 1  # drafts are not theirs
    only = client.get("/api/v1/submissions?status=submitted", headers=headers).get_json()
    assert only["total"] == 0


@pytest.mark.parametrize("query, field", [("status=nonsense", "status"), ("page=0", "page"), ("per_page=101", "per_page")])
def test_bad_list_parameters_are_a_400_naming_them(client, as_submitter, query, field):
    response = client.get(f"/api/v1/submissions?{query}", headers=as_submitter)
    assert response.status_code == 400 and field in error_of(response)["fields"]


def test_the_detail_carries_history_and_comments(client, make_submission, api_token):
    case, people = make_submission("changes_requested")
    submissions.add_comment(people["reviewer"], case.public_id, "Add the number of villages.")
    db.session.commit()
    data = client.get(f"/api/v1/submissions/{case.public_id}", headers=api_token(people["submitter"])).get_json()
    assert [(e["action"], e["from"], e["to"]) for e in data["history"]] == [
        ("create", None, "draft"), ("submit", "draft", "submitted"), ("claim", "submitted", "in_review"),
        ("request_changes", "in_review", "changes_requested")]
    assert data["history"][-1]["note"] == "needs work" and data["history"][-1]["by"] == people["reviewer"].name
    assert [(c["by"], c["body"]) for c in data["comments"]] == [(people["reviewer"].name, "Add the number of villages.")]
    assert data["status"] == "changes_requested" and data["claimed_by"] == people["reviewer"].name
    assert isinstance(data["lock_version"], int) and data["attachments"] == []


def test_someone_elses_draft_is_a_404_like_a_missing_one(client, make_submission, make_user, api_token):
    case, _ = make_submission("draft")
    headers = api_token(make_user("submitter", org="tn-it"))
    for path in (f"/api/v1/submissions/{case.public_id}", "/api/v1/submissions/KB-9999", "/api/v1/submissions/nonsense"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404 and error_of(response)["code"] == "not_found", path


# ---------------------------------------------------------------------------------------------------
# Editing and the workflow


def test_patch_changes_only_the_fields_sent(client, make_submission, api_token):
    case, people = make_submission("draft")
    response = client.patch(f"/api/v1/submissions/{case.public_id}", headers=api_token(people["submitter"]),
                            json={"summary": "Certified copies printed at the citizen's door."})
    assert response.status_code == 200
    data = response.get_json()
    assert data["summary"] == "Certified copies printed at the citizen's door."
    assert data["title"] == "Doorstep delivery of land record copies"
    assert data["history"][-1]["action"] == "edit" and "summary" in data["history"][-1]["note"]


def test_patch_with_a_stale_lock_version_is_a_409_and_changes_nothing(client, make_submission, api_token):
    case, people = make_submission("draft")
    headers = api_token(people["submitter"])
    url = f"/api/v1/submissions/{case.public_id}"
    seen = client.get(url, headers=headers).get_json()["lock_version"]
    assert client.patch(url, headers=headers, json={"title": "First edit", "lock_version": seen}).status_code == 200
    response = client.patch(url, headers=headers, json={"title": "Second edit on a stale copy", "lock_version": seen})
    assert response.status_code == 409 and "lock_version" in error_of(response)["fields"]
    assert client.get(url, headers=headers).get_json()["title"] == "First edit"


@pytest.mark.parametrize("body, field", [({}, "body"), ({"lock_version": "3"}, "lock_version"),
                                         ({"status": "published"}, "status")])
def test_a_patch_that_changes_nothing_or_is_malformed_is_a_400(client, make_submission, api_token, body, field):
    case, people = make_submission("draft")
    response = client.patch(f"/api/v1/submissions/{case.public_id}", headers=api_token(people["submitter"]), json=body)
    assert response.status_code == 400 and field in error_of(response)["fields"]


def test_submitting_an_incomplete_draft_names_each_missing_field(client, as_submitter):
    created = client.post("/api/v1/submissions", json={"title": "Work in progress", "mmp": "e-district"},
                          headers=as_submitter).get_json()
    response = client.post(f"/api/v1/submissions/{created['id']}/submit", headers=as_submitter)
    assert response.status_code == 400
    assert {"summary", "department", "year", "stage", "body"} <= set(error_of(response)["fields"])


def test_a_transition_the_state_does_not_allow_is_a_409_naming_the_state(client, make_submission, api_token):
    case, people = make_submission("submitted")
    response = client.post(f"/api/v1/submissions/{case.public_id}/review", headers=api_token(people["reviewer"]),
                           json={"action": "approve"})
    assert response.status_code == 409 and "submitted" in error_of(response)["message"]


@pytest.mark.parametrize("action", ["request_changes", "reject"])
def test_request_changes_and_reject_need_a_note(client, make_submission, api_token, action):
    case, people = make_submission("in_review")
    response = client.post(f"/api/v1/submissions/{case.public_id}/review", headers=api_token(people["reviewer"]),
                           json={"action": action, "note": "  "})
    assert response.status_code == 400 and "note" in error_of(response)["fields"]


@pytest.mark.parametrize("body", [{"action": "archive"}, {"action": "publish"}, {"note": "no action"}])
def test_review_takes_only_the_four_review_actions(client, make_submission, api_token, body):
    case, people = make_submission("in_review")
    response = client.post(f"/api/v1/submissions/{case.public_id}/review", headers=api_token(people["reviewer"]),
                           json=body)
    assert response.status_code == 400 and "action" in error_of(response)["fields"]


def test_a_decision_on_a_stale_lock_version_is_refused(client, make_submission, api_token):
    case, people = make_submission("in_review")
    headers = api_token(people["reviewer"])
    url = f"/api/v1/submissions/{case.public_id}"
    seen = client.get(url, headers=headers).get_json()["lock_version"]
    submissions.save_checklist(people["reviewer"], case.public_id, {"completeness": True})
    db.session.commit()
    response = client.post(f"{url}/review", headers=headers, json={"action": "approve", "lock_version": seen})
    assert response.status_code == 409
    assert client.get(url, headers=headers).get_json()["status"] == "in_review"


def test_from_draft_to_published_and_then_a_second_version(client, app, make_user, api_token, submission_data):
    submitter, reviewer = make_user("submitter"), make_user("reviewer")
    mine, theirs = api_token(submitter), api_token(reviewer)
    created = client.post("/api/v1/submissions", json=submission_data(), headers=mine).get_json()
    url = f"/api/v1/submissions/{created['id']}"
    assert client.get(f"/api/v1/cases/{created['id']}").status_code == 404  # not public yet
    assert client.post(f"{url}/submit", headers=mine).get_json()["status"] == "submitted"
    assert client.post(f"{url}/review", json={"action": "claim"}, headers=theirs).get_json()["status"] == "in_review"
    published = client.post(f"{url}/review", json={"action": "approve", "note": "Clear and well sourced."},
                            headers=theirs).get_json()
    assert published["status"] == "published" and published["published_version"] == 1
    assert published["case_url"] == f"http://kb.test/cases/{created['id']}"
    public = client.get(f"/api/v1/cases/{created['id']}").get_json()
    assert public["title"] == "Doorstep delivery of land record copies" and public["version"] == 1

    response = client.post(f"/api/v1/cases/{created['id']}/revisions", headers=mine)
    assert response.status_code == 201 and response.headers["Location"].endswith(url)
    draft = response.get_json()
    assert (draft["status"], draft["version"], draft["published_version"]) == ("draft", 2, 1)
    client.patch(url, json={"title": "Doorstep delivery, second edition"}, headers=mine)
    assert client.get(f"/api/v1/cases/{created['id']}").get_json()["title"] == "Doorstep delivery of land record copies"
    client.post(f"{url}/submit", headers=mine)
    client.post(f"{url}/review", json={"action": "claim"}, headers=theirs)
    client.post(f"{url}/review", json={"action": "approve"}, headers=theirs)
    public = client.get(f"/api/v1/cases/{created['id']}").get_json()
    assert (public["title"], public["version"]) == ("Doorstep delivery, second edition", 2)


def test_withdraw_returns_a_submission_to_draft(client, make_submission, api_token):
    case, people = make_submission("submitted")
    response = client.post(f"/api/v1/submissions/{case.public_id}/withdraw", headers=api_token(people["submitter"]))
    assert response.status_code == 200 and response.get_json()["status"] == "draft"


def test_archive_needs_a_reason_and_takes_the_case_out_of_the_library(client, make_submission, api_token):
    case, people = make_submission("published")
    headers = api_token(people["reviewer"])
    response = client.post(f"/api/v1/cases/{case.public_id}/archive", headers=headers)
    assert response.status_code == 400 and "note" in error_of(response)["fields"]
    response = client.post(f"/api/v1/cases/{case.public_id}/archive", headers=headers,
                           json={"note": "Replaced by the national scheme."})
    assert response.status_code == 200 and response.get_json()["status"] == "archived"
    assert response.get_json()["history"][-1]["note"] == "Replaced by the national scheme."
    assert client.get(f"/api/v1/cases/{case.public_id}").status_code == 404


def test_comments_are_created_and_notify_the_other_side(client, make_submission, api_token):
    case, people = make_submission("in_review")
    response = client.post(f"/api/v1/submissions/{case.public_id}/comments", headers=api_token(people["reviewer"]),
                           json={"body": "Please add the number of villages."})
    assert response.status_code == 201
    comment = response.get_json()
    assert comment["body"] == "Please add the number of villages." and comment["by"] == people["reviewer"].name
    notes = client.get("/api/v1/notifications", headers=api_token(people["submitter"])).get_json()
    assert notes["results"][0]["kind"] == "comment" and notes["results"][0]["case"] == case.public_id


@pytest.mark.parametrize("body", [{"body": ""}, {"body": None}, {"body": 5}, {"text": "hello"}])
def test_an_empty_or_malformed_comment_is_a_400(client, make_submission, api_token, body):
    case, people = make_submission("in_review")
    response = client.post(f"/api/v1/submissions/{case.public_id}/comments", headers=api_token(people["reviewer"]),
                           json=body)
    assert response.status_code == 400


def test_the_audit_trail_is_append_only_through_the_api_too(client, make_submission, api_token):
    case, people = make_submission("published")
    before = db.session.query(StatusEvent).count()
    for method in ("put", "delete", "patch"):
        getattr(client, method)(f"/api/v1/submissions/{case.public_id}/history", headers=api_token(people["reviewer"]))
    assert db.session.query(StatusEvent).count() == before


# ---------------------------------------------------------------------------------------------------
# Notifications


def test_notifications_are_listed_paginated_and_marked_read(client, make_submission, api_token):
    case, people = make_submission("rejected")  # claimed, then rejected: two notifications for the submitter
    headers = api_token(people["submitter"])
    data = client.get("/api/v1/notifications?per_page=1", headers=headers).get_json()
    assert (data["total"], data["per_page"], data["unread"], len(data["results"])) == (2, 1, 2, 1)
    assert data["results"][0]["kind"] == "rejected" and data["results"][0]["read"] is False
    first = data["results"][0]["id"]
    marked = client.post("/api/v1/notifications/read", json={"ids": [first]}, headers=headers).get_json()
    assert marked == {"marked": 1, "unread": 1}
    assert client.get("/api/v1/notifications?unread=true", headers=headers).get_json()["total"] == 1
    assert client.post("/api/v1/notifications/read", headers=headers).get_json() == {"marked": 1, "unread": 0}


def test_nobody_marks_someone_elses_notifications(client, make_submission, make_user, api_token):
    case, people = make_submission("rejected")
    theirs = client.get("/api/v1/notifications", headers=api_token(people["submitter"])).get_json()["results"]
    other = api_token(make_user("submitter"))
    assert client.post("/api/v1/notifications/read", json={"ids": [n["id"] for n in theirs]},
                       headers=other).get_json()["marked"] == 0


# ---------------------------------------------------------------------------------------------------
# Attachments


PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_a_file_is_attached_downloaded_and_removed(client, make_submission, api_token):
    import io

    case, people = make_submission("draft")
    headers = api_token(people["submitter"])
    response = client.post(f"/api/v1/submissions/{case.public_id}/attachments", headers=headers,
                           data={"file": (io.BytesIO(PDF), "रिपोर्ट.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    attachment = response.get_json()
    assert (attachment["name"], attachment["content_type"], attachment["size"]) == ("रिपोर्ट.pdf", "application/pdf",
                                                                                    len(PDF))
    detail = client.get(f"/api/v1/submissions/{case.public_id}", headers=headers).get_json()
    assert [a["key"] for a in detail["attachments"]] == [attachment["key"]]
    assert response.headers["Location"] == attachment["url"] == f"http://kb.test/api/v1/attachments/{attachment['key']}"
    download = client.get(attachment["url"], headers=headers)
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E0%A4%B0" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "private, no-store"
    assert client.get(attachment["url"]).status_code == 404  # a draft's file, anonymously
    assert client.delete(f"/api/v1/attachments/{attachment['key']}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/submissions/{case.public_id}", headers=headers).get_json()["attachments"] == []


def test_an_upload_over_the_limit_is_a_413_and_leaves_nothing(client, app, make_submission, api_token):
    import io

    from kb.models import Attachment

    app.config["KB_MAX_UPLOAD_BYTES"] = 1000
    case, people = make_submission("draft")
    response = client.post(f"/api/v1/submissions/{case.public_id}/attachments", headers=api_token(people["submitter"]),
                           data={"file": (io.BytesIO(PDF + b"0" * 1000), "big.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 413 and error_of(response)["code"] == "too_large"
    assert db.session.query(Attachment).count() == 0


def test_a_request_body_over_the_server_limit_is_a_json_413(client, app, as_submitter):
    app.config["MAX_CONTENT_LENGTH"] = 100
    response = client.post("/api/v1/submissions", data="{" + " " * 200 + "}", content_type="application/json",
                           headers=as_submitter)
    assert response.status_code == 413 and error_of(response)["code"] == "too_large"


# ---------------------------------------------------------------------------------------------------
# The reviewer's evidence check and checklist, as on the submission page

SOURCE = "https://example.org/evaluation"


def _figures(*grades):
    return [{"label": f"Figure {i}", "before": 10, "after": 1, "unit": "days", "source": SOURCE,
             "period": "2023-24", "evidence": grade} for i, grade in enumerate(grades, 1)]


def test_the_claiming_reviewer_confirms_and_lowers_grades_through_the_api_and_the_case_shows_them(
        client, make_submission, api_token):
    case, people = make_submission("in_review", outcomes=_figures("documented", "audited"))
    as_reviewer = api_token(people["reviewer"])
    response = client.post(f"/api/v1/submissions/{case.public_id}/evidence", headers=as_reviewer,
                           json={"grades": {"1": "self_reported", "2": "audited"}, "review_months": 6})
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["evidence_check"] == {"review_months": 6, "figures": [
        {"figure": 1, "label": "Figure 1", "claimed": "documented", "reviewed": "self_reported"},
        {"figure": 2, "label": "Figure 2", "claimed": "audited", "reviewed": "audited"}]}
    lines = [e for e in data["history"] if e["action"] == "grade_evidence"]
    assert [e["note"] for e in lines] == [
        "figure 1: lowered from documented to self_reported; figure 2: confirmed audited; re-verify every 6 months"]
    approved = client.post(f"/api/v1/submissions/{case.public_id}/review", headers=as_reviewer,
                           json={"action": "approve"})
    assert approved.get_json()["status"] == "published"
    public = client.get(f"/api/v1/cases/{case.public_id}").get_json()
    assert [(o["evidence"], o["evidence_reviewed"]) for o in public["outcomes"]] == [
        ("self_reported", True), ("audited", True)]
    assert public["evidence"]["level"] == "self_reported"  # the lower of two figures
    assert "Overall evidence: Self-reported." in client.get(f"/en/cases/{case.public_id}").get_data(as_text=True)


def test_raising_a_grade_through_the_api_is_a_400_naming_the_figure_and_changes_nothing(
        client, make_submission, api_token):
    case, people = make_submission("in_review", outcomes=_figures("documented"))
    as_reviewer = api_token(people["reviewer"])
    response = client.post(f"/api/v1/submissions/{case.public_id}/evidence", headers=as_reviewer,
                           json={"grades": {"1": "audited"}, "review_months": 12})
    assert response.status_code == 400
    assert "not raise it" in error_of(response)["fields"]["grade[1]"]
    data = client.get(f"/api/v1/submissions/{case.public_id}", headers=as_reviewer).get_json()
    assert data["evidence_check"]["figures"][0]["reviewed"] is None and data["evidence_check"]["review_months"] is None
    assert not [e for e in data["history"] if e["action"] == "grade_evidence"]
    for body, field in (({"grades": ["audited"]}, "grades"), ({"grades": {"1": ["x"]}}, "grade[1]"),
                        ({"review_months": True}, "review_months"), ({"review_months": 37}, "review_months"),
                        ({"colour": "red"}, "colour")):
        refused = client.post(f"/api/v1/submissions/{case.public_id}/evidence", headers=as_reviewer, json=body)
        assert refused.status_code == 400 and field in error_of(refused)["fields"], (body, refused.get_json())


def test_only_the_claiming_reviewer_may_check_evidence_or_keep_the_checklist(
        client, make_submission, make_user, api_token):
    case, people = make_submission("in_review", outcomes=_figures("documented"))
    unclaimed, others = make_submission("submitted", outcomes=_figures("documented"))
    for path, method, body in ((f"/api/v1/submissions/{case.public_id}/evidence", "post", {"grades": {"1": "documented"}}),
                               (f"/api/v1/submissions/{case.public_id}/checklist", "put", {"checklist": {"sources": True}})):
        send = getattr(client, method)
        assert send(path, json=body).status_code == 401
        assert send(path, json=body, headers=api_token(people["submitter"])).status_code == 403
        assert send(path, json=body, headers=api_token(make_user("reviewer"))).status_code == 403  # not the claimer
        assert send(path, json=body, headers=api_token(make_user("trainer"))).status_code == 404
        assert send(path.replace(case.public_id, unclaimed.public_id), json=body,
                    headers=api_token(others["reviewer"])).status_code == 409  # not yet in review
        assert send(path, json=body, headers=api_token(people["reviewer"])).status_code == 200


def test_the_reviewer_keeps_the_checklist_through_the_api(client, make_submission, api_token):
    case, people = make_submission("in_review")
    as_reviewer = api_token(people["reviewer"])
    response = client.put(f"/api/v1/submissions/{case.public_id}/checklist", headers=as_reviewer,
                          json={"checklist": {"completeness": True, "sources": True, "replicability": False}})
    assert response.status_code == 200
    assert response.get_json()["checklist"] == {"completeness": True, "impact_evidence": False,
                                                "replicability": False, "sources": True}
    page = client.get(f"/api/v1/submissions/{case.public_id}", headers=api_token(people["submitter"])).get_json()
    assert page["checklist"]["completeness"] is True  # what the submission page shows its organisation too
    for body, field in (({"checklist": {"shiny": True}}, "checklist"), ({"checklist": {"sources": "yes"}},
                                                                        "checklist.sources"),
                        ({"checklist": ["sources"]}, "checklist"), ({}, "checklist")):
        refused = client.put(f"/api/v1/submissions/{case.public_id}/checklist", headers=as_reviewer, json=body)
        assert refused.status_code == 400 and field in error_of(refused)["fields"], (body, refused.get_json())
