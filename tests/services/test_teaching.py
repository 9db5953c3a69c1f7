"""Teaching notes through their service functions: trainers read all, authors edit their own."""
from __future__ import annotations

import pytest

from kb.errors import Conflict, Forbidden, NotFound, ValidationError
from kb.extensions import db
from kb.models import TeachingNote
from kb.services import teaching

NOTE = {
    "objectives": "Explain why queues formed at the tahsil office\n\nList the steps of digitising records",
    "discussion_questions": "What would you do first in your district?",
    "duration_minutes": "90",
    "activities": "Read the case (20 min)\r\nGroup discussion (40 min)\nPlenary (30 min)",
    "exercises": "Draft a rollout plan for two districts.",
}


def note(**changes):
    return {**NOTE, **changes}


def test_a_trainer_writes_teaching_notes_with_their_institute(make_case, make_user):
    make_case(901)
    trainer = make_user("trainer")
    written = teaching.write_teaching_note(trainer, "KB-0901", note())
    db.session.commit()
    assert written.organization.slug == "ati-mcrhrdi" and written.author_id == trainer.id
    assert written.objective_list == ["Explain why queues formed at the tahsil office",
                                      "List the steps of digitising records"]
    assert written.activity_list == ["Read the case (20 min)", "Group discussion (40 min)", "Plenary (30 min)"]
    assert written.duration_minutes == 90


@pytest.mark.parametrize("role", ["submitter", "reviewer", "admin"])
def test_only_trainers_write_teaching_notes(make_case, make_user, role):
    make_case(901)
    with pytest.raises(Forbidden):
        teaching.write_teaching_note(make_user(role), "KB-0901", note())


def test_a_trainer_without_an_ati_is_told_which_field_is_wrong(make_case, make_org, make_user):
    make_case(901)
    make_org("ka-revenue", "state_department", "KA")
    with pytest.raises(ValidationError) as error:
        teaching.write_teaching_note(make_user("trainer", org="ka-revenue"), "KB-0901", note())
    assert set(error.value.fields) == {"ati"}


def test_notes_need_some_content(make_case, make_user):
    make_case(901)
    with pytest.raises(ValidationError) as error:
        teaching.write_teaching_note(make_user("trainer"), "KB-0901", {"duration_minutes": 60})
    assert "objectives" in error.value.fields


@pytest.mark.parametrize("minutes", ["0", "-30", "two hours", "2000", True])
def test_the_session_length_is_a_sensible_number_of_minutes(make_case, make_user, minutes):
    make_case(901)
    with pytest.raises(ValidationError) as error:
        teaching.write_teaching_note(make_user("trainer"), "KB-0901", note(duration_minutes=minutes))
    assert set(error.value.fields) == {"duration_minutes"}


def test_overlong_text_is_refused(make_case, make_user):
    make_case(901)
    with pytest.raises(ValidationError) as error:
        teaching.write_teaching_note(make_user("trainer"), "KB-0901", note(exercises="x" * 10_001))
    assert set(error.value.fields) == {"exercises"}


def test_a_trainer_has_one_note_per_case(make_case, make_user):
    make_case(901)
    trainer = make_user("trainer")
    teaching.write_teaching_note(trainer, "KB-0901", note())
    db.session.commit()
    with pytest.raises(Conflict):
        teaching.write_teaching_note(trainer, "KB-0901", note())


def test_notes_on_unpublished_cases_cannot_be_written(make_unpublished_case, make_user):
    make_unpublished_case(950)
    with pytest.raises(NotFound):
        teaching.write_teaching_note(make_user("trainer"), "KB-0950", note())


@pytest.mark.parametrize("role", ["trainer", "reviewer", "admin"])
def test_every_trainer_reviewer_and_admin_reads_every_note(make_case, make_user, role):
    make_case(901)
    teaching.write_teaching_note(make_user("trainer", org="ati-yashada"), "KB-0901", note())
    db.session.commit()
    notes = teaching.list_teaching_notes(make_user(role), "KB-0901")
    assert [n.organization.slug for n in notes] == ["ati-yashada"]


@pytest.mark.parametrize("who", ["submitter", "anonymous"])
def test_submitters_and_anonymous_visitors_do_not_read_notes(make_case, make_user, who):
    make_case(901)
    written = teaching.write_teaching_note(make_user("trainer"), "KB-0901", note())
    db.session.commit()
    user = None if who == "anonymous" else make_user(who)
    with pytest.raises(Forbidden):
        teaching.list_teaching_notes(user, "KB-0901")
    with pytest.raises(NotFound):
        teaching.get_teaching_note(user, written.id)


def test_only_the_author_edits_a_note(make_case, make_user):
    make_case(901)
    author, colleague, admin = make_user("trainer"), make_user("trainer"), make_user("admin")
    written = teaching.write_teaching_note(author, "KB-0901", note())
    db.session.commit()
    for other in (colleague, admin):
        with pytest.raises(Forbidden):
            teaching.update_teaching_note(other, written.id, note(exercises="Changed"))
    teaching.update_teaching_note(author, written.id, note(exercises="Role play", duration_minutes=""))
    db.session.commit()
    assert written.exercises == "Role play" and written.duration_minutes is None


def test_an_edit_is_validated(make_case, make_user):
    make_case(901)
    author = make_user("trainer")
    written = teaching.write_teaching_note(author, "KB-0901", note())
    with pytest.raises(ValidationError):
        teaching.update_teaching_note(author, written.id, {"objectives": "", "discussion_questions": ""})


def test_the_author_or_an_admin_deletes_a_note(make_case, make_user):
    make_case(901)
    make_case(902)
    author = make_user("trainer")
    first = teaching.write_teaching_note(author, "KB-0901", note())
    second = teaching.write_teaching_note(author, "KB-0902", note())
    db.session.commit()
    with pytest.raises(Forbidden):
        teaching.delete_teaching_note(make_user("trainer"), first.id)
    with pytest.raises(Forbidden):
        teaching.delete_teaching_note(make_user("reviewer"), first.id)
    teaching.delete_teaching_note(author, first.id)
    teaching.delete_teaching_note(make_user("admin"), second.id)
    db.session.commit()
    assert db.session.query(TeachingNote).count() == 0


def test_an_institute_lists_the_notes_written_there(make_case, make_user):
    make_case(901)
    trainer = make_user("trainer")
    teaching.write_teaching_note(trainer, "KB-0901", note())
    db.session.commit()
    assert [n.case.public_id for n in teaching.notes_by_institute(trainer.organization)] == ["KB-0901"]
