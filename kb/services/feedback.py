"""Feedback from visitors (GIGW): kept in the database, admins told, answered with a status.

Anyone may write, logged in or not. To keep the form from being used to flood the admins, one address
may send ``MAX_PER_HOUR`` messages an hour; the address is kept only as a keyed hash (``sender_key``),
never as itself. Functions flush; the caller commits.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import unicodedata

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from kb import permissions
from kb.errors import NotFound, TooManyRequests, ValidationError
from kb.extensions import db
from kb.i18n import LANGUAGES
from kb.paging import Page
from kb.models import Feedback, FeedbackCategory, FeedbackStatus, Role, User, utcnow
from kb.services import notifications
from kb.validation import MISSING, is_email_address

MAX_PER_HOUR = 5
MAX_MESSAGE = 5_000
MAX_NAME = 200
MAX_NOTE = 5_000
PER_PAGE = 30


def sender_key(address: str) -> str:
    """A keyed hash of the sender's network address: enough to count, not enough to recover it."""
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(secret, f"feedback:{address}".encode("utf-8"), hashlib.sha256).hexdigest()


def send_feedback(*, name: str, email: str, category: str, message: str, address: str, language: str = "en",
                  page_url: str = "", user: User | None = None, now: dt.datetime | None = None) -> Feedback:
    """Keep a visitor's message and tell every admin (in the site and by mail, in their language)."""
    now = now or utcnow()
    name, email, message = _clean(name), _clean(email).lower(), _clean(message, keep_lines=True)
    fields = {}
    if not name:
        fields["name"] = MISSING
    elif len(name) > MAX_NAME:
        fields["name"] = _l("at most %(limit)s characters", limit=MAX_NAME)
    if not email:
        fields["email"] = MISSING
    elif not is_email_address(email):
        fields["email"] = _l("not an email address")
    if category not in {c.value for c in FeedbackCategory}:
        fields["category"] = _l("choose what your message is about")
    if not message:
        fields["message"] = MISSING
    elif len(message) > MAX_MESSAGE:
        fields["message"] = _l("at most %(limit)s characters", limit=MAX_MESSAGE)
    if fields:
        raise ValidationError(_l("Please correct the marked fields."), fields)
    key = sender_key(address)
    recent = db.session.scalar(select(func.count()).select_from(Feedback).where(
        Feedback.sender_key == key, Feedback.created_at >= now - dt.timedelta(hours=1))) or 0
    if recent >= MAX_PER_HOUR:
        raise TooManyRequests(_l("You have sent %(count)s messages in the last hour. Please wait a while before "
                                 "sending another.", count=recent), retry_after=3600)
    feedback = Feedback(name=name, email=email, category=category, message=message, sender_key=key,
                        language=language if language in LANGUAGES else "en", page_url=(page_url or "")[:500],
                        user_id=user.id if user is not None else None, status=FeedbackStatus.new.value,
                        created_at=now)
    db.session.add(feedback)
    db.session.flush()
    admins = db.session.scalars(select(User).where(User.role == Role.admin.value, User.active.is_(True),
                                                   User.approved.is_(True)))
    notifications.notify(admins, kind="feedback", case=None, url=f"/admin/feedback/{feedback.id}",
                         message=notifications.Message(
                             _l("New feedback from %(name)s (%(category)s): %(message)s"), name=name,
                             category=FeedbackCategory(category).label, message=message[:200]))
    return feedback


@dataclasses.dataclass
class FeedbackPage(Page):
    counts: dict[str, int] = dataclasses.field(default_factory=dict)  # status -> how many


def list_feedback(user: User | None, *, status: str | None = None, page: int = 1) -> FeedbackPage:
    """Admins' list of feedback, newest first, optionally one status; with the count per status."""
    _check_admin(user)
    if status is not None and status not in {s.value for s in FeedbackStatus}:
        raise ValidationError(_l("Unknown status."), {"status": _l("'%(value)s' is not a feedback status",
                                                                   value=status)})
    query = select(Feedback)
    if status:
        query = query.where(Feedback.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.session.scalars(query.order_by(Feedback.created_at.desc(), Feedback.id.desc())
                               .offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    counts = dict(db.session.execute(select(Feedback.status, func.count()).group_by(Feedback.status)).all())
    return FeedbackPage(list(items), total, page, PER_PAGE, {s.value: counts.get(s.value, 0) for s in FeedbackStatus})


def get_feedback(user: User | None, feedback_id: int) -> Feedback:
    _check_admin(user)
    feedback = db.session.get(Feedback, feedback_id)
    if feedback is None:
        raise NotFound(_l("No such feedback."))
    return feedback


def set_feedback_status(user: User | None, feedback_id: int, status: str, note: str = "") -> Feedback:
    """Record that a message was answered (or closed), with an optional note of what was done."""
    feedback = get_feedback(user, feedback_id)
    if status not in {s.value for s in FeedbackStatus}:
        raise ValidationError(_l("Unknown status."), {"status": _l("'%(value)s' is not a feedback status",
                                                                   value=status)})
    note = _clean(note, keep_lines=True)
    if len(note) > MAX_NOTE:
        raise ValidationError(_l("The note is too long."), {"note": _l("at most %(limit)s characters",
                                                                      limit=MAX_NOTE)})
    feedback.status = status
    feedback.reply_note = note
    feedback.handled_by_id = user.id
    feedback.handled_at = utcnow()
    db.session.flush()
    return feedback


def _check_admin(user: User | None) -> None:
    permissions.authorize(user, "read_feedback")


def _clean(value, *, keep_lines: bool = False) -> str:
    text = unicodedata.normalize("NFC", str(value or ""))
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    if not keep_lines:
        text = " ".join(text.split())
    return text.replace("\r\n", "\n").strip()
