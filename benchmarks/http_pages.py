#!/usr/bin/env python
"""HTTP benchmark of the pages people land on, beside a trivial request, in one run against one server:
``/healthz``, the home page, a case page (``/cases/KB-…``), the HTML search page (``/cases?q=…``) and the API search
(``/api/v1/cases?q=…``), each driven by wrk with 16 concurrent clients on a synthetic 20,000-case instance.

    .venv/bin/python benchmarks/http_pages.py [--cases N] [--instance DIR] [--duration 20] [--out FILE]

The instance, the server (``kb serve`` with its defaults) and wrk are those of benchmarks/http_search.py
(same generator and seed; ``--instance DIR`` reuses an instance it prepared). Each page kind rotates
through 50 addresses: 50 case pages spread over the library, and the 50-query mix of http_search.py as
HTML and as API searches. After a warm-up of every kind, the kinds are measured one after another.

Prints one JSON object: per kind, requests/s, latency p50/p90/p99/max, non-2xx, and its share of
/healthz's requests/s; the target is a share of at least 25% with p99 < 200 ms for the case page, the HTML
search page and the API search (issue 16).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import http_search as http  # noqa: E402  (benchmarks/http_search.py)
import search as bench  # noqa: E402

TARGET_SHARE = 0.25
TARGET_P99_MS = 200
KINDS = ("healthz", "home_page", "case_page", "search_page", "api_search")


def paths_of(kind: str, queries: dict, cases: int) -> list[str]:
    if kind == "healthz":
        return ["/healthz"]
    if kind == "home_page":
        return ["/"]
    if kind == "case_page":
        step = max(1, cases // 50)
        return [f"/cases/KB-{number:04d}" for number in range(1, cases + 1, step)][:50]
    api = http.query_paths(queries)
    return [p.replace("/api/v1/cases", "/cases", 1) for p in api] if kind == "search_page" else api


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=bench.DEFAULT_SEED)
    parser.add_argument("--instance", type=Path, help="reuse (or build and keep) the instance in this folder")
    parser.add_argument("--port", type=int, default=5078)
    parser.add_argument("--duration", type=int, default=20, help="seconds of each measured wrk run")
    parser.add_argument("--warmup", type=int, default=8, help="seconds of wrk warm-up per kind")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    wrk = shutil.which("wrk")
    if wrk is None:
        parser.error("wrk is not installed: apt-get install -y wrk")
    if http.port_in_use(args.port):
        parser.error(f"something already listens on 127.0.0.1:{args.port}")
    signal.signal(signal.SIGALRM, http._raise_deadline)
    signal.signal(signal.SIGTERM, http._raise_exit)
    signal.alarm(http.HARD_DEADLINE_S)
    workdir = Path(tempfile.mkdtemp(prefix="kb-pages-bench-"))
    instance = args.instance.resolve() if args.instance else workdir / "instance"
    server = None
    code = bench.code_fingerprint()
    try:
        seed = bench.load_seed()
        cases = bench.generate_corpus(args.cases, args.seed, seed)
        if args.instance and http.instance_matches(instance, args.cases, args.seed, code):
            http.log(f"reusing the instance at {instance}")
        else:
            if (instance / "benchmark-instance.json").exists():
                shutil.rmtree(instance)
            app = bench.prepare_instance(instance, cases)
            built = bench.build_index(app)
            http.log(f"index built in {built['build_s']} s")
            bench.write_marker(instance, args.cases, args.seed, 0, code)
            with app.app_context():
                from kb.extensions import db

                db.engine.dispose()
            del app
        queries = bench.build_queries(seed, cases, args.seed)
        del cases
        scripts = {}
        for kind in KINDS:
            script = workdir / f"{kind}.lua"
            script.write_text(http.LUA % {"paths": ",\n  ".join(json.dumps(p) for p in paths_of(
                kind, queries, args.cases))}, encoding="utf-8")
            scripts[kind] = script

        env = bench.server_environment(KB_INSTANCE_DIR=str(instance))
        server_log = workdir / "server.log"
        command = [str(Path(sys.executable).parent / "kb"), "serve", "--port", str(args.port)]
        load_before = round(os.getloadavg()[0], 2)
        with open(server_log, "wb") as handle:
            server = subprocess.Popen(command, cwd=bench.ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, start_new_session=True)
        health = http.wait_for_health(args.port, server, server_log)
        for kind in KINDS:
            if args.warmup:
                http.run_wrk(wrk, scripts[kind], args.port, args.threads, args.connections, args.warmup)
        measured = {kind: http.run_wrk(wrk, scripts[kind], args.port, args.threads, args.connections,
                                       args.duration) for kind in KINDS}
        baseline = measured["healthz"]["requests_per_s"]
        for kind, figures in measured.items():
            figures["share_of_healthz"] = round(figures["requests_per_s"] / baseline, 3) if baseline else None
        server_text = server_log.read_text(errors="replace")
        result = {
            "cases": health.get("cases"),
            "server": "kb serve (defaults: gunicorn sync workers, 2 per core, KB_INDEX_SYNC=background)",
            "workers": server_text.count("Booting worker"),
            "connections": args.connections,
            "duration_s_each": args.duration,
            "kinds": measured,
            "targets": {"share_of_healthz": TARGET_SHARE, "p99_ms": TARGET_P99_MS},
            "meets_targets": {kind: measured[kind]["share_of_healthz"] >= TARGET_SHARE
                              and measured[kind]["latency_ms"]["p99"] < TARGET_P99_MS
                              for kind in KINDS if kind != "healthz"},
            "server_tracebacks": server_text.count("Traceback"),
            "kb_code": code,
            "machine": bench.machine() | {"loadavg_1m_before_server": load_before},
        }
        text = json.dumps(result, indent=2)
        print(text)
        if args.out:
            args.out.write_text(text + "\n", encoding="utf-8")
        return 0
    finally:
        signal.alarm(0)
        if server is not None:
            http.stop_server(server)
            http.log("server log tail:\n" + http.tail(workdir / "server.log", 8))
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
