"""The synthetic data's rules: the same seed gives the same rows, and what is planted is what was asked."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upstander.errors import InvalidInput
from upstander.synth import rules

SMALL = rules.SynthSpec(
    forces=2, years=3, allegations=400, seed=7, until=date(2024, 12, 31), serial_offenders=3
)


def test_the_same_spec_gives_the_same_rows_and_another_seed_other_rows() -> None:
    first, again = rules.generate(SMALL), rules.generate(SMALL)
    assert [table.rows for table in first.tables] == [table.rows for table in again.tables]
    other = rules.generate(rules.SynthSpec(**{**SMALL.__dict__, "seed": 8}))
    assert other.table("people").rows != first.table("people").rows
    assert not {row[0] for row in other.table("people").rows} & {row[0] for row in first.table("people").rows}


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31), years=st.integers(1, 12), forces=st.integers(1, 4))
def test_every_row_is_in_the_period_and_every_stage_a_subset_of_the_one_before(
    seed: int, years: int, forces: int
) -> None:
    spec = rules.SynthSpec(forces=forces, years=years, allegations=60, seed=seed, until=date(2023, 6, 30))
    data = rules.generate(spec)
    assert len(data.table("org_units").rows) == forces * (
        1 + rules.COMMANDS_PER_FORCE * (1 + rules.UNITS_PER_COMMAND)
    )
    people = {row[0] for row in data.table("people").rows}
    complaints = {row[0] for row in data.table("complaints").rows}
    for row in data.table("allegations").rows:
        assert row[1] in complaints
        assert row[11] in people
        assert spec.first_day <= row[4] <= spec.until
        assert 0 <= row[8] <= 4
        assert (row[6] is None) == (row[8] == 0)
        assert (row[10] is not None) == (row[8] == 4)
    assert sum(data.headcount.values()) == len(people)


def test_the_planted_entry_rates_are_what_was_asked_within_sampling_error() -> None:
    spec = rules.SynthSpec(allegations=40_000, seed=3)
    data = rules.generate(spec)
    found = rules.entry_rates(data.headcount, data.entrants, rules.REFERENCE_GROUP)
    for group, planted in spec.relative_entry.items():
        rate = data.entrants[group] / data.headcount[group]
        reference = data.entrants["White"] / data.headcount["White"]
        spread = math.sqrt(
            (1 - rate) / max(data.entrants[group], 1) + (1 - reference) / data.entrants["White"]
        )
        assert abs(math.log(found[group]) - math.log(planted)) < 3 * spread, group


def test_the_published_shape_holds_allegations_per_subject_repeat_subjects_and_no_case_to_answer() -> None:
    data = rules.generate(rules.SynthSpec(allegations=30_000, seed=5, serial_offenders=0))
    allegations = data.table("allegations").rows
    assert len(allegations) == pytest.approx(30_000, rel=0.05)
    subjects = Counter(row[11] for row in allegations)
    assert len(allegations) / len(subjects) == pytest.approx(rules.ALLEGATIONS_PER_SUBJECT, rel=0.05)
    pairs = {(row[1], row[11]) for row in allegations}
    repeat = Counter(person for _, person in pairs)
    share = sum(1 for count in repeat.values() if count > 1) / len(repeat)
    assert share == pytest.approx(rules.SHARE_IN_SEVERAL_COMPLAINTS, abs=0.02)
    assessed = [row for row in allegations if row[8] >= 1]
    no_case = sum(1 for row in assessed if row[6] == "no case to answer") / len(assessed)
    assert 0.55 <= no_case <= 0.61


def test_serial_offenders_have_their_burst_and_are_in_the_manifest() -> None:
    data = rules.generate(SMALL)
    assert len(data.serial_offenders) == 3
    by_id = {row[0]: row for row in data.table("allegations").rows}
    for offender in data.serial_offenders:
        burst = [by_id[allegation] for allegation in offender.allegation_ids]
        assert len(burst) == rules.SERIAL_ALLEGATIONS
        days = sorted(row[4] for row in burst)
        assert (days[-1] - days[0]).days < rules.SERIAL_WITHIN_DAYS
        assert sum(1 for row in burst if row[3] == rules.SERIAL_CATEGORY) >= 2
        assert all(row[11] == offender.person_id for row in burst)
    manifest = data.manifest()
    assert [entry["staff_number"] for entry in manifest["serial_offenders"]] == [
        offender.staff_number for offender in data.serial_offenders
    ]
    assert manifest["relative_rate_of_entry"]["planted"] == SMALL.relative_entry


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"forces": 0}, "forces"),
        ({"allegations": 3}, "allegations"),
        ({"base_entry_rate": 0.9}, "base_entry_rate"),
        ({"ethnicities": (("White", 1.0, 2.0),)}, "ethnicities"),
    ],
)
def test_a_spec_that_cannot_be_made_is_refused_with_the_field_named(
    change: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.SynthSpec(**{**SMALL.__dict__, **change})  # type: ignore[arg-type]
    assert field in refused.value.fields


def test_the_period_runs_whole_years_back_from_its_last_day() -> None:
    assert rules.SynthSpec(years=10, until=date(2022, 12, 31)).first_day == date(2013, 1, 1)
    assert rules.SynthSpec(years=1, until=date(2024, 2, 29)).first_day == date(2023, 3, 1)
