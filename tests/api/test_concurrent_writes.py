"""Concurrent writers are queued, never refused: many clients creating, editing and submitting at the
same moment, from threads of one process and from separate processes, on SQLite and on PostgreSQL.
No answer is a 500 or a 409, every submission is kept, and every case number is handed out once."""
from __future__ import annotations

import multiprocessing
import threading

from sqlalchemy import func, select

from kb import create_app
from kb.extensions import db
from kb.models import Case, StatusEvent
from tests.conftest import SUBMISSION

THREADS = 8
PROCESSES = 3
CREATES_EACH = 4


def create_edit_and_submit(client, headers: dict, count: int) -> list[tuple[str, int]]:
    """What a busy client does: create a draft, edit it, submit it; returns (step, status) per request."""
    answers = []
    for index in range(count):
        created = client.post("/api/v1/submissions", json={**SUBMISSION, "title": f"Concurrent case {index}"},
                              headers=headers)
        answers.append(("create", created.status_code))
        if created.status_code != 201:
            continue
        public_id = created.get_json()["id"]
        answers.append(("edit", client.patch(f"/api/v1/submissions/{public_id}",
                                             json={"department": "Revenue and Disaster Management"},
                                             headers=headers).status_code))
        answers.append(("submit", client.post(f"/api/v1/submissions/{public_id}/submit",
                                              headers=headers).status_code))
    return answers


def _expected(count: int) -> list[tuple[str, int]]:
    return [("create", 201), ("edit", 200), ("submit", 200)] * count


def _kept(submitter_count: int) -> tuple[int, int, int]:
    db.session.rollback()
    cases = db.session.scalar(select(func.count()).select_from(Case))
    numbers = db.session.scalar(select(func.count(func.distinct(Case.number))))
    submits = db.session.scalar(select(func.count()).select_from(StatusEvent).where(StatusEvent.action == "submit"))
    return cases, numbers, submits


def test_threads_creating_editing_and_submitting_at_once_are_all_served(app, make_user, api_token):
    headers = [api_token(make_user("submitter")) for _ in range(THREADS)]
    db.session.commit()  # the test's own transaction must not hold the write lock while the threads run
    answers: dict[int, list] = {}
    start = threading.Barrier(THREADS)

    def client_thread(number: int):
        client = app.test_client()
        start.wait()
        answers[number] = create_edit_and_submit(client, headers[number], CREATES_EACH)

    threads = [threading.Thread(target=client_thread, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(answers[n] == _expected(CREATES_EACH) for n in range(THREADS)), answers
    total = THREADS * CREATES_EACH
    assert _kept(THREADS) == (total, total, total)


def _process_client(config: dict, header: dict, count: int, start, results) -> None:
    app = create_app(config)
    with app.app_context():
        start.wait()
        results.put(create_edit_and_submit(app.test_client(), header, count))
        db.engine.dispose()


def test_processes_writing_to_one_database_at_once_are_all_served(app, app_config, make_user, api_token):
    headers = [api_token(make_user("submitter")) for _ in range(PROCESSES)]
    db.session.commit()
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(PROCESSES), context.Queue()
    config = {key: value for key, value in app_config.items() if key != "SERVER_NAME"}
    processes = [context.Process(target=_process_client, args=(config, headers[n], CREATES_EACH, start, results))
                 for n in range(PROCESSES)]
    for process in processes:
        process.start()
    answers = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert answers == [_expected(CREATES_EACH)] * PROCESSES
    total = PROCESSES * CREATES_EACH
    assert _kept(PROCESSES) == (total, total, total)


def test_case_numbers_continue_after_imported_cases_and_are_never_reused(app, make_case, make_user, api_token):
    make_case(45)
    headers = api_token(make_user("submitter"))
    client = app.test_client()
    first = client.post("/api/v1/submissions", json=SUBMISSION, headers=headers).get_json()["id"]
    make_case(47)  # the content folder may number a case ahead of the site
    second = client.post("/api/v1/submissions", json=SUBMISSION, headers=headers).get_json()["id"]
    third = client.post("/api/v1/submissions", json=SUBMISSION, headers=headers).get_json()["id"]
    assert (first, second, third) == ("KB-0046", "KB-0048", "KB-0049")


def test_approvals_at_once_that_bring_the_same_new_tag_are_all_published(app, make_user, make_submission,
                                                                         api_token):
    """The first cases with a tag create it; two of them approved at the same moment both did (issue 13's
    load benchmark: a 500 for a duplicate tag name on PostgreSQL). Neither may fail, the tag exists once."""
    from kb.models import Tag

    reviewers = [make_user("reviewer") for _ in range(THREADS)]
    cases = [make_submission("in_review", reviewer=reviewer, title=f"A practice with a new tag {number}",
                             tags=["brand-new-tag", f"own-tag-{number}"])[0]
             for number, reviewer in enumerate(reviewers)]
    headers = [api_token(reviewer) for reviewer in reviewers]
    public_ids = [case.public_id for case in cases]
    db.session.commit()
    answers: dict[int, int] = {}
    start = threading.Barrier(THREADS)

    def approve(number: int):
        client = app.test_client()
        start.wait()
        answers[number] = client.post(f"/api/v1/submissions/{public_ids[number]}/review",
                                      json={"action": "approve"}, headers=headers[number]).status_code

    threads = [threading.Thread(target=approve, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {number: 200 for number in range(THREADS)}
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Tag).where(Tag.name == "brand-new-tag")) == 1
    for case in cases:
        db.session.refresh(case)
        assert case.published_revision_id is not None
        assert sorted(tag.name for tag in case.tags) == sorted(["brand-new-tag", f"own-tag-{cases.index(case)}"])
