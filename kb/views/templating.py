"""Jinja filters and globals shared by every template: Indian formats, names in the page's language,
the language switch and the site's identity."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

from flask import Flask, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from kb import fragments, i18n
from kb.markdown import render_markdown


def url_with(**changes) -> str:
    """The current URL with some query arguments replaced (None removes one); keeps repeated ones."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    for key, value in changes.items():
        if value is None:
            continue
        for item in value if isinstance(value, (list, tuple)) else [value]:
            args.append((key, item))
    query = urlencode(args)
    return request.script_root + request.path + (f"?{query}" if query else "")


def same_search(endpoint: str, drop: tuple[str, ...] = ("page",), **values) -> str:
    """Another address (a feed, an export) asked the same search as this page: its query string without
    ``drop``."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in drop]
    query = urlencode(args)
    return url_for(endpoint, **values) + (f"?{query}" if query else "")


def other_languages() -> list[dict]:
    """The language switch: this same page in each other language (a plain link, so it can be shared,
    bookmarked and followed by crawlers)."""
    here = i18n.current_language()
    return [{"code": code, "name": name, "url": i18n.url_in_language(code)}
            for code, name in i18n.LANGUAGE_NAMES.items() if code != here]


def alternate_urls() -> list[dict]:
    """``<link rel="alternate" hreflang>`` for each language, and x-default (the unprefixed address)."""
    base = current_app.config.get("KB_BASE_URL") or request.host_url.rstrip("/")
    links = [{"hreflang": code, "href": base + i18n.url_in_language(code)} for code in i18n.LANGUAGES]
    query = request.query_string.decode("latin-1")
    plain = i18n.site_root() + request.path + (f"?{query}" if query else "")
    links.append({"hreflang": "x-default", "href": base + plain})
    return links


def canonical_url() -> str:
    """This page's address in its own language (what a search engine should keep)."""
    base = current_app.config.get("KB_BASE_URL") or request.host_url.rstrip("/")
    return base + i18n.url_in_language(i18n.current_language())


def site_identity() -> dict:
    """The deploying department's identity, in the page's language (``KB_SITE_NAME``, ``KB_OWNER_*``)."""
    return {
        "site_name": i18n.site_setting("KB_SITE_NAME"),
        "owner_name": i18n.site_setting("KB_OWNER_NAME"),
        "owner_address": i18n.site_setting("KB_OWNER_ADDRESS"),
        "owner_url": current_app.config.get("KB_OWNER_URL", ""),
        "wim_name": i18n.site_setting("KB_WIM_NAME"),
        "wim_email": current_app.config.get("KB_WIM_EMAIL", ""),
    }


def site_footer(part: str) -> Markup:
    """The footer's ``columns`` (links to the site's pages) or ``owner`` lines: the same on every page
    of a language, rendered once (a third of a page's rendering otherwise)."""
    if part == "owner":
        identity = site_identity()
        return fragments.kept("footer-owner", tuple(identity.values()),
                              lambda: render_template("_footer_owner.html", identity=identity))
    return fragments.kept("footer-columns", (), lambda: render_template("_footer_columns.html"))


def organisation_label(organization) -> str:
    """An organisation's name with its state, unless the name already says it ("Demo ATI (Telangana)")."""
    if organization is None:
        return ""
    state = i18n.localized_name(organization.state) if organization.state else ""
    if not state or state in organization.name or (organization.state and organization.state.name in organization.name):
        return organization.name
    return f"{organization.name} ({state})"


def audit_note(event) -> str:
    """An audit event's note as the reader's language says it: an edit's "changed: title, summary" names
    the fields by their labels (the note keeps field names, which do not depend on the language)."""
    from kb.views.case_form import field_label

    note = event.note or ""
    if event.action == "edit" and note.startswith("changed: "):
        names = [field_label(name.strip()) for name in note[len("changed: "):].split(",") if name.strip()]
        return str(_l("Changed: %(fields)s", fields=", ".join(names)))
    replaced = _REPLACED_BY.fullmatch(note)
    if replaced:  # written by kb.services.publishing when a new version supersedes this one
        return str(_l("replaced by version %(number)s", number=replaced.group(1)))
    return note


_REPLACED_BY = re.compile(r"replaced by version (\d+)")


def register(app: Flask) -> None:
    """Every filter, test and global of the templates, in one place."""
    from kb.models import (
        EvidenceGrade, MmpCategory, OrganizationKind, PackVisibility, ReplicationStatus, RevisionStatus, Role, Stage, StateKind,
        TrainingMode,
    )
    from kb.services import attachments, catalog, evidence, freshness, site_pages
    from kb.views import auth, teach
    from kb.views.case_form import field_anchor, field_label
    from kb.views.site import FEEDBACK_LABELS, page_url
    from kb.workflow import CHECKLIST, EVENT_LABELS

    filters = app.jinja_env.filters
    filters["markdown"] = render_markdown
    filters["number"] = i18n.format_number
    filters["lakh_crore"] = i18n.format_lakh_crore
    filters["date"] = i18n.format_date
    filters["short_date"] = i18n.format_short_date
    filters["datetime"] = i18n.format_datetime
    filters["name"] = i18n.localized_name
    filters["by_name"] = lambda things: i18n.sorted_by_name(things)
    app.jinja_env.tests["devanagari"] = i18n.has_devanagari
    app.jinja_env.globals.update(
        # Names people read, kept on the things they name (kb.models enums, kb.workflow).
        LANGUAGE_NAMES=i18n.LANGUAGE_NAMES, STAGE_NAMES=Stage.labels(), CATEGORY_NAMES=MmpCategory.labels(),
        STATE_KIND_NAMES=StateKind.labels(), STATUS_NAMES=RevisionStatus.labels(), ACTION_NAMES=EVENT_LABELS,
        CHECKLIST_LABELS=CHECKLIST, ROLE_NAMES=Role.labels(), ORGANIZATION_KIND_NAMES=OrganizationKind.labels(),
        MODE_NAMES=TrainingMode.labels(), REPLICATION_STATUS_NAMES=ReplicationStatus.labels(),
        VISIBILITY_NAMES=PackVisibility.labels(), EVIDENCE_NAMES=EvidenceGrade.labels(),
        evidence_summary=evidence.summarise, evidence_reason=evidence.reason_text,
        freshness_of=freshness.status_of,
        # Form field names, as the services' error messages name them.
        FIELD_LABELS=auth.FIELD_LABELS, TEACH_FIELD_LABELS=teach.FIELD_LABELS, field_label=field_label,
        field_anchor=field_anchor, human_size=attachments.human_size,
        # Page helpers.
        url_with=url_with, same_search=same_search, current_locale=i18n.current_language,
        current_path=i18n.current_path, other_languages=other_languages, alternate_urls=alternate_urls,
        canonical_url=canonical_url, site=site_identity, current_year=lambda: dt.date.today().year,
        page_url=page_url, site_footer=site_footer, footer_pages=site_pages.footer_pages, library_updated=catalog.library_updated,
        FEEDBACK_LABELS=FEEDBACK_LABELS, organisation_label=organisation_label, audit_note=audit_note,
    )
    app.context_processor(auth.navigation)  # the header's flags, asked once per page
