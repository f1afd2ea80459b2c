"""Early intervention: which of a pack's rules a person's allegations trigger. Pure, no I/O.

A single case may end in "no further action" many times over; a pattern across cases is a
different question, and these rules ask it. Each rule looks at every allegation ever linked to the
person, whatever its outcome. An allegation with no known date of receipt cannot be placed in
time and is left out of every rule.

What "complainants who do not know each other" can mean here: the system cannot know whether two
people know each other. It knows only that two allegations came on *separate complaints* and that
their complainants are *not recorded as the same person* (a complainant who is a known staff
record keeps that record's id; an unknown complainant is taken to be a different person on each
complaint). Two friends who complained separately count as two; one person who complained twice
under different names counts as two as well. The flag says so, and a decision maker judges it.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from upstander.cases.policy.model import InterventionRuleSpec


@dataclass(frozen=True)
class AllegationFact:
    """What the rules know of one allegation against the person."""

    id: uuid.UUID
    category: str
    received_on: date | None
    complaint_id: uuid.UUID
    # Who complained: a staff record's id if known, otherwise the complaint's own id.
    complainant: str


@dataclass(frozen=True)
class RestrictionPeriod:
    """A restriction on the person: in force from ``starts_on`` until (not including) ``ended_on``."""

    kind: str
    starts_on: date
    ended_on: date | None

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ended_on is None or day < self.ended_on)


@dataclass(frozen=True)
class PeerFigures:
    """The person's peers (colleagues in the same unit, the person left out) over a rule's window."""

    people: int
    allegations: int


@dataclass(frozen=True)
class Triggered:
    rule_id: str
    allegation_ids: tuple[uuid.UUID, ...]  # sorted, so equal sets compare equal
    detail: str


def _dated(facts: Iterable[AllegationFact], rule: InterventionRuleSpec) -> list[AllegationFact]:
    """The allegations a rule counts, oldest first; ties broken by id so input order never matters."""
    wanted = [
        fact
        for fact in facts
        if fact.received_on is not None and (not rule.categories or fact.category in rule.categories)
    ]
    return sorted(wanted, key=lambda fact: (fact.received_on, fact.id))


def _day(fact: AllegationFact) -> date:
    assert fact.received_on is not None  # _dated keeps only dated allegations
    return fact.received_on


def _in_windows(
    facts: Sequence[AllegationFact], within_days: int, enough: int, key: str | None
) -> set[AllegationFact]:
    """Every allegation that lies in some window of ``within_days`` days holding ``enough`` of them
    (counted as allegations, or as distinct complainants on distinct complaints when ``key`` is set)."""
    found: set[AllegationFact] = set()
    end = 0
    for start, first in enumerate(facts):
        end = max(end, start)
        while end < len(facts) and (_day(facts[end]) - _day(first)).days < within_days:
            end += 1
        window = facts[start:end]
        count = len(window) if key is None else len({fact.complainant for fact in window})
        if count >= enough:
            found.update(window)
    return found


def poisson_upper_tail(observed: int, mean: float) -> float:
    """P(X >= observed) for X ~ Poisson(mean): the chance of at least this many at the peers' rate."""
    if observed <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    total, i = 0.0, observed
    while True:
        term = math.exp(-mean + i * math.log(mean) - math.lgamma(i + 1))
        total += term
        # Terms fall once past the mean; stop when they no longer change the sum (or underflow to 0,
        # as they do far out in the tail, where the sum is 0 as a float too).
        if i > mean and term <= total * 1e-15:
            return min(1.0, total)
        i += 1


def _peer_rate(
    rule: InterventionRuleSpec, facts: Sequence[AllegationFact], peers: PeerFigures | None, today: date
) -> Triggered | None:
    if peers is None or peers.people < rule.min_peers:
        return None
    since = today - timedelta(days=rule.within_days - 1)
    recent = [fact for fact in facts if since <= _day(fact) <= today]
    expected = peers.allegations / peers.people
    chance = poisson_upper_tail(len(recent), expected)
    if len(recent) < rule.minimum or chance >= 1 / rule.chance_below_one_in:
        return None
    return Triggered(
        rule.id,
        tuple(sorted(fact.id for fact in recent)),
        f"{len(recent)} allegations in {rule.within_days} days; colleagues in the same unit average "
        f"{expected:.1f} (chance at their rate: 1 in {_one_in(chance)})",
    )


