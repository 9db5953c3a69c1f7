"""GET /api/v1/taxonomy, /api/v1/cases and /api/v1/cases/<id> as ../shared/API.md says."""
from __future__ import annotations

import re

from kb.extensions import db
from kb.services import submissions


def test_taxonomy_lists_44_mmps_and_36_states(client, app):
    data = client.get("/api/v1/taxonomy").get_json()
    assert len(data["mmps"]) == 44 and len(data["states"]) == 36
    assert {"slug": "land-records", "name": "Land Records (NLRMP / DILRMP)", "category": "state"} in data["mmps"]
    assert {m["category"] for m in data["mmps"]} == {"central", "state", "integrated"}
    assert {"code": "DL", "name": "Delhi", "kind": "ut"} in data["states"]


def test_case_list_has_the_contract_shape(client, library):
    data = client.get("/api/v1/cases?per_page=5").get_json()
    assert {"total", "page", "per_page", "results", "facets", "suggestion"} <= set(data)
    assert data["total"] == len(library.created) and data["page"] == 1 and data["per_page"] == 5
    assert len(data["results"]) == 5
    assert set(data["results"][0]) == {"id", "title", "summary", "mmp", "state", "year", "tags", "language", "url", "highlight",
                                      "evidence"}
    assert {"mmp", "state", "year", "tag", "language"} <= set(data["facets"])
    assert sum(f["count"] for f in data["facets"]["language"]) == data["total"]


def test_filters_combine_or_within_and_across_facets(client, make_case):
    make_case(901, state="KL", mmp="pds", language="en")
    make_case(902, state="KA", mmp="pds", year=2010)
    make_case(903, state="KA", mmp="land-records", year=2010)
    ids = lambda q: sorted(r["id"] for r in client.get(f"/api/v1/cases?{q}").get_json()["results"])  # noqa: E731
    assert ids("state=KL&state=KA&mmp=pds") == ["KB-0901", "KB-0902"]
    assert ids("year=2010&mmp=land-records") == ["KB-0903"]
    assert ids("tag=kiosks&state=KA") == ["KB-0902", "KB-0903"]


def test_each_facet_counts_ignore_their_own_filter_so_users_can_widen(client, make_case):
    make_case(901, state="KL", mmp="pds")
    make_case(902, state="KA", mmp="pds")
    make_case(903, state="KA", mmp="land-records")
    facets = client.get("/api/v1/cases?state=KL").get_json()["facets"]
    assert {f["value"]: f["count"] for f in facets["state"]} == {"KA": 2, "KL": 1}
    assert {f["value"]: f["count"] for f in facets["mmp"]} == {"pds": 1}


def test_sort_by_title_and_newest(client, make_case):
    make_case(901, title="Beta practice", published=__import__("datetime").date(2026, 3, 1))
    make_case(902, title="Alpha practice", published=__import__("datetime").date(2026, 1, 1))
    titles = lambda s: [r["title"] for r in client.get(f"/api/v1/cases?sort={s}").get_json()["results"]]  # noqa: E731
    assert titles("title") == ["Alpha practice", "Beta practice"]
    assert titles("newest") == ["Beta practice", "Alpha practice"]


def test_pagination_total_stays_correct_across_pages(client, make_case):
    for number in range(901, 926):
        make_case(number)
    page3 = client.get("/api/v1/cases?per_page=10&page=3").get_json()
    assert page3["total"] == 25 and len(page3["results"]) == 5


def test_bad_paging_is_a_400_with_the_field_named(client, app):
    for query, field in (("page=abc", "page"), ("page=0", "page"), ("per_page=0", "per_page"),
                         ("per_page=101", "per_page"), ("per_page=x", "per_page"), ("sort=random", "sort"),
                         ("year=abc", "year")):
        response = client.get(f"/api/v1/cases?{query}")
        assert response.status_code == 400, query
        error = response.get_json()["error"]
        assert error["code"] == "invalid" and field in error["fields"], query


