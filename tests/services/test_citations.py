"""kb.services.citations: the formatted reference and the BibTeX, RIS and CSL-JSON files, which must parse
back (with independent parsers) to the case's own fields."""
from __future__ import annotations

import datetime as dt
import json

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware

from kb.errors import NotFound
from kb.services.citations import (
    bibtex_escape,
    export_citation,
    format_citation,
    reference_for,
    to_bibtex,
    to_csl_json,
    to_ris,
)

ACCESSED = dt.date(2026, 3, 5)
HINDI_TITLE = "लोकवाणी: सीतापुर में कियोस्क आधारित जन-शिकायत निवारण"
HINDI_BODY = """## समस्या
नागरिकों को शिकायत के लिए कई दिन जिला मुख्यालय जाना पड़ता था।

## समाधान
साइबर कैफ़े को लाइसेंस देकर लोकवाणी केंद्र बनाए गए।

## प्रौद्योगिकी
एक वेब पोर्टल और शिकायतों की ऑनलाइन स्थिति।

## प्रभाव
तेरह केंद्रों से शुरू होकर एक सौ दस केंद्र बने।

## सीख
स्थानीय उद्यमी सेवा को टिकाऊ बनाते हैं।

## दोहराने का तरीका
पहले जिला स्तर पर शुरू करें, फिर प्रदेश में फैलाएँ।
"""


def parse_bibtex(text: str) -> dict:
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert not library.failed_blocks, library.failed_blocks
    assert len(library.entries) == 1
    entry = library.entries[0]
    return {"_type": entry.entry_type, "_key": entry.key, **{f.key: f.value for f in entry.fields}}


@pytest.fixture
def hindi_case(make_case):
    return make_case(937, title=HINDI_TITLE, language="hi", body=HINDI_BODY, state="UP",
                     department="जिला प्रशासन सीतापुर", tags=["शिकायत", "kiosks"], mmp="e-district",
                     summary="सीतापुर जिला प्रशासन ने साइबर कैफ़े को लाइसेंस देकर लोकवाणी केंद्र बनाए।")


def test_formatted_citation_names_organisation_year_title_version_permalink_and_access_date(make_case):
    case = make_case(901)
    text = format_citation(case, case.published_revision, accessed=ACCESSED)
    assert text == ("Revenue Department. (2026). Sample practice number 901 (Version 1, KB-0901). kb. "
                    "http://kb.test/cases/KB-0901/v/1. Accessed 2026-03-05.")


def test_bibtex_parses_back_to_the_case_fields(make_case):
    case = make_case(901, department="Revenue Department, Government of Karnataka")
    entry = parse_bibtex(to_bibtex(reference_for(case, case.published_revision, ACCESSED)))
    assert entry["_type"] == "misc" and entry["_key"] == "KB-0901-v1"
    assert entry["author"] == "Revenue Department, Government of Karnataka"
    assert entry["title"] == "Sample practice number 901"
    assert entry["year"] == "2026" and entry["date"] == "2026-01-01"
    assert entry["version"] == "1" and entry["number"] == "KB-0901"
    assert entry["url"] == "http://kb.test/cases/KB-0901/v/1"
    assert entry["urldate"] == "2026-03-05"
    assert entry["keywords"] == "kiosks, land-records"


def test_bibtex_escapes_latex_specials_so_they_survive_the_round_trip(make_case):
    title = r"Land & water: 100% {online} #1 in e_Seva for $0 \ fee"
    case = make_case(902, title=title, department="Dept. of IT & C_2")
    text = to_bibtex(reference_for(case, case.published_revision, ACCESSED))
    assert r"100\% \{online\} \#1 in e\_Seva for \$0 \textbackslash{} fee" in text
    entry = parse_bibtex(text)
    assert entry["title"] == title
    assert entry["author"] == "Dept. of IT & C_2"
    assert bibtex_escape("a^b~c") == r"a\textasciicircum{}b\textasciitilde{}c"


def test_bibtex_keeps_hindi_as_utf8(hindi_case):
    text = to_bibtex(reference_for(hindi_case, hindi_case.published_revision, ACCESSED))
    assert HINDI_TITLE in text, "Devanagari is written as UTF-8, not transliterated or escaped"
    entry = parse_bibtex(text)
    assert entry["title"] == HINDI_TITLE
    assert entry["author"] == "जिला प्रशासन सीतापुर"
    assert entry["language"] == "hindi"
    assert entry["keywords"] == "kiosks, शिकायत"


def test_ris_parses_back_to_the_case_fields(hindi_case):
    text = to_ris(reference_for(hindi_case, hindi_case.published_revision, ACCESSED))
    assert text.startswith("TY  - ELEC\r\n") and text.endswith("ER  - \r\n")
    [record] = rispy.loads(text)
    assert record["type_of_reference"] == "ELEC"
    assert record["title"] == HINDI_TITLE
    assert record["authors"] == ["जिला प्रशासन सीतापुर"]
    assert record["year"] == "2026"
    assert record["edition"] == "Version 1"
    assert record["urls"] == ["http://kb.test/cases/KB-0937/v/1"]
    assert record["access_date"] == "2026/03/05"
    assert record["publisher"] == "kb"
    assert record["language"] == "hi"
    assert record["keywords"] == ["kiosks", "शिकायत"]
    assert record["abstract"] == hindi_case.published_revision.summary


def test_ris_values_never_span_lines(make_case):
    case = make_case(903, summary="A summary\nthat was typed\r\non three lines by someone.")
    text = to_ris(reference_for(case, case.published_revision, ACCESSED))
    [record] = rispy.loads(text)
    assert record["abstract"] == "A summary that was typed on three lines by someone."


def test_csl_json_has_the_case_fields(make_case):
    case = make_case(904)
    [item] = json.loads(to_csl_json(reference_for(case, case.published_revision, ACCESSED)))
    assert item["id"] == "KB-0904-v1"
    assert item["title"] == "Sample practice number 904"
    assert item["author"] == [{"literal": "Revenue Department"}]
    assert item["issued"] == {"date-parts": [[2026, 1, 1]]}
    assert item["accessed"] == {"date-parts": [[2026, 3, 5]]}
    assert item["version"] == "1" and item["number"] == "KB-0904"
    assert item["URL"] == "http://kb.test/cases/KB-0904/v/1"


def test_an_older_version_is_cited_with_its_own_number_and_permalink(make_case):
    make_case(905)
    case = make_case(905, title="Sample practice, second edition")
    first = next(r for r in case.revisions if r.number == 1)
    entry = parse_bibtex(export_citation(case, first, "bib", ACCESSED).content)
    assert entry["version"] == "1" and entry["title"] == "Sample practice number 905"
    assert entry["url"] == "http://kb.test/cases/KB-0905/v/1"
    latest = export_citation(case, case.published_revision, "ris", ACCESSED)
    assert rispy.loads(latest.content)[0]["edition"] == "Version 2"


def test_export_names_the_file_and_media_type_and_refuses_unknown_formats(make_case):
    case = make_case(906)
    files = {ext: export_citation(case, case.published_revision, ext) for ext in ("bib", "ris", "json")}
    assert files["bib"].media_type.startswith("application/x-bibtex")
    assert files["ris"].media_type.startswith("application/x-research-info-systems")
    assert files["json"].media_type.startswith("application/vnd.citationstyles.csl+json")
    assert [f.filename for f in files.values()] == ["KB-0906-v1.bib", "KB-0906-v1.ris", "KB-0906-v1.json"]
    with pytest.raises(NotFound):
        export_citation(case, case.published_revision, "docx")
