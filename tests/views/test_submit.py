"""The submitter's screens over HTTP: my submissions, the case form with its preview, the submission page."""
from __future__ import annotations

from sqlalchemy import func, select

from kb.services.case_fields import read_revision
from kb.extensions import db
from kb.models import Case, Revision, StatusEvent
from kb.services import submissions
from tests.views.screens import field_value, form_fields, post, text_of, visible_text


def case_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Case))


# ---------------------------------------------------------------------------------------------------
# My submissions


def test_my_submissions_lists_my_organisations_cases_with_their_status(client, make_user, make_org, make_submission,
                                                                       login_as):
    submitter = make_user("submitter")
    draft, _ = make_submission("draft", submitter=submitter, title="A draft about ration cards")
    sent_back, _ = make_submission("changes_requested", submitter=submitter, title="A case sent back for changes")
    make_org("tn-it", "state_department", "TN")
    stranger = make_user("submitter", org="tn-it")
    make_submission("submitted", submitter=stranger, title="Another state's submission")
    login_as(client, submitter)

    page = visible_text(client.get("/submissions"))

    assert "My submissions" in page
    assert f"{draft.public_id} A draft about ration cards Draft" in page
    assert f"{sent_back.public_id} A case sent back for changes Changes requested" in page
    assert "Another state's submission" not in page
    assert "Write a new case study" in page


def test_my_submissions_filters_by_status(client, make_user, make_submission, login_as):
    submitter = make_user("submitter")
    make_submission("draft", submitter=submitter, title="Still a draft here")
    make_submission("submitted", submitter=submitter, title="Already submitted one")
    login_as(client, submitter)
    page = visible_text(client.get("/submissions?status=submitted"))
    assert "Already submitted one" in page and "Still a draft here" not in page


def test_my_submissions_needs_a_login(client, app):
    response = client.get("/submissions")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/submissions")


# ---------------------------------------------------------------------------------------------------
# The case form


def test_new_case_form_offers_every_field_and_the_six_headings(client, make_user, login_as):
    login_as(client, make_user("submitter"))
    response = client.get("/submissions/new")
    page = text_of(response)
    assert response.status_code == 200
    for name in ("title", "summary", "body", "mmp", "state", "department", "year", "stage", "language", "tags",
                 "outcomes-0-label", "outcomes-0-before", "outcomes-0-after", "outcomes-0-unit", "outcomes-0-source",
                 "links-0-title", "links-0-url", "contacts-0-name", "contacts-0-organization", "contacts-0-email",
                 "contacts-0-phone", "contacts-0-url", "csrf_token"):
        assert f'name="{name}"' in page, name
    body = field_value(page, "body")
    assert [line for line in body.splitlines() if line.startswith("## ")] == [
        "## Problem", "## Solution", "## Technology", "## Impact", "## Lessons", "## How to replicate"]
    assert '<option value="land-records" >Land Records (NLRMP / DILRMP)</option>' in page, "MMPs from the taxonomy"
    assert '<option value="KA"' in page and ">Karnataka</option>" in page, "states from the taxonomy"
    assert "Central / national (no state)" in page
    for button in ("Save draft", "Preview"):
        assert button in visible_text(response)


def test_a_hindi_case_starts_with_the_hindi_headings(client, make_user, login_as):
    login_as(client, make_user("submitter"))
    page = text_of(client.get("/submissions/new?language=hi"))
    body = field_value(page, "body")
    assert body.startswith("## समस्या") and "## दोहराने का तरीका" in body
    assert '<option value="hi" lang="hi" selected>' in page


def test_switching_language_before_writing_switches_the_headings(client, make_user, login_as):
    from kb.views.case_form import body_skeleton

    login_as(client, make_user("submitter"))
    page = text_of(post(client, "/submissions/new", {"title": "Untouched body", "language": "hi",
                                                     "body": body_skeleton("en"), "intent": "preview"}))
    assert field_value(page, "body").startswith("## समस्या")


