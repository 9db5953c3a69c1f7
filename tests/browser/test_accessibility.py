"""WCAG 2.1 AA, verified in Chromium: axe-core on every page type, logged out and for each role, in English
and in Hindi; keyboard-only journeys; narrow screens and 400% zoom; the shipped Devanagari font.

axe-core comes from the npm registry (scripts/ensure-test-tools) and is evaluated in the page through the
DevTools protocol: the site never loads it.
"""
from __future__ import annotations

import datetime as dt

import pytest

from kb.services.case_fields import read_revision
from kb.extensions import db
from kb.models import Alert
from kb.services import adoptions, alerts, course_packs, feedback, submissions, teaching
from tests.browser.conftest import axe_violations, describe
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

LANGUAGES = ("", "/hi")  # English at the plain address, Hindi under /hi

PUBLIC_PAGES = [
    "/", "/cases", "/cases?q=land+records", "/cases?q=zzqqxx", "/cases?q=भूमि+अभिलेख&state=KA",
    "/cases?q=cryptocurrency+regulation", "/cases?q=RTS+kiosks",
    "/cases/KB-0001", "/cases/KB-0037", "/cases/KB-0001/v/1", "/cases/KB-0001/versions",
    "/cases/KB-0001/diff?from=1&to=1", "/compare?ids=KB-0001&ids=KB-0003", "/mmps/land-records", "/states/KA",
    "/institutes/ati-demo", "/packs", "/help/search", "/login", "/register", "/password/forgot",
    "/about", "/contact", "/feedback", "/sitemap", "/help", "/help/trainer", "/help/submitter", "/help/reviewer",
    "/help/admin", "/terms", "/privacy-policy", "/copyright-policy", "/hyperlinking-policy",
    "/accessibility-statement", "/content-moderation-policy", "/content-archival-policy", "/screen-reader-access",
    "/website-policies", "/disclaimer", "/content-review-policy", "/website-security-policy",
    "/website-monitoring-policy", "/contingency-management-plan",
    "/no-such-page", "/alerts/new?state=KA", "/alerts/new?q=land+records&mmp=land-records",
    "/alerts/1/unsubscribe/not-a-token", "/alerts/1/confirm/not-a-token",
    "/dashboard", "/recognitions", "/cases?evidence=documented&sort=evidence&current=1",
    "/recognitions?award=National+Award+for+e-Governance", "/cases?award=National+Award+for+e-Governance&sort=views",
    "/cases/KB-0008",
]
ROLE_PAGES = {
    "submitter": ["/submissions", "/submissions/new", "/submissions/new?language=hi", "/submissions/{draft}",
                  "/submissions/{draft}/edit", "/submissions/{in_review}", "/notifications", "/account",
                  "/account/tokens", "/account/password", "/account/alerts", "/alerts/new?tag=kiosks",
                  "/cases/KB-0001/adoptions/replication",
                  "/replications/{replication}", "/cases/{published}/verify"],
    "reviewer": ["/review", "/submissions/{in_review}", "/submissions", "/cases/KB-0003", "/review/health"],
    "trainer": ["/cases/KB-0001", "/packs", "/packs/{pack}", "/packs/{pack}/edit", "/packs/{pack}/edit?q=kiosks",
                "/cases/KB-0001/adoptions/training", "/cases/KB-0001/teaching-notes/new", "/institutes/ati-demo"],
    "admin": ["/admin/users", "/admin/users?status=pending", "/admin/users/new", "/admin/users/{submitter_id}",
              "/admin/organizations", "/admin/feedback", "/admin/feedback/{feedback}"],
}


@pytest.fixture
def people(make_user, make_org):
    make_org("ati-demo", "ati", "TS", name="Demo ATI (Telangana)")
    return {
        "submitter": make_user("submitter", email="writer@ka.example.org"),
        "reviewer": make_user("reviewer", email="reviewer@nodal.example.org"),
        "trainer": make_user("trainer", org="ati-demo", email="trainer@ati.example.org"),
        "admin": make_user("admin", email="admin@nodal.example.org"),
    }


