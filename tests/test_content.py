"""kb.content: importing and exporting the content folder."""
from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from kb.content import (
    ContentError,
    document_from_case,
    export_content,
    import_content,
    load_taxonomy,
    parse_case_file,
    render_case_file,
)
from kb.extensions import db
from kb.services.sections import BODY_HEADINGS
from kb.models import Case, Mmp, Revision, State, StatusEvent
from tests.conftest import CONTENT

CASE_FILES = sorted((CONTENT / "cases").glob("*.md"))


def copy_content(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(CONTENT / "taxonomy", folder / "taxonomy")
    (folder / "cases").mkdir()
    for path in CASE_FILES if not names else [CONTENT / "cases" / n for n in names]:
        shutil.copy(path, folder / "cases" / path.name)
    return folder


def first_case_file() -> Path:
    return CASE_FILES[0]


# ---------------------------------------------------------------------------------------------------
# The seeded library itself


def _front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def test_seed_library_has_at_least_forty_cases_across_fifteen_states_and_eighteen_mmps():
    metas = [_front_matter(p) for p in CASE_FILES]
    assert len(metas) >= 40
    assert len({m["state"] for m in metas if m.get("state")}) >= 15
    assert any(not m.get("state") for m in metas), "central cases are part of the library"
    assert len({m["mmp"] for m in metas}) >= 18
    assert sum(1 for m in metas if m["language"] == "hi") >= 5


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.name for p in CASE_FILES])
def test_every_seed_case_is_a_real_case_study(path):
    meta = _front_matter(path)
    body = path.read_text(encoding="utf-8").split("---\n", 2)[2]
    words = len(re.findall(r"\S+", body))
    assert 300 <= words <= 900, f"{words} words"
    assert re.findall(r"^## (.+)$", body, re.M) == BODY_HEADINGS[meta["language"]]
    urls = {link["url"] for link in meta["links"]}
    assert any(o.get("source") in urls for o in meta["outcomes"]), "an outcome figure cites a listed source"
    if meta["language"] == "hi":
        assert re.search(r"[\u0900-\u097f]{20,}", meta["title"] + body.replace(" ", "")), "written in Hindi"


def test_seed_case_ids_are_unique():
    ids = [_front_matter(p)["id"] for p in CASE_FILES]
    assert len(ids) == len(set(ids))


# ---------------------------------------------------------------------------------------------------
# Import


def test_import_creates_every_case_published_with_an_audit_event(app, library):
    assert len(library.created) == len(CASE_FILES)
    assert db.session.scalar(select(func.count()).select_from(Case).where(Case.published_revision_id.is_not(None))) == len(CASE_FILES)
    assert db.session.scalar(select(func.count()).select_from(StatusEvent).where(StatusEvent.action == "import")) == len(CASE_FILES)


def test_second_import_changes_nothing(app, library):
    revisions_before = db.session.scalar(select(func.count()).select_from(Revision))
    report = import_content(CONTENT)
    assert report.ok
    assert report.created == [] and report.updated == []
    assert len(report.unchanged) == len(CASE_FILES)
    assert db.session.scalar(select(func.count()).select_from(Revision)) == revisions_before


def test_changed_file_becomes_a_new_published_revision(app, tmp_path):
    folder = copy_content(tmp_path, first_case_file().name)
    assert import_content(folder).created
    path = folder / "cases" / first_case_file().name
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## Lessons\n", "## Lessons\nA lesson added in the second edition.\n", 1), encoding="utf-8")

    report = import_content(folder)

    assert len(report.updated) == 1
    case = db.session.scalar(select(Case))
    assert [r.number for r in case.revisions] == [1, 2]
    assert case.published_revision.number == 2
    assert "second edition" in case.published_revision.body
    assert case.revisions[0].status == "superseded"


