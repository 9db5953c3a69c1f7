"""The rules of the review workflow as one table: for every role, every action and every state, what happens.

This is the specification that issue 4 (points 3-5) states in words, written out cell by cell so that a
person can check it against the words, and so that a change to ``kb/permissions.py`` or ``kb/workflow.py``
that changes any answer fails a test. It deliberately does not call ``kb.permissions``.

It is shared by the matrix tests of each medium: ``tests/api/test_matrix.py`` (the JSON API) and the HTML
forms' matrix. Each medium maps the outcomes to its own answers (the API: ``ok`` is 200, or 201 for what
creates something; ``forbidden`` 403; ``hidden`` 404; ``conflict`` 409; ``login`` 401).

The roles, relative to one case written by a submitter of the Karnataka revenue department:

    anonymous        no account (no token, not logged in)
    trainer          a trainer of an ATI
    own_submitter    a submitter of the case's organisation (here: the one who wrote it)
    other_submitter  a submitter of another state's department
    reviewer         a reviewer of another organisation, who has not claimed the case
    org_reviewer     a reviewer of the case's own organisation (never reviews it)
    claimant         the reviewer who claims it (in draft and submitted: nobody has claimed it yet, so this
                     is just another independent reviewer)
    admin            an admin of another organisation

The states are the working revision's status. ``published`` means the live version with no new version
open; ``archived`` a published case withdrawn from the library.

The rules, in words, that the table spells out:

1. Nobody without an account may touch a submission (``login``); anonymous callers read published cases only.
2. A submission is seen (``view``) by its organisation's submitters and by admins always, by reviewers once
   it has left draft, and by nobody else: anyone else gets ``hidden``, as if it did not exist.
3. Acting on a published case as a whole (``new_revision``, ``archive``) is refused with ``forbidden`` to
   those who may not, since the case is public; on a case that is not published, ``hidden`` to those who
   may not see its submission.
4. Permission comes before state: someone who may see a submission but may never take an action gets
   ``forbidden`` whatever the state; someone who may take it gets ``conflict`` when the state does not allow it.
5. Submitters of the case's organisation edit and submit (draft, changes_requested), withdraw (submitted)
   and open a new version (published).
6. Reviewers never act on their own organisation's cases. An independent reviewer (or admin) claims a
   submitted case; only the claimant (or an independent admin) then requests changes, approves or rejects.
   Outside review nobody holds a claim, so those three are a matter of state (``conflict``), not permission.
7. Any reviewer or admin archives a published case.
8. Comments: the case's organisation's submitters, and reviewers and admins who may see it, in any state.
"""
from __future__ import annotations

ROLES = ("anonymous", "trainer", "own_submitter", "other_submitter", "reviewer", "org_reviewer", "claimant", "admin")
ACTIONS = ("view", "edit", "submit", "withdraw", "claim", "request_changes", "approve", "reject", "comment",
           "new_revision", "archive")
STATES = ("draft", "submitted", "in_review", "changes_requested", "published", "rejected", "archived")
OUTCOMES = ("ok", "forbidden", "hidden", "conflict", "login")

