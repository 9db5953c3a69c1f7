"""Every role × every action × every state, through the JSON API, against the table in tests/matrix_spec.py.

One test per state. The people and their tokens are made once per state; each role then tries each action
on a case in that state. A case is replaced by a fresh one after an action changed its state, and an
action that was refused must leave the case exactly as it was (status, lock_version, history, comments).
Every wrong cell is collected, so a failure lists all of them at once.
"""
from __future__ import annotations

import pytest

from kb.services import submissions
from tests.matrix_spec import ACTIONS, CHANGES_STATE, NOTES, ROLES, STATES, create_people, expected

STATUS = {"ok": 200, "forbidden": 403, "hidden": 404, "conflict": 409, "login": 401}
CREATES = {"comment", "new_revision"}  # "ok" is 201 for these


@pytest.fixture
def app_config(app_config):
    """Publishing need not reach a search index here: the index is synced on demand (never, in this test)."""
    return {**app_config, "KB_INDEX_SYNC": "manual"}


@pytest.fixture
def people(make_org):
    """One account per role; no passwords (the API uses tokens, and hashing is slow on purpose)."""
    return create_people(make_org)


def perform(client, headers: dict, action: str, public_id: str):
    submission = f"/api/v1/submissions/{public_id}"
    case = f"/api/v1/cases/{public_id}"
    if action == "view":
        return client.get(submission, headers=headers)
    if action == "edit":
        return client.patch(submission, headers=headers,
                            json={"summary": "Village officers now print certified copies at home."})
    if action in ("submit", "withdraw"):
        return client.post(f"{submission}/{action}", headers=headers)
    if action in ("claim", "request_changes", "approve", "reject"):
        return client.post(f"{submission}/review", headers=headers, json={"action": action, "note": NOTES.get(action)})
    if action == "comment":
        return client.post(f"{submission}/comments", headers=headers, json={"body": "Which districts came first?"})
    if action == "new_revision":
        return client.post(f"{case}/revisions", headers=headers)
    if action == "archive":
        return client.post(f"{case}/archive", headers=headers, json={"note": NOTES["archive"]})
    raise ValueError(action)


def snapshot(public_id: str) -> tuple:
    case = submissions.find_case(public_id)
    revision = case.working_revision
    return (revision.number, revision.status, revision.lock_version, case.published_revision_id,
            len(submissions.history(case)), len(submissions.comments(case)))


@pytest.mark.parametrize("state", STATES)
def test_every_role_and_action_on_a_submission_in_state(state, client, people, api_token, make_submission):
    headers = {"anonymous": {}, **{role: api_token(user) for role, user in people.items()}}

    def fresh_case() -> str:
        case, _ = make_submission(state, submitter=people["own_submitter"], reviewer=people["claimant"])
        assert case.working_revision.status == state
        return case.public_id

    public_id = fresh_case()
    wrong = []
    for action in ACTIONS:
        for role in ROLES:
            outcome = expected(role, action, state)
            want = 201 if outcome == "ok" and action in CREATES else STATUS[outcome]
            before = snapshot(public_id)
            response = perform(client, headers[role], action, public_id)
            if response.status_code != want:
                error = (response.get_json(silent=True) or {}).get("error", {})
                wrong.append(f"{role:<16}{action:<16}expected {outcome} ({want}), got {response.status_code}: "
                             f"{error.get('message', '')}")
            if response.status_code >= 400:
                assert response.get_json()["error"]["code"], (role, action)
                if snapshot(public_id) != before:
                    wrong.append(f"{role:<16}{action:<16}was refused but changed the case")
            elif action in CHANGES_STATE:
                public_id = fresh_case()
    assert not wrong, f"\nstate {state}:\n" + "\n".join(wrong)


def test_the_matrix_covers_every_role_action_and_state():
    assert len(ROLES) * len(ACTIONS) * len(STATES) == 616
