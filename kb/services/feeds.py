"""Atom feeds (RFC 4287) of any search: the newest published cases matching what ``/cases`` was asked.

A feed is the search page's first results, newest first, each entry a published case with its permalink as
``id``, the date its live version was published as ``updated``, the organisation as ``author``, its summary,
and its MMP, state and tags as categories. An archived case is no longer published, so it leaves the feed.
Text is in the interface's language where the case has a translation (as the search page shows it).
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from flask import current_app
from lxml import etree as ET

from kb import i18n
from kb.models import Case
from kb.services import catalog
from kb.services.citations import organisation

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FEED_SIZE = 50
MEDIA_TYPE = "application/atom+xml; charset=utf-8"


@dataclasses.dataclass(frozen=True)
class FeedLinks:
    """The absolute addresses a feed names: itself, the page it follows, and how to build a case's."""

    self_url: str
    page_url: str
    case_url: object  # (Case) -> the case's page in the feed's language
    permalink: object  # (Case) -> the case's language-neutral permanent address (the entry's id)
    schemes: dict  # "mmp", "state", "tag" -> the address naming that vocabulary (a category's scheme)


def newest_matching(q: str | None, filters: catalog.CaseFilters, size: int = FEED_SIZE) -> list[Case]:
    """The newest published cases matching a search, whatever sort the page was asked for."""
    ids = next(catalog.iter_search_ids(q, filters, sort="newest", batch=size, limit=size), [])
    return catalog.published_cases(ids)


def _stamp(when: dt.datetime | None) -> str:
    when = when or dt.datetime.now(dt.timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(parent, tag: str, text: str, **attributes) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attributes)
    element.text = text
    return element


def atom_feed(title: str, cases: list[Case], links: FeedLinks, language: str) -> bytes:
    """The feed document (UTF-8 bytes)."""
    site = current_app.config["KB_SITE_NAME"]
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {XML_LANG: language}, nsmap={None: ATOM_NS})
    _text(feed, "id", links.self_url)
    _text(feed, "title", title)
    newest = max((case.published_revision.published_at for case in cases
                  if case.published_revision.published_at), default=None)
    _text(feed, "updated", _stamp(newest or catalog.library_updated()))
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    _text(author, "name", site)
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", {"rel": "self", "type": "application/atom+xml", "href": links.self_url})
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", {"rel": "alternate", "type": "text/html", "href": links.page_url})
    _text(feed, "generator", "kb")
    for case in cases:
        _entry(feed, case, links, language)
    return ET.tostring(feed, encoding="UTF-8", xml_declaration=True)


def _entry(feed, case: Case, links: FeedLinks, language: str) -> None:
    revision = case.published_revision
    entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
    _text(entry, "id", links.permalink(case))
    title = revision.title_in(language)
    _text(entry, "title", title.text, **{XML_LANG: title.language})
    _text(entry, "updated", _stamp(revision.published_at))
    _text(entry, "published", _stamp(case.first_published_at or revision.published_at))
    author = ET.SubElement(entry, f"{{{ATOM_NS}}}author")
    _text(author, "name", organisation(case, revision) or current_app.config["KB_SITE_NAME"])
    ET.SubElement(entry, f"{{{ATOM_NS}}}link", {"rel": "alternate", "type": "text/html", "href": links.case_url(case),
                                                "hreflang": language})
    summary = revision.summary_in(language)
    _text(entry, "summary", summary.text, type="text", **{XML_LANG: summary.language})
    with i18n.in_language(language):
        ET.SubElement(entry, f"{{{ATOM_NS}}}category", {
            "term": case.mmp.slug, "label": i18n.localized_name(case.mmp), "scheme": links.schemes["mmp"]})
        if case.state is not None:
            ET.SubElement(entry, f"{{{ATOM_NS}}}category", {
                "term": case.state.code, "label": i18n.localized_name(case.state),
                "scheme": links.schemes["state"]})
    for tag in case.tag_names:
        ET.SubElement(entry, f"{{{ATOM_NS}}}category", {"term": tag, "scheme": links.schemes["tag"]})
