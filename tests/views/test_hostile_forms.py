"""Every hostile value in every field of the site's forms and addresses is answered with a 4xx naming the
field (the form again, with the text kept), never a 5xx, and changes nothing saved: property-based
(Hypothesis, tests/hostile.py), on SQLite and PostgreSQL."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from kb.services.case_fields import read_revision
from kb.extensions import db
from kb.models import Case, Feedback, User
from kb.services import submissions
from tests.conftest import SUBMISSION
from tests.hostile import HOSTILE_SETTINGS, HOSTILE_TEXT

FORMS = {
    "/login": {"email": "someone@example.org", "password": "a password here"},
    "/register": {"name": "A Person", "email": "new@example.org", "role": "trainer", "org": "",
                  "password": "long enough password", "password_confirm": "long enough password"},
    "/password/forgot": {"email": "someone@example.org"},
    "/feedback": {"name": "A Person", "email": "someone@example.org", "category": "suggestion",
                  "message": "A message about the site.", "page_url": ""},
}
CASE_FORM = {**{key: value for key, value in SUBMISSION.items() if isinstance(value, str)},
             "year": "2019", "tags": "doorstep, land records"}


@pytest.fixture
def site(app, client, make_user, make_submission, login_as, form_token):
    submitter = make_user("submitter")
    canary, _ = make_submission("published", submitter=submitter)
    writer = app.test_client()
    login_as(writer, submitter)
    site = {"client": client, "writer": writer, "canary": canary.public_id,
            "tokens": dict.fromkeys(FORMS, form_token(client, "/login")),  # one token per session
            "case_token": form_token(writer, "/submissions/new")}
    site["before"] = _snapshot(site["canary"])
    return site


def _snapshot(public_id: str):
    db.session.rollback()
    case = submissions.find_case(public_id)
    return (read_revision(case.published_revision), case.published_revision.lock_version,
            db.session.scalar(select(func.count()).select_from(User)))


def _answered(site, response):
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    assert _snapshot(site["canary"]) == site["before"]


@HOSTILE_SETTINGS
@given(path=st.sampled_from(sorted(FORMS)), data=st.data())
def test_any_value_in_any_field_of_the_public_forms(site, path, data):
    field = data.draw(st.sampled_from(sorted(FORMS[path])))
    value = data.draw(HOSTILE_TEXT)
    response = site["client"].post(path, data={**FORMS[path], field: value, "csrf_token": site["tokens"][path]},
                                   environ_overrides={"REMOTE_ADDR": "192.0.2.1"})
    _answered(site, response)


@HOSTILE_SETTINGS
@given(field=st.sampled_from(sorted(CASE_FORM)), value=HOSTILE_TEXT)
def test_any_value_in_any_field_of_the_case_form(site, field, value):
    response = site["writer"].post("/submissions/new",
                                   data={**CASE_FORM, field: value, "csrf_token": site["case_token"]})
    _answered(site, response)
    if response.status_code == 400 and "\x00" not in value:  # the form again, with what was typed kept
        assert 'name="title"' in response.get_data(as_text=True)


@HOSTILE_SETTINGS
@given(template=st.sampled_from(["/mmps/{}", "/states/{}", "/cases/{}", "/cases/{}/versions", "/packs/{}/edit",
                                 "/institutes/{}", "/replications/{}", "/submissions/{}", "/cases?page={}",
                                 "/cases?year={}", "/cases?q={}", "/search?q={}&page={}", "/compare?ids={}",
                                 "/notifications?page={}", "/cases/KB-0001/diff?from={}&to=1"]),
       value=HOSTILE_TEXT)
def test_any_value_in_any_address(site, template, value):
    response = site["writer"].get(template.replace("{}", quote(value, safe="")))
    _answered(site, response)
    assert response.status_code in (200, 302, 400, 404)


# ---------------------------------------------------------------------------------------------------
# The cases the outside evaluation found, by name


@pytest.mark.parametrize("path", sorted(FORMS))
def test_a_nul_byte_in_a_form_is_a_400_with_the_form_again_and_nothing_saved(site, path):
    field = "email" if "email" in FORMS[path] else sorted(FORMS[path])[0]
    response = site["client"].post(path, data={**FORMS[path], field: "someone\x00@example.org",
                                               "csrf_token": site["tokens"][path]})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and field in page and "someone@example.org" in page
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 0


@pytest.mark.parametrize("path", ["/mmps/x%00", "/cases/KB-99999999999999999999", f"/packs/{2**70}/edit",
                                  "/cases?page=" + "1" + "0" * 30, "/cases?year=%C2%B2", "/search?q=%00"])
def test_unstorable_and_oversized_values_in_addresses_are_4xx(site, path):
    assert 400 <= site["writer"].get(path).status_code < 500


def test_a_case_form_with_a_text_too_long_is_shown_again_with_the_text_kept(site):
    response = site["writer"].post("/submissions/new", data={**CASE_FORM, "department": "Revenue " * 100,
                                                             "csrf_token": site["case_token"]})
    assert response.status_code == 400 and "at most 300 characters" in response.get_data(as_text=True)
    assert "Doorstep delivery of land record copies" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1  # the canary alone


def test_tags_typed_with_spaces_in_the_form_are_kept_whole(site):
    response = site["writer"].post("/submissions/new", data={**CASE_FORM, "tags": "land records, Citizen Service Centres",
                                                             "csrf_token": site["case_token"]})
    assert response.status_code == 302
    case = submissions.find_case(response.headers["Location"].rstrip("/").split("/")[-1])
    assert case.working_revision.tag_names == ["citizen-service-centres", "land-records"]


# ---------------------------------------------------------------------------------------------------
# Every address, including those added after this file was written


ADDRESS_VALUES = ["\x00", "²", str(2**64), "-1", "<script>x</script>", "KB-0001", "x" * 3000, "%ff"]
QUERY_NAMES = ["q", "page", "per_page", "year", "mmp", "state", "tag", "language", "sort", "evidence",
               "current", "award", "from", "to", "ids", "verb", "metadataPrefix", "set", "until",
               "identifier", "resumptionToken", "frequency", "next", "usage_days", "usage_sort", "version"]


def _every_address(app, value: str) -> list[str]:
    """Each GET route of the application with ``value`` in each of its variables, and once more with
    ``value`` in every query parameter the site reads."""
    filled = quote(value, safe="")
    query = "&".join(f"{name}={filled}" for name in QUERY_NAMES)
    addresses = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        path = re.sub(r"<[^>]+>", filled, rule.rule)
        addresses += [path, f"{path}?{query}"]
    return addresses


@pytest.mark.parametrize("value", ADDRESS_VALUES, ids=range(len(ADDRESS_VALUES)))
def test_every_address_of_the_site_answers_any_value_without_a_server_error(app, site, value):
    addresses = _every_address(app, value)
    assert len(addresses) > 150  # every blueprint's routes, the site's and the API's
    for client in (site["client"], site["writer"]):
        for address in addresses:
            response = client.get(address)
            body = response.get_data().decode("utf-8", "replace")  # read whole: a stream holds its request
            response.close()
            assert response.status_code < 500, (address[:200], body[:300])
    assert _snapshot(site["canary"]) == site["before"]
