"""How a case is cited: one formatted reference, the same on the page and in the API, and the same
reference as BibTeX, RIS and CSL-JSON files for reference managers."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from kb.errors import NotFound
from kb.models import Case, Revision
from kb.services import evidence


def permalink(case: Case, revision: Revision | None = None) -> str:
    """The permanent URL of the case (or of one version of it)."""
    base = current_app.config.get("KB_BASE_URL")
    if revision is None:
        path = url_for("public.case_page", public_id=case.public_id, _external=not base)
    else:
        path = url_for("public.case_version", public_id=case.public_id, version=revision.number, _external=not base)
    return f"{base}{path}" if base else path


def organisation(case: Case, revision: Revision) -> str:
    """Who a version is credited to: the department it names (older rows may leave it to the case)."""
    return revision.department or case.department


def format_citation(case: Case, revision: Revision, accessed: dt.date | None = None) -> str:
    """Organisation. (Year). Title (Version N). Site. Permalink. Accessed DATE.

    In the language active where it is called (the page's, the API's, the handout's): a plain string,
    because every caller shows it at once and the PDF handout cuts it into runs of one script."""
    accessed = accessed or dt.date.today()
    year = (revision.published_at or revision.created_at).year
    site = current_app.config["KB_SITE_NAME"]
    return _("%(organisation)s. (%(year)s). %(title)s (Version %(version)s, %(id)s). %(site)s. %(url)s. "
             "Accessed %(accessed)s.", organisation=organisation(case, revision), year=year, title=revision.title,
             version=revision.number, id=case.public_id, site=site, url=permalink(case, revision),
             accessed=accessed.isoformat())


# ---------------------------------------------------------------------------------------------------
# Downloadable references: BibTeX, RIS and CSL-JSON, built from one set of fields so they agree.


@dataclasses.dataclass(frozen=True)
class Reference:
    """The fields every citation format is made from (those of ``format_citation``, plus a few)."""

    key: str  # the citation key, e.g. KB-0042-v3
    public_id: str
    organisation: str
    title: str
    summary: str
    year: int
    published: dt.date | None
    version: int
    url: str  # the permalink of this version
    site: str
    accessed: dt.date
    language: str
    tags: tuple[str, ...]
    # "Evidence: independently evaluated (3 of 4 outcome figures)"; "" when the version gives no figures.
    evidence: str = ""
    last_verified: dt.date | None = None


# format name -> (media type, file extension)
CITATION_FORMATS = {
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "csl-json": ("application/vnd.citationstyles.csl+json; charset=utf-8", "json"),
}
FORMAT_BY_EXTENSION = {extension: name for name, (_, extension) in CITATION_FORMATS.items()}


def reference_for(case: Case, revision: Revision, accessed: dt.date | None = None) -> Reference:
    """The fields of a reference to this version of the case."""
    when = revision.published_at or revision.created_at
    return Reference(
        key=f"{case.public_id}-v{revision.number}", public_id=case.public_id, organisation=organisation(case, revision),
        title=revision.title, summary=revision.summary, year=when.year,
        published=revision.published_at.date() if revision.published_at else None, version=revision.number,
        url=permalink(case, revision), site=current_app.config["KB_SITE_NAME"],
        accessed=accessed or dt.date.today(), language=revision.language or case.language,
        tags=tuple(revision.tag_names or case.tag_names),
        evidence=evidence_note(revision),
        last_verified=case.last_verified_on if revision.id == case.published_revision_id else None,
    )


# Citation files are read in any language's software: the evidence grade is written in English words.
EVIDENCE_WORDS = {"self_reported": "self-reported", "documented": "documented by the department",
                  "evaluated": "independently evaluated", "audited": "audited"}


def evidence_note(revision: Revision) -> str:
    summary = evidence.summarise(revision.outcomes)
    if summary.level is None:
        return ""
    return (f"Evidence: {EVIDENCE_WORDS[summary.level.value]} "
            f"({summary.reaching} of {summary.figures} outcome figures)")


def _notes(reference: Reference) -> list[str]:
    notes = [reference.evidence] if reference.evidence else []
    if reference.last_verified:
        notes.append(f"Last verified {reference.last_verified.isoformat()}")
    return notes


@dataclasses.dataclass(frozen=True)
class CitationFile:
    content: str
    media_type: str
    filename: str


def export_citation(case: Case, revision: Revision, extension: str, accessed: dt.date | None = None) -> CitationFile:
    """A downloadable reference in the format named by its file extension (bib, ris or json)."""
    name = FORMAT_BY_EXTENSION.get(extension)
    if name is None:
        raise NotFound(_l("No citation format '%(extension)s'.", extension=extension))
    reference = reference_for(case, revision, accessed)
    media_type, _extension = CITATION_FORMATS[name]
    writer = {"bibtex": to_bibtex, "ris": to_ris, "csl-json": to_csl_json}[name]
    return CitationFile(writer(reference), media_type, f"{reference.key}.{extension}")


# BibTeX: the characters LaTeX treats as commands, groups or comments, written so they print as text.
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
    "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
}


def bibtex_escape(text: str) -> str:
    """Escape LaTeX specials and fold whitespace; anything else (Devanagari too) stays UTF-8."""
    return "".join(_BIBTEX_ESCAPES.get(char, char) for char in " ".join(text.split()))


def _bibtex_url(url: str) -> str:
    # URL fields are read verbatim by biblatex and never contain LaTeX; only braces and spaces (never
    # valid in a URL anyway) could unbalance the entry, so they are percent-encoded.
    return url.replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


def to_bibtex(reference: Reference) -> str:
    """A ``@misc`` entry (BibTeX and biblatex); the organisation is a corporate author in double braces."""
    fields = [
        ("author", "{" + bibtex_escape(reference.organisation) + "}"),
        ("title", "{" + bibtex_escape(reference.title) + "}"),
        ("year", str(reference.year)),
        ("date", reference.published.isoformat() if reference.published else str(reference.year)),
        ("version", str(reference.version)),
        ("number", reference.public_id),
        ("publisher", bibtex_escape(reference.site)),
        ("howpublished", bibtex_escape(reference.site)),
        ("url", _bibtex_url(reference.url)),
        ("urldate", reference.accessed.isoformat()),
        ("note", bibtex_escape(". ".join([f"Version {reference.version}, {reference.public_id}",
                                          f"Accessed {reference.accessed.isoformat()}", *_notes(reference)]))),
        ("language", {"hi": "hindi", "en": "english"}.get(reference.language, reference.language)),
    ]
    if reference.tags:
        fields.append(("keywords", bibtex_escape(", ".join(reference.tags))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{reference.key},\n{body}\n}}\n"


def _ris_value(text: str) -> str:
    return " ".join(str(text).split())


def to_ris(reference: Reference) -> str:
    """An RIS record (type ELEC), one ``TAG  - value`` per line, CRLF line ends, UTF-8."""
    lines = [
        ("TY", "ELEC"),
        ("ID", reference.key),
        ("TI", reference.title),
        ("AU", reference.organisation),
        ("PY", str(reference.year)),
    ]
    if reference.published:
        lines.append(("DA", reference.published.strftime("%Y/%m/%d/")))
    lines += [
        ("ET", f"Version {reference.version}"),
        ("PB", reference.site),
        ("UR", reference.url),
        ("Y2", reference.accessed.strftime("%Y/%m/%d")),
        ("AB", reference.summary),
        ("LA", reference.language),
        ("N1", f"{reference.public_id}, version {reference.version}"),
        *(("N1", note) for note in _notes(reference)),
    ]
    lines += [("KW", tag) for tag in reference.tags]
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {_ris_value(value)}\r\n" for tag, value in lines)


def to_csl_json(reference: Reference) -> str:
    """A CSL-JSON array with one item (what Zotero, Mendeley and citeproc read)."""
    item = {
        "id": reference.key,
        "type": "report",
        "genre": "Case study",
        "title": reference.title,
        "author": [{"literal": reference.organisation}],
        "issued": {"date-parts": [_date_parts(reference.published) if reference.published else [reference.year]]},
        "accessed": {"date-parts": [_date_parts(reference.accessed)]},
        "version": str(reference.version),
        "number": reference.public_id,
        "publisher": reference.site,
        "URL": reference.url,
        "abstract": reference.summary,
        "language": reference.language,
    }
    if reference.tags:
        item["keyword"] = ", ".join(reference.tags)
    if _notes(reference):
        item["note"] = ". ".join(_notes(reference))
    return json.dumps([item], ensure_ascii=False, indent=2) + "\n"


def _date_parts(day: dt.date) -> list[int]:
    return [day.year, day.month, day.day]


# ---------------------------------------------------------------------------------------------------
# Styled references (APA 7th, Chicago 17th author-date, Harvard), written out by hand from the same fields:
# a case study is a report by a corporate author, published on the web in numbered versions.


@dataclasses.dataclass(frozen=True)
class StyledReference:
    style: str  # apa, chicago, harvard
    name: str  # the style's name as a reader knows it
    text: str  # the reference as plain text
    html: Markup  # the same, with the title in italics where the style sets it so


STYLE_NAMES = {"apa": "APA (7th ed.)", "chicago": "Chicago (17th ed., author-date)", "harvard": "Harvard"}


def _long_date(day: dt.date | None) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}" if day else ""


def styled_references(case: Case, revision: Revision, accessed: dt.date | None = None) -> list[StyledReference]:
    """The reference in each common style (English conventions, as the styles define them)."""
    ref = reference_for(case, revision, accessed)
    published = ref.published
    label = f"Version {ref.version}, {ref.public_id}"
    apa_date = f"{ref.year}, {published.strftime('%B')} {published.day}" if published else str(ref.year)
    chicago_date = f"{published.strftime('%B')} {published.day}, {published.year}" if published else str(ref.year)
    parts = {
        "apa": ([f"{ref.organisation}. ({apa_date}). "], ref.title, [f" ({label}). {ref.site}. {ref.url}"]),
        "chicago": ([f"{ref.organisation}. {ref.year}. "], ref.title, [
            f". {label}. {ref.site}. Published {chicago_date}. Accessed "
            f"{ref.accessed.strftime('%B')} {ref.accessed.day}, {ref.accessed.year}. {ref.url}."]),
        "harvard": ([f"{ref.organisation} ({ref.year}) "], ref.title, [
            f" ({label}). {ref.site}. Available at: {ref.url} (Accessed: {_long_date(ref.accessed)})."]),
    }
    styled = []
    for style, (before, title, after) in parts.items():
        text = "".join(before) + title + "".join(after)
        html = Markup("").join([*before, Markup("<i>%s</i>") % title, *after])
        styled.append(StyledReference(style, STYLE_NAMES[style], text, html))
    return styled
