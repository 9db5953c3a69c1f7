"""How the library is found and followed from outside: robots.txt, the XML sitemap, Atom feeds of any
search, the OAI-PMH endpoint and exports of search results (CSV, BibTeX, RIS). Each route parses the
request and hands it to one service (kb.services.sitemap, feeds, oai, exports)."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request, stream_with_context, url_for
from flask_login import current_user
from flask_babel import gettext as _

from kb import fragments, i18n
from kb.extensions import csrf
from kb.services import catalog, course_packs, exports, feeds, oai, sitemap
from kb.views.public import facet_labeller

discovery = Blueprint("discovery", __name__)
csrf.exempt(discovery)  # OAI-PMH harvesters may POST their requests; nothing here changes anything

XML = "application/xml; charset=utf-8"


def site_base() -> str:
    """The site's absolute root (``KB_BASE_URL``, else the request's host), without a language prefix."""
    return (current_app.config.get("KB_BASE_URL") or request.host_url).rstrip("/")


def search_query(*, drop: tuple[str, ...] = ("page",)) -> str:
    """This request's query string without ``drop``: the same search for another address."""
    return urlencode([(key, value) for key, value in request.args.items(multi=True) if key not in drop])


@discovery.get("/robots.txt")
def robots():
    return Response(sitemap.robots_txt(site_base()), mimetype="text/plain")


@discovery.get("/sitemap.xml", endpoint="sitemap")
def sitemap_root():
    """One ``urlset`` for a small library; a ``sitemapindex`` of children for a large one."""
    if sitemap.is_index():
        return Response(sitemap.sitemap_index(site_base()), content_type=XML)
    return Response(stream_with_context(sitemap.whole_sitemap(site_base())), content_type=XML)


@discovery.get("/sitemap-pages.xml")
def sitemap_pages():
    return Response(stream_with_context(sitemap.urlset(sitemap.page_locations(), site_base())), content_type=XML)


@discovery.get("/sitemap-cases-<int:number>.xml")
def sitemap_cases(number: int):
    locations = list(sitemap.case_locations(number))  # a missing child is a 404 before anything is sent
    return Response(stream_with_context(sitemap.urlset(locations, site_base())), content_type=XML)


# ---------------------------------------------------------------------------------------------------
# Feeds


def search_title(q: str, filters: catalog.CaseFilters) -> str:
    """What a search is, in words: its text and its filters by their names."""
    label = facet_labeller()
    parts = [f"“{q.strip()}”"] if q.strip() else []
    parts += [", ".join(label(facet, str(value)) for value in values) for facet, values in filters.active().items()]
    if not parts:
        return _("Newest case studies")
    return _("Case studies: %(search)s", search="; ".join(parts))


@discovery.get("/feeds/cases.atom")
def cases_feed():
    """Any search of ``/cases`` as an Atom feed: the same query string, newest first."""
    filters = catalog.parse_filters(request.args.to_dict(flat=False))
    q = request.args.get("q", "")
    base = site_base()
    query = search_query(drop=("page", "sort"))

    def render() -> str:
        links = feeds.FeedLinks(
            self_url=base + i18n.current_path(),
            page_url=base + url_for("public.case_list") + (f"?{query}" if query else ""),
            case_url=lambda case: base + url_for("public.case_page", public_id=case.public_id),
            permalink=lambda case: base + i18n.strip_language(url_for("public.case_page", public_id=case.public_id)),
            schemes={"mmp": base + i18n.site_root() + "/mmps/", "state": base + i18n.site_root() + "/states/",
                     "tag": base + i18n.site_root() + "/cases?tag="})
        site = current_app.config["KB_SITE_NAME"]
        title = f"{site}: {search_title(q, filters)}"
        return feeds.atom_feed(title, feeds.newest_matching(q, filters), links, i18n.current_language()).decode()

    body = fragments.cached("feed", (request.query_string,), render)
    return Response(str(body), content_type=feeds.MEDIA_TYPE)


# ---------------------------------------------------------------------------------------------------
# OAI-PMH


@discovery.route("/oai", methods=["GET", "POST"])
def oai_endpoint():
    """OAI-PMH 2.0: the arguments come from the query string (GET) or the form body (POST)."""
    arguments = request.form if request.method == "POST" else request.args
    body = oai.handle(arguments.to_dict(flat=False), base_url=site_base() + url_for(".oai_endpoint"),
                      site_base=site_base())
    return Response(body, content_type="text/xml; charset=utf-8")


# ---------------------------------------------------------------------------------------------------
# Exports


@discovery.get("/exports/cases.<extension>")
def export_results(extension: str):
    """Every result of a search of ``/cases`` (same query string) as CSV, BibTeX or RIS, streamed."""
    export_format = exports.format_for(extension)
    filters = catalog.parse_filters(request.args.to_dict(flat=False))
    sort = request.args.get("sort") or None
    ids = catalog.iter_search_ids(request.args.get("q", ""), filters, sort=sort)
    first = next(ids, [])  # a bad sort is a 400 here, before the answer starts

    def batches():
        if first:
            yield first
            yield from ids

    return _stream(exports.stream(export_format, exports.cases_in_batches(batches()), site_base()),
                   export_format, "kb-search")


def _stream(chunks, export_format, name: str) -> Response:
    response = Response(stream_with_context(chunks), content_type=export_format.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{export_format.extension}"'
    return response


@discovery.get("/packs/<int:number>/references.<extension>")
def pack_bibliography(number: int, extension: str):
    """A course pack's bibliography (its published cases, in order) as BibTeX, RIS or CSV; a private pack
    only for its institute, as its page."""
    pack = course_packs.get_pack(current_user._get_current_object() if current_user.is_authenticated else None, number)
    export_format = exports.format_for(extension)
    cases = [entry.case for entry in course_packs.pack_contents(pack).entries]
    response = _stream(exports.stream(export_format, iter([cases]), site_base()), export_format,
                       f"course-pack-{pack.number}")
    if not pack.is_public:
        response.headers["Cache-Control"] = "private, no-store"
    return response
