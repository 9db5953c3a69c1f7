"""How a case is cited: one formatted reference, the same on the page and in the API."""
from __future__ import annotations

import datetime as dt

from flask import current_app, url_for

from kb.models import Case, Revision


def permalink(case: Case, revision: Revision | None = None) -> str:
    """The permanent URL of the case (or of one version of it)."""
    base = current_app.config.get("KB_BASE_URL")
    if revision is None:
        path = url_for("public.case_page", public_id=case.public_id, _external=not base)
    else:
        path = url_for("public.case_version", public_id=case.public_id, version=revision.number, _external=not base)
    return f"{base}{path}" if base else path


def format_citation(case: Case, revision: Revision, accessed: dt.date | None = None) -> str:
    """Organisation. (Year). Title (Version N). Site. Permalink. Accessed DATE."""
    accessed = accessed or dt.date.today()
    year = (revision.published_at or revision.created_at).year
    site = current_app.config["KB_SITE_NAME"]
    return (
        f"{case.department}. ({year}). {revision.title} (Version {revision.number}, {case.public_id}). "
        f"{site}. {permalink(case, revision)}. Accessed {accessed.isoformat()}."
    )
