#!/usr/bin/env python
"""HTTP benchmark: ``GET /api/v1/cases?q=...`` served by ``kb serve`` (its default settings) on a synthetic
20,000-case instance, driven by wrk with a 50-query mix from 16 concurrent clients.

    .venv/bin/python benchmarks/http_search.py [--cases N] [--instance DIR] [--duration 30] [--out FILE]

The instance is prepared as benchmarks/search.py does (same generator, same seed: migrated SQLite,
taxonomy, bulk-inserted published cases, ``kb.search.rebuild()``). With ``--instance DIR`` an instance
prepared earlier (``search.py --prepare-only --keep-instance DIR``, or a previous run of this script) is
reused when it has the same case count and seed and no extra published cases; otherwise one is built
there. Without it, a temporary instance is built and deleted at the end.

The server is ``KB_INSTANCE_DIR=<instance> .venv/bin/kb serve --port 5077`` (gunicorn, 2 sync workers
per core, background index sync), bound to 127.0.0.1 only. After /healthz answers, a short wrk warm-up
lets every worker open its searcher and build its facet arrays; then the measured run. wrk needs
Debian's package (``apt-get install -y wrk``). The server is always stopped (SIGTERM, then SIGKILL) and
the whole script stops by itself (a hard deadline).

Prints one JSON object: requests/s, latency p50/p90/p99/max, non-2xx responses, socket errors, and
whether the targets (>= 150 requests/s, p99 < 200 ms) were met. Progress goes to stderr.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import search as bench  # noqa: E402  (benchmarks/search.py)

HOST = "127.0.0.1"  # only ever the loopback address
TARGET_RPS = 150
TARGET_P99_MS = 200
MIX = {"single_word": 8, "several_words": 7, "phrase": 6, "misspelling": 5, "hindi": 6, "empty_all_facets": 6,
       "filtered": 7, "prefix": 5}  # 50 queries
HARD_DEADLINE_S = 3600

LUA = r"""
-- Rotates through the query mix; counts responses outside 2xx per thread; prints one JSON line.
local paths = {%(paths)s}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("offset", (#threads - 1) * 17)
end

function init(args)
  counter = offset or 0
  non2xx = 0
  responses = 0
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end

function response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local non, answered = 0, 0
  for _, thread in ipairs(threads) do
    non = non + thread:get("non2xx")
    answered = answered + thread:get("responses")
  end
  io.write(string.format(
    'WRKJSON {"requests": %%d, "responses": %%d, "duration_us": %%d, "bytes": %%d, "non_2xx": %%d, ' ..
    '"errors": {"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}, ' ..
    '"latency_us": {"p50": %%d, "p90": %%d, "p99": %%d, "max": %%d, "mean": %%.1f}}\n',
    summary.requests, answered, summary.duration, summary.bytes, non,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""


def log(message: str) -> None:
    bench.log(message)


class Deadline(Exception):
    pass


def _raise_deadline(signum, frame):
    raise Deadline(f"hard deadline of {HARD_DEADLINE_S} s reached")


def _raise_exit(signum, frame):
    raise SystemExit(128 + signum)


def query_paths(queries: dict) -> list[str]:
    paths = []
    for kind, count in MIX.items():
        available = queries[kind]
        step = max(1, len(available) // count)
        for query in available[::step][:count]:
            params = []
            if query.q:
                params.append(("q", query.q))
            for facet, values in query.filters.items():
                params.extend((facet, str(v)) for v in values)
            if not query.q:
                params.append(("sort", query.sort))
            if query.page > 1:
                params.append(("page", str(query.page)))
            paths.append("/api/v1/cases" + ("?" + urllib.parse.urlencode(params) if params else ""))
    return paths


def instance_matches(instance: Path, cases: int, seed: int, code: str) -> bool:
    """Same corpus, nothing published since, and built by the same kb code (the index schema may differ)."""
    marker = instance / "benchmark-instance.json"
    if not marker.exists():
        return False
    data = json.loads(marker.read_text())
    wanted = {"cases": cases, "seed": seed, "extra_published": 0, "kb_code": code}
    return data == wanted and (instance / "index" / "current").exists()


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        return probe.connect_ex((HOST, port)) == 0


def wait_for_health(port: int, server: subprocess.Popen, log_path: Path, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"kb serve exited with {server.returncode}:\n{tail(log_path)}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=5) as answer:
                return json.loads(answer.read())
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"kb serve did not answer /healthz within {timeout} s:\n{tail(log_path)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def run_wrk(wrk: str, script: Path, port: int, threads: int, connections: int, seconds: int) -> dict:
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "--latency",
               "-s", str(script), f"http://{HOST}:{port}"]
    log("running " + " ".join(command))
    finished = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if finished.returncode != 0:
        raise RuntimeError(f"wrk failed ({finished.returncode}): {finished.stderr}{finished.stdout}")
    line = next((ln for ln in finished.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{finished.stdout}")
    raw = json.loads(line[len("WRKJSON "):])
    seconds_run = raw["duration_us"] / 1e6
    latency = {key: round(value / 1000, 1) for key, value in raw["latency_us"].items()}
    return {
        "duration_s": round(seconds_run, 1),
        "requests": raw["requests"],
        "requests_per_s": round(raw["requests"] / seconds_run, 1),
        "latency_ms": latency,
        "non_2xx": raw["non_2xx"],
        "socket_errors": raw["errors"],
    }


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM to the server's own process group (gunicorn master and its workers), SIGKILL if it lingers."""
    if server.poll() is not None:
        return
    group = server.pid  # started with start_new_session=True: its process group id is its pid
    log(f"stopping kb serve (process group {group})")
    try:
        os.killpg(group, signal.SIGTERM)
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(group, signal.SIGKILL)
        server.wait(timeout=10)
    except ProcessLookupError:
        pass


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=bench.DEFAULT_SEED)
    parser.add_argument("--instance", type=Path, help="reuse (or build and keep) the instance in this folder")
    parser.add_argument("--port", type=int, default=5077)
    parser.add_argument("--duration", type=int, default=30, help="seconds of the measured wrk run")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of wrk warm-up before it")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    wrk = shutil.which("wrk")
    if wrk is None:
        parser.error("wrk is not installed: apt-get install -y wrk")
    if port_in_use(args.port):
        parser.error(f"something already listens on {HOST}:{args.port}")

    signal.signal(signal.SIGALRM, _raise_deadline)
    signal.signal(signal.SIGTERM, _raise_exit)
    signal.alarm(HARD_DEADLINE_S)
    workdir = Path(tempfile.mkdtemp(prefix="kb-http-bench-"))
    instance = args.instance.resolve() if args.instance else workdir / "instance"
    server = None
    code = bench.code_fingerprint()
    try:
        seed = bench.load_seed()
        cases = bench.generate_corpus(args.cases, args.seed, seed)
        if args.instance and instance_matches(instance, args.cases, args.seed, code):
            log(f"reusing the instance at {instance}")
        else:
            if (instance / "benchmark-instance.json").exists():
                log(f"{instance} was prepared for other cases, seed or kb code: building it again")
                shutil.rmtree(instance)
            elif instance.exists() and any(instance.iterdir()):
                parser.error(f"{instance} is not empty and not a benchmark instance; give an empty or new folder")
            app = bench.prepare_instance(instance, cases)
            log("building the index (kb.search.rebuild)")
            built = bench.build_index(app)
            log(f"index built in {built['build_s']} s")
            bench.write_marker(instance, args.cases, args.seed, 0, code)
            with app.app_context():
                from kb.extensions import db

                db.engine.dispose()  # the server opens its own connections
            del app
        paths = query_paths(bench.build_queries(seed, cases, args.seed))
        del cases
        script = workdir / "rotate.lua"
        script.write_text(LUA % {"paths": ",\n  ".join(json.dumps(p) for p in paths)}, encoding="utf-8")

        env = bench.server_environment(KB_INSTANCE_DIR=str(instance))
        server_log = workdir / "server.log"
        kb = Path(sys.executable).parent / "kb"
        command = [str(kb), "serve", "--port", str(args.port)]  # --host defaults to 127.0.0.1
        load_before = round(os.getloadavg()[0], 2)  # other work on the machine skews every figure
        log(f"starting KB_INSTANCE_DIR={instance} {' '.join(command)}")
        with open(server_log, "wb") as handle:
            server = subprocess.Popen(command, cwd=bench.ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, start_new_session=True)
        health = wait_for_health(args.port, server, server_log)
        log(f"/healthz: {health}")
        warmup = run_wrk(wrk, script, args.port, args.threads, args.connections, args.warmup) if args.warmup else None
        if warmup:
            log(f"warm-up: {warmup['requests_per_s']} requests/s, p99 {warmup['latency_ms']['p99']} ms")
        measured = run_wrk(wrk, script, args.port, args.threads, args.connections, args.duration)
        server_text = server_log.read_text(errors="replace")
        result = {
            "cases": health.get("cases"),
            "url": f"http://{HOST}:{args.port}/api/v1/cases",
            "server": "kb serve (defaults: gunicorn sync workers, 2 per core, KB_INDEX_SYNC=background)",
            "workers": server_text.count("Booting worker"),
            "queries": len(paths),
            "mix": MIX,
            "connections": args.connections,
            "wrk_threads": args.threads,
            **measured,
            "targets": {"requests_per_s": TARGET_RPS, "p99_ms": TARGET_P99_MS},
            "meets_targets": {"requests_per_s": measured["requests_per_s"] >= TARGET_RPS,
                              "p99_ms": measured["latency_ms"]["p99"] < TARGET_P99_MS},
            "server_tracebacks": server_text.count("Traceback"),
            "kb_code": code,
            "warmup": warmup,
            "machine": bench.machine() | {"loadavg_1m_before_server": load_before},
        }
        if bench.code_fingerprint() != code:
            log("WARNING: the kb code changed during this run")
            result["kb_code_changed_during_run"] = True
        text = json.dumps(result, indent=2)
        print(text)
        if args.out:
            args.out.write_text(text + "\n", encoding="utf-8")
        return 0
    finally:
        signal.alarm(0)
        if server is not None:
            stop_server(server)
            log("server log tail:\n" + tail(workdir / "server.log", 8))
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
