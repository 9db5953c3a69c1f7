"""Import and export of the ``content/`` folder: taxonomy YAML and case files (YAML front matter + Markdown).

The format is documented in ``content/README.md``. Import is an idempotent upsert keyed by the case id:
each file is validated completely before anything is written, each file is written in its own
savepoint (a bad file leaves nothing behind and does not stop the others), and a file whose content
differs from the case's current public revision becomes a new published revision.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import unicodedata
from pathlib import Path
from typing import Any, Callable

import yaml
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kb.errors import ContentError
from kb.extensions import db
from kb.services.publishing import publish_revision
from kb.services.sections import BODY_HEADINGS, split_sections
from kb.models import (
    PUBLIC_ID_PATTERN,
    Case,
    CaseContact,
    CaseLink,
    EvidenceGrade,
    Language,
    Mmp,
    MmpCategory,
    OutcomeFigure,
    Recognition,
    Revision,
    RevisionStatus,
    Stage,
    State,
    StateKind,
    format_public_id,
    utcnow,
)
from kb.validation import is_email_address, is_phone_number, is_web_url

log = logging.getLogger(__name__)

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TAG_PATTERN = re.compile(r"^[a-z0-9\u0900-\u0963\u0966-\u097f]+(?:-[a-z0-9\u0900-\u0963\u0966-\u097f]+)*$")
MAX_TAGS = 12
# The reason given for a required field left empty. A draft may leave such fields empty, so the
# submission service tells them apart from malformed ones by this object (``reason is MISSING``).
MISSING = _l("missing")
FIRST_YEAR = 1980
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n?(.*)\Z", re.S)


@dataclasses.dataclass
class CaseDocument:
    """A validated case file, in the canonical form used both for comparison and for export."""

    path: str
    number: int
    slug: str
    title: str
    summary: str
    mmp: str
    state: str | None
    department: str
    year: int
    stage: str
    language: str
    tags: list[str]
    published: dt.date | None
    outcomes: list[dict]
    links: list[dict]
    contacts: list[dict]
    body: str
    # The title and summary in the case's other language (optional).
    translated_title: str = ""
    translated_summary: str = ""
    # Awards and recognitions: [{name, year, category}].
    recognitions: list = dataclasses.field(default_factory=list)

    @property
    def public_id(self) -> str:
        return format_public_id(self.number)

    def comparable(self) -> dict:
        """Everything that makes a new revision when it changes (``published`` is not content)."""
        data = dataclasses.asdict(self)
        for key in ("path", "published"):
            data.pop(key)
        return data


@dataclasses.dataclass
class ImportReport:
    created: list[str] = dataclasses.field(default_factory=list)
    updated: list[str] = dataclasses.field(default_factory=list)
    unchanged: list[str] = dataclasses.field(default_factory=list)
    kept: list[str] = dataclasses.field(default_factory=list)  # written on the site: the file is not applied
    pages_written: list[str] = dataclasses.field(default_factory=list)  # the site's own pages (content/pages)
    errors: list[ContentError] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# ---------------------------------------------------------------------------------------------------
# Taxonomy


def load_taxonomy(folder: Path) -> tuple[int, int]:
    """Upsert MMPs and states from ``folder/mmps.yml`` and ``folder/states.yml``; returns the counts."""
    mmps = _read_yaml_list(folder / "mmps.yml")
    states = _read_yaml_list(folder / "states.yml")
    categories = {c.value for c in MmpCategory}
    kinds = {k.value for k in StateKind}
    existing_mmps = {m.slug: m for m in db.session.scalars(select(Mmp))}
    for i, row in enumerate(mmps, 1):
        slug, name, category = row.get("slug"), row.get("name"), row.get("category")
        if not slug or not SLUG_PATTERN.match(str(slug)) or not name or category not in categories:
            raise ContentError(folder / "mmps.yml", {f"[{i}]": f"needs slug, name and category in {sorted(categories)}"})
        mmp = existing_mmps.get(slug) or Mmp(slug=slug)
        mmp.name, mmp.name_hi, mmp.category = _text(name), _text(row.get("name_hi") or ""), category
        mmp.ministry, mmp.since = _text(row.get("ministry") or ""), row.get("since")
        db.session.add(mmp)
    existing_states = {s.code: s for s in db.session.scalars(select(State))}
    for i, row in enumerate(states, 1):
        code, name, kind = row.get("code"), row.get("name"), row.get("kind")
        if not code or not name or kind not in kinds:
            raise ContentError(folder / "states.yml", {f"[{i}]": f"needs code, name and kind in {sorted(kinds)}"})
        state = existing_states.get(code) or State(code=code)
        state.name, state.name_hi, state.kind = _text(name), _text(row.get("name_hi") or ""), kind
        db.session.add(state)
    db.session.flush()
    return len(mmps), len(states)


def _read_yaml_list(path: Path) -> list[dict]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContentError(path, {"yaml": _yaml_reason(exc, 0)}) from exc
    if not isinstance(data, list):
        raise ContentError(path, {"yaml": "expected a list of entries"})
    return data


# ---------------------------------------------------------------------------------------------------
# Parsing and validation of one case file


def parse_case_file(path: Path, *, mmp_slugs: set[str], state_codes: set[str]) -> CaseDocument:
    """Read and validate one case file; raise ``ContentError`` naming every bad field."""
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ContentError(path, {"file": "not UTF-8 text"}) from None
    return parse_case_text(raw, path=path, mmp_slugs=mmp_slugs, state_codes=state_codes)


def parse_case_text(raw: str, *, path: Path | str, mmp_slugs: set[str], state_codes: set[str]) -> CaseDocument:
    match = _FRONT_MATTER.match(raw.lstrip("\ufeff"))
    if not match:
        raise ContentError(path, {"front_matter": "the file must start with YAML front matter between '---' lines"})
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        # +1: the opening '---' is line 1, so front-matter line 0 is file line 2.
        raise ContentError(path, {"yaml": _yaml_reason(exc, 1)}) from None
    if not isinstance(meta, dict):
        raise ContentError(path, {"front_matter": "must be a mapping of keys to values"})

    return validate_case_meta(meta, _text_block(match.group(2)), path=path, mmp_slugs=mmp_slugs,
                              state_codes=state_codes)


def validate_case_meta(meta: dict, body: str, *, path: Path | str, mmp_slugs: set[str], state_codes: set[str],
                       ) -> CaseDocument:
    """Check every field of a case (front matter keys, plus the Markdown body) and return the canonical
    document, or raise ContentError naming each bad field. The submission workflow uses the same rules."""
    errors: dict[str, str] = {}
    known = {"id", "slug", "title", "summary", "translated_title", "translated_summary", "mmp", "state",
             "department", "year", "stage", "language", "tags", "published", "outcomes", "links", "contacts",
             "recognitions"}
    for key in sorted(set(meta) - known):
        errors[str(key)] = _l("unknown key")

    number = 0
    public_id = str(meta.get("id") or "")
    id_match = PUBLIC_ID_PATTERN.match(public_id)
    if not public_id:
        errors["id"] = MISSING
    elif not id_match or int(id_match.group(1)) == 0:
        errors["id"] = _l("'%(value)s' is not of the form KB-0001", value=public_id)
    else:
        number = int(id_match.group(1))

    title = _text(meta.get("title"))
    if not title:
        errors["title"] = MISSING
    elif not 5 <= len(title) <= 200:
        errors["title"] = _l("must be %(low)s to %(high)s characters", low=5, high=200)

    summary = _text(meta.get("summary"))
    if not summary:
        errors["summary"] = MISSING
    elif not 20 <= len(summary) <= 600:
        errors["summary"] = _l("must be %(low)s to %(high)s characters", low=20, high=600)

    translated_title = _text(meta.get("translated_title"))
    if translated_title and not 5 <= len(translated_title) <= 200:
        errors["translated_title"] = _l("must be %(low)s to %(high)s characters", low=5, high=200)
    translated_summary = _text(meta.get("translated_summary"))
    if translated_summary and not 20 <= len(translated_summary) <= 600:
        errors["translated_summary"] = _l("must be %(low)s to %(high)s characters", low=20, high=600)
    if translated_summary and not translated_title:
        errors["translated_title"] = _l("a translated summary needs the translated title too")

    slug = meta.get("slug")
    if slug is None:
        slug = public_id.lower() if number else ""
    elif not isinstance(slug, str) or not SLUG_PATTERN.match(slug) or len(slug) > 120:
        errors["slug"] = _l("use lowercase letters, digits and hyphens (at most 120 characters)")

    mmp = meta.get("mmp")
    if not mmp:
        errors["mmp"] = MISSING
    elif mmp not in mmp_slugs:
        errors["mmp"] = _l("unknown MMP slug '%(value)s'", value=mmp)

    state = meta.get("state")
    if state is not None and state not in state_codes:
        errors["state"] = _l("unknown state code '%(value)s'", value=state)

    department = _text(meta.get("department"))
    if not department:
        errors["department"] = MISSING

    year = meta.get("year")
    this_year = dt.date.today().year
    if year is None:
        errors["year"] = MISSING
    elif isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= this_year:
        errors["year"] = _l("must be a whole year from %(low)s to %(high)s, not '%(value)s'", low=FIRST_YEAR,
                            high=this_year, value=year)

    stage = meta.get("stage")
    if stage not in {s.value for s in Stage}:
        errors["stage"] = MISSING if stage is None else _l(
            "'%(value)s' is not one of pilot, scaled, statewide, national", value=stage)

    language = meta.get("language")
    if language not in {lang.value for lang in Language}:
        errors["language"] = MISSING if language is None else _l("'%(value)s' is not one of en, hi", value=language)

    tags = meta.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        errors["tags"] = _l("must be a list of words")
        tags = []
    else:
        tags = sorted({_text(t).lower() for t in tags})
        bad = [t for t in tags if not TAG_PATTERN.match(t) or len(t) > 60]
        if bad:
            errors["tags"] = _l("'%(value)s' is not a lowercase hyphenated keyword", value=bad[0])
        elif len(tags) > MAX_TAGS:
            errors["tags"] = _l("at most %(limit)s tags", limit=MAX_TAGS)

    published = meta.get("published")
    if isinstance(published, str):
        try:
            published = dt.date.fromisoformat(published)
        except ValueError:
            errors["published"] = _l("'%(value)s' is not a date (YYYY-MM-DD)", value=published)
            published = None
    elif published is not None and not isinstance(published, dt.date):
        errors["published"] = _l("must be a date (YYYY-MM-DD)")
        published = None
    if isinstance(published, dt.datetime):
        published = published.date()

    links = _validate_links(meta.get("links"), errors)
    outcomes = _validate_outcomes(meta.get("outcomes"), {link["url"] for link in links}, errors)
    contacts = _validate_contacts(meta.get("contacts"), errors)
    recognitions = _validate_recognitions(meta.get("recognitions"), errors)

    if not body:
        errors["body"] = MISSING
    elif language in BODY_HEADINGS:
        headings = [section.heading for section in split_sections(body) if section.heading is not None]
        expected = BODY_HEADINGS[language]
        if headings != expected:
            errors["body"] = _l("the body's '## ' headings must be, in order: %(headings)s",
                                headings=", ".join(expected))

    if errors:
        raise ContentError(path, errors)
    return CaseDocument(
        path=str(path), number=number, slug=slug, title=title, summary=summary, translated_title=translated_title,
        translated_summary=translated_summary, mmp=mmp, state=state,
        department=department, year=year, stage=stage, language=language, tags=tags, published=published,
        outcomes=outcomes, links=links, contacts=contacts, body=body, recognitions=recognitions,
    )


def _validate_links(value: Any, errors: dict[str, str]) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors["links"] = _l("must be a list of {title, url}")
        return []
    links = []
    for i, item in enumerate(value, 1):
        if not isinstance(item, dict) or not _text(item.get("title")) or not is_web_url(item.get("url")):
            errors[f"links[{i}]"] = _l("needs a title and an http(s) url")
            continue
        links.append({"title": _text(item["title"]), "url": item["url"].strip()})
    return links


def _validate_outcomes(value: Any, link_urls: set[str], errors: dict[str, str]) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors["outcomes"] = _l("must be a list of {label, before, after, unit, period, source, document, "
                                "attachment, evidence}")
        return []
    outcomes = []
    for i, item in enumerate(value, 1):
        field = f"outcomes[{i}]"
        if not isinstance(item, dict) or not _text(item.get("label")):
            errors[field] = _l("needs a label")
            continue
        numbers = {}
        for key in ("before", "after"):
            number = item.get(key)
            if number is not None and (isinstance(number, bool) or not isinstance(number, (int, float))):
                errors[field] = _l("'%(key)s' must be a number", key=key)
            numbers[key] = number
        if numbers["before"] is None and numbers["after"] is None:
            errors.setdefault(field, _l("needs a 'before' or an 'after' number"))
        source = item.get("source")
        if source is not None and (not is_web_url(source) or source.strip() not in link_urls):
            errors.setdefault(field, _l("'source' must be an http(s) url that is also listed in links"))
        period, document, attachment = (_text(item.get(key) or "") for key in ("period", "document", "attachment"))
        for key, text, limit in (("period", period, 40), ("document", document, 300), ("attachment", attachment, 255)):
            if len(text) > limit:
                errors.setdefault(field, _l("'%(key)s' must be at most %(limit)s characters", key=key, limit=limit))
        evidence = item.get("evidence") or EvidenceGrade.self_reported.value
        if evidence not in EvidenceGrade.labels():
            errors.setdefault(field, _l("'evidence' must be one of %(choices)s",
                                        choices=", ".join(EvidenceGrade.labels())))
            evidence = EvidenceGrade.self_reported.value
        elif evidence != EvidenceGrade.self_reported.value and not (source or document or attachment):
            # A grade above self-reported is a claim about a document: name it.
            errors.setdefault(field, _l("a figure graded above self-reported needs its source (a url, a document "
                                        "or an attachment)"))
        outcomes.append({
            "label": _text(item["label"]), "before": numbers["before"], "after": numbers["after"],
            "unit": _text(item.get("unit") or ""), "source": source.strip() if isinstance(source, str) else None,
            "period": period, "document": document, "attachment": attachment, "evidence": evidence,
        })
    return outcomes


def _validate_recognitions(value: Any, errors: dict[str, str]) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors["recognitions"] = _l("must be a list of {name, year, category}")
        return []
    recognitions = []
    this_year = dt.date.today().year
    for i, item in enumerate(value, 1):
        field = f"recognitions[{i}]"
        if not isinstance(item, dict) or not _text(item.get("name")):
            errors[field] = _l("needs a name")
            continue
        name, category, year = _text(item["name"]), _text(item.get("category") or ""), item.get("year")
        if isinstance(year, str) and year.strip().isdigit():
            year = int(year.strip())
        if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= this_year:
            errors[field] = _l("'year' must be a whole year from %(low)s to %(high)s", low=FIRST_YEAR,
                               high=this_year)
        elif len(name) > 200 or len(category) > 300:
            errors[field] = _l("the name may have at most 200 characters and the category 300")
        recognitions.append({"name": name, "year": year, "category": category})
    return recognitions


def _validate_contacts(value: Any, errors: dict[str, str]) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors["contacts"] = _l("must be a list of {name, organization, email, phone, url}")
        return []
    contacts = []
    for i, item in enumerate(value, 1):
        if not isinstance(item, dict) or not _text(item.get("name")):
            errors[f"contacts[{i}]"] = _l("needs a name")
            continue
        url, email = item.get("url"), _text(item.get("email")) or None
        if url is not None and not is_web_url(url):
            errors[f"contacts[{i}]"] = _l("'url' must be an http(s) url")
        elif email is not None and not is_email_address(email):
            errors[f"contacts[{i}]"] = _l("'email' is not an email address")
        elif _text(item.get("phone")) and not is_phone_number(_text(item.get("phone"))):
            errors[f"contacts[{i}]"] = _l("'phone' is not a telephone number (digits, with spaces, +, - or brackets)")
        contacts.append({
            "name": _text(item["name"]), "organization": _text(item.get("organization") or ""),
            "email": email, "phone": _text(item.get("phone")) or None,
            "url": url.strip() if isinstance(url, str) else None,
        })
    return contacts


def _yaml_reason(exc: yaml.YAMLError, line_offset: int) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"broken YAML at line {mark.line + 1 + line_offset}: {problem}"
    return f"broken YAML: {problem}"


def _text(value: Any) -> str:
    """Trimmed NFC text: Devanagari typed on different keyboards compares and indexes the same."""
    if value is None:
        return ""
    return unicodedata.normalize("NFC", str(value)).strip()


def _text_block(value: str) -> str:
    lines = unicodedata.normalize("NFC", value).replace("\r\n", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip() + "\n"


# ---------------------------------------------------------------------------------------------------
# Import


def import_content(folder: Path, progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Upsert taxonomy and cases from a content folder. Commits each good file; reports each bad one."""
    folder = Path(folder)
    report = ImportReport()
    taxonomy = folder / "taxonomy"
    if taxonomy.is_dir():
        load_taxonomy(taxonomy)
        db.session.commit()
    if (folder / "pages").is_dir():
        from kb.services.site_pages import import_pages

        pages = import_pages(folder / "pages")
        db.session.commit()
        report.pages_written = pages.written
        report.errors.extend(pages.errors)
    mmp_slugs = set(db.session.scalars(select(Mmp.slug)))
    state_codes = set(db.session.scalars(select(State.code)))

    paths = sorted((folder / "cases").glob("*.md")) if (folder / "cases").is_dir() else []
    documents: list[CaseDocument] = []
    for path in paths:
        try:
            documents.append(parse_case_file(path, mmp_slugs=mmp_slugs, state_codes=state_codes))
        except ContentError as exc:
            report.errors.append(exc)

    by_number: dict[int, list[CaseDocument]] = {}
    for document in documents:
        by_number.setdefault(document.number, []).append(document)
    for number, same in by_number.items():
        if len(same) > 1:
            for document in same:
                others = ", ".join(d.path for d in same if d is not document)
                report.errors.append(ContentError(document.path, {"id": f"duplicate id {document.public_id} (also in {others})"}))
    documents = [d for d in documents if len(by_number[d.number]) == 1]

    for done, document in enumerate(documents, 1):
        try:
            with db.session.begin_nested():
                outcome = upsert_case(document)
            db.session.commit()
        except ContentError as exc:
            db.session.rollback()
            report.errors.append(exc)
            continue
        getattr(report, outcome).append(document.public_id)
        if progress:
            progress(done, len(documents))
    report.errors.sort(key=lambda e: e.path)
    return report


