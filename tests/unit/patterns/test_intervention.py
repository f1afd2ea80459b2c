"""Early-intervention rules: what triggers each, checked against brute force and under change of input."""

from __future__ import annotations

import math
import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstander.cases.policy.model import InterventionRuleSpec
from upstander.patterns.intervention import (
    AllegationFact,
    KnownFlag,
    PeerFigures,
    RestrictionPeriod,
    Triggered,
    evaluate,
    poisson_upper_tail,
    reconcile,
)

START = date(2010, 1, 1)
CATEGORIES = ("sexual_misconduct", "domestic_abuse", "bullying", "other")
COMPLAINT_IDS = [uuid.UUID(int=n) for n in range(1, 9)]

SEXUAL = InterventionRuleSpec(
    id="sexual",
    title="Two sexual-misconduct or domestic-abuse allegations in five years",
    description="",
    kind="count_in_window",
    categories=frozenset({"sexual_misconduct", "domestic_abuse"}),
    minimum=2,
    within_days=1826,
)
THREE_IN_A_YEAR = InterventionRuleSpec(
    id="three",
    title="Three in twelve months",
    description="",
    kind="count_in_window",
    minimum=3,
    within_days=365,
)
COMPLAINANTS = InterventionRuleSpec(
    id="complainants",
    title="Three separate complainants",
    description="",
    kind="distinct_complainants",
    minimum=3,
    within_days=1096,
)
RESTRICTED = InterventionRuleSpec(
    id="restricted",
    title="While restricted",
    description="",
    kind="while_restricted",
    restriction_kinds=frozenset({"restricted_duties"}),
)
PEERS = InterventionRuleSpec(
    id="peers",
    title="Far above peers",
    description="",
    kind="peer_rate",
    minimum=5,
    within_days=1826,
    chance_below_one_in=1000,
    min_peers=5,
)
WINDOW_RULES = (SEXUAL, THREE_IN_A_YEAR, COMPLAINANTS, RESTRICTED)


def fact(
    day: int, category: str = "bullying", complaint: int = 0, complainant: str | None = None
) -> AllegationFact:
    complaint_id = COMPLAINT_IDS[complaint % len(COMPLAINT_IDS)]
    return AllegationFact(
        uuid.uuid4(),
        category,
        START + timedelta(days=day),
        complaint_id,
        complainant or f"complaint:{complaint_id}",
    )


facts = st.builds(
    lambda day, category, complaint, person: fact(
        day, category, complaint, f"person:{person}" if person is not None else None
    ),
    st.integers(0, 4000),
    st.sampled_from(CATEGORIES),
    st.integers(0, 7),
    st.none() | st.integers(0, 3),
)
fact_lists = st.lists(facts, max_size=14)
periods = st.lists(
    st.builds(
        lambda kind, start, length: RestrictionPeriod(
            kind,
            START + timedelta(days=start),
            None if length is None else START + timedelta(days=start + length),
        ),
        st.sampled_from(("restricted_duties", "suspended")),
        st.integers(0, 4000),
        st.none() | st.integers(1, 400),
    ),
    max_size=3,
)


def by_rule(found: list[Triggered]) -> dict[str, frozenset[uuid.UUID]]:
    return {t.rule_id: frozenset(t.allegation_ids) for t in found}


def brute_force(rule: InterventionRuleSpec, given: list[AllegationFact]) -> frozenset[uuid.UUID]:
    """Every allegation in some window starting at an allegation that holds enough of them."""
    counted = [f for f in given if not rule.categories or f.category in rule.categories]
    found: set[uuid.UUID] = set()
    for first in counted:
        assert first.received_on is not None
        window = [
            f
            for f in counted
            if f.received_on is not None
            and (f.received_on, f.id) >= (first.received_on, first.id)
            and (f.received_on - first.received_on).days < rule.within_days
        ]
        size = len(window) if rule.kind == "count_in_window" else len({f.complainant for f in window})
        if size >= rule.minimum:
            found.update(f.id for f in window)
    return frozenset(found)


