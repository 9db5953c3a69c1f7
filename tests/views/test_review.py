"""The reviewer's screens over HTTP: the queue, claiming, the diff, the checklist and the decisions."""
from __future__ import annotations

import datetime as dt
import re

from kb.extensions import db
from kb.models import utcnow
from kb.services import submissions
from tests.views.screens import post, text_of, visible_text


def lock_of(case) -> str:
    return str(submissions.find_case(case.public_id).working_revision.lock_version)


def act(client, case, action: str, note: str | None = None, lock: str | None = None):
    data = {"lock_version": lock if lock is not None else lock_of(case)}
    if note is not None:
        data["note"] = note
    return post(client, f"/submissions/{case.public_id}/actions/{action}", data)


# ---------------------------------------------------------------------------------------------------
# The queue


def test_the_queue_lists_waiting_submissions_oldest_first_with_their_age(client, make_user, make_submission, login_as):
    reviewer = make_user("reviewer")
    older, _ = make_submission("submitted", reviewer=reviewer, title="Older submission about kiosks")
    newer, _ = make_submission("in_review", reviewer=reviewer, title="Newer submission about treasuries")
    make_submission("draft", title="A draft nobody should see")
    make_submission("published", reviewer=reviewer, title="Something already published")
    older.working_revision.submitted_at = utcnow() - dt.timedelta(days=9, hours=2)
    db.session.commit()
    login_as(client, reviewer)

    text = visible_text(client.get("/review"))

    assert "Review queue" in text and "2 submissions waiting" in text
    assert text.index("Older submission about kiosks") < text.index("Newer submission about treasuries")
    assert re.search(r"Older submission about kiosks Land Records \(NLRMP / DILRMP\) Karnataka Ka Revenue "
                     r"Submitted .*? 9 days", text)
    assert "In review" in text and "Test Reviewer" in text, "who holds a claimed submission"
    assert "A draft nobody should see" not in text and "Something already published" not in text


def test_the_queue_filters_by_mmp_and_by_state(client, make_user, make_org, make_submission, login_as):
    reviewer = make_user("reviewer")
    make_submission("submitted", reviewer=reviewer, title="Karnataka land records case")
    make_org("tn-it", "state_department", "TN")
    make_submission("submitted", submitter=make_user("submitter", org="tn-it"), reviewer=reviewer,
                    title="Tamil Nadu e-district case", mmp="e-district", state="TN")
    login_as(client, reviewer)

    by_mmp = visible_text(client.get("/review?mmp=e-district"))
    assert "Tamil Nadu e-district case" in by_mmp and "Karnataka land records case" not in by_mmp
    by_state = visible_text(client.get("/review?state=KA"))
    assert "Karnataka land records case" in by_state and "Tamil Nadu e-district case" not in by_state
    page = text_of(client.get("/review?state=KA"))
    assert '<option value="KA" selected>' in page, "the filter shows what is chosen"
    assert "Nothing waits for review with these filters." in visible_text(client.get("/review?mmp=passports"))


def test_only_reviewers_and_admins_have_a_queue(client, make_user, login_as):
    login_as(client, make_user("submitter"))
    assert client.get("/review").status_code == 403
    login_as(client, make_user("admin"))
    assert client.get("/review").status_code == 200


# ---------------------------------------------------------------------------------------------------
# Claiming and deciding


def test_a_reviewer_claims_from_the_submission_page_and_gets_the_checklist(client, make_user, make_submission,
                                                                          login_as):
    reviewer = make_user("reviewer")
    case, _ = make_submission("submitted", reviewer=reviewer)
    login_as(client, reviewer)
    text = visible_text(client.get(f"/submissions/{case.public_id}"))
    assert "Claim for review" in text and "Review checklist" not in text
    assert "Approve and publish" not in text.split("What you can do", 1)[1].split("Content of version", 1)[0]

    response = act(client, case, "claim")
    assert response.status_code == 302
    text = visible_text(client.get(response.headers["Location"]))
    assert "You are now reviewing this submission." in text
    assert "In review" in text and "reviewed by Test Reviewer" in text
    assert "Review checklist" in text and "Impact is shown with numbers and a source" in text
    for button in ("Request changes", "Approve and publish", "Reject"):
        assert button in text


