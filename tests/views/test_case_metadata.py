"""A case page's metadata as machines read it: schema.org JSON-LD, Dublin Core, Highwire citation_* (what
Zotero and Google Scholar import) and OpenGraph, read back with extruct and lxml, and the styled references."""
from __future__ import annotations

import datetime as dt

import extruct
import pytest
from lxml import etree


def metadata_of(client, address: str) -> dict:
    response = client.get(address)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    data = extruct.extract(html, base_url=f"http://kb.test{address}", syntaxes=["json-ld", "opengraph"],
                           uniform=True)
    tree = etree.HTML(html)
    meta: dict[str, list[str]] = {}
    for element in tree.xpath("//head/meta[@name]"):
        meta.setdefault(element.get("name"), []).append(element.get("content"))
    return {"json_ld": data["json-ld"], "opengraph": data["opengraph"], "meta": meta, "html": html, "tree": tree}


def test_a_case_page_describes_itself_as_a_schema_org_report(client, make_case):
    make_case(901, published=dt.date(2026, 1, 5), translated_title="नमूना प्रथा")
    found = metadata_of(client, "/cases/KB-0901")
    [report] = found["json_ld"]
    assert report["@type"] == "Report"
    assert report["name"] == "Sample practice number 901"
    assert report["alternateName"] == "नमूना प्रथा"
    assert report["abstract"] == "A sample practice used by the test suite only."
    assert report["inLanguage"] == "en"
    assert report["version"] == "1"
    assert report["datePublished"] == "2026-01-05" and report["dateModified"] == "2026-01-05"
    assert report["author"] == {"@type": "GovernmentOrganization", "name": "Revenue Department"}
    assert report["spatialCoverage"]["name"] == "Karnataka"
    assert report["about"]["name"] == "Land Records (NLRMP / DILRMP)"
    assert report["about"]["url"] == "http://kb.test/mmps/land-records"
    assert report["keywords"] == "kiosks, land-records"
    assert report["url"] == "http://kb.test/cases/KB-0901/v/1"
    assert report["mainEntityOfPage"] == "http://kb.test/en/cases/KB-0901"
    assert {"@type": "CreativeWork", "name": "Evaluation report", "url": "https://example.org/report"} in report["citation"]
    assert report["encoding"]["contentUrl"] == "http://kb.test/cases/KB-0901/v/1/handout.pdf"


def test_a_case_page_carries_dublin_core_highwire_and_opengraph_tags(client, make_case):
    make_case(901, published=dt.date(2026, 1, 5))
    found = metadata_of(client, "/cases/KB-0901")
    meta = found["meta"]
    assert meta["DC.title"] == ["Sample practice number 901"]
    assert meta["DC.creator"] == ["Revenue Department"]
    assert meta["DC.date"] == ["2026-01-05"]
    assert meta["DC.language"] == ["en"] and meta["DC.coverage"] == ["Karnataka"]
    assert meta["DC.identifier"] == ["http://kb.test/cases/KB-0901/v/1"]
    assert set(meta["DC.subject"]) == {"Land Records (NLRMP / DILRMP)", "kiosks", "land-records"}
    assert found["tree"].xpath('//head/link[@rel="schema.DC"]/@href') == ["http://purl.org/dc/elements/1.1/"]
    # Highwire Press, as Zotero's "Embedded Metadata" translator and Google Scholar read them
    assert meta["citation_title"] == ["Sample practice number 901"]
    assert meta["citation_author"] == ["Revenue Department"]
    assert meta["citation_publication_date"] == ["2026/01/05"]
    assert meta["citation_pdf_url"] == ["http://kb.test/cases/KB-0901/v/1/handout.pdf"]
    assert meta["citation_abstract_html_url"] == ["http://kb.test/en/cases/KB-0901"]
    assert meta["citation_language"] == ["en"]
    assert meta["citation_technical_report_number"] == ["KB-0901"]
    assert meta["description"] == ["A sample practice used by the test suite only."]
    [opengraph] = found["opengraph"]
    assert opengraph["@type"] == "article" and opengraph["og:title"] == "Sample practice number 901"
    assert opengraph["og:url"] == "http://kb.test/en/cases/KB-0901"
    assert opengraph["og:locale"] == "en_IN"


