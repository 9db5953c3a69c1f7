"""kb.services.alerts: what a followed search keeps of the search it follows."""
from __future__ import annotations

from kb.services import alerts


def test_a_followed_search_keeps_every_filter_of_the_search_page_and_names_it(app):
    query = "q=kiosk&state=KA&evidence=audited&award=National+Award&sort=views&page=3&unknown=x"
    assert alerts.query_arguments(query) == {"q": ["kiosk"], "state": ["KA"], "evidence": ["audited"],
                                             "award": ["National Award"]}
    with app.test_request_context("/en/"):
        assert alerts.describe(query) == "“kiosk”; Karnataka; Audited (e.g. CAG); National Award"