def test_saving_a_new_draft_stores_every_field_and_shows_the_submission_page(client, make_user, login_as,
                                                                           submission_data):
    submitter = make_user("submitter")
    login_as(client, submitter)
    response = post(client, "/submissions/new", {**form_fields(submission_data()), "intent": "save"})

    assert response.status_code == 302
    case = db.session.scalar(select(Case))
    assert response.headers["Location"].endswith(f"/submissions/{case.public_id}")
    revision = case.working_revision
    assert revision.status == "draft" and revision.author_id == submitter.id
    assert read_revision(revision) == {
        **submission_data(), "tags": ["doorstep", "land-records"],
        "body": submission_data()["body"],
        "contacts": [{"name": "Project Director", "organization": "Revenue Department", "email": None,
                      "phone": None, "url": None}],
        # The form's evidence fields, left as they come: no period or named source, self-reported.
        "outcomes": [{**outcome, "period": "", "document": "", "attachment": "", "evidence": "self_reported"}
                     for outcome in submission_data()["outcomes"]],
        "recognitions": [],
    }
    page = visible_text(client.get(response.headers["Location"]))
    assert f"Draft saved as {case.public_id}" in page
    assert "Doorstep delivery of land record copies" in page and "Draft" in page
    assert "Days to get a copy" in page and "Project Director" in page


def test_preview_renders_sanitised_markdown_and_keeps_everything_typed(client, make_user, login_as, submission_data):
    login_as(client, make_user("submitter"))
    fields = form_fields(submission_data())
    fields["body"] = fields["body"].replace(
        "Citizens queued", "**Bold claim** <script>alert('x')</script><img src=x onerror=alert(1)> Citizens queued")
    fields["title"] = "Title with <b>markup</b> & ampersand"
    response = post(client, "/submissions/new", {**fields, "intent": "preview"})
    page = text_of(response)

    assert response.status_code == 200
    assert case_count() == 0, "a preview saves nothing"
    preview = page.split('class="preview"', 1)[1].split("</section>", 1)[0]
    assert "<strong>Bold claim</strong>" in preview and "<h2>Problem</h2>" in preview
    assert "<script>" not in page.replace('<script src', '') and "onerror" not in preview
    assert "Title with &lt;b&gt;markup&lt;/b&gt; &amp; ampersand" in preview
    for name, value in fields.items():
        if name in ("mmp", "state", "stage", "language"):
            assert f'<option value="{value}"' in page and "selected" in page.split(f'<option value="{value}"', 1)[1][:40], name
        else:
            assert field_value(page, name) == value.replace("\r\n", "\n"), name


def test_a_validation_error_names_each_field_next_to_it_and_keeps_the_text(client, make_user, login_as,
                                                                          submission_data):
    login_as(client, make_user("submitter"))
    fields = form_fields(submission_data(title="Tiny"))
    fields.update({"year": "next year", "outcomes-0-before": "twelve", "tags": "Not A Tag!",
                   "summary": "A long summary I do not want to type again, with details."})
    response = post(client, "/submissions/new", {**fields, "intent": "save"})
    page = text_of(response)
    text = visible_text(response)

    assert response.status_code == 400
    assert case_count() == 0
    assert "Title: must be 5 to 200 characters" in text
    assert "Year started: must be a whole year" in text
    assert "Outcome figure 1: 'before' must be a number" in text
    assert "Tags:" in text
    assert 'id="error-title"' in page.split('id="field-title"', 1)[1].split("</div>", 1)[0], "the error sits by its field"
    assert field_value(page, "summary") == "A long summary I do not want to type again, with details."
    assert field_value(page, "year") == "next year" and field_value(page, "outcomes-0-before") == "twelve"
    assert field_value(page, "body") == fields["body"]


def test_a_draft_needs_only_a_title_and_an_mmp(client, make_user, login_as):
    login_as(client, make_user("submitter"))
    response = post(client, "/submissions/new", {"title": "", "mmp": "", "intent": "save"})
    text = visible_text(response)
    assert response.status_code == 400
    assert "Title: missing" in text and "Mission Mode Project: missing" in text
    response = post(client, "/submissions/new", {"title": "Half-written case", "mmp": "e-district", "intent": "save"})
    assert response.status_code == 302


def test_the_edit_form_shows_the_saved_values_and_blank_rows_to_add(client, make_user, make_submission, login_as):
    submitter = make_user("submitter")
    case, _ = make_submission("draft", submitter=submitter)
    login_as(client, submitter)
    page = text_of(client.get(f"/submissions/{case.public_id}/edit"))
    assert field_value(page, "title") == "Doorstep delivery of land record copies"
    assert field_value(page, "outcomes-0-label") == "Days to get a copy"
    assert field_value(page, "outcomes-0-before") == "12"
    assert field_value(page, "outcomes-3-label") == "", "blank rows follow the filled ones"
    assert field_value(page, "lock_version") == str(case.working_revision.lock_version)