def test_case_detail_has_the_contract_fields(client, make_case):
    make_case(901)
    data = client.get("/api/v1/cases/KB-0901").get_json()
    for key in ("id", "title", "summary", "body", "body_html", "mmp", "state", "year", "tags", "language", "version",
                "published_at", "url", "citation", "adoptions", "attachments"):
        assert key in data, key
    assert data["id"] == "KB-0901" and data["version"] == 1 and data["mmp"] == "land-records" and data["state"] == "KA"
    assert data["url"] == "http://kb.test/cases/KB-0901"
    assert "<h2>Problem</h2>" in data["body_html"]
    assert "Sample practice number 901 (Version 1, KB-0901)" in data["citation"]
    assert data["outcomes"][0] == {"label": "Waiting time", "before": 30.0, "after": 1.0, "unit": "days",
                                   "source": "https://example.org/report", "period": "", "document": "",
                                   "attachment": "", "evidence": "self_reported", "evidence_reviewed": False}


def test_case_id_is_stable_across_versions(client, make_case):
    make_case(901, title="First title here")
    make_case(901, title="Second title here")
    data = client.get("/api/v1/cases/KB-0901").get_json()
    assert data["id"] == "KB-0901" and data["version"] == 2 and data["title"] == "Second title here"


def test_unknown_case_is_a_json_404(client, app):
    for path in ("/api/v1/cases/KB-9999", "/api/v1/cases/not-an-id", "/api/v1/no-such-endpoint"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"


def test_unpublished_cases_are_invisible_in_the_api(client, make_case, make_unpublished_case):
    make_case(901)
    make_unpublished_case(950)
    data = client.get("/api/v1/cases?per_page=100").get_json()
    assert [r["id"] for r in data["results"]] == ["KB-0901"]
    assert "TR" not in {f["value"] for f in data["facets"]["state"]}
    assert "pds" not in {f["value"] for f in data["facets"]["mmp"]}
    assert not any(f["value"].startswith("secret") for f in data["facets"]["tag"])
    assert client.get("/api/v1/cases/KB-0950").status_code == 404
    assert client.get("/api/v1/cases?state=TR").get_json()["total"] == 0


def test_search_text_ranks_and_highlights_with_only_mark_as_markup(client, library):
    data = client.get("/api/v1/cases?q=telemedicine").get_json()
    assert data["results"][0]["id"] == "KB-0022"
    highlight = data["results"][0]["highlight"]
    assert "<mark>" in highlight
    assert re.sub(r"</?mark>", "", highlight).count("<") == 0


def test_suggestion_is_returned_for_a_misspelling(client, library):
    data = client.get("/api/v1/cases?q=grievence+redressal").get_json()
    assert data["suggestion"] == "grievance redressal"


def test_similar_endpoint_returns_published_cases_but_never_itself(client, library, make_unpublished_case):
    make_unpublished_case(950)
    data = client.get("/api/v1/cases/KB-0001/similar").get_json()
    ids = [r["id"] for r in data["results"]]
    assert ids and "KB-0001" not in ids and "KB-0950" not in ids
    assert set(data["results"][0]) >= {"id", "title", "summary", "mmp", "state", "year", "tags", "language", "url"}
    assert client.get("/api/v1/cases/KB-0950/similar").status_code == 404


def _view(client, public_id: str, times: int) -> None:
    for _ in range(times):
        assert client.get(f"/en/cases/{public_id}").status_code == 200


def test_most_viewed_sort_ranks_by_views_of_the_last_90_days_ties_in_the_default_order(client, make_case):
    import datetime as dt

    from kb.extensions import db
    from kb.models import CaseUsageDay
    from kb.services.freshness import today_in_india

    old = make_case(901, title="Old favourite", published=dt.date(2026, 1, 1))
    make_case(902, title="Read this week", published=dt.date(2026, 2, 1))
    make_case(903, title="Nobody read it yet", published=dt.date(2026, 3, 1))
    make_case(904, title="Nor this one", published=dt.date(2026, 2, 15), state="KL")
    # Many views, but long ago: outside the 90 days.
    db.session.add(CaseUsageDay(case_id=old.id, day=today_in_india() - dt.timedelta(days=95), views=500, downloads=0))
    db.session.add(CaseUsageDay(case_id=old.id, day=today_in_india() - dt.timedelta(days=89), views=2, downloads=0))
    db.session.commit()
    _view(client, "KB-0902", 3)
    ids = lambda q: [r["id"] for r in client.get(f"/api/v1/cases?{q}").get_json()["results"]]  # noqa: E731
    assert ids("sort=views") == ["KB-0902", "KB-0901", "KB-0903", "KB-0904"]  # unread: newest first
    _view(client, "KB-0901", 2)  # 4 in the window now: first, and the kept answer is not served stale
    assert ids("sort=views") == ["KB-0901", "KB-0902", "KB-0903", "KB-0904"]
    # Every filter, the paging and the facets as with the other sorts.
    assert ids("sort=views&state=KA&per_page=1&page=2") == ["KB-0902"]
    data = client.get("/api/v1/cases?sort=views&state=KL").get_json()
    assert [r["id"] for r in data["results"]] == ["KB-0904"] and data["total"] == 1
    assert {f["value"]: f["count"] for f in data["facets"]["state"]} == {"KA": 3, "KL": 1}
    # With words, ties (nobody read either) in relevance order.
    assert ids("q=nobody&sort=views") == ["KB-0903"]


def test_most_viewed_sort_never_shows_or_counts_unpublished_cases(client, make_case, make_unpublished_case):
    from kb.extensions import db
    from kb.models import CaseUsageDay
    from kb.services.freshness import today_in_india

    make_case(901)
    draft = make_unpublished_case(950)
    db.session.add(CaseUsageDay(case_id=draft.id, day=today_in_india(), views=1000, downloads=0))
    db.session.commit()
    data = client.get("/api/v1/cases?sort=views").get_json()
    assert [r["id"] for r in data["results"]] == ["KB-0901"] and data["total"] == 1
    assert "KB-0950" not in client.get("/en/cases?sort=views").get_data(as_text=True)
    assert client.get("/en/cases/KB-0950").status_code == 404


NAE, UN = "National Award for e-Governance", "United Nations Public Service Award"


def test_awards_are_a_facet_and_a_filter_whose_counts_respect_the_other_filters(client, make_case):
    make_case(901, state="KA", recognitions=[{"name": NAE, "year": 2019, "category": "Gold"}])
    make_case(902, state="KL", recognitions=[{"name": UN, "year": 2017, "category": ""},
                                             {"name": NAE, "year": 2015, "category": "Silver"}])
    make_case(903, state="KL")
    search = lambda q: client.get(f"/api/v1/cases?{q}").get_json()  # noqa: E731
    counts = lambda data: {f["value"]: f["count"] for f in data["facets"]["award"]}  # noqa: E731
    everything = search("")
    assert counts(everything) == {NAE: 2, UN: 1}
    national = search("award=National+Award+for+e-Governance")
    assert sorted(r["id"] for r in national["results"]) == ["KB-0901", "KB-0902"]
    assert counts(national) == {NAE: 2, UN: 1}  # its own filter left out, so a person can widen the choice
    assert {f["value"]: f["count"] for f in national["facets"]["state"]} == {"KA": 1, "KL": 1}
    assert counts(search("state=KL")) == {NAE: 1, UN: 1}
    either = search(f"award={UN.replace(' ', '+')}&award=No+such+award&sort=title")
    assert [r["id"] for r in either["results"]] == ["KB-0902"]
    assert search("award=No+such+award")["total"] == 0


def test_an_award_of_an_unpublished_version_is_never_counted_or_found(client, make_submission, submission_data):
    case, people = make_submission("published")
    submissions.open_new_revision(people["submitter"], case.public_id)
    submissions.update_submission(people["submitter"], case.public_id,
                                  {"recognitions": [{"name": "Secret award", "year": 2020, "category": ""}]})
    db.session.commit()
    data = client.get("/api/v1/cases").get_json()
    assert data["total"] == 1 and data["facets"]["award"] == []
    assert client.get("/api/v1/cases?award=Secret+award").get_json()["total"] == 0
    assert "Secret award" not in client.get("/en/cases").get_data(as_text=True)
