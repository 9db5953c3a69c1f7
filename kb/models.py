"""The data model: taxonomy, organisations and users, cases with numbered revisions, and the audit trail.

A ``Case`` holds what classifies a practice (MMP, state, stage, tags) and its stable public id
(``KB-0042``). Its content lives in numbered ``Revision`` rows; ``Case.published_revision`` is what the
public sees. Every status change is appended to ``StatusEvent``, which the database itself refuses to
update or delete (triggers created by the migration).
"""
from __future__ import annotations

import datetime as dt
import enum
import re
from typing import NamedTuple

from sqlalchemy import (
    LargeBinary,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Sequence,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db

Model = db.Model
# The largest value of an Integer column (32 bits on PostgreSQL); larger ids in requests find nothing.
MAX_INTEGER = 2**31 - 1


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(db.TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use kb.models.utcnow()")
        return value.astimezone(dt.timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value


class LabelledEnum(str, enum.Enum):
    """An enum whose members carry the name people read, translated (``Role.trainer.label``)."""

    @property
    def label(self):
        return type(self).__labels__[self.value]

    @classmethod
    def labels(cls) -> dict:
        """Every value with its label, in the enum's order (for choices in forms and templates)."""
        return {member.value: member.label for member in cls}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# ---------------------------------------------------------------------------------------------------
# Taxonomy


class MmpCategory(LabelledEnum):
    central = "central"
    state = "state"
    integrated = "integrated"

    __labels__ = {"central": _l("Central MMPs"), "state": _l("State MMPs"), "integrated": _l("Integrated MMPs")}


class StateKind(LabelledEnum):
    state = "state"
    ut = "ut"

    __labels__ = {"state": _l("State"), "ut": _l("Union territory")}


class Mmp(Model):
    """A Mission Mode Project of NeGP / e-Kranti."""

    __tablename__ = "mmps"
    __table_args__ = (CheckConstraint(_in("category", [c.value for c in MmpCategory]), name="category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_hi: Mapped[str] = mapped_column(String(200), default="", server_default="")
    category: Mapped[str] = mapped_column(String(20), index=True)
    ministry: Mapped[str] = mapped_column(String(300), default="")
    since: Mapped[int | None] = mapped_column(Integer)


class State(Model):
    """A state or union territory, keyed by its ISO 3166-2:IN suffix."""

    __tablename__ = "states"
    __table_args__ = (CheckConstraint(_in("kind", [k.value for k in StateKind]), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_hi: Mapped[str] = mapped_column(String(120), default="", server_default="")
    kind: Mapped[str] = mapped_column(String(8))


# ---------------------------------------------------------------------------------------------------
# People


class OrganizationKind(LabelledEnum):
    ati = "ati"
    state_department = "state_department"
    nodal_agency = "nodal_agency"

    __labels__ = {
        "ati": _l("Administrative Training Institute"), "state_department": _l("State department"),
        "nodal_agency": _l("Nodal agency"),
    }


class Role(LabelledEnum):
    trainer = "trainer"
    submitter = "submitter"
    reviewer = "reviewer"
    admin = "admin"

    __labels__ = {
        "trainer": _l("Trainer"), "submitter": _l("Submitter"), "reviewer": _l("Reviewer"), "admin": _l("Admin"),
    }


class Organization(Model):
    """An Administrative Training Institute, a state department or a central nodal agency."""

    __tablename__ = "organizations"
    __table_args__ = (CheckConstraint(_in("kind", [k.value for k in OrganizationKind]), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    state: Mapped[State | None] = relationship()


class User(Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", [r.value for r in Role]), name="role"),
        # Emails are stored lower-cased so that uniqueness is case-insensitive on every backend.
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("language IN ('en', 'hi')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    # The state a user acts for when it is not their organisation's (e.g. a central nodal officer's home state).
    state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Self-registered accounts wait for an admin; until then they cannot log in or act.
    approved: Mapped[bool] = mapped_column(Boolean, default=True, server_default=db.true())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The language of the user's email and notifications (chosen on the account page).
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")

    organization: Mapped[Organization | None] = relationship()
    state: Mapped[State | None] = relationship()

    @property
    def can_act(self) -> bool:
        return self.active and self.approved

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.can_act

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # The login session carries a server-side session token (kb.services.auth), not the user id,
        # so logging out, deactivation and role changes end a session and its remember-me cookie.
        return getattr(self, "session_token", None) or ""


class UserSession(Model):
    """A login session kept on the server. Its token (hashed here) is what the session and remember-me
    cookies carry; deleting the row ends the session everywhere, however old the cookie."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(300), default="")

    user: Mapped[User] = relationship()


class LoginAttempt(Model):
    """One login attempt, kept in the database so that throttling holds across workers and hosts."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_created", "email", "created_at"),
        Index("ix_login_attempts_address_created", "address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PasswordResetToken(Model):
    """A single-use, expiring password reset token; only its hash is stored."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ApiToken(Model):
    """A personal API token. Shown once at creation; only its hash is kept. ``prefix`` identifies it in lists."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


# ---------------------------------------------------------------------------------------------------
# Cases


class Stage(LabelledEnum):
    pilot = "pilot"
    scaled = "scaled"
    statewide = "statewide"
    national = "national"

    __labels__ = {
        "pilot": _l("Pilot"), "scaled": _l("Scaled up"), "statewide": _l("Statewide"), "national": _l("National"),
    }


class Language(LabelledEnum):
    en = "en"
    hi = "hi"

    __labels__ = {"en": "English", "hi": "हिन्दी"}  # each in its own language, as a language switch names them


class RevisionStatus(LabelledEnum):
    """Where one revision stands. The review workflow (kb.workflow) moves revisions between these."""

    draft = "draft"
    submitted = "submitted"
    in_review = "in_review"
    changes_requested = "changes_requested"
    published = "published"
    superseded = "superseded"  # was published; a later version replaced it
    rejected = "rejected"
    archived = "archived"  # was published; withdrawn from the public

    __labels__ = {
        "draft": _l("Draft"), "submitted": _l("Submitted"), "in_review": _l("In review"),
        "changes_requested": _l("Changes requested"), "published": _l("Published"), "superseded": _l("Superseded"),
        "rejected": _l("Rejected"), "archived": _l("Archived"),
    }


class LocalText(NamedTuple):
    """A text and the language it is written in (for the element's ``lang`` attribute)."""

    text: str
    language: str


def text_in(language: str, original: str, translated: str | None, original_language: str) -> LocalText:
    """A text as a reader of ``language`` sees it: its translation into that language if there is one,
    else the original."""
    if language != original_language and translated:
        return LocalText(translated, Language.hi.value if original_language == Language.en.value
                         else Language.en.value)
    return LocalText(original, original_language)


PUBLIC_ID_PATTERN = re.compile(r"^KB-([0-9]{4,9})$")  # 9 digits: within an Integer column


def format_public_id(number: int) -> str:
    return f"KB-{number:04d}"


case_tags = Table(
    "case_tags",
    Model.metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)


# New case numbers: on PostgreSQL from this sequence (no lock, never handed out twice, owned by
# cases.number so that emptying the table restarts it); on SQLite from CaseNumberCounter, whose row a
# writer updates under the database's write lock. kb.services.cases.allocate_case_number uses them.
CASE_NUMBER_SEQUENCE = Sequence("case_number_seq", metadata=db.metadata)


class CaseNumberCounter(Model):
    """A single row: the highest case number handed out (SQLite; PostgreSQL uses CASE_NUMBER_SEQUENCE)."""

    __tablename__ = "case_number_counter"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Case(Model):
    """A practice in the library. Its number gives the public id and is never reused."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("year_started BETWEEN 1980 AND 2100", name="year_started"),
        CheckConstraint(_in("stage", [s.value for s in Stage]), name="stage"),
        CheckConstraint(_in("language", [lang.value for lang in Language]), name="language"),
        # The list pages filter published cases by MMP or state and sort them by date.
        Index("ix_cases_mmp_published", "mmp_id", "first_published_at"),
        Index("ix_cases_state_published", "state_id", "first_published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    slug: Mapped[str] = mapped_column(String(120))
    mmp_id: Mapped[int] = mapped_column(ForeignKey("mmps.id"))
    state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    # Classification of the published version (or, before the first publication, of the working draft);
    # a draft of a new version keeps its own proposed classification on its Revision until approved.
    department: Mapped[str] = mapped_column(String(300), default="")
    year_started: Mapped[int | None] = mapped_column(Integer)
    stage: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5), default="en")
    published_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("revisions.id", use_alter=True, name="fk_cases_published_revision_id_revisions"),
        index=True,
    )
    first_published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The overall evidence level of the published version's figures (kb.services.evidence); None: no figures.
    evidence_level: Mapped[str | None] = mapped_column(String(20), index=True)
    # Freshness (kb.services.freshness): when the case was last confirmed as current, when it is next due,
    # and whether its organisation says the practice has been discontinued (and why).
    last_verified_on: Mapped[dt.date | None] = mapped_column(db.Date)
    review_by: Mapped[dt.date | None] = mapped_column(db.Date, index=True)
    discontinued_on: Mapped[dt.date | None] = mapped_column(db.Date)
    discontinued_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Which reminder was last sent for the current review-by date ("soon", "overdue"): each is sent once.
    reverify_reminded: Mapped[str] = mapped_column(String(10), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    mmp: Mapped[Mmp] = relationship()
    state: Mapped[State | None] = relationship()
    organization: Mapped[Organization | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=case_tags, order_by="Tag.name")
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="case", foreign_keys="Revision.case_id", order_by="Revision.number"
    )
    published_revision: Mapped[Revision | None] = relationship(foreign_keys=[published_revision_id], post_update=True)

    @property
    def public_id(self) -> str:
        return format_public_id(self.number)

    @property
    def is_published(self) -> bool:
        return self.published_revision_id is not None

    @property
    def tag_names(self) -> list[str]:
        return [t.name for t in self.tags]

    @property
    def working_revision(self) -> Revision | None:
        """The newest revision: what the submission workflow acts on."""
        return self.revisions[-1] if self.revisions else None


class Revision(Model):
    """One numbered version of a case's content."""

    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("case_id", "number", name="uq_revisions_case_id_number"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint(_in("status", [s.value for s in RevisionStatus]), name="status"),
        CheckConstraint(f"stage IS NULL OR {_in('stage', [s.value for s in Stage])}", name="stage"),
        CheckConstraint(_in("language", [lang.value for lang in Language]), name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    # The title and summary in the case's other language (Hindi for an English case, English for a
    # Hindi one), optional: what the other interface shows, and searched like the originals.
    translated_title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    translated_summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    body: Mapped[str] = mapped_column(Text)
    # The classification this version proposes; copied onto the Case when it is published.
    mmp_id: Mapped[int | None] = mapped_column(ForeignKey("mmps.id"))
    state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"))
    department: Mapped[str] = mapped_column(String(300), default="")
    year_started: Mapped[int | None] = mapped_column(Integer)
    stage: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5), default="en")
    tag_list: Mapped[str] = mapped_column(Text, default="")  # space-separated, sorted
    status: Mapped[str] = mapped_column(String(20), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The reviewer's checklist: {"completeness": true, "impact_evidence": false, ...}
    checklist: Mapped[dict] = mapped_column(db.JSON, default=dict)
    # When a reviewer last asked for changes: {"at": ISO time, "fields": the submission's fields then}.
    # A version is edited in place, so this is what the resubmission is compared with.
    sent_back_content: Mapped[dict | None] = mapped_column(db.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The reviewer's choice of how many months until the case is to be re-verified (None: the default year).
    review_months: Mapped[int | None] = mapped_column(Integer)
    # Optimistic lock: every UPDATE checks and bumps it, so two reviewers acting at once cannot both win.
    lock_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": lock_version}

    case: Mapped[Case] = relationship(back_populates="revisions", foreign_keys=[case_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    mmp: Mapped[Mmp | None] = relationship()
    state: Mapped[State | None] = relationship()

    @property
    def tag_names(self) -> list[str]:
        return self.tag_list.split() if self.tag_list else []

    @property
    def other_language(self) -> str:
        return Language.hi.value if self.language == Language.en.value else Language.en.value

    def title_in(self, language: str) -> LocalText:
        """The title to show to a reader of ``language``: the translation if the case has one in that
        language, else the original (each with the language it is written in, for ``lang``)."""
        return text_in(language, self.title, self.translated_title, self.language)

    def summary_in(self, language: str) -> LocalText:
        return text_in(language, self.summary, self.translated_summary, self.language)

    outcomes: Mapped[list[OutcomeFigure]] = relationship(
        order_by="OutcomeFigure.position", cascade="all, delete-orphan"
    )
    links: Mapped[list[CaseLink]] = relationship(order_by="CaseLink.position", cascade="all, delete-orphan")
    contacts: Mapped[list[CaseContact]] = relationship(
        order_by="CaseContact.position", cascade="all, delete-orphan"
    )
    recognitions: Mapped[list[Recognition]] = relationship(
        order_by="Recognition.position", cascade="all, delete-orphan"
    )


class EvidenceGrade(LabelledEnum):
    """How an outcome figure is known, weakest first. A reviewer may confirm or lower a figure's grade,
    never raise it (kb.services.evidence)."""

    self_reported = "self_reported"
    documented = "documented"  # in the department's own published documents
    evaluated = "evaluated"  # by an independent evaluation (a university, a multilateral agency)
    audited = "audited"  # by an audit, e.g. the Comptroller and Auditor General

    __labels__ = {
        "self_reported": _l("Self-reported"), "documented": _l("Documented by the department"),
        "evaluated": _l("Independently evaluated"), "audited": _l("Audited (e.g. CAG)"),
    }

    @property
    def rank(self) -> int:
        return list(type(self)).index(self)


class OutcomeFigure(Model):
    """A measured result: a label with the baseline (before) and the result (after), the period it holds
    for, where it is written down (a URL, a named document or an attached file) and how it is known."""

    __tablename__ = "outcome_figures"
    __table_args__ = (
        UniqueConstraint("revision_id", "position", name="uq_outcome_figures_revision_id_position"),
        CheckConstraint("before_value IS NOT NULL OR after_value IS NOT NULL", name="has_value"),
        CheckConstraint(_in("evidence", [g.value for g in EvidenceGrade]), name="evidence"),
        CheckConstraint(f"evidence_reviewed IS NULL OR {_in('evidence_reviewed', [g.value for g in EvidenceGrade])}",
                        name="evidence_reviewed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(300))
    before_value: Mapped[float | None] = mapped_column(Float)
    after_value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(60), default="")
    source_url: Mapped[str | None] = mapped_column(String(1000))
    # "As of": the year or period the result holds for ("2019-20", "March 2023").
    period: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # A document named as the source ("CAG Report No. 4 of 2019"), and/or an attached file (its name).
    source_document: Mapped[str] = mapped_column(String(300), default="", server_default="")
    source_attachment: Mapped[str] = mapped_column(String(255), default="", server_default="")
    # The grade the submitter claims, and the grade the reviewer confirmed or lowered it to.
    evidence: Mapped[str] = mapped_column(String(20), default=EvidenceGrade.self_reported.value,
                                          server_default=EvidenceGrade.self_reported.value)
    evidence_reviewed: Mapped[str | None] = mapped_column(String(20))

    @property
    def grade(self) -> EvidenceGrade:
        """The grade that counts: the reviewer's when the figure has been reviewed, else the claim."""
        return EvidenceGrade(self.evidence_reviewed or self.evidence or EvidenceGrade.self_reported.value)

    @property
    def has_source(self) -> bool:
        return bool(self.source_url or self.source_document or self.source_attachment)


class Recognition(Model):
    """An award or recognition a practice received (e.g. the National Award for e-Governance)."""

    __tablename__ = "recognitions"
    __table_args__ = (
        UniqueConstraint("revision_id", "position", name="uq_recognitions_revision_id_position"),
        CheckConstraint("year BETWEEN 1980 AND 2100", name="year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(300), default="", server_default="")


class CaseLink(Model):
    __tablename__ = "case_links"
    __table_args__ = (UniqueConstraint("revision_id", "position", name="uq_case_links_revision_id_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(1000))


class CaseContact(Model):
    __tablename__ = "case_contacts"
    __table_args__ = (UniqueConstraint("revision_id", "position", name="uq_case_contacts_revision_id_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    organization: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    url: Mapped[str | None] = mapped_column(String(1000))


class StatusEvent(Model):
    """Append-only audit trail: every status change of a case's revisions, who made it, when and why.

    The migration installs triggers that make UPDATE and DELETE on this table fail on both SQLite and
    PostgreSQL, so no code path (nor a stray SQL session) can rewrite history.
    """

    __tablename__ = "status_events"
    __table_args__ = (Index("ix_status_events_case_created", "case_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()
    revision: Mapped[Revision | None] = relationship()


class Comment(Model):
    """A message in a submission's review thread (reviewers and the submitting organisation)."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_case_created", "case_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()
    revision: Mapped[Revision | None] = relationship()


class AttachmentBlob(Model):
    """File content, stored once per distinct content (sha256) in the database, so every app host can
    serve it. Attachments of successive revisions share the blob."""

    __tablename__ = "attachment_blobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(db.LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attachment(Model):
    """A file attached to one revision, served under a generated ``key`` with its original name."""

    __tablename__ = "attachments"
    __table_args__ = (CheckConstraint("size >= 0", name="size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id", ondelete="CASCADE"), index=True)
    blob_id: Mapped[int] = mapped_column(ForeignKey("attachment_blobs.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))  # pdf, docx, pptx, xlsx, png, jpeg
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    revision: Mapped[Revision] = relationship(backref=db.backref("attachments", order_by="Attachment.id",
                                                                  cascade="all, delete-orphan"))
    blob: Mapped[AttachmentBlob] = relationship()
    uploaded_by: Mapped[User | None] = relationship()


class Notification(Model):
    """An in-app notification for one user."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    case: Mapped[Case | None] = relationship()


class EmailMessage(Model):
    """An outgoing email. Always kept here and logged; sent over SMTP only when KB_SMTP_HOST is set."""

    __tablename__ = "email_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(Text, default="")
    # Extra headers (a digest's List-Unsubscribe and List-Unsubscribe-Post), as a JSON object.
    headers: Mapped[dict | None] = mapped_column(db.JSON)


# ---------------------------------------------------------------------------------------------------
# Search outbox


class SearchOutbox(Model):
    """One pending change to what is published, written in the same transaction as the change.

    Each search index (one per app host) applies rows in id order and remembers, inside its own index
    commit, the last id it applied; rows are pruned only after a retention period, never on read, so
    every host's index sees every row. On PostgreSQL the inserts are serialised with a transaction-scoped
    advisory lock, so ids become visible in commit order and a reader can never skip past a row that is
    still in flight (see kb.search.outbox).
    """

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(db.BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    reason: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class SearchOutboxState(Model):
    """A single row: the highest outbox id that pruning has deleted. An index behind it must rebuild."""

    __tablename__ = "search_outbox_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pruned_through: Mapped[int] = mapped_column(db.BigInteger().with_variant(Integer, "sqlite"), default=0)


class SearchVector(Model):
    """A case's text as the embedding model sees it, once embedded (kb.search.embeddings).

    Keyed by a hash of the model and the text, so a vector is computed once per published text and reused
    by every rebuild and every host sharing the database; an unchanged text (a reclassified case, a
    rebuild) finds its vector again. Rows are never updated.
    """

    __tablename__ = "search_vectors"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(String(80))
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# ---------------------------------------------------------------------------------------------------
# Adoption and teaching: what training institutes and states do with a published case


class TrainingMode(LabelledEnum):
    classroom = "classroom"
    online = "online"
    field_visit = "field_visit"

    __labels__ = {"classroom": _l("Classroom"), "online": _l("Online"), "field_visit": _l("Field visit")}


class ReplicationStatus(LabelledEnum):
    exploring = "exploring"
    piloting = "piloting"
    adopted = "adopted"
    discontinued = "discontinued"

    __labels__ = {
        "exploring": _l("Exploring"), "piloting": _l("Piloting"), "adopted": _l("Adopted"),
        "discontinued": _l("Discontinued"),
    }


class PackVisibility(LabelledEnum):
    institute = "institute"  # only the institute's own people see it
    public = "public"

    __labels__ = {"institute": _l("Private to the institute"), "public": _l("Public")}


class TrainingUse(Model):
    """"Used in training": an ATI used a case in one programme on one date.

    ``programme_key`` is the programme's name folded (case and spacing), so that the same programme on
    the same date is recorded once per institute and case whatever its spelling.
    """

    __tablename__ = "training_uses"
    __table_args__ = (
        UniqueConstraint("case_id", "organization_id", "programme_key", "held_on",
                         name="uq_training_uses_case_org_programme_date"),
        CheckConstraint("participants > 0", name="participants_positive"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
        CheckConstraint(_in("mode", [m.value for m in TrainingMode]), name="mode"),
        Index("ix_training_uses_case_held", "case_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    programme: Mapped[str] = mapped_column(String(300))
    programme_key: Mapped[str] = mapped_column(String(300))
    held_on: Mapped[dt.date] = mapped_column(db.Date)
    participants: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(20), default=TrainingMode.classroom.value)
    notes: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship()
    organization: Mapped[Organization] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class Replication(Model):
    """"Replicated by a state": one state's take-up of a case (one record per state and case).

    Its current status lives here; every status it has had is appended to ``ReplicationEvent``.
    """

    __tablename__ = "replications"
    __table_args__ = (
        UniqueConstraint("case_id", "state_id", name="uq_replications_case_id_state_id"),
        CheckConstraint(_in("status", [s.value for s in ReplicationStatus]), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20))
    adaptations: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship()
    state: Mapped[State] = relationship()
    organization: Mapped[Organization | None] = relationship()
    recorded_by: Mapped[User | None] = relationship()
    events: Mapped[list[ReplicationEvent]] = relationship(
        order_by="(ReplicationEvent.created_at, ReplicationEvent.id)", back_populates="replication")


class ReplicationEvent(Model):
    """Append-only history of a replication's status (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "replication_events"
    __table_args__ = (
        CheckConstraint(_in("status", [s.value for s in ReplicationStatus]), name="status"),
        Index("ix_replication_events_replication_created", "replication_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    replication_id: Mapped[int] = mapped_column(ForeignKey("replications.id"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    replication: Mapped[Replication] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class TeachingNote(Model):
    """A trainer's teaching layer on a case: objectives, questions, a session plan and exercises.

    One per trainer and case. ``organization_id`` is the author's institute when the note was written.
    The list fields hold one item per line.
    """

    __tablename__ = "teaching_notes"
    __table_args__ = (
        UniqueConstraint("case_id", "author_id", name="uq_teaching_notes_case_id_author_id"),
        CheckConstraint("duration_minutes IS NULL OR duration_minutes BETWEEN 5 AND 1440", name="duration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    objectives: Mapped[str] = mapped_column(Text, default="")
    discussion_questions: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    activities: Mapped[str] = mapped_column(Text, default="")
    exercises: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship()
    author: Mapped[User] = relationship()
    organization: Mapped[Organization | None] = relationship()

    @staticmethod
    def _lines(text: str) -> list[str]:
        return [line.strip() for line in (text or "").splitlines() if line.strip()]

    @property
    def objective_list(self) -> list[str]:
        return self._lines(self.objectives)

    @property
    def question_list(self) -> list[str]:
        return self._lines(self.discussion_questions)

    @property
    def activity_list(self) -> list[str]:
        return self._lines(self.activities)

    @property
    def exercise_list(self) -> list[str]:
        return self._lines(self.exercises)


class CoursePack(Model):
    """An institute's ordered set of published cases for a programme, at ``/packs/<number>``."""

    __tablename__ = "course_packs"
    __table_args__ = (
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint(_in("visibility", [v.value for v in PackVisibility]), name="visibility"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    programme: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(10), default=PackVisibility.institute.value)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User | None] = relationship()
    items: Mapped[list[CoursePackItem]] = relationship(
        order_by="(CoursePackItem.position, CoursePackItem.id)", back_populates="pack",
        cascade="all, delete-orphan")

    @property
    def is_public(self) -> bool:
        return self.visibility == PackVisibility.public.value


class CoursePackItem(Model):
    """One case in a course pack, at a position, with the trainer's note for it."""

    __tablename__ = "course_pack_items"
    __table_args__ = (
        UniqueConstraint("pack_id", "case_id", name="uq_course_pack_items_pack_id_case_id"),
        CheckConstraint("position > 0", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("course_packs.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    pack: Mapped[CoursePack] = relationship(back_populates="items")
    case: Mapped[Case] = relationship()


# ---------------------------------------------------------------------------------------------------
# The site's own pages (GIGW) and visitors' feedback


class SitePage(Model):
    """One of the site's own pages (About, Contact, the policies, Help) in one language, imported from
    ``content/pages/<slug>.<language>.md`` so that a deploying department edits text, not code."""

    __tablename__ = "site_pages"
    __table_args__ = (
        UniqueConstraint("slug", "language", name="uq_site_pages_slug_language"),
        CheckConstraint(_in("language", [lang.value for lang in Language]), name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(400), default="")
    body: Mapped[str] = mapped_column(Text)
    updated_on: Mapped[dt.date] = mapped_column(db.Date)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class FeedbackCategory(LabelledEnum):
    general = "general"
    content = "content"
    accessibility = "accessibility"  # a barrier to report (the accessibility statement points here)
    technical = "technical"

    __labels__ = {
        "general": _l("General question or suggestion"), "content": _l("About a case study"),
        "accessibility": _l("An accessibility barrier"), "technical": _l("A technical problem"),
    }


class FeedbackStatus(LabelledEnum):
    new = "new"
    answered = "answered"
    closed = "closed"

    __labels__ = {"new": _l("New"), "answered": _l("Answered"), "closed": _l("Closed")}


class Feedback(Model):
    """A message sent through the feedback form. ``sender_key`` is a keyed hash of the sender's address,
    kept only to limit how often one address may write (the address itself is never stored)."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint(_in("category", [c.value for c in FeedbackCategory]), name="category"),
        CheckConstraint(_in("status", [s.value for s in FeedbackStatus]), name="status"),
        CheckConstraint(_in("language", [lang.value for lang in Language]), name="language"),
        Index("ix_feedback_sender_created", "sender_key", "created_at"),
        Index("ix_feedback_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    category: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    page_url: Mapped[str] = mapped_column(String(500), default="")
    language: Mapped[str] = mapped_column(String(5), default="en")
    sender_key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=FeedbackStatus.new.value)
    reply_note: Mapped[str] = mapped_column(Text, default="")
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])


class AlertFrequency(LabelledEnum):
    daily = "daily"
    weekly = "weekly"

    __labels__ = {"daily": _l("Daily"), "weekly": _l("Weekly")}


class Alert(Model):
    """Someone follows a search (an MMP, a state and a tag are searches too) by email. A logged-in user's
    alert goes to their account's address; a visitor's is kept with its address and is confirmed by a link
    mailed to it (double opt-in) before any digest goes out. ``sender_key`` is a keyed hash of the network
    address that asked, to limit how many confirmations one address may request."""

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint(_in("frequency", [f.value for f in AlertFrequency]), name="frequency"),
        CheckConstraint(_in("language", [lang.value for lang in Language]), name="language"),
        CheckConstraint("user_id IS NOT NULL OR email IS NOT NULL", name="has_recipient"),
        Index("ix_alerts_email_created", "email", "created_at"),
        Index("ix_alerts_sender_created", "sender_key", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    query: Mapped[str] = mapped_column(String(2000), default="")  # the /cases query string it follows
    frequency: Mapped[str] = mapped_column(String(10), default=AlertFrequency.weekly.value)
    language: Mapped[str] = mapped_column(String(5), default="en")
    sender_key: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()

    @property
    def recipient(self) -> str:
        return self.user.email if self.user is not None else (self.email or "")
# ---------------------------------------------------------------------------------------------------
# Usage and the dashboard's aggregates


class CaseUsageDay(Model):
    """How often a published case was viewed and its files downloaded on one day (India time): counts only,
    never who or from where."""

    __tablename__ = "case_usage_days"
    __table_args__ = (
        UniqueConstraint("case_id", "day", name="uq_case_usage_days_case_id_day"),
        Index("ix_case_usage_days_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(db.Date)
    views: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    downloads: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AggregateVersion(Model):
    """A single row: a number bumped in the same transaction as every publication, withdrawal, change of a
    case's freshness, training use or replication. The dashboard's aggregates are kept per version
    (kb.services.dashboard), so they are worked out again only after something they count changed."""

    __tablename__ = "aggregate_versions"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(db.BigInteger().with_variant(Integer, "sqlite"), default=0)