# Columns are the STATES in order:
#                  draft      submitted  in_review  changes_r  published  rejected   archived
_TABLE = """
view
  anonymous        login      login      login      login      login      login      login
  trainer          hidden     hidden     hidden     hidden     hidden     hidden     hidden
  own_submitter    ok         ok         ok         ok         ok         ok         ok
  other_submitter  hidden     hidden     hidden     hidden     hidden     hidden     hidden
  reviewer         hidden     ok         ok         ok         ok         ok         ok
  org_reviewer     hidden     ok         ok         ok         ok         ok         ok
  claimant         hidden     ok         ok         ok         ok         ok         ok
  admin            ok         ok         ok         ok         ok         ok         ok

edit
  anonymous        login      login      login      login      login      login      login
  trainer          hidden     hidden     hidden     hidden     hidden     hidden     hidden
  own_submitter    ok         conflict   conflict   ok         conflict   conflict   conflict
  other_submitter  hidden     hidden     hidden     hidden     hidden     hidden     hidden
  reviewer         hidden     forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  org_reviewer     hidden     forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  claimant         hidden     forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  admin            forbidden  forbidden  forbidden  forbidden  forbidden  forbidden  forbidden

submit
  anonymous        login      login      login      login      login      login      login
  trainer          hidden     hidden     hidden     hidden     hidden     hidden     hidden
  own_submitter    ok         conflict   conflict   ok         conflict   conflict   conflict
  other_submitter  hidden     hidden     hidden     hidden     hidden     hidden     hidden
  reviewer         hidden     forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  org_reviewer     hidden     forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  claimant         hidden     forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  admin            forbidden  forbidden  forbidden  forbidden  forbidden  forbidden  forbidden

withdraw
  anonymous        login      login      login      login      login      login      login
  trainer          hidden     hidden     hidden     hidden     hidden     hidden     hidden
  own_submitter    conflict   ok         conflict   conflict   conflict   conflict   conflict
  other_submitter  hidden     hidden     hidden     hidden     hidden     hidden     hidden
  reviewer         hidden     forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  org_reviewer     hidden     forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  claimant         hidden     forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  admin            forbidden  forbidden  forbidden  forbidden  forbidden  forbidden  forbidden

claim
  anonymous        login      login      login      login      login      login      login
  trainer          hidden     hidden     hidden     hidden     hidden     hidden     hidden
  own_submitter    forbidden  forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  other_submitter  hidden     hidden     hidden     hidden     hidden     hidden     hidden
  reviewer         hidden     ok         conflict   conflict   conflict   conflict   conflict
  org_reviewer     hidden     forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  claimant         hidden     ok         conflict   conflict   conflict   conflict   conflict
  admin            conflict   ok         conflict   conflict   conflict   conflict   conflict

request_changes
  anonymous        login      login      login      login      login      login      login
  trainer          hidden     hidden     hidden     hidden     hidden     hidden     hidden
  own_submitter    forbidden  forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  other_submitter  hidden     hidden     hidden     hidden     hidden     hidden     hidden
  reviewer         hidden     conflict   forbidden  conflict   conflict   conflict   conflict
  org_reviewer     hidden     forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  claimant         hidden     conflict   ok         conflict   conflict   conflict   conflict
  admin            conflict   conflict   ok         conflict   conflict   conflict   conflict

approve
  anonymous        login      login      login      login      login      login      login
  trainer          hidden     hidden     hidden     hidden     hidden     hidden     hidden
  own_submitter    forbidden  forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  other_submitter  hidden     hidden     hidden     hidden     hidden     hidden     hidden
  reviewer         hidden     conflict   forbidden  conflict   conflict   conflict   conflict
  org_reviewer     hidden     forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  claimant         hidden     conflict   ok         conflict   conflict   conflict   conflict
  admin            conflict   conflict   ok         conflict   conflict   conflict   conflict

reject
  anonymous        login      login      login      login      login      login      login
  trainer          hidden     hidden     hidden     hidden     hidden     hidden     hidden
  own_submitter    forbidden  forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  other_submitter  hidden     hidden     hidden     hidden     hidden     hidden     hidden
  reviewer         hidden     conflict   forbidden  conflict   conflict   conflict   conflict
  org_reviewer     hidden     forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  claimant         hidden     conflict   ok         conflict   conflict   conflict   conflict
  admin            conflict   conflict   ok         conflict   conflict   conflict   conflict

comment
  anonymous        login      login      login      login      login      login      login
  trainer          hidden     hidden     hidden     hidden     hidden     hidden     hidden
  own_submitter    ok         ok         ok         ok         ok         ok         ok
  other_submitter  hidden     hidden     hidden     hidden     hidden     hidden     hidden
  reviewer         hidden     ok         ok         ok         ok         ok         ok
  org_reviewer     hidden     ok         ok         ok         ok         ok         ok
  claimant         hidden     ok         ok         ok         ok         ok         ok
  admin            ok         ok         ok         ok         ok         ok         ok

new_revision
  anonymous        login      login      login      login      login      login      login
  trainer          hidden     hidden     hidden     hidden     forbidden  hidden     hidden
  own_submitter    conflict   conflict   conflict   conflict   ok         conflict   conflict
  other_submitter  hidden     hidden     hidden     hidden     forbidden  hidden     hidden
  reviewer         hidden     forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  org_reviewer     hidden     forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  claimant         hidden     forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  admin            forbidden  forbidden  forbidden  forbidden  forbidden  forbidden  forbidden

archive
  anonymous        login      login      login      login      login      login      login
  trainer          hidden     hidden     hidden     hidden     forbidden  hidden     hidden
  own_submitter    forbidden  forbidden  forbidden  forbidden  forbidden  forbidden  forbidden
  other_submitter  hidden     hidden     hidden     hidden     forbidden  hidden     hidden
  reviewer         hidden     conflict   conflict   conflict   ok         conflict   conflict
  org_reviewer     hidden     conflict   conflict   conflict   ok         conflict   conflict
  claimant         hidden     conflict   conflict   conflict   ok         conflict   conflict
  admin            conflict   conflict   conflict   conflict   ok         conflict   conflict
"""