@given(fact_lists)
def test_a_window_rule_triggers_exactly_on_the_allegations_brute_force_finds(
    given_facts: list[AllegationFact],
) -> None:
    found = by_rule(evaluate((SEXUAL, THREE_IN_A_YEAR, COMPLAINANTS), given_facts))
    for rule in (SEXUAL, THREE_IN_A_YEAR, COMPLAINANTS):
        expected = brute_force(rule, given_facts)
        assert found.get(rule.id, frozenset()) == expected
        if expected:
            assert len(expected) >= rule.minimum


@given(fact_lists)
def test_every_allegation_of_a_triggered_count_rule_sits_in_a_window_with_enough_of_them(
    given_facts: list[AllegationFact],
) -> None:
    for triggered in evaluate((SEXUAL, THREE_IN_A_YEAR), given_facts):
        rule = SEXUAL if triggered.rule_id == "sexual" else THREE_IN_A_YEAR
        chosen = [f for f in given_facts if f.id in triggered.allegation_ids]
        assert all(not rule.categories or f.category in rule.categories for f in chosen)
        for one in chosen:
            assert one.received_on is not None
            near = [
                f
                for f in chosen
                if f.received_on is not None
                and abs((f.received_on - one.received_on).days) < rule.within_days
            ]
            assert len(near) >= rule.minimum


@given(fact_lists, fact_lists, periods)
def test_adding_allegations_never_untriggers_a_rule(
    before: list[AllegationFact], more: list[AllegationFact], restrictions: list[RestrictionPeriod]
) -> None:
    earlier = by_rule(evaluate(WINDOW_RULES, before, restrictions))
    later = by_rule(evaluate(WINDOW_RULES, before + more, restrictions))
    for rule_id, ids in earlier.items():
        assert rule_id in later
        assert ids <= later[rule_id]


@given(fact_lists, periods, st.randoms(use_true_random=False))
def test_the_order_of_the_input_does_not_matter(
    given_facts: list[AllegationFact], restrictions: list[RestrictionPeriod], random: object
) -> None:
    shuffled = list(given_facts)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    assert evaluate(WINDOW_RULES, given_facts, restrictions) == evaluate(WINDOW_RULES, shuffled, restrictions)


def test_the_second_sexual_allegation_within_five_years_triggers_and_the_first_does_not() -> None:
    first = fact(0, "sexual_misconduct")
    assert evaluate((SEXUAL,), [first, fact(10, "bullying"), fact(20, "other")]) == []
    second = fact(830, "domestic_abuse")
    [triggered] = evaluate((SEXUAL,), [first, second])
    assert set(triggered.allegation_ids) == {first.id, second.id}
    assert evaluate((SEXUAL,), [first, fact(1826, "sexual_misconduct")]) == []


def test_an_allegation_with_no_date_is_left_out() -> None:
    undated = AllegationFact(uuid.uuid4(), "sexual_misconduct", None, COMPLAINT_IDS[0], "x")
    assert evaluate((SEXUAL,), [undated, fact(0, "sexual_misconduct")]) == []


def test_one_complainant_on_three_complaints_is_not_three_complainants() -> None:
    same = [fact(day, complaint=n, complainant="person:1") for n, day in enumerate((0, 30, 60))]
    assert evaluate((COMPLAINANTS,), same) == []
    separate = [fact(day, complaint=n) for n, day in enumerate((0, 30, 60))]
    [triggered] = evaluate((COMPLAINANTS,), separate)
    assert len(triggered.allegation_ids) == 3
    # three allegations on one complaint are one complainant
    assert evaluate((COMPLAINANTS,), [fact(day, complaint=5) for day in (0, 1, 2)]) == []


def test_an_allegation_while_on_restricted_duties_triggers() -> None:
    period = RestrictionPeriod("restricted_duties", START + timedelta(days=100), START + timedelta(days=200))
    assert evaluate((RESTRICTED,), [fact(99), fact(200)], [period]) == []  # the day it ended is not covered
    during = fact(100)
    [triggered] = evaluate((RESTRICTED,), [during, fact(250)], [period])
    assert triggered.allegation_ids == (during.id,)
    suspended = RestrictionPeriod("suspended", START, None)
    assert evaluate((RESTRICTED,), [fact(5)], [suspended]) == []  # not a kind this rule names


