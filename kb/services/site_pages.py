"""The site's own pages (GIGW 3.0): About, Contact, Feedback, Help, the policies and the HTML sitemap.

Their text lives in ``content/pages/<slug>.<language>.md`` (``content/pages/README.md``) and is imported
into ``site_pages`` with the cases, so a deploying department edits files, never code. ``PAGES`` is the
one list of them: the routes, the footer and the HTML sitemap are all built from it. Placeholders such as
``{{owner_name}}`` are filled from the deployer's settings when a page is shown.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from pathlib import Path

import yaml
from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from kb.errors import ContentError, NotFound
from kb.extensions import db
from kb.i18n import LANGUAGES, current_language, site_setting
from kb.markdown import render_markdown
from kb.models import SitePage


@dataclasses.dataclass(frozen=True)
class PageSpec:
    slug: str
    path: str
    title: object  # a lazy string: the link's text in the page's language
    group: str  # where the footer and the HTML sitemap list it: "about", "policies", "help"
    in_footer: bool = True  # False: listed on the sitemap (and a policy on /website-policies), not in the footer


PAGES: tuple[PageSpec, ...] = (
    PageSpec("about", "/about", _l("About us"), "about"),
    PageSpec("contact", "/contact", _l("Contact us"), "about"),
    PageSpec("feedback", "/feedback", _l("Feedback"), "about"),
    PageSpec("sitemap", "/sitemap", _l("Sitemap"), "about"),
    PageSpec("help", "/help", _l("Help"), "help"),
    PageSpec("help-trainer", "/help/trainer", _l("Help for trainers"), "help"),
    PageSpec("help-submitter", "/help/submitter", _l("Help for submitters"), "help"),
    PageSpec("help-reviewer", "/help/reviewer", _l("Help for reviewers"), "help"),
    PageSpec("help-admin", "/help/admin", _l("Help for administrators"), "help"),
    PageSpec("screen-reader-access", "/screen-reader-access", _l("Screen reader access"), "help"),
    PageSpec("website-policies", "/website-policies", _l("Website policies"), "policies"),
    PageSpec("terms", "/terms", _l("Terms and conditions"), "policies"),
    PageSpec("privacy-policy", "/privacy-policy", _l("Privacy policy"), "policies"),
    PageSpec("copyright-policy", "/copyright-policy", _l("Copyright policy"), "policies"),
    PageSpec("hyperlinking-policy", "/hyperlinking-policy", _l("Hyperlinking policy"), "policies"),
    PageSpec("disclaimer", "/disclaimer", _l("Disclaimer"), "policies"),
    PageSpec("accessibility-statement", "/accessibility-statement", _l("Accessibility statement"), "policies"),
    # The two policies GIGW names for a site whose content others contribute stay in the footer too.
    PageSpec("content-moderation-policy", "/content-moderation-policy", _l("Content moderation and approval policy"),
             "policies"),
    PageSpec("content-archival-policy", "/content-archival-policy", _l("Content archival policy"), "policies"),
    # The footer links the hub (/website-policies) and the policies above; these are linked from the hub
    # and the HTML sitemap, so that the footer stays short.
    PageSpec("content-review-policy", "/content-review-policy", _l("Content review policy"), "policies",
             in_footer=False),
    PageSpec("website-security-policy", "/website-security-policy", _l("Website security policy"), "policies",
             in_footer=False),
    PageSpec("website-monitoring-policy", "/website-monitoring-policy", _l("Website monitoring policy"), "policies",
             in_footer=False),
    PageSpec("contingency-management-plan", "/contingency-management-plan", _l("Contingency management plan"),
             "policies", in_footer=False),
)
PAGES_BY_SLUG = {page.slug: page for page in PAGES}

# What a page may say through placeholders, and the setting each one reads.
PLACEHOLDERS = {
    "site_name": "KB_SITE_NAME", "owner_name": "KB_OWNER_NAME", "owner_address": "KB_OWNER_ADDRESS",
    "owner_email": "KB_OWNER_EMAIL", "owner_phone": "KB_OWNER_PHONE", "wim_name": "KB_WIM_NAME",
    "wim_designation": "KB_WIM_DESIGNATION", "wim_email": "KB_WIM_EMAIL", "wim_phone": "KB_WIM_PHONE",
    "base_url": "KB_BASE_URL",
}
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]{1,40})\s*\}\}")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n?(.*)\Z", re.S)
_SITE_LINK = re.compile(r'(<a\b[^>]*\shref=")(/(?!/)[^"]*)"')


# ---------------------------------------------------------------------------------------------------
# Import


@dataclasses.dataclass
class PageImport:
    written: list[str] = dataclasses.field(default_factory=list)
    unchanged: list[str] = dataclasses.field(default_factory=list)
    errors: list[ContentError] = dataclasses.field(default_factory=list)


def parse_page_file(path: Path) -> dict:
    """Read and check one page file; raise ``ContentError`` naming every bad field."""
    match = re.fullmatch(r"([a-z0-9-]+)\.([a-z]{2})\.md", path.name)
    if not match or match.group(2) not in LANGUAGES:
        raise ContentError(path, {"file": "the name must be <slug>.en.md or <slug>.hi.md"})
    slug, language = match.groups()
    if slug not in PAGES_BY_SLUG:
        raise ContentError(path, {"slug": f"'{slug}' is not one of the site's pages ({', '.join(PAGES_BY_SLUG)})"})
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ContentError(path, {"file": "not UTF-8 text"}) from None
    front = _FRONT_MATTER.match(raw.lstrip("\ufeff"))
    if not front:
        raise ContentError(path, {"front_matter": "the file must start with YAML front matter between '---' lines"})
    try:
        meta = yaml.safe_load(front.group(1))
    except yaml.YAMLError as error:
        raise ContentError(path, {"yaml": f"broken YAML: {getattr(error, 'problem', None) or error}"}) from None
    if not isinstance(meta, dict):
        raise ContentError(path, {"front_matter": "must be a mapping of keys to values"})
    errors: dict[str, str] = {}
    for key in sorted(set(map(str, meta)) - {"title", "summary", "updated"}):
        errors[key] = "unknown key"
    title, summary = _text(meta.get("title")), _text(meta.get("summary"))
    if not 2 <= len(title) <= 120:
        errors["title"] = "missing" if not title else "must be 2 to 120 characters"
    if not 10 <= len(summary) <= 300:
        errors["summary"] = "missing" if not summary else "must be 10 to 300 characters"
    updated = meta.get("updated")
    if isinstance(updated, str):
        try:
            updated = dt.date.fromisoformat(updated)
        except ValueError:
            updated = None
    if not isinstance(updated, dt.date) or isinstance(updated, dt.datetime):
        errors["updated"] = "must be a date (YYYY-MM-DD)"
    body = unicodedata.normalize("NFC", front.group(2)).replace("\r\n", "\n").strip()
    if not body:
        errors["body"] = "missing"
    if errors:
        raise ContentError(path, errors)
    return {"slug": slug, "language": language, "title": title, "summary": summary, "updated_on": updated,
            "body": body + "\n"}


def import_pages(folder: Path) -> PageImport:
    """Upsert every page file of ``folder``; each page needs both languages. Flushes; the caller commits."""
    report = PageImport()
    files = sorted(Path(folder).glob("*.md"))
    parsed = []
    for path in files:
        if path.name.lower() == "readme.md":
            continue
        try:
            parsed.append(parse_page_file(path))
        except ContentError as error:
            report.errors.append(error)
    present = {(page["slug"], page["language"]) for page in parsed}
    for slug in {page["slug"] for page in parsed}:
        for language in LANGUAGES:
            if (slug, language) not in present:
                report.errors.append(ContentError(Path(folder) / f"{slug}.{language}.md",
                                                   {"file": "missing: every page is needed in English and Hindi"}))
    existing = {(p.slug, p.language): p for p in db.session.scalars(select(SitePage))}
    for values in parsed:
        key = (values["slug"], values["language"])
        page = existing.get(key)
        name = f"{values['slug']}.{values['language']}"
        if page is not None and all(getattr(page, field) == value for field, value in values.items()):
            report.unchanged.append(name)
            continue
        if page is None:
            page = SitePage(slug=values["slug"], language=values["language"])
            db.session.add(page)
        for field, value in values.items():
            setattr(page, field, value)
        report.written.append(name)
    db.session.flush()
    return report


def _text(value) -> str:
    return unicodedata.normalize("NFC", str(value)).strip() if value is not None else ""


# ---------------------------------------------------------------------------------------------------
# Showing a page


@dataclasses.dataclass(frozen=True)
class ShownPage:
    spec: PageSpec
    title: str
    summary: str
    body_html: Markup
    updated_on: dt.date
    language: str  # the language the text is written in (the other one when a translation is missing)


def get_page(slug: str, language: str | None = None) -> ShownPage:
    """The page in ``language`` (the current one by default), else in the other language; NotFound if
    it was never imported."""
    spec = PAGES_BY_SLUG.get(slug)
    if spec is None:
        raise NotFound(_l("No page '%(slug)s'.", slug=slug))
    language = language or current_language()
    rows = {page.language: page for page in db.session.scalars(select(SitePage).where(SitePage.slug == slug))}
    page = rows.get(language) or next(iter(rows.values()), None)
    if page is None:
        raise NotFound(_l("The page '%(slug)s' has not been imported yet: run kb content import content.", slug=slug))
    return ShownPage(spec=spec, title=page.title, summary=page.summary, updated_on=page.updated_on,
                     language=page.language, body_html=render_page_body(page.body, link_prefix=_link_prefix(),
                                                                         language=page.language))


def render_page_body(body: str, *, link_prefix: str = "", language: str | None = None) -> Markup:
    """A page's Markdown as sanitised HTML, with its placeholders filled in, its links to this site
    kept in the page's language, and words of the other language marked as such."""
    html = str(render_markdown(_PLACEHOLDER.sub(_fill_placeholder, body), language))
    if link_prefix:
        html = _SITE_LINK.sub(lambda m: f'{m.group(1)}{link_prefix}{m.group(2)}"'
                              if not m.group(2).startswith(("/static/", "/api")) else m.group(0), html)
    return Markup(html)