def test_the_checklist_is_saved_and_shown_ticked(client, make_user, make_submission, login_as):
    reviewer = make_user("reviewer")
    case, _ = make_submission("in_review", reviewer=reviewer)
    login_as(client, reviewer)
    response = post(client, f"/submissions/{case.public_id}/checklist",
                    {"checklist-completeness": "1", "checklist-sources": "1", "checklist-bogus": "1"})
    assert response.status_code == 302
    assert submissions.find_case(case.public_id).working_revision.checklist == {
        "completeness": True, "impact_evidence": False, "replicability": False, "sources": True}
    page = text_of(client.get(f"/submissions/{case.public_id}"))
    assert re.search(r'name="checklist-completeness" value="1" checked', page)
    assert not re.search(r'name="checklist-impact_evidence" value="1" checked', page)


def test_requesting_changes_needs_a_note_and_the_page_says_so(client, make_user, make_submission, login_as):
    reviewer = make_user("reviewer")
    case, _ = make_submission("in_review", reviewer=reviewer)
    login_as(client, reviewer)
    response = act(client, case, "request_changes", note="   ")
    assert response.status_code == 400
    text = visible_text(response)
    assert "A note is required." in text and "Note: required to request changes" in text
    assert 'aria-invalid="true"' in text_of(response).split('id="note-request_changes"', 1)[1][:200]
    assert submissions.find_case(case.public_id).working_revision.status == "in_review"


def test_a_decision_on_a_stale_page_is_refused_and_the_note_kept(client, make_user, make_submission, login_as):
    reviewer = make_user("reviewer")
    case, _ = make_submission("in_review", reviewer=reviewer)
    login_as(client, reviewer)
    stale = lock_of(case)
    submissions.save_checklist(reviewer, case.public_id, {"completeness": True})  # e.g. in another tab
    db.session.commit()
    note = "The impact section has no source for the 12 days figure; please add the evaluation."
    response = act(client, case, "request_changes", note=note, lock=stale)
    assert response.status_code == 409
    assert "changed since you loaded it" in visible_text(response)
    assert note in text_of(response).split('id="note-request_changes"', 1)[1].split("</textarea>", 1)[0]
    assert submissions.find_case(case.public_id).working_revision.status == "in_review"


def test_request_changes_then_the_submitter_sees_the_note_edits_and_resubmits(client, make_user, make_submission,
                                                                             login_as, submission_data):
    submitter, reviewer = make_user("submitter"), make_user("reviewer")
    case, _ = make_submission("in_review", submitter=submitter, reviewer=reviewer)
    login_as(client, reviewer)
    assert act(client, case, "request_changes", note="Please add the number of villages covered.").status_code == 302

    login_as(client, submitter)
    text = visible_text(client.get(f"/submissions/{case.public_id}"))
    assert "Changes requested" in text and "Please add the number of villages covered." in text
    assert "Edit" in text and "Submit for review" in text
    response = post(client, f"/submissions/{case.public_id}/edit", {
        **{k: v for k, v in submission_data().items() if isinstance(v, str)}, "year": "2019",
        "tags": "doorstep, land-records", "lock_version": lock_of(case), "intent": "save",
        "summary": "Village officers print certified land record copies at the doorstep in 1,200 villages."})
    assert response.status_code == 302
    assert act(client, case, "submit").status_code == 302
    assert submissions.find_case(case.public_id).working_revision.status == "submitted"

    # The reviewer sees what changed since the request, though it is the same version edited in place.
    login_as(client, reviewer)
    page = client.get(f"/submissions/{case.public_id}").get_data(as_text=True)
    section = page.split('id="changes-since-sent-back"', 1)[1].split("</section>", 1)[0]
    assert "Changes since changes were requested on" in section and "When changes were requested" in section
    assert re.search(r"<ins>[^<]*1,200 villages", section) and re.search(r"<del>[^<]*citizen", section)


def test_approving_publishes_the_case(client, make_user, make_submission, login_as):
    reviewer = make_user("reviewer")
    case, _ = make_submission("in_review", reviewer=reviewer)
    login_as(client, reviewer)
    response = act(client, case, "approve", note="")
    assert response.status_code == 302
    text = visible_text(client.get(response.headers["Location"]))
    assert "Approved and published." in text and "Published" in text
    assert client.get(f"/cases/{case.public_id}").status_code == 200


