"""Telling people what happened: in-app notifications and email.

Every notification is a row for its user (the counter and list in the site) and an ``EmailMessage`` row,
which is always logged. When ``KB_SMTP_HOST`` is set, ``deliver_pending_email`` sends what is unsent
(called after each commit that queued mail, and by ``kb mail send``); without it nothing needs a mail
server, and the table is the record of what would have been sent.
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage as MimeMessage
from typing import Iterable

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update

from kb.extensions import db
from kb.i18n import in_language
from kb.paging import Page
from kb.models import Case, Comment, EmailMessage, Notification, Revision, Role, User, utcnow

log = logging.getLogger(__name__)

# What each workflow action tells, and to whom ("organisation": the submitting organisation's submitters;
# "reviewers": every reviewer who may review it; "claimant": the reviewer who claimed it). The messages are
# lazy: each recipient reads them in the language kept on their account.
_EVENTS = {
    "submit": ("new_submission", "reviewers", _l("%(case)s “%(title)s” was submitted for review.")),
    "claim": ("claimed", "organisation", _l("%(case)s “%(title)s” is being reviewed by %(actor)s.")),
    "request_changes": ("changes_requested", "organisation",
                        _l("Changes were requested on %(case)s “%(title)s”: %(note)s")),
    "approve": ("approved", "organisation", _l("%(case)s “%(title)s” was approved and published.")),
    "reject": ("rejected", "organisation", _l("%(case)s “%(title)s” was rejected: %(note)s")),
    "withdraw": ("withdrawn", "reviewers", _l("%(case)s “%(title)s” was withdrawn from review.")),
    "archive": ("archived", "organisation", _l("%(case)s “%(title)s” was archived: %(note)s")),
}


def submission_path(case: Case) -> str:
    return f"/submissions/{case.public_id}"


class Message:
    """A notification's text, written in each recipient's language when it is sent."""

    def __init__(self, text, **values):
        self.text, self.values = text, values

    def render(self) -> str:
        values = {key: str(value) if not isinstance(value, (int, float)) else value
                  for key, value in self.values.items()}
        return str(self.text) % values if values else str(self.text)


def workflow_event(case: Case, revision: Revision, action: str, *, actor: User | None, note: str = "") -> None:
    if action not in _EVENTS:
        return
    kind, audience, text = _EVENTS[action]
    message = Message(text, case=case.public_id, title=revision.title, actor=actor.name if actor else "kb",
                      note=note)
    recipients = _audience(case, audience)
    notify(recipients, kind=kind, case=case, message=message, exclude=actor)
    if action == "approve" and revision.number > 1:
        notify(_audience(case, "organisation"), kind="new_version_published", case=case, exclude=actor,
               message=Message(_l("Version %(number)s of %(case)s “%(title)s” is now published."),
                               number=revision.number, case=case.public_id, title=revision.title))


def comment_added(case: Case, comment: Comment) -> None:
    recipients = _audience(case, "organisation") + _audience(case, "claimant")
    author = comment.author.name if comment.author else _l("Someone")
    notify(recipients, kind="comment", case=case, exclude=comment.author,
           message=Message(_l("%(name)s commented on %(case)s: %(comment)s"), name=author, case=case.public_id,
                           comment=comment.body[:200]))


def notify(users: Iterable[User], *, kind: str, case: Case | None, message: Message | str,
           exclude: User | None = None, url: str | None = None) -> int:
    """Notify each user (in the site and by email), each in the language kept on their account;
    ``url`` defaults to the case's submission page.

    The message is written once per language, not once per recipient, and the rows are inserted in one
    statement per table: a decision tells every submitter of an organisation, and one with fifty of them
    made each claim and approval the slowest request under load (issue 13)."""
    if url is None:
        url = submission_path(case) if case is not None else ""
    if not isinstance(message, Message):
        message = Message(message)
    recipients: list[User] = []
    seen = set()
    for user in users:
        if user.id in seen or (exclude is not None and user.id == exclude.id) or not user.can_act:
            continue
        seen.add(user.id)
        recipients.append(user)
    texts = {}
    for language in {user.language for user in recipients}:
        with in_language(language):
            texts[language] = message.render()
    if recipients:
        now = utcnow()
        db.session.execute(insert(Notification), [
            {"user_id": user.id, "kind": kind, "case_id": case.id if case else None, "message": texts[user.language],
             "url": url, "created_at": now} for user in recipients])
        _queue_emails([(user.email, f"[kb] {texts[user.language][:120]}",
                        f"{texts[user.language]}\n\n{_absolute(url, user.language)}\n") for user in recipients], now)
    db.session.flush()
    return len(recipients)


def queue_email(recipient: str, *, subject: str, body: str) -> EmailMessage:
    """Keep the message (and log it); it is sent after commit when SMTP is configured."""
    message = EmailMessage(recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    db.session.info["kb_mail_queued"] = True
    log.info("mail to %s: %s", recipient, subject)
    return message


def _queue_emails(messages: list[tuple[str, str, str]], now) -> None:
    """``queue_email`` for many (recipient, subject, body) at once, in one statement."""
    db.session.execute(insert(EmailMessage), [
        {"recipient": recipient, "subject": subject, "body": body, "created_at": now}
        for recipient, subject, body in messages])
    db.session.info["kb_mail_queued"] = True
    for recipient, subject, _ in messages:
        log.info("mail to %s: %s", recipient, subject)


def _absolute(path: str, language: str = "en") -> str:
    """The link a mail gives: on KB_BASE_URL, in the recipient's language."""
    base = current_app.config.get("KB_BASE_URL") or ""
    if path.startswith("/") and language != "en":
        path = f"/{language}{path}"
    return f"{base}{path}" if path else base


