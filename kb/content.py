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
from pathlib import Path
from typing import Any, Callable

import yaml
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kb.errors import ContentError, ValidationError
from kb.extensions import db
from kb.models import (
    PUBLIC_ID_PATTERN,
    Case,
    EvidenceGrade,
    Mmp,
    MmpCategory,
    Revision,
    RevisionStatus,
    State,
    StateKind,
    format_public_id,
    utcnow,
)
from kb.services.case_fields import (
    FIELD_NAMES,
    FIELDS,
    CaseFields,
    Taxonomy,
    check_fields,
    clean_text,
    write_revision,
)
from kb.services.publishing import publish_revision
from kb.validation import MISSING

log = logging.getLogger(__name__)

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n?(.*)\Z", re.S)
# What a case file has besides the case's content fields (kb.services.case_fields.FIELDS).
FILE_KEYS = ("id", "slug", "published")


@dataclasses.dataclass(kw_only=True)
class CaseDocument(CaseFields):
    """A case file: the case's content fields, and what only a file has — where it was read from, the
    case's number and slug, and the date it was first published."""

    path: str
    number: int
    slug: str
    published: dt.date | None = None

    @property
    def public_id(self) -> str:
        return format_public_id(self.number)

    def comparable(self) -> dict:
        """Everything that makes a new revision when it changes (``published`` is not content)."""
        return {**self.fields(), "number": self.number, "slug": self.slug}


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
        mmp.name, mmp.name_hi, mmp.category = clean_text(name), clean_text(row.get("name_hi") or ""), category
        mmp.ministry, mmp.since = clean_text(row.get("ministry") or ""), row.get("since")
        db.session.add(mmp)
    existing_states = {s.code: s for s in db.session.scalars(select(State))}
    for i, row in enumerate(states, 1):
        code, name, kind = row.get("code"), row.get("name"), row.get("kind")
        if not code or not name or kind not in kinds:
            raise ContentError(folder / "states.yml", {f"[{i}]": f"needs code, name and kind in {sorted(kinds)}"})
        state = existing_states.get(code) or State(code=code)
        state.name, state.name_hi, state.kind = clean_text(name), clean_text(row.get("name_hi") or ""), kind
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
    return _document(meta, match.group(2), path=path, taxonomy=Taxonomy(frozenset(mmp_slugs), frozenset(state_codes)))


def _document(meta: dict, body: str, *, path: Path | str, taxonomy: Taxonomy) -> CaseDocument:
    """The file's own keys (id, slug, published) checked here, the case's fields by the same rules as a
    submission's (``check_fields``); ContentError names every bad one."""
    errors: dict[str, Any] = {}
    for key in sorted(set(map(str, meta)) - set(FIELD_NAMES) - set(FILE_KEYS)):
        errors[key] = _l("unknown key")

    number = 0
    public_id = str(meta.get("id") or "")
    id_match = PUBLIC_ID_PATTERN.match(public_id)
    if not public_id:
        errors["id"] = MISSING
    elif not id_match or int(id_match.group(1)) == 0:
        errors["id"] = _l("'%(value)s' is not of the form KB-0001", value=public_id)
    else:
        number = int(id_match.group(1))

    slug = meta.get("slug")
    if slug is None:
        slug = public_id.lower() if number else ""
    elif not isinstance(slug, str) or not SLUG_PATTERN.match(slug) or len(slug) > 120:
        errors["slug"] = _l("use lowercase letters, digits and hyphens (at most 120 characters)")

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

    try:
        fields = check_fields({**meta, "body": body}, complete=True, taxonomy=taxonomy)
    except ValidationError as error:
        raise ContentError(path, {**errors, **error.fields}) from None
    if errors:
        raise ContentError(path, errors)
    return CaseDocument(path=str(path), number=number, slug=slug, published=published, **fields.fields())


def _yaml_reason(exc: yaml.YAMLError, line_offset: int) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"broken YAML at line {mark.line + 1 + line_offset}: {problem}"
    return f"broken YAML: {problem}"


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
    write_revision(revision, document)
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


def _reference_revision(case: Case) -> Revision | None:
    """The revision an unchanged file must match: the live one, or the withdrawn one if archived."""
    if case.published_revision is not None:
        return case.published_revision
    final = [r for r in case.revisions if r.status == RevisionStatus.archived.value]
    return final[-1] if final else None


# ---------------------------------------------------------------------------------------------------
# Export


def document_from_case(case: Case, revision: Revision) -> CaseDocument:
    fields = CaseFields.from_revision(revision)
    fields.mmp = fields.mmp or case.mmp.slug
    for outcome in fields.outcomes:
        outcome["before"], outcome["after"] = _number(outcome["before"]), _number(outcome["after"])
    return CaseDocument(path="", number=case.number, slug=case.slug,
                        published=case.first_published_at.date() if case.first_published_at else None,
                        **fields.fields())


def _number(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def render_case_file(document: CaseDocument) -> str:
    """The file of a case: front matter with the file's keys, then every field given (in the order of
    ``FIELDS``, empty optional ones and a figure's default grade left out), then the body."""
    meta: dict[str, Any] = {"id": document.public_id, "slug": document.slug}
    if document.published:
        meta["published"] = document.published
    for field in FIELDS:
        value = getattr(document, field.name)
        if field.kind == "rows":
            value = [{key: cell for key, cell in row.items() if cell not in (None, "")
                      and not (key == "evidence" and cell == EvidenceGrade.self_reported.value)} for row in value]
        if field.name != "body" and (field.required or value not in (None, "", [])):
            meta[field.name] = value
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
