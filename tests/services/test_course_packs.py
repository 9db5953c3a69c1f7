"""Course packs through their service functions: an institute's ordered cases, private or public."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from kb.errors import Conflict, Forbidden, NotFound, ValidationError
from kb.extensions import db
from kb.models import CoursePack, CoursePackItem
from kb.services import course_packs, submissions

PACK = {"title": "Land records module", "programme": "Foundation course 2026", "description": "Week 3.",
        "visibility": "institute"}


def pack_data(**changes):
    return {**PACK, **changes}


def ids(pack):
    return [entry.case.public_id for entry in course_packs.pack_contents(pack).entries]


@pytest.fixture
def trainer(make_user):
    return make_user("trainer")


@pytest.fixture
def pack(trainer):
    pack = course_packs.create_pack(trainer, pack_data())
    db.session.commit()
    return pack


# ---------------------------------------------------------------------------------------------------
# Making packs


def test_a_trainer_makes_a_pack_for_their_institute(trainer, pack):
    assert pack.number == 1 and pack.organization_id == trainer.organization_id
    assert (pack.title, pack.programme, pack.visibility) == ("Land records module", "Foundation course 2026",
                                                            "institute")
    second = course_packs.create_pack(trainer, pack_data(title="Second"))
    assert second.number == 2


@pytest.mark.parametrize("role", ["submitter", "reviewer", "admin"])
def test_only_trainers_make_packs(make_user, role):
    with pytest.raises(Forbidden):
        course_packs.create_pack(make_user(role), pack_data())


def test_a_trainer_without_an_ati_is_told_which_field_is_wrong(make_org, make_user):
    make_org("ka-revenue", "state_department", "KA")
    with pytest.raises(ValidationError) as error:
        course_packs.create_pack(make_user("trainer", org="ka-revenue"), pack_data())
    assert set(error.value.fields) == {"ati"}


@pytest.mark.parametrize("changes, field", [
    ({"title": " "}, "title"), ({"title": "x" * 201}, "title"), ({"visibility": "secret"}, "visibility"),
    ({"programme": "x" * 301}, "programme"), ({"description": "x" * 5001}, "description"),
])
def test_bad_pack_input_names_the_field(trainer, changes, field):
    with pytest.raises(ValidationError) as error:
        course_packs.create_pack(trainer, pack_data(**changes))
    assert field in error.value.fields


# ---------------------------------------------------------------------------------------------------
# Who sees and changes a pack


def test_a_private_pack_does_not_exist_outside_its_institute(make_user, pack):
    for outsider in (None, make_user("trainer", org="ati-yashada"), make_user("admin"), make_user("reviewer"),
                     make_user("submitter")):
        with pytest.raises(NotFound):
            course_packs.get_pack(outsider, pack.number)


def test_a_public_pack_is_seen_by_anyone_and_changed_by_its_institute_only(make_user, make_case, trainer, pack):
    make_case(901)
    course_packs.update_pack(trainer, pack.number, {"visibility": "public"})
    db.session.commit()
    assert course_packs.get_pack(None, pack.number) is pack
    for outsider in (None, make_user("trainer", org="ati-yashada"), make_user("admin")):
        with pytest.raises(Forbidden):
            course_packs.add_case(outsider, pack.number, "KB-0901")


def test_colleagues_at_the_institute_edit_but_only_the_creator_deletes(make_user, make_case, pack):
    make_case(901)
    colleague = make_user("trainer")
    course_packs.add_case(colleague, pack.number, "KB-0901", "Read before class")
    course_packs.update_pack(colleague, pack.number, {"title": "Renamed"})
    db.session.commit()
    assert pack.title == "Renamed" and ids(pack) == ["KB-0901"]
    with pytest.raises(Forbidden):
        course_packs.delete_pack(colleague, pack.number)


def test_the_creator_deletes_a_pack_with_its_items(trainer, make_case, pack):
    make_case(901)
    course_packs.add_case(trainer, pack.number, "KB-0901")
    db.session.commit()
    course_packs.delete_pack(trainer, pack.number)
    db.session.commit()
    assert db.session.query(CoursePack).count() == 0 and db.session.query(CoursePackItem).count() == 0


def test_the_pack_list_shows_own_packs_and_others_public_ones(make_user, trainer, pack):
    other = make_user("trainer", org="ati-yashada")
    theirs_public = course_packs.create_pack(other, pack_data(title="Public one", visibility="public"))
    course_packs.create_pack(other, pack_data(title="Their private one"))
    db.session.commit()
    overview = course_packs.list_packs(trainer)
    assert overview.own == [pack] and overview.public == [theirs_public]
    assert course_packs.list_packs(None).own == [] and course_packs.list_packs(None).public == [theirs_public]
    assert course_packs.packs_to_add_to(trainer) == [pack] and course_packs.packs_to_add_to(other) != [pack]
    assert course_packs.packs_to_add_to(make_user("admin")) == []


# ---------------------------------------------------------------------------------------------------
# Contents


def test_cases_are_added_in_order_with_a_note(trainer, make_case, pack):
    for number in (901, 902, 903):
        make_case(number)
    course_packs.add_case(trainer, pack.number, "KB-0902", "Start here")
    course_packs.add_case(trainer, pack.number, "kb-0901")
    course_packs.add_case(trainer, pack.number, "KB-0903")
    db.session.commit()
    contents = course_packs.pack_contents(pack)
    assert ids(pack) == ["KB-0902", "KB-0901", "KB-0903"]
    assert contents.entries[0].item.note == "Start here"
    assert contents.entries[0].permalink == "http://kb.test/cases/KB-0902/v/1"
    assert "Sample practice number 902" in contents.entries[0].citation


def test_a_case_is_in_a_pack_once(trainer, make_case, pack):
    make_case(901)
    course_packs.add_case(trainer, pack.number, "KB-0901")
    db.session.commit()
    with pytest.raises(Conflict):
        course_packs.add_case(trainer, pack.number, "KB-0901")


def test_only_published_cases_can_be_added(trainer, make_unpublished_case, pack):
    make_unpublished_case(950)
    for public_id in ("KB-0950", "KB-0999", "junk"):
        with pytest.raises(NotFound):
            course_packs.add_case(trainer, pack.number, public_id)


def test_a_note_may_not_be_overlong(trainer, make_case, pack):
    make_case(901)
    with pytest.raises(ValidationError) as error:
        course_packs.add_case(trainer, pack.number, "KB-0901", "x" * 5001)
    assert set(error.value.fields) == {"note"}


def test_cases_move_up_and_down_and_stay_put_at_the_ends(trainer, make_case, pack):
    for number in (901, 902, 903):
        make_case(number)
        course_packs.add_case(trainer, pack.number, f"KB-0{number}")
    course_packs.move_case(trainer, pack.number, "KB-0903", "up")
    assert ids(pack) == ["KB-0901", "KB-0903", "KB-0902"]
    course_packs.move_case(trainer, pack.number, "KB-0901", "down")
    assert ids(pack) == ["KB-0903", "KB-0901", "KB-0902"]
    course_packs.move_case(trainer, pack.number, "KB-0903", "up")
    course_packs.move_case(trainer, pack.number, "KB-0902", "down")
    assert ids(pack) == ["KB-0903", "KB-0901", "KB-0902"]
    with pytest.raises(ValidationError):
        course_packs.move_case(trainer, pack.number, "KB-0902", "sideways")


def test_removing_a_case_closes_the_gap(trainer, make_case, pack):
    for number in (901, 902, 903):
        make_case(number)
        course_packs.add_case(trainer, pack.number, f"KB-0{number}")
    course_packs.remove_case(trainer, pack.number, "KB-0902")
    db.session.commit()
    assert ids(pack) == ["KB-0901", "KB-0903"]
    assert [entry.item.position for entry in course_packs.pack_contents(pack).entries] == [1, 2]
    with pytest.raises(NotFound):
        course_packs.remove_case(trainer, pack.number, "KB-0902")


def test_a_note_can_be_changed(trainer, make_case, pack):
    make_case(901)
    course_packs.add_case(trainer, pack.number, "KB-0901")
    course_packs.set_note(trainer, pack.number, "KB-0901", "  Discuss in groups  ")
    assert course_packs.pack_contents(pack).entries[0].item.note == "Discuss in groups"


def test_an_archived_case_is_left_out_and_never_named(trainer, make_case, make_submission, pack):
    make_case(901)
    archived, people = make_submission("published", title="Withdrawn practice of Karnataka")
    course_packs.add_case(trainer, pack.number, "KB-0901")
    course_packs.add_case(trainer, pack.number, archived.public_id)
    db.session.commit()
    submissions.take_action(people["reviewer"], archived.public_id, "archive", note="withdrawn")
    db.session.commit()
    contents = course_packs.pack_contents(pack)
    assert ids(pack) == ["KB-0901"] and contents.hidden_count == 1
    with pytest.raises(NotFound):
        course_packs.move_case(trainer, pack.number, archived.public_id, "up")
    assert course_packs.remove_unpublished(trainer, pack.number) == 1
    db.session.commit()
    assert course_packs.pack_contents(pack).hidden_count == 0


def test_moving_skips_over_cases_that_are_left_out(trainer, make_case, make_submission, pack):
    make_case(901)
    archived, people = make_submission("published")
    make_case(903)
    for public_id in ("KB-0901", archived.public_id, "KB-0903"):
        course_packs.add_case(trainer, pack.number, public_id)
    db.session.commit()
    submissions.take_action(people["reviewer"], archived.public_id, "archive", note="withdrawn")
    course_packs.move_case(trainer, pack.number, "KB-0903", "up")
    assert ids(pack) == ["KB-0903", "KB-0901"]


def test_the_packs_holding_a_case_are_listed_as_the_viewer_may_see_them(make_user, trainer, make_case, pack):
    case = make_case(901)
    course_packs.add_case(trainer, pack.number, "KB-0901")
    public = course_packs.create_pack(trainer, pack_data(title="Open pack", visibility="public"))
    course_packs.add_case(trainer, public.number, "KB-0901")
    db.session.commit()
    assert course_packs.packs_containing(trainer, case) == [pack, public]
    assert course_packs.packs_containing(None, case) == [public]
    assert course_packs.packs_containing(make_user("trainer", org="ati-yashada"), case) == [public]


# ---------------------------------------------------------------------------------------------------
# The PDF


def test_the_pack_downloads_as_a_pdf_with_every_case_title(trainer, make_case, make_submission, pack):
    make_case(901, title="Bhoomi land record kiosks")
    make_case(902, title="ई-डिस्ट्रिक्ट सेवाएँ", language="hi")
    archived, people = make_submission("published", title="Withdrawn practice of Karnataka")
    for public_id in ("KB-0901", "KB-0902", archived.public_id):
        course_packs.add_case(trainer, pack.number, public_id, "Read before the session")
    db.session.commit()
    submissions.take_action(people["reviewer"], archived.public_id, "archive", note="withdrawn")
    db.session.commit()
    _, pdf = course_packs.pack_pdf(trainer, pack.number)
    assert pdf.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Bhoomi land record kiosks" in text
    assert "Land records module" in text
    assert "Withdrawn practice" not in text
    assert "http://kb.test/cases/KB-0901/v/1" in text.replace("\n", "")


def test_a_private_packs_pdf_is_not_found_outside_the_institute(make_user, pack):
    with pytest.raises(NotFound):
        course_packs.pack_pdf(make_user("trainer", org="ati-yashada"), pack.number)