def test_bad_files_are_reported_with_path_field_and_reason_and_the_rest_imports(app, tmp_path):
    folder = copy_content(tmp_path, *[p.name for p in CASE_FILES[:3]])
    good = (CONTENT / "cases" / CASE_FILES[0].name).read_text(encoding="utf-8")
    cases = folder / "cases"
    (cases / "unknown-mmp.md").write_text(_with(good, id="KB-0801", mmp="space-travel"), encoding="utf-8")
    (cases / "no-title.md").write_text(_without(_with(good, id="KB-0802"), "title"), encoding="utf-8")
    (cases / "bad-year.md").write_text(_with(good, id="KB-0803", year="nineteen"), encoding="utf-8")
    (cases / "duplicate.md").write_text(good, encoding="utf-8")
    (cases / "broken-yaml.md").write_text("---\nid: KB-0805\ntitle: [unclosed\nmmp: pds\n---\n## Problem\n", encoding="utf-8")

    report = import_content(folder)

    by_file = {Path(e.path).name: e.fields for e in report.errors}
    assert by_file["unknown-mmp.md"]["mmp"] == "unknown MMP slug 'space-travel'"
    assert by_file["no-title.md"]["title"] == "missing"
    assert "whole year" in by_file["bad-year.md"]["year"]
    assert "duplicate id" in by_file["duplicate.md"]["id"]
    assert "duplicate id" in by_file[CASE_FILES[0].name]["id"], "neither copy of a duplicated id is imported"
    assert re.match(r"broken YAML at line [45]\b", by_file["broken-yaml.md"]["yaml"])
    assert len(report.created) == 2, "the two untouched good files still import"
    numbers = set(db.session.scalars(select(Case.number)))
    assert not numbers & {801, 802, 803, 805}


def test_cli_import_exits_non_zero_and_names_the_file_when_one_fails(app, runner, tmp_path):
    folder = copy_content(tmp_path, CASE_FILES[0].name)
    (folder / "cases" / "bad.md").write_text("no front matter here\n", encoding="utf-8")
    result = runner.invoke(args=["content", "import", str(folder)])
    assert result.exit_code == 1
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_an_import_never_overwrites_a_submission_that_shares_its_number(app, tmp_path, make_submission, runner,
                                                                          caplog):
    case, _people = make_submission("in_review")
    folder = copy_content(tmp_path)
    good = first_case_file().read_text(encoding="utf-8")
    (folder / "cases" / "new-seed-case.md").write_text(_with(good, id=case.public_id), encoding="utf-8")
    shutil.move(folder / "cases" / first_case_file().name, tmp_path / "moved-away.md")

    report = import_content(folder)

    assert report.ok and report.kept == [case.public_id]
    db.session.expire_all()
    kept = db.session.scalar(select(Case).where(Case.number == case.number))
    assert [(r.number, r.status, r.title) for r in kept.revisions] == [
        (1, "in_review", "Doorstep delivery of land record copies")]
    assert kept.published_revision_id is None
    result = runner.invoke(args=["content", "import", str(folder)])
    assert result.exit_code == 0, "kept cases are not failures: `make run` imports on every start"
    assert f"{case.public_id}: not imported: the case has versions written on the site" in caplog.text


def test_an_import_never_publishes_over_a_case_written_on_the_site(app, tmp_path, make_submission):
    from kb.services import submissions

    case, people = make_submission("published")
    submissions.open_new_revision(people["submitter"], case.public_id)
    db.session.commit()
    folder = tmp_path / "exported"
    export_content(folder)
    path = next((folder / "cases").glob(f"{case.public_id.lower()}*.md"))
    assert import_content(folder).unchanged == [case.public_id], "the file as the site has it is unchanged"
    path.write_text(path.read_text(encoding="utf-8").replace("## Lessons\n", "## Lessons\nAn edit in the file.\n", 1),
                    encoding="utf-8")

    report = import_content(folder)

    assert report.ok and report.kept == [case.public_id] and not report.updated
    db.session.expire_all()
    kept = db.session.scalar(select(Case).where(Case.number == case.number))
    assert [(r.number, r.status) for r in kept.revisions] == [(1, "published"), (2, "draft")]
    assert "An edit in the file" not in kept.published_revision.body


