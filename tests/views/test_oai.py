"""OAI-PMH 2.0 at /oai: harvested by a real harvester (oaipmh-scythe, over HTTP against the app served on
loopback) and checked verb by verb, error by error, through the test client."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from lxml import etree
from oaipmh_scythe import Scythe
from sqlalchemy import func, select
from werkzeug.serving import make_server

from kb.extensions import db
from kb.models import Case, State
from kb.services.publishing import withdraw_case

OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"


@pytest.fixture
def small_pages(app_config):
    app_config["KB_OAI_PAGE_SIZE"] = 7


@pytest.fixture
def harvested_library(small_pages, app, library):
    """The seeded library with one case withdrawn (a deleted record), served on a free loopback port."""
    withdraw_case(db.session.scalar(select(Case).where(Case.number == 2)), actor=None, note="withdrawn")
    db.session.commit()
    app.config["SERVER_NAME"] = None
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/oai"
    server.shutdown()
    server.server_close()
    thread.join(5)


def published_count(**where) -> int:
    query = select(func.count()).select_from(Case).where(Case.published_revision_id.is_not(None))
    if "state" in where:
        query = query.join(State, State.id == Case.state_id).where(State.code == where["state"])
    return db.session.scalar(query)


def test_a_harvester_gets_every_published_case_exactly_once_across_resumption_tokens(harvested_library):
    with Scythe(harvested_library) as harvester:
        records = list(harvester.list_records(metadata_prefix="oai_dc"))
    identifiers = [record.header.identifier for record in records]
    assert len(identifiers) == len(set(identifiers)), "no record twice"
    live = [record for record in records if not record.deleted]
    assert len(live) == published_count() == 44, "every published case, across seven pages"
    [deleted] = [record for record in records if record.deleted]
    assert deleted.header.identifier.endswith(":KB-0002")
    bhoomi = next(record for record in live if record.header.identifier.endswith(":KB-0001"))
    assert bhoomi.metadata["title"][0] == "Bhoomi: computerised land records (RTC) at taluk kiosks in Karnataka"
    assert bhoomi.metadata["creator"] == ["Revenue Department, Government of Karnataka (with NIC Bangalore)"]
    assert "Karnataka" in bhoomi.metadata["coverage"]
    assert "state:KA" in bhoomi.header.setSpecs and "mmp:land-records" in bhoomi.header.setSpecs


def test_a_harvester_can_take_one_set_and_dates(harvested_library):
    with Scythe(harvested_library) as harvester:
        in_karnataka = [h for h in harvester.list_identifiers(metadata_prefix="oai_dc", set_="state:KA")
                        if not h.deleted]
        assert len(in_karnataka) == published_count(state="KA") > 1
        identify = harvester.identify()
        assert identify.deletedRecord == "persistent" and identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
        sets = {s.setSpec for s in harvester.list_sets()}
        assert {"category:central", "mmp:land-records", "state:KA", "mmp", "state"} <= sets
        formats = [f.metadataPrefix for f in harvester.list_metadata_formats()]
        assert formats == ["oai_dc"]
        record = harvester.get_record(identifier=in_karnataka[0].identifier, metadata_prefix="oai_dc")
        assert record.header.identifier == in_karnataka[0].identifier


# ---------------------------------------------------------------------------------------------------
# Through the test client


def oai(client, query: str = "", method: str = "get"):
    response = client.get(f"/oai?{query}") if method == "get" else client.post("/oai", data=query,
                                                                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    return etree.fromstring(response.get_data())


def error_code(root) -> str | None:
    error = root.find(f"{OAI}error")
    return None if error is None else error.get("code")


@pytest.mark.parametrize("query, code", [
    ("", "badVerb"),
    ("verb=Dance", "badVerb"),
    ("verb=Identify&verb=Identify", "badVerb"),
    ("verb=Identify&colour=red", "badArgument"),
    ("verb=ListRecords", "badArgument"),
    ("verb=GetRecord&metadataPrefix=oai_dc", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=yesterday", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2026-01-01&until=2026-01-02T00:00:00Z", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2026-03-01&until=2026-01-01", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=mmp:no-such-mmp", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=mmp:land-records&set=state:KA", "badArgument"),
    ("verb=ListRecords&resumptionToken=garbage!!", "badResumptionToken"),
    ("verb=ListRecords&resumptionToken=eyJ4IjoxfQ", "badResumptionToken"),
    ("verb=ListRecords&resumptionToken=abc&metadataPrefix=oai_dc", "badArgument"),
    ("verb=ListSets&resumptionToken=abc", "badResumptionToken"),
    ("verb=ListRecords&metadataPrefix=marc21", "cannotDisseminateFormat"),
    ("verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:kb.test:KB-4040", "idDoesNotExist"),
    ("verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:elsewhere.example:KB-0901", "idDoesNotExist"),
    ("verb=ListMetadataFormats&identifier=oai:kb.test:KB-0950", "idDoesNotExist"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2030-01-01", "noRecordsMatch"),
    ("verb=ListIdentifiers&metadataPrefix=oai_dc&set=state:TR", "noRecordsMatch"),
])
def test_every_protocol_error_is_answered_as_the_protocol_says(client, make_case, make_unpublished_case, query, code):
    make_case(901)
    make_unpublished_case(950)
    root = oai(client, query)
    assert error_code(root) == code
    request = root.find(f"{OAI}request")
    assert request.text == "http://kb.test/oai"
    if code in ("badVerb", "badArgument"):
        assert request.attrib == {}, "no attributes echoed from a request that was not valid"


def test_a_draft_is_never_an_item(client, make_case, make_unpublished_case):
    make_case(901)
    make_unpublished_case(950)
    root = oai(client, "verb=ListIdentifiers&metadataPrefix=oai_dc")
    assert [i.text for i in root.iter(f"{OAI}identifier")] == ["oai:kb.test:KB-0901"]


def test_get_record_gives_dublin_core_and_a_withdrawn_case_is_a_deleted_record(client, make_case):
    case = make_case(901, translated_title="नमूना प्रथा")
    root = oai(client, "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:kb.test:KB-0901")
    dc = root.find(f".//{{http://www.openarchives.org/OAI/2.0/oai_dc/}}dc")
    titles = {t.get("{http://www.w3.org/XML/1998/namespace}lang"): t.text for t in dc.iter(f"{DC}title")}
    assert titles == {"en": "Sample practice number 901", "hi": "नमूना प्रथा"}
    assert [i.text for i in dc.iter(f"{DC}identifier")] == ["http://kb.test/cases/KB-0901", "KB-0901"]
    withdraw_case(case, actor=None, note="withdrawn")
    db.session.commit()
    root = oai(client, "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:kb.test:KB-0901")
    header = root.find(f".//{OAI}header")
    assert header.get("status") == "deleted"
    assert root.find(f".//{OAI}metadata") is None


def test_from_and_until_select_by_datestamp_in_utc(client, make_case):
    make_case(901, published=dt.date(2026, 1, 5))
    make_case(902, published=dt.date(2026, 2, 7))
    make_case(903, published=dt.date(2026, 3, 9))

    def listed(query: str) -> list[str]:
        return [i.text[-7:] for i in oai(client, f"verb=ListIdentifiers&metadataPrefix=oai_dc&{query}")
                .iter(f"{OAI}identifier")]

    assert listed("from=2026-02-07&until=2026-03-08") == ["KB-0902"]
    assert listed("from=2026-02-07") == ["KB-0902", "KB-0903"]
    assert listed("until=2026-02-07T23:59:59Z") == ["KB-0901", "KB-0902"]
    stamp = oai(client, "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2026-03-09").findtext(f".//{OAI}datestamp")
    assert listed(f"from={stamp}&until={stamp}") == ["KB-0903"], "second granularity, both ends included"


def test_post_requests_are_answered_like_get(client, make_case):
    make_case(901)
    root = oai(client, "verb=ListIdentifiers&metadataPrefix=oai_dc", method="post")
    assert [i.text for i in root.iter(f"{OAI}identifier")] == ["oai:kb.test:KB-0901"]


def test_resumption_tokens_carry_cursor_and_size(small_pages, client, make_case):
    for number in range(901, 917):
        make_case(number)
    root = oai(client, "verb=ListIdentifiers&metadataPrefix=oai_dc")
    token = root.find(f".//{OAI}resumptionToken")
    assert (token.get("cursor"), token.get("completeListSize")) == ("0", "16")
    seen = [i.text for i in root.iter(f"{OAI}identifier")]
    while token is not None and token.text:
        root = oai(client, f"verb=ListIdentifiers&resumptionToken={token.text}")
        seen += [i.text for i in root.iter(f"{OAI}identifier")]
        token = root.find(f".//{OAI}resumptionToken")
    assert token.get("cursor") == "14" and not token.text, "the last page ends the list with an empty token"
    assert sorted(seen) == [f"oai:kb.test:KB-0{n}" for n in range(901, 917)]
