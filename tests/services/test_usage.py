"""kb.services.usage: the per-worker copy of recent views that the "most viewed" sort ranks by."""
from __future__ import annotations

import collections
import datetime as dt

from kb.extensions import db
from kb.models import CaseUsageDay
from kb.services import usage
from kb.services.freshness import today_in_india


def test_the_copy_moved_on_by_a_day_equals_a_full_sum_of_the_last_90_days(app, make_case):
    first, second = make_case(901), make_case(902)
    today = today_in_india()
    for back, case, views in ((0, first, 1), (1, first, 2), (2, first, 4), (89, second, 8), (90, second, 16),
                              (91, first, 32), (40, second, 64)):
        db.session.add(CaseUsageDay(case_id=case.id, day=today - dt.timedelta(days=back), views=views, downloads=0))
    db.session.commit()
    full = usage._RecentViews()._read()
    assert full == {"KB-0901": 1 + 2 + 4, "KB-0902": 8 + 64}  # 90 and 91 days ago are outside the window
    # A worker whose closed days were summed yesterday moves them on by one day instead of summing again.
    moved = usage._RecentViews()
    yesterday = today - dt.timedelta(days=1)
    moved._closed = (yesterday, collections.Counter(usage._views_by_case(
        yesterday - dt.timedelta(days=usage.RECENT_DAYS - 1), yesterday - dt.timedelta(days=1))))
    assert moved._read() == full


def test_a_new_version_of_the_counts_only_when_they_change(app, make_case):
    case = make_case(901)
    copy = usage._RecentViews()
    first = copy.get(0)
    assert copy.get(0).version == first.version and first.counts == {}
    db.session.add(CaseUsageDay(case_id=case.id, day=today_in_india(), views=3, downloads=0))
    db.session.commit()
    assert copy.get(3600).version == first.version  # not due yet: the copy stays
    copy.stale = True  # this worker wrote its tally
    changed = copy.get(3600)
    assert changed.version == first.version + 1 and changed.counts == {"KB-0901": 3}