@pytest.fixture
def site(library, people, submission_data):
    """The seeded library, plus one of everything a page can show: drafts, a case in review, a course pack,
    adoption records, a teaching note and a feedback message."""
    submitter, reviewer, trainer = people["submitter"], people["reviewer"], people["trainer"]
    draft = submissions.create_submission(submitter, submission_data(title="A draft about village records"))
    in_review = submissions.create_submission(submitter, submission_data(title="Copies printed at the door"))
    published = submissions.create_submission(submitter, submission_data(title="Certified copies by post"))
    db.session.commit()
    for actor, action in ((submitter, "submit"), (reviewer, "claim"), (reviewer, "approve")):
        submissions.take_action(actor, published.public_id, action)
    # A seed case past its review-by date shows the dated notice.
    overdue = submissions.find_case("KB-0037")
    overdue.review_by = dt.date.today() - dt.timedelta(days=20)
    submissions.take_action(submitter, in_review.public_id, "submit")
    submissions.take_action(reviewer, in_review.public_id, "claim")
    submissions.add_comment(reviewer, in_review.public_id, "Which district started first?")
    pack = course_packs.create_pack(trainer, {"title": "Citizen services, week one", "visibility": "public"})
    db.session.commit()
    course_packs.add_case(trainer, pack.number, "KB-0001", "Read before the session.")
    course_packs.add_case(trainer, pack.number, "KB-0037")
    adoptions.record_training_use(trainer, "KB-0001", {"programme": "Induction of state officers", "participants": 30,
                                                       "date": (dt.date.today() - dt.timedelta(days=3)).isoformat()})
    teaching.write_teaching_note(trainer, "KB-0001", {"objectives": "Explain mutation\nCompare with paper",
                                                      "discussion_questions": "Why kiosks?", "duration_minutes": 60})
    replication = adoptions.record_replication(people["submitter"], "KB-0037", {
        "status": "piloting", "adaptations": "Kiosks in gram panchayats", "contact_name": "Nodal officer"})
    message = feedback.send_feedback(name="Asha", email="asha@example.org", category="accessibility",
                                     message="The PDF of a case was hard to read with my screen reader.",
                                     address="203.0.113.9")
    db.session.commit()
    alerts.follow(submitter, {"state": ["KA"], "q": ["land records"]}, "weekly")
    db.session.commit()
    return {"draft": draft.public_id, "in_review": in_review.public_id, "pack": pack.number,
            "published": published.public_id,
            "replication": replication.id, "feedback": message.id, "submitter_id": submitter.id}


