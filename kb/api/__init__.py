"""The JSON API under /api/v1, per ../shared/API.md. Handlers parse, call one service, serialise."""
from __future__ import annotations

from flask import Blueprint, request

from kb.api.serializers import case_detail, case_summary
from kb.errors import ValidationError
from kb.extensions import csrf
from kb.services import catalog

api = Blueprint("api", __name__, url_prefix="/api/v1")
# The API authenticates with bearer tokens, never with the session cookie, so CSRF does not apply.
csrf.exempt(api)


@api.get("/taxonomy")
def taxonomy():
    mmps, states = catalog.taxonomy()
    return {
        "mmps": [{"slug": m.slug, "name": m.name, "category": m.category} for m in mmps],
        "states": [{"code": s.code, "name": s.name, "kind": s.kind} for s in states],
    }


@api.get("/cases")
def list_cases():
    page, per_page = catalog.parse_paging(request.args.get("page"), request.args.get("per_page"))
    filters = catalog.parse_filters(request.args.to_dict(flat=False))
    sort = request.args.get("sort") or "newest"
    if sort not in catalog.SORTS:
        raise ValidationError("Invalid sort.", {"sort": f"must be one of {', '.join(catalog.SORTS)}"})
    results = catalog.list_published_cases(filters, sort=sort, page=page, per_page=per_page)
    return {
        "total": results.total,
        "page": results.page,
        "per_page": results.per_page,
        "results": [case_summary(case) for case in results.items],
        "facets": catalog.facet_counts(filters),
        "suggestion": None,
    }


@api.get("/cases/<public_id>")
def get_case(public_id: str):
    return case_detail(catalog.get_published_case(public_id))
