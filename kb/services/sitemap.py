"""The XML sitemap (sitemaps.org 0.9) and robots.txt: what crawlers are invited to and kept out of.

Only published content is listed: each published case, each public version of it (published or
superseded), the MMP, state and institute pages, the site's own pages and the list of cases. Every address
is listed once per interface language (``/en/...`` and ``/hi/...``), each with ``xhtml:link rel="alternate"
hreflang`` to both and to ``x-default`` (the unprefixed address), as search engines read them.

A small library is one ``urlset``. A large one (more cases than ``KB_SITEMAP_CASES_PER_FILE``) is a
``sitemapindex`` whose children are the pages (``/sitemap-pages.xml``) and the cases by number, a fixed
number per child (``/sitemap-cases-N.xml``), so no child grows past the 50,000 addresses a sitemap may hold.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

from flask import current_app, url_for
from sqlalchemy import func, select

from kb.errors import NotFound
from kb.extensions import db
from kb.i18n import LANGUAGES
from kb.models import Case, Mmp, Organization, OrganizationKind, Revision, RevisionStatus, State, format_public_id
from kb.services.site_pages import PAGES

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
DEFAULT_CASES_PER_FILE = 5000
PUBLIC_STATUSES = (RevisionStatus.published.value, RevisionStatus.superseded.value)

# Paths (below each language prefix too) that crawlers have no business in: accounts, the review
# workflow, submissions, forms that need a login, and downloads that any search would multiply.
PRIVATE_PATHS = (
    "/account", "/admin", "/review", "/submissions", "/notifications", "/login", "/logout", "/register",
    "/password", "/follow", "/alerts", "/exports/", "/cases/*/adoptions/", "/cases/*/teaching-notes/",
    "/packs/*/edit",
)


@dataclasses.dataclass(frozen=True)
class Location:
    """One page of the site, by its address without a language prefix."""

    path: str
    lastmod: dt.datetime | None = None


def cases_per_file() -> int:
    return int(current_app.config.get("KB_SITEMAP_CASES_PER_FILE") or DEFAULT_CASES_PER_FILE)


def _published_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Case)
                             .where(Case.published_revision_id.is_not(None))) or 0


def case_file_count() -> int:
    return max(1, math.ceil(_published_count() / cases_per_file()))


def is_index() -> bool:
    """Whether ``/sitemap.xml`` is an index of child sitemaps (more cases than one child holds)."""
    return _published_count() > cases_per_file()


def _latest_by(column) -> dict:
    """The newest publication among published cases, per MMP or per state."""
    rows = db.session.execute(
        select(column, func.max(Revision.published_at)).join(Revision, Revision.id == Case.published_revision_id)
        .group_by(column)).all()
    return {key: when for key, when in rows}


def library_lastmod() -> dt.datetime | None:
    return db.session.scalar(select(func.max(Revision.published_at))
                             .where(Revision.status == RevisionStatus.published.value))


def page_locations() -> list[Location]:
    """The home page, the list of cases, the MMP, state and institute pages and the site's own pages."""
    newest = library_lastmod()
    by_mmp, by_state = _latest_by(Case.mmp_id), _latest_by(Case.state_id)
    locations = [Location(url_for("public.home"), newest), Location(url_for("public.case_list"), newest),
                 Location(url_for("public.search_help"))]
    locations += [Location(url_for("public.mmp_page", slug=mmp.slug), by_mmp.get(mmp.id))
                  for mmp in db.session.scalars(select(Mmp).order_by(Mmp.id))]
    locations += [Location(url_for("public.state_page", code=state.code), by_state.get(state.id))
                  for state in db.session.scalars(select(State).order_by(State.code))]
    locations += [Location(url_for("teach.institute_page", slug=slug))
                  for slug in db.session.scalars(select(Organization.slug)
                                                 .where(Organization.kind == OrganizationKind.ati.value)
                                                 .order_by(Organization.slug))]
    locations += [Location(page.path) for page in PAGES]
    return locations


