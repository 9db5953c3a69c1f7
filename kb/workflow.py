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
from typing import Any

from flask_babel import lazy_gettext as _l

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
    note_offered: bool = False  # an optional note goes with it (an approval's reason)
    label: Any = ""  # the button and the audit trail's name for it (lazy: in the reader's language)
    done: Any = ""  # what the site says once it is done

    @property
    def takes_note(self) -> bool:
        return self.note_required or self.note_offered


TRANSITIONS: dict[str, Transition] = {t.action: t for t in [
    Transition("submit", frozenset({S.draft, S.changes_requested}), S.submitted, "own_submitter",
               label=_l("Submit for review"), done=_l("Submitted for review. Reviewers have been told.")),
    Transition("withdraw", frozenset({S.submitted}), S.draft, "own_submitter",
               label=_l("Withdraw to draft"), done=_l("Withdrawn: the submission is a draft again.")),
    Transition("claim", frozenset({S.submitted}), S.in_review, "independent_reviewer",
               label=_l("Claim for review"), done=_l("You are now reviewing this submission.")),
    Transition("request_changes", frozenset({S.in_review}), S.changes_requested, "claimant", note_required=True,
               label=_l("Request changes"),
               done=_l("Changes requested. The submitting organisation has been told.")),
    Transition("approve", frozenset({S.in_review}), S.published, "claimant", note_offered=True,
               label=_l("Approve and publish"), done=_l("Approved and published.")),
    Transition("reject", frozenset({S.in_review}), S.rejected, "claimant", note_required=True,
               label=_l("Reject"), done=_l("Rejected. The submitting organisation has been told.")),
    Transition("archive", frozenset({S.published}), S.archived, "curator", note_required=True,
               label=_l("Archive"), done=_l("Archived: the case is no longer in the library.")),
]}
# What the audit trail calls each kind of event: the transitions, and the steps that change no state.
EVENT_LABELS = {
    "create": _l("Created"), "edit": _l("Edited"), "new_revision": _l("New version opened"),
    "import": _l("Imported"), "grade_evidence": _l("Evidence checked"),
    "confirm_current": _l("Confirmed as current"), "discontinue": _l("Marked as discontinued"), **{action: transition.label for action, transition in TRANSITIONS.items()},
}

REVIEW_ACTIONS = ("claim", "request_changes", "approve", "reject")
EDITABLE_STATES = frozenset({S.draft, S.changes_requested})
OPEN_STATES = frozenset({S.draft, S.submitted, S.in_review, S.changes_requested})
# Who may see a submission that is not (yet) public, besides its own organisation: reviewers see it
# once it has been submitted; a draft belongs to its organisation alone.
REVIEWER_VISIBLE_STATES = frozenset(set(S) - {S.draft})

# A status inside a sentence ("the submission is in review"): words of their own, not a label made
# lowercase (Hindi has no letter case, and a sentence may need another form of the word than a label).
STATUS_IN_SENTENCE = {
    S.draft: _l("draft"),
    S.submitted: _l("submitted"),
    S.in_review: _l("in review"),
    S.changes_requested: _l("changes requested"),
    S.published: _l("published"),
    S.superseded: _l("superseded"),
    S.rejected: _l("rejected"),
    S.archived: _l("archived"),
}

CHECKLIST = {
    "completeness": _l("Every section is complete (problem, solution, technology, impact, lessons, replication)"),
    "impact_evidence": _l("Impact is shown with numbers and a source"),
    "replicability": _l("Another state could replicate it from what is written"),
    "sources": _l("Sources and links are public and work"),
}


# Why the state refuses an action: one whole sentence per action, so that each language words its verb
# in its own way. Each takes ``status`` (the state it is in) and ``allowed`` (the states it needs).
_REFUSALS = {
    "submit": lambda **values: _l(
        "Cannot submit: the submission is %(status)s, and this action needs it to be %(allowed)s.", **values),
    "withdraw": lambda **values: _l(
        "Cannot withdraw: the submission is %(status)s, and this action needs it to be %(allowed)s.", **values),
    "claim": lambda **values: _l(
        "Cannot claim: the submission is %(status)s, and this action needs it to be %(allowed)s.", **values),
    "request_changes": lambda **values: _l(
        "Cannot request changes: the submission is %(status)s, and this action needs it to be %(allowed)s.",
        **values),
    "approve": lambda **values: _l(
        "Cannot approve: the submission is %(status)s, and this action needs it to be %(allowed)s.", **values),
    "reject": lambda **values: _l(
        "Cannot reject: the submission is %(status)s, and this action needs it to be %(allowed)s.", **values),
    "archive": lambda **values: _l(
        "Cannot archive: the submission is %(status)s, and this action needs it to be %(allowed)s.", **values),
}
# The note field's reason when an action that needs a note got none.
_NOTE_REQUIRED = {
    "request_changes": _l("required to request changes"),
    "reject": _l("required to reject"),
    "archive": _l("required to archive"),
}
assert set(_REFUSALS) == set(TRANSITIONS), "every action needs its refusal sentence"
assert set(_NOTE_REQUIRED) == {t.action for t in TRANSITIONS.values() if t.note_required}, \
    "every action that needs a note needs its reason"


def transition_for(action: str) -> Transition:
    try:
        return TRANSITIONS[action]
    except KeyError:
        raise ValidationError(_l("Unknown action."), {
            "action": _l("'%(value)s' is not one of %(choices)s", value=action,
                         choices=", ".join(TRANSITIONS))}) from None


def _one_of(statuses) -> Any:
    """The states in a sentence, "changes requested or draft" (in the order of their stable values)."""
    words = [STATUS_IN_SENTENCE[S(s)] for s in sorted(statuses)]
    phrase = words[0]
    for word in words[1:]:
        phrase = _l("%(first)s or %(second)s", first=phrase, second=word)
    return phrase


def check_transition(transition: Transition, status: str, note: str | None) -> None:
    """Raise Conflict when the current state does not allow the action, ValidationError when a note is missing."""
    if status not in transition.sources:
        raise Conflict(_REFUSALS[transition.action](status=STATUS_IN_SENTENCE[S(status)],
                                                    allowed=_one_of(transition.sources)))
    if transition.note_required and not (note or "").strip():
        raise ValidationError(_l("A note is required."), {"note": _NOTE_REQUIRED[transition.action]})
