"""The JSON API under /api/v1, per ../shared/API.md. Handlers parse, call one service, serialise."""
from __future__ import annotations

from flask import Blueprint, request

from kb.api.serializers import case_detail, case_summary
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
    results = catalog.search_cases(request.args.get("q"), filters, sort=request.args.get("sort") or None,
                                   page=page, per_page=per_page)
    return {
        "total": results.total,
        "page": results.page,
        "per_page": results.per_page,
        "results": [case_summary(case, results.highlights[case.public_id][1]) for case in results.items],
        "facets": results.facets,
        "suggestion": results.suggestion,
        "notices": results.notices,
        "corrected_from": results.corrected_from,
    }


@api.get("/cases/<public_id>")
def get_case(public_id: str):
    return case_detail(catalog.get_published_case(public_id))


@api.get("/cases/<public_id>/similar")
def similar_cases(public_id: str):
    return {"results": [case_summary(case) for case in catalog.similar_cases(public_id)]}