def test_the_pdf_a_reference_manager_would_fetch_is_served(client, make_case):
    make_case(901)
    pdf_url = metadata_of(client, "/cases/KB-0901")["meta"]["citation_pdf_url"][0]
    response = client.get(pdf_url.removeprefix("http://kb.test"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_a_version_page_describes_that_version(client, make_case):
    make_case(901, published=dt.date(2026, 1, 5))
    make_case(901, title="Sample practice, revised")
    old = metadata_of(client, "/cases/KB-0901/v/1")
    [report] = old["json_ld"]
    assert report["version"] == "1" and report["name"] == "Sample practice number 901"
    assert report["url"] == "http://kb.test/cases/KB-0901/v/1"
    assert report["exampleOfWork"]["url"] == "http://kb.test/cases/KB-0901"
    [current] = metadata_of(client, "/cases/KB-0901")["json_ld"]
    assert current["version"] == "2" and current["name"] == "Sample practice, revised"
    assert current["datePublished"] == "2026-01-05", "first published then; modified since"


def test_the_hindi_page_gives_hindi_opengraph_and_the_same_record(client, make_case):
    make_case(901, translated_title="नमूना प्रथा", translated_summary="परीक्षण के लिए एक नमूना।")
    found = metadata_of(client, "/hi/cases/KB-0901")
    [opengraph] = found["opengraph"]
    assert opengraph["og:title"] == "नमूना प्रथा" and opengraph["og:locale"] == "hi_IN"
    [report] = found["json_ld"]
    assert report["name"] == "Sample practice number 901" and report["inLanguage"] == "en"
    assert report["mainEntityOfPage"] == "http://kb.test/hi/cases/KB-0901"


def test_json_ld_cannot_be_closed_early_by_a_title(client, make_case):
    title = 'Kiosks </script><script>alert("x")</script> & <!-- more'
    make_case(901, title=title)
    found = metadata_of(client, "/cases/KB-0901")
    assert "<script>alert" not in found["html"]
    [report] = found["json_ld"]
    assert report["name"] == title, "read back exactly"
    assert found["meta"]["citation_title"] == [title]


@pytest.mark.parametrize("address", ["/", "/cases", "/mmps/land-records", "/states/KA", "/about"])
def test_every_page_has_a_description_and_the_shipped_favicon(client, address, make_case):
    make_case(901)
    tree = etree.HTML(client.get(address).get_data(as_text=True))
    assert tree.xpath('//head/meta[@name="description"]/@content')[0].strip()
    icon = tree.xpath('//head/link[@rel="icon"]/@href')[0]
    response = client.get(icon)
    response.close()
    assert response.status_code == 200


def test_the_case_page_gives_apa_chicago_and_harvard_references(client, make_case):
    make_case(901, published=dt.date(2026, 1, 5))
    tree = etree.HTML(client.get("/cases/KB-0901").get_data(as_text=True))

    def reference(style: str) -> str:
        return "".join(tree.xpath(f'//dd[@class="reference-{style}"]//text()'))

    assert reference("apa") == ("Revenue Department. (2026, January 5). Sample practice number 901 (Version 1, KB-0901). "
                                "kb. http://kb.test/cases/KB-0901/v/1")
    assert reference("chicago").startswith('Revenue Department. 2026. Sample practice number 901. Version 1, KB-0901. kb. '
                                           "Published January 5, 2026. Accessed ")
    assert reference("harvard").startswith("Revenue Department (2026) Sample practice number 901 (Version 1, KB-0901). "
                                           "kb. Available at: http://kb.test/cases/KB-0901/v/1 (Accessed: ")
    assert tree.xpath('//dd[@class="reference-apa"]/i/text()') == ["Sample practice number 901"]


def test_the_two_addresses_of_the_current_version_each_name_themselves(client, make_case):
    make_case(901)
    [by_case] = metadata_of(client, "/cases/KB-0901")["json_ld"]
    [by_version] = metadata_of(client, "/cases/KB-0901/v/1")["json_ld"]
    assert by_case["mainEntityOfPage"] == "http://kb.test/en/cases/KB-0901"
    assert by_version["mainEntityOfPage"] == "http://kb.test/en/cases/KB-0901/v/1"
    assert by_case["url"] == by_version["url"] == "http://kb.test/cases/KB-0901/v/1"
