"""kb.services.catalog: reading the public library (single cases, versions, taxonomy pages, paging and
filters); search itself is tested in tests/search."""
from __future__ import annotations

import pytest

from kb.errors import NotFound, ValidationError
from kb.services import catalog


def test_a_published_case_is_found_by_its_id_in_any_case(make_case):
    make_case(980)
    assert catalog.get_published_case("kb-0980").public_id == "KB-0980"


@pytest.mark.parametrize("public_id", ["KB-0981", "KB-9999", "KB-", "nonsense", ""])
def test_an_unpublished_unknown_or_malformed_id_is_not_found(make_unpublished_case, public_id):
    make_unpublished_case(981, title="A draft nobody may read yet")
    with pytest.raises(NotFound):
        catalog.get_published_case(public_id)


def test_every_published_version_stays_readable_and_a_draft_never(make_case, make_submission):
    make_case(982, title="First version")
    make_case(982, title="Second version")
    case, revision = catalog.get_public_version("KB-0982", 1)
    assert revision.title == "First version" and revision.status == "superseded"
    assert [r.number for r in catalog.public_versions(case)] == [2, 1]
    with pytest.raises(NotFound):
        catalog.get_public_version("KB-0982", 3)


@pytest.mark.parametrize("page, per_page, field", [
    ("0", None, "page"), ("two", None, "page"), ("1", "101", "per_page"), ("1", "-5", "per_page")])
def test_bad_paging_names_the_field(page, per_page, field):
    with pytest.raises(ValidationError) as error:
        catalog.parse_paging(page, per_page)
    assert set(error.value.fields) == {field}


def test_paging_defaults_and_filters():
    assert catalog.parse_paging(None, None) == (1, catalog.DEFAULT_PER_PAGE)
    filters = catalog.parse_filters({"state": ["KA", " ", "MH"], "year": ["2005"], "tag": [""]})
    assert filters.active() == {"state": ["KA", "MH"], "year": [2005]}
    with pytest.raises(ValidationError) as error:
        catalog.parse_filters({"year": ["twenty"]})
    assert set(error.value.fields) == {"year"}


def test_the_overview_counts_only_published_cases(make_case, make_unpublished_case):
    make_case(983, state="KA")
    make_case(984, state=None)
    make_unpublished_case(985, title="A draft that is not counted")
    overview = catalog.library_overview()
    assert overview.case_count == 2 and overview.central_count == 1 and overview.state_count == 1
    assert sorted(c.public_id for c in overview.newest) == ["KB-0983", "KB-0984"], "never the draft"


def test_taxonomy_pages_answer_by_slug_and_code(app):
    assert catalog.get_mmp("land-records").category == "state"
    assert catalog.get_state("ka").code == "KA"
    with pytest.raises(NotFound):
        catalog.get_mmp("no-such-mmp")
    with pytest.raises(NotFound):
        catalog.get_state("ZZ")


def test_similar_practices_never_include_the_case_itself_or_an_unpublished_one(make_case, make_unpublished_case):
    from kb import search

    make_case(986, title="Kiosks print land records at the taluk office")
    make_case(987, title="Land records printed at village kiosks")
    make_unpublished_case(988, title="Land records kiosks draft")
    search.sync()
    similar = [c.public_id for c in catalog.similar_cases("KB-0986")]
    assert "KB-0986" not in similar and "KB-0988" not in similar
