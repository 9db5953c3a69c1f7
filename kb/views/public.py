"""Public pages: anyone may read the published library, no login needed."""
from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, request, url_for

from kb.services import catalog
from kb.services.citations import format_citation
from kb.views.safety import safe_next_path

public = Blueprint("public", __name__)


def _paging():
    return catalog.parse_paging(request.args.get("page"), None)


@public.get("/")
def home():
    return render_template("home.html", overview=catalog.library_overview())


@public.get("/cases")
def case_list():
    """Search and browse: the URL holds the whole state (query, filters, sort, page)."""
    page, _ = _paging()
    filters = catalog.parse_filters(request.args.to_dict(flat=False))
    q = request.args.get("q", "")
    sort = request.args.get("sort") or None
    results = catalog.search_cases(q, filters, sort=sort if sort in catalog.SORTS else None, page=page)
    mmps, states = catalog.taxonomy()
    return render_template("cases/list.html", results=results, filters=filters, q=q,
                           sort=sort or ("relevance" if q.strip() else "newest"),
                           mmps={m.slug: m for m in mmps}, states={s.code: s for s in states})


@public.get("/search")
def search_alias():
    return redirect(url_for(".case_list", **request.args.to_dict(flat=False)))


@public.get("/help/search")
def search_help():
    return render_template("help_search.html")


@public.get("/cases/<public_id>")
def case_page(public_id: str):
    case = catalog.get_published_case(public_id)
    if public_id != case.public_id:
        return redirect(url_for(".case_page", public_id=case.public_id), code=301)
    return _render_case(case, case.published_revision)


@public.get("/cases/<public_id>/v/<int:version>")
def case_version(public_id: str, version: int):
    case, revision = catalog.get_public_version(public_id, version)
    return _render_case(case, revision)


def _render_case(case, revision):
    return render_template(
        "cases/show.html", case=case, revision=revision, is_latest=revision.id == case.published_revision_id,
        versions=catalog.public_versions(case), citation=format_citation(case, revision),
        similar=catalog.similar_cases(case.public_id),
    )


@public.get("/mmps/<slug>")
def mmp_page(slug: str):
    mmp = catalog.get_mmp(slug)
    page, _ = _paging()
    results = catalog.search_cases(None, catalog.CaseFilters(mmp=[mmp.slug]), page=page)
    return render_template("mmp.html", mmp=mmp, results=results)


@public.get("/states/<code>")
def state_page(code: str):
    state = catalog.get_state(code)
    if code != state.code:
        return redirect(url_for(".state_page", code=state.code), code=301)
    page, _ = _paging()
    results = catalog.search_cases(None, catalog.CaseFilters(state=[state.code]), page=page)
    return render_template("state.html", state=state, results=results)


@public.post("/language")
def choose_language():
    """Remember the visitor's interface language (a preference cookie, no account needed)."""
    language = request.form.get("language", "en")
    response = make_response(redirect(safe_next_path(request.form.get("next"))))
    if language in ("en", "hi"):
        response.set_cookie("kb_lang", language, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@public.get("/healthz")
def health():
    return {"status": "ok", "cases": catalog.count_published()}
