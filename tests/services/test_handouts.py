"""kb.services.handouts: tagged PDF/UA-1 handouts, in English and in Hindi, read back with independent
tools (pikepdf for the structure, poppler's pdftotext for the text and its layout, fontTools for fonts)."""
from __future__ import annotations

import http.server
import io
import re
import subprocess
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pikepdf
import pypdf
import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from fontTools.ttLib import TTFont

from kb.services.handouts import FONT_DIR, css_string, page_footer_content, render_cases_pdf
from tests.services.test_citations import HINDI_BODY, HINDI_TITLE

A4_POINTS = (595.28, 841.89)
TITLE = "Citizen services: a handout"
ENGLISH_TITLE = "Bhoomi: land records at taluk kiosks"


def devanagari_only(text: str) -> str:
    """The Devanagari letters and signs of a text, in order (PDF text extraction adds spaces around
    reordered vowel signs, which is a property of extraction, not of what is printed)."""
    return "".join(re.findall(r"[\u0900-\u0963\u0966-\u097f]", text))


def pdf_text(data: bytes, *options: str) -> str:
    """The PDF's text as poppler's pdftotext reads it (it honours ActualText, as screen readers do)."""
    result = subprocess.run(["pdftotext", *options, "-", "-"], input=data, capture_output=True, check=True)
    assert b"Syntax Error" not in result.stderr, result.stderr
    return result.stdout.decode("utf-8")


def page_texts(data: bytes) -> list[str]:
    return pdf_text(data).split("\f")[:-1]


# ---------------------------------------------------------------------------------------------------
# The structure tree, read back with pikepdf (text of each marked-content id from pypdf's visitor)


@dataclass
class Node:
    role: str
    lang: str | None  # the element's own /Lang
    language: str  # in effect: its own, else its parent's, else the catalog's
    page: int | None
    attributes: dict
    children: list["Node"] = field(default_factory=list)
    text: str = ""

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, role: str) -> list["Node"]:
        return [node for node in self.walk() if node.role == role]


def marked_texts(data: bytes) -> dict[tuple[int, int], str]:
    """(page, MCID) -> the text drawn in that marked content (its ActualText where it has one)."""
    texts: dict[tuple[int, int], str] = {}
    for number, page in enumerate(pypdf.PdfReader(io.BytesIO(data)).pages):
        stack: list = []

        def before(operator, arguments, *_):
            if operator == b"BDC":
                stack.append(arguments[1] if len(arguments) > 1 and hasattr(arguments[1], "get") else {})
            elif operator == b"BMC":
                stack.append({})
            elif operator == b"EMC" and stack:
                stack.pop()

        def visit(text, *_):
            for properties in reversed(stack):
                if properties.get("/MCID") is not None:
                    key = (number, int(properties["/MCID"]))
                    texts[key] = str(properties["/ActualText"]) if "/ActualText" in properties \
                        else texts.get(key, "") + text
                    return

        page.extract_text(visitor_operand_before=before, visitor_text=visit)
    return texts


def structure(data: bytes) -> Node:
    pdf = pikepdf.open(io.BytesIO(data))
    pages = {page.objgen: number for number, page in enumerate(pdf.pages)}
    texts = marked_texts(data)
    catalog_language = str(pdf.Root.Lang)

    def build(element, inherited: str) -> Node:
        own = str(element.Lang) if "/Lang" in element else None
        page = pages.get(element.Pg.objgen) if "/Pg" in element else None
        attributes = {str(k): v for k, v in element.get("/A", {}).items()} if "/A" in element else {}
        if "/ID" in element:
            attributes["ID"] = str(element.ID)
        node = Node(str(element.S).lstrip("/"), own, own or inherited, page, attributes)
        kids = element.get("/K")
        kids = list(kids) if isinstance(kids, pikepdf.Array) else ([] if kids is None else [kids])
        for kid in kids:
            if isinstance(kid, int):
                node.text += texts.get((page, int(kid)), "")
            elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                child = build(kid, node.language)
                node.children.append(child)
                node.text += child.text
        return node

    root = pdf.Root.StructTreeRoot.K
    return build(root[0] if isinstance(root, pikepdf.Array) else root, catalog_language)