def _one_in(chance: float) -> str:
    return "more than a billion" if chance < 1e-9 else f"{round(1 / chance):,}"


def evaluate(
    rules: Iterable[InterventionRuleSpec],
    allegations: Iterable[AllegationFact],
    restrictions: Iterable[RestrictionPeriod] = (),
    peers: dict[str, PeerFigures] | None = None,
    today: date | None = None,
) -> list[Triggered]:
    """The rules the person's allegations trigger, each with the allegations that triggered it.

    - ``count_in_window``: at least ``minimum`` allegations (of ``categories``, or any) received
      within ``within_days`` days of the first of them;
    - ``distinct_complainants``: as above, counting distinct complainants on separate complaints;
    - ``while_restricted``: at least ``minimum`` allegations received on a day the person was
      under a restriction of one of ``restriction_kinds``;
    - ``peer_rate``: at least ``minimum`` allegations in the ``within_days`` days up to ``today``,
      and the chance of that many at the peers' average rate (Poisson upper tail) below
      1 in ``chance_below_one_in``; needs ``peers`` (by rule id) with at least ``min_peers`` people.

    Apart from ``peer_rate``, which looks back from ``today``, adding allegations never
    un-triggers a rule and the order of the input never matters.
    """
    facts = list(allegations)
    periods = list(restrictions)
    found = []
    for rule in rules:
        counted = _dated(facts, rule)
        result: Triggered | None = None
        if rule.kind in ("count_in_window", "distinct_complainants"):
            key = "complainant" if rule.kind == "distinct_complainants" else None
            hits = _in_windows(counted, rule.within_days, rule.minimum, key)
            if hits:
                what = "allegations" if key is None else "allegations from separate complainants"
                result = Triggered(
                    rule.id,
                    tuple(sorted(fact.id for fact in hits)),
                    f"{len(hits)} {what}, at least {rule.minimum} within {rule.within_days} days",
                )
        elif rule.kind == "while_restricted":
            during = [
                fact
                for fact in counted
                if any(p.kind in rule.restriction_kinds and p.covers(_day(fact)) for p in periods)
            ]
            if len(during) >= rule.minimum:
                result = Triggered(
                    rule.id,
                    tuple(sorted(fact.id for fact in during)),
                    f"{len(during)} allegations received while restricted or suspended",
                )
        elif rule.kind == "peer_rate" and today is not None:
            result = _peer_rate(rule, counted, (peers or {}).get(rule.id), today)
        if result is not None:
            found.append(result)
    return found


@dataclass(frozen=True)
class KnownFlag:
    """A flag already on record for this person and rule."""

    id: uuid.UUID
    open: bool
    allegation_ids: frozenset[uuid.UUID]


@dataclass(frozen=True)
class FlagChange:
    """What to do about one triggered rule: raise a new flag, or add allegations to the open one."""

    rule_id: str
    raise_new: bool
    flag_id: uuid.UUID | None  # the open flag to grow, when not raising a new one
    allegation_ids: tuple[uuid.UUID, ...]
    detail: str


def reconcile(triggered: Triggered, known: Iterable[KnownFlag]) -> FlagChange | None:
    """Compare a triggered rule with the flags already raised under it for the same person.

    An open flag is never duplicated: new allegations join it. Once answered, a flag does not
    silence the rule: a pattern holding any allegation no earlier flag under this rule has
    covered raises a new flag. A case's outcome plays no part here.
    """
    flags = list(known)
    wanted = frozenset(triggered.allegation_ids)
    still_open = next((flag for flag in flags if flag.open), None)
    if still_open is not None:
        if wanted <= still_open.allegation_ids:
            return None
        grown = tuple(sorted(still_open.allegation_ids | wanted))
        return FlagChange(triggered.rule_id, False, still_open.id, grown, triggered.detail)
    covered = frozenset().union(*(flag.allegation_ids for flag in flags)) if flags else frozenset()
    if wanted <= covered:
        return None
    return FlagChange(triggered.rule_id, True, None, triggered.allegation_ids, triggered.detail)
