"""How kb uses its database engines (kb.database): on SQLite, this host's writers queue in a kernel lock
beside the database before they take SQLite's write lock, and leave it however their transaction ends."""
from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import update

from kb.extensions import db
from kb.models import Organization
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="PostgreSQL queues its writers itself")

# Run in another process: POSIX locks are the process's, so only another process sees this one's.
PROBE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except OSError:
    print("held")
else:
    print("free")
"""


def queue_seen_from_another_process() -> str:
    path = db.engine.url.database + "-writers.lock"
    return subprocess.run([sys.executable, "-c", PROBE, path], capture_output=True, text=True,
                          check=True).stdout.strip()


def rename_first_organisation(connection_or_session, name: str) -> None:
    connection_or_session.execute(update(Organization).where(Organization.id == 1).values(name=name))


@pytest.fixture
def organisation(make_user):
    make_user("submitter")
    db.session.commit()


def test_a_writer_holds_this_hosts_queue_from_its_first_write_to_its_commit(app, organisation):
    assert queue_seen_from_another_process() == "free"
    rename_first_organisation(db.session, "Renamed while others wait")
    assert queue_seen_from_another_process() == "held"
    db.session.commit()
    assert queue_seen_from_another_process() == "free"


def test_no_file_is_kept_open_between_turns(app, organisation):
    """A process meets many databases (the test suite one per test): a descriptor kept per database
    would run out."""
    import os

    def open_queue_files() -> int:
        count = 0
        for fd in os.listdir("/proc/self/fd"):
            try:
                count += os.readlink(f"/proc/self/fd/{fd}").endswith("-writers.lock")
            except OSError:  # closed meanwhile
                pass
        return count

    for number in range(5):
        rename_first_organisation(db.session, f"Turn {number}")
        assert open_queue_files() == 1
        db.session.commit()
    assert open_queue_files() == 0


def test_a_rolled_back_writer_and_a_connection_closed_mid_transaction_leave_the_queue(app, organisation):
    rename_first_organisation(db.session, "Never kept")
    db.session.rollback()
    assert queue_seen_from_another_process() == "free"
    connection = db.engine.connect()
    rename_first_organisation(connection, "Never kept either")
    assert queue_seen_from_another_process() == "held"
    connection.close()
    assert queue_seen_from_another_process() == "free"
    assert db.session.get(Organization, 1).name != "Never kept either"


def test_a_writer_that_reads_first_waits_for_the_lock_instead_of_failing(app, organisation):
    """The case of issue 13's 500s: a transaction that reads, then writes while another holds the lock.
    Its read runs beside the writer; its write waits for the lock, then lands."""
    rename_first_organisation(db.session, "First writer")
    finished = threading.Event()

    def second_writer():
        with app.app_context():
            name = db.session.get(Organization, 1).name  # read beside the writer: the name committed before it
            rename_first_organisation(db.session, f"Second writer (read {name!r})")
            db.session.commit()
            finished.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.3)
    assert not finished.is_set(), "the second writer went ahead while the first held the lock"
    db.session.commit()
    thread.join(timeout=30)
    assert finished.is_set()
    db.session.expire_all()
    assert db.session.get(Organization, 1).name.startswith("Second writer (read ")
    assert "First writer" not in db.session.get(Organization, 1).name


# Takes this host's writer queue and SQLite's write lock, says so, and waits to be killed.
HOLDER = """
import fcntl, os, sqlite3, sys, time
database = sys.argv[1]
fd = os.open(database + "-writers.lock", os.O_RDWR | os.O_CREAT, 0o600)
fcntl.lockf(fd, fcntl.LOCK_EX)
connection = sqlite3.connect(database, isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
connection.execute("UPDATE organizations SET name = 'Half-written by a killed process' WHERE id = 1")
print("holding", flush=True)
time.sleep(600)
"""


def test_a_writer_killed_while_it_holds_the_queue_leaves_it_to_the_others(app, organisation):
    """kill -9 of a worker in mid-write: the kernel frees its place in the queue and SQLite's lock, and
    its half-done write is gone."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, db.engine.url.database], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert queue_seen_from_another_process() == "held"
    finally:
        holder.kill()
        holder.wait(timeout=30)
        holder.stdout.close()
    started = time.monotonic()
    rename_first_organisation(db.session, "Written after the kill")
    db.session.commit()
    assert time.monotonic() - started < 5
    db.session.expire_all()
    assert db.session.get(Organization, 1).name == "Written after the kill"


def test_a_turn_taken_by_one_thread_may_be_ended_by_another(tmp_path):
    """SQLAlchemy may give a connection back to the pool from another thread than the one that wrote: the
    turn ends all the same, and the next writer gets it."""
    from kb.database import WriterQueue

    queue = WriterQueue(str(tmp_path / "kb.sqlite3-writers.lock"))
    acquired, done = threading.Event(), threading.Event()

    def writer_that_leaves_its_connection_behind():
        queue.acquire()
        acquired.set()
        done.wait(30)  # alive meanwhile: a finished thread's id may be given to the next one

    taken = threading.Thread(target=writer_that_leaves_its_connection_behind)
    taken.start()
    assert acquired.wait(10)
    got_it = []
    waiting = threading.Thread(target=lambda: got_it.append(queue.acquire()))
    waiting.start()
    time.sleep(0.2)
    assert not got_it, "the turn was given twice"
    queue.release()
    waiting.join(timeout=10)
    assert got_it == [True]
    queue.release()
    done.set()
    taken.join()


def test_a_request_refused_for_bad_input_does_not_wait_for_another_writer(app, make_user, api_token):
    """A request reads and checks beside the writer and takes the lock at its first write: bad input
    is answered at once, even while another transaction holds the lock."""
    headers = api_token(make_user("submitter"))
    db.session.commit()
    assert app.test_client().get("/api/v1/submissions", headers=headers).status_code == 200  # token's "last used"
    rename_first_organisation(db.session, "Holding the write lock")
    answers = []

    def post_bad_submission():
        answers.append(app.test_client().post("/api/v1/submissions", json={"title": ["a", "b"], "mmp": "land-records"},
                                              headers=headers))

    thread = threading.Thread(target=post_bad_submission)
    started = time.monotonic()
    thread.start()
    thread.join(timeout=20)
    waited = time.monotonic() - started
    db.session.commit()
    assert answers and answers[0].status_code == 400 and "title" in answers[0].get_json()["error"]["fields"]
    assert waited < 5, f"the refusal waited {waited:.1f} s for the lock"
