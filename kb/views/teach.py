"""Training institutes' screens: adoption records, teaching notes, course packs, institute pages.

The case page's view (``kb.views.public``) asks ``teach_panel(case)`` for what ``teach/_case_panel.html``
shows: both kinds of adoption, the forms the visitor may use, teaching notes for those who may read them
and the course packs a trainer may add the case to. The state page's view asks ``state_adoption``. Both
are computed here, from the services and ``kb.permissions``; templates only display them.

Every change is a POST that calls one service function and commits once; a refused form is shown again
with the reasons and what was typed (400/403/409), and a success redirects (POST/redirect/GET).
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from kb import permissions
from kb.errors import KbError, ValidationError
from kb.extensions import db
from kb.models import (
    Case,
    CoursePack,
    Replication,
    ReplicationStatus,
    State,
    TeachingNote,
    User,
)
from kb.services import adoptions, catalog, course_packs, teaching
from kb.validation import whole_number
from kb.views.safety import safe_next_path

teach = Blueprint("teach", __name__)

FIELD_LABELS = {
    "programme": _l("Programme"), "date": _l("Date"), "participants": _l("Participants"), "mode": _l("Mode"),
    "rating": _l("Usefulness (1–5)"), "notes": _l("Notes"), "ati": _l("Training institute"),
    "status": _l("Status"), "adaptations": _l("What was adapted"), "outcome": _l("Outcome so far"),
    "contact_name": _l("Contact name"), "contact_email": _l("Contact email"), "contact_phone": _l("Contact phone"),
    "state": _l("State"), "note": _l("Note"), "objectives": _l("Learning objectives"),
    "discussion_questions": _l("Discussion questions"), "duration_minutes": _l("Session length (minutes)"),
    "activities": _l("Activities"), "exercises": _l("Exercises"), "title": _l("Title"),
    "description": _l("Description"), "visibility": _l("Who can see it"), "case": _l("Case"),
    "direction": _l("Direction"), "confirm": _l("Confirmation"),
}


def _user() -> User | None:
    return current_user._get_current_object() if current_user.is_authenticated else None


def _form() -> dict:
    return {key: value for key, value in request.form.items() if key != "csrf_token"}


# ---------------------------------------------------------------------------------------------------
# What the case page and the state page show


@dataclasses.dataclass
class TeachPanel:
    adoption: adoptions.CaseAdoption
    removable_uses: set[int]
    can_record_training: bool
    trainer_without_ati: bool
    can_record_replication: bool
    own_replication: Replication | None
    notes: list[TeachingNote] | None  # None: the visitor may not read teaching notes
    editable_notes: set[int]
    deletable_notes: set[int]
    can_write_note: bool
    own_note: TeachingNote | None
    packs_to_add_to: list[CoursePack]
    packs_containing: list[CoursePack]
    today: dt.date


def teach_panel(case: Case) -> TeachPanel:
    user = _user()
    adoption = adoptions.case_adoption(case)
    state_id = permissions.home_state_id(user)
    notes = teaching.notes_on(case) if permissions.can(user, "read_teaching_notes") else None
    own_note = next((n for n in notes or [] if user is not None and n.author_id == user.id), None)
    return TeachPanel(
        adoption=adoption,
        removable_uses={use.id for use in adoption.training_uses if permissions.can(user, "remove", use)},
        can_record_training=permissions.can(user, "record_training_use", case),
        trainer_without_ati=permissions.is_trainer_without_an_ati(user),
        can_record_replication=permissions.can(user, "record_replication", case),
        own_replication=next((r for r in adoption.replications if state_id is not None and r.state_id == state_id),
                             None),
        notes=notes,
        editable_notes={n.id for n in notes or [] if permissions.can(user, "edit", n)},
        deletable_notes={n.id for n in notes or [] if permissions.can(user, "delete", n)},
        can_write_note=permissions.can(user, "write_teaching_notes"),
        own_note=own_note,
        packs_to_add_to=course_packs.packs_to_add_to(user),
        packs_containing=course_packs.packs_containing(user, case),
        today=adoptions.today_in_india(),
    )


@dataclasses.dataclass
class StateAdoption:
    replicated: list[Replication]  # cases of other states this state takes up
    taken_up_elsewhere: list[Replication]  # this state's cases that other states take up


def state_adoption(state: State) -> StateAdoption:
    return StateAdoption(replicated=adoptions.state_replications(state),
                         taken_up_elsewhere=adoptions.replications_of_state_cases(state))


# ---------------------------------------------------------------------------------------------------
# Used in training


@teach.route("/cases/<public_id>/adoptions/training", methods=["GET", "POST"])
@login_required
def record_training_use(public_id: str):
    case = catalog.get_published_case(public_id)
    if request.method == "GET":
        return _training_form(case, {}, None)
    try:
        adoptions.record_training_use(_user(), case.public_id, _form())
        db.session.commit()
    except KbError as error:
        db.session.rollback()
        return _training_form(case, _form(), error), error.status
    flash(_("Recorded: your institute used this case in “%(programme)s”.",
            programme=" ".join(request.form.get("programme", "").split())), "success")
    return redirect(url_for("public.case_page", public_id=case.public_id, _anchor="adoption"))


def _training_form(case: Case, values: dict, error: KbError | None):
    user = _user()
    return render_template("teach/record_training.html", case=case, values=values, error=error,
                           today=adoptions.today_in_india(), allowed=permissions.can(user, "record_training_use", case),
                           trainer_without_ati=permissions.is_trainer_without_an_ati(user))


@teach.post("/training-uses/<int:use_id>/delete")
@login_required
def remove_training_use(use_id: int):
    case = adoptions.remove_training_use(_user(), use_id)
    db.session.commit()
    flash(_("The training record was removed."), "success")
    return redirect(url_for("public.case_page", public_id=case.public_id, _anchor="adoption"))


# ---------------------------------------------------------------------------------------------------
# Replicated by a state


@teach.route("/cases/<public_id>/adoptions/replication", methods=["GET", "POST"])
@login_required
def record_replication(public_id: str):
    case = catalog.get_published_case(public_id)
    if request.method == "GET":
        return _replication_form(case, {}, None)
    try:
        replication = adoptions.record_replication(_user(), case.public_id, _form())
        db.session.commit()
    except KbError as error:
        db.session.rollback()
        return _replication_form(case, _form(), error), error.status
    flash(_("Recorded for %(state)s: %(status)s.", state=replication.state.name,
            status=ReplicationStatus(replication.status).label), "success")
    return redirect(url_for("public.case_page", public_id=case.public_id, _anchor="adoption"))


def _replication_form(case: Case, values: dict, error: KbError | None):
    user = _user()
    return render_template("teach/record_replication.html", case=case, values=values, error=error,
                           allowed=permissions.can(user, "record_replication", case),
                           without_state=permissions.is_submitter(user) and permissions.home_state_id(user) is None)


@teach.get("/replications/<int:replication_id>")
def replication_page(replication_id: int):
    replication = adoptions.get_replication(replication_id)
    return _replication_page(replication, adoptions.replication_fields(replication), None)


@teach.post("/replications/<int:replication_id>")
@login_required
def update_replication(replication_id: int):
    try:
        replication = adoptions.update_replication(_user(), replication_id, _form())
        db.session.commit()
    except KbError as error:
        db.session.rollback()
        replication = adoptions.get_replication(replication_id)
        return _replication_page(replication, _form(), error), error.status
    flash(_("The record was updated."), "success")
    return redirect(url_for(".replication_page", replication_id=replication.id))


def _replication_page(replication: Replication, values: dict, error: KbError | None):
    return render_template("teach/replication.html", replication=replication, values=values, error=error,
                           can_update=permissions.can(_user(), "update", replication))


# ---------------------------------------------------------------------------------------------------
# Teaching notes


@teach.route("/cases/<public_id>/teaching-notes/new", methods=["GET", "POST"])
@login_required
def new_teaching_note(public_id: str):
    case = catalog.get_published_case(public_id)
    if request.method == "GET":
        return _note_form(case, None, teaching.teaching_note_fields(None), None)
    try:
        teaching.write_teaching_note(_user(), case.public_id, _form())
        db.session.commit()
    except KbError as error:
        db.session.rollback()
        return _note_form(case, None, _form(), error), error.status
    flash(_("Your teaching notes were saved."), "success")
    return redirect(url_for("public.case_page", public_id=case.public_id, _anchor="teach"))


@teach.route("/teaching-notes/<int:note_id>/edit", methods=["GET", "POST"])
@login_required
def edit_teaching_note(note_id: int):
    note = teaching.get_teaching_note(_user(), note_id)
    if request.method == "GET":
        if not permissions.can(_user(), "edit", note):
            return _note_form(note.case, note, teaching.teaching_note_fields(note), None), 403
        return _note_form(note.case, note, teaching.teaching_note_fields(note), None)
    try:
        teaching.update_teaching_note(_user(), note_id, _form())
        db.session.commit()
    except KbError as error:
        db.session.rollback()
        return _note_form(note.case, note, _form(), error), error.status
    flash(_("Your teaching notes were saved."), "success")
    return redirect(url_for("public.case_page", public_id=note.case.public_id, _anchor="teach"))


@teach.post("/teaching-notes/<int:note_id>/delete")
@login_required
def delete_teaching_note(note_id: int):
    case = teaching.delete_teaching_note(_user(), note_id)
    db.session.commit()
    flash(_("The teaching notes were deleted."), "success")
    return redirect(url_for("public.case_page", public_id=case.public_id, _anchor="teach"))


def _note_form(case: Case, note: TeachingNote | None, values: dict, error: KbError | None):
    user = _user()
    allowed = (permissions.can(user, "edit", note) if note is not None
               else permissions.can(user, "write_teaching_notes"))
    return render_template("teach/note_form.html", case=case, note=note, values=values, error=error,
                           allowed=allowed, trainer_without_ati=permissions.is_trainer(user)
                           and not permissions.belongs_to_an_ati(user))


# ---------------------------------------------------------------------------------------------------
# Institutes


@teach.get("/institutes/<slug>")
def institute_page(slug: str):
    user = _user()
    institute = adoptions.get_institute(slug)
    uses = adoptions.institute_training_uses(institute)
    notes = teaching.notes_by_institute(institute) if permissions.can(user, "read_teaching_notes") else None
    return render_template("teach/institute.html", institute=institute, uses=uses,
                           case_count=len({use.case_id for use in uses}),
                           participant_count=sum(use.participants for use in uses),
                           packs=course_packs.public_packs_of(institute, user), notes=notes)


# ---------------------------------------------------------------------------------------------------
# Course packs


@teach.get("/packs")
def pack_index():
    user = _user()
    return render_template("packs/index.html", overview=course_packs.list_packs(user),
                           can_create=permissions.can(user, "create_course_pack"),
                           trainer_without_ati=permissions.is_trainer_without_an_ati(user),
                           values=course_packs.pack_fields(None), error=None)


@teach.post("/packs")
@login_required
def create_pack():
    user = _user()
    try:
        pack = course_packs.create_pack(user, _form())
        db.session.commit()
    except KbError as error:
        db.session.rollback()
        return render_template("packs/index.html", overview=course_packs.list_packs(user),
                               can_create=permissions.can(user, "create_course_pack"), trainer_without_ati=False,
                               values=_form(), error=error), error.status
    flash(_("Course pack %(number)s created. Add cases from search results or from a case page.",
            number=pack.number), "success")
    return redirect(url_for(".edit_pack", number=pack.number))


@teach.get("/packs/<int:number>")
def show_pack(number: int):
    user = _user()
    pack = course_packs.get_pack(user, number)
    return render_template("packs/show.html", pack=pack, contents=course_packs.pack_contents(pack),
                           can_edit=permissions.can(user, "edit", pack))


@teach.get("/packs/<int:number>/handout.pdf")
def pack_pdf(number: int):
    pack, pdf = course_packs.pack_pdf(_user(), number, locale=str(get_locale()))
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="course-pack-{pack.number}.pdf"'
    if not pack.is_public:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@teach.get("/packs/<int:number>/edit")
@login_required
def edit_pack(number: int):
    return _edit_page(course_packs.get_editable_pack(_user(), number))


def _edit_page(pack: CoursePack, *, settings: dict | None = None, error: KbError | None = None, status: int = 200):
    """The pack editor: its settings, its cases (notes, order, removal) and a search to add cases."""
    user = _user()
    q = request.args.get("q", "").strip()
    results = None
    if q:
        page, _per_page = catalog.parse_paging(request.args.get("page"), None)
        results = catalog.search_cases(q, page=page, per_page=10)
    contents = course_packs.pack_contents(pack)
    return render_template("packs/edit.html", pack=pack, contents=contents, q=q, results=results,
                           in_pack={entry.case.id for entry in contents.entries},
                           values=settings if settings is not None else course_packs.pack_fields(pack),
                           error=error, can_delete=permissions.can(user, "delete", pack)), status


def _pack_action(number: int, action, message: str | None, anchor: str | None = None, *, settings: bool = False):
    """Run one change to a pack; on refusal show the editor again with the reason (and what was typed)."""
    try:
        action()
        db.session.commit()
    except KbError as error:
        db.session.rollback()
        pack = course_packs.get_editable_pack(_user(), number)
        return _edit_page(pack, settings=_form() if settings else None, error=error, status=error.status)
    if message:
        flash(message, "success")
    return redirect(safe_next_path(request.form.get("next"), default="")
                    or url_for(".edit_pack", number=number, _anchor=anchor))


@teach.post("/packs/<int:number>/settings")
@login_required
def update_pack(number: int):
    return _pack_action(number, lambda: course_packs.update_pack(_user(), number, _form()),
                        _("The course pack was saved."), settings=True)


@teach.post("/packs/<int:number>/delete")
@login_required
def delete_pack(number: int):
    """Deleting a pack (its notes and order go with it) needs the confirming tick on the form."""
    if request.form.get("confirm") != "yes":
        pack = course_packs.get_editable_pack(_user(), number)
        permissions.authorize(_user(), "delete", pack)  # 403 before asking for the tick
        error = ValidationError(_("Not deleted: confirm first."),
                                {"confirm": _("tick the box to confirm that the pack should be deleted")})
        return _edit_page(pack, error=error, status=400)
    course_packs.delete_pack(_user(), number)
    db.session.commit()
    flash(_("Course pack %(number)s was deleted.", number=number), "success")
    return redirect(url_for(".pack_index"))


@teach.post("/packs/<int:number>/items")
@login_required
def add_to_pack(number: int):
    public_id = request.form.get("case", "")
    return _pack_action(number, lambda: course_packs.add_case(_user(), number, public_id,
                                                              request.form.get("note", "")),
                        _("%(id)s was added to the course pack.", id=public_id.upper()), "items")


@teach.post("/packs/add")
@login_required
def add_to_chosen_pack():
    """The case page's "Add to course pack" form: the pack is chosen in the form."""
    number = request.form.get("pack", "")
    if whole_number(number) is None:
        flash(_("Choose a course pack."), "error")
        return redirect(safe_next_path(request.form.get("next"), default=url_for(".pack_index")))
    return add_to_pack(whole_number(number))


@teach.post("/packs/<int:number>/items/<public_id>/move")
@login_required
def move_in_pack(number: int, public_id: str):
    return _pack_action(number, lambda: course_packs.move_case(_user(), number, public_id,
                                                               request.form.get("direction", "")),
                        None, f"item-{public_id.upper()}")


@teach.post("/packs/<int:number>/items/<public_id>/note")
@login_required
def note_in_pack(number: int, public_id: str):
    return _pack_action(number, lambda: course_packs.set_note(_user(), number, public_id,
                                                              request.form.get("note", "")),
                        _("The note was saved."), f"item-{public_id.upper()}")


@teach.post("/packs/<int:number>/items/<public_id>/remove")
@login_required
def remove_from_pack(number: int, public_id: str):
    return _pack_action(number, lambda: course_packs.remove_case(_user(), number, public_id),
                        _("%(id)s was removed from the course pack.", id=public_id.upper()), "items")


@teach.post("/packs/<int:number>/prune")
@login_required
def prune_pack(number: int):
    return _pack_action(number, lambda: course_packs.remove_unpublished(_user(), number),
                        _("Cases that are no longer published were removed."), "items")
