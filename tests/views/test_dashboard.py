"""/dashboard (both languages) and /review/health: server-drawn SVG charts, each with a text alternative and
a data table whose entries lead to the matching search; the tile map of India; usage counted without
addresses or identities."""
from __future__ import annotations

import re

from sqlalchemy import inspect, select

from kb.extensions import db
from kb.models import CaseUsageDay


def test_the_dashboard_draws_each_chart_with_its_text_and_table_in_both_languages(client, library):
    for language, heading in (("en", "Cases by state or union territory"), ("hi", "राज्य या संघ राज्य क्षेत्र के अनुसार केस अध्ययन")):
        response = client.get(f"/{language}/dashboard")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert heading in page
        charts = re.findall(r'<svg class="(?:bar-chart|tile-grid)" role="img" aria-labelledby="([^"]+)"', page)
        assert len(charts) >= 6  # the seed library records no training use: those charts say so instead
        for labelled_by in charts:  # each picture is named by its heading and described by its sentence
            for element_id in labelled_by.split():
                assert f'id="{element_id}"' in page
        assert page.count('<table class="data chart-data">') >= len(charts)
        assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]
        assert f'href="/{language}/cases?state=KA"' in page  # a table entry leads to its search


def test_the_map_has_every_state_and_ut_as_a_tile(client, library):
    page = client.get("/en/dashboard").get_data(as_text=True)
    svg = page.split('<svg class="tile-grid"', 1)[1].split("</svg>", 1)[0]
    assert len(re.findall(r'class="tile-code">([A-Z]{2})<', svg)) == 36
    assert "<path" not in svg  # tiles only: no boundary is drawn


def test_chart_entries_link_to_the_matching_search(client, library):
    page = client.get("/en/dashboard").get_data(as_text=True)
    link = re.search(r'href="(/en/cases\?evidence=documented)"', page).group(1)
    assert client.get(link).status_code == 200
    assert 'href="/en/cases?mmp_category=state"' in page


def test_the_health_page_is_for_reviewers_and_admins(client, make_user, login_as, make_submission):
    make_submission("submitted")
    assert client.get("/review/health").status_code == 302  # to the login page
    login_as(client, make_user("trainer"))
    assert client.get("/review/health").status_code == 403
    login_as(client, make_user("reviewer"))
    page = client.get("/en/review/health").get_data(as_text=True)
    assert "Waiting for a decision" in page and "Due for re-verification" in page


def test_views_and_downloads_are_counted_per_day_with_no_address_or_identity(client, library, make_user,
                                                                            login_as):
    client.get("/en/cases/KB-0001")
    client.get("/hi/cases/KB-0001", headers={"X-Forwarded-For": "203.0.113.9"})
    client.get("/cases/KB-0001/cite.ris")
    row = db.session.scalar(select(CaseUsageDay))
    assert (row.views, row.downloads) == (2, 1)
    assert {c.name for c in CaseUsageDay.__table__.columns} == {"id", "case_id", "day", "views", "downloads"}
    login_as(client, make_user("admin"))
    page = client.get("/en/review/health?sort=views&days=7").get_data(as_text=True)
    assert re.search(r"KB-0001</a>.*?<td class=\"num\">2</td><td class=\"num\">1</td>", page, re.S)
    assert client.get("/en/review/health?days=abc&sort=evil").status_code == 200


def test_views_are_tallied_in_the_worker_and_written_when_due_not_at_every_view(app, client, library):
    from kb.services import usage

    app.config["KB_USAGE_FLUSH_SECONDS"] = 3600
    usage.write_counts_if_due(0)  # start from an empty tally
    client.get("/en/cases/KB-0001")
    client.get("/en/cases/KB-0001")
    client.get("/cases/KB-0001/cite.ris")
    db.session.rollback()
    assert db.session.scalar(select(CaseUsageDay)) is None  # nothing written yet: no write per view
    assert usage.write_counts_if_due(0) is True
    row = db.session.scalar(select(CaseUsageDay))
    assert (row.views, row.downloads) == (2, 1)
    assert usage.write_counts_if_due(0) is False  # the tally was emptied by the write


def test_recognitions_are_listed_and_filtered(client, library):
    page = client.get("/en/recognitions").get_data(as_text=True)
    assert "United Nations Public Service Award" in page and "National Award for e-Governance" in page
    only = client.get("/en/recognitions?award=United+Nations+Public+Service+Award&year=2017").get_data(as_text=True)
    assert "KB-0043" in only and "KB-0008" not in only
    assert client.get("/en/recognitions?year=twenty").status_code == 400