def upsert_case(document: CaseDocument) -> str:
    """Create or update one case from a validated document; returns 'created', 'updated', 'unchanged',
    or 'kept' when the case has a version written on the site, which an import never overwrites."""
    case = db.session.scalar(select(Case).where(Case.number == document.number))
    if case is not None:
        reference = _reference_revision(case)
        if reference is not None and document_from_case(case, reference).comparable() == document.comparable():
            return "unchanged"
        if written_on_the_site(case):
            return "kept"
    now = utcnow()
    published_at = (
        dt.datetime.combine(document.published, dt.time(12), tzinfo=dt.timezone.utc) if document.published else now
    )
    created = case is None
    if created:
        case = Case(number=document.number, created_at=published_at, mmp_id=_mmp_id(document.mmp))
        db.session.add(case)
    case.slug = document.slug
    db.session.flush()

    number = max((r.number for r in case.revisions), default=0) + 1
    revision = Revision(case=case, number=number, status=RevisionStatus.published.value, created_at=now)
    db.session.add(revision)
    fill_revision(revision, document)
    db.session.flush()
    publish_revision(case, revision, actor=None, action="import", note=f"imported from {Path(document.path).name}",
                     published_at=published_at if created else now)
    return "created" if created else "updated"


def written_on_the_site(case: Case) -> bool:
    """Whether someone wrote a version of this case on the site (imported versions have no author).

    From then on the site is the case's source of truth: a content file with its number (a new seed
    case that happens to share a submission's number, or an old copy of the case) must not overwrite a
    submission, nor publish over a version under review.
    """
    return any(revision.author_id is not None for revision in case.revisions)


