"""The fields of a case's content, in one place: what they are, how they are checked, read and written.

A case's content — what a submitter writes and a reviewer approves, one ``Revision`` — is sixteen
fields: texts, a classification (MMP, state, department, year, stage, language, tags), the Markdown body
and four kinds of rows (outcome figures, links, contacts, recognitions). ``FIELDS`` describes each field
once (its kind, size, whether a draft needs it, its label) and ``ROWS`` each kind of row once (its
columns, their kinds and sizes). Everything that handles a case's content reads these tables:

- ``check_fields`` turns values as people send them (a case file's front matter, a JSON body, a form)
  into a ``CaseFields``, or raises ``ValidationError`` naming every bad field; ``complete=False`` checks
  a draft, which may leave out anything but its title and MMP;
- ``CaseFields.from_revision`` reads a revision and ``write_revision`` writes one;
- the importer (``kb.content``, which then only knows the file format), the submission service, the
  API (requests, responses and the OpenAPI document) and the case form use them.

Adding a field means a column in ``kb.models``, a migration, a line in ``FIELDS`` (or a column in
``ROWS``), and its place in ``from_revision``/``write_revision``.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from typing import Any, Callable, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kb.errors import ValidationError
from kb.extensions import db
from kb.models import (
    CaseContact,
    CaseLink,
    EvidenceGrade,
    Language,
    Mmp,
    OutcomeFigure,
    Recognition,
    Revision,
    Stage,
    State,
)
from kb.services.sections import BODY_HEADINGS, split_sections
from kb.validation import MISSING, is_email_address, is_phone_number, is_web_url, whole_number

FIRST_YEAR = 1980
MAX_TAGS = 12
MAX_TAG_LENGTH = 60
MAX_TAG_TEXT = 1_000  # tags typed as one line
MAX_ROWS = 20
MAX_FIGURE = 10**15  # an outcome's before/after: any real figure, and a float the database keeps exactly
TAG_PATTERN = re.compile(r"^[a-z0-9\u0900-\u0963\u0966-\u097f]+(?:-[a-z0-9\u0900-\u0963\u0966-\u097f]+)*$")


@dataclasses.dataclass(frozen=True)
class Field:
    """One field of a case's content. ``kind`` says how its value is checked (see ``_CHECKS``)."""

    name: str
    kind: str  # text, body, mmp, state, year, stage, language, tags, rows
    label: Any
    limit: int | None = None  # the most characters (text) or rows
    minimum: int = 0  # the fewest characters of a text that is given
    required: bool = False  # a submission needs it
    required_for_draft: bool = False  # even a draft needs it (to be filed under an MMP)
    description: str = ""  # for the OpenAPI document


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of a repeatable row: text, a url/email/phone (text, checked when given), a number, a
    year or an evidence grade."""

    name: str
    kind: str = "text"  # text, url, email, phone, number, year, grade
    limit: int | None = None


@dataclasses.dataclass(frozen=True)
class RowKind:
    name: str
    columns: tuple[Column, ...]
    label: Any  # one row, numbered: "Outcome figure %(n)s"
    shape: Any  # what a list of them looks like, for the error when it is not a list
    check: Callable[[dict, "CaseFields"], Any]  # the rule across a row's columns: a reason, or None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


FIELDS: tuple[Field, ...] = (
    Field("title", "text", _l("Title"), limit=200, minimum=5, required=True, required_for_draft=True),
    Field("summary", "text", _l("Summary"), limit=600, minimum=20, required=True),
    Field("translated_title", "text", _l("Title in the other language"), limit=200, minimum=5,
          description="the title in the case's other language (Hindi for an English case); optional"),
    Field("translated_summary", "text", _l("Summary in the other language"), limit=600, minimum=20,
          description="the summary in the case's other language; optional"),
    Field("body", "body", _l("Case study text"), limit=100_000, required=True,
          description="Markdown, with the six headings of content/README.md (Problem, Solution, Technology, "
                      "Impact, Lessons, How to replicate), in the case's language"),
    Field("mmp", "mmp", _l("Mission Mode Project"), limit=80, required=True, required_for_draft=True,
          description="an MMP slug from GET /taxonomy"),
    Field("state", "state", _l("State / UT"), limit=10,
          description="a state code from GET /taxonomy; null for a central case"),
    Field("department", "text", _l("Department"), limit=300, required=True),
    Field("year", "year", _l("Year started"), required=True, description="the year the practice started"),
    Field("stage", "stage", _l("Stage"), limit=20, required=True),
    Field("language", "language", _l("Language"), limit=5, required=True),
    Field("tags", "tags", _l("Tags"), limit=MAX_TAGS,
          description="keywords; 'land records' is filed as land-records"),
    Field("outcomes", "rows", _l("Outcome figures"), limit=MAX_ROWS),
    Field("links", "rows", _l("Sources and links"), limit=MAX_ROWS),
    Field("contacts", "rows", _l("Contacts"), limit=MAX_ROWS),
    Field("recognitions", "rows", _l("Awards and recognition"), limit=MAX_ROWS),
)
FIELD_NAMES: tuple[str, ...] = tuple(field.name for field in FIELDS)
# How a case is filed (its classification): one table in a version's differences, in this order.
CLASSIFICATION: tuple[str, ...] = ("mmp", "state", "department", "year", "stage", "language", "tags")
FIELDS_BY_NAME: dict[str, Field] = {field.name: field for field in FIELDS}


@dataclasses.dataclass(kw_only=True)
class CaseFields:
    """A case's content as plain values: texts NFC-normalised and trimmed, tags as sorted keywords, rows
    as dicts with every column (absent optional ones None or "")."""

    title: str = ""
    summary: str = ""
    translated_title: str = ""
    translated_summary: str = ""
    body: str = ""
    mmp: str | None = None
    state: str | None = None
    department: str = ""
    year: int | None = None
    stage: str | None = None
    language: str = Language.en.value
    tags: list[str] = dataclasses.field(default_factory=list)
    outcomes: list[dict] = dataclasses.field(default_factory=list)
    links: list[dict] = dataclasses.field(default_factory=list)
    contacts: list[dict] = dataclasses.field(default_factory=list)
    recognitions: list[dict] = dataclasses.field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        """The sixteen fields alone, in the shape requests carry them and the API returns them."""
        return {name: getattr(self, name) for name in FIELD_NAMES}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "CaseFields":
        """Fields kept as a dict (a revision's content when changes were requested), other keys left out."""
        return cls(**{name: data[name] for name in FIELD_NAMES if name in data})

    @classmethod
    def from_revision(cls, revision: Revision) -> "CaseFields":
        return cls(
            title=revision.title, summary=revision.summary, translated_title=revision.translated_title or "",
            translated_summary=revision.translated_summary or "", body=revision.body,
            mmp=revision.mmp.slug if revision.mmp else None,
            state=revision.state.code if revision.state else None,
            department=revision.department, year=revision.year_started, stage=revision.stage,
            language=revision.language, tags=revision.tag_names,
            outcomes=[{"label": o.label, "before": o.before_value, "after": o.after_value, "unit": o.unit,
                       "source": o.source_url, "period": o.period or "", "document": o.source_document or "",
                       "attachment": o.source_attachment or "", "evidence": o.grade.value}
                      for o in revision.outcomes],
            links=[{"title": link.title, "url": link.url} for link in revision.links],
            contacts=[{"name": c.name, "organization": c.organization, "email": c.email, "phone": c.phone,
                       "url": c.url} for c in revision.contacts],
            recognitions=[{"name": r.name, "year": r.year, "category": r.category or ""}
                          for r in revision.recognitions],
        )


def read_revision(revision: Revision) -> dict[str, Any]:
    """A revision's fields, as the API returns them and the form and the audit trail compare them."""
    return CaseFields.from_revision(revision).fields()


def write_revision(revision: Revision, fields: CaseFields) -> None:
    """Write checked fields into a revision: its texts, its classification and its rows."""
    with db.session.no_autoflush:
        revision.title, revision.summary, revision.body = fields.title, fields.summary, fields.body
        revision.translated_title, revision.translated_summary = fields.translated_title, fields.translated_summary
        revision.mmp_id = db.session.scalar(select(Mmp.id).where(Mmp.slug == fields.mmp)) if fields.mmp else None
        revision.state = (db.session.scalar(select(State).where(State.code == fields.state))
                          if fields.state else None)
        revision.department = fields.department
        revision.year_started, revision.stage, revision.language = fields.year, fields.stage, fields.language
        revision.tag_list = " ".join(sorted(set(fields.tags)))
        if revision.id is not None and (revision.outcomes or revision.links or revision.contacts
                                        or revision.recognitions):
            # Positions are unique per revision, and a flush inserts before it deletes: drop the old rows first.
            revision.outcomes, revision.links, revision.contacts, revision.recognitions = [], [], [], []
            db.session.flush()
        # Rows are read with .get: a CaseFields built in code (a test, a benchmark) may leave columns out.
        revision.outcomes = [
            OutcomeFigure(position=i, label=o["label"], before_value=o.get("before"), after_value=o.get("after"),
                          unit=o.get("unit") or "", source_url=o.get("source"), period=o.get("period") or "",
                          source_document=o.get("document") or "", source_attachment=o.get("attachment") or "",
                          evidence=o.get("evidence") or EvidenceGrade.self_reported.value)
            for i, o in enumerate(fields.outcomes)
        ]
        revision.links = [CaseLink(position=i, title=link["title"], url=link["url"])
                          for i, link in enumerate(fields.links)]
        revision.contacts = [CaseContact(position=i, name=c["name"], organization=c.get("organization") or "",
                                         email=c.get("email"), phone=c.get("phone"), url=c.get("url"))
                             for i, c in enumerate(fields.contacts)]
        revision.recognitions = [Recognition(position=i, name=r["name"], year=r["year"],
                                             category=r.get("category") or "")
                                 for i, r in enumerate(fields.recognitions)]


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The fields whose values differ, in the order of ``FIELDS`` (blank and missing are equal)."""
    return [name for name in FIELD_NAMES if (before.get(name) or None) != (after.get(name) or None)]


# ---------------------------------------------------------------------------------------------------
# Checking values as people send them


@dataclasses.dataclass(frozen=True)
class Taxonomy:
    """The MMP slugs and state codes a case may name (the importer reads them once for a whole folder)."""

    mmp_slugs: frozenset[str]
    state_codes: frozenset[str]

    @classmethod
    def load(cls) -> "Taxonomy":
        return cls(frozenset(db.session.scalars(select(Mmp.slug))), frozenset(db.session.scalars(select(State.code))))


def check_fields(data: Mapping[str, Any], *, complete: bool, taxonomy: Taxonomy | None = None) -> CaseFields:
    """The fields of ``data`` (other keys are not read), checked and normalised; or ``ValidationError``
    naming every bad field with its reason. Nothing is coerced across types: a list where text belongs
    is refused, not stored as "['a', 'b']"; a year may be typed as text ("2019"), as forms send it.

    ``complete=False`` checks a draft: what is missing or unfinished (an empty summary, a body without
    all six headings) is let through, but not what is malformed, and never a missing title or MMP.
    """
    taxonomy = taxonomy or Taxonomy.load()
    values = CaseFields()
    problems: dict[str, Any] = {}
    rows: dict[str, list[tuple[int, dict]]] = {}
    for field in FIELDS:
        value = data.get(field.name)
        if _is_blank(value):
            if field.required:
                problems[field.name] = MISSING
        elif field.kind == "rows":
            rows[field.name] = _read_rows(field, value, problems)
        else:
            cleaned, reason = _CHECKS[field.kind](field, value, taxonomy)
            if reason is None:
                setattr(values, field.name, cleaned)
            else:
                problems[field.name] = reason
    # Each row's own rule, links first: an outcome's source must be one of the case's links.
    for name in sorted(rows, key=lambda name: name == "outcomes"):
        kept = []
        for index, row in rows[name]:
            reason = ROWS[name].check(row, values)
            if reason is None:
                kept.append(row)
            else:
                problems.setdefault(f"{name}[{index}]", reason)
        setattr(values, name, kept)
    _check_across_fields(values, problems, complete=complete)
    if not complete:
        problems = {name: reason for name, reason in problems.items()
                    if reason is not MISSING or FIELDS_BY_NAME[name].required_for_draft}
    if problems:
        raise ValidationError(_l("Some fields need attention."), problems)
    return values


def _is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def _check_text(field: Field, value: Any, taxonomy: Taxonomy) -> tuple[Any, Any]:
    if not isinstance(value, str):
        return None, _l("must be text")
    text = clean_text(value)
    if field.minimum and not field.minimum <= len(text) <= field.limit:
        return None, _l("must be %(low)s to %(high)s characters", low=field.minimum, high=field.limit)
    if field.limit and len(text) > field.limit:
        return None, _l("at most %(limit)s characters", limit=field.limit)
    return text, None


def _check_body(field: Field, value: Any, taxonomy: Taxonomy) -> tuple[Any, Any]:
    if not isinstance(value, str):
        return None, _l("must be text")
    if len(value) > field.limit:
        return None, _l("at most %(limit)s characters", limit=field.limit)
    return clean_text_block(value), None


def _check_mmp(field: Field, value: Any, taxonomy: Taxonomy) -> tuple[Any, Any]:
    if not isinstance(value, str):
        return None, _l("must be text")
    slug = value.strip()
    if len(slug) > field.limit or slug not in taxonomy.mmp_slugs:
        return None, _l("unknown MMP slug '%(value)s'", value=slug[: field.limit])
    return slug, None


def _check_state(field: Field, value: Any, taxonomy: Taxonomy) -> tuple[Any, Any]:
    if not isinstance(value, str):
        return None, _l("must be text")
    code = value.strip().upper()
    if len(code) > field.limit or code not in taxonomy.state_codes:
        return None, _l("unknown state code '%(value)s'", value=code[: field.limit])
    return code, None


def _check_year(field: Field, value: Any, taxonomy: Taxonomy) -> tuple[Any, Any]:
    year = _whole_year(value)
    if year is None:
        return None, _l("must be a whole year, such as 2019")
    this_year = dt.date.today().year
    if not FIRST_YEAR <= year <= this_year:
        return None, _l("must be a whole year from %(low)s to %(high)s, not '%(value)s'", low=FIRST_YEAR,
                        high=this_year, value=year)
    return year, None


def _check_stage(field: Field, value: Any, taxonomy: Taxonomy) -> tuple[Any, Any]:
    if not isinstance(value, str):
        return None, _l("must be text")
    if value.strip() not in {stage.value for stage in Stage}:
        return None, _l("'%(value)s' is not one of pilot, scaled, statewide, national", value=value.strip()[:20])
    return value.strip(), None


def _check_language(field: Field, value: Any, taxonomy: Taxonomy) -> tuple[Any, Any]:
    if not isinstance(value, str):
        return None, _l("must be text")
    if value.strip() not in {language.value for language in Language}:
        return None, _l("'%(value)s' is not one of en, hi", value=value.strip()[:20])
    return value.strip(), None


def _check_tags(field: Field, value: Any, taxonomy: Taxonomy) -> tuple[Any, Any]:
    if isinstance(value, str):
        if len(value) > MAX_TAG_TEXT:
            return None, _l("at most %(limit)s characters", limit=MAX_TAG_TEXT)
    elif not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        return None, _l("must be a list of tags (text)")
    elif len(value) > MAX_TAGS * 2 or any(len(tag) > MAX_TAG_LENGTH for tag in value):
        return None, _l("at most %(limit)s tags", limit=MAX_TAGS)
    tags = sorted(normalise_tags(value))
    bad = [tag for tag in tags if not TAG_PATTERN.match(tag) or len(tag) > MAX_TAG_LENGTH]
    if bad:
        return None, _l("'%(value)s' is not a lowercase hyphenated keyword", value=bad[0][:MAX_TAG_LENGTH])
    if len(tags) > MAX_TAGS:
        return None, _l("at most %(limit)s tags", limit=MAX_TAGS)
    return tags, None


def _read_rows(field: Field, value: Any, problems: dict) -> list[tuple[int, dict]]:
    """A list of rows with each column checked by its kind, numbered from 1 as error messages name them;
    a row with a bad column is named in ``problems`` and left out."""
    kind = ROWS[field.name]
    if not isinstance(value, list):
        problems[field.name] = kind.shape
    elif not all(isinstance(row, dict) for row in value):
        problems[field.name] = _l("must be a list of objects")
    elif len(value) > field.limit:
        problems[field.name] = _l("at most %(limit)s rows", limit=field.limit)
    else:
        rows = []
        for index, row in enumerate(value, 1):
            cleaned, reason = _check_columns(kind, row)
            if reason is None:
                rows.append((index, cleaned))
            else:
                problems[f"{field.name}[{index}]"] = reason
        return rows
    return []


def _check_columns(kind: RowKind, row: dict) -> tuple[dict, Any]:
    cleaned: dict[str, Any] = {}
    for name in row:
        if name not in kind.column_names:
            return cleaned, _l("'%(key)s' is not a field of this row", key=str(name)[:40])
    for column in kind.columns:
        value = row.get(column.name)
        if column.kind == "number":
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or not -MAX_FIGURE <= value <= MAX_FIGURE):
                return cleaned, _l("'%(key)s' must be a number", key=column.name)
            cleaned[column.name] = value
        elif column.kind == "year":
            year = None if _is_blank(value) else _whole_year(value)
            if not _is_blank(value) and year is None:
                return cleaned, _l("'%(key)s' must be a whole year, such as 2019", key=column.name)
            cleaned[column.name] = year
        else:
            if value is not None and not isinstance(value, str):
                return cleaned, _l("'%(key)s' must be text", key=column.name)
            text = clean_text(value)
            if column.limit and len(text) > column.limit:
                return cleaned, _l("'%(key)s' has at most %(limit)s characters", key=column.name, limit=column.limit)
            # An address not given is None (it is checked when given); any other text is "".
            cleaned[column.name] = (text or None) if column.kind in ("url", "email", "phone") else text
    return cleaned, None


def _check_across_fields(values: CaseFields, problems: dict, *, complete: bool) -> None:
    """A translated summary needs its title, and a complete body has its language's six headings."""
    if values.translated_summary and not values.translated_title:
        problems.setdefault("translated_title", _l("a translated summary needs the translated title too"))
    if complete and values.body and values.language in BODY_HEADINGS:
        # A case may add sections of its own (a Timeline, Costs) anywhere, as long as the six required
        # ones are all there, once each, in their order.
        expected = BODY_HEADINGS[values.language]
        headings = [section.heading for section in split_sections(values.body) if section.heading in expected]
        if headings != expected:
            problems.setdefault("body", _l("the body's '## ' headings must include, in order: %(headings)s",
                                           headings=", ".join(expected)))


def _check_outcome(row: dict, values: CaseFields) -> Any:
    if not row["label"]:
        return _l("needs a label")
    if row["before"] is None and row["after"] is None:
        return _l("needs a 'before' or an 'after' number")
    if row["source"] is not None and (not is_web_url(row["source"])
                                      or row["source"] not in {link["url"] for link in values.links}):
        return _l("'source' must be an http(s) url that is also listed in links")
    row["evidence"] = row["evidence"] or EvidenceGrade.self_reported.value
    if row["evidence"] not in EvidenceGrade.labels():
        return _l("'evidence' must be one of %(choices)s", choices=", ".join(EvidenceGrade.labels()))
    if row["evidence"] != EvidenceGrade.self_reported.value and not (
            row["source"] or row["document"] or row["attachment"]):
        # A grade above self-reported is a claim about a document: name it.
        return _l("a figure graded above self-reported needs its source (a url, a document or an attachment)")
    return None


def _check_link(row: dict, values: CaseFields) -> Any:
    if not row["title"] or not is_web_url(row["url"]):
        return _l("needs a title and an http(s) url")
    return None


def _check_contact(row: dict, values: CaseFields) -> Any:
    if not row["name"]:
        return _l("needs a name")
    if row["url"] is not None and not is_web_url(row["url"]):
        return _l("'url' must be an http(s) url")
    if row["email"] is not None and not is_email_address(row["email"]):
        return _l("'email' is not an email address")
    if row["phone"] is not None and not is_phone_number(row["phone"]):
        return _l("'phone' is not a telephone number (digits, with spaces, +, - or brackets)")
    return None


def _check_recognition(row: dict, values: CaseFields) -> Any:
    if not row["name"]:
        return _l("needs a name")
    this_year = dt.date.today().year
    if row["year"] is None or not FIRST_YEAR <= row["year"] <= this_year:
        return _l("'year' must be a whole year from %(low)s to %(high)s", low=FIRST_YEAR, high=this_year)
    return None


ROWS: dict[str, RowKind] = {
    kind.name: kind for kind in (
        RowKind("outcomes", (
            Column("label", limit=300), Column("before", "number"), Column("after", "number"),
            Column("unit", limit=60), Column("period", limit=40), Column("source", "url", limit=1000),
            Column("document", limit=300), Column("attachment", limit=255), Column("evidence", "grade", limit=40),
        ), _l("Outcome figure %(n)s"), _l("must be a list of {label, before, after, unit, period, source, document, "
                                           "attachment, evidence}"), _check_outcome),
        RowKind("links", (Column("title", limit=300), Column("url", "url", limit=1000)),
                _l("Link %(n)s"), _l("must be a list of {title, url}"), _check_link),
        RowKind("contacts", (
            Column("name", limit=200), Column("organization", limit=300), Column("email", "email", limit=254),
            Column("phone", "phone", limit=40), Column("url", "url", limit=1000),
        ), _l("Contact %(n)s"), _l("must be a list of {name, organization, email, phone, url}"), _check_contact),
        RowKind("recognitions", (Column("name", limit=200), Column("year", "year"), Column("category", limit=300)),
                _l("Recognition %(n)s"), _l("must be a list of {name, year, category}"), _check_recognition),
    )
}

_CHECKS: dict[str, Callable] = {
    "text": _check_text, "body": _check_body, "mmp": _check_mmp, "state": _check_state, "year": _check_year,
    "stage": _check_stage, "language": _check_language, "tags": _check_tags,
}


# ---------------------------------------------------------------------------------------------------
# Text as kb keeps it


def clean_text(value: Any) -> str:
    """Trimmed NFC text: Devanagari typed on different keyboards compares and indexes the same."""
    if value is None:
        return ""
    return unicodedata.normalize("NFC", str(value)).strip()


def clean_text_block(value: str) -> str:
    """A Markdown body: NFC, Unix line ends, no trailing spaces on a line, one final line end."""
    lines = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = "\n".join(line.rstrip() for line in lines).strip()
    return text + "\n" if text else ""


def normalise_tags(tags: str | list[str]) -> list[str]:
    """Tags as people type them, as the keywords kb files them under: "Land records" and "land_records"
    are ``land-records``. A line of tags is split at commas, semicolons and line ends, never at spaces,
    so a tag of two words stays one tag."""
    if isinstance(tags, str):
        tags = re.split(r"[,;\n]", tags)
    normalised = []
    for tag in tags:
        slug = re.sub(r"[\s_]+", "-", unicodedata.normalize("NFC", tag).strip().lower())
        slug = re.sub(r"-{2,}", "-", slug).strip("-")
        if slug and slug not in normalised:
            normalised.append(slug)
    return normalised


def _whole_year(value: Any) -> int | None:
    """A year as a number or as typed ("2019"); None for anything else (True, 2019.5, "²", "2019-20")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= 9999 else None
    if isinstance(value, str):
        return whole_number(value.strip(), maximum=9999) if value.strip() else None
    return None
