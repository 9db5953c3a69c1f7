"""Who may do what: the only module that decides.

One question, ``can(user, action, thing)``, answered from one table per kind of thing (``POLICIES``: the
site itself, a case, a training record, a replication, a teaching note, a course pack, an account), in
the manner of InvenioRDM's permission policies. Each entry names who may act (a rule built from the
relations below, which read like sentences: ``is_own_submitter(user, case)``), who may even see the thing,
and the reason given to those who may see it but not act. ``authorize`` turns the answer into the error
each medium maps: 404 when the caller may not even see the thing (indistinguishable from a missing one),
403 with the reason when they may see it but not do this. Whether the *state* allows an action (409) is
the workflow's question (``kb.workflow.check_transition``), asked after this one, so a trainer poking at
any submission gets 404 and a submitter trying to approve gets 403 whatever the state.

Membership the user can fix (a trainer whose account has no institute, a submitter whose account names no
state) is not a permission: the services answer it with a 400 naming the field.

Anonymous visitors are passed as ``None``.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable

from flask_babel import lazy_gettext as _l

from kb.errors import Forbidden, NotFound
from kb.models import (
    Alert, Case, CoursePack, OrganizationKind, Replication, Revision, RevisionStatus, Role, TeachingNote, TrainingUse, User,
)
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


def is_trainer(user: User | None) -> bool:
    return _acting(user) and user.role == Role.trainer


def is_submitter(user: User | None) -> bool:
    return _acting(user) and user.role == Role.submitter


def belongs_to_an_ati(user: User | None) -> bool:
    return user is not None and user.organization is not None and user.organization.kind == OrganizationKind.ati


def is_trainer_without_an_ati(user: User | None) -> bool:
    """A trainer whose account names no training institute: told so (400), not refused (403)."""
    return is_trainer(user) and not belongs_to_an_ati(user)


def home_state_id(user: User | None) -> int | None:
    """The state a user acts for: their own if the account names one, else their organisation's."""
    if user is None:
        return None
    if user.state_id is not None:
        return user.state_id
    return user.organization.state_id if user.organization is not None else None


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


# ---------------------------------------------------------------------------------------------------
# The policies: one table per kind of thing


@dataclasses.dataclass(frozen=True)
class Rule:
    """Who may take an action (``allows``), who may see the thing at all (``sees``: the others get 404),
    and what those who see it but may not act are told (403; a function of the user and the thing when
    the reason depends on who asks)."""

    allows: Callable[[User | None, Any], bool]
    reason: Any = None
    sees: Callable[[User | None, Any], bool] | None = None

    def reason_for(self, user: User | None, thing) -> Any:
        reason = self.reason(user, thing) if callable(self.reason) else self.reason
        return reason or _NOT_ALLOWED


_ANYONE = lambda user, thing: True  # noqa: E731
_NOT_ALLOWED = _l("You may not do this.")
_OWN_SUBMITTERS = is_own_submitter
_DECIDES = is_claimant


def _comments(user: User | None, case: Case) -> bool:
    return can_view_submission(user, case) and (is_own_submitter(user, case) or is_curator(user))


def _records_replication(user: User | None, case: Case) -> bool:
    """A submitter of another state than the case's records that their state takes it up."""
    state_id = home_state_id(user)
    return is_submitter(user) and state_id is not None and state_id != case.state_id


_RELATIONS = {
    "own_submitter": is_own_submitter,
    "independent_reviewer": is_independent_reviewer,
    "claimant": is_claimant,
    "curator": lambda user, case: is_curator(user),
}
_DECIDE_REASON = _l("Only the reviewer who claimed this submission may decide on it.")
_TRANSITION_REASONS = {
    "submit": _l("Only a submitter of the case's organisation may submit it."),
    "withdraw": _l("Only a submitter of the case's organisation may withdraw it."),
    "claim": _l("Only a reviewer from another organisation, who wrote none of it, may review this case."),
    "request_changes": _DECIDE_REASON, "approve": _DECIDE_REASON, "reject": _DECIDE_REASON,
    "archive": _l("Only a reviewer or an admin may archive a case."),
}
assert set(_TRANSITION_REASONS) == set(TRANSITIONS), "every transition needs its refusal reason"

