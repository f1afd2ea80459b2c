"""What a case waits for next, and from whom: the pack's owed steps for its state, and its first duty.

The dashboards and lists keep this on the case row (`cases.owed_by`, `cases.next_due_on`) each time
its events change, so "owed by you", "overdue" and "due soon" are questions SQL can answer for a
whole list at once, without replaying every case. Pure: values in, values out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from upstander.cases.engine.clocks import deadlines
from upstander.cases.engine.state import CaseState
from upstander.cases.engine.vocabulary import roles_phrase
from upstander.cases.policy.packs import Policy

# Steps staff owe: the reporter's and the representative's own steps are theirs to choose.
_NOT_STAFF = frozenset({"reporter", "representative"})
# The row's due date when nothing is owed by a date: sorts last, and is never overdue or due soon.
NOTHING_DUE = date(9999, 12, 31)


@dataclass(frozen=True)
class OwedStep:
    kind: str
    label: str
    roles: tuple[str, ...]
    # Who may take it, in words: "a case handler or a decision maker".
    by_whom: str


@dataclass(frozen=True)
class Owed:
    steps: tuple[OwedStep, ...]
    # The earliest date something must be done by (a duty, not a window someone else may use).
    due_on: date | None
    due_label: str | None

    @property
    def roles(self) -> frozenset[str]:
        """Who owes the next step: for each owed step, the first staff role the pack lists for it.
        The others listed may take it too, but it is not waiting for them: appointing an
        investigator waits for the case handler, though a decision maker or the overseer may do it."""
        return frozenset(step.roles[0] for step in self.steps if step.roles)


def owed_next(policy: Policy, state: CaseState) -> Owed:
    """The steps that move this case on from its state, with who may take each, and its first duty.

    A step limited to some severities is owed only when the case was assessed as one of them."""
    spec = policy.states.get(state.status)
    steps = []
    for kind in spec.owed if spec else ():
        action = policy.actions[kind]
        if action.severities and state.severity not in action.severities:
            continue
        roles = tuple(role for role in action.roles if role not in _NOT_STAFF)
        steps.append(OwedStep(kind, action.label, roles, roles_phrase(roles)))
    duties = sorted((d for d in deadlines(policy, state) if d.duty), key=lambda d: d.due_on)
    first = duties[0] if duties else None
    return Owed(tuple(steps), first.due_on if first else None, first.label if first else None)


def owed_by_column(owed: Owed) -> str:
    """The roles as the case row stores them, each between commas, so `LIKE '%,handler,%'` finds one."""
    return "," + ",".join(sorted(owed.roles)) + "," if owed.roles else ""
