"""Who may do what: the only module that decides.

Questions read like sentences (``can_view_submission(user, case)``, ``may(user, "approve", case)``);
``authorize`` turns the answer into the error each medium maps: 404 when the caller may not even see the
submission (indistinguishable from a missing one), 403 when they may see it but not do this. Whether the
*state* allows an action (409) is the workflow's question (``kb.workflow.check_transition``), asked after
this one, so a trainer poking at any submission gets 404 and a submitter trying to approve gets 403
whatever the state.

Anonymous visitors are passed as ``None``.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kb.errors import Forbidden, NotFound
from kb.models import Case, OrganizationKind, Revision, RevisionStatus, Role, User
from kb.workflow import EDITABLE_STATES, OPEN_STATES, REVIEWER_VISIBLE_STATES, TRANSITIONS

PUBLIC_STATUSES = frozenset({RevisionStatus.published, RevisionStatus.superseded})


def _acting(user: User | None) -> bool:
    return user is not None and user.can_act


def is_admin(user: User | None) -> bool:
    return _acting(user) and user.role == Role.admin


def is_curator(user: User | None) -> bool:
    """A reviewer or an admin."""
    return _acting(user) and user.role in (Role.reviewer, Role.admin)


def is_own_submitter(user: User | None, case: Case) -> bool:
    """A submitter of the organisation the case belongs to."""
    return (_acting(user) and user.role == Role.submitter and user.organization_id is not None
            and user.organization_id == case.organization_id)


def is_independent_reviewer(user: User | None, case: Case) -> bool:
    """A reviewer or admin who is not of the case's organisation and wrote none of its revisions."""
    if not is_curator(user):
        return False
    if user.organization_id is not None and user.organization_id == case.organization_id:
        return False
    return all(revision.author_id != user.id for revision in case.revisions)


def is_claimant(user: User | None, case: Case) -> bool:
    """The independent reviewer who claimed the working revision, or an independent admin.

    Outside review nobody holds a claim, so any independent reviewer counts: deciding on a submission that
    is not in review is then a matter of state (409, "claim it first"), not of permission."""
    if not is_independent_reviewer(user, case):
        return False
    revision = case.working_revision
    if user.role == Role.admin or revision is None or revision.status != RevisionStatus.in_review:
        return True
    return revision.claimed_by_id == user.id


_RELATIONS = {
    "own_submitter": is_own_submitter,
    "independent_reviewer": is_independent_reviewer,
    "claimant": is_claimant,
    "curator": lambda user, case: is_curator(user),
}

# Actions on a submission that are not state transitions, with the relation they need.
_OTHER_ACTIONS = {
    "edit": "own_submitter",
    "attach": "own_submitter",
    "new_revision": "own_submitter",
    "comment": None,  # anyone who can see the submission and takes part in its review (see may())
}


# ---------------------------------------------------------------------------------------------------
# Questions


def can_create_submission(user: User | None) -> bool:
    return (_acting(user) and user.role == Role.submitter and user.organization is not None
            and user.organization.kind in (OrganizationKind.state_department, OrganizationKind.nodal_agency))


def can_view_submission(user: User | None, case: Case) -> bool:
    """May the user see the submission (the working revision, its history and comments)?"""
    if not _acting(user):
        return False
    if is_admin(user) or is_own_submitter(user, case):
        return True
    if user.role == Role.reviewer:
        revision = case.working_revision
        return revision is not None and revision.status in REVIEWER_VISIBLE_STATES
    return False


def is_public_revision(revision: Revision) -> bool:
    """A version the public may read: the live one or a superseded one of a case that is still published
    (archiving a case withdraws all its versions, as its version pages do)."""
    return revision.status in PUBLIC_STATUSES and revision.case.is_published


def can_view_revision(user: User | None, revision: Revision) -> bool:
    """Public versions to anyone; any other only to those who see the submission."""
    return is_public_revision(revision) or can_view_submission(user, revision.case)


def may(user: User | None, action: str, case: Case) -> bool:
    """May the user perform ``action`` on the case, leaving aside whether its current state allows it?"""
    if action in TRANSITIONS:
        return _RELATIONS[TRANSITIONS[action].actor](user, case)
    if action == "comment":
        return can_view_submission(user, case) and (is_own_submitter(user, case) or is_curator(user))
    relation = _OTHER_ACTIONS.get(action)
    if relation is None:
        raise ValueError(f"unknown action {action!r}")
    return _RELATIONS[relation](user, case)


def can_use_review_queue(user: User | None) -> bool:
    return is_curator(user)


def can_administer(user: User | None) -> bool:
    return is_admin(user)


def can_manage_account(user: User | None, account: User) -> bool:
    """May the user approve, change the role of, deactivate or reactivate this account? An admin may,
    except on their own account (so the last admin cannot lock everyone out by mistake)."""
    return is_admin(user) and user.id != account.id


def can_list_own_submissions(user: User | None) -> bool:
    """Does "My submissions" mean anything to the user (a submitter of an organisation)?"""
    return _acting(user) and user.role == Role.submitter and user.organization_id is not None


def allowed_actions(user: User | None, case: Case) -> list[str]:
    """The transitions the user may take on the case in its current state (buttons to show)."""
    revision = case.working_revision
    if revision is None:
        return []
    return [name for name, transition in TRANSITIONS.items()
            if revision.status in transition.sources and may(user, name, case)]