# A case: the review workflow's actions on its submission (every transition of kb.workflow, with the
# relation its table names), the other changes to a submission, and what the training institutes and
# states record about a published case.
CASE_POLICY: dict[str, Rule] = {
    **{action: Rule(_RELATIONS[transition.actor], _TRANSITION_REASONS[action])
       for action, transition in TRANSITIONS.items()},
    # Archiving acts on a public case: anyone may learn that they may not.
    "archive": Rule(_RELATIONS[TRANSITIONS["archive"].actor], _TRANSITION_REASONS["archive"],
                    sees=lambda user, case: can_view_submission(user, case) or case.is_published),
    "view": Rule(can_view_submission),
    "edit": Rule(_OWN_SUBMITTERS, _l("Only a submitter of the case's organisation may edit it.")),
    "attach": Rule(_OWN_SUBMITTERS, _l("Only a submitter of the case's organisation may attach files.")),
    # A new version starts from a published case, which is public; an unpublished one stays hidden.
    "new_revision": Rule(_OWN_SUBMITTERS, _l("Only a submitter of the case's organisation may open a new version."),
                         sees=lambda user, case: case.is_published or can_view_submission(user, case)),
    # Re-verifying a published case (confirm as current, mark as discontinued) is its organisation's word;
    # an admin may record it on their behalf.
    "reverify": Rule(lambda user, case: is_own_submitter(user, case) or is_admin(user),
                     _l("Only a submitter of the case's organisation may re-verify it."),
                     sees=lambda user, case: case.is_published or can_view_submission(user, case)),
    "comment": Rule(_comments, _l("Only the submitting organisation and reviewers may comment.")),
    "record_training_use": Rule(lambda user, case: is_trainer(user) and belongs_to_an_ati(user),
                                _l("Only a trainer of an Administrative Training Institute may record training use."),
                                sees=_ANYONE),
    "record_replication": Rule(_records_replication, lambda user, case: (
        _l("This case comes from your own state: replication is recorded by other states.") if is_submitter(user)
        else _l("Only a submitter of a state may record that their state replicates a case.")), sees=_ANYONE),
}

# The site itself (``thing`` is None): what a person's role lets them start or open.
SITE_POLICY: dict[str, Rule] = {
    "create_submission": Rule(lambda user, _: (
        _acting(user) and user.role == Role.submitter and user.organization is not None
        and user.organization.kind in (OrganizationKind.state_department, OrganizationKind.nodal_agency)),
        _l("Only a submitter of a state department or a nodal agency may submit cases.")),
    # Does "My submissions" mean anything to the user (a submitter of an organisation)?
    "list_own_submissions": Rule(lambda user, _: (
        _acting(user) and user.role == Role.submitter and user.organization_id is not None)),
    "use_review_queue": Rule(lambda user, _: is_curator(user), _l("Only reviewers and admins have a review queue.")),
    "administer": Rule(lambda user, _: is_admin(user), _l("Only an admin may see the admin pages.")),
    "read_feedback": Rule(lambda user, _: is_admin(user), _l("Only an admin may read feedback.")),
    # Teaching notes are for trainers; reviewers and admins read them too (they look after the library).
    "read_teaching_notes": Rule(lambda user, _: (
        _acting(user) and user.role in (Role.trainer, Role.reviewer, Role.admin)),
        _l("Teaching notes are for trainers.")),
    "write_teaching_notes": Rule(lambda user, _: is_trainer(user) and belongs_to_an_ati(user),
                                 _l("Only trainers write teaching notes.")),
    "create_course_pack": Rule(lambda user, _: is_trainer(user) and belongs_to_an_ati(user),
                               _l("Only trainers make course packs.")),
}

TRAINING_USE_POLICY: dict[str, Rule] = {
    "remove": Rule(lambda user, use: is_admin(user) or (is_trainer(user) and use.recorded_by_id == user.id),
                   _l("Only the trainer who recorded it, or an admin, may remove a training record."), sees=_ANYONE),
}

REPLICATION_POLICY: dict[str, Rule] = {
    # The record is the replicating state's: its submitters (or an admin) keep it.
    "update": Rule(lambda user, replication: is_admin(user) or (
        is_submitter(user) and home_state_id(user) == replication.state_id),
        _l("Only a submitter of the replicating state may update its record."), sees=_ANYONE),
}

def _reads_notes(user: User | None, _note=None) -> bool:
    return SITE_POLICY["read_teaching_notes"].allows(user, None)


TEACHING_NOTE_POLICY: dict[str, Rule] = {
    "edit": Rule(lambda user, note: is_trainer(user) and note.author_id == user.id,
                 _l("Only the author of teaching notes may edit them."), sees=_reads_notes),
    "delete": Rule(lambda user, note: is_admin(user) or (is_trainer(user) and note.author_id == user.id),
                   _l("Only the author of teaching notes, or an admin, may delete them."), sees=_reads_notes),
}


def _sees_pack(user: User | None, pack) -> bool:
    """A public pack: anyone. A private one: the people of its institute only."""
    return pack.is_public or (_acting(user) and user.organization_id == pack.organization_id)


