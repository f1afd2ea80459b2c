"""Separation orders and postings, decided on values alone (no database, no web).

A separation order keeps two people apart in one or both of two ways:

* **team** — they may not be posted to the same team (whatever their shifts);
* **shift** — they may not work the same shift pattern in the same unit (two teams of one unit on
  the same shift share a station and a briefing room), nor, therefore, in the same team.

A posting that would bring the two together in a way their order forbids is refused; only a
decision maker may let it through, with written reasons, and the overseer reviews every such
override. A refusal names the order and the people, never the case or the order's reasons:
rostering and HR staff read it too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from upstander import access
from upstander.accounts.models import Role
from upstander.errors import InvalidInput, TransitionRefused

MIN_REASONS = 20
MAX_REASONS = 4000
MAX_END_CONDITION = 200
MAX_SHIFT = 40


class Separation(StrEnum):
    TEAM = "team"
    SHIFT = "shift"


class PostingRefused(TransitionRefused):
    """A posting that would break a separation order; the detail names the order and the people."""

    title = "This posting would break a separation order"


@dataclass(frozen=True)
class Placement:
    """Where a person works: their team, the unit the team belongs to, and their shift pattern.

    A person posted to a unit with no teams has that unit as both team and unit. A shift of None
    means it is not known, and then no shift separation can be judged broken.
    """

    person_id: uuid.UUID
    who: str
    team_id: uuid.UUID | None
    team_name: str
    unit_id: uuid.UUID | None
    unit_name: str
    shift: str | None

    @property
    def shift_key(self) -> str | None:
        if self.shift is None:
            return None
        return normalise_shift(self.shift) or None


@dataclass(frozen=True)
class Order:
    """An order in force between two people, as the rules need it."""

    id: uuid.UUID
    reference: str
    person_a_id: uuid.UUID
    person_b_id: uuid.UUID
    separations: frozenset[Separation]

    def other(self, person_id: uuid.UUID) -> uuid.UUID | None:
        if person_id == self.person_a_id:
            return self.person_b_id
        if person_id == self.person_b_id:
            return self.person_a_id
        return None


@dataclass(frozen=True)
class Conflict:
    """Two people together in a way their order forbids: ``placement`` is the person who moves (or,
    for a conflict that exists already, the first of the pair), ``other`` the person they would be
    with."""

    order: Order
    placement: Placement
    other: Placement
    separations: tuple[Separation, ...]
    proposed: bool

    @property
    def reason(self) -> str:
        """In plain words, naming the order and the people — never the case or the order's reasons."""
        ways = " and ".join(_together_words(self.placement, separation) for separation in self.separations)
        if self.proposed:
            return (
                f"This posting would put {self.placement.who} {ways} as {self.other.who}; "
                f"separation order {self.order.reference} keeps them apart."
            )
        return (
            f"{self.placement.who} and {self.other.who} are {ways}; "
            f"separation order {self.order.reference} keeps them apart."
        )


def _together_words(placement: Placement, separation: Separation) -> str:
    if separation is Separation.TEAM:
        return f"in the same team ({placement.team_name})"
    return f"on the same shift ({placement.shift} in {placement.unit_name})"


# --- Postings -----------------------------------------------------------------------------------


def normalise_shift(shift: str) -> str:
    """Shift patterns compare without regard to case or spacing ("Nights" is "nights ")."""
    return " ".join(shift.split()).casefold()


def clean_shift(shift: str) -> str:
    text = " ".join(shift.split())
    if not text:
        raise InvalidInput(
            "Give the shift pattern (for example A, B or nights).", fields={"shift": "required"}
        )
    if len(text) > MAX_SHIFT:
        raise InvalidInput(
            f"A shift pattern has at most {MAX_SHIFT} characters.", fields={"shift": "too long"}
        )
    return text


def clash(first: Placement, second: Placement, separations: Iterable[Separation]) -> tuple[Separation, ...]:
    """The ways in which two placements break an order's separations: the same team (a team
    separation), or the same known shift pattern in the same unit (a shift separation)."""
    wanted = frozenset(separations)
    hits: list[Separation] = []
    if Separation.TEAM in wanted and first.team_id is not None and first.team_id == second.team_id:
        hits.append(Separation.TEAM)
    if (
        Separation.SHIFT in wanted
        and first.unit_id is not None
        and first.unit_id == second.unit_id
        and first.shift_key is not None
        and first.shift_key == second.shift_key
    ):
        hits.append(Separation.SHIFT)
    return tuple(hits)


def _indexed(postings: Iterable[Placement] | Mapping[uuid.UUID, Placement]) -> Mapping[uuid.UUID, Placement]:
    if isinstance(postings, Mapping):
        return postings
    return {placement.person_id: placement for placement in postings}


def conflicts_of(
    change: Placement,
    postings: Iterable[Placement] | Mapping[uuid.UUID, Placement],
    orders: Iterable[Order],
) -> list[Conflict]:
    """Every order in force that the change would break: the person moving to ``change`` would be
    in the same team as someone they are separated from by team, or on the same shift in the same
    unit as someone they are separated from by shift. ``postings`` are everyone else's current
    placements (the mover's own old placement is ignored)."""
    by_person = _indexed(postings)
    found = []
    for order in orders:
        other_id = order.other(change.person_id)
        if other_id is None or other_id == change.person_id:
            continue
        other = by_person.get(other_id)
        if other is None:
            continue
        hits = clash(change, other, order.separations)
        if hits:
            found.append(Conflict(order, change, other, hits, proposed=True))
    return found