def test_saving_an_edit_changes_the_draft_and_records_it(client, make_user, make_submission, login_as,
                                                        submission_data):
    submitter = make_user("submitter")
    case, _ = make_submission("draft", submitter=submitter)
    login_as(client, submitter)
    fields = form_fields(submission_data(title="Doorstep delivery of certified land records"))
    fields["lock_version"] = str(case.working_revision.lock_version)
    fields["outcomes-1-label"], fields["outcomes-1-after"] = "Offices visited", "0"
    response = post(client, f"/submissions/{case.public_id}/edit", {**fields, "intent": "save"})
    assert response.status_code == 302
    revision = submissions.find_case(case.public_id).working_revision
    assert revision.title == "Doorstep delivery of certified land records"
    assert [o.label for o in revision.outcomes] == ["Days to get a copy", "Offices visited"]
    assert submissions.history(case)[-1].action == "edit"


def test_a_stale_save_is_refused_with_a_clear_conflict_and_the_typed_text_kept(client, make_user, make_submission,
                                                                              login_as, submission_data):
    submitter = make_user("submitter")
    case, _ = make_submission("draft", submitter=submitter)
    login_as(client, submitter)
    opened_at = str(case.working_revision.lock_version)
    # A colleague saves first.
    submissions.update_submission(submitter, case.public_id, {"title": "The colleague's title"})
    db.session.commit()

    mine = form_fields(submission_data(title="My own better title"))
    mine["summary"] = "A summary I spent twenty minutes writing, and must not lose."
    response = post(client, f"/submissions/{case.public_id}/edit", {**mine, "lock_version": opened_at,
                                                                     "intent": "save"})
    page = text_of(response)

    assert response.status_code == 409
    assert "Not saved: something changed" in visible_text(response)
    assert "changed since you loaded it" in visible_text(response)
    assert field_value(page, "title") == "My own better title"
    assert field_value(page, "summary") == mine["summary"]
    assert submissions.find_case(case.public_id).working_revision.title == "The colleague's title"
    # Saving again, having seen the warning, replaces the colleague's change.
    again = post(client, f"/submissions/{case.public_id}/edit",
                 {**mine, "lock_version": field_value(page, "lock_version"), "intent": "save"})
    assert again.status_code == 302
    assert submissions.find_case(case.public_id).working_revision.title == "My own better title"


def test_a_save_after_a_colleague_submitted_keeps_the_text_and_says_it_cannot_be_saved(
        client, make_user, make_submission, login_as, submission_data):
    submitter = make_user("submitter")
    case, _ = make_submission("draft", submitter=submitter)
    login_as(client, submitter)
    opened_at = str(case.working_revision.lock_version)
    submissions.take_action(submitter, case.public_id, "submit")  # a colleague submits it meanwhile
    db.session.commit()
    mine = {**form_fields(submission_data(title="A title typed in the meantime")), "lock_version": opened_at,
            "intent": "save"}
    response = post(client, f"/submissions/{case.public_id}/edit", mine)
    text = visible_text(response)
    assert response.status_code == 409
    assert "the submission is submitted" in text and "this form cannot be saved" in text
    assert field_value(text_of(response), "title") == "A title typed in the meantime"
    assert submissions.find_case(case.public_id).working_revision.title == "Doorstep delivery of land record copies"


def test_fields_the_form_does_not_offer_change_nothing(client, make_user, make_org, make_submission, login_as,
                                                       submission_data):
    submitter = make_user("submitter")
    other = make_org("tn-it", "state_department", "TN")
    login_as(client, submitter)
    smuggled = {"status": "published", "organization": "tn-it", "organization_id": str(other.id),
                "author_id": "999", "author": "999", "claimed_by_id": "1", "lock_version": "", "number": "7"}
    response = post(client, "/submissions/new", {**form_fields(submission_data()), **smuggled, "intent": "save"})
    assert response.status_code == 302
    case = db.session.scalar(select(Case))
    assert case.organization_id == submitter.organization_id
    assert case.working_revision.status == "draft" and case.working_revision.author_id == submitter.id
    assert case.published_revision_id is None and case.number == 1

    fields = {**form_fields(submission_data()), **smuggled, "lock_version": str(case.working_revision.lock_version)}
    assert post(client, f"/submissions/{case.public_id}/edit", {**fields, "intent": "save"}).status_code == 302
    case = submissions.find_case(case.public_id)
    assert case.organization_id == submitter.organization_id
    assert case.working_revision.status == "draft" and case.working_revision.claimed_by_id is None


