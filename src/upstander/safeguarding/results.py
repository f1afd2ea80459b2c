"""What the safeguarding use cases return: plain values for the API, the pages and the CLI."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from upstander.safeguarding.roster import RosterProblem


@dataclass(frozen=True)
class PersonLabel:
    id: uuid.UUID
    staff_number: str
    name: str


@dataclass(frozen=True)
class OrderView:
    id: uuid.UUID
    reference: str
    person_a: PersonLabel
    person_b: PersonLabel
    separations: tuple[str, ...]
    case_reference: str | None
    reasons: str
    end_condition: str
    ends_on: date | None
    made_at: datetime
    made_by: str
    ended_at: datetime | None = None
    end_reason: str | None = None
    together_today: tuple[str, ...] = ()


@dataclass(frozen=True)
class PostingResult:
    person: PersonLabel
    unit_code: str
    unit_name: str
    shift: str
    since: datetime
    changed: bool
    override: bool = False
    overridden_orders: tuple[str, ...] = ()


@dataclass(frozen=True)
class PostingCheck:
    """The answer to "may this person be posted there?": ``allowed`` when no order in force forbids
    it; otherwise the conflicts, and that only a decision maker's override could let it through."""

    allowed: bool
    conflicts: tuple[str, ...]
    message: str

    @property
    def needs_override(self) -> bool:
        return not self.allowed


@dataclass(frozen=True)
class OverrideView:
    change_id: uuid.UUID
    changed_at: datetime
    person: PersonLabel
    from_unit: str | None
    from_shift: str | None
    to_unit: str
    to_shift: str
    decided_by: str
    reasons: str
    orders: tuple[str, ...]


@dataclass(frozen=True)
class ConflictLine:
    order_reference: str
    person: str
    team: str
    shift: str | None
    other_person: str
    other_team: str
    other_shift: str | None
    reason: str


@dataclass
class RosterReport:
    """The outcome of a roster import: what was recorded, the rows that could not be used, and every
    conflict with a separation order in force across all current postings."""

    rows_read: int = 0
    postings_changed: int = 0
    postings_unchanged: int = 0
    orders_in_force: int = 0
    problems: list[RosterProblem] = field(default_factory=list)
    conflicts: list[ConflictLine] = field(default_factory=list)

    @property
    def unknown_staff_numbers(self) -> list[str]:
        return [problem.value for problem in self.problems if problem.problem == UNKNOWN_STAFF_NUMBER]


UNKNOWN_STAFF_NUMBER = "no staff record has this staff number"
UNKNOWN_UNIT = "no team or unit has this code"
