"""The training institutes' screens as people see them: the case page's adoption and teaching sections,
institute and state pages, teaching note forms and course packs (handout page, editor, PDF)."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from kb.extensions import db
from kb.models import CoursePack, TeachingNote, TrainingUse
from kb.services import adoptions, course_packs, submissions, teaching
from tests.conftest import csrf_token_for

TRAINING = {"programme": "Foundation course", "date": "2026-01-15", "participants": "30", "mode": "online",
            "rating": "4", "notes": ""}
NOTE = {"objectives": "Explain the kiosk model", "discussion_questions": "Why did queues vanish?",
        "duration_minutes": "60", "activities": "Read\nDiscuss", "exercises": "Plan a rollout"}


def text_of(response) -> str:
    return response.get_data(as_text=True)


def csrf(client, path: str | None = None) -> str:
    return csrf_token_for(client, path)


def post(client, path: str, data: dict | None = None, **kwargs):
    return client.post(path, data={**(data or {}), "csrf_token": csrf(client)}, **kwargs)


@pytest.fixture
def browser(app, login_as):
    """A fresh test client for one person (None: an anonymous visitor), so that people never share cookies."""

    def open_as(user=None):
        client = app.test_client()
        if user is not None:
            login_as(client, user)
        return client

    return open_as


# ---------------------------------------------------------------------------------------------------
# The case page


def test_an_anonymous_visitor_sees_adoption_counts_but_no_teaching_notes_or_forms(client, make_case, make_user):
    make_case(901)
    adoptions.record_training_use(make_user("trainer"), "KB-0901", TRAINING)
    teaching.write_teaching_note(make_user("trainer"), "KB-0901", NOTE)
    db.session.commit()
    page = text_of(client.get("/cases/KB-0901"))
    assert "Used in 1 training programme" in page and "by 1 institute" in page
    assert "Replicated in 0 states" in page
    assert 'href="/institutes/ati-mcrhrdi"' in page and "Foundation course" in page
    assert "Teach this case" not in page and "Explain the kiosk model" not in page
    assert "Record that your institute used this case" not in page
    assert "Add to course pack" not in page


def test_the_counts_say_how_many_programmes_institutes_and_states(client, make_case, make_user):
    make_case(901, state="TN")
    adoptions.record_training_use(make_user("trainer"), "KB-0901", TRAINING)
    adoptions.record_training_use(make_user("trainer"), "KB-0901", {**TRAINING, "programme": "Refresher"})
    adoptions.record_training_use(make_user("trainer", org="ati-yashada"), "KB-0901", TRAINING)
    adoptions.record_replication(make_user("submitter"), "KB-0901",
                                 {"status": "piloting", "contact_name": "Director"})
    db.session.commit()
    page = text_of(client.get("/cases/KB-0901"))
    assert re.search(r"Used in 3 training programmes\s+by 2 institutes", page)
    assert "Replicated in 1 state" in page and 'href="/states/KA"' in page and "Piloting" in page


def test_a_trainer_sees_the_forms_and_the_teaching_notes_with_the_authors_institute(
        client, login_as, make_case, make_user):
    make_case(901)
    author = make_user("trainer", org="ati-yashada")
    teaching.write_teaching_note(author, "KB-0901", NOTE)
    db.session.commit()
    login_as(client, make_user("trainer"))
    page = text_of(client.get("/cases/KB-0901"))
    assert "Teach this case" in page and "Explain the kiosk model" in page and "Ati Yashada" in page
    assert "60 minutes" in page and "<li>Discuss</li>" in page
    assert 'action="/cases/KB-0901/adoptions/training"' in page
    assert 'href="/cases/KB-0901/teaching-notes/new"' in page
    assert "/teaching-notes/" not in page.replace("/teaching-notes/new", ""), "no edit link on another's note"


def test_a_submitter_sees_no_teaching_notes_but_may_record_their_states_replication(
        client, login_as, make_case, make_user):
    make_case(901, state="TN")
    teaching.write_teaching_note(make_user("trainer"), "KB-0901", NOTE)
    db.session.commit()
    login_as(client, make_user("submitter"))
    page = text_of(client.get("/cases/KB-0901"))
    assert "Teach this case" not in page
    assert 'action="/cases/KB-0901/adoptions/replication"' in page
    assert 'action="/cases/KB-0901/adoptions/training"' not in page


def test_a_submitter_of_the_cases_own_state_gets_no_replication_form(client, login_as, make_case, make_user):
    make_case(901, state="KA")
    login_as(client, make_user("submitter"))
    assert 'action="/cases/KB-0901/adoptions/replication"' not in text_of(client.get("/cases/KB-0901"))


def test_reviewers_read_teaching_notes_too(client, login_as, make_case, make_user):
    make_case(901)
    teaching.write_teaching_note(make_user("trainer"), "KB-0901", NOTE)
    db.session.commit()
    login_as(client, make_user("reviewer"))
    page = text_of(client.get("/cases/KB-0901"))
    assert "Teach this case" in page and "Explain the kiosk model" in page
    assert "Add your teaching notes" not in page


# ---------------------------------------------------------------------------------------------------
# Recording training use in the browser


def test_a_trainer_records_training_use_with_the_form(client, login_as, make_case, make_user):
    make_case(901)
    login_as(client, make_user("trainer"))
    response = post(client, "/cases/KB-0901/adoptions/training", TRAINING)
    assert response.status_code == 302 and response.headers["Location"].endswith("/cases/KB-0901#adoption")
    use = db.session.scalar(select(TrainingUse))
    assert (use.programme, use.participants, use.mode, use.rating) == ("Foundation course", 30, "online", 4)
    page = text_of(client.get("/cases/KB-0901"))
    assert "Recorded: your institute used this case in “Foundation course”." in page


def test_bad_training_input_is_shown_again_with_the_reasons(client, login_as, make_case, make_user):
    make_case(901)
    login_as(client, make_user("trainer"))
    response = post(client, "/cases/KB-0901/adoptions/training",
                    {**TRAINING, "participants": "-5", "date": "2999-12-31"})
    page = text_of(response)
    assert response.status_code == 400
    assert "cannot be negative" in page and "is in the future" in page
    assert 'value="Foundation course"' in page, "what was typed is kept"
    assert db.session.scalar(select(TrainingUse)) is None


def test_the_same_programme_and_date_twice_is_a_conflict(client, login_as, make_case, make_user):
    make_case(901)
    login_as(client, make_user("trainer"))
    post(client, "/cases/KB-0901/adoptions/training", TRAINING)
    response = post(client, "/cases/KB-0901/adoptions/training", TRAINING)
    assert response.status_code == 409 and "already recorded" in text_of(response)


def test_anonymous_visitors_are_asked_to_log_in(client, make_case):
    make_case(901)
    response = post(client, "/cases/KB-0901/adoptions/training", TRAINING)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_submitter_posting_the_training_form_is_refused(client, login_as, make_case, make_user):
    make_case(901)
    login_as(client, make_user("submitter"))
    assert post(client, "/cases/KB-0901/adoptions/training", TRAINING).status_code == 403


def test_the_form_refuses_a_post_without_its_csrf_token(client, login_as, make_case, make_user):
    make_case(901)
    login_as(client, make_user("trainer"))
    assert client.post("/cases/KB-0901/adoptions/training", data=TRAINING).status_code == 400
    assert db.session.scalar(select(TrainingUse)) is None


def test_the_recorder_removes_their_training_record(browser, make_case, make_user):
    make_case(901)
    trainer = make_user("trainer")
    use = adoptions.record_training_use(trainer, "KB-0901", TRAINING)
    db.session.commit()
    assert post(browser(make_user("trainer")), f"/training-uses/{use.id}/delete").status_code == 403
    client = browser(trainer)
    assert f'action="/training-uses/{use.id}/delete"' in text_of(client.get("/cases/KB-0901"))
    assert post(client, f"/training-uses/{use.id}/delete").status_code == 302
    assert db.session.scalar(select(TrainingUse)) is None


# ---------------------------------------------------------------------------------------------------
# Replications


def test_a_submitter_records_and_updates_their_states_replication(client, login_as, make_case, make_user):
    make_case(901, state="TN")
    login_as(client, make_user("submitter"))
    response = post(client, "/cases/KB-0901/adoptions/replication",
                    {"status": "exploring", "contact_name": "Director", "adaptations": "Panchayat kiosks"})
    assert response.status_code == 302
    record = db.session.scalar(select(adoptions.Replication))
    page = text_of(client.get("/cases/KB-0901"))
    assert f'href="/replications/{record.id}"' in page and "Update your state’s record" in page
    response = post(client, f"/replications/{record.id}",
                    {"status": "adopted", "contact_name": "Director", "note": "Statewide now"})
    assert response.status_code == 302
    page = text_of(client.get(f"/replications/{record.id}"))
    assert "Exploring → Adopted" in page and "Statewide now" in page


def test_a_replication_page_is_public_but_only_its_state_may_update_it(client, login_as, make_case, make_user,
                                                                       make_org):
    make_case(901, state="TN")
    record = adoptions.record_replication(make_user("submitter"), "KB-0901",
                                          {"status": "piloting", "contact_name": "Director"})
    db.session.commit()
    page = text_of(client.get(f"/replications/{record.id}"))
    assert "Replication in Karnataka" in page and "Update this record" not in page
    make_org("mh-it", "state_department", "MH")
    login_as(client, make_user("submitter", org="mh-it"))
    assert post(client, f"/replications/{record.id}", {"status": "adopted", "contact_name": "X"}).status_code == 403


def test_a_state_page_lists_what_it_replicated_and_where_its_practices_went(client, make_case, make_user):
    make_case(901, state="TN", title="Tamil Nadu e-Sevai centres")
    make_case(902, state="KA", title="Karnataka land record kiosks")
    adoptions.record_replication(make_user("submitter"), "KB-0901", {"status": "adopted", "contact_name": "D"})
    db.session.commit()
    karnataka = text_of(client.get("/states/KA"))
    assert "Practices Karnataka replicates" in karnataka and "Tamil Nadu e-Sevai centres" in karnataka
    assert "Karnataka land record kiosks" in karnataka, "what it contributed is still listed"
    tamil_nadu = text_of(client.get("/states/TN"))
    assert "Where practices of Tamil Nadu were taken up" in tamil_nadu and "Adopted" in tamil_nadu


# ---------------------------------------------------------------------------------------------------
# Teaching notes


def test_a_trainer_writes_edits_and_deletes_teaching_notes(client, login_as, make_case, make_user):
    make_case(901)
    trainer = make_user("trainer")
    login_as(client, trainer)
    assert client.get("/cases/KB-0901/teaching-notes/new").status_code == 200
    response = post(client, "/cases/KB-0901/teaching-notes/new", NOTE)
    assert response.status_code == 302 and response.headers["Location"].endswith("#teach")
    note = db.session.scalar(select(TeachingNote))
    assert f'href="/teaching-notes/{note.id}/edit"' in text_of(client.get("/cases/KB-0901"))
    assert post(client, f"/teaching-notes/{note.id}/edit", {**NOTE, "exercises": "Role play"}).status_code == 302
    db.session.refresh(note)
    assert note.exercises == "Role play"
    assert post(client, f"/teaching-notes/{note.id}/delete").status_code == 302
    assert db.session.scalar(select(TeachingNote)) is None


def test_an_empty_teaching_note_is_shown_again_with_the_reason(client, login_as, make_case, make_user):
    make_case(901)
    login_as(client, make_user("trainer"))
    response = post(client, "/cases/KB-0901/teaching-notes/new", {"duration_minutes": "0"})
    assert response.status_code == 400
    assert "write at least the learning objectives" in text_of(response)


def test_another_trainer_cannot_edit_a_note(client, login_as, make_case, make_user):
    make_case(901)
    note = teaching.write_teaching_note(make_user("trainer"), "KB-0901", NOTE)
    db.session.commit()
    login_as(client, make_user("trainer"))
    assert client.get(f"/teaching-notes/{note.id}/edit").status_code == 403
    assert post(client, f"/teaching-notes/{note.id}/edit", NOTE).status_code == 403
    assert post(client, f"/teaching-notes/{note.id}/delete").status_code == 403


def test_a_submitter_cannot_even_find_a_note(client, login_as, make_case, make_user):
    make_case(901)
    note = teaching.write_teaching_note(make_user("trainer"), "KB-0901", NOTE)
    db.session.commit()
    login_as(client, make_user("submitter"))
    assert client.get(f"/teaching-notes/{note.id}/edit").status_code == 404


# ---------------------------------------------------------------------------------------------------
# Institutes


def test_an_institute_page_lists_what_it_used_and_its_public_packs(client, browser, make_case, make_user):
    make_case(901, title="Bhoomi kiosks")
    trainer = make_user("trainer")
    adoptions.record_training_use(trainer, "KB-0901", TRAINING)
    teaching.write_teaching_note(trainer, "KB-0901", NOTE)
    course_packs.create_pack(trainer, {"title": "Open pack", "visibility": "public"})
    course_packs.create_pack(trainer, {"title": "Internal pack"})
    db.session.commit()
    page = text_of(client.get("/institutes/ati-mcrhrdi"))
    assert "Ati Mcrhrdi" in page and "Bhoomi kiosks" in page and "Foundation course" in page
    assert "Open pack" in page and "Internal pack" not in page
    assert "Teaching notes written here" not in page
    page = text_of(browser(trainer).get("/institutes/ati-mcrhrdi"))
    assert "Internal pack" in page and "Teaching notes written here" in page


def test_only_training_institutes_have_a_page(client, make_org):
    make_org("ka-revenue", "state_department", "KA")
    assert client.get("/institutes/ka-revenue").status_code == 404
    assert client.get("/institutes/nowhere").status_code == 404


# ---------------------------------------------------------------------------------------------------
# Course packs


@pytest.fixture
def trainer(make_user):
    return make_user("trainer")


def make_pack(trainer, **fields):
    pack = course_packs.create_pack(trainer, {"title": "Land records module", "programme": "Foundation course",
                                              **fields})
    db.session.commit()
    return pack


def test_a_trainer_makes_a_pack_and_is_taken_to_its_editor(client, login_as, trainer):
    login_as(client, trainer)
    assert 'action="/packs"' in text_of(client.get("/packs"))
    response = post(client, "/packs", {"title": "Week 3", "programme": "Induction", "visibility": "institute"})
    pack = db.session.scalar(select(CoursePack))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/packs/{pack.number}/edit")


def test_a_pack_without_a_title_is_shown_again(client, login_as, trainer):
    login_as(client, trainer)
    response = post(client, "/packs", {"title": "", "programme": "Induction"})
    assert response.status_code == 400 and 'value="Induction"' in text_of(response)


def test_cases_are_added_from_the_case_page_and_from_search_results(client, login_as, library, trainer):
    pack = make_pack(trainer)
    login_as(client, trainer)
    case_page = text_of(client.get("/cases/KB-0001"))
    assert "Add to course pack" in case_page and f'<option value="{pack.number}">' in case_page
    response = post(client, "/packs/add", {"pack": str(pack.number), "case": "KB-0001", "note": "Start here",
                                           "next": "/cases/KB-0001#adoption"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/cases/KB-0001#adoption")
    editor = text_of(client.get(f"/packs/{pack.number}/edit?q=land+records"))
    assert "In this pack" in editor
    found = re.findall(r'name="case" value="(KB-\d+)"', editor)
    assert found, "search results offer an Add button"
    assert post(client, f"/packs/{pack.number}/items", {"case": found[0]}).status_code == 302
    assert [e.case.public_id for e in course_packs.pack_contents(pack).entries] == ["KB-0001", found[0]]


def test_adding_a_case_twice_says_so(client, login_as, make_case, trainer):
    make_case(901)
    pack = make_pack(trainer)
    login_as(client, trainer)
    post(client, f"/packs/{pack.number}/items", {"case": "KB-0901"})
    response = post(client, f"/packs/{pack.number}/items", {"case": "KB-0901"})
    assert response.status_code == 409 and "already in this course pack" in text_of(response)


def test_cases_are_reordered_with_buttons_and_removed(client, login_as, make_case, trainer):
    pack = make_pack(trainer)
    for number in (901, 902, 903):
        make_case(number)
        course_packs.add_case(trainer, pack.number, f"KB-0{number}")
    db.session.commit()
    login_as(client, trainer)
    editor = text_of(client.get(f"/packs/{pack.number}/edit"))
    assert editor.count(" disabled>") == 2, "the first cannot go up, the last cannot go down"
    assert post(client, f"/packs/{pack.number}/items/KB-0903/move", {"direction": "up"}).status_code == 302
    assert post(client, f"/packs/{pack.number}/items/KB-0901/remove").status_code == 302
    handout = text_of(client.get(f"/packs/{pack.number}"))
    assert handout.index("Sample practice number 903") < handout.index("Sample practice number 902")
    assert "Sample practice number 901" not in handout


def test_a_note_is_saved_and_shown_in_the_handout(client, login_as, make_case, trainer):
    make_case(901)
    pack = make_pack(trainer)
    course_packs.add_case(trainer, pack.number, "KB-0901")
    db.session.commit()
    login_as(client, trainer)
    post(client, f"/packs/{pack.number}/items/KB-0901/note", {"note": "Discuss in groups of five"})
    handout = text_of(client.get(f"/packs/{pack.number}"))
    assert "Trainer’s note" in handout and "Discuss in groups of five" in handout


def test_the_handout_ends_each_case_with_its_citation_and_permalink(client, make_case, trainer):
    make_case(901)
    make_case(902)
    pack = make_pack(trainer, visibility="public")
    course_packs.add_case(trainer, pack.number, "KB-0901")
    course_packs.add_case(trainer, pack.number, "KB-0902")
    db.session.commit()
    page = text_of(client.get(f"/packs/{pack.number}"))
    assert 'class="handout"' in page
    articles = re.findall(r'<article class="case handout-case".*?</article>', page, re.S)
    assert len(articles) == 2
    for number, article in zip((901, 902), articles):
        footer = re.search(r'<footer class="handout-reference">.*?</footer>', article, re.S).group(0)
        assert article.rstrip().endswith("</footer>\n  </article>") or article.rstrip().endswith("</article>")
        assert f"http://kb.test/cases/KB-0{number}/v/1" in footer and "Cite this case" in footer
        assert article.index("<footer") > article.index('class="case-body"')
    assert f"http://kb.test/packs/{pack.number}" in page, "the pack's own shareable address is printed"


def test_a_private_pack_is_not_found_outside_its_institute(browser, make_case, make_user, trainer):
    make_case(901)
    pack = make_pack(trainer)
    course_packs.add_case(trainer, pack.number, "KB-0901")
    db.session.commit()
    for path in (f"/packs/{pack.number}", f"/packs/{pack.number}/handout.pdf"):
        assert browser().get(path).status_code == 404
    outsider = browser(make_user("trainer", org="ati-yashada"))
    for path in (f"/packs/{pack.number}", f"/packs/{pack.number}/handout.pdf", f"/packs/{pack.number}/edit"):
        assert outsider.get(path).status_code == 404
    assert post(outsider, f"/packs/{pack.number}/items", {"case": "KB-0901"}).status_code == 404
    assert browser(make_user("admin")).get(f"/packs/{pack.number}").status_code == 404
    assert browser(make_user("trainer")).get(f"/packs/{pack.number}").status_code == 200, "a colleague sees it"


def test_a_public_pack_is_read_by_anyone_but_edited_only_by_its_institute(client, browser, make_user, trainer):
    pack = make_pack(trainer, visibility="public")
    assert client.get(f"/packs/{pack.number}").status_code == 200
    assert "Edit this pack" not in text_of(client.get(f"/packs/{pack.number}"))
    assert pack.title in text_of(client.get("/packs"))
    client = browser(make_user("trainer", org="ati-yashada"))
    assert client.get(f"/packs/{pack.number}/edit").status_code == 403
    assert post(client, f"/packs/{pack.number}/settings", {"title": "Mine now"}).status_code == 403


def test_only_the_creator_sees_and_uses_the_delete_button(browser, make_user, trainer):
    pack = make_pack(trainer)
    client = browser(make_user("trainer"))
    assert "Delete course pack" not in text_of(client.get(f"/packs/{pack.number}/edit"))
    assert post(client, f"/packs/{pack.number}/delete").status_code == 403
    client = browser(trainer)
    assert "Delete course pack" in text_of(client.get(f"/packs/{pack.number}/edit"))
    unconfirmed = post(client, f"/packs/{pack.number}/delete")
    assert unconfirmed.status_code == 400 and "tick the box to confirm" in text_of(unconfirmed)
    assert db.session.scalar(select(CoursePack)) is not None, "nothing is deleted without the tick"
    assert post(client, f"/packs/{pack.number}/delete", {"confirm": "yes"}).status_code == 302
    assert db.session.scalar(select(CoursePack)) is None


def test_settings_are_changed_and_a_bad_value_is_explained(client, login_as, trainer):
    pack = make_pack(trainer)
    login_as(client, trainer)
    response = post(client, f"/packs/{pack.number}/settings", {"title": "New title", "visibility": "everyone"})
    assert response.status_code == 400 and 'value="New title"' in text_of(response)
    assert post(client, f"/packs/{pack.number}/settings",
                {"title": "New title", "visibility": "public"}).status_code == 302
    db.session.refresh(pack)
    assert (pack.title, pack.visibility) == ("New title", "public")


def test_an_archived_case_is_skipped_with_a_notice_and_never_leaked(browser, make_case, make_submission, trainer):
    make_case(901)
    archived, people = make_submission("published", title="Withdrawn practice of Karnataka")
    pack = make_pack(trainer, visibility="public")
    course_packs.add_case(trainer, pack.number, "KB-0901")
    course_packs.add_case(trainer, pack.number, archived.public_id)
    db.session.commit()
    submissions.take_action(people["reviewer"], archived.public_id, "archive", note="withdrawn")
    db.session.commit()
    for viewer in (None, trainer):
        client = browser(viewer)
        page = text_of(client.get(f"/packs/{pack.number}"))
        assert "1 case in this pack is no longer published and is left out." in page
        assert "Withdrawn practice" not in page and archived.public_id not in page
        pdf = client.get(f"/packs/{pack.number}/handout.pdf").data
        assert "Withdrawn practice" not in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    editor = text_of(client.get(f"/packs/{pack.number}/edit"))
    assert "Withdrawn practice" not in editor
    assert post(client, f"/packs/{pack.number}/prune").status_code == 302
    assert "left out" not in text_of(client.get(f"/packs/{pack.number}"))


def test_the_pack_downloads_as_a_pdf_with_the_cases_titles(client, login_as, make_case, trainer):
    make_case(901, title="Bhoomi land record kiosks")
    make_case(902, title="Grievance redressal by phone")
    pack = make_pack(trainer)
    course_packs.add_case(trainer, pack.number, "KB-0901", "Read first")
    course_packs.add_case(trainer, pack.number, "KB-0902")
    db.session.commit()
    login_as(client, trainer)
    response = client.get(f"/packs/{pack.number}/handout.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="course-pack-{pack.number}.pdf"' in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"], "a private pack is not cached on the way"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Bhoomi land record kiosks" in text and "Grievance redressal by phone" in text
    assert "Land records module" in text