def test_rejecting_needs_a_note_and_tells_the_submitter(client, make_user, make_submission, login_as):
    submitter, reviewer = make_user("submitter"), make_user("reviewer")
    case, _ = make_submission("in_review", submitter=submitter, reviewer=reviewer)
    login_as(client, reviewer)
    assert act(client, case, "reject", note="").status_code == 400
    assert act(client, case, "reject", note="This duplicates KB-0004.").status_code == 302
    login_as(client, submitter)
    text = visible_text(client.get(f"/submissions/{case.public_id}"))
    assert "Rejected" in text and "This duplicates KB-0004." in text


def test_a_reviewer_of_the_same_organisation_may_not_claim(client, make_user, make_submission, login_as):
    submitter = make_user("submitter")
    colleague = make_user("reviewer", org="ka-revenue")
    case, _ = make_submission("submitted", submitter=submitter)
    login_as(client, colleague)
    assert "Claim for review" not in visible_text(client.get(f"/submissions/{case.public_id}"))
    assert act(client, case, "claim").status_code == 403


def test_only_the_claimant_decides(client, make_user, make_submission, login_as):
    case, people = make_submission("in_review")
    other = make_user("reviewer")
    login_as(client, other)
    text = visible_text(client.get(f"/submissions/{case.public_id}"))
    assert "Approve and publish" not in text and "Review checklist" not in text
    assert act(client, case, "approve").status_code == 403
    assert post(client, f"/submissions/{case.public_id}/checklist", {"checklist-sources": "1"}).status_code == 403


def test_a_second_claim_gets_a_clear_conflict(client, make_user, make_submission, login_as):
    case, people = make_submission("submitted")
    login_as(client, people["reviewer"])
    page_lock = lock_of(case)
    submissions.take_action(make_user("reviewer"), case.public_id, "claim")
    db.session.commit()
    response = act(client, case, "claim", lock=page_lock)
    assert response.status_code == 409
    assert "Cannot claim: the submission is in review" in visible_text(response)


# ---------------------------------------------------------------------------------------------------
# What changed


def test_a_new_version_shows_a_side_by_side_diff_against_the_published_one(client, make_user, make_submission,
                                                                          login_as, submission_data):
    submitter, reviewer = make_user("submitter"), make_user("reviewer")
    case, _ = make_submission("published", submitter=submitter, reviewer=reviewer)
    submissions.open_new_revision(submitter, case.public_id)
    body = submission_data()["body"].replace("Waiting time fell from weeks to minutes.",
                                             "Waiting time fell from weeks to ten minutes. <script>alert(1)</script>")
    submissions.update_submission(submitter, case.public_id, {"body": body})
    submissions.take_action(submitter, case.public_id, "submit")
    db.session.commit()
    login_as(client, reviewer)
    response = client.get(f"/submissions/{case.public_id}")
    page, text = text_of(response), visible_text(response)

    assert "Changes against the published version 1" in text
    assert "Version 1 Version 2 (this submission)" in text
    assert "<ins>ten </ins>" in page
    assert "<ins> &lt;script&gt;alert(1)&lt;/script&gt;</ins>" in page, "the diff escapes what was typed"
    assert "<script>alert" not in page
    assert "Title unchanged" in text and "Problem unchanged" in text


def test_a_first_version_has_nothing_to_compare_with(client, make_user, make_submission, login_as):
    reviewer = make_user("reviewer")
    case, _ = make_submission("submitted", reviewer=reviewer)
    login_as(client, reviewer)
    text = visible_text(client.get(f"/submissions/{case.public_id}"))
    assert "Changes against" not in text and "Content of version 1" in text


def test_a_proposed_reclassification_shows_in_the_diff(client, make_user, make_submission, login_as):
    submitter, reviewer = make_user("submitter"), make_user("reviewer")
    case, _ = make_submission("published", submitter=submitter, reviewer=reviewer)
    submissions.open_new_revision(submitter, case.public_id)
    submissions.update_submission(submitter, case.public_id, {"mmp": "e-district", "stage": "statewide"})
    submissions.take_action(submitter, case.public_id, "submit")
    db.session.commit()
    login_as(client, reviewer)
    text = visible_text(client.get(f"/submissions/{case.public_id}"))
    classification = text.split("Changes against the published version 1", 1)[1].split("Classification", 1)[1]
    assert "Mission Mode Project Land Records (NLRMP / DILRMP)" in classification
    assert "Mission Mode Project e-District" in classification
    assert "Stage pilot" in classification and "Stage statewide" in classification
