"""The published library (taxonomy, search, a case, similar cases), open to anonymous callers, and the two
things done to a published case as a whole: opening a new version of it and archiving it."""
from __future__ import annotations

from flask import current_app, request

from kb import fragments
from kb.api import api
from kb.api import requests as parse
from kb.api.auth import caller, token_required
from kb.api import serializers
from kb.api.serializers import case_detail, case_summary
from kb.api.submission_serializers import submission_detail, submission_url
from kb.extensions import db
from kb.services import catalog, freshness, submissions


@api.get("/taxonomy")
def taxonomy():
    mmps, states = catalog.taxonomy()
    return {
        "mmps": [{"slug": m.slug, "name": m.name, "category": m.category} for m in mmps],
        "states": [{"code": s.code, "name": s.name, "kind": s.kind} for s in states],
    }


@api.get("/cases")
def list_cases():
    """The same for every caller of the same library: kept (kb.fragments) as its JSON text."""
    # Which cases are overdue for re-verification (``current=1``) changes with the day: the kept answer is the day's.
    body = fragments.cached("api-search", (request.query_string, freshness.today_in_india(),
                                           catalog.views_version(request.args.get("sort"))),
                            lambda: current_app.json.dumps(search_results()))
    return current_app.response_class(body, mimetype="application/json")


def search_results() -> dict:
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
        "weak_matches": results.weak_matches,
    }


@api.get("/cases/<public_id>")
def get_case(public_id: str):
    return case_detail(catalog.get_published_case(public_id))


@api.get("/cases/<public_id>/similar")
def similar_cases(public_id: str):
    return {"results": [case_summary(case) for case in catalog.similar_cases(public_id)]}


@api.post("/cases/<public_id>/revisions")
@token_required
def open_revision(public_id: str):
    """A new draft version of a published case (its organisation's submitters); the live one stays."""
    parse.only(parse.json_object(required=False), ())
    case = submissions.open_new_revision(caller(), public_id)
    db.session.commit()
    return submission_detail(case, caller()), 201, {"Location": submission_url(case)}


@api.post("/cases/<public_id>/archive")
@token_required
def archive_case(public_id: str):
    """Withdraw a published case from the library, with a reason (reviewers and admins)."""
    data = parse.only(parse.json_object(required=False), ("note", "lock_version"))
    case = submissions.take_action(caller(), public_id, "archive", note=parse.text(data, "note"),
                                   lock_version=parse.lock_version(data))
    db.session.commit()
    return submission_detail(case, caller())


@api.post("/cases/<public_id>/confirm-current")
@token_required
def confirm_current(public_id: str):
    """Its organisation confirms a published case as current: an event in the audit trail, no new version."""
    data = parse.only(parse.json_object(required=False), ("note",))
    case = freshness.confirm_current(caller(), public_id, parse.text(data, "note") or "")
    db.session.commit()
    return serializers.freshness_json(case)


@api.post("/cases/<public_id>/discontinue")
@token_required
def discontinue(public_id: str):
    """Its organisation marks a published practice as discontinued, with the reason (the case stays readable)."""
    data = parse.only(parse.json_object(), ("reason",))
    case = freshness.mark_discontinued(caller(), public_id, parse.text(data, "reason") or "")
    db.session.commit()
    return serializers.freshness_json(case)