def _audience(case: Case, audience: str) -> list[User]:
    if audience == "organisation":
        if case.organization_id is None:
            return []
        return list(db.session.scalars(select(User).where(
            User.organization_id == case.organization_id, User.role == Role.submitter.value)))
    if audience == "claimant":
        revision = case.working_revision
        return [revision.claimed_by] if revision is not None and revision.claimed_by else []
    if audience == "reviewers":
        from kb import permissions

        curators = db.session.scalars(select(User).where(User.role.in_([Role.reviewer.value, Role.admin.value])))
        return [user for user in curators if permissions.is_independent_reviewer(user, case)]
    raise ValueError(audience)


# ---------------------------------------------------------------------------------------------------
# The user's list


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def page_of_notifications(user: User, *, unread_only: bool = False, page: int = 1,
                          per_page: int = 20) -> Page:
    """One page of the user's notifications, newest first, and how many there are in all."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                               .offset((page - 1) * per_page).limit(per_page))
    return Page(list(items), total, page, per_page)


def mark_read(user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when no ids are given); never another user's."""
    statement = (update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                 .values(read_at=utcnow()))
    if notification_ids is not None:
        statement = statement.where(Notification.id.in_(list(notification_ids)))
    return db.session.execute(statement).rowcount or 0


# ---------------------------------------------------------------------------------------------------
# Delivery


def deliver_pending_email(limit: int = 100) -> int:
    """Send unsent messages over SMTP (``KB_SMTP_*`` settings). Returns how many were sent."""
    config = current_app.config
    host = config.get("KB_SMTP_HOST")
    if not host:
        return 0
    pending = db.session.scalars(select(EmailMessage).where(EmailMessage.sent_at.is_(None),
                                                            EmailMessage.error == "")
                                 .order_by(EmailMessage.id).limit(limit)).all()
    if not pending:
        return 0
    sent = 0
    try:
        with smtplib.SMTP(host, int(config.get("KB_SMTP_PORT", 587)), timeout=10) as smtp:
            if config.get("KB_SMTP_STARTTLS", True):
                smtp.starttls()
            if config.get("KB_SMTP_USER"):
                smtp.login(config["KB_SMTP_USER"], config.get("KB_SMTP_PASSWORD", ""))
            for message in pending:
                mime = MimeMessage()
                mime["From"] = config.get("KB_MAIL_FROM", "kb@localhost")
                mime["To"] = message.recipient
                mime["Subject"] = message.subject
                for name, value in (message.headers or {}).items():  # a digest's List-Unsubscribe
                    mime[name] = value
                mime.set_content(message.body)
                try:
                    smtp.send_message(mime)
                    message.sent_at = utcnow()
                    sent += 1
                except smtplib.SMTPException as error:
                    message.error = str(error)[:500]
    except (OSError, smtplib.SMTPException) as error:
        log.warning("SMTP delivery failed: %s", error)
    db.session.commit()
    return sent
