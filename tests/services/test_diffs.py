"""kb.services.diffs: two revisions side by side, as plain data with word-level changes."""
from __future__ import annotations

from sqlalchemy import select

from kb.extensions import db
from kb.models import Revision
from kb.services.diffs import DELETE, EQUAL, INSERT, REPLACE, Segment, diff_lines, diff_revisions, diff_words
from tests.conftest import SAMPLE_BODY


def revisions_of(case) -> list[Revision]:
    return list(db.session.scalars(select(Revision).where(Revision.case_id == case.id).order_by(Revision.number)))


def changed_text(segments) -> list[str]:
    return [s.text for s in segments if s.changed]


def test_word_diff_marks_only_the_changed_words():
    left, right = diff_words("Waiting time fell from weeks to minutes.", "Waiting time fell from days to minutes.")
    assert changed_text(left) == ["weeks"]
    assert changed_text(right) == ["days"]
    assert "".join(s.text for s in left) == "Waiting time fell from weeks to minutes."
    assert "".join(s.text for s in right) == "Waiting time fell from days to minutes."


def test_word_diff_keeps_devanagari_words_whole():
    # Python's \w does not match vowel signs and viramas; a word must not be cut at them.
    left, right = diff_words("नागरिकों को प्रमाणपत्र मिला।", "नागरिकों को प्रौद्योगिकी मिली।")
    assert changed_text(left) == ["प्रमाणपत्र मिला"]
    assert changed_text(right) == ["प्रौद्योगिकी मिली"]


def test_line_diff_pairs_replaced_lines_and_reports_insertions_and_deletions():
    rows = diff_lines(["one", "two words here", "three"], ["one", "two words there", "three", "four"])
    assert [r.kind for r in rows] == [EQUAL, REPLACE, EQUAL, INSERT]
    assert rows[1].left == "two words here" and rows[1].right == "two words there"
    assert changed_text(rows[1].right_segments) == ["there"]
    assert rows[3].left is None and rows[3].right_segments == (Segment("four", True),)
    removed = diff_lines(["a", "b"], ["a"])
    assert [r.kind for r in removed] == [EQUAL, DELETE] and removed[1].right is None


def test_identical_revisions_have_no_changes(make_case):
    case = make_case(901)
    diff = diff_revisions(case.published_revision, case.published_revision)
    assert not diff.changed
    assert diff.counts() == {INSERT: 0, DELETE: 0, REPLACE: 0}


def test_diff_between_versions_finds_each_kind_of_change(make_case, make_document):
    make_case(901)
    case = make_case(
        901, title="Sample practice number 901, revised",
        body=SAMPLE_BODY.replace("Waiting time fell from weeks to minutes.", "Waiting time fell from weeks to seconds.")
                        .replace("Stop accepting handwritten copies once the digital record is trusted.\n", ""),
        outcomes=[{"label": "Waiting time", "before": 30, "after": 2, "unit": "days",
                   "source": "https://example.org/report"},
                  {"label": "Kiosks", "before": None, "after": 177, "unit": "", "source": None}],
        links=[{"title": "Evaluation report (2nd edition)", "url": "https://example.org/report"}],
        department="Revenue and Disaster Management Department",
    )
    old, new = revisions_of(case)
    diff = diff_revisions(old, new)
    assert diff.changed and (diff.old_version, diff.new_version) == (1, 2)

    title = diff.section("title").rows[0]
    assert title.kind == REPLACE and changed_text(title.right_segments) == [", revised"]

    impact = next(s for s in diff.body_sections() if s.heading == "Impact")
    assert [r.kind for r in impact.rows] == [REPLACE]
    assert changed_text(impact.rows[0].left_segments) == ["minutes"]
    assert changed_text(impact.rows[0].right_segments) == ["seconds"]
    lessons = next(s for s in diff.body_sections() if s.heading == "Lessons")
    assert [r.kind for r in lessons.rows] == [DELETE]
    problem = next(s for s in diff.body_sections() if s.heading == "Problem")
    assert not problem.changed

    department = next(r for r in diff.section("metadata").rows if r.field == "department")
    assert department.kind == REPLACE and department.right == "Revenue and Disaster Management Department"
    assert all(r.kind == EQUAL for r in diff.section("metadata").rows if r.field != "department")

    outcome_rows = diff.section("outcomes").rows
    assert [r.kind for r in outcome_rows] == [REPLACE, INSERT]
    assert changed_text(outcome_rows[0].right_segments) == ["2"]
    assert outcome_rows[1].right.startswith("Kiosks: – → 177")
    assert [r.kind for r in diff.section("links").rows] == [REPLACE]
    assert diff.counts() == {INSERT: 1, DELETE: 1, REPLACE: 5}


