"""The arithmetic of an analysis: exact, with the rounding rule it states."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstander.analysis import rules

counts_strategy = st.dictionaries(st.integers(0, 500), st.integers(1, 60), min_size=1, max_size=60)


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (Fraction(4505, 1000), 2, "4.51"),
        (Fraction(-4505, 1000), 2, "-4.51"),
        (Fraction(4504999, 1000000), 2, "4.50"),
        (Fraction(2, 3), 4, "0.6667"),
        (Fraction(49690, 11013), 2, "4.51"),
        (Fraction(7), 1, "7.0"),
        (Fraction(1, 8), 2, "0.13"),
    ],
)
def test_rounding_sends_halves_away_from_zero(value: Fraction, places: int, shown: str) -> None:
    assert rules.rounded(value, places) == Decimal(shown)
    assert str(rules.rounded(value, places)) == shown


@given(st.fractions(min_value=-1000, max_value=1000), st.integers(0, 6))
def test_rounding_is_never_more_than_half_a_unit_off(value: Fraction, places: int) -> None:
    shown = Fraction(rules.rounded(value, places))
    assert abs(shown - value) <= Fraction(1, 2 * 10**places)


def test_a_rate_counts_among_its_denominator_only() -> None:
    records = [{"finding": finding} for finding in ["SU", "SU", "NS", "UN", "EX", "NAF", "NAF", None]]
    hits, among, value = rules.rate(
        records, rules.where("finding", ["SU"]), rules.where("finding", ["SU", "NS", "UN", "EX"])
    )
    assert (hits, among, value) == (2, 5, Fraction(2, 5))
    assert rules.rate([], rules.where("finding", ["SU"]), lambda _record: True)[2] == 0


def test_filters_groups_and_ranges() -> None:
    records = [
        {"category": "force", "month": "2008-01", "filed_by": "public"},
        {"category": "force", "month": "2016-01", "filed_by": "staff"},
        {"category": "search", "month": None, "filed_by": "public"},
    ]
    assert rules.kept(records, [rules.between("month", "2008-01", "2015-12")]) == records[:1]
    assert rules.kept(records, [rules.between("month", None, None)]) == records
    assert rules.kept(records, [rules.where("filed_by", ["public"])]) == [records[0], records[2]]
    assert {key: len(value) for key, value in rules.group(records, "category").items()} == {
        "force": 2,
        "search": 1,
    }
    assert list(rules.group(records, None)) == ["all"]


def test_the_top_tenth_and_the_median_among_them() -> None:
    counts = dict.fromkeys(range(18), 1) | {100: 30, 101: 10}
    top = rules.top_share(counts, Fraction(1, 10))
    assert (top.people, top.of_people, top.held, top.of_records) == (2, 20, 40, 58)
    assert top.share == Fraction(40, 58)
    assert top.median == 20
    assert rules.distribution(counts) == {1: 18, 10: 1, 30: 1}
    assert rules.at_least(counts, 10) == (2, 40)
    with pytest.raises(ValueError, match="above 0"):
        rules.top_share(counts, Fraction(0))


@given(counts_strategy, st.fractions(min_value=Fraction(1, 100), max_value=1))
def test_the_top_holds_at_least_its_proportion_of_all(counts: dict[int, int], fraction: Fraction) -> None:
    top = rules.top_share(counts, fraction)
    assert top.people >= 1
    assert top.share >= Fraction(top.people, top.of_people)
    assert rules.top_share(counts, Fraction(1)).share == 1
    assert min(counts.values()) <= top.median <= max(counts.values())


@given(counts_strategy)
def test_the_distribution_accounts_for_every_person_and_record(counts: dict[int, int]) -> None:
    spread = rules.distribution(counts)
    assert sum(spread.values()) == len(counts)
    assert sum(number * people for number, people in spread.items()) == sum(counts.values())


@given(st.lists(st.integers(-50, 50), min_size=1))
def test_the_median_splits_the_values(values: list[int]) -> None:
    middle = rules.median(values)
    assert sum(1 for value in values if value < middle) <= len(values) / 2
    assert sum(1 for value in values if value > middle) <= len(values) / 2
