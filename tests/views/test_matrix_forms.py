"""Every role × every action × every state, through the site's HTML forms, against tests/matrix_spec.py.

The same table as the JSON API's matrix (tests/api/test_matrix.py), with the site's answers: a page that
needs a login sends an anonymous visitor to ``/login``; ``ok`` is the page (200) for ``view`` and a
redirect after the POST (302) for every change; ``forbidden``, ``hidden`` and ``conflict`` are 403, 404
and 409 pages. Every POST carries the session's CSRF token, as a browser's would. A refused action must
leave the case exactly as it was; after an action that changed the case, the next one gets a fresh case.
"""
from __future__ import annotations

import re

import pytest

from kb.services.case_fields import read_revision
from kb.extensions import db
from kb.services import submissions
from tests.matrix_spec import ACTIONS, CHANGES_STATE, NOTES, ROLES, STATES, create_people, expected
from tests.views.screens import csrf_token, form_fields

STATUS = {"forbidden": 403, "hidden": 404, "conflict": 409}


@pytest.fixture
def app_config(app_config):
    """Publishing need not reach a search index here."""
    return {**app_config, "KB_INDEX_SYNC": "manual"}


@pytest.fixture
def people(make_org):
    """One account per role (no passwords: each logs in through a server-side session, as the form would)."""
    return create_people(make_org)


@pytest.fixture
def browsers(app, people, login_as):
    """A logged-in test client per role (and one anonymous), each with its session's CSRF token."""
    clients = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            login_as(client, people[role])
        clients[role] = (client, csrf_token(client))
    return clients


def perform(client, token: str, action: str, public_id: str):
    base = f"/submissions/{public_id}"
    if action == "view":
        return client.get(base)
    if action == "edit":
        revision = submissions.find_case(public_id).working_revision
        fields = form_fields({**read_revision(revision), "year": revision.year_started})
        fields.update(summary="Village officers now print certified copies at the citizen's home.",
                      lock_version=str(revision.lock_version), intent="save", csrf_token=token)
        return client.post(f"{base}/edit", data=fields)
    if action == "comment":
        return client.post(f"{base}/comments", data={"body": "Which districts came first?", "csrf_token": token})
    if action == "new_revision":
        return client.post(f"{base}/new-version", data={"csrf_token": token})
    return client.post(f"{base}/actions/{action}", data={"note": NOTES.get(action, ""), "csrf_token": token})


def snapshot(public_id: str) -> tuple:
    db.session.expire_all()
    case = submissions.find_case(public_id)
    revision = case.working_revision
    return (revision.number, revision.status, revision.lock_version, case.published_revision_id,
            len(submissions.history(case)), len(submissions.comments(case)))


def answered(response, action: str, outcome: str) -> bool:
    if outcome == "login":
        return response.status_code == 302 and re.search(r"/login\?next=", response.headers["Location"]) is not None
    if outcome == "ok":
        return response.status_code == (200 if action == "view" else 302)
    return response.status_code == STATUS[outcome]


@pytest.mark.parametrize("state", STATES)
def test_every_role_and_action_on_a_submission_in_state_through_the_forms(state, people, browsers, make_submission):
    def fresh_case() -> str:
        case, _ = make_submission(state, submitter=people["own_submitter"], reviewer=people["claimant"])
        assert case.working_revision.status == state
        return case.public_id

    public_id = fresh_case()
    wrong = []
    for action in ACTIONS:
        for role in ROLES:
            outcome = expected(role, action, state)
            client, token = browsers[role]
            before = snapshot(public_id)
            response = perform(client, token, action, public_id)
            if not answered(response, action, outcome):
                wrong.append(f"{role:<16}{action:<16}expected {outcome}, got {response.status_code} "
                             f"{response.headers.get('Location', '')}")
            if outcome != "ok":
                if snapshot(public_id) != before:
                    wrong.append(f"{role:<16}{action:<16}was refused but changed the case")
            elif action in CHANGES_STATE:
                public_id = fresh_case()
    assert not wrong, f"\nstate {state}:\n" + "\n".join(wrong)