def _mmp_id(slug: str) -> int:
    return db.session.scalar(select(Mmp.id).where(Mmp.slug == slug))


def fill_revision(revision: Revision, document: CaseDocument) -> None:
    """Write a validated document's content and classification into a revision."""
    revision.title, revision.summary, revision.body = document.title, document.summary, document.body
    revision.translated_title, revision.translated_summary = document.translated_title, document.translated_summary
    revision.mmp_id = _mmp_id(document.mmp) if document.mmp else None
    revision.state = (db.session.scalar(select(State).where(State.code == document.state))
                      if document.state else None)
    revision.department = document.department
    revision.year_started, revision.stage, revision.language = document.year, document.stage, document.language
    revision.tag_list = " ".join(sorted(set(document.tags)))
    if revision.id is not None and (revision.outcomes or revision.links or revision.contacts
                                    or revision.recognitions):
        # Positions are unique per revision, and a flush inserts before it deletes: drop the old rows first.
        revision.outcomes, revision.links, revision.contacts, revision.recognitions = [], [], [], []
        db.session.flush()
    revision.outcomes = [
        OutcomeFigure(position=i, label=o["label"], before_value=o["before"], after_value=o["after"],
                      unit=o["unit"], source_url=o["source"], period=o.get("period") or "",
                      source_document=o.get("document") or "", source_attachment=o.get("attachment") or "",
                      evidence=o.get("evidence") or EvidenceGrade.self_reported.value)
        for i, o in enumerate(document.outcomes)
    ]
    revision.recognitions = [
        Recognition(position=i, name=r["name"], year=r["year"], category=r.get("category") or "")
        for i, r in enumerate(document.recognitions or [])
    ]
    revision.links = [CaseLink(position=i, title=link["title"], url=link["url"]) for i, link in enumerate(document.links)]
    revision.contacts = [
        CaseContact(position=i, name=c["name"], organization=c["organization"], email=c["email"],
                    phone=c["phone"], url=c["url"])
        for i, c in enumerate(document.contacts)
    ]


