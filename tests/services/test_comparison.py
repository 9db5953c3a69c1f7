"""kb.services.comparison: two to four published cases side by side."""
from __future__ import annotations

import pytest

from kb.errors import NotFound, ValidationError
from kb.services.comparison import compare_cases, parse_case_ids
from tests.services.test_citations import HINDI_BODY


def test_two_to_four_distinct_ids_are_accepted_in_order():
    assert parse_case_ids(["kb-0002", "KB-0001"]) == ["KB-0002", "KB-0001"]
    assert parse_case_ids(["KB-0001,KB-0002 KB-0003"]) == ["KB-0001", "KB-0002", "KB-0003"]
    assert parse_case_ids(["KB-0001", "KB-0002", "KB-0001", ""]) == ["KB-0001", "KB-0002"]


@pytest.mark.parametrize("values", [[], ["KB-0001"], ["KB-0001", "kb-0001"],
                                    ["KB-0001", "KB-0002", "KB-0003", "KB-0004", "KB-0005"]])
def test_fewer_than_two_or_more_than_four_cases_is_a_validation_error_on_ids(values):
    with pytest.raises(ValidationError) as error:
        parse_case_ids(values)
    assert set(error.value.fields) == {"ids"}


def test_unknown_or_unpublished_cases_are_not_found(make_case, make_unpublished_case):
    make_case(901)
    make_unpublished_case(950)
    for other in ("KB-0950", "KB-4040", "nonsense"):
        with pytest.raises(NotFound):
            compare_cases(["KB-0901", other])


def test_sections_align_across_english_and_hindi_cases(make_case):
    make_case(901)
    make_case(937, language="hi", body=HINDI_BODY, title="लोकवाणी: सीतापुर में जन-शिकायत निवारण")
    result = compare_cases(["KB-0901", "KB-0937"])
    assert result.ids == ["KB-0901", "KB-0937"]
    english, hindi = result.columns
    assert english.sections["problem"].text.startswith("Citizens queued")
    assert hindi.sections["problem"].text.startswith("नागरिकों को शिकायत")
    assert hindi.heading("replicate") == "दोहराने का तरीका"
    assert english.heading("replicate") == "How to replicate"
    assert all(key in column.sections for key in result.section_keys for column in result.columns)


def test_outcome_figures_with_the_same_label_share_a_row(make_case):
    make_case(901)
    make_case(902, outcomes=[
        {"label": "waiting  TIME", "before": 10, "after": 2, "unit": "days", "source": None},
        {"label": "Kiosks", "before": None, "after": 50, "unit": "", "source": None},
    ])
    rows = compare_cases(["KB-0901", "KB-0902"]).outcome_rows
    assert [row.label for row in rows] == ["Waiting time", "Kiosks"]
    assert [c.after_value if c else None for c in rows[0].cells] == [1, 2]
    assert [c.after_value if c else None for c in rows[1].cells] == [None, 50]