def test_a_submitted_case_cannot_be_edited(client, make_user, make_submission, login_as):
    submitter = make_user("submitter")
    case, _ = make_submission("submitted", submitter=submitter)
    login_as(client, submitter)
    response = client.get(f"/submissions/{case.public_id}/edit")
    assert response.status_code == 409
    assert "only a draft or a submission with changes requested can be edited" in visible_text(response)
    assert "Edit" not in visible_text(client.get(f"/submissions/{case.public_id}")).split("What you can do", 1)[-1][:40]


def test_a_trainer_may_not_write_a_case(client, make_user, login_as):
    login_as(client, make_user("trainer"))
    assert client.get("/submissions/new").status_code == 403


# ---------------------------------------------------------------------------------------------------
# The submission page


def test_the_submission_page_shows_status_content_actions_history_and_comments(client, make_user, make_submission,
                                                                               login_as):
    submitter = make_user("submitter")
    case, people = make_submission("changes_requested", submitter=submitter)
    submissions.add_comment(people["reviewer"], case.public_id, "Please add the evaluation's sample size.")
    db.session.commit()
    login_as(client, submitter)
    response = client.get(f"/submissions/{case.public_id}")
    text = visible_text(response)

    assert response.status_code == 200
    assert f"{case.public_id} Changes requested Version 1" in text
    assert "Request changes · Test Reviewer" in text and "needs work" in text, "the reviewer's note stands out"
    assert "Citizens queued for days" in text and "Days to get a copy" in text, "the content"
    actions = text.split("What you can do", 1)[1].split("Content of version", 1)[0]
    assert "Edit" in actions and "Submit for review" in actions, "the actions the submitter may take"
    assert "Approve and publish" not in actions and "Claim for review" not in actions
    assert "Please add the evaluation's sample size." in text and "Post comment" in text
    history = text.split("History", 2)[-1]
    for step in ("Created", "Submit for review", "Claim for review", "Request changes"):
        assert step in history
    assert "Draft Submitted" in history and "In review Changes requested" in history and "needs work" in history


def test_submitting_from_the_submission_page_and_withdrawing(client, make_user, make_submission, login_as):
    submitter = make_user("submitter")
    case, _ = make_submission("draft", submitter=submitter)
    login_as(client, submitter)
    lock = str(case.working_revision.lock_version)
    response = post(client, f"/submissions/{case.public_id}/actions/submit", {"lock_version": lock})
    assert response.status_code == 302
    text = visible_text(client.get(response.headers["Location"]))
    assert "Submitted for review" in text and "Withdraw to draft" in text

    lock = str(submissions.find_case(case.public_id).working_revision.lock_version)
    post(client, f"/submissions/{case.public_id}/actions/withdraw", {"lock_version": lock})
    assert submissions.find_case(case.public_id).working_revision.status == "draft"


def test_submitting_an_incomplete_draft_lists_what_is_missing_with_links_to_the_form(client, make_user, login_as):
    submitter = make_user("submitter")
    case = submissions.create_submission(submitter, {"title": "Work in progress", "mmp": "e-district"})
    db.session.commit()
    login_as(client, submitter)
    response = post(client, f"/submissions/{case.public_id}/actions/submit")
    text = visible_text(response)
    assert response.status_code == 400
    assert "The case is not complete enough to submit." in text
    assert "Summary: missing" in text and "Department: missing" in text
    assert f'href="/submissions/{case.public_id}/edit#field-summary"' in text_of(response)
    assert submissions.find_case(case.public_id).working_revision.status == "draft"


