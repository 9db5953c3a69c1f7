"""One case from a blank form to the public library, in Chromium with JavaScript off: a submitter writes and
submits it, a reviewer asks for changes, the submitter answers and resubmits, the reviewer approves."""
from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


def log_in(page, user):
    page.goto(page.base_url + "/login")
    page.fill("#email", user.email)
    page.fill("#password", TEST_PASSWORD)
    page.click("form button[type=submit]:has-text('Log in')")
    page.wait_for_load_state()
    assert page.locator(".user-menu", has_text=user.name).count() == 1


def log_out(page):
    page.click(".user-menu button:has-text('Log out')")
    page.wait_for_load_state()


def act(page, button: str, note: str | None = None):
    form = page.locator("form.action-form", has=page.locator(f"button:has-text('{button}')"))
    if note is not None:
        form.locator("textarea[name=note]").fill(note)
    form.locator("button").click()
    page.wait_for_load_state()


def test_a_case_goes_from_a_blank_form_to_the_library(page, make_user, make_org):
    submitter = make_user("submitter", email="writer@ka.example.org")
    reviewer = make_user("reviewer", email="reviewer@nodal.example.org")

    # The submitter writes a new case: the body starts with the six headings to write under.
    log_in(page, submitter)
    page.goto(page.base_url + "/submissions")
    page.click("text=Write a new case study")
    body = page.input_value("#input-body")
    assert body.startswith("## Problem")
    page.fill("#input-title", "Land record copies printed at the village office")
    page.fill("#input-summary", "Village accountants print certified land record copies while the farmer waits.")
    page.select_option("#input-mmp", "land-records")
    page.select_option("#input-state", "KA")
    page.fill("#input-department", "Revenue Department, Karnataka")
    page.fill("#input-year", "2018")
    page.select_option("#input-stage", "statewide")
    page.fill("#input-tags", "land-records, village-office")
    filled = (body.replace("## Problem\n", "## Problem\nFarmers travelled to the taluk office for every copy.\n")
              .replace("## Solution\n", "## Solution\nA printer and a signed template in every village office.\n")
              .replace("## Technology\n", "## Technology\nThe state land records database over a mobile link.\n")
              .replace("## Impact\n", "## Impact\nCopies in **minutes** instead of days.\n")
              .replace("## Lessons\n", "## Lessons\nTrain the village accountants before switching.\n")
              .replace("## How to replicate\n", "## How to replicate\nStart where the records are digitised.\n"))
    page.fill("#input-body", filled)
    page.fill("input[name='links-0-title']", "Department report")
    page.fill("input[name='links-0-url']", "https://example.org/report")
    page.fill("input[name='outcomes-0-label']", "Days to get a copy")
    page.fill("input[name='outcomes-0-before']", "10")
    page.fill("input[name='outcomes-0-after']", "1")
    page.fill("input[name='outcomes-0-source']", "https://example.org/report")

    page.click("button:has-text('Preview')")
    assert page.locator(".preview strong", has_text="minutes").count() == 1, "the preview renders the Markdown"
    assert page.input_value("#input-title") == "Land record copies printed at the village office"
    page.click("button:has-text('Save draft')")
    assert page.locator(".submission-status .status").inner_text() == "Draft"
    public_id = page.locator(".submission-status .badge").inner_text()

    act(page, "Submit for review")
    assert page.locator(".submission-status .status").inner_text() == "Submitted"
    log_out(page)

    # The reviewer finds it in the queue, claims it and asks for changes.
    log_in(page, reviewer)
    page.goto(page.base_url + "/review")
    page.click("text=Land record copies printed at the village office")
    act(page, "Claim for review")
    assert page.locator(".submission-status .status").inner_text() == "In review"
    page.check("input[name='checklist-completeness']")
    page.click("button:has-text('Save checklist')")
    assert page.is_checked("input[name='checklist-completeness']")
    act(page, "Request changes", note="Please say how many village offices print copies today.")
    assert page.locator(".submission-status .status").inner_text() == "Changes requested"
    log_out(page)

    # The submitter reads the note, edits and resubmits.
    log_in(page, submitter)
    page.goto(page.base_url + "/notifications")
    page.click(f".notification:has-text('Changes were requested on {public_id}') a:has-text('Open')")
    assert page.locator(".decision", has_text="how many village offices").count() == 1
    page.click(".actions a:has-text('Edit')")
    page.fill("#input-summary", "Village accountants in 5,600 village offices print certified land record copies "
                                "while the farmer waits.")
    page.click("button:has-text('Save draft')")
    act(page, "Submit for review")
    assert page.locator(".submission-status .status").inner_text() == "Submitted"
    log_out(page)

    # The reviewer claims it again and approves.
    log_in(page, reviewer)
    page.goto(page.base_url + f"/submissions/{public_id}")
    act(page, "Claim for review")
    act(page, "Approve and publish")
    assert page.locator(".submission-status .status").inner_text() == "Published"

    # Anyone can now read it in the library.
    log_out(page)
    page.goto(page.base_url + f"/cases/{public_id}")
    assert page.locator("h1").inner_text() == "Land record copies printed at the village office"
    assert "5,600 village offices" in page.locator(".lead").inner_text()
