"""Notifications: who hears about what, the unread counter, and mail over a real SMTP server."""
from __future__ import annotations


import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.models import EmailMessage, Notification
from kb.services import notifications, submissions


def _kinds_for(user) -> list[str]:
    return [n.kind for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]


def test_reviewers_hear_of_a_new_submission_but_not_those_of_its_organisation(make_user, make_submission):
    colleague = make_user("reviewer", org="ka-revenue")
    independent = make_user("reviewer", org="other-agency")
    case, people = make_submission("submitted")
    assert "new_submission" in _kinds_for(independent)
    assert "new_submission" in _kinds_for(people["reviewer"])
    assert _kinds_for(colleague) == []


def test_the_submitting_organisation_hears_each_decision(make_submission):
    case, people = make_submission("published")
    assert _kinds_for(people["submitter"]) == ["claimed", "approved"]


def test_a_new_version_published_is_announced(make_submission):
    case, people = make_submission("published")
    submissions.open_new_revision(people["submitter"], case.public_id)
    for action, actor in (("submit", "submitter"), ("claim", "reviewer"), ("approve", "reviewer")):
        submissions.take_action(people[actor], case.public_id, action)
    db.session.commit()
    assert _kinds_for(people["submitter"])[-2:] == ["approved", "new_version_published"]


def test_unread_counter_and_mark_read_touch_only_ones_own(make_submission, make_user):
    case, people = make_submission("changes_requested")
    submitter, reviewer = people["submitter"], people["reviewer"]
    assert notifications.unread_count(submitter) == 2  # claimed, changes requested
    assert notifications.unread_count(reviewer) == 1  # new submission
    mine = notifications.page_of_notifications(submitter).items
    first = mine[-1]
    assert notifications.mark_read(submitter, [first.id]) == 1
    assert notifications.mark_read(reviewer, [n.id for n in mine]) == 0
    assert notifications.unread_count(submitter) == 1
    notifications.mark_read(submitter)
    assert notifications.unread_count(submitter) == 0 and notifications.unread_count(reviewer) == 1


def test_without_smtp_mail_is_kept_and_not_sent(make_submission):
    case, people = make_submission("in_review")
    kept = db.session.scalars(select(EmailMessage)).all()
    assert {m.recipient for m in kept} == {people["submitter"].email, people["reviewer"].email}
    assert all(m.sent_at is None for m in kept)
    assert notifications.deliver_pending_email() == 0


def test_with_smtp_configured_queued_mail_is_delivered_once(app, make_submission, smtp_server):
    port, received = smtp_server
    case, people = make_submission("submitted")
    app.config.update(KB_SMTP_HOST="127.0.0.1", KB_SMTP_PORT=port, KB_SMTP_STARTTLS=False)
    assert notifications.deliver_pending_email() == 1
    assert notifications.deliver_pending_email() == 0
    assert received[0][0] == [people["reviewer"].email]
    assert case.public_id in received[0][1]


def test_each_recipient_is_told_in_the_language_kept_on_their_account(make_submission, make_user):
    from kb.models import EmailMessage, Notification
    from kb.services import submissions

    hindi_writer = make_user("submitter", email="hindi.writer@example.org")
    hindi_writer.language = "hi"
    english_writer = make_user("submitter", email="english.writer@example.org")
    db.session.commit()
    case, people = make_submission("submitted", submitter=english_writer)
    submissions.take_action(people["reviewer"], case.public_id, "claim")
    db.session.commit()
    told = {n.user_id: n.message for n in db.session.scalars(select(Notification).where(Notification.kind == "claimed"))}
    assert "is being reviewed by" in told[english_writer.id]
    assert "समीक्षा" in told[hindi_writer.id] and case.public_id in told[hindi_writer.id]
    mail = db.session.scalar(select(EmailMessage).where(EmailMessage.recipient == "hindi.writer@example.org")
                             .order_by(EmailMessage.id.desc()))
    assert "समीक्षा" in mail.subject and f"/hi/submissions/{case.public_id}" in mail.body


def test_a_decision_tells_every_submitter_of_a_large_organisation_once_each_in_their_language(make_submission,
                                                                                            make_user):
    """Written once per language and inserted together (issue 13), each still gets their own notification
    and mail, in their language, and nobody twice; an inactive account hears nothing."""
    writers = [make_user("submitter") for _ in range(12)]
    for writer in writers[::3]:
        writer.language = "hi"
    writers[1].active = False
    db.session.commit()
    case, people = make_submission("submitted", submitter=writers[0])
    submissions.take_action(people["reviewer"], case.public_id, "claim")
    db.session.commit()
    told = db.session.scalars(select(Notification).where(Notification.kind == "claimed")).all()
    by_user = {n.user_id: n.message for n in told}
    assert len(told) == len(by_user) and set(by_user) == {w.id for w in writers if w.active} | {people["submitter"].id}
    for writer in writers:
        if writer.active:
            expected = "समीक्षा" if writer.language == "hi" else "is being reviewed by"
            assert expected in by_user[writer.id] and case.public_id in by_user[writer.id]
            mail = db.session.scalars(select(EmailMessage).where(EmailMessage.recipient == writer.email)).all()
            assert len(mail) == 1 and mail[0].subject == f"[kb] {by_user[writer.id][:120]}"
            assert mail[0].body.startswith(by_user[writer.id]) and mail[0].sent_at is None
    assert not db.session.scalars(select(EmailMessage).where(EmailMessage.recipient == writers[1].email)).all()
