#!/usr/bin/env python
"""Benchmark of the doors to the library from outside, on a synthetic library (20,000 cases by default):

- the export of every case as CSV, BibTeX and RIS (``/exports/cases.<ext>``): time to the first byte and
  to the end, and the peak of Python memory allocated while streaming (tracemalloc), which shows that the
  cases are never all loaded at once;
- the sitemap: the index and every child;
- an OAI-PMH harvest of every record (``ListIdentifiers`` and ``ListRecords``, following resumption tokens);
- an Atom feed of a search.

    .venv/bin/python benchmarks/discovery.py [--cases N] [--instance DIR] [--out FILE]

Everything runs in process through the Flask test client against a SQLite instance built like
benchmarks/search.py's (same generator and seed; ``--instance DIR`` keeps it for the next run). Prints one
JSON object.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import search as bench  # noqa: E402


def timed_stream(client, path: str) -> dict:
    """Read a streamed answer chunk by chunk: first byte, total time, size, Python memory peak."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    response = client.get(path, buffered=False)
    first = None
    size = 0
    lines = 0
    for chunk in response.response:
        if first is None:
            first = time.perf_counter() - started
        size += len(chunk)
        lines += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
    response.close()
    total = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"status": response.status_code, "first_byte_s": round(first or total, 3), "total_s": round(total, 2),
            "megabytes": round(size / 1e6, 1), "lines": lines, "python_peak_mb": round(peak / 1e6, 1)}


def harvest(client, verb: str) -> dict:
    started = time.perf_counter()
    query = f"verb={verb}&metadataPrefix=oai_dc"
    identifiers, requests = 0, 0
    while True:
        body = client.get(f"/oai?{query}").get_data(as_text=True)
        requests += 1
        identifiers += body.count("<identifier>oai:")
        token = re.search(r"<resumptionToken[^>]*>([^<]+)</resumptionToken>", body)
        if not token:
            break
        query = f"verb={verb}&resumptionToken={token.group(1)}"
    seconds = time.perf_counter() - started
    return {"records": identifiers, "requests": requests, "total_s": round(seconds, 2),
            "per_request_ms": round(1000 * seconds / requests, 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=bench.DEFAULT_SEED)
    parser.add_argument("--instance", type=Path, help="build (or reuse) the instance in this folder")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    instance = (args.instance or Path(tempfile.mkdtemp(prefix="kb-discovery-bench-")) / "instance").resolve()
    marker = instance / "benchmark-instance.json"
    if marker.exists() and json.loads(marker.read_text()).get("cases") == args.cases:
        app = bench.make_app(instance)
        bench.log(f"reusing the instance at {instance}")
    else:
        cases = bench.generate_corpus(args.cases, args.seed, bench.load_seed())
        app = bench.prepare_instance(instance, cases)
        del cases
        bench.log(f"index built in {bench.build_index(app)['build_s']} s")
        bench.write_marker(instance, args.cases, args.seed, 0, bench.code_fingerprint())
    app.config.update(SERVER_NAME="kb.bench", KB_BASE_URL="https://kb.bench")

    result = {"cases": args.cases}
    with app.app_context():
        client = app.test_client()
        client.get("/cases")  # open the index and its arrays once
        for extension in ("csv", "bib", "ris"):
            bench.log(f"export {extension}")
            result[f"export_{extension}"] = timed_stream(client, f"/exports/cases.{extension}")
        started = time.perf_counter()
        index = client.get("/sitemap.xml").get_data(as_text=True)
        if "<sitemapindex" in index:
            children = re.findall(r"<loc>https://kb\.bench([^<]+)</loc>", index)
            urls = sum(client.get(child).get_data(as_text=True).count("<url>") for child in children)
        else:  # a small library: one urlset
            children, urls = [], index.count("<url>")
        result["sitemap"] = {"children": len(children), "urls": urls,
                             "total_s": round(time.perf_counter() - started, 2)}
        bench.log("harvest")
        result["oai_list_identifiers"] = harvest(client, "ListIdentifiers")
        result["oai_list_records"] = harvest(client, "ListRecords")
        started = time.perf_counter()
        feed = client.get("/en/feeds/cases.atom?q=land+records")
        result["atom_feed"] = {"status": feed.status_code, "entries": feed.get_data(as_text=True).count("<entry>"),
                               "ms": round(1000 * (time.perf_counter() - started), 1)}
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