def squeezed(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def two_cases(make_case):
    english = make_case(901, title=ENGLISH_TITLE)
    hindi = make_case(937, title=HINDI_TITLE, language="hi", body=HINDI_BODY, state="UP", mmp="e-district",
                      department="जिला प्रशासन सीतापुर", summary="सीतापुर जिला प्रशासन ने लोकवाणी केंद्र बनाए।",
                      outcomes=[{"label": "चालू केंद्र", "before": 13, "after": 110, "unit": "केंद्र", "source": None}])
    return english, hindi


def items_of(two_cases):
    english, hindi = two_cases
    return [(english, english.published_revision, "Read before session 2."), (hindi, hindi.published_revision, "")]


@pytest.fixture
def handout(two_cases) -> bytes:
    return render_cases_pdf(TITLE, items_of(two_cases))


@pytest.fixture
def hindi_handout(two_cases) -> bytes:
    return render_cases_pdf(TITLE, items_of(two_cases), locale="hi")


# ---------------------------------------------------------------------------------------------------
# The document


def test_handout_is_an_a4_pdf_ua_1_with_its_title_and_language(handout):
    assert handout.startswith(b"%PDF-1.7")
    pdf = pikepdf.open(io.BytesIO(handout))
    assert all((round(float(p.mediabox[2]), 2), round(float(p.mediabox[3]), 2)) == A4_POINTS for p in pdf.pages)
    assert str(pdf.docinfo["/Title"]) == TITLE
    assert pdf.Root.ViewerPreferences.DisplayDocTitle is True, "viewers show the title, not the file name"
    assert pdf.Root.MarkInfo.Marked is True
    assert str(pdf.Root.Lang) == "en"
    metadata = pdf.open_metadata()
    assert metadata["pdfuaid:part"] == "1"
    assert metadata["dc:title"] == TITLE
    assert all(page.Tabs == "/S" for page in pdf.pages), "tab order follows the structure"


def test_page_one_opens_with_the_title_the_date_and_the_contents(handout):
    first = squeezed(page_texts(handout)[0])
    assert first.startswith(f"kb {TITLE} Handout prepared on ")
    assert f"Cases in this handout 1. {ENGLISH_TITLE} (KB-0901, version 1)" in first
    assert "(KB-0937, version 1)" in first
    assert devanagari_only(HINDI_TITLE) in devanagari_only(first)


def test_each_case_has_its_title_classification_note_body_figures_sources_and_closing_citation(handout):
    text = squeezed(pdf_text(handout))
    english = text[text.index("Case 1 of 2"):text.index("Case 2 of 2")]
    assert f"Case 1 of 2 {ENGLISH_TITLE} KB-0901 Land Records" in english
    assert "Karnataka · 2005 · Version 1, 1 January 2026" in english
    assert "Trainer’s note Read before session 2." in english
    assert "A sample practice used by the test suite only." in english
    assert "Problem Citizens queued for days" in english, "the Markdown body is rendered"
    assert "Outcome figures" in english and "Waiting time" in english
    assert "Sources and links • Evaluation report: https://example.org/report" in english
    assert english.index("Cite this case") > english.index("Waiting time"), "the citation closes the case"
    assert "Revenue Department. (2026). Bhoomi: land records at taluk kiosks (Version 1, KB-0901)" in english
    assert english.index("Permalink: http://kb.test/cases/KB-0901/v/1") > english.index("Cite this case")


def test_hindi_text_reads_back_exactly_and_latin_after_it_is_not_garbled(handout):
    text = squeezed(pdf_text(handout))
    hindi = text[text.index("Case 2 of 2"):]
    assert HINDI_TITLE in hindi, "vowel signs and conjuncts read back in their logical order"
    assert "साइबर कैफ़े को लाइसेंस देकर लोकवाणी केंद्र बनाए गए।" in hindi
    assert "चालू केंद्र" in hindi and "110 केंद्र" in hindi
    assert "Permalink: http://kb.test/cases/KB-0937/v/1" in hindi
    # (a line may break inside the address)
    assert "(Version1,KB-0937).kb.http://kb.test/cases/KB-0937/v/1" in "".join(hindi.split())


def test_a_one_case_handout_starts_the_case_on_page_one(make_case):
    case = make_case(901, title=ENGLISH_TITLE)
    pdf = render_cases_pdf(ENGLISH_TITLE, [(case, case.published_revision, "")])
    pages = [squeezed(page) for page in page_texts(pdf)]
    assert len(pages) == 1, "no page is spent on a title alone"
    assert pages[0].startswith(f"kb {ENGLISH_TITLE} Handout prepared on")
    assert f"Case 1 of 1 {ENGLISH_TITLE}" in pages[0] and "Problem Citizens queued for days" in pages[0]
    assert pages[0].endswith(f"kb · {ENGLISH_TITLE} Page 1 of 1")


def test_after_a_long_contents_list_the_first_case_starts_page_two(make_case):
    cases = [make_case(number) for number in range(901, 911)]
    pdf = render_cases_pdf("Ten cases", [(case, case.published_revision, "") for case in cases])
    pages = [squeezed(page) for page in page_texts(pdf)]
    assert "10. Sample practice number 910 (KB-0910, version 1)" in pages[0]
    assert "Case 1 of 10" not in pages[0]
    assert pages[1].startswith("Case 1 of 10 Sample practice number 901")
    assert [index for index, page in enumerate(pages) if re.search(r"Case \d+ of 10", page)] == list(range(1, 11)), \
        "each case starts a new page"


# ---------------------------------------------------------------------------------------------------
# The page footer: never on the text


def words_by_page(data: bytes) -> list[list[tuple[str, float, float, float, float]]]:
    """Each page's lines as (text, xMin, yMin, xMax, yMax), from pdftotext -bbox-layout."""
    tree = ET.fromstring(pdf_text(data, "-bbox-layout"))
    namespace = {"x": "http://www.w3.org/1999/xhtml"}
    pages = []
    for page in tree.iterfind(".//x:page", namespace):
        lines = []
        for line in page.iterfind(".//x:line", namespace):
            text = " ".join(word.text or "" for word in line.iterfind("x:word", namespace))
            lines.append((text, *(float(line.get(k)) for k in ("xMin", "yMin", "xMax", "yMax"))))
        pages.append(lines)
    return pages


def test_the_running_footer_sits_below_the_text_on_every_full_page(make_case):
    paragraph = ("The district team trained village accountants, verified every record in a public reading, "
                 "and moved the counters to the taluk office one block at a time. ")
    body = "\n\n".join(f"## Step {n}\n{paragraph * 3}" for n in range(1, 16))
    case = make_case(901, title=ENGLISH_TITLE, body=body)
    pdf = render_cases_pdf("A long handout", [(case, case.published_revision, "")])
    pages = words_by_page(pdf)
    assert len(pages) >= 3
    full_pages = 0
    for number, lines in enumerate(pages, 1):
        footer = [line for line in lines if line[0] in (f"Page {number} of {len(pages)}", "kb · A long handout")]
        text = [line for line in lines if line not in footer]
        assert len(footer) == 2, f"page {number}: {[line[0] for line in lines][-3:]}"
        text_bottom = max(line[4] for line in text)
        footer_top = min(line[2] for line in footer)
        assert footer_top - text_bottom >= 5.0, f"page {number}: the footer is {footer_top - text_bottom:.1f} pt under the text"
        assert all(line[4] <= A4_POINTS[1] for line in footer), "the footer stays on the page"
        full_pages += text_bottom > 0.85 * A4_POINTS[1]
    assert full_pages >= 2, "the text runs down to the bottom margin, so the footer really is tested"


def test_the_footer_is_a_pagination_artifact_outside_the_structure(handout):
    pdf = pikepdf.open(io.BytesIO(handout))
    artifacts = []
    for page in pdf.pages:
        for operands, operator in pikepdf.parse_content_stream(page):
            if str(operator) == "BDC" and str(operands[0]) == "/Artifact" and isinstance(operands[1], pikepdf.Dictionary):
                artifacts.append(str(operands[1].get("/Type")))
    assert artifacts.count("/Pagination") == 2 * len(pdf.pages), "the two footer boxes of every page"
    tagged_text = structure(handout).text
    assert "Page 1 of" not in tagged_text and "kb · Citizen" not in tagged_text


def test_all_marked_content_belongs_to_the_structure_tree(handout):
    """PDF/UA-1: content is either tagged (reachable from the structure root) or an artifact."""
    pdf = pikepdf.open(io.BytesIO(handout))
    reachable = set()

    def walk(element):
        reachable.add(element.objgen)
        kids = element.get("/K")
        for kid in (list(kids) if isinstance(kids, pikepdf.Array) else [kids]):
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                walk(kid)

    walk(pdf.Root.StructTreeRoot.K[0])
    numbers = pdf.Root.StructTreeRoot.ParentTree.Nums
    for index in range(0, len(numbers), 2):
        value = numbers[index + 1]
        elements = list(value) if isinstance(value, pikepdf.Array) else [value]
        assert all(element.objgen in reachable for element in elements), f"parent tree entry {int(numbers[index])}"


# ---------------------------------------------------------------------------------------------------
# The structure tree


def test_headings_are_the_title_the_cases_and_their_sections_in_reading_order(make_case):
    cases = [make_case(903), make_case(901), make_case(902)]
    pdf = render_cases_pdf(TITLE, [(case, case.published_revision, "") for case in cases])
    tree = structure(pdf)
    assert [squeezed(h.text) for h in tree.find("H1")] == [
        TITLE, "Sample practice number 903", "Sample practice number 901", "Sample practice number 902"]
    sections = [squeezed(h.text) for h in tree.find("H2")]
    assert sections[0] == "Cases in this handout"
    assert sections[1:9] == ["Problem", "Solution", "Technology", "Impact", "Lessons", "How to replicate",
                             "Outcome figures", "Sources and links"]
    articles = tree.find("Art")
    assert [squeezed(a.find("H1")[0].text) for a in articles if a.find("H1")] == [
        "Sample practice number 903", "Sample practice number 901", "Sample practice number 902"]


def test_the_contents_is_a_list_of_items_with_labels_and_bodies(handout):
    contents = structure(handout).find("L")[0]
    items = [node for node in contents.children if node.role == "LI"]
    assert len(items) == 2
    for number, item in enumerate(items, 1):
        assert [child.role for child in item.children] == ["Lbl", "LBody"]
        assert squeezed(item.children[0].text) == f"{number}."
    assert squeezed(items[0].children[1].text) == f"{ENGLISH_TITLE} (KB-0901, version 1)"
    link = items[0].children[1].find("Link")[0]
    assert squeezed(link.text) == ENGLISH_TITLE


def test_outcome_figures_are_a_table_whose_cells_name_their_header_cells(handout):
    table = structure(handout).find("Table")[0]
    headers = table.find("TH")
    assert [squeezed(h.text) for h in headers] == ["Measure", "Before", "After", "Unit"]
    ids = [h.attributes["ID"] for h in headers]
    assert len(set(ids)) == 4
    cells = table.find("TD")
    assert [squeezed(c.text) for c in cells] == ["Waiting time", "30", "1", "days"]
    assert [[str(x) for x in c.attributes["/Headers"]] for c in cells] == [[i] for i in ids]
    assert [r.role for r in table.children] == ["THead", "TBody"]


def test_a_hindi_case_in_an_english_handout_is_tagged_hindi_and_its_labels_english(handout):
    tree = structure(handout)
    assert tree.language == "en"
    hindi_title = next(h for h in tree.find("H1") if HINDI_TITLE in h.text)
    assert hindi_title.language == "hi"
    hindi_article = next(a for a in tree.find("Art") if a.find("H1") and HINDI_TITLE in a.find("H1")[0].text)
    assert hindi_article.lang == "hi", "the language is set on the article itself"
    paragraphs = {squeezed(p.text): p.language for p in hindi_article.find("P")}
    assert paragraphs["सीतापुर जिला प्रशासन ने लोकवाणी केंद्र बनाए।"] == "hi"
    assert paragraphs["Case 2 of 2"] == "en"
    labels = {squeezed(h.text): h.language for h in hindi_article.find("H2")}
    assert labels["समस्या"] == "hi" and labels["Outcome figures"] == "en"
    table = hindi_article.find("Table")[0]
    assert {h.language for h in table.find("TH")} == {"en"} and table.find("TD")[0].language == "hi"
    english_title = next(h for h in tree.find("H1") if h.text.strip() == ENGLISH_TITLE)
    assert english_title.language == "en" and english_title.lang is None, "no /Lang where nothing changes"
    contents_link = next(link for link in tree.find("Link") if HINDI_TITLE in link.text)
    assert contents_link.language == "hi"


def test_an_english_case_in_a_hindi_handout_is_tagged_english_and_its_labels_hindi(hindi_handout):
    pdf = pikepdf.open(io.BytesIO(hindi_handout))
    assert str(pdf.Root.Lang) == "hi"
    tree = structure(hindi_handout)
    # The article runs over two pages: one Art element on each, both tagged.
    english_parts = [a for a in tree.find("Art") if a.lang == "en"]
    assert len(english_parts) == 2 and ENGLISH_TITLE in english_parts[0].find("H1")[0].text
    assert english_parts[0].find("H1")[0].language == "en"
    with force_locale("hi_IN"):
        outcome_figures, cite = _("Outcome figures"), _("Cite this case")
    labels = {squeezed(h.text): h.language for part in english_parts for h in part.find("H2")}
    assert labels["Problem"] == "en"
    assert labels[outcome_figures] == "hi" and labels[cite] == "hi"
    assert "इस हस्तपत्रक में शामिल केस अध्ययन" in squeezed(pdf_text(hindi_handout)), "the labels are Hindi"


def test_links_carry_their_address_and_sit_in_the_structure(handout):
    pdf = pikepdf.open(io.BytesIO(handout))
    annotations = [a for page in pdf.pages for a in page.get("/Annots", []) if a.Subtype == "/Link"]
    permalinks = [a for a in annotations if "/A" in a and str(a.A.URI) == "http://kb.test/cases/KB-0901/v/1"]
    assert permalinks and str(permalinks[0].Contents) == "http://kb.test/cases/KB-0901/v/1"
    assert all("/StructParent" in a for a in annotations)
    internal = [a for a in annotations if "/Dest" in a]
    assert sorted(str(a.Dest) for a in internal) == ["KB-0901", "KB-0937"], "the contents link to the cases"


def test_the_outline_lists_each_case_with_its_sections(handout):
    with pikepdf.open(io.BytesIO(handout)).open_outline() as outline:
        top = [(item.title, [child.title for child in item.children]) for item in outline.root]
    assert [title for title, _ in top] == [ENGLISH_TITLE, HINDI_TITLE]
    assert top[0][1] == ["Problem", "Solution", "Technology", "Impact", "Lessons", "How to replicate",
                         "Outcome figures", "Sources and links"]
    assert top[1][1][:2] == ["समस्या", "समाधान"]


# ---------------------------------------------------------------------------------------------------
# Fonts, fetching, the footer's words


def test_the_shipped_noto_fonts_are_embedded_and_nothing_else(two_cases, make_case):
    body = ("## Problem\nCopies were *handwritten*, **slow** and kept as `RTC-1` forms:\n\n"
            "```\nRTC no. 17/2 — भूमि अभिलेख\n```\n")
    styled = make_case(902, body=body)
    items = items_of(two_cases) + [(styled, styled.published_revision, "")]
    pdf = pikepdf.open(io.BytesIO(render_cases_pdf(TITLE, items)))
    embedded = {}
    for page in pdf.pages:
        for font in page.Resources.Font.values():
            descriptor = font.DescendantFonts[0].FontDescriptor
            program = TTFont(io.BytesIO(descriptor.FontFile2.read_bytes()))
            embedded[str(font.BaseFont).split("+")[-1]] = program["name"].getDebugName(6)
    shipped = {}
    for path in FONT_DIR.glob("*.ttf"):
        with TTFont(str(path), lazy=True) as font:
            shipped[font["name"].getDebugName(6)] = path.name
    assert embedded == {
        "KB-Noto-Sans": "NotoSans-Regular", "KB-Noto-Sans-Bold": "NotoSans-Bold",
        "KB-Noto-Sans-Italic": "NotoSans-Italic",
        "KB-Noto-Sans-Devanagari": "NotoSansDevanagari-Regular",
        "KB-Noto-Sans-Devanagari-Bold": "NotoSansDevanagari-Bold",
    }
    assert set(embedded.values()) <= set(shipped), "every font in the PDF is one of kb/static/fonts, code too"
    assert (FONT_DIR / "OFL.txt").read_text().count("SIL Open Font License") >= 1


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 (the standard library's name)
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def recording_server():
    _Recorder.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.requests
    server.shutdown()
    server.server_close()


def test_an_image_from_elsewhere_is_left_out_and_never_requested(make_case, recording_server):
    address, requests = recording_server
    body = (f"## Problem\nQueues at the office.\n\n![A chart of the queues]({address}/chart.png)\n\n"
            f"<img src=\"{address}/tracker.gif\" alt=\"\">\n")
    case = make_case(901, body=body)
    pdf = render_cases_pdf("Images", [(case, case.published_revision, "")])
    assert requests == [], "nothing is fetched from outside kb/static"
    assert "A chart of the queues" in pdf_text(pdf), "its alternative text stands in for it"


def test_the_fetcher_serves_kb_static_and_refuses_everything_else():
    from kb.services.handouts import STATIC_URL, _static_fetcher

    fetcher = _static_fetcher()
    font = fetcher.fetch(STATIC_URL + "fonts/NotoSans-Regular.ttf")
    assert font.read() == (FONT_DIR / "NotoSans-Regular.ttf").read_bytes()
    for url in (STATIC_URL + "../services/handouts.py", STATIC_URL + "fonts/missing.ttf", "file:///etc/hostname",
                "http://127.0.0.1:9/x.png", "https://example.org/kb.css", "data:text/css,body{}"):
        with pytest.raises(ValueError, match="not fetched"):
            fetcher.fetch(url)


def test_page_footer_words_come_from_the_catalogue_as_css_content(app):
    with force_locale("en_IN"):
        assert page_footer_content() == '"Page " counter(page) " of " counter(pages)'
    with force_locale("hi_IN"):
        assert page_footer_content() == '"पृष्ठ " counter(page) " / " counter(pages)'


def test_css_strings_cannot_break_out_of_the_style_element():
    assert css_string('a "b" \\ </style>') == '"a \\22 b\\22  \\5c  \\3c /style\\3e "'


def test_poppler_reads_the_hindi_pages_without_errors(hindi_handout):
    text = pdf_text(hindi_handout)
    assert "".join(HINDI_TITLE.split()) in "".join(text.split())



def test_a_handout_asked_for_again_comes_from_the_cache_and_a_change_renders_anew(app, make_case, tmp_path):
    import time

    from kb.services.handouts import render_cases_pdf

    case = make_case(990)
    items = [(case, case.published_revision, "Read before the session.")]
    first = render_cases_pdf("Week one", items, locale="en")
    started = time.perf_counter()
    again = render_cases_pdf("Week one", items, locale="en")
    assert again == first and time.perf_counter() - started < 0.5
    cached = list((tmp_path / "instance" / "cache" / "handouts").glob("*.pdf"))
    assert len(cached) == 1 and cached[0].read_bytes() == first
    changed = render_cases_pdf("Week one", [(case, case.published_revision, "A different note.")], locale="en")
    assert changed != first
    assert len(list((tmp_path / "instance" / "cache" / "handouts").glob("*.pdf"))) == 2


def test_streams_are_deflated_at_zlibs_default_level_and_read_back_whole(handout):
    # pydyf would deflate at level 9: four times the time for 3 % of the size (kb.services.handouts).
    # The second byte of a zlib stream's header records the level used: 0x9c for the default (6), 0xda
    # for the best (9).
    pdf = pikepdf.open(io.BytesIO(handout))
    deflated = [obj for obj in pdf.objects
                if isinstance(obj, pikepdf.Stream) and obj.get("/Filter") == pikepdf.Name.FlateDecode]
    page_streams = {page.Contents.objgen for page in pdf.pages}
    assert page_streams <= {obj.objgen for obj in deflated}, "every page's content is deflated"
    assert {obj.read_raw_bytes()[1] for obj in deflated} == {0x9C}
    assert all(obj.read_bytes() for obj in deflated), "each decodes"
    assert "Bhoomi" in pdf_text(handout)
