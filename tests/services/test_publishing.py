"""kb.services.publishing: the one way a revision goes live or a case is withdrawn."""
from __future__ import annotations

from sqlalchemy import select

from kb import search
from kb.extensions import db
from kb.models import SearchOutbox, StatusEvent
from kb.services import catalog, publishing


def events(case) -> list[tuple]:
    return [(e.action, e.from_status, e.to_status, e.note) for e in db.session.scalars(
        select(StatusEvent).where(StatusEvent.case_id == case.id).order_by(StatusEvent.id))]


def test_a_new_version_supersedes_the_live_one_and_carries_its_classification(make_case):
    first = make_case(970, title="First version of the practice", tags=["kiosks"], stage="pilot", state="KA")
    first_published = first.first_published_at
    case = make_case(970, title="Second version of the practice", tags=["kiosks", "mutation"], stage="statewide",
                     state="MH")
    old, new = case.revisions
    assert (old.status, new.status) == ("superseded", "published") and case.published_revision is new
    assert case.stage == "statewide" and case.state.code == "MH" and case.tag_names == ["kiosks", "mutation"]
    assert case.first_published_at == first_published, "the case entered the library once"
    assert events(case)[-2:] == [("import", "published", "superseded", "replaced by version 2"),
                                 ("import", None, "published", "imported from kb-0970.md")]


def test_publishing_queues_the_change_for_every_search_index(make_case):
    case = make_case(971)
    assert db.session.scalar(select(SearchOutbox.id).where(SearchOutbox.case_id == case.id)) is not None
    search.sync()
    assert [c.public_id for c in catalog.search_cases("Sample practice number 971").items] == ["KB-0971"]


def test_withdrawing_a_case_archives_its_live_version_and_takes_it_out_of_the_library(make_case):
    case = make_case(972)
    search.sync()
    publishing.withdraw_case(case, actor=None, note="The scheme was closed.")
    db.session.commit()
    search.sync()
    assert case.published_revision is None and case.revisions[-1].status == "archived"
    assert events(case)[-1] == ("archive", "published", "archived", "The scheme was closed.")
    assert catalog.search_cases("Sample practice number 972").total == 0


def test_tags_are_created_once_and_shared(make_case):
    make_case(973, tags=["kiosks", "new-tag"])
    again = publishing.tags_by_name(["new-tag", "kiosks", "new-tag"])
    assert [t.name for t in again] == ["kiosks", "new-tag"] and all(t.id for t in again)