@pytest.mark.parametrize("change, field", [
    ({"stage": "everywhere"}, "stage"),
    ({"language": "fr"}, "language"),
    ({"state": "XX"}, "state"),
    ({"id": "case-7"}, "id"),
    ({"tags": ["Not A Tag!"]}, "tags"),
    ({"published": "yesterday"}, "published"),
    ({"unexpected": "value"}, "unexpected"),
])
def test_each_invalid_field_is_named(app, tmp_path, change, field):
    path = tmp_path / "case.md"
    path.write_text(_with(first_case_file().read_text(encoding="utf-8"), **change), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        parse_case_file(path, mmp_slugs=set(db.session.scalars(select(Mmp.slug))),
                        state_codes=set(db.session.scalars(select(State.code))))
    assert field in caught.value.fields
    assert str(path) in str(caught.value)


def test_outcome_source_must_be_among_the_links(app, tmp_path):
    meta, body = _split(first_case_file().read_text(encoding="utf-8"))
    meta["outcomes"][0]["source"] = "https://not-listed.example/"
    path = tmp_path / "case.md"
    path.write_text(_join(meta, body), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        parse_case_file(path, mmp_slugs=set(db.session.scalars(select(Mmp.slug))),
                        state_codes=set(db.session.scalars(select(State.code))))
    assert "outcomes[1]" in caught.value.fields


def test_body_must_use_the_six_headings_in_order(app, tmp_path):
    text = first_case_file().read_text(encoding="utf-8").replace("## Impact", "## Results")
    path = tmp_path / "case.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        parse_case_file(path, mmp_slugs=set(db.session.scalars(select(Mmp.slug))),
                        state_codes=set(db.session.scalars(select(State.code))))
    assert "body" in caught.value.fields


def test_a_contact_email_that_is_not_an_address_is_named(app, tmp_path):
    meta, body = _split(first_case_file().read_text(encoding="utf-8"))
    meta["contacts"] = [{"name": "Nodal officer", "email": "nodal.officer at gov.in"}]
    path = tmp_path / "case.md"
    path.write_text(_join(meta, body), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        parse_case_file(path, mmp_slugs=set(db.session.scalars(select(Mmp.slug))),
                        state_codes=set(db.session.scalars(select(State.code))))
    assert caught.value.fields == {"contacts[1]": "'email' is not an email address"}


def test_headings_inside_fenced_code_are_not_headings_and_long_heading_lines_are_checked_quickly(app, tmp_path):
    meta, body = _split(first_case_file().read_text(encoding="utf-8"))
    fenced = body.replace("## Impact", "```\n## Not a heading\n```\n\n## Impact")
    mmp_slugs, state_codes = set(db.session.scalars(select(Mmp.slug))), set(db.session.scalars(select(State.code)))
    path = tmp_path / "case.md"
    path.write_text(_join(meta, fenced), encoding="utf-8")
    assert parse_case_file(path, mmp_slugs=mmp_slugs, state_codes=state_codes).body == fenced
    # A heading pattern with a lazy group backtracked quadratically: 50,000 blanks took ~10 s.
    path.write_text(_join(meta, body.replace("## Impact", "## Impact" + " " * 50_000 + "x")), encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(ContentError) as caught:
        parse_case_file(path, mmp_slugs=mmp_slugs, state_codes=state_codes)
    assert time.perf_counter() - started < 1
    assert "body" in caught.value.fields


# ---------------------------------------------------------------------------------------------------
# Export


def test_export_then_import_into_an_empty_database_reproduces_the_library(app, library, tmp_path, app_config,
                                                                         migrated_database):
    exported = tmp_path / "exported"
    assert export_content(exported) == len(CASE_FILES)
    before = _library_snapshot()

    # An empty database of its own, as on a new host.
    from kb import create_app
    from tests.conftest import _fresh_database_url

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    db.session.remove()
    empty = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": _fresh_database_url(migrated_database, elsewhere)})
    with empty.app_context():
        load_taxonomy(CONTENT / "taxonomy")
        report = import_content(exported)
        assert report.ok and len(report.created) == len(CASE_FILES)
        assert _library_snapshot() == before
        db.session.remove()
        db.engine.dispose()


def test_exported_file_reads_back_to_the_same_document(app, library, tmp_path):
    case = db.session.scalar(select(Case).where(Case.language == "hi"))
    document = document_from_case(case, case.published_revision)
    path = tmp_path / "roundtrip.md"
    path.write_text(render_case_file(document), encoding="utf-8")
    parsed = parse_case_file(path, mmp_slugs=set(db.session.scalars(select(Mmp.slug))),
                             state_codes=set(db.session.scalars(select(State.code))))
    assert parsed.comparable() == document.comparable()
    assert parsed.published == document.published


def _library_snapshot() -> dict:
    return {
        case.public_id: document_from_case(case, case.published_revision).comparable()
        for case in db.session.scalars(select(Case).where(Case.published_revision_id.is_not(None)))
    }


# ---------------------------------------------------------------------------------------------------
# helpers to write variants of a case file


def _split(text: str) -> tuple[dict, str]:
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def _join(meta: dict, body: str) -> str:
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + body


def _with(text: str, **changes) -> str:
    meta, body = _split(text)
    meta.update(changes)
    return _join(meta, body)


def _without(text: str, key: str) -> str:
    meta, body = _split(text)
    meta.pop(key)
    return _join(meta, body)
