"""Public pages: anyone may read the published library, no login needed."""
from __future__ import annotations

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from kb import i18n
from kb.models import EvidenceGrade, MmpCategory
from kb.services import adoptions, catalog, comparison, page_metadata, versions
from kb.services import recognitions as recognitions_service
from kb.services import usage
from kb.extensions import db
from kb.services.citations import export_citation, format_citation, styled_references
from kb.services.handouts import render_cases_pdf
from kb import fragments
from kb.views.safety import safe_next_path
from kb.views.templating import canonical_url
from kb.views.teach import state_adoption, teach_panel

public = Blueprint("public", __name__)


def _paging():
    return catalog.parse_paging(request.args.get("page"), None)


@public.get("/")
def home():
    """The same for every reader of the same library: the counts, newest cases and browse lists are
    worked out once per publication (kb.fragments)."""
    content = fragments.cached(
        "home", (), lambda: render_template("_home.html", overview=catalog.library_overview()))
    return render_template("home.html", content=content)


@public.get("/cases")
def case_list():
    """Search and browse: the URL holds the whole state (query, filters, sort, page). The results and
    filters are the same for every reader of the same library: kept (kb.fragments)."""
    page, _ = _paging()
    filters = catalog.parse_filters(request.args.to_dict(flat=False))
    q = request.args.get("q", "")
    sort = request.args.get("sort") or None

    def render_results() -> str:
        results = catalog.search_cases(q, filters, sort=sort if sort in catalog.SORTS else None, page=page)
        facet_label = facet_labeller()
        return render_template("cases/_search.html", results=results, filters=filters, q=q,
                               sort=sort or ("relevance" if q.strip() else "newest"),
                               facet_groups=facet_groups(results.facets, filters, facet_label),
                               facet_label=facet_label)

    # Which cases are overdue changes with the day (India's): the kept page is the day's; one sorted by views
    # is kept while the counts stay the same.
    content = fragments.cached("search", (request.query_string, adoptions.today_in_india(),
                                          catalog.views_version(sort)), render_results)
    return render_template("cases/list.html", content=content, q=q)


FACET_TITLES = {"mmp_category": _l("MMP category"), "mmp": _l("Mission Mode Project"), "state": _l("State / UT"),
                "year": _l("Year started"), "evidence": _l("Evidence"), "award": _l("Award"),
                "tag": _l("Tag"), "language": _l("Language")}
FACET_ENTRIES_SHOWN = 15


def facet_labeller():
    """The name a person reads for a facet's value, in the page's language (one lookup, not a template
    macro per value: a search page shows up to ninety of them)."""
    mmps, states = catalog.taxonomy()
    names = {"mmp": {m.slug: i18n.localized_name(m) for m in mmps},
             "state": {s.code: i18n.localized_name(s) for s in states},
             "language": dict(i18n.LANGUAGE_NAMES),
             "mmp_category": {key: str(label) for key, label in MmpCategory.labels().items()},
             "evidence": {key: str(label) for key, label in EvidenceGrade.labels().items()}}
    return lambda facet, value: names.get(facet, {}).get(value, value)


def facet_groups(facets: dict, filters, label) -> list[dict]:
    """The filter panel: each facet with its values (label, count, ticked or not, language)."""
    active = filters.active()
    groups = []
    for facet, title in FACET_TITLES.items():
        chosen = {str(value) for value in active.get(facet, [])}
        entries = facets.get(facet) or []
        if not entries and not chosen:
            continue
        rows = []
        for entry in entries[:FACET_ENTRIES_SHOWN]:
            value, count = str(entry["value"]), entry["count"]
            lang = value if facet == "language" else (
                ("hi" if i18n.has_devanagari(value) else "en") if facet in ("tag", "award") else None)
            rows.append({"value": value, "label": label(facet, value), "count": i18n.format_number(count),
                         "chosen": value in chosen, "lang": lang})
        groups.append({"facet": facet, "title": title, "entries": rows})
    return groups


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
    """The case page: its article is the same for every reader of the same library (kept, with the
    citation's date of access), its adoption panel is the reader's own."""
    is_latest = revision.id == case.published_revision_id
    today = adoptions.today_in_india()  # the citation's date of access

    def render_article() -> str:
        return render_template("cases/_article.html", case=case, revision=revision, is_latest=is_latest, today=today,
                               versions=catalog.public_versions(case),
                               citation=format_citation(case, revision, accessed=today),
                               styled=styled_references(case, revision, accessed=today),
                               similar=catalog.similar_to(case))

    article = fragments.cached("case", (revision.id, is_latest, today), render_article)
    # Keyed by the path too: the current version has two addresses, each its own canonical one.
    head = fragments.cached("case-head", (revision.id, is_latest, request.path), lambda: render_template(
        "cases/_head_metadata.html", metadata=page_metadata.case_metadata(
            case, revision, _page_addresses(case, revision, is_latest), i18n.current_language())))
    page = render_template("cases/show.html", case=case, revision=revision, article=article, head=head,
                           panel=teach_panel(case))
    count_use(usage.record_view, case)  # after rendering: the commit would expire what the page reads
    return page


