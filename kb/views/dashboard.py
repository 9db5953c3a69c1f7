"""The public dashboard (``/dashboard``): the library's figures as server-drawn SVG charts, each with its data
table (whose entries link to the matching search) and a sentence saying what it shows; and the tile-grid
map of India. The figures come from kb.services.dashboard; the page's content is kept per aggregate
version and language (kb.fragments), so a warm request costs one small query and the page around it."""
from __future__ import annotations

import csv
import functools
from pathlib import Path

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kb import fragments, i18n
from kb.models import EvidenceGrade, MmpCategory, ReplicationStatus
from kb.services import catalog, dashboard as figures_service
from kb.services import health as health_service

dashboard = Blueprint("dashboard", __name__)
TILE_GRID = Path(__file__).resolve().parent.parent / "data" / "india-tile-grid.csv"


@functools.cache
def tile_grid() -> dict[str, tuple[int, int]]:
    """The shipped schematic layout: state code -> (row, column)."""
    lines = [line for line in TILE_GRID.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return {row["code"]: (int(row["row"]), int(row["col"])) for row in csv.DictReader(lines)}


@dashboard.get("/dashboard")
def show():
    version, figures = figures_service.figures()
    content = fragments.kept("dashboard", (version,), lambda: render_template(
        "dashboard/_content.html", charts=charts(figures), figures=figures, tiles=tiles(figures)))
    return render_template("dashboard/show.html", content=content)


def _row(label, count, href=None, lang=None) -> dict:
    return {"label": str(label), "value": count, "shown": i18n.format_number(count), "href": href, "lang": lang}


def charts(figures) -> list[dict]:
    """Every chart: its id, title, one-sentence text alternative and rows (label, value, link)."""
    mmps, states = catalog.taxonomy()
    mmp_names = {m.slug: i18n.localized_name(m) for m in mmps}
    state_names = {s.code: i18n.localized_name(s) for s in states}
    search = lambda **args: url_for("public.case_list", **args)  # noqa: E731
    total = i18n.format_number(figures.case_count)

    def chart(key, title, rows, summary):
        return {"id": key, "title": title, "rows": rows, "summary": summary}

    by_category = [_row(MmpCategory(c.key).label, c.count, search(mmp_category=c.key)) for c in figures.by_category]
    by_mmp = [_row(mmp_names.get(c.key, c.key), c.count, search(mmp=c.key)) for c in figures.by_mmp[:15]]
    by_state = [_row(state_names.get(c.key, c.key), c.count, search(state=c.key)) for c in figures.by_state]
    by_year = [_row(c.key, c.count, search(year=c.key)) for c in figures.by_year]
    by_evidence = [_row(EvidenceGrade(c.key).label if c.key else _("No outcome figures"), c.count,
                        search(evidence=c.key) if c.key else None) for c in figures.by_evidence]
    quarters = [_row(_("Q%(quarter)s %(year)s", quarter=q.quarter, year=q.year), q.uses) for q in figures.quarters]
    institutes = [_row(_("Q%(quarter)s %(year)s", quarter=q.quarter, year=q.year), q.institutes)
                  for q in figures.quarters]
    replications = [_row(ReplicationStatus(c.key).label, c.count) for c in figures.replications_by_status]
    revisions = figures_service.titles_of([t.number for t in figures.most_adopted + figures.most_replicated])

    def top(entries):
        rows = []
        for entry in entries:
            revision = revisions.get(entry.number)
            if revision is None:
                continue
            title = revision.title_in(i18n.current_language())
            rows.append(_row(f"{entry.public_id} · {title.text}", entry.count,
                             url_for("public.case_page", public_id=entry.public_id), title.language))
        return rows

    largest = lambda rows: max(rows, key=lambda r: r["value"]) if rows else None  # noqa: E731
    return [
        chart("by-category", _("Cases by MMP category"), by_category,
              _("%(total)s published cases: %(parts)s.", total=total,
                parts=", ".join(f"{r['label']} {r['shown']}" for r in by_category))),
        chart("by-mmp", _("Cases by Mission Mode Project (the 15 with most cases)"), by_mmp,
              _("Most cases are filed under %(name)s (%(count)s).", name=largest(by_mmp)["label"],
                count=largest(by_mmp)["shown"]) if by_mmp else _("No cases yet.")),
        chart("by-state", _("Cases by state or union territory"), by_state,
              _("%(states)s states and union territories have contributed cases; %(central)s cases are central or national.",
                states=len(by_state), central=i18n.format_number(figures.central_count))),
        chart("by-year", _("Cases by the year the practice started"), by_year,
              _("The practices started between %(first)s and %(last)s.", first=by_year[0]["label"],
                last=by_year[-1]["label"]) if by_year else _("No cases yet.")),
        chart("by-evidence", _("Cases by overall evidence level"), by_evidence,
              _("%(parts)s.", parts=", ".join(f"{r['label']}: {r['shown']}" for r in by_evidence))),
        chart("uses-per-quarter", _("Training uses per quarter"), quarters,
              _("%(total)s training uses recorded; the last %(n)s quarters with any are shown.",
                total=i18n.format_number(figures.training_uses), n=len(quarters)) if quarters
              else _("No training use has been recorded yet.")),
        chart("institutes-per-quarter", _("Training institutes active per quarter"), institutes,
              _("%(count)s institutes recorded a training use in the last four quarters shown.",
                count=i18n.format_number(figures.active_institutes)) if institutes
              else _("No training use has been recorded yet.")),
        chart("replications", _("Replications by status"), replications,
              _("%(parts)s.", parts=", ".join(f"{r['label']}: {r['shown']}" for r in replications))),
        chart("most-adopted", _("Most used in training"), top(figures.most_adopted),
              _("The %(n)s cases with the most recorded training uses.", n=len(figures.most_adopted))
              if figures.most_adopted else _("No training use has been recorded yet.")),
        chart("most-replicated", _("Most replicated"), top(figures.most_replicated),
              _("The %(n)s cases piloted or adopted by the most other states.", n=len(figures.most_replicated))
              if figures.most_replicated else _("No state has recorded piloting or adopting a case yet.")),
    ]


def tiles(figures) -> list[dict]:
    """The map's tiles: where each goes, its numbers and its links."""
    _mmps, states = catalog.taxonomy()
    names = {s.code: i18n.localized_name(s) for s in states}
    most = max((t.contributed for t in figures.tiles.values()), default=0) or 1
    layout = tile_grid()
    return [{"code": code, "name": names.get(code, code), "row": row, "col": col,
             "sort_key": i18n.sort_key(names.get(code, code)),  # the table: in the language's order
             "contributed": figures.tiles[code].contributed if code in figures.tiles else 0,
             "taken_up": figures.tiles[code].taken_up if code in figures.tiles else 0,
             # Four steps of shade by contributed cases (the numbers are on the tile too: not colour alone).
             "shade": min(3, -(-4 * (figures.tiles[code].contributed if code in figures.tiles else 0) // most) - 1)
             if code in figures.tiles and figures.tiles[code].contributed else -1,
             "href": url_for("public.state_page", code=code)}
            for code, (row, col) in sorted(layout.items(), key=lambda item: item[1])]


@dashboard.get("/review/health")
@login_required
def health():
    """Review queue health, re-verification due and usage: for reviewers and admins."""
    report = health_service.health(current_user, usage_days=request.args.get("days"),
                                   usage_sort=request.args.get("sort"))
    return render_template("dashboard/health.html", report=report)
