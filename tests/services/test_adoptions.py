"""Adoption records through their service functions: who may record, change, see and remove what."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError, IntegrityError

from kb.errors import Conflict, Forbidden, NotFound, ValidationError
from kb.extensions import db
from kb.models import ReplicationEvent, TrainingUse
from kb.services import adoptions, submissions

TRAINING = {"programme": "Induction course for Deputy Collectors", "date": "2026-01-15", "participants": 32,
            "mode": "classroom", "notes": "Used as the opening case.", "rating": 5}
REPLICATION = {"status": "exploring", "adaptations": "Kiosks in gram panchayat offices instead of taluks.",
               "outcome": "Study visit done.", "contact_name": "Director, e-Governance",
               "contact_email": "director@example.org", "contact_phone": "+91 80 2222 3333"}


def training(**changes):
    return {**TRAINING, **changes}


def replication(**changes):
    return {**REPLICATION, **changes}


# ---------------------------------------------------------------------------------------------------
# Used in training: who may record


def test_a_trainer_records_that_their_institute_used_a_case(make_case, make_user):
    make_case(901)
    trainer = make_user("trainer")
    use = adoptions.record_training_use(trainer, "KB-0901", training())
    db.session.commit()
    assert use.organization_id == trainer.organization_id and use.recorded_by_id == trainer.id
    assert (use.programme, use.held_on, use.participants, use.mode, use.rating) == (
        "Induction course for Deputy Collectors", dt.date(2026, 1, 15), 32, "classroom", 5)


@pytest.mark.parametrize("role", ["submitter", "reviewer", "admin"])
def test_only_trainers_record_training_use(make_case, make_user, role):
    make_case(901)
    with pytest.raises(Forbidden):
        adoptions.record_training_use(make_user(role), "KB-0901", training())


def test_an_anonymous_caller_cannot_record_training_use(make_case):
    make_case(901)
    with pytest.raises(Forbidden):
        adoptions.record_training_use(None, "KB-0901", training())


def test_a_trainer_without_an_ati_is_told_which_field_is_wrong(make_case, make_org, make_user):
    make_case(901)
    make_org("ka-revenue", "state_department", "KA")
    trainer = make_user("trainer", org="ka-revenue")
    with pytest.raises(ValidationError) as error:
        adoptions.record_training_use(trainer, "KB-0901", training())
    assert set(error.value.fields) == {"ati"}


def test_a_deactivated_trainer_cannot_record(make_case, make_user):
    make_case(901)
    trainer = make_user("trainer")
    trainer.active = False
    with pytest.raises(Forbidden):
        adoptions.record_training_use(trainer, "KB-0901", training())


@pytest.mark.parametrize("public_id", ["KB-0999", "nonsense"])
def test_an_unknown_case_is_not_found(make_user, public_id):
    with pytest.raises(NotFound):
        adoptions.record_training_use(make_user("trainer"), public_id, training())


def test_an_unpublished_case_cannot_be_adopted(make_unpublished_case, make_user):
    make_unpublished_case(950)
    with pytest.raises(NotFound):
        adoptions.record_training_use(make_user("trainer"), "KB-0950", training())


# ---------------------------------------------------------------------------------------------------
# Used in training: validation and duplicates


@pytest.mark.parametrize("changes, field", [
    ({"participants": -3}, "participants"),
    ({"participants": 0}, "participants"),
    ({"participants": "many"}, "participants"),
    ({"participants": 2.5}, "participants"),
    ({"participants": True}, "participants"),
    ({"participants": None}, "participants"),
    ({"date": "2999-01-01"}, "date"),
    ({"date": "15/01/2026"}, "date"),
    ({"date": ""}, "date"),
    ({"date": "1970-01-01"}, "date"),
    ({"programme": "   "}, "programme"),
    ({"programme": "x" * 301}, "programme"),
    ({"mode": "correspondence"}, "mode"),
    ({"rating": 6}, "rating"),
    ({"rating": 0}, "rating"),
    ({"notes": "x" * 5001}, "notes"),
])
def test_bad_training_input_names_the_field(make_case, make_user, changes, field):
    make_case(901)
    with pytest.raises(ValidationError) as error:
        adoptions.record_training_use(make_user("trainer"), "KB-0901", training(**changes))
    assert field in error.value.fields


def test_negative_participants_are_explained(make_case, make_user):
    make_case(901)
    with pytest.raises(ValidationError) as error:
        adoptions.record_training_use(make_user("trainer"), "KB-0901", training(participants=-1))
    assert error.value.fields["participants"] == "cannot be negative"


def test_today_in_india_is_not_the_future(make_case, make_user):
    make_case(901)
    use = adoptions.record_training_use(make_user("trainer"), "KB-0901",
                                        training(date=adoptions.today_in_india().isoformat()))
    assert use.held_on == adoptions.today_in_india()


def test_mode_and_rating_are_optional(make_case, make_user):
    make_case(901)
    use = adoptions.record_training_use(make_user("trainer"), "KB-0901",
                                        {"programme": "Short course", "date": "2025-03-02", "participants": "20"})
    assert (use.mode, use.rating, use.notes, use.participants) == ("classroom", None, "", 20)


def test_the_same_programme_and_date_is_recorded_once_per_institute(make_case, make_user):
    make_case(901)
    trainer, colleague = make_user("trainer"), make_user("trainer")
    adoptions.record_training_use(trainer, "KB-0901", training())
    db.session.commit()
    with pytest.raises(Conflict) as error:
        adoptions.record_training_use(colleague, "KB-0901",
                                      training(programme="  induction COURSE for deputy   collectors "))
    assert "programme" in error.value.fields


def test_another_date_another_institute_or_another_case_is_not_a_duplicate(make_case, make_user):
    make_case(901)
    make_case(902)
    trainer, other_ati = make_user("trainer"), make_user("trainer", org="ati-yashada")
    adoptions.record_training_use(trainer, "KB-0901", training())
    adoptions.record_training_use(trainer, "KB-0901", training(date="2026-01-16"))
    adoptions.record_training_use(other_ati, "KB-0901", training())
    adoptions.record_training_use(trainer, "KB-0902", training())
    db.session.commit()
    assert db.session.scalar(select(db.func.count()).select_from(TrainingUse)) == 4


def test_the_database_refuses_a_duplicate_that_slips_past_the_check(make_case, make_user):
    case = make_case(901)
    trainer = make_user("trainer")
    use = adoptions.record_training_use(trainer, "KB-0901", training())
    db.session.commit()
    db.session.add(TrainingUse(case_id=case.id, organization_id=use.organization_id, programme="Again",
                               programme_key=use.programme_key, held_on=use.held_on, participants=3))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


# ---------------------------------------------------------------------------------------------------
# Used in training: reading and removing


def test_anyone_may_list_training_uses_newest_first(make_case, make_user):
    make_case(901)
    trainer = make_user("trainer")
    adoptions.record_training_use(trainer, "KB-0901", training(date="2025-05-01", programme="Older"))
    adoptions.record_training_use(trainer, "KB-0901", training(date="2026-02-01", programme="Newer"))
    db.session.commit()
    page = adoptions.list_training_uses("KB-0901", page=1, per_page=1)
    assert page.total == 2 and [use.programme for use in page.items] == ["Newer"]
    assert adoptions.count_training_uses(page.items[0].case) == 2


def test_the_case_page_summary_counts_programmes_and_institutes(make_case, make_user):
    case = make_case(901)
    first, colleague, other = make_user("trainer"), make_user("trainer"), make_user("trainer", org="ati-yashada")
    adoptions.record_training_use(first, "KB-0901", training())
    adoptions.record_training_use(colleague, "KB-0901", training(programme="Refresher"))
    adoptions.record_training_use(other, "KB-0901", training())
    db.session.commit()
    summary = adoptions.case_adoption(case)
    assert (summary.programme_count, summary.institute_count, summary.state_count) == (3, 2, 0)


def test_the_recorder_may_remove_a_training_record(make_case, make_user):
    make_case(901)
    trainer = make_user("trainer")
    use = adoptions.record_training_use(trainer, "KB-0901", training())
    db.session.commit()
    adoptions.remove_training_use(trainer, use.id)
    db.session.commit()
    assert db.session.get(TrainingUse, use.id) is None


def test_an_admin_may_remove_a_training_record(make_case, make_user):
    make_case(901)
    use = adoptions.record_training_use(make_user("trainer"), "KB-0901", training())
    db.session.commit()
    case = adoptions.remove_training_use(make_user("admin"), use.id)
    db.session.commit()
    assert db.session.get(TrainingUse, use.id) is None
    assert case.public_id == "KB-0901" and adoptions.count_training_uses(case) == 0


@pytest.mark.parametrize("who", ["colleague", "reviewer", "submitter", "anonymous"])
def test_nobody_else_may_remove_a_training_record(make_case, make_user, who):
    make_case(901)
    use = adoptions.record_training_use(make_user("trainer"), "KB-0901", training())
    db.session.commit()
    user = None if who == "anonymous" else make_user("trainer" if who == "colleague" else who)
    with pytest.raises(Forbidden):
        adoptions.remove_training_use(user, use.id)


def test_an_institute_lists_what_it_used(make_case, make_user):
    make_case(901, title="Land record kiosks")
    trainer = make_user("trainer")
    adoptions.record_training_use(trainer, "KB-0901", training())
    db.session.commit()
    institute = adoptions.get_institute("ati-mcrhrdi")
    assert [use.case.published_revision.title for use in adoptions.institute_training_uses(institute)] == [
        "Land record kiosks"]


def test_only_training_institutes_have_an_institute_page(make_org):
    make_org("ka-revenue", "state_department", "KA")
    with pytest.raises(NotFound):
        adoptions.get_institute("ka-revenue")
    with pytest.raises(NotFound):
        adoptions.get_institute("no-such-institute")


def test_adoptions_of_an_archived_case_are_not_shown(make_submission, make_user):
    case, people = make_submission("published")
    trainer = make_user("trainer")
    adoptions.record_training_use(trainer, case.public_id, training())
    db.session.commit()
    submissions.take_action(people["reviewer"], case.public_id, "archive", note="withdrawn by the state")
    db.session.commit()
    assert adoptions.institute_training_uses(trainer.organization) == []
    with pytest.raises(NotFound):
        adoptions.list_training_uses(case.public_id)


# ---------------------------------------------------------------------------------------------------
# Replicated by a state


def test_a_submitter_of_another_state_records_a_replication(make_case, make_user):
    make_case(901, state="TN")
    submitter = make_user("submitter")  # Karnataka
    record = adoptions.record_replication(submitter, "KB-0901", replication())
    db.session.commit()
    assert record.state.code == "KA" and record.status == "exploring"
    assert record.contact_email == "director@example.org"
    assert [(e.from_status, e.status) for e in record.events] == [(None, "exploring")]


def test_a_central_case_may_be_replicated_by_any_state(make_case, make_user):
    make_case(901, state=None)
    record = adoptions.record_replication(make_user("submitter"), "KB-0901", replication())
    assert record.state.code == "KA"


def test_a_state_cannot_replicate_its_own_case(make_case, make_user):
    make_case(901, state="KA")
    with pytest.raises(Forbidden):
        adoptions.record_replication(make_user("submitter"), "KB-0901", replication())


@pytest.mark.parametrize("role", ["trainer", "reviewer", "admin"])
def test_only_submitters_record_replications(make_case, make_user, role):
    make_case(901, state="TN")
    with pytest.raises(Forbidden):
        adoptions.record_replication(make_user(role), "KB-0901", replication())


def test_a_submitter_without_a_state_is_told_which_field_is_wrong(make_case, make_org, make_user):
    make_case(901, state="TN")
    make_org("nodal-agency", "nodal_agency", None)
    with pytest.raises(ValidationError) as error:
        adoptions.record_replication(make_user("submitter", org="nodal-agency"), "KB-0901", replication())
    assert set(error.value.fields) == {"state"}


def test_a_users_own_state_counts_before_their_organisations(make_case, make_org, make_user):
    make_case(901, state="TN")
    make_org("nodal-agency", "nodal_agency", None)
    record = adoptions.record_replication(make_user("submitter", org="nodal-agency", state_code="MH"),
                                          "KB-0901", replication())
    assert record.state.code == "MH"


@pytest.mark.parametrize("changes, field", [
    ({"status": "thinking"}, "status"),
    ({"status": ""}, "status"),
    ({"contact_name": ""}, "contact_name"),
    ({"contact_email": "not-an-email"}, "contact_email"),
    ({"contact_phone": "call me"}, "contact_phone"),
    ({"outcome": "x" * 5001}, "outcome"),
])
def test_bad_replication_input_names_the_field(make_case, make_user, changes, field):
    make_case(901, state="TN")
    with pytest.raises(ValidationError) as error:
        adoptions.record_replication(make_user("submitter"), "KB-0901", replication(**changes))
    assert field in error.value.fields


def test_a_state_records_a_case_once_and_then_changes_its_status(make_case, make_user):
    make_case(901, state="TN")
    submitter, colleague = make_user("submitter"), make_user("submitter")
    record = adoptions.record_replication(submitter, "KB-0901", replication())
    db.session.commit()
    with pytest.raises(Conflict):
        adoptions.record_replication(colleague, "KB-0901", replication(status="piloting"))
    db.session.rollback()
    adoptions.update_replication(colleague, record.id, {"status": "piloting", "note": "Two districts."})
    adoptions.update_replication(submitter, record.id, {"status": "adopted", "outcome": "Statewide since March."})
    db.session.commit()
    record = adoptions.get_replication(record.id)
    assert record.status == "adopted" and record.outcome == "Statewide since March."
    assert [(e.from_status, e.status, e.note) for e in record.events] == [
        (None, "exploring", ""), ("exploring", "piloting", "Two districts."), ("piloting", "adopted", "")]


def test_editing_details_without_a_new_status_adds_no_history(make_case, make_user):
    make_case(901, state="TN")
    submitter = make_user("submitter")
    record = adoptions.record_replication(submitter, "KB-0901", replication())
    adoptions.update_replication(submitter, record.id, {"adaptations": "Also in urban wards."})
    db.session.commit()
    assert len(record.events) == 1 and record.adaptations == "Also in urban wards."


@pytest.mark.parametrize("who", ["other_state_submitter", "trainer", "reviewer", "anonymous"])
def test_only_the_replicating_state_or_an_admin_changes_the_record(make_case, make_org, make_user, who):
    make_case(901, state="TN")
    record = adoptions.record_replication(make_user("submitter"), "KB-0901", replication())
    db.session.commit()
    if who == "other_state_submitter":
        make_org("mh-it", "state_department", "MH")
        user = make_user("submitter", org="mh-it")
    else:
        user = None if who == "anonymous" else make_user(who)
    with pytest.raises(Forbidden):
        adoptions.update_replication(user, record.id, {"status": "discontinued"})
    adoptions.update_replication(make_user("admin"), record.id, {"status": "discontinued", "note": "Correction"})


def test_a_status_change_is_validated(make_case, make_user):
    make_case(901, state="TN")
    submitter = make_user("submitter")
    record = adoptions.record_replication(submitter, "KB-0901", replication())
    with pytest.raises(ValidationError) as error:
        adoptions.update_replication(submitter, record.id, {"status": "finished"})
    assert "status" in error.value.fields


def test_replication_history_is_append_only_in_the_database(make_case, make_user):
    make_case(901, state="TN")
    record = adoptions.record_replication(make_user("submitter"), "KB-0901", replication())
    db.session.commit()
    event_id = db.session.scalar(select(ReplicationEvent.id).where(ReplicationEvent.replication_id == record.id))
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("UPDATE replication_events SET note = 'rewritten' WHERE id = :id"), {"id": event_id})
    db.session.rollback()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("DELETE FROM replication_events WHERE id = :id"), {"id": event_id})
    db.session.rollback()


def test_state_pages_list_what_a_state_replicates_and_where_its_cases_went(make_case, make_user):
    make_case(901, state="TN", title="Tamil Nadu e-Sevai")
    adoptions.record_replication(make_user("submitter"), "KB-0901", replication(status="piloting"))
    db.session.commit()
    from kb.services.catalog import get_state

    assert [r.case.published_revision.title for r in adoptions.state_replications(get_state("KA"))] == [
        "Tamil Nadu e-Sevai"]
    assert [r.state.code for r in adoptions.replications_of_state_cases(get_state("TN"))] == ["KA"]
    assert adoptions.state_replications(get_state("TN")) == []


def test_unknown_replications_are_not_found(app):
    with pytest.raises(NotFound):
        adoptions.get_replication(12345)