@public.get("/recognitions")
def recognitions():
    """Awards the published practices received, filtered by award and year."""
    listing = recognitions_service.list_recognitions(request.args.get("award"), request.args.get("year"))
    return render_template("recognitions.html", listing=listing)


def _page_addresses(case, revision, is_latest: bool) -> page_metadata.PageAddresses:
    """The absolute addresses a case page's metadata names: permanent ones without a language prefix."""
    base = (current_app.config.get("KB_BASE_URL") or request.host_url).rstrip("/")
    neutral = lambda endpoint, **values: base + i18n.strip_language(url_for(endpoint, **values))  # noqa: E731
    public_id = case.public_id
    return page_metadata.PageAddresses(
        page=canonical_url(),
        permalink=neutral("public.case_version", public_id=public_id, version=revision.number),
        case_permalink=neutral("public.case_page", public_id=public_id),
        handout_pdf=neutral("public.case_version_handout", public_id=public_id, version=revision.number),
        mmp_page=base + url_for("public.mmp_page", slug=(revision.mmp or case.mmp).slug),
        state_page=base + url_for("public.state_page", code=case.state.code) if case.state else None,
        site=base + i18n.site_root() + "/")


@public.get("/cases/<public_id>/versions")
def case_versions(public_id: str):
    """Every public version of a case, with a form to compare any two."""
    case, history = versions.version_history(public_id)
    return render_template("cases/versions.html", case=case, versions=history)


@public.get("/cases/<public_id>/diff")
def case_diff(public_id: str):
    """Two public versions side by side: ``?from=N&to=M``."""
    result = versions.compare_versions(public_id, request.args.get("from"), request.args.get("to"))
    return render_template("cases/diff.html", case=result.case, result=result,
                           versions=catalog.public_versions(result.case))


@public.get("/cases/<public_id>/cite.<extension>")
def case_citation(public_id: str, extension: str):
    case = catalog.get_published_case(public_id)
    count_use(usage.record_download, case)
    return _download(export_citation(case, case.published_revision, extension))


@public.get("/cases/<public_id>/v/<int:version>/cite.<extension>")
def case_version_citation(public_id: str, version: int, extension: str):
    case, revision = catalog.get_public_version(public_id, version)
    return _download(export_citation(case, revision, extension))


@public.get("/cases/<public_id>/handout.pdf")
def case_handout(public_id: str):
    case = catalog.get_published_case(public_id)
    return _handout(case, case.published_revision)


@public.get("/cases/<public_id>/v/<int:version>/handout.pdf")
def case_version_handout(public_id: str, version: int):
    return _handout(*catalog.get_public_version(public_id, version))


def _handout(case, revision):
    count_use(usage.record_download, case)
    pdf = render_cases_pdf(revision.title, [(case, revision, "")], locale=str(get_locale()))
    return _download_bytes(pdf, "application/pdf", f"{case.public_id}-v{revision.number}.pdf")


def count_use(record, case) -> None:
    """Count a view or a download (numbers only, kept in this worker and written every few seconds by
    kb.services.usage); a failure to count never fails the page."""
    record(case.id)
    try:
        usage.write_counts_if_due(current_app.config["KB_USAGE_FLUSH_SECONDS"])
    except Exception:  # noqa: BLE001 - a lost count is better than a lost page
        current_app.logger.warning("could not write usage counts", exc_info=True)


def _download(file):
    return _download_bytes(file.content.encode("utf-8"), file.media_type, file.filename)


def _download_bytes(content: bytes, media_type: str, filename: str):
    response = make_response(content)
    response.headers["Content-Type"] = media_type
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@public.get("/compare")
def compare():
    """Two to four published cases side by side: ``?ids=KB-0001&ids=KB-0002``."""
    result = comparison.compare_cases(request.args.getlist("ids"))
    return render_template("cases/compare.html", result=result)


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
    return render_template("state.html", state=state, results=results, adoption=state_adoption(state))


@public.post("/language")
def choose_language():
    """Remember the visitor's interface language (a preference cookie, no account needed) and go to the
    page in that language. The header's switch is a plain link to the page under /hi/ or /en/; this
    form is for clients that post a choice."""
    language = request.form.get("language", "")
    if language not in i18n.LANGUAGES:
        return redirect(safe_next_path(request.form.get("next")))
    path = i18n.path_without_language(safe_next_path(request.form.get("next")))
    response = make_response(redirect(i18n.url_in_language(language, path=path, query="")))
    response.set_cookie(i18n.COOKIE, language, max_age=i18n.COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


@public.get("/healthz")
def health():
    return {"status": "ok", "cases": catalog.count_published()}