def _reference_revision(case: Case) -> Revision | None:
    """The revision an unchanged file must match: the live one, or the withdrawn one if archived."""
    if case.published_revision is not None:
        return case.published_revision
    final = [r for r in case.revisions if r.status == RevisionStatus.archived.value]
    return final[-1] if final else None


# ---------------------------------------------------------------------------------------------------
# Export


def document_from_case(case: Case, revision: Revision) -> CaseDocument:
    return CaseDocument(
        path="", number=case.number, slug=case.slug, title=revision.title, summary=revision.summary,
        translated_title=revision.translated_title or "", translated_summary=revision.translated_summary or "",
        mmp=revision.mmp.slug if revision.mmp else case.mmp.slug,
        state=revision.state.code if revision.state else None, department=revision.department,
        year=revision.year_started, stage=revision.stage, language=revision.language,
        tags=sorted(revision.tag_names),
        published=case.first_published_at.date() if case.first_published_at else None,
        outcomes=[{"label": o.label, "before": _number(o.before_value), "after": _number(o.after_value),
                   "unit": o.unit, "source": o.source_url, "period": o.period or "",
                   "document": o.source_document or "", "attachment": o.source_attachment or "",
                   "evidence": o.grade.value} for o in revision.outcomes],
        recognitions=[{"name": r.name, "year": r.year, "category": r.category or ""} for r in revision.recognitions],
        links=[{"title": link.title, "url": link.url} for link in revision.links],
        contacts=[{"name": c.name, "organization": c.organization, "email": c.email, "phone": c.phone,
                   "url": c.url} for c in revision.contacts],
        body=revision.body,
    )


