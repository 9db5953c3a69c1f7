"""kb.fragments: the parts of pages kept between requests are the same for everyone, and a change to
what is published shows at once (nothing withdrawn ever shows from a kept copy)."""
from __future__ import annotations

import pytest

from kb import search
from kb.extensions import db
from kb.services import submissions
from kb import fragments
from tests.views.screens import text_of, visible_text


def kept_names() -> set[str]:
    return {key[0] for key in fragments.CACHE._items}


@pytest.fixture(autouse=True)
def empty_cache():
    fragments.CACHE.clear()
    yield
    fragments.CACHE.clear()


def test_a_search_page_is_kept_and_the_same_for_every_reader(client, app, make_case, make_user, login_as):
    make_case(901, title="Kiosks print land records at the taluk office")
    first = text_of(client.get("/cases?q=kiosks"))
    kept = len(fragments.CACHE)
    assert kept >= 1 and "KB-0901" in first
    assert text_of(client.get("/cases?q=kiosks")) == first
    assert len(fragments.CACHE) == kept, "the second reader got the kept results"
    reader = app.test_client()
    login_as(reader, make_user("trainer"))
    page = text_of(reader.get("/cases?q=kiosks"))
    assert "KB-0901" in page and "Log out" in page and "Log out" not in first, "the header is each reader's"
    hindi = text_of(client.get("/hi/cases?q=kiosks"))
    assert '<html lang="hi"' in hindi and "केस अध्ययन" in hindi, "each language is kept apart"


def test_a_publication_shows_at_once_and_a_withdrawal_is_gone_at_once(client, make_case, make_submission):
    make_case(901, title="Kiosks print land records at the taluk office")
    assert "KB-0902" not in text_of(client.get("/cases?q=kiosks"))
    make_case(902, title="More kiosks for land records in every village")
    assert "KB-0902" in text_of(client.get("/cases?q=kiosks")), "published a moment ago"
    case, people = make_submission("published", title="Kiosks at the district office for grievances")
    assert case.public_id in text_of(client.get("/cases?q=kiosks"))
    submissions.take_action(people["reviewer"], case.public_id, "archive", note="The scheme was closed.")
    db.session.commit()
    assert case.public_id not in text_of(client.get("/cases?q=kiosks")), "withdrawn: never from a kept copy"


def test_nothing_is_kept_while_the_index_lags_the_database(app, client, make_case):
    make_case(901, title="Kiosks print land records at the taluk office")
    app.config["KB_INDEX_SYNC"] = "manual"
    with search.sync_suspended():
        make_case(903, title="Kiosks draft that is then withdrawn in the same moment")
    assert search.library_version() is None, "the index has not applied the latest change"
    client.get("/cases?q=kiosks")
    assert kept_names() == {"footer-columns", "footer-owner"}, "only what does not depend on the library"
    search.sync()
    assert search.library_version() is not None
    assert "KB-0903" in text_of(client.get("/cases?q=kiosks"))


def test_a_case_pages_article_is_kept_but_its_adoption_panel_is_the_readers(app, client, make_case, make_user,
                                                                           login_as):
    make_case(901, title="Kiosks print land records at the taluk office")
    anonymous = visible_text(client.get("/cases/KB-0901"))
    assert "Record that your institute used this case" not in anonymous
    trainer = app.test_client()
    login_as(trainer, make_user("trainer"))
    page = visible_text(trainer.get("/cases/KB-0901"))
    assert "Kiosks print land records at the taluk office" in page
    assert "Record that your institute used this case" in page


def test_the_api_search_is_kept_per_address_and_follows_the_library(client, make_case):
    make_case(901, title="Kiosks print land records at the taluk office")
    first = client.get("/api/v1/cases?q=kiosks")
    assert first.mimetype == "application/json" and first.json["total"] == 1
    kept = len(fragments.CACHE)
    assert client.get("/api/v1/cases?q=kiosks").get_data() == first.get_data()
    assert len(fragments.CACHE) == kept
    assert client.get("/api/v1/cases?q=kiosks&per_page=1").json["per_page"] == 1, "each address is its own"
    make_case(902, title="More kiosks for land records in every village")
    assert client.get("/api/v1/cases?q=kiosks").json["total"] == 2, "published a moment ago"
    assert client.get("/api/v1/cases?per_page=0").status_code == 400, "bad paging is refused, not kept"


def test_the_footer_is_kept_per_language_and_follows_the_owner_settings(app, client):
    english = text_of(client.get("/cases"))
    assert "[owning department: set KB_OWNER_NAME]" in english
    assert {"footer-columns", "footer-owner"} <= kept_names()
    app.config.update(KB_OWNER_NAME="Department of Administrative Reforms, Government of Example")
    assert "Content owned and maintained by Department of Administrative Reforms" in text_of(client.get("/cases"))
    hindi = text_of(client.get("/hi/cases"))
    assert "इस साइट के बारे में" in hindi and "About this site" not in hindi, "the Hindi footer is its own"
