"""kb.services.versions: the public version history of a case and the diff between two versions."""
from __future__ import annotations

import pytest

from kb.errors import NotFound, ValidationError
from kb.extensions import db
from kb.models import Revision
from kb.services.versions import compare_versions, parse_version_pair, version_history


@pytest.fixture
def case_with_draft(make_case):
    """A case with published versions 1 (superseded) and 2, and an unpublished draft 3."""
    make_case(901)
    case = make_case(901, title="Sample practice, revised")
    db.session.add(Revision(case=case, number=3, title="Not yet public", summary="Draft.", body="## Problem\nx\n",
                            status="draft", language="en"))
    db.session.commit()
    return case


def test_history_lists_public_versions_newest_first(case_with_draft):
    case, versions = version_history("KB-0901")
    assert [v.number for v in versions] == [2, 1]
    assert [v.status for v in versions] == ["published", "superseded"]


def test_compare_versions_diffs_in_the_order_given(case_with_draft):
    result = compare_versions("KB-0901", "1", "2")
    assert (result.old.number, result.new.number) == (1, 2)
    assert result.diff.section("title").rows[0].right == "Sample practice, revised"
    backwards = compare_versions("KB-0901", "2", "1")
    assert backwards.diff.section("title").rows[0].right == "Sample practice number 901"


@pytest.mark.parametrize("from_value, to_value, bad", [
    ("", "2", {"from"}), (None, None, {"from", "to"}), ("one", "2", {"from"}), ("1", "0", {"to"}),
    ("1", "-2", {"to"}), ("1.5", "2", {"from"}), ("١", "2", {"from"}),
])
def test_bad_version_numbers_name_the_field(from_value, to_value, bad):
    with pytest.raises(ValidationError) as error:
        parse_version_pair(from_value, to_value)
    assert set(error.value.fields) == bad


@pytest.mark.parametrize("from_value, to_value", [("1", "3"), ("1", "9"), ("3", "2")])
def test_unpublished_or_unknown_versions_are_not_found(case_with_draft, from_value, to_value):
    with pytest.raises(NotFound):
        compare_versions("KB-0901", from_value, to_value)


def test_a_case_that_is_not_published_has_no_history(make_unpublished_case):
    make_unpublished_case(950)
    with pytest.raises(NotFound):
        version_history("KB-0950")
