"""kb.services.handouts: the A4 PDF handout, in English and in Hindi, with fonts shipped in the package."""
from __future__ import annotations

import io
import re
import subprocess

import pypdf
import pytest

from kb.services.handouts import FONT_DIR, render_cases_pdf, script_runs
from tests.services.test_citations import HINDI_BODY, HINDI_TITLE

A4_POINTS = (595.28, 841.89)


def devanagari_only(text: str) -> str:
    """The Devanagari letters and signs of a text, in order (PDF text extraction adds spaces around
    reordered vowel signs, which is a property of extraction, not of what is printed)."""
    return "".join(re.findall(r"[\u0900-\u0963\u0966-\u097f]", text))


@pytest.fixture
def two_cases(make_case):
    english = make_case(901, title="Bhoomi: land records at taluk kiosks")
    hindi = make_case(937, title=HINDI_TITLE, language="hi", body=HINDI_BODY, state="UP", mmp="e-district",
                      department="जिला प्रशासन सीतापुर", summary="सीतापुर जिला प्रशासन ने लोकवाणी केंद्र बनाए।",
                      outcomes=[{"label": "चालू केंद्र", "before": 13, "after": 110, "unit": "केंद्र", "source": None}])
    return english, hindi


@pytest.fixture
def handout(two_cases):
    english, hindi = two_cases
    pdf = render_cases_pdf("Citizen services: a handout", [
        (english, english.published_revision, "Read before session 2."),
        (hindi, hindi.published_revision, ""),
    ])
    return pdf, pypdf.PdfReader(io.BytesIO(pdf))


def page_texts(reader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def test_handout_is_an_a4_pdf_with_a_title_page_listing_the_cases(handout):
    data, reader = handout
    assert data.startswith(b"%PDF-")
    assert all((round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2)) == A4_POINTS
               for p in reader.pages)
    title_page = page_texts(reader)[0]
    assert "Citizen services: a handout" in title_page
    assert "1. Bhoomi: land records at taluk kiosks (KB-0901, version 1)" in title_page
    assert "(KB-0937, version 1)" in title_page
    assert reader.metadata.title == "Citizen services: a handout"


def test_each_case_has_its_title_metadata_body_figures_note_and_closing_citation(handout):
    _, reader = handout
    text = "\n".join(page_texts(reader)[1:])
    english = text[:text.index("KB-0937 · ")]
    assert "Bhoomi: land records at taluk kiosks" in english
    assert "Revenue Department" in english and "Statewide" in english
    assert "Read before session 2." in english
    assert "Citizens queued for days" in english, "the Markdown body is rendered"
    assert "Outcome figures" in english and "Waiting time" in english
    assert english.index("Cite this case") > english.index("Waiting time"), "the citation closes the case"
    assert english.index("Permalink: http://kb.test/cases/KB-0901/v/1") > english.index("Cite this case")
    assert "Revenue Department. (2026). Bhoomi: land records at taluk kiosks (Version 1, KB-0901)" in english


def test_hindi_case_title_and_body_are_in_the_text_and_latin_parts_are_not_garbled(handout):
    _, reader = handout
    hindi_pages = [t for t in page_texts(reader) if "KB-0937" in t]
    text = " ".join("\n".join(hindi_pages).split())
    assert devanagari_only(HINDI_TITLE) in devanagari_only(text)
    assert devanagari_only("साइबर कैफ़े को लाइसेंस देकर") in devanagari_only(text)
    # Latin text after Devanagari in the same paragraph once came out as garbage (a font lost on a
    # wrapped line); the permalink and the citation's Latin parts must read back exactly.
    assert "Permalink: http://kb.test/cases/KB-0937/v/1" in text
    assert "(Version 1, KB-0937). kb. http://kb.test/cases/KB-0937/v/1" in text


def test_the_outline_carries_each_title_exactly(handout):
    _, reader = handout
    assert [item.title for item in reader.outline] == ["Bhoomi: land records at taluk kiosks", HINDI_TITLE]


def test_the_shipped_fonts_are_embedded_and_nothing_else(handout):
    _, reader = handout
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    shipped = {"NotoSans", "NotoSansBold", "NotoSansItalic", "NotoSansDevanagari", "NotoSansDevanagariBold"}
    assert {"NotoSans", "NotoSansDevanagari"} <= fonts <= shipped
    assert (FONT_DIR / "OFL.txt").read_text().count("SIL Open Font License") >= 1


def test_text_is_cut_into_runs_by_script_with_shared_characters_kept_in_the_run():
    assert script_runs("KB-0037 · लोकवाणी (UN DESA) 2005 में") == [
        ("NotoSans", "KB-0037 · "), ("NotoSansDevanagari", "लोकवाणी ("), ("NotoSans", "UN DESA) 2005 "),
        ("NotoSansDevanagari", "में"),
    ]


def test_poppler_reads_the_hindi_pages_without_errors(handout, tmp_path):
    data, _ = handout
    path = tmp_path / "handout.pdf"
    path.write_bytes(data)
    result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    assert "Syntax Error" not in result.stderr, result.stderr
    assert "".join(HINDI_TITLE.split()) in "".join(result.stdout.split())
