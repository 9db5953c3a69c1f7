"""kb.permissions: the flags the screens show for a submission beyond its workflow buttons."""
from __future__ import annotations

from kb import permissions
from kb.extensions import db
from kb.services import submissions


def test_the_own_submitter_may_edit_attach_and_comment_while_it_is_a_draft(make_submission):
    case, people = make_submission("draft")
    assert permissions.allowed_changes(people["submitter"], case) == {"edit", "attach", "comment"}
    assert permissions.allowed_changes(people["reviewer"], case) == set(), "a draft is its organisation's alone"
    assert permissions.allowed_changes(None, case) == set()


def test_nothing_changes_while_under_review_but_the_thread(make_submission):
    case, people = make_submission("in_review")
    assert permissions.allowed_changes(people["submitter"], case) == {"comment"}
    assert permissions.allowed_changes(people["reviewer"], case) == {"comment"}


def test_a_submission_sent_back_is_editable_again(make_submission):
    case, people = make_submission("changes_requested")
    assert {"edit", "attach"} <= permissions.allowed_changes(people["submitter"], case)


def test_a_published_case_offers_a_new_version_until_one_is_open(make_submission):
    case, people = make_submission("published")
    submitter = people["submitter"]
    assert permissions.allowed_changes(submitter, case) == {"new_revision", "comment", "reverify"}
    assert not {"new_revision", "reverify"} & permissions.allowed_changes(people["reviewer"], case)
    submissions.open_new_revision(submitter, case.public_id)
    db.session.commit()
    # The published version can still be confirmed as current while the new one is written.
    assert permissions.allowed_changes(submitter, case) == {"edit", "attach", "comment", "reverify"}


def test_another_organisations_submitter_gets_nothing(make_user, make_org, make_submission):
    case, _ = make_submission("published")
    make_org("tn-it", "state_department", "TN")
    assert permissions.allowed_changes(make_user("submitter", org="tn-it"), case) == set()
