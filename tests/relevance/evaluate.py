"""Measure search quality over the seed library: nDCG@10 and MRR for the judged queries.

    .venv/bin/python tests/relevance/evaluate.py            # prints JSON: overall, per kind, per query

Queries and graded judgments are in judgments.yml (grade 3 = about exactly this, 2 = substantially,
1 = mentions it usefully). A ``no_answer`` query has nothing relevant in the library: it scores 1 when
the search says that nothing matches well (no results, or only the few labelled nearest cases), else 0. Each query runs through kb.services.catalog.search_cases, the function the
search page and the API use. "as_typed" scores what a user sees first; "with_suggestion" scores the
results after following a "did you mean" link when one is offered.
"""
from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
JUDGMENTS = HERE / "judgments.yml"
CUTOFF = 10


def load_judgments() -> list[dict]:
    return yaml.safe_load(JUDGMENTS.read_text(encoding="utf-8"))


def ndcg(ranked: list[str], grades: dict[str, int], k: int = CUTOFF) -> float:
    gain = sum((2 ** grades.get(doc, 0) - 1) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    best = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return gain / best if best else 0.0


def reciprocal_rank(ranked: list[str], grades: dict[str, int]) -> float:
    for i, doc in enumerate(ranked, 1):
        if grades.get(doc, 0) > 0:
            return 1.0 / i
    return 0.0


def evaluate(search_ids) -> dict:
    """``search_ids(q) -> (ranked ids, suggestion, nothing matched well)``; returns overall, per-kind
    and per-query figures."""
    rows = []
    for judged in load_judgments():
        grades = {str(k): int(v) for k, v in (judged["relevant"] or {}).items()}
        ranked, suggestion, weak = search_ids(judged["query"])
        if judged["kind"] == "no_answer":
            honest = float(weak or not ranked)
            rows.append({"query": judged["query"], "kind": judged["kind"], "ndcg10": honest, "rr": honest,
                         "ndcg10_with_suggestion": honest, "suggestion": suggestion, "top3": ranked[:3]})
            continue
        followed = search_ids(suggestion)[0] if suggestion else ranked
        rows.append({
            "query": judged["query"], "kind": judged["kind"],
            "ndcg10": ndcg(ranked, grades), "rr": reciprocal_rank(ranked, grades),
            "ndcg10_with_suggestion": ndcg(followed, grades), "suggestion": suggestion,
            "top3": ranked[:3], "weak": weak,
        })

    def mean(items, key):
        return round(sum(r[key] for r in items) / len(items), 4) if items else 0.0

    kinds = sorted({r["kind"] for r in rows})
    return {
        "queries": len(rows),
        "ndcg10": mean(rows, "ndcg10"),
        "mrr": mean(rows, "rr"),
        "ndcg10_with_suggestion": mean(rows, "ndcg10_with_suggestion"),
        "by_kind": {kind: {"n": len([r for r in rows if r["kind"] == kind]),
                           "ndcg10": mean([r for r in rows if r["kind"] == kind], "ndcg10"),
                           "mrr": mean([r for r in rows if r["kind"] == kind], "rr")} for kind in kinds},
        "per_query": rows,
    }


def catalog_search_ids(q: str):
    from kb.services import catalog

    page = catalog.search_cases(q, per_page=CUTOFF)
    return [case.public_id for case in page.items], page.suggestion, getattr(page, "weak_matches", False)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade

    from kb import create_app, search
    from kb.content import import_content
    from kb.extensions import db

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"INSTANCE_DIR": folder, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/kb.sqlite3",
                          "KB_INDEX_DIR": f"{folder}/index", "SERVER_NAME": "kb.local", "KB_LOG_LEVEL": "WARNING",
                          "KB_SEARCH_DENSE": os.environ.get("KB_SEARCH_DENSE", "on")})
        with app.app_context():
            upgrade()
            with search.sync_suspended():
                import_content(ROOT / "content")
            search.sync()
            search.embed_pending()  # dense vectors (none when KB_SEARCH_DENSE=off)
            report = evaluate(catalog_search_ids)
            db.engine.dispose()
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