def case_locations(file_number: int | None = None) -> Iterator[Location]:
    """Published cases (their current address) and every public version of each, ordered by case number;
    with ``file_number``, only that child's share of the cases."""
    query = (select(Case.id, Case.number, Revision.published_at)
             .join(Revision, Revision.id == Case.published_revision_id).order_by(Case.number))
    if file_number is not None:
        size = cases_per_file()
        if file_number < 1 or file_number > case_file_count():
            raise NotFound("No such sitemap.")
        query = query.offset((file_number - 1) * size).limit(size)
    cases = db.session.execute(query).all()
    versions: dict[int, list[tuple[int, dt.datetime | None]]] = {}
    ids = [row[0] for row in cases]
    for start in range(0, len(ids), 1000):
        for case_id, number, published_at in db.session.execute(
                select(Revision.case_id, Revision.number, Revision.published_at)
                .where(Revision.case_id.in_(ids[start:start + 1000]), Revision.status.in_(PUBLIC_STATUSES))
                .order_by(Revision.case_id, Revision.number)):
            versions.setdefault(case_id, []).append((number, published_at))
    for case_id, number, published_at in cases:
        public_id = format_public_id(number)
        yield Location(url_for("public.case_page", public_id=public_id), published_at)
        for version, version_published_at in versions.get(case_id, []):
            yield Location(url_for("public.case_version", public_id=public_id, version=version),
                           version_published_at)


def _w3c(when: dt.datetime | None) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def urlset(locations: Iterable[Location], base: str) -> Iterator[str]:
    """A ``urlset`` document, written piece by piece: each location once per language, with its
    alternates. ``base`` is the site's absolute root (scheme, host and any script root)."""
    yield (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}" xmlns:xhtml="{XHTML_NS}">\n')
    for location in locations:
        alternates = "".join(
            f'    <xhtml:link rel="alternate" hreflang="{language}" href={quoteattr(f"{base}/{language}{location.path}")}/>\n'
            for language in LANGUAGES)
        alternates += f'    <xhtml:link rel="alternate" hreflang="x-default" href={quoteattr(base + location.path)}/>\n'
        lastmod = f"    <lastmod>{_w3c(location.lastmod)}</lastmod>\n" if location.lastmod else ""
        for language in LANGUAGES:
            yield (f"  <url>\n    <loc>{escape(f'{base}/{language}{location.path}')}</loc>\n{lastmod}"
                   f"{alternates}  </url>\n")
    yield "</urlset>\n"


def sitemap_index(base: str) -> str:
    """The ``sitemapindex`` naming each child with the date it last changed."""
    lastmod = library_lastmod()
    children = [url_for("discovery.sitemap_pages")]
    children += [url_for("discovery.sitemap_cases", number=n) for n in range(1, case_file_count() + 1)]
    stamp = f"<lastmod>{_w3c(lastmod)}</lastmod>" if lastmod else ""
    entries = "".join(f"  <sitemap><loc>{escape(base + path)}</loc>{stamp}</sitemap>\n" for path in children)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">\n{entries}</sitemapindex>\n'


def whole_sitemap(base: str) -> Iterator[str]:
    """The one ``urlset`` of a small library: its pages, then its cases."""
    def everything():
        yield from page_locations()
        yield from case_locations()
    return urlset(everything(), base)


def robots_txt(base: str) -> str:
    """robots.txt: everything public may be crawled; accounts, review, submissions and login forms (in
    every language prefix) may not; the sitemap is named."""
    prefixes = ("", *(f"/{language}" for language in LANGUAGES))
    lines = ["User-agent: *"]
    lines += [f"Disallow: {prefix}{path}" for prefix in prefixes for path in PRIVATE_PATHS]
    lines += ["Allow: /", "", f"Sitemap: {base}{url_for('discovery.sitemap')}", ""]
    return "\n".join(lines)