def _number(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def render_case_file(document: CaseDocument) -> str:
    meta: dict[str, Any] = {
        "id": document.public_id, "slug": document.slug, "title": document.title, "summary": document.summary,
    }
    if document.translated_title:
        meta["translated_title"] = document.translated_title
    if document.translated_summary:
        meta["translated_summary"] = document.translated_summary
    meta["mmp"] = document.mmp
    if document.state:
        meta["state"] = document.state
    meta.update({
        "department": document.department, "year": document.year, "stage": document.stage,
        "language": document.language, "tags": document.tags,
    })
    if document.published:
        meta["published"] = document.published
    if document.outcomes:
        meta["outcomes"] = [{k: v for k, v in o.items() if v not in (None, "")
                             and not (k == "evidence" and v == EvidenceGrade.self_reported.value)}
                            | {"label": o["label"]} for o in document.outcomes]
    if document.links:
        meta["links"] = document.links
    if document.contacts:
        meta["contacts"] = [{k: v for k, v in c.items() if v not in (None, "")} for c in document.contacts]
    if document.recognitions:
        meta["recognitions"] = [{k: v for k, v in r.items() if v not in (None, "")} for r in document.recognitions]
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100)
    return f"---\n{front}---\n{document.body}"


def export_content(folder: Path, progress: Callable[[int, int], None] | None = None) -> int:
    """Write the taxonomy and every published case to ``folder``; returns the number of cases written."""
    folder = Path(folder)
    (folder / "taxonomy").mkdir(parents=True, exist_ok=True)
    (folder / "cases").mkdir(parents=True, exist_ok=True)
    mmps = [{"slug": m.slug, "name": m.name, "name_hi": m.name_hi, "category": m.category, "ministry": m.ministry,
             "since": m.since} for m in db.session.scalars(select(Mmp).order_by(Mmp.id))]
    states = [{"code": s.code, "name": s.name, "name_hi": s.name_hi, "kind": s.kind}
              for s in db.session.scalars(select(State).order_by(State.id))]
    (folder / "taxonomy" / "mmps.yml").write_text(yaml.safe_dump(mmps, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (folder / "taxonomy" / "states.yml").write_text(yaml.safe_dump(states, allow_unicode=True, sort_keys=False), encoding="utf-8")
    cases = list(db.session.scalars(
        select(Case).where(Case.published_revision_id.is_not(None)).order_by(Case.number)
    ))
    for done, case in enumerate(cases, 1):
        document = document_from_case(case, case.published_revision)
        name = f"{document.public_id.lower()}-{document.slug}.md"
        (folder / "cases" / name).write_text(render_case_file(document), encoding="utf-8")
        if progress:
            progress(done, len(cases))
    return len(cases)