def test_renamed_and_new_body_sections_are_aligned(make_case):
    make_case(902)
    body = SAMPLE_BODY.replace("## Lessons", "## Lessons learnt") + "\n## Costs\nAbout 2 crore rupees a year.\n"
    case = make_case(902, body=body)
    old, new = revisions_of(case)
    sections = {s.heading: s for s in diff_revisions(old, new).body_sections()}
    renamed = sections["Lessons learnt"]
    assert renamed.rows[0].kind == REPLACE and renamed.rows[0].left == "Lessons"
    assert [r.kind for r in sections["Costs"].rows] == [INSERT, INSERT]
    assert not sections["Problem"].changed


def test_a_first_version_compared_with_nothing_is_all_insertions(make_case):
    case = make_case(903)
    diff = diff_revisions(None, case.published_revision)
    assert diff.old_version is None
    kinds = {row.kind for section in diff.sections for row in section.rows}
    assert kinds == {INSERT}
    assert all(row.left is None for section in diff.sections for row in section.rows)


def test_diff_text_is_plain_data_never_markup(make_case):
    make_case(904)
    case = make_case(904, title="<b>Kiosks</b> & <script>x</script>")
    old, new = revisions_of(case)
    row = diff_revisions(old, new).section("title").rows[0]
    assert "".join(s.text for s in row.right_segments) == "<b>Kiosks</b> & <script>x</script>"


def test_the_title_and_summary_in_the_other_language_are_compared_too(make_case):
    from kb.services.catalog import get_public_version

    make_case(960, translated_title="भूमि अभिलेख का पुराना शीर्षक")
    make_case(960, translated_title="भूमि अभिलेख का नया शीर्षक",
              translated_summary="नया हिंदी सारांश जो पहले संस्करण में नहीं था।")
    _case, old = get_public_version("KB-0960", 1)
    _case, new = get_public_version("KB-0960", 2)
    diff = diff_revisions(old, new)
    title = diff.section("translated_title")
    assert title.changed and title.rows[0].left == "भूमि अभिलेख का पुराना शीर्षक"
    assert [s.text for s in title.rows[0].right_segments if s.changed] == ["नया"]
    assert diff.section("translated_summary").changed and not diff.section("title").changed


CHANGED_VALUES = {
    "title": "Another title for the same practice", "summary": "Another summary, long enough to be one.",
    "translated_title": "एक और शीर्षक", "translated_summary": "एक और सारांश जो काफ़ी लंबा है।",
    "body": SAMPLE_BODY.replace("## Lessons\n", "## Lessons\nA lesson added in the new version.\n"),
    "mmp": "e-district", "state": "TN", "department": "Another Department", "year": 2001, "stage": "national",
    "language": "hi", "tags": ["another-tag"],
    "outcomes": [{"label": "Visits to the office", "before": 4, "after": 1, "unit": "visits"}],
    "links": [{"title": "Another report", "url": "https://example.org/another"}],
    "contacts": [{"name": "Another officer"}],
    "recognitions": [{"name": "Another award", "year": 2015, "category": ""}],
}


def _unsaved_revision(number: int, fields) -> Revision:
    from kb.models import Mmp
    from kb.services.case_fields import write_revision

    revision = Revision(number=number, title="", summary="", body="")
    write_revision(revision, fields)
    revision.mmp = db.session.get(Mmp, revision.mmp_id)  # an unsaved object does not load it by id
    return revision


def test_a_change_to_any_field_of_a_case_shows_in_the_differences(app, submission_data):
    from kb.services.case_fields import CLASSIFICATION, FIELD_NAMES, CaseFields, check_fields

    base = check_fields(submission_data(recognitions=[{"name": "National Award for e-Governance", "year": 2012}]),
                        complete=True)
    assert set(CHANGED_VALUES) == set(FIELD_NAMES)  # a new field needs its line here, and in the diff
    old = _unsaved_revision(1, base)
    for name, value in CHANGED_VALUES.items():
        new = _unsaved_revision(2, CaseFields.from_dict({**base.fields(), name: value}))
        diff = diff_revisions(old, new)
        if name in CLASSIFICATION:
            rows = [row for row in diff.section("metadata").rows if row.field == name]
            assert rows and rows[0].changed, name
        elif name == "body":
            assert any(section.changed for section in diff.body_sections())
        else:
            assert diff.section(name).changed, name
        unchanged = [s.key for s in diff.sections if s.changed and s.key not in (name, "metadata", "body")]
        assert unchanged == [], f"{name} changed {unchanged} too"
    db.session.rollback()