def existing_conflicts(
    postings: Iterable[Placement] | Mapping[uuid.UUID, Placement], orders: Iterable[Order]
) -> list[Conflict]:
    """Every order in force whose two people are together now, in a way it forbids. Postings are
    indexed by person once and each order compares two placements, so a roster of n people with m
    orders takes O(n + m) steps."""
    by_person = _indexed(postings)
    found = []
    for order in orders:
        first = by_person.get(order.person_a_id)
        second = by_person.get(order.person_b_id)
        if first is None or second is None:
            continue
        hits = clash(first, second, order.separations)
        if hits:
            found.append(Conflict(order, first, second, hits, proposed=False))
    return found


def refusal(conflicts: Iterable[Conflict], details: Mapping[uuid.UUID, str] | None = None) -> PostingRefused:
    """The refusal of a posting that breaks orders. ``details`` (the case and the end condition of
    each order) are added only for people allowed to read separation orders."""
    lines = []
    for conflict in conflicts:
        extra = (details or {}).get(conflict.order.id)
        lines.append(f"{conflict.reason} ({extra})" if extra else conflict.reason)
    return PostingRefused(
        " ".join(lines)
        + " Only a decision maker can let the posting through, with written reasons; the overseer"
        " reviews every override.",
        code="posting_refused",
    )


def check_override(roles: Iterable[Role], reasons: str | None) -> str:
    """Only a decision maker may override a separation order, and only with written reasons of at
    least MIN_REASONS characters. Returns the reasons, tidied."""
    access.require(roles, access.Action.OVERRIDE_POSTING)
    return override_reasons(reasons, "the posting must go ahead despite the separation order")


def override_reasons(reasons: str | None, say_why: str) -> str:
    """The written reasons an override needs (MIN_REASONS to MAX_REASONS characters), tidied;
    `say_why` finishes the request "say why ..." in the refusal."""
    text = (reasons or "").strip()
    if len(text) < MIN_REASONS:
        raise InvalidInput(
            f"An override needs written reasons of at least {MIN_REASONS} characters: say why {say_why}.",
            fields={"override_reasons": "too short"},
        )
    if len(text) > MAX_REASONS:
        raise InvalidInput(
            f"Reasons have at most {MAX_REASONS} characters.", fields={"override_reasons": "too long"}
        )
    return text


# --- Separation orders --------------------------------------------------------------------------


@dataclass(frozen=True)
class NewOrder:
    person_a_id: uuid.UUID
    person_b_id: uuid.UUID
    separations: frozenset[Separation]
    reasons: str
    end_condition: str
    ends_on: date | None


def ordered_pair(first: uuid.UUID, second: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    """An order between A and B is the order between B and A: the pair is kept smaller id first."""
    return (first, second) if first < second else (second, first)


def parse_separations(values: Iterable[str]) -> frozenset[Separation]:
    chosen = set()
    for value in values:
        try:
            chosen.add(Separation(value.strip().lower()))
        except ValueError as error:
            raise InvalidInput(
                f"{value!r} is not a kind of separation: choose team, shift or both.",
                fields={"scope": "not one of the choices"},
            ) from error
    if not chosen:
        raise InvalidInput(
            "Say how the two are to be kept apart: out of the same team, off the same shift, or both.",
            fields={"scope": "required"},
        )
    return frozenset(chosen)


def check_new_order(
    first: uuid.UUID,
    second: uuid.UUID,
    separations: frozenset[Separation],
    reasons: str,
    end_condition: str,
    ends_on: date | None,
    today: date,
) -> NewOrder:
    """A separation order needs two different people, written reasons (at least MIN_REASONS
    characters) and an end condition — words such as "until the case closes", or an end date
    after today, or both."""
    if first == second:
        raise InvalidInput(
            "A separation order is between two different people.", fields={"person_b": "same person"}
        )
    text = reasons.strip()
    if len(text) < MIN_REASONS:
        raise InvalidInput(
            f"Give the reasons for the order in at least {MIN_REASONS} characters.",
            fields={"reasons": "too short"},
        )
    if len(text) > MAX_REASONS:
        raise InvalidInput(f"Reasons have at most {MAX_REASONS} characters.", fields={"reasons": "too long"})
    condition = " ".join(end_condition.split())
    if ends_on is not None and ends_on <= today:
        raise InvalidInput("The end date must be after today.", fields={"ends_on": "not in the future"})
    if not condition:
        if ends_on is None:
            raise InvalidInput(
                'Say when the order ends: a condition such as "until the case closes", or an end date.',
                fields={"end_condition": "required"},
            )
        condition = f"until {ends_on.isoformat()}"
    if len(condition) > MAX_END_CONDITION:
        raise InvalidInput(
            f"The end condition has at most {MAX_END_CONDITION} characters.",
            fields={"end_condition": "too long"},
        )
    person_a_id, person_b_id = ordered_pair(first, second)
    return NewOrder(person_a_id, person_b_id, separations, text, condition, ends_on)


def check_end_reason(reason: str) -> str:
    """Ending an order early needs a reason of at least MIN_REASONS characters."""
    text = reason.strip()
    if len(text) < MIN_REASONS:
        raise InvalidInput(
            f"Give the reason for ending the order in at least {MIN_REASONS} characters.",
            fields={"reason": "too short"},
        )
    if len(text) > MAX_REASONS:
        raise InvalidInput(f"Reasons have at most {MAX_REASONS} characters.", fields={"reason": "too long"})
    return text


def in_force(ended_at: datetime | None, ends_on: date | None, today: date) -> bool:
    """An order is in force until it is ended, and no longer on or after its end date."""
    return ended_at is None and (ends_on is None or today < ends_on)