def allowed_changes(user: User | None, case: Case) -> set[str]:
    """The other things the user may do to the submission now (links and forms to show): ``edit`` and
    ``attach`` while it is a draft or sent back for changes, ``new_revision`` on a published case with no
    version open, ``comment``. The service functions check the same rules when the action is taken."""
    revision = case.working_revision
    if revision is None or not can_view_submission(user, case):
        return set()
    changes = set()
    if revision.status in EDITABLE_STATES:
        changes |= {action for action in ("edit", "attach") if may(user, action, case)}
    if case.is_published and revision.status not in OPEN_STATES and may(user, "new_revision", case):
        changes.add("new_revision")
    if may(user, "comment", case):
        changes.add("comment")
    return changes


# ---------------------------------------------------------------------------------------------------
# Enforcement


def authorize(user: User | None, action: str, case: Case) -> None:
    """Raise NotFound if the user may not see the submission, Forbidden if they may not do ``action``.

    ``archive`` acts on a public case, so it needs no view of the submission first.
    """
    visible = can_view_submission(user, case) or (action == "archive" and case.is_published)
    if not visible:
        raise NotFound(_l("No submission %(id)s.", id=case.public_id))
    if not may(user, action, case):
        raise Forbidden(_FORBIDDEN_REASONS.get(action, _NOT_ALLOWED))


def authorize_view(user: User | None, case: Case) -> None:
    if not can_view_submission(user, case):
        raise NotFound(_l("No submission %(id)s.", id=case.public_id))


_NOT_ALLOWED = _l("You may not do this.")
_FORBIDDEN_REASONS = {
    "submit": _l("Only a submitter of the case's organisation may submit it."),
    "withdraw": _l("Only a submitter of the case's organisation may withdraw it."),
    "edit": _l("Only a submitter of the case's organisation may edit it."),
    "attach": _l("Only a submitter of the case's organisation may attach files."),
    "new_revision": _l("Only a submitter of the case's organisation may open a new version."),
    "claim": _l("Only a reviewer from another organisation, who wrote none of it, may review this case."),
    "request_changes": _l("Only the reviewer who claimed this submission may decide on it."),
    "approve": _l("Only the reviewer who claimed this submission may decide on it."),
    "reject": _l("Only the reviewer who claimed this submission may decide on it."),
    "archive": _l("Only a reviewer or an admin may archive a case."),
    "comment": _l("Only the submitting organisation and reviewers may comment."),
}


# ---------------------------------------------------------------------------------------------------
# Adoption and teaching: training institutes (ATIs) and states
#
# Membership that the caller can fix (a trainer whose account has no institute, a submitter whose
# account has no state) is not a permission question: the services answer it with a 400 naming the
# field. Everything else is decided here.


def home_state_id(user: User | None) -> int | None:
    """The state a user acts for: their own if the account names one, else their organisation's."""
    if user is None:
        return None
    if user.state_id is not None:
        return user.state_id
    return user.organization.state_id if user.organization is not None else None


def is_trainer(user: User | None) -> bool:
    return _acting(user) and user.role == Role.trainer


def is_submitter(user: User | None) -> bool:
    return _acting(user) and user.role == Role.submitter


def belongs_to_an_ati(user: User | None) -> bool:
    return user is not None and user.organization is not None and user.organization.kind == OrganizationKind.ati


def can_record_training_use(user: User | None) -> bool:
    """A trainer of an ATI records that their institute used a case in a programme."""
    return is_trainer(user) and belongs_to_an_ati(user)


def can_remove_training_use(user: User | None, use) -> bool:
    """The trainer who recorded it, or an admin."""
    return is_admin(user) or (is_trainer(user) and use.recorded_by_id == user.id)


def can_record_replication(user: User | None, case: Case) -> bool:
    """A submitter of another state than the case's records that their state takes it up."""
    state_id = home_state_id(user)
    return is_submitter(user) and state_id is not None and state_id != case.state_id


def can_update_replication(user: User | None, replication) -> bool:
    """A submitter of the replicating state (it is that state's record), or an admin."""
    return is_admin(user) or (is_submitter(user) and home_state_id(user) == replication.state_id)


def can_read_teaching_notes(user: User | None) -> bool:
    """Teaching notes are for trainers; reviewers and admins see them too (they look after the library)."""
    return _acting(user) and user.role in (Role.trainer, Role.reviewer, Role.admin)


def can_write_teaching_notes(user: User | None) -> bool:
    return is_trainer(user) and belongs_to_an_ati(user)


def can_edit_teaching_note(user: User | None, note) -> bool:
    """Only its author."""
    return is_trainer(user) and note.author_id == user.id


def can_delete_teaching_note(user: User | None, note) -> bool:
    """Its author, or an admin."""
    return is_admin(user) or can_edit_teaching_note(user, note)


def can_create_course_pack(user: User | None) -> bool:
    return is_trainer(user) and belongs_to_an_ati(user)


def can_view_course_pack(user: User | None, pack) -> bool:
    """A public pack: anyone. A private one: the people of its institute only."""
    return pack.is_public or (_acting(user) and user.organization_id == pack.organization_id)


def can_edit_course_pack(user: User | None, pack) -> bool:
    """Any trainer of the pack's institute: the pack belongs to the institute."""
    return is_trainer(user) and user.organization_id == pack.organization_id


def can_delete_course_pack(user: User | None, pack) -> bool:
    """Only the trainer who created it (and only while they are of its institute)."""
    return can_edit_course_pack(user, pack) and pack.created_by_id == user.id