def _parse(table: str) -> dict[tuple[str, str, str], str]:
    expected: dict[tuple[str, str, str], str] = {}
    action = None
    for line in table.strip().splitlines():
        words = line.split()
        if not words:
            continue
        if len(words) == 1:
            action = words[0]
            assert action in ACTIONS, f"unknown action {action!r}"
            continue
        role, outcomes = words[0], words[1:]
        assert role in ROLES, f"unknown role {role!r}"
        assert len(outcomes) == len(STATES), f"{action}/{role}: {len(outcomes)} columns, not {len(STATES)}"
        for state, outcome in zip(STATES, outcomes):
            assert outcome in OUTCOMES, f"{action}/{role}/{state}: unknown outcome {outcome!r}"
            assert (role, action, state) not in expected, f"{action}/{role} given twice"
            expected[(role, action, state)] = outcome
    missing = {(r, a, s) for r in ROLES for a in ACTIONS for s in STATES} - set(expected)
    assert not missing, f"the table leaves out {sorted(missing)[:5]}..."
    return expected


EXPECTED: dict[tuple[str, str, str], str] = _parse(_TABLE)


def expected(role: str, action: str, state: str) -> str:
    """What the rules say happens when ``role`` tries ``action`` on a submission in ``state``."""
    return EXPECTED[(role, action, state)]


# Actions that, when they succeed, change the submission's state (the matrix then needs a fresh case).
CHANGES_STATE = frozenset({"submit", "withdraw", "claim", "request_changes", "approve", "reject", "new_revision",
                           "archive"})
# Notes for the actions that need one (and harmless for those that do not).
NOTES = {"request_changes": "Please add the number of villages covered.",
         "reject": "This duplicates KB-0001.",
         "archive": "Withdrawn: the scheme was replaced by a national one."}


# Who plays each role of the table: the case belongs to ka-revenue (Karnataka); the claimant is the
# reviewer who claims it on its way to review.
ACCOUNTS = {
    "trainer": ("trainer", "ati-mcrhrdi"),
    "own_submitter": ("submitter", "ka-revenue"),
    "other_submitter": ("submitter", "tn-it"),
    "reviewer": ("reviewer", "other-agency"),
    "org_reviewer": ("reviewer", "ka-revenue"),
    "claimant": ("reviewer", "nodal-agency"),
    "admin": ("admin", "other-agency"),
}


def create_people(make_org) -> dict:
    """One account per role, without passwords (hashing is slow on purpose; both matrices log in otherwise)."""
    from kb.extensions import db
    from kb.services.accounts import create_user

    make_org("ka-revenue", "state_department", "KA")
    make_org("tn-it", "state_department", "TN")
    make_org("ati-mcrhrdi", "ati", "TS")
    make_org("nodal-agency", "nodal_agency", None)
    make_org("other-agency", "nodal_agency", None)
    users = {role: create_user(email=f"{role.replace('_', '-')}@example.org", name=role.replace("_", " ").title(),
                               role=account_role, org_slug=org)
             for role, (account_role, org) in ACCOUNTS.items()}
    db.session.commit()
    return users
