"""JSON shapes of the public contract (../shared/API.md)."""
from __future__ import annotations

from kb.markdown import render_markdown
from kb.models import Case
from kb.services.adoptions import count_training_uses
from kb.services.citations import format_citation, permalink


def case_summary(case: Case, highlight: str | None = None) -> dict:
    revision = case.published_revision
    return {
        "id": case.public_id,
        "title": revision.title,
        "summary": revision.summary,
        "mmp": case.mmp.slug,
        "state": case.state.code if case.state else None,
        "year": case.year_started,
        "tags": case.tag_names,
        "language": case.language,
        "url": permalink(case),
        "highlight": highlight or "",
    }


def case_detail(case: Case) -> dict:
    revision = case.published_revision
    return {
        "id": case.public_id,
        "title": revision.title,
        "summary": revision.summary,
        "translated_title": revision.translated_title or "",
        "translated_summary": revision.translated_summary or "",
        "body": revision.body,
        "body_html": str(render_markdown(revision.body)),
        "mmp": case.mmp.slug,
        "state": case.state.code if case.state else None,
        "department": case.department,
        "year": case.year_started,
        "stage": case.stage,
        "tags": case.tag_names,
        "language": case.language,
        "version": revision.number,
        "published_at": revision.published_at.isoformat() if revision.published_at else None,
        "first_published_at": case.first_published_at.isoformat() if case.first_published_at else None,
        "url": permalink(case),
        "version_url": permalink(case, revision),
        "citation": format_citation(case, revision),
        "outcomes": [
            {"label": o.label, "before": o.before_value, "after": o.after_value, "unit": o.unit, "source": o.source_url}
            for o in revision.outcomes
        ],
        "links": [{"title": link.title, "url": link.url} for link in revision.links],
        "contacts": [
            {"name": c.name, "organization": c.organization, "email": c.email, "phone": c.phone, "url": c.url}
            for c in revision.contacts
        ],
        "adoptions": count_training_uses(case),
        "attachments": [
            {"name": a.filename, "size": a.size, "content_type": a.content_type, "url": _download_url(a)}
            for a in revision.attachments
        ],
    }


def _download_url(attachment) -> str:
    """A published file's absolute address (on KB_BASE_URL when it is set, like the permalinks)."""
    from flask import current_app, url_for

    base = current_app.config.get("KB_BASE_URL")
    path = url_for("attachments.download", key=attachment.key, filename=attachment.filename, _external=not base)
    return f"{base}{path}" if base else path