def _fill_placeholder(match: re.Match) -> str:
    setting = PLACEHOLDERS.get(match.group(1))
    if setting is None:
        return match.group(0)
    value = site_setting(setting) if setting != "KB_BASE_URL" else current_app.config.get(setting, "")
    if value:
        return _escape_markdown(value)
    return str(_l("[%(what)s: set %(setting)s]", what=PLACEHOLDER_NAMES[match.group(1)], setting=setting))


PLACEHOLDER_NAMES = {
    "site_name": _l("site name"), "owner_name": _l("owning department"), "owner_address": _l("postal address"),
    "owner_email": _l("department email"), "owner_phone": _l("department telephone"),
    "wim_name": _l("Web Information Manager"), "wim_designation": _l("Web Information Manager's designation"),
    "wim_email": _l("Web Information Manager's email"), "wim_phone": _l("Web Information Manager's telephone"),
    "base_url": _l("site address"),
}


def _escape_markdown(value: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", value)


def _link_prefix() -> str:
    from flask import has_request_context, request

    return request.script_root if has_request_context() else ""


def pages_in(group: str) -> list[PageSpec]:
    """Every page of ``group``, as the HTML sitemap lists them."""
    return [page for page in PAGES if page.group == group]


def footer_pages(group: str) -> list[PageSpec]:
    """The pages of ``group`` that the footer links (the rest are reached through the hub and the sitemap)."""
    return [page for page in PAGES if page.group == group and page.in_footer]


def last_updated(slugs: list[str] | None = None) -> dt.date | None:
    query = select(db.func.max(SitePage.updated_on))
    if slugs:
        query = query.where(SitePage.slug.in_(slugs))
    return db.session.scalar(query)
