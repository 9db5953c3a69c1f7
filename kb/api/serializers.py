"""JSON shapes of the public contract (../shared/API.md)."""
from __future__ import annotations

from kb.markdown import render_markdown
from kb.models import Case
from kb.services import evidence, freshness
from kb.services.case_fields import read_revision
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
        "evidence": getattr(case, "evidence_level", None),
    }


def case_detail(case: Case) -> dict:
    revision = case.published_revision
    return {
        "id": case.public_id,
        # The content fields as a submission carries them; outcomes with what the reviewer made of them.
        **read_revision(revision),
        "outcomes": [outcome_json(o) for o in revision.outcomes],
        "body_html": str(render_markdown(revision.body, revision.language)),
        "version": revision.number,
        "published_at": revision.published_at.isoformat() if revision.published_at else None,
        "first_published_at": case.first_published_at.isoformat() if case.first_published_at else None,
        "url": permalink(case),
        "version_url": permalink(case, revision),
        "citation": format_citation(case, revision),
        "evidence": evidence_json(revision),
        "freshness": freshness_json(case),
        "adoptions": count_training_uses(case),
        "attachments": [
            {"name": a.filename, "size": a.size, "content_type": a.content_type, "url": _download_url(a)}
            for a in revision.attachments
        ],
    }


def outcome_json(outcome) -> dict:
    return {"label": outcome.label, "before": outcome.before_value, "after": outcome.after_value,
            "unit": outcome.unit, "source": outcome.source_url, "period": outcome.period,
            "document": outcome.source_document, "attachment": outcome.source_attachment,
            "evidence": outcome.grade.value, "evidence_reviewed": outcome.evidence_reviewed is not None}


def evidence_json(revision) -> dict:
    summary = evidence.summarise(revision.outcomes)
    return {"level": summary.level.value if summary.level else None, "figures": summary.figures,
            "reaching": summary.reaching, "by_grade": {grade.value: n for grade, n in summary.by_grade},
            "reviewed": summary.reviewed, "reason": evidence.reason_text(summary)}


def freshness_json(case: Case) -> dict:
    return {"status": freshness.status_of(case),
            "last_verified": case.last_verified_on.isoformat() if case.last_verified_on else None,
            "review_by": case.review_by.isoformat() if case.review_by else None,
            "discontinued_on": case.discontinued_on.isoformat() if case.discontinued_on else None,
            "discontinued_reason": case.discontinued_reason or ""}


def _download_url(attachment) -> str:
    """A published file's absolute address (on KB_BASE_URL when it is set, like the permalinks)."""
    from flask import current_app, url_for

    base = current_app.config.get("KB_BASE_URL")
    path = url_for("attachments.download", key=attachment.key, filename=attachment.filename, _external=not base)
    return f"{base}{path}" if base else path
