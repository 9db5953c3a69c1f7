"""The review workflow as data: the states a submission passes through and the one table of transitions.

A submission is a case's *working revision* (its newest). Each action moves it from one of a set of
states to one state; the table says who may act (a role *and* a relation to the case, checked in
``kb.permissions``) and whether a note is required. ``kb.services.submissions`` applies an action only
after ``check_transition`` has passed, and records every step in the append-only audit trail.

    draft ──submit──▶ submitted ──claim──▶ in_review ──approve──▶ published ──archive──▶ archived
      ▲  ◀─withdraw──┘                        │  │
      │                                       │  └──reject──▶ rejected
      └──── changes_requested ◀──request_changes┘
            (edit, then submit again)

Editing a published case opens a new draft revision (``new_revision``); the published one stays live
until that draft is approved, which supersedes it.
"""
from __future__ import annotations

import dataclasses

from kb.errors import Conflict, ValidationError
from kb.models import RevisionStatus as S

# Who may act, as a relation of the actor to the case (decided in kb.permissions):
#   "own_submitter": a submitter of the organisation the case belongs to
#   "independent_reviewer": a reviewer or admin who is not of the case's organisation and did not write it
#   "claimant": the independent reviewer who claimed it (or an admin who is independent)
#   "curator": a reviewer or admin


@dataclasses.dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    actor: str
    note_required: bool = False
    label: str = ""


TRANSITIONS: dict[str, Transition] = {t.action: t for t in [
    Transition("submit", frozenset({S.draft, S.changes_requested}), S.submitted, "own_submitter",
               label="Submit for review"),
    Transition("withdraw", frozenset({S.submitted}), S.draft, "own_submitter",
               label="Withdraw to draft"),
    Transition("claim", frozenset({S.submitted}), S.in_review, "independent_reviewer",
               label="Claim for review"),
    Transition("request_changes", frozenset({S.in_review}), S.changes_requested, "claimant", note_required=True,
               label="Request changes"),
    Transition("approve", frozenset({S.in_review}), S.published, "claimant",
               label="Approve and publish"),
    Transition("reject", frozenset({S.in_review}), S.rejected, "claimant", note_required=True,
               label="Reject"),
    Transition("archive", frozenset({S.published}), S.archived, "curator", note_required=True,
               label="Archive (withdraw from the library)"),
]}

REVIEW_ACTIONS = ("claim", "request_changes", "approve", "reject")
EDITABLE_STATES = frozenset({S.draft, S.changes_requested})
OPEN_STATES = frozenset({S.draft, S.submitted, S.in_review, S.changes_requested})
# Who may see a submission that is not (yet) public, besides its own organisation: reviewers see it
# once it has been submitted; a draft belongs to its organisation alone.
REVIEWER_VISIBLE_STATES = frozenset(set(S) - {S.draft})

STATUS_LABELS = {
    S.draft: "Draft",
    S.submitted: "Submitted",
    S.in_review: "In review",
    S.changes_requested: "Changes requested",
    S.published: "Published",
    S.superseded: "Superseded",
    S.rejected: "Rejected",
    S.archived: "Archived",
}

CHECKLIST = {
    "completeness": "Every section is complete (problem, solution, technology, impact, lessons, replication)",
    "impact_evidence": "Impact is shown with numbers and a source",
    "replicability": "Another state could replicate it from what is written",
    "sources": "Sources and links are public and work",
}


def transition_for(action: str) -> Transition:
    try:
        return TRANSITIONS[action]
    except KeyError:
        raise ValidationError("Unknown action.", {
            "action": f"'{action}' is not one of {', '.join(TRANSITIONS)}"}) from None


def check_transition(transition: Transition, status: str, note: str | None) -> None:
    """Raise Conflict when the current state does not allow the action, ValidationError when a note is missing."""
    if status not in transition.sources:
        allowed = " or ".join(sorted(STATUS_LABELS[s].lower() for s in transition.sources))
        raise Conflict(
            f"Cannot {transition.action.replace('_', ' ')}: the submission is {STATUS_LABELS[S(status)].lower()}, "
            f"and this action needs it to be {allowed}.")
    if transition.note_required and not (note or "").strip():
        raise ValidationError("A note is required.", {"note": f"required to {transition.action.replace('_', ' ')}"})
