"""What the retention job may delete: pure decisions over closed cases, their holds and the pack.

A record is due when its case closed long enough ago for the pack's period for its kind, and
nothing stops it: a legal hold on the case stops every kind; a kind kept for ever is never due;
what was already erased is not chosen again. UK GDPR art. 5(1)(e) (no longer than necessary) and
the College of Policing's retention guidance set the periods; the pack states them.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from upstander.cases.policy.model import RETENTION_KINDS, RetentionSpec

KIND_LABELS: Mapping[str, str] = {
    "report_content": "report statements, identities, messages and files",
    "case_content": "case free text, disclosed copies and case keys",
    "separation_orders": "separation orders",
    "restrictions": "suspensions and restricted duties",
}


@dataclass(frozen=True)
class ClosedCase:
    """A closed case as the job sees it: when it closed, under which pack, and what stops it."""

    case_id: uuid.UUID
    reference: str
    closed_on: date
    pack: str
    held: bool
    erased_kinds: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Due:
    """One kind of record of one case that the job deletes or anonymises now."""

    kind: str
    case_id: uuid.UUID
    reference: str
    closed_on: date
    due_since: date


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later; a day the month lacks becomes its last (31 Jan + 1 = 28/29 Feb)."""
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due_since(closed_on: date, spec: RetentionSpec) -> date | None:
    """The first day a record of this kind may go; None when it is kept for ever."""
    if spec.forever:
        return None
    return add_months(closed_on, spec.months)


def choose_due(
    cases: Iterable[ClosedCase],
    rules_by_pack: Mapping[str, Mapping[str, RetentionSpec] | None],
    today: date,
) -> list[Due]:
    """Every (kind, case) due today, oldest first. A case under a legal hold, a pack without a
    retention section, a kind kept for ever and a kind already erased are never chosen."""
    chosen: list[Due] = []
    for case in cases:
        rules = rules_by_pack.get(case.pack)
        if case.held or not rules:
            continue
        for kind in RETENTION_KINDS:
            spec = rules.get(kind)
            if spec is None or kind in case.erased_kinds:
                continue
            since = due_since(case.closed_on, spec)
            if since is not None and since <= today:
                chosen.append(Due(kind, case.case_id, case.reference, case.closed_on, since))
    chosen.sort(key=lambda due: (due.due_since, due.reference, RETENTION_KINDS.index(due.kind)))
    return chosen


def batches(items: list[Due], size: int) -> list[list[Due]]:
    """The due records in batches of whole cases, at most ``size`` cases each: one transaction a batch,
    and a case's kinds always go together, so a failure never leaves one half-erased."""
    if size < 1:
        raise ValueError("A batch holds at least one case.")
    by_case: dict[uuid.UUID, list[Due]] = {}
    for due in items:
        by_case.setdefault(due.case_id, []).append(due)
    groups = list(by_case.values())
    return [[due for group in groups[i : i + size] for due in group] for i in range(0, len(groups), size)]


# --- Subject access ------------------------------------------------------------------------------

# A subject learns of an investigation when served its notice (Police (Conduct) Regulations 2020,
# reg. 17) or the notice of referral to proceedings (regs 30 and 51); before that, telling them
# could prejudice it, which the Data Protection Act 2018 (Sched. 2, para. 2; s. 45(4)) lets us withhold.
NOTICE_EVENTS = frozenset({"regulation_17_notice_served", "referral_notice_served"})


def subject_may_know(event_kinds: Iterable[str], stage: str, closed_stages: frozenset[str]) -> bool:
    """Whether a case about this person is shown in their own export."""
    return stage in closed_stages or not NOTICE_EVENTS.isdisjoint(event_kinds)
