#!/usr/bin/env python
"""Load benchmark of the review workflow through the JSON API against a real server (``kb serve``):
CREATORS clients each create and submit submissions, REVIEWERS reviewers claim and approve whatever is
submitted, SEARCHERS clients search the published library meanwhile (issue 13).

    .venv/bin/python benchmarks/load_workflow.py [--database-url URL] [--creators 50] [--per-creator 4]
        [--reviewers 2] [--searchers 8] [--workers N] [--port 5083] [--out FILE] [--server-log FILE]

Without --database-url the instance uses SQLite in a temporary folder; a PostgreSQL URL must name an
empty database (its schema is dropped and rebuilt). The seeded library (content/) is imported first so
that searches find something. Prints one JSON object: per operation (create, submit, claim, approve,
search) the count, p50/p90/p99/max in ms and the errors (any 5xx, any unexpected status, any refused
save), the overall p99, how many submissions were kept and published, and the wall time; then it waits
for the workers' low-priority thread to store every new case's vector and reports how long after the
last request that was, and the server's CPU per request counting it. The target is an overall p99 under
1 s with 0 errors on PostgreSQL.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BODY = (ROOT / "tests" / "conftest.py").read_text(encoding="utf-8").split('SAMPLE_BODY = """', 1)[1].split('"""', 1)[0]
QUERIES = ["land records", "e-district certificates", "kiosk", "aadhaar", "pension", "भूमि", "treasury",
           "transport licence", "health", "grievance"]


class Client:
    """One keep-alive HTTP connection, timing each request."""

    def __init__(self, port: int, token: str | None, timings, errors):
        self.port, self.token, self.timings, self.errors = port, token, timings, errors
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, operation: str, method: str, path: str, body=None, expect=(200,)):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = json.dumps(body).encode() if body is not None else None
        started = time.perf_counter()
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=payload, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    self.errors[operation].append("connection failed")
                    return None
        self.timings[operation].append((time.perf_counter() - started) * 1000)
        if response.status not in expect:
            self.errors[operation].append(f"{response.status} {data[:200]!r}")
            return None
        return json.loads(data) if data else {}


def prepare(database_url: str, instance: Path, creators: int, reviewers: int) -> dict:
    """Schema, the seeded library, one submitter account per creator and the reviewers, with tokens."""
    os.environ["KB_DATABASE_URL"] = database_url
    os.environ["KB_INSTANCE_DIR"] = str(instance)
    from flask_migrate import upgrade

    from kb import create_app, search
    from kb.content import import_content
    from kb.extensions import db
    from kb.services import accounts, auth

    if database_url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"INSTANCE_DIR": str(instance)})
    with app.app_context():
        upgrade()
        with search.sync_suspended():
            import_content(ROOT / "content")
        search.rebuild()
        accounts.create_organization(slug="ka-revenue", name="Revenue Department", kind="state_department",
                                     state_code="KA")
        accounts.create_organization(slug="nodal", name="Nodal Agency", kind="nodal_agency", state_code=None)
        tokens = {"creators": [], "reviewers": []}
        for role, group, count, org in (("submitter", "creators", creators, "ka-revenue"),
                                        ("reviewer", "reviewers", reviewers, "nodal")):
            for number in range(count):
                user = accounts.create_user(email=f"{role}{number}@bench.example.org", name=f"{role} {number}",
                                            role=role, org_slug=org, password="bench password 12345")
                db.session.flush()
                tokens[group].append(auth.create_api_token(user, "bench")[1])
        db.session.commit()
        db.engine.dispose()
    return tokens


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"count": 0}
    ordered = sorted(values)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)  # noqa: E731
    return {"count": len(ordered), "p50_ms": round(statistics.median(ordered), 1), "p90_ms": pick(0.90),
            "p99_ms": pick(0.99), "max_ms": round(ordered[-1], 1)}


def server_cpu_seconds(group: int) -> float | None:
    """CPU time (user + system) used so far by the server's processes (its process group), from /proc:
    on a shared machine the wall times depend on the neighbours, this much less. None off Linux."""
    total, tick = 0, os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[2]) == group:  # pgrp
                    total += int(fields[11]) + int(fields[12])  # utime, stime
    except OSError:
        return None
    return round(total / tick, 1)


def stored_vectors(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM search_vectors")).scalar_one()
    finally:
        engine.dispose()


def wait_for_vectors(database_url: str, expected: int, dense_off: bool, seconds: float = 300) -> float | None:
    """Seconds until the database holds ``expected`` case vectors (None with dense search off)."""
    if dense_off:
        return None
    started = time.monotonic()
    while stored_vectors(database_url) < expected:
        if time.monotonic() - started > seconds:
            raise RuntimeError(f"the case vectors were not all stored within {seconds} s")
        time.sleep(0.2)
    return round(time.monotonic() - started, 1)


def wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--creators", type=int, default=50)
    parser.add_argument("--per-creator", type=int, default=4)
    parser.add_argument("--reviewers", type=int, default=2)
    parser.add_argument("--searchers", type=int, default=8)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2)
    parser.add_argument("--port", type=int, default=5083)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--server-log", type=Path, help="keep the server's log (access lines with their ms) here")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="kb-load-bench-"))
    instance = workdir / "instance"
    database_url = args.database_url or f"sqlite:///{instance / 'kb.sqlite3'}"
    instance.mkdir(parents=True)
    tokens = prepare(database_url, instance, args.creators, args.reviewers)
    # This checkout's kb (a git worktree too), not whichever one the venv's editable install names.
    env = {**os.environ, "KB_DATABASE_URL": database_url, "KB_INSTANCE_DIR": str(instance), "KB_LOG_LEVEL": "WARNING",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    log = open(args.server_log, "wb") if args.server_log else subprocess.DEVNULL  # noqa: SIM115
    server = subprocess.Popen([str(Path(sys.executable).parent / "kb"), "serve", "--port", str(args.port),
                               "--workers", str(args.workers)],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    timings, errors = defaultdict(list), defaultdict(list)
    try:
        wait_for(args.port)
        # Warm every worker up (imports, the index, caches) before measuring; these are not counted.
        warm = Client(args.port, tokens["reviewers"][0], defaultdict(list), defaultdict(list))
        for index in range(args.workers * 6):
            warm.connection.close()  # a new connection may reach another worker
            warm.request("warm", "GET", "/api/v1/cases?q=" + quote_plus(QUERIES[index % len(QUERIES)]))
            warm.request("warm", "GET", "/api/v1/submissions?status=submitted")
        creating_done = threading.Event()
        created: list[str] = []
        lock = threading.Lock()

        def creator(token: str, number: int):
            client = Client(args.port, token, timings, errors)
            for index in range(args.per_creator):
                case = client.request("create", "POST", "/api/v1/submissions", {
                    "title": f"Load test practice {number}-{index}", "summary": "A practice written by the load "
                    "benchmark to measure the workflow under many clients.", "body": BODY, "mmp": "land-records",
                    "state": "KA", "department": "Revenue Department", "year": 2019, "stage": "pilot",
                    "language": "en", "tags": ["load test"]}, expect=(201,))
                if case is None:
                    continue
                if client.request("submit", "POST", f"/api/v1/submissions/{case['id']}/submit") is not None:
                    with lock:
                        created.append(case["id"])

        def reviewer(token: str, share: int):
            client = Client(args.port, token, timings, errors)
            while True:
                finished = creating_done.is_set()
                queue = client.request("queue", "GET", "/api/v1/submissions?status=submitted&per_page=100") or {}
                mine = [s["id"] for s in queue.get("results", []) if hash(s["id"]) % args.reviewers == share]
                for public_id in mine:
                    if client.request("claim", "POST", f"/api/v1/submissions/{public_id}/review",
                                      {"action": "claim"}, expect=(200, 409)) is not None:
                        client.request("approve", "POST", f"/api/v1/submissions/{public_id}/review",
                                       {"action": "approve", "note": ""}, expect=(200, 409))
                if finished and not mine:
                    return
                if not mine:
                    time.sleep(0.2)

        def searcher(number: int):
            client = Client(args.port, None, timings, errors)
            index = number
            while not creating_done.is_set():
                client.request("search", "GET", "/api/v1/cases?q=" + quote_plus(QUERIES[index % len(QUERIES)]))
                index += 1

        vectors_before = stored_vectors(database_url)
        cpu_before = server_cpu_seconds(server.pid)
        started = time.perf_counter()
        creators = [threading.Thread(target=creator, args=(token, n)) for n, token in enumerate(tokens["creators"])]
        others = [threading.Thread(target=reviewer, args=(token, n)) for n, token in enumerate(tokens["reviewers"])]
        others += [threading.Thread(target=searcher, args=(n,)) for n in range(args.searchers)]
        for thread in creators + others:
            thread.start()
        for thread in creators:
            thread.join()
        creating_done.set()
        for thread in others:
            thread.join(timeout=600)
        wall = time.perf_counter() - started
        cpu_after = server_cpu_seconds(server.pid)
        published = 0
        probe = Client(args.port, None, timings=defaultdict(list), errors=defaultdict(list))
        for public_id in created:
            published += probe.request("check", "GET", f"/api/v1/cases/{public_id}", expect=(200, 404)) is not None
        vectors_after_s = wait_for_vectors(database_url, vectors_before + published, os.environ.get("KB_SEARCH_DENSE") == "off")
        cpu_with_vectors = server_cpu_seconds(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    everything = [t for operation, values in timings.items() for t in values]
    result = {
        "database": "postgresql" if database_url.startswith("postgresql") else "sqlite",
        "clients": {"creators": args.creators, "per_creator": args.per_creator, "reviewers": args.reviewers,
                    "searchers": args.searchers, "server_workers": args.workers},
        "operations": {operation: {**percentiles(values), "errors": len(errors[operation])}
                       for operation, values in sorted(timings.items())},
        "overall": {**percentiles(everything), "errors": sum(len(e) for e in errors.values())},
        "submissions": {"asked": args.creators * args.per_creator, "kept_and_submitted": len(created),
                        "published": published},
        "error_samples": {operation: samples[:3] for operation, samples in errors.items() if samples},
        "wall_s": round(wall, 1),
        # CPU the server's processes used during the run, and per request: comparable between runs on a
        # busy machine, where the latencies are not.
        "server_cpu_s": round(cpu_after - cpu_before, 1) if cpu_before is not None and cpu_after is not None else None,
        "server_cpu_ms_per_request": round((cpu_after - cpu_before) * 1000 / max(1, len(everything)), 1)
        if cpu_before is not None and cpu_after is not None else None,
        # The workers embed new cases at a low priority (kb.search.BackgroundSyncer): how long after the last
        # request every published case had its vector, and the server's CPU per request counting that work.
        "vectors_stored_after_s": vectors_after_s,
        "server_cpu_ms_per_request_with_vectors": round((cpu_with_vectors - cpu_before) * 1000 / max(1, len(everything)), 1)
        if cpu_before is not None and cpu_with_vectors is not None else None,
        "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0 if result["overall"]["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