def log_in(page, user):
    page.goto(page.base_url + "/login")
    page.fill("#email", user.email)
    page.fill("#password", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def audit(page, paths: list[str]) -> dict:
    found = {}
    for path in paths:
        for prefix in LANGUAGES:
            response = page.goto(page.base_url + prefix + path)
            assert response.status < 500, f"{prefix}{path}: {response.status}"
            violations = axe_violations(page)
            if violations:
                found[prefix + path] = violations
    return found


def test_every_public_page_passes_axe_in_both_languages(site, browser_context):
    page = browser_context()
    found = audit(page, PUBLIC_PAGES)
    assert not found, describe(found)


@pytest.mark.parametrize("role", sorted(ROLE_PAGES))
def test_every_page_of_each_role_passes_axe_in_both_languages(site, people, browser_context, role):
    page = browser_context()
    log_in(page, people[role])
    found = audit(page, [path.format(**site) for path in ROLE_PAGES[role]])
    assert not found, describe(found)


def test_a_form_with_errors_passes_axe(site, people, browser_context):
    page = browser_context()
    log_in(page, people["submitter"])
    for prefix in LANGUAGES:
        page.goto(page.base_url + prefix + "/submissions/new")
        page.fill("#input-title", "No")
        page.fill("#input-year", "nineteen")
        page.click("button[value=save]")
        page.wait_for_load_state()
        assert page.locator(".error-summary").count() == 1
        found = axe_violations(page)
        assert not found, describe({prefix + "/submissions/new (errors)": found})


def test_the_pages_of_a_mailed_alert_link_pass_axe(site, browser_context):
    """A visitor's follow form with an error, the confirmation page and the unsubscribe page of a real alert."""
    page = browser_context()
    found = {}
    for prefix in LANGUAGES:
        page.goto(page.base_url + prefix + "/alerts/new?state=KA")
        page.fill("#email", "not an address")
        page.evaluate("document.querySelector('#email').type = 'text'")  # let the server judge it
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        assert page.locator(".form-alert").count() == 1
        found[prefix + "/alerts (errors)"] = axe_violations(page)
    visitor = Alert(email="asha@example.org", query="state=KA", frequency="weekly", language="en")
    db.session.add(visitor)
    db.session.commit()
    for path in (f"/alerts/{visitor.id}/confirm/{alerts.token_for(visitor, 'confirm')}", alerts.unsubscribe_path(visitor)):
        for prefix in LANGUAGES:
            page.goto(page.base_url + prefix + path)
            assert page.locator("main form button").count() == 1
            found[prefix + path] = axe_violations(page)
    found = {path: violations for path, violations in found.items() if violations}
    assert not found, describe(found)


# ---------------------------------------------------------------------------------------------------
# Keyboard alone


def focused(page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement;
        return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name'), text: e.innerText || '',
                href: e.getAttribute('href') || '', value: e.value || '', type: e.type || '',
                inResults: !!e.closest('.results'), inFilters: !!e.closest('.facets')}; }""")


def press_and_follow(page, key: str = "Enter") -> None:
    """Press a key that submits a form or follows a link, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def tab_until(page, predicate, limit: int = 80) -> int:
    """Press Tab until the focused element satisfies ``predicate``; returns how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if predicate(focused(page)):
            return presses
    raise AssertionError(f"not reached in {limit} Tab presses; last: {focused(page)}")


def test_search_with_filters_by_keyboard_alone(site, browser_context):
    page = browser_context()
    page.goto(page.base_url + "/cases?q=kiosks")
    page.focus("#q")
    to_result = tab_until(page, lambda e: e["inResults"] and e["href"].startswith("/cases/KB-"))
    assert to_result <= 6, f"the first result is {to_result} Tab presses from the search box"
    first_result = focused(page)["href"]

    # The results say where the filters are; the filters are reached without leaving the keyboard.
    tab_until(page, lambda e: e["href"] == "#filters", limit=200)
    page.keyboard.press("Enter")
    tab_until(page, lambda e: e["name"] == "state" and e["value"] == "RJ", limit=120)
    page.keyboard.press("Space")
    tab_until(page, lambda e: e["tag"] == "button" and e["inFilters"], limit=120)
    press_and_follow(page)
    assert "state=RJ" in page.url
    assert "q=kiosks" in page.url
    assert page.locator(".chip").count() == 1

    # Removing the filter is a link too.
    page.focus("#q")
    tab_until(page, lambda e: "chip" in (page.evaluate("document.activeElement.className") or ""))
    press_and_follow(page)
    assert "state=RJ" not in page.url
    assert first_result


def test_writing_and_submitting_a_case_by_keyboard_alone(site, people, browser_context):
    page = browser_context()
    log_in(page, people["submitter"])
    page.goto(page.base_url + "/submissions/new")
    body = page.input_value("#input-body")
    answers = {
        "input-title": "Village office prints land record copies",
        "input-summary": "Village accountants print certified land record copies while the farmer waits.",
        "input-department": "Revenue Department, Karnataka",
        "input-year": "2018",
        "input-tags": "land-records, village-office",
    }
    page.focus("#input-title")
    page.keyboard.type(answers["input-title"])
    for field in ("input-summary", "input-department", "input-year", "input-tags"):
        tab_until(page, lambda e, field=field: e["id"] == field)
        page.keyboard.type(answers[field])
    # Selects are chosen by typing, as a keyboard user does.
    page.focus("#input-title")
    tab_until(page, lambda e: e["id"] == "input-mmp")
    page.keyboard.type("Land")
    tab_until(page, lambda e: e["id"] == "input-state")
    page.keyboard.type("Karn")
    tab_until(page, lambda e: e["id"] == "input-stage")
    page.keyboard.type("State")
    tab_until(page, lambda e: e["id"] == "input-body")
    page.keyboard.press("Control+End")
    filled = "".join(f"{line}\nWritten from the keyboard for this section.\n" if line.startswith("## ") else line + "\n"
                     for line in body.strip().splitlines())
    page.keyboard.press("Control+A")
    page.keyboard.type(filled)
    tab_until(page, lambda e: e["tag"] == "button" and e["value"] == "save", limit=150)
    press_and_follow(page)
    assert "/submissions/KB-" in page.url
    assert "Draft saved" in page.inner_text(".flashes")
    tab_until(page, lambda e: e["tag"] == "button" and "Submit for review" in e["text"], limit=120)
    press_and_follow(page)
    assert page.locator(".submission-status", has_text="Submitted").count() == 1, page.inner_text("main")[:1500]


def test_reviewing_by_keyboard_alone(site, people, browser_context):
    page = browser_context()
    case = submissions.create_submission(people["submitter"], {
        **read_revision(submissions.find_case(site["draft"]).working_revision),
        "title": "A case to review by keyboard"})
    db.session.commit()
    submissions.take_action(people["submitter"], case.public_id, "submit")
    db.session.commit()
    log_in(page, people["reviewer"])
    page.goto(page.base_url + "/review")
    tab_until(page, lambda e: case.public_id in e["href"])
    press_and_follow(page)
    assert page.url.endswith(f"/submissions/{case.public_id}")
    tab_until(page, lambda e: e["tag"] == "button" and "Claim for review" in e["text"], limit=150)
    press_and_follow(page)
    tab_until(page, lambda e: e["tag"] == "button" and "Approve and publish" in e["text"], limit=200)
    press_and_follow(page)
    assert page.locator(".submission-status", has_text="Published").count() == 1


# ---------------------------------------------------------------------------------------------------
# Small screens and zoom


def test_on_a_phone_the_results_come_first_and_the_filters_fold_away(site, browser_context):
    page = browser_context(width=390, height=844)
    page.goto(page.base_url + "/cases?q=kiosks")
    first = page.locator(".results .case-card").first.bounding_box()
    assert first["y"] < 844, f"the first result starts {first['y']:.0f} px down, below the first screen"
    assert page.evaluate("document.querySelector('details.filters').open") is False
    filters = page.locator(".facets").bounding_box()
    assert filters["y"] > first["y"], "the filters come after the results"
    page.click("details.filters > summary")
    assert page.locator(".facets fieldset").first.is_visible()


@pytest.mark.parametrize("path", ["/", "/cases?q=land+records", "/cases/KB-0001", "/hi/cases/KB-0001",
                                  "/submissions/new", "/admin/users", "/about", "/hi/"])
def test_at_400_percent_zoom_nothing_scrolls_sideways(site, people, browser_context, path):
    # 1280 CSS px at 400% zoom is 320 CSS px wide.
    page = browser_context(width=320, height=640)
    if path.startswith(("/submissions", "/admin")):
        log_in(page, people["admin" if path.startswith("/admin") else "submitter"])
    page.goto(page.base_url + path)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} is {overflow} px wider than the window"


def test_the_header_keeps_to_its_rows_on_a_1366_px_screen(site, people, browser_context):
    page = browser_context(width=1366, height=768)
    log_in(page, people["admin"])
    for prefix in LANGUAGES:
        page.goto(page.base_url + prefix + "/cases")
        rows = page.evaluate("""() => { const tops = new Set();
            document.querySelectorAll('.site-nav li').forEach(li => tops.add(Math.round(li.getBoundingClientRect().top)));
            return tops.size; }""")
        assert rows == 1, f"{prefix or 'English'}: the navigation wraps onto {rows} rows"
        header = page.locator(".header-row").bounding_box()
        assert header["height"] < 90, f"{prefix or 'English'}: the header is {header['height']} px high"


# ---------------------------------------------------------------------------------------------------
# Fonts


def test_hindi_is_set_in_the_shipped_font_and_english_pages_load_no_font(site, browser_context):
    page = browser_context()
    fonts = []
    page.on("request", lambda request: fonts.append(request.url) if request.resource_type == "font" else None)
    page.goto(page.base_url + "/cases/KB-0001")
    page.wait_for_load_state("networkidle")
    assert fonts == [], f"an English page fetched {fonts}"
    page.goto(page.base_url + "/hi/cases/KB-0037")
    page.wait_for_load_state("networkidle")
    loaded = page.evaluate("""async () => { await document.fonts.ready;
        return [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family.replace(/"/g, '')); }""")
    assert "KB Noto Sans Devanagari" in loaded
    response = page.request.get(page.base_url + "/static/fonts/noto-sans-devanagari-regular.woff2")
    assert response.status == 200 and response.headers["content-type"] == "font/woff2"
