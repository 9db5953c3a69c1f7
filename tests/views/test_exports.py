"""Exports of search results and of a course pack's bibliography, read back with independent parsers
(csv, bibtexparser, rispy); they stream a batch of cases at a time."""
from __future__ import annotations

import csv
import io

import bibtexparser
import pytest
import rispy
from lxml import etree

from kb.extensions import db
from kb.services import catalog, course_packs
from kb.services.publishing import withdraw_case


def download(client, address: str):
    response = client.get(address)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.is_streamed
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return response


def csv_rows(response) -> list[dict]:
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_csv_export_has_one_row_per_result_with_classification_and_permalink(client, make_case,
                                                                             make_unpublished_case):
    make_case(901, tags=["kiosks", "ppp"])
    make_case(902, state="OD", mmp="e-district")
    make_case(903, state=None, mmp="passport", title="Passport seva, =SUM(1+1)")
    make_unpublished_case(950)
    rows = csv_rows(download(client, "/exports/cases.csv"))
    assert sorted(row["id"] for row in rows) == ["KB-0901", "KB-0902", "KB-0903"]
    by_id = {row["id"]: row for row in rows}
    first = by_id["KB-0901"]
    assert first["mmp"] == "land-records" and first["mmp_category"] == "state"
    assert first["state"] == "KA" and first["state_name"] == "Karnataka"
    assert first["tags"] == "kiosks; ppp" and first["version"] == "1" and first["year_started"] == "2005"
    assert first["url"] == "http://kb.test/cases/KB-0901"
    assert first["version_url"] == "http://kb.test/cases/KB-0901/v/1"
    assert by_id["KB-0903"]["state"] == ""
    assert by_id["KB-0903"]["title"] == "Passport seva, =SUM(1+1)", "only a leading = is neutralised"


def test_a_csv_cell_that_a_spreadsheet_would_run_is_written_as_text(client, make_case):
    make_case(901, title="=HYPERLINK(\"http://evil.example\")")
    [row] = csv_rows(download(client, "/exports/cases.csv"))
    assert row["title"] == "'=HYPERLINK(\"http://evil.example\")"


def test_exports_take_the_query_string_of_the_search_page(client, make_case):
    make_case(901, state="KA")
    make_case(902, state="OD", title="Odisha e-district certificates")
    make_case(903, state="OD", title="Odisha land records")
    rows = csv_rows(download(client, "/exports/cases.csv?state=OD&sort=title&page=7"))
    assert [row["id"] for row in rows] == ["KB-0902", "KB-0903"], "every result, in the page's order"
    rows = csv_rows(download(client, "/exports/cases.csv?q=certificates"))
    assert [row["id"] for row in rows] == ["KB-0902"]


def test_bibtex_export_holds_every_result_as_a_reference(client, make_case):
    for number in (901, 902, 903):
        make_case(number)
    response = download(client, "/exports/cases.bib?state=KA")
    assert response.mimetype == "application/x-bibtex"
    library = bibtexparser.parse_string(response.get_data(as_text=True))
    assert not library.failed_blocks
    assert sorted(entry.key for entry in library.entries) == ["KB-0901-v1", "KB-0902-v1", "KB-0903-v1"]
    assert library.entries[0]["url"].startswith("http://kb.test/cases/KB-090")


def test_ris_export_holds_every_result_as_a_record(client, make_case):
    make_case(901)
    make_case(902, title="Samples in Devanagari: भूमि अभिलेख")
    response = download(client, "/exports/cases.ris")
    records = rispy.loads(response.get_data(as_text=True))
    assert sorted(record["title"] for record in records) == ["Sample practice number 901",
                                                             "Samples in Devanagari: भूमि अभिलेख"]
    assert {record["urls"][0] for record in records} == {"http://kb.test/cases/KB-0901/v/1",
                                                         "http://kb.test/cases/KB-0902/v/1"}


def test_an_archived_case_is_not_exported(client, make_case):
    make_case(901)
    withdraw_case(make_case(902), actor=None, note="withdrawn")
    db.session.commit()
    assert [row["id"] for row in csv_rows(download(client, "/exports/cases.csv"))] == ["KB-0901"]


def test_exports_page_through_the_search_a_batch_at_a_time(app, make_case):
    for number in range(901, 908):
        make_case(number)
    batches = list(catalog.iter_search_ids(None, sort="title", batch=3))
    assert [len(batch) for batch in batches] == [3, 3, 1]
    assert sorted(sum(batches, [])) == [f"KB-0{n}" for n in range(901, 908)]


@pytest.mark.parametrize("address", ["/exports/cases.pdf", "/exports/cases.csv?sort=popular",
                                     "/exports/cases.csv?year=soon"])
def test_a_bad_export_request_is_a_4xx_never_a_5xx(client, address):
    response = client.get(address)
    assert response.status_code in (400, 404)


def test_the_search_page_links_its_exports(client, make_case):
    make_case(901)
    tree = etree.HTML(client.get("/hi/cases?state=KA&page=1").get_data(as_text=True))
    links = tree.xpath('//p[@class="search-tools"]/a/@href')
    assert "/exports/cases.csv?state=KA" in links and "/exports/cases.bib?state=KA" in links
    assert "/exports/cases.ris?state=KA" in links


def test_a_course_packs_bibliography_lists_its_cases_in_order(client, make_case, make_user, make_org, login_as):
    make_org("ati-demo", "ati", "TS", name="Demo ATI (Telangana)")
    trainer = make_user("trainer", org="ati-demo", email="trainer@ati.example.org")
    for number in (901, 902, 903):
        make_case(number)
    pack = course_packs.create_pack(trainer, {"title": "Week one", "visibility": "public"})
    db.session.commit()
    for public_id in ("KB-0903", "KB-0901"):
        course_packs.add_case(trainer, pack.number, public_id)
    db.session.commit()
    records = rispy.loads(download(client, f"/packs/{pack.number}/references.ris").get_data(as_text=True))
    assert [record["id"] for record in records] == ["KB-0903-v1", "KB-0901-v1"]
    library = bibtexparser.parse_string(download(client, f"/packs/{pack.number}/references.bib").get_data(as_text=True))
    assert [entry.key for entry in library.entries] == ["KB-0903-v1", "KB-0901-v1"]
    rows = csv_rows(download(client, f"/packs/{pack.number}/references.csv"))
    assert [row["id"] for row in rows] == ["KB-0903", "KB-0901"]
    page = etree.HTML(client.get(f"/packs/{pack.number}").get_data(as_text=True))
    assert f"/packs/{pack.number}/references.bib" in page.xpath('//p[@class="pack-bibliography"]/a/@href')


def test_a_private_packs_bibliography_is_only_for_its_institute(client, make_case, make_user, make_org, login_as):
    make_org("ati-demo", "ati", "TS", name="Demo ATI (Telangana)")
    trainer = make_user("trainer", org="ati-demo", email="trainer@ati.example.org")
    make_case(901)
    pack = course_packs.create_pack(trainer, {"title": "Private week", "visibility": "institute"})
    db.session.commit()
    course_packs.add_case(trainer, pack.number, "KB-0901")
    db.session.commit()
    assert client.get(f"/packs/{pack.number}/references.ris").status_code == 404
    login_as(client, trainer)
    response = download(client, f"/packs/{pack.number}/references.ris")
    assert response.headers["Cache-Control"] == "private, no-store"
