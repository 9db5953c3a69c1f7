#!/usr/bin/env python
"""The "most viewed" sort at scale, in process: ``catalog.search_cases(..., sort="views")`` against the other
sorts on a synthetic library with 90 days of usage counts.

    .venv/bin/python benchmarks/views_sort.py [--cases 20000] [--instance DIR] [--read-share 0.25] [--calls 200]

The instance is prepared as benchmarks/search.py does (same generator and seed; reused from ``--instance``
when it holds a database already). Usage rows: on each of the last 90 days a ``--read-share`` of the cases
were read (Pareto-distributed views), one ``case_usage_days`` row each. Measured (ms, through the service
with the page's cases loaded, as the search page and the API do):

- the counts: summing the days before yesterday (once a day per worker) and re-reading yesterday and today
  (at most every ``KB_USAGE_FLUSH_SECONDS``);
- searches sorted by newest, evidence and views, without words, with a filter and with words: the views
  sort with steady counts (the array by document kept), and with counts that changed before every search
  (a view written and the copy re-read each time: the worst case, far beyond one change per 10 s).

Prints one JSON object; progress on stderr.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import search as bench  # noqa: E402  (benchmarks/search.py; puts this checkout's kb first on sys.path)


def insert_usage(days: int, read_share: float, seed: int = 7) -> int:
    from sqlalchemy import delete, insert, select

    from kb.extensions import db
    from kb.models import Case, CaseUsageDay
    from kb.services.freshness import today_in_india

    case_ids = list(db.session.scalars(select(Case.id)))
    db.session.execute(delete(CaseUsageDay))
    rng = random.Random(seed)
    today, rows = today_in_india(), 0
    for back in range(days):
        day = today - dt.timedelta(days=back)
        chosen = rng.sample(case_ids, int(len(case_ids) * read_share))
        batch = [{"case_id": case_id, "day": day, "views": int(rng.paretovariate(1.1)), "downloads": 0}
                 for case_id in chosen]
        db.session.execute(insert(CaseUsageDay), batch)
        rows += len(batch)
    db.session.commit()
    return rows


def timed(run, calls: int, before=None) -> dict:
    samples = []
    for i in range(calls):
        if before is not None:
            before(i)
        started = time.perf_counter()
        run(i)
        samples.append(time.perf_counter() - started)
    return bench.percentiles(samples)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--instance", type=Path)
    parser.add_argument("--read-share", type=float, default=0.25)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args(argv)

    instance = args.instance or Path(tempfile.mkdtemp(prefix="kb-views-bench-"))
    if (instance / "kb.sqlite3").exists():
        app = bench.make_app(instance)
        bench.log(f"reusing {instance}")
    else:
        app = bench.prepare_instance(instance, bench.generate_corpus(args.cases))
    app.config["KB_USAGE_FLUSH_SECONDS"] = 10
    result = {"cases": args.cases, "machine": bench.machine()}
    with app.app_context():
        result["index"] = bench.build_index(app) if not app.extensions["kb_search"].store.exists() else "reused"
    from sqlalchemy import update

    from kb.extensions import db
    from kb.models import CaseUsageDay
    from kb.services import catalog, usage
    from kb.services.freshness import today_in_india

    with app.test_request_context("/"):
        started = time.perf_counter()
        result["usage_rows"] = insert_usage(90, args.read_share)
        bench.log(f"{result['usage_rows']} usage rows in {time.perf_counter() - started:.1f} s")

        def fresh_copy(_=None):
            usage._RECENT = usage._RecentViews()

        result["counts_ms"] = {
            "days_before_yesterday_once_a_day": timed(lambda i: usage.recent_views(), 5, before=fresh_copy),
        }
        usage.recent_views()

        def stale(_=None):
            usage._RECENT.stale = True

        result["counts_ms"]["yesterday_and_today_each_refresh"] = timed(lambda i: usage.recent_views(), 20, before=stale)
        words = ["land records", "grievance", "pension", "online payment", "school", "kiosk"]
        searches = {
            "no_words": lambda sort: (lambda i: catalog.search_cases(None, sort=sort, page=1 + i % 5)),
            "filtered": lambda sort: (lambda i: catalog.search_cases(
                None, catalog.CaseFilters(language=["en"], year=[2010 + i % 10]), sort=sort)),
            "words": lambda sort: (lambda i: catalog.search_cases(words[i % len(words)], sort=sort)),
        }
        timings = {}
        for kind, make in searches.items():
            for sort in ("newest", "evidence", "views"):
                run = make(sort)
                for i in range(10):
                    run(i)
                timings[f"{kind}/{sort}"] = timed(run, args.calls)
                bench.log(f"{kind}/{sort}: {timings[f'{kind}/{sort}']}")
            today = today_in_india()

            def counts_change(i):  # a view of some case, written, and this worker's copy re-read
                db.session.execute(update(CaseUsageDay).where(CaseUsageDay.day == today,
                                                              CaseUsageDay.id == CaseUsageDay.id)
                                   .where(CaseUsageDay.case_id == 1 + i % 1000).values(views=CaseUsageDay.views + 1))
                db.session.commit()
                stale()

            timings[f"{kind}/views_counts_changed_before_each"] = timed(make("views"), max(20, args.calls // 4),
                                                                        before=counts_change)
            bench.log(f"{kind}/views changed: {timings[f'{kind}/views_counts_changed_before_each']}")
        result["search_ms"] = timings
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