def test_script_in_a_comment_and_in_the_body_is_escaped_or_removed(client, make_user, make_submission, login_as,
                                                                  submission_data):
    submitter = make_user("submitter")
    body = submission_data()["body"].replace(
        "Citizens queued", "<script>alert('body')</script><img src=x onerror=alert(2)> [click](javascript:alert(3)) "
                           "Citizens queued")
    case, _ = make_submission("draft", submitter=submitter, body=body)
    login_as(client, submitter)
    response = post(client, f"/submissions/{case.public_id}/comments",
                    {"body": "<script>alert('comment')</script><b onmouseover=alert(4)>hi</b>"})
    assert response.status_code == 302
    page = text_of(client.get(f"/submissions/{case.public_id}"))

    assert "<script>alert" not in page
    assert "onerror" not in page and "javascript:alert" not in page
    assert "&lt;script&gt;alert(&#39;comment&#39;)&lt;/script&gt;&lt;b onmouseover=alert(4)&gt;hi&lt;/b&gt;" in page
    assert "<b onmouseover" not in page


def test_an_empty_comment_is_refused_and_the_page_says_why(client, make_user, make_submission, login_as):
    submitter = make_user("submitter")
    case, _ = make_submission("draft", submitter=submitter)
    login_as(client, submitter)
    response = post(client, f"/submissions/{case.public_id}/comments", {"body": "   "})
    assert response.status_code == 400
    assert "The comment is empty." in visible_text(response)


def test_other_organisations_and_anonymous_visitors_cannot_see_a_submission(client, make_user, make_org,
                                                                            make_submission, login_as):
    case, _ = make_submission("draft")
    assert client.get(f"/submissions/{case.public_id}").status_code in (302, 401)
    make_org("tn-it", "state_department", "TN")
    login_as(client, make_user("submitter", org="tn-it"))
    assert client.get(f"/submissions/{case.public_id}").status_code == 404
    assert client.get(f"/submissions/{case.public_id}/edit").status_code == 404
    assert post(client, f"/submissions/{case.public_id}/actions/submit").status_code == 404
    assert post(client, f"/submissions/{case.public_id}/comments", {"body": "hello"}).status_code == 404
    login_as(client, make_user("reviewer"))
    assert client.get(f"/submissions/{case.public_id}").status_code == 404, "a draft is its organisation's alone"


def test_a_published_case_gets_a_new_version_that_starts_from_the_published_text(client, make_user, make_submission,
                                                                                login_as):
    submitter = make_user("submitter")
    case, _ = make_submission("published", submitter=submitter)
    login_as(client, submitter)
    text = visible_text(client.get(f"/submissions/{case.public_id}"))
    assert "Published" in text and f"/cases/{case.public_id}" in text and "Open a new version" in text

    response = post(client, f"/submissions/{case.public_id}/new-version")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/submissions/{case.public_id}/edit")
    edit_page = client.get(response.headers["Location"])
    assert "Version 2 opened as a draft" in visible_text(edit_page)
    assert field_value(text_of(edit_page), "title") == "Doorstep delivery of land record copies"
    case = submissions.find_case(case.public_id)
    assert case.working_revision.number == 2 and case.published_revision.number == 1
    text = visible_text(client.get(f"/submissions/{case.public_id}"))
    assert f"{case.public_id} Draft Version 2" in text and "The published version is live" in text


def test_the_submission_page_records_no_change_on_get(client, make_user, make_submission, login_as):
    submitter = make_user("submitter")
    case, _ = make_submission("draft", submitter=submitter)
    login_as(client, submitter)
    before = db.session.scalar(select(func.count()).select_from(StatusEvent))
    lock = case.working_revision.lock_version
    for path in ("", "/edit"):
        client.get(f"/submissions/{case.public_id}{path}")
    assert db.session.scalar(select(func.count()).select_from(StatusEvent)) == before
    assert db.session.get(Revision, case.working_revision.id).lock_version == lock


def test_a_new_case_starts_in_the_submitters_state(client, make_user, make_org, login_as):
    login_as(client, make_user("submitter"))  # of the Karnataka revenue department
    page = text_of(client.get("/submissions/new"))
    assert '<option value="KA" selected>' in page
    make_org("nodal-central", "nodal_agency", None)
    login_as(client, make_user("submitter", org="nodal-central"))
    page = text_of(client.get("/submissions/new"))
    assert "selected>" not in page.split('id="input-state"')[1].split("</select>")[0], "a central body has none"
