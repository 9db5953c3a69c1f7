"""The submission workflow through its service functions: what each role may do, in which state."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from kb import search
from kb.errors import Conflict, Forbidden, NotFound, ValidationError
from kb.extensions import db
from kb.models import Case, StatusEvent, utcnow
from kb.services import submissions


def test_a_submitter_creates_a_draft_for_their_organisation(make_user, submission_data):
    submitter = make_user("submitter")
    case = submissions.create_submission(submitter, submission_data())
    db.session.commit()
    assert case.public_id.startswith("KB-")
    assert case.organization_id == submitter.organization_id
    assert case.working_revision.status == "draft"
    assert case.working_revision.author_id == submitter.id
    assert not case.is_published


def test_fields_the_form_does_not_offer_are_ignored(make_user, make_org, submission_data):
    submitter = make_user("submitter")
    other = make_org("tn-it", "state_department", "TN")
    case = submissions.create_submission(submitter, submission_data(
        status="published", organization_id=other.id, author_id=999, organization="tn-it"))
    db.session.commit()
    assert case.working_revision.status == "draft"
    assert case.organization_id == submitter.organization_id
    assert case.working_revision.author_id == submitter.id


def test_a_draft_may_be_incomplete_but_needs_a_title_and_an_mmp(make_user):
    submitter = make_user("submitter")
    with pytest.raises(ValidationError) as error:
        submissions.create_submission(submitter, {"department": "Revenue Department"})
    assert set(error.value.fields) == {"title", "mmp"}
    case = submissions.create_submission(submitter, {"title": "Work in progress", "mmp": "e-district"})
    db.session.commit()
    assert case.working_revision.title == "Work in progress"


def test_submitting_an_incomplete_draft_names_each_missing_field(make_user):
    submitter = make_user("submitter")
    case = submissions.create_submission(submitter, {"title": "Work in progress", "mmp": "e-district"})
    db.session.commit()
    with pytest.raises(ValidationError) as error:
        submissions.take_action(submitter, case.public_id, "submit")
    assert {"summary", "department", "year", "stage", "body"} <= set(error.value.fields)
    db.session.rollback()
    assert submissions.find_case(case.public_id).working_revision.status == "draft"


def test_malformed_values_are_refused_even_in_a_draft(make_user, submission_data):
    submitter = make_user("submitter")
    with pytest.raises(ValidationError) as error:
        submissions.create_submission(submitter, submission_data(year="next year", mmp="no-such-mmp"))
    assert "year" in error.value.fields and "mmp" in error.value.fields


def test_the_whole_way_from_draft_to_published_and_searchable(make_submission):
    case, people = make_submission("published")
    assert case.is_published
    assert case.published_revision.status == "published"
    assert case.mmp.slug == "land-records" and case.state.code == "KA"
    assert case.tag_names == ["doorstep", "land-records"]
    search.sync()
    assert [hit.public_id for hit in search.search("doorstep land record copies").hits] == [case.public_id]
    actions = [event.action for event in submissions.history(case)]
    assert actions == ["create", "submit", "claim", "approve"]


def test_a_reviewer_never_reviews_their_own_organisations_case(make_user, make_submission):
    submitter = make_user("submitter")
    colleague = make_user("reviewer", org="ka-revenue")
    case, _ = make_submission("submitted", submitter=submitter)
    with pytest.raises(Forbidden):
        submissions.take_action(colleague, case.public_id, "claim")


def test_only_the_claimant_decides(make_user, make_submission):
    case, people = make_submission("in_review")
    other_reviewer = make_user("reviewer", org="other-agency")
    with pytest.raises(Forbidden):
        submissions.take_action(other_reviewer, case.public_id, "approve")


def test_an_invalid_transition_is_a_conflict_naming_the_state(make_submission):
    case, people = make_submission("submitted")
    with pytest.raises(Conflict) as error:
        submissions.take_action(people["reviewer"], case.public_id, "approve")
    assert "submitted" in error.value.message


def test_a_draft_is_invisible_to_reviewers_and_other_organisations(make_user, make_submission):
    case, people = make_submission("draft")
    outsider = make_user("submitter", org="tn-it")
    for user in (people["reviewer"], outsider, make_user("trainer"), None):
        with pytest.raises(NotFound):
            submissions.get_submission(user, case.public_id)


def test_request_changes_and_reject_need_a_note(make_submission):
    case, people = make_submission("in_review")
    for action in ("request_changes", "reject"):
        with pytest.raises(ValidationError) as error:
            submissions.take_action(people["reviewer"], case.public_id, action, note="  ")
        assert "note" in error.value.fields


def test_changes_requested_then_edited_and_resubmitted(make_submission):
    case, people = make_submission("changes_requested")
    submissions.update_submission(people["submitter"], case.public_id, {"summary": "A better summary of the doorstep delivery."})
    submissions.take_action(people["submitter"], case.public_id, "submit")
    db.session.commit()
    assert case.working_revision.status == "submitted"
    assert case.working_revision.claimed_by_id is None


def test_what_was_sent_back_is_kept_to_compare_the_resubmission_with(make_submission):
    from kb.services.diffs import diff_revisions

    case, people = make_submission("in_review")
    assert submissions.content_when_sent_back(case.working_revision) is None
    submissions.take_action(people["reviewer"], case.public_id, "request_changes", note="Say how many villages.")
    db.session.commit()
    submissions.update_submission(people["submitter"], case.public_id,
                                  {"summary": "Village officers print certified land record copies in 1,200 villages.",
                                   "tags": ["doorstep", "land-records", "villages"]})
    db.session.commit()

    sent_back = submissions.content_when_sent_back(case.working_revision)
    then = sent_back.content
    assert then.summary == "Village officers print certified land record copies at the citizen's doorstep."
    assert sent_back.at <= utcnow() and then.number == case.working_revision.number
    changed = {section.key for section in diff_revisions(then, case.working_revision).sections if section.changed}
    assert changed == {"summary", "metadata"}, "only what the submitter edited since"
    assert then not in db.session, "the snapshot is never saved as a revision of its own"

    submissions.take_action(people["submitter"], case.public_id, "submit")
    submissions.take_action(people["reviewer"], case.public_id, "claim")
    assert submissions.content_when_sent_back(case.working_revision) is not None, "shown during the review"
    submissions.take_action(people["reviewer"], case.public_id, "approve")
    db.session.commit()
    assert submissions.content_when_sent_back(case.published_revision) is None, "not once it is decided"


def test_editing_a_published_case_opens_a_new_draft_while_the_old_stays_live(make_submission):
    case, people = make_submission("published")
    submissions.open_new_revision(people["submitter"], case.public_id)
    submissions.update_submission(people["submitter"], case.public_id, {"title": "Doorstep delivery, second edition",
                                                                       "tags": ["doorstep"]})
    db.session.commit()
    assert case.published_revision.number == 1
    assert case.published_revision.title == "Doorstep delivery of land record copies"
    assert case.tag_names == ["doorstep", "land-records"]  # the live classification is untouched
    assert case.working_revision.number == 2
    for action, actor in (("submit", "submitter"), ("claim", "reviewer"), ("approve", "reviewer")):
        submissions.take_action(people[actor], case.public_id, action)
        db.session.commit()
    assert case.published_revision.number == 2
    assert case.revisions[0].status == "superseded"
    assert case.tag_names == ["doorstep"]


def test_a_second_open_version_is_refused(make_submission):
    case, people = make_submission("published")
    submissions.open_new_revision(people["submitter"], case.public_id)
    db.session.commit()
    with pytest.raises(Conflict):
        submissions.open_new_revision(people["submitter"], case.public_id)


def test_archive_withdraws_from_the_library_with_a_reason(make_submission):
    case, people = make_submission("archived")
    assert not case.is_published
    event = submissions.history(case)[-1]
    assert (event.action, event.from_status, event.to_status, event.note) == ("archive", "published", "archived", "needs work")


def test_a_stale_lock_version_is_a_conflict(make_submission):
    case, people = make_submission("in_review")
    seen = case.working_revision.lock_version
    submissions.save_checklist(people["reviewer"], case.public_id, {"completeness": True})
    db.session.commit()
    with pytest.raises(Conflict):
        submissions.take_action(people["reviewer"], case.public_id, "approve", lock_version=seen)


def test_two_reviewers_at_once_exactly_one_wins(app, make_user, make_submission):
    """Two admins (both may decide) approve and reject the same submission at the same moment."""
    case, people = make_submission("in_review")
    first, second = make_user("admin", org="agency-one"), make_user("admin", org="agency-two")
    public_id, ids = case.public_id, (first.id, second.id)
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes = {}

    def decide(user_id, action):
        from kb.models import User

        with app.app_context():
            user = db.session.get(User, user_id)
            submissions.find_case(public_id).working_revision  # load before the race
            barrier.wait()
            try:
                submissions.take_action(user, public_id, action, note="decided")
                db.session.commit()
                outcomes[action] = "won"
            except Conflict:
                db.session.rollback()
                outcomes[action] = "conflict"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(ids[0], "approve")),
               threading.Thread(target=decide, args=(ids[1], "reject"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes.values()) == ["conflict", "won"], outcomes
    case = db.session.scalar(select(Case).where(Case.number == int(public_id[3:])))
    winner = "approve" if outcomes["approve"] == "won" else "reject"
    assert case.working_revision.status == {"approve": "published", "reject": "rejected"}[winner]
    decisions = db.session.scalars(select(StatusEvent).where(StatusEvent.case_id == case.id,
                                                             StatusEvent.action.in_(["approve", "reject"]))).all()
    assert [event.action for event in decisions] == [winner]
    assert case.is_published == (winner == "approve")


def test_comments_notify_the_other_side(make_submission):
    from kb.models import Notification

    case, people = make_submission("in_review")
    submissions.add_comment(people["reviewer"], case.public_id, "Please add the number of villages.")
    db.session.commit()
    notes = db.session.scalars(select(Notification).where(Notification.kind == "comment")).all()
    assert [n.user_id for n in notes] == [people["submitter"].id]


def test_the_audit_trail_names_only_the_fields_an_edit_changed(make_submission, submission_data):
    case, people = make_submission("draft")
    everything = submission_data(summary="Village officers now print certified copies at the doorstep itself.")
    submissions.update_submission(people["submitter"], case.public_id, everything)
    db.session.commit()
    submissions.update_submission(people["submitter"], case.public_id, submission_data(
        summary=everything["summary"], translated_title="भूमि अभिलेख की प्रतियाँ अब घर पर"))
    db.session.commit()
    submissions.update_submission(people["submitter"], case.public_id, submission_data(
        summary=everything["summary"], translated_title="भूमि अभिलेख की प्रतियाँ अब घर पर"))
    db.session.commit()
    edits = [event.note for event in submissions.history(case) if event.action == "edit"]
    assert edits == ["changed: summary", "changed: translated_title"], "an unchanged save is no event"


def test_a_case_keeps_its_title_and_summary_in_the_other_language(make_submission):
    case, _people = make_submission("published")
    revision = case.published_revision
    assert revision.translated_title == "भूमि अभिलेख की प्रतियाँ घर पर"
    assert revision.title_in("hi") == ("भूमि अभिलेख की प्रतियाँ घर पर", "hi")
    assert revision.title_in("en") == ("Doorstep delivery of land record copies", "en")
    assert revision.summary_in("hi").language == "hi" and revision.summary_in("en").language == "en"
    revision.translated_title = ""
    assert revision.title_in("hi") == ("Doorstep delivery of land record copies", "en"), "no translation: original"
