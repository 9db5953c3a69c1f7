"""What a case page (or a version page) tells machines about itself, in the page's head: schema.org JSON-LD
(a ``Report``), Dublin Core ``DC.*`` meta tags, Highwire Press ``citation_*`` tags (what Google Scholar and
Zotero read) and OpenGraph. One set of fields feeds all four, so they agree with each other and with the
citation files (kb.services.citations).
"""
from __future__ import annotations

import dataclasses
import json

from flask import current_app
from markupsafe import Markup

from kb.models import Case, Revision
from kb.services.citations import organisation

OG_LOCALES = {"en": "en_IN", "hi": "hi_IN"}


@dataclasses.dataclass(frozen=True)
class PageAddresses:
    """The absolute addresses the metadata names (built by the view, which knows the request)."""

    page: str  # this page, in its language (the canonical address)
    permalink: str  # the version's permanent address (no language prefix)
    case_permalink: str  # the case's permanent address (its current version)
    handout_pdf: str  # the version's PDF handout
    mmp_page: str
    state_page: str | None
    site: str  # the site's root


@dataclasses.dataclass(frozen=True)
class PageMetadata:
    json_ld: Markup  # safe inside <script type="application/ld+json">
    meta: list[tuple[str, str, str]]  # (attribute, name, content): name= or property=


def script_safe_json(data) -> Markup:
    """JSON that cannot end its <script> element early nor open a comment: <, > and & are written as
    \\u escapes, which every JSON parser reads back as the same characters."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _iso(when) -> str | None:
    return when.date().isoformat() if when else None


def case_metadata(case: Case, revision: Revision, addresses: PageAddresses, language: str) -> PageMetadata:
    """Every kind of metadata for this version of the case, as the page in ``language`` shows it."""
    site = current_app.config["KB_SITE_NAME"]
    author = organisation(case, revision)
    mmp = revision.mmp or case.mmp
    state = revision.state if revision.mmp is not None else case.state
    tags = list(revision.tag_names or case.tag_names)
    first = case.first_published_at or revision.published_at
    title, summary = revision.title_in(language), revision.summary_in(language)
    sources = [{"@type": "CreativeWork", "name": link.title, "url": link.url} for link in revision.links]
    sources += [{"@type": "CreativeWork", "name": outcome.label, "url": outcome.source_url}
                for outcome in revision.outcomes if outcome.source_url]

    report = {
        "@context": "https://schema.org",
        "@type": "Report",
        "@id": addresses.permalink,
        "url": addresses.permalink,
        "mainEntityOfPage": addresses.page,
        "identifier": case.public_id,
        "reportNumber": case.public_id,
        "name": revision.title,
        "headline": revision.title[:110],
        "abstract": revision.summary,
        "description": revision.summary,
        "inLanguage": case.language,
        "version": str(revision.number),
        "datePublished": _iso(first),
        "dateModified": _iso(revision.published_at),
        "author": {"@type": "GovernmentOrganization", "name": author},
        "publisher": {"@type": "Organization", "name": site, "url": addresses.site},
        "about": {"@type": "Thing", "name": mmp.name, "url": addresses.mmp_page},
        "spatialCoverage": ({"@type": "AdministrativeArea", "name": state.name, "url": addresses.state_page}
                            if state else {"@type": "Country", "name": "India"}),
        "keywords": ", ".join(tags),
        "isAccessibleForFree": True,
        "encoding": {"@type": "MediaObject", "encodingFormat": "application/pdf", "contentUrl": addresses.handout_pdf},
    }
    if revision.translated_title:
        report["alternateName"] = revision.translated_title
    # Each version is one realisation of the case, whose own address always shows the current one.
    report["exampleOfWork"] = {"@type": "CreativeWork", "@id": addresses.case_permalink, "url": addresses.case_permalink}
    if sources:
        report["citation"] = sources
    report = {key: value for key, value in report.items() if value not in (None, "")}

    published = revision.published_at
    meta: list[tuple[str, str, str]] = [
        # Dublin Core (DCMI's HTML convention; the schema.DC link is in the template)
        ("name", "DC.title", revision.title), ("name", "DC.creator", author),
        ("name", "DC.subject", mmp.name), *(("name", "DC.subject", tag) for tag in tags),
        ("name", "DC.description", revision.summary), ("name", "DC.publisher", site),
        ("name", "DC.date", _iso(published) or ""), ("name", "DC.type", "Text"), ("name", "DC.format", "text/html"),
        ("name", "DC.identifier", addresses.permalink), ("name", "DC.language", case.language),
        ("name", "DC.coverage", state.name if state else "India"),
        # Highwire Press (Google Scholar, Zotero)
        ("name", "citation_title", revision.title), ("name", "citation_author", author),
        ("name", "citation_publication_date", published.strftime("%Y/%m/%d") if published else ""),
        ("name", "citation_online_date", first.strftime("%Y/%m/%d") if first else ""),
        ("name", "citation_publisher", site), ("name", "citation_technical_report_institution", author),
        ("name", "citation_technical_report_number", case.public_id), ("name", "citation_language", case.language),
        ("name", "citation_abstract", revision.summary), ("name", "citation_abstract_html_url", addresses.page),
        ("name", "citation_fulltext_html_url", addresses.permalink), ("name", "citation_pdf_url", addresses.handout_pdf),
        ("name", "citation_keywords", "; ".join(tags)),
        # OpenGraph
        ("property", "og:type", "article"), ("property", "og:title", title.text),
        ("property", "og:description", summary.text), ("property", "og:url", addresses.page),
        ("property", "og:site_name", site), ("property", "og:locale", OG_LOCALES.get(language, "en_IN")),
        *(("property", "og:locale:alternate", locale) for code, locale in OG_LOCALES.items() if code != language),
        ("property", "article:published_time", _iso(first) or ""),
        ("property", "article:modified_time", _iso(published) or ""),
        ("property", "article:section", mmp.name),
        *(("property", "article:tag", tag) for tag in tags),
        ("name", "twitter:card", "summary"),
    ]
    return PageMetadata(json_ld=script_safe_json(report), meta=[m for m in meta if m[2]])