def _edits_pack(user: User | None, pack) -> bool:
    """Any trainer of the pack's institute: the pack belongs to the institute."""
    return is_trainer(user) and user.organization_id == pack.organization_id


COURSE_PACK_POLICY: dict[str, Rule] = {
    "view": Rule(_sees_pack, sees=_sees_pack),
    "edit": Rule(_edits_pack, _l("Only trainers of the pack's institute may change it."), sees=_sees_pack),
    # Only the trainer who created it (and only while they are of its institute).
    "delete": Rule(lambda user, pack: _edits_pack(user, pack) and pack.created_by_id == user.id,
                   _l("Only the trainer who created a course pack may delete it."), sees=_sees_pack),
}

ACCOUNT_POLICY: dict[str, Rule] = {
    # An admin may approve, change the role of, deactivate or reactivate an account, except their own
    # (so the last admin cannot lock everyone out by mistake).
    "manage": Rule(lambda user, account: is_admin(user) and user.id != account.id, lambda user, account: (
        _l("Admins cannot change their own role or deactivate themselves.") if is_admin(user)
        else _l("Only an admin may manage accounts.")), sees=_ANYONE),
}

def _owns_alert(user: User | None, alert) -> bool:
    """An alert is its follower's alone: nobody else learns that it exists (a visitor's is stopped from its
    mailed link, never from an account)."""
    return _acting(user) and alert.user_id == user.id


ALERT_POLICY: dict[str, Rule] = {
    "delete": Rule(_owns_alert, sees=_owns_alert),
}

POLICIES: dict[type | None, dict[str, Rule]] = {
    type(None): SITE_POLICY, Case: CASE_POLICY, TrainingUse: TRAINING_USE_POLICY, Replication: REPLICATION_POLICY,
    TeachingNote: TEACHING_NOTE_POLICY, CoursePack: COURSE_PACK_POLICY, User: ACCOUNT_POLICY, Alert: ALERT_POLICY,
}


def _rule(action: str, thing) -> Rule:
    policy = POLICIES.get(type(thing))
    if policy is None or action not in policy:
        raise ValueError(f"no rule for {action!r} on {type(thing).__name__}")
    return policy[action]


def can(user: User | None, action: str, thing=None) -> bool:
    """May the user do ``action`` to ``thing`` (None: the site itself), leaving aside whether its state
    allows it now?"""
    return bool(_rule(action, thing).allows(user, thing))


def can_see(user: User | None, action: str, thing=None) -> bool:
    """May the user learn that ``thing`` exists, when asking to do ``action`` to it?"""
    rule = _rule(action, thing)
    sees = rule.sees or (CASE_POLICY["view"].allows if isinstance(thing, Case) else _ANYONE)
    return bool(sees(user, thing))


def authorize(user: User | None, action: str, thing=None) -> None:
    """Raise NotFound if the user may not even see ``thing``, Forbidden (with the reason) if they may see it
    but not do ``action``."""
    if not can_see(user, action, thing):
        raise NotFound(_not_found(thing))
    if not can(user, action, thing):
        raise Forbidden(_rule(action, thing).reason_for(user, thing))


def _not_found(thing):
    if isinstance(thing, Case):
        return _l("No submission %(id)s.", id=thing.public_id)
    if isinstance(thing, CoursePack):
        return _l("No course pack %(number)s.", number=thing.number)
    return _l("Not found.")


def can_view_revision(user: User | None, revision: Revision) -> bool:
    """Public versions to anyone; any other only to those who see the submission."""
    return is_public_revision(revision) or can_view_submission(user, revision.case)


# ---------------------------------------------------------------------------------------------------
# What to offer (buttons and links), from the same rules


def allowed_actions(user: User | None, case: Case) -> list[str]:
    """The transitions the user may take on the case in its current state (buttons to show)."""
    revision = case.working_revision
    if revision is None:
        return []
    return [name for name, transition in TRANSITIONS.items()
            if revision.status in transition.sources and can(user, name, case)]


def allowed_changes(user: User | None, case: Case) -> set[str]:
    """The other things the user may do to the submission now (links and forms to show): ``edit`` and
    ``attach`` while it is a draft or sent back for changes, ``new_revision`` on a published case with no
    version open, ``comment``, ``reverify`` a published case. The service functions check the same rules when the action is taken."""
    revision = case.working_revision
    if revision is None or not can_view_submission(user, case):
        return set()
    changes = set()
    if revision.status in EDITABLE_STATES:
        changes |= {action for action in ("edit", "attach") if can(user, action, case)}
    if case.is_published and revision.status not in OPEN_STATES and can(user, "new_revision", case):
        changes.add("new_revision")
    if can(user, "comment", case):
        changes.add("comment")
    if case.is_published and can(user, "reverify", case):
        changes.add("reverify")
    return changes
