"""kb.services.dashboard: the public figures count published cases only, and are worked out again only
after a publication, a re-verification or a recorded use or replication changed them."""
from __future__ import annotations

from kb.extensions import db
from kb.services import adoptions, dashboard, freshness, submissions

TRAINING = {"programme": "Induction course", "date": "2026-02-10", "participants": 30}


def replicating_submitter(make_org, make_user, state: str):
    make_org(f"{state.lower()}-it", "state_department", state)
    return make_user("submitter", org=f"{state.lower()}-it")


def test_the_figures_count_published_cases_by_category_state_year_and_evidence(make_case, make_unpublished_case):
    make_case(901, state="KA", year=2005)
    make_case(902, state="KA", year=2010, mmp="pds")
    make_case(903, state=None, year=2010, outcomes=[])
    make_unpublished_case(950)
    figures = dashboard.compute_figures()
    assert figures.case_count == 3 and figures.central_count == 1
    assert [(c.key, c.count) for c in figures.by_state] == [("KA", 2)]
    assert [(c.key, c.count) for c in figures.by_year] == [(2005, 1), (2010, 2)]
    assert {c.key: c.count for c in figures.by_evidence} == {
        "audited": 0, "evaluated": 0, "documented": 0, "self_reported": 2, None: 1}
    assert sum(c.count for c in figures.by_category) == 3
    assert figures.tiles["KA"].contributed == 2 and figures.tiles["MH"].contributed == 0
    assert len(figures.tiles) == 36


def test_training_uses_per_quarter_active_institutes_and_the_most_adopted(make_case, make_user):
    make_case(901)
    make_case(902)
    first, second = make_user("trainer"), make_user("trainer", org="ati-yashada")
    for trainer, date in ((first, "2026-01-10"), (first, "2026-02-11"), (second, "2026-04-02")):
        adoptions.record_training_use(trainer, "KB-0902", {**TRAINING, "date": date})
    adoptions.record_training_use(first, "KB-0901", {**TRAINING, "date": "2026-04-03"})
    db.session.commit()
    figures = dashboard.compute_figures()
    assert [(q.year, q.quarter, q.uses, q.institutes) for q in figures.quarters] == [(2026, 1, 2, 1), (2026, 2, 2, 2)]
    assert figures.active_institutes == 2 and figures.training_uses == 4
    assert [(t.public_id, t.count) for t in figures.most_adopted] == [("KB-0902", 3), ("KB-0901", 1)]


def test_replications_by_status_and_what_each_state_took_up(make_case, make_org, make_user):
    make_case(901, state="KA")
    for state, status in (("MH", "adopted"), ("OD", "piloting"), ("TN", "exploring")):
        adoptions.record_replication(replicating_submitter(make_org, make_user, state), "KB-0901",
                                     {"status": status, "contact_name": "Director"})
    db.session.commit()
    figures = dashboard.compute_figures()
    assert {c.key: c.count for c in figures.replications_by_status} == {
        "exploring": 1, "piloting": 1, "adopted": 1, "discontinued": 0}
    assert [(t.public_id, t.count) for t in figures.most_replicated] == [("KB-0901", 2)]  # exploring is not taking up
    assert (figures.tiles["MH"].taken_up, figures.tiles["TN"].taken_up, figures.tiles["KA"].contributed) == (1, 0, 1)


def test_a_publication_or_a_recorded_use_refreshes_the_kept_figures(make_case, make_user, make_submission):
    make_case(901)
    version, figures = dashboard.figures()
    assert dashboard.figures() == (version, figures)  # kept: nothing changed
    adoptions.record_training_use(make_user("trainer"), "KB-0901", TRAINING)
    db.session.commit()
    after_use, figures = dashboard.figures()
    assert after_use > version and figures.training_uses == 1
    case, people = make_submission("published")
    after_publication, figures = dashboard.figures()
    assert after_publication > after_use and figures.case_count == 2
    freshness.mark_discontinued(people["submitter"], case.public_id, "Stopped in 2026.")
    db.session.commit()
    assert dashboard.figures()[0] > after_publication
    submissions.add_comment(people["submitter"], case.public_id, "A comment changes no figure.")
    db.session.commit()
    assert dashboard.figures()[0] == dashboard.aggregate_version()


def test_drafts_created_edited_and_submitted_leave_the_kept_figures_and_their_version_alone(make_case, make_submission):
    """A draft counts for nothing, so creating one must not queue every writer on the one version row
    (issue 13: each create and edit bumped it, the case's fields being copied from the draft)."""
    make_case(901)
    version, figures = dashboard.figures()
    case, people = make_submission("in_review", state="MH", year=2018)
    draft, _ = make_submission("draft")
    submissions.update_submission(people["submitter"], draft.public_id, {"state": "TN", "year": 2017},
                                  lock_version=draft.working_revision.lock_version)
    db.session.commit()
    assert dashboard.aggregate_version() == version and dashboard.figures() == (version, figures)
    submissions.take_action(people["reviewer"], case.public_id, "approve")
    db.session.commit()
    after, figures = dashboard.figures()
    assert after > version and figures.case_count == 2 and figures.tiles["MH"].contributed == 1