def test_the_poisson_tail_matches_the_closed_forms() -> None:
    assert poisson_upper_tail(0, 3.0) == 1.0
    assert poisson_upper_tail(1, 2.0) == pytest.approx(1 - math.exp(-2))
    below_five = sum(math.exp(-2) * 2**k / math.factorial(k) for k in range(5))
    assert poisson_upper_tail(5, 2.0) == pytest.approx(1 - below_five)
    assert poisson_upper_tail(3, 0.0) == 0.0
    assert poisson_upper_tail(2000, 0.5) == 0.0  # far out in the tail every term underflows: it still ends


@given(st.integers(0, 3000), st.floats(0.01, 40))
def test_more_allegations_are_never_more_likely_at_the_same_rate(observed: int, mean: float) -> None:
    assert poisson_upper_tail(observed + 1, mean) <= poisson_upper_tail(observed, mean) + 1e-12


def test_far_above_the_peers_rate_is_flagged_and_near_it_is_not() -> None:
    today = START + timedelta(days=4000)
    eight = [fact(4000 - 100 * n) for n in range(8)]
    peers = {"peers": PeerFigures(people=20, allegations=20)}  # one each on average
    [triggered] = evaluate((PEERS,), eight, peers=peers, today=today)
    assert len(triggered.allegation_ids) == 8
    assert "average 1.0" in triggered.detail
    assert evaluate((PEERS,), eight[:3], peers=peers, today=today) == []  # below the minimum
    busy = {"peers": PeerFigures(people=20, allegations=120)}  # six each: eight is not unusual
    assert evaluate((PEERS,), eight, peers=busy, today=today) == []
    few = {"peers": PeerFigures(people=4, allegations=0)}
    assert evaluate((PEERS,), eight, peers=few, today=today) == []  # too few colleagues to compare
    old = [fact(4000 - 1826 - 10 * n) for n in range(8)]
    assert evaluate((PEERS,), old, peers=peers, today=today) == []  # outside the five years


A, B, C = (uuid.UUID(int=n) for n in (101, 102, 103))


def test_an_open_flag_is_grown_never_duplicated() -> None:
    open_flag = KnownFlag(uuid.uuid4(), True, frozenset({A, B}))
    assert reconcile(Triggered("r", (A, B), ""), [open_flag]) is None
    change = reconcile(Triggered("r", (A, B, C), ""), [open_flag])
    assert change is not None
    assert not change.raise_new
    assert change.flag_id == open_flag.id
    assert set(change.allegation_ids) == {A, B, C}


def test_an_answered_flag_does_not_stop_a_larger_pattern() -> None:
    answered = KnownFlag(uuid.uuid4(), False, frozenset({A, B}))
    assert reconcile(Triggered("r", (A, B), ""), [answered]) is None
    change = reconcile(Triggered("r", (A, B, C), ""), [answered])
    assert change is not None
    assert change.raise_new
    assert set(change.allegation_ids) == {A, B, C}
    first = reconcile(Triggered("r", (A,), ""), [])
    assert first is not None
    assert first.raise_new


@given(st.lists(st.tuples(st.frozensets(st.sampled_from((A, B, C)), min_size=1), st.booleans()), max_size=8))
def test_repeated_evaluation_never_leaves_two_open_flags(
    steps: list[tuple[frozenset[uuid.UUID], bool]],
) -> None:
    """Each step a rule triggers on some allegations, then maybe a decision maker answers the open flag."""
    flags: list[KnownFlag] = []
    for ids, answer in steps:
        change = reconcile(Triggered("r", tuple(sorted(ids)), ""), flags)
        if change is not None and change.raise_new:
            flags.append(KnownFlag(uuid.uuid4(), True, frozenset(change.allegation_ids)))
        elif change is not None:
            flags = [
                KnownFlag(f.id, f.open, frozenset(change.allegation_ids)) if f.id == change.flag_id else f
                for f in flags
            ]
        assert sum(f.open for f in flags) <= 1
        assert ids <= frozenset().union(*(f.allegation_ids for f in flags))
        if answer:
            flags = [KnownFlag(f.id, False, f.allegation_ids) for f in flags]
