"""Stage definitions, the bands subjects are broken down by, and the rows of the stage report."""

from __future__ import annotations

from datetime import date

import pytest

from upstander.equality.disproportionality import Outcome
from upstander.equality.stages import (
    AGE_BANDS,
    NOT_RECORDED,
    SERVICE_BANDS,
    STAGES,
    Characteristic,
    StageDefinition,
    age_band,
    band_order,
    completed_years,
    rank_group,
    service_band,
    stage_definitions,
    stage_rows,
)
from upstander.errors import InvalidInput


def test_stages_run_in_order_each_against_the_stage_that_feeds_it() -> None:
    bases = {stage.key: stage.base for stage in STAGES}
    assert [stage.key for stage in STAGES[:7]] == [
        "workforce",
        "reported",
        "assessed",
        "referred",
        "investigated",
        "case_to_answer",
        "proven",
    ]
    assert bases["workforce"] is None
    assert bases["reported"] == "workforce"
    assert bases["referred"] == "assessed"  # a branch from assessment, beside investigation
    assert bases["investigated"] == "assessed"
    assert bases["proven"] == "case_to_answer"
    sanctions = [stage for stage in STAGES if stage.base == "proven"]
    assert "dismissal" in [stage.key for stage in sanctions]
    assert len(sanctions) == 6


def test_sanctions_come_from_the_policy_pack() -> None:
    stages = stage_definitions(sanctions=(("management_advice", "management advice"),))
    assert stages[-1].key == "management_advice"
    assert stages[-1].base == "proven"


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (18, "under 25"),
        (24, "under 25"),
        (25, "25 to 34"),
        (34, "25 to 34"),
        (35, "35 to 44"),
        (44, "35 to 44"),
        (45, "45 to 54"),
        (54, "45 to 54"),
        (55, "55 and over"),
        (70, "55 and over"),
        (None, NOT_RECORDED),
    ],
)
def test_age_bands(age: int | None, band: str) -> None:
    assert age_band(age) == band


@pytest.mark.parametrize(
    ("years", "band"),
    [
        (0, "under 2 years"),
        (1, "under 2 years"),
        (2, "2 to under 5 years"),
        (4, "2 to under 5 years"),
        (5, "5 to under 10 years"),
        (9, "5 to under 10 years"),
        (10, "10 to under 20 years"),
        (19, "10 to under 20 years"),
        (20, "20 years and over"),
        (41, "20 years and over"),
        (None, NOT_RECORDED),
    ],
)
def test_service_bands(years: int | None, band: str) -> None:
    assert service_band(years) == band


def test_negative_ages_and_service_are_refused() -> None:
    with pytest.raises(InvalidInput):
        age_band(-1)
    with pytest.raises(InvalidInput):
        service_band(-1)


@pytest.mark.parametrize(
    ("start", "on", "years"),
    [
        (date(2000, 6, 15), date(2025, 6, 14), 24),
        (date(2000, 6, 15), date(2025, 6, 15), 25),
        (date(2004, 2, 29), date(2025, 2, 28), 20),
        (date(2004, 2, 29), date(2025, 3, 1), 21),
        (date(2025, 1, 1), date(2025, 1, 1), 0),
    ],
)
def test_completed_years(start: date, on: date, years: int) -> None:
    assert completed_years(start, on) == years


def test_completed_years_refuses_a_date_before_the_start() -> None:
    with pytest.raises(InvalidInput):
        completed_years(date(2025, 1, 2), date(2025, 1, 1))


@pytest.mark.parametrize(
    ("rank", "group"),
    [
        ("Constable", "constable"),
        ("Police Constable", "constable"),
        ("Detective  Chief Inspector", "chief inspector"),
        ("chief superintendent", "chief superintendent"),
        ("Assistant Chief Constable", "chief officer"),
        ("Commander", "chief officer"),
        ("Police Staff", "police staff"),
        (None, NOT_RECORDED),
        ("  ", NOT_RECORDED),
    ],
)
def test_rank_groups(rank: str | None, group: str) -> None:
    assert rank_group(rank) == group


def test_an_unknown_rank_is_refused_rather_than_hidden() -> None:
    with pytest.raises(InvalidInput, match="'Admiral'"):
        rank_group("Admiral")


def test_band_order() -> None:
    assert band_order(Characteristic.AGE_BAND) == AGE_BANDS
    assert band_order(Characteristic.LENGTH_OF_SERVICE) == SERVICE_BANDS
    assert band_order(Characteristic.ETHNICITY) is None


def test_stage_rows_give_counts_rates_and_relative_rates_in_report_order() -> None:
    counts = {
        "White": {"workforce": 5000, "reported": 250, "assessed": 250, "investigated": 100},
        "Black": {"workforce": 800, "reported": 72, "assessed": 72, "investigated": 36},
        "Mixed": {"workforce": 0},
    }
    rows = stage_rows(counts, "White")

    assert [(row.stage.key, row.group) for row in rows[:6]] == [
        ("workforce", "White"),
        ("workforce", "Black"),
        ("workforce", "Mixed"),
        ("reported", "White"),
        ("reported", "Black"),
        ("reported", "Mixed"),
    ]
    assert len(rows) == len(STAGES) * 3
    headcount = rows[1]
    assert (headcount.count, headcount.base_count, headcount.comparison, headcount.rate) == (
        800,
        None,
        None,
        None,
    )

    by_key = {(row.stage.key, row.group): row for row in rows}
    entered = by_key["reported", "Black"]
    assert (entered.count, entered.base_count) == (72, 800)
    assert entered.rate == pytest.approx(0.09)
    assert entered.comparison is not None
    assert (
        entered.comparison.reading
        == "1.80 times as likely as White; the 95% interval (1.40 to 2.31) excludes 1"
    )

    investigated = by_key["investigated", "Black"]
    assert (investigated.count, investigated.base_count) == (36, 72)  # against those assessed
    assert by_key["reported", "Mixed"].comparison is not None
    assert by_key["reported", "Mixed"].comparison.outcome is Outcome.NO_MEMBERS
    referred = by_key["referred", "Black"]  # no count given: zero referred out of 72 assessed
    assert (referred.count, referred.base_count) == (0, 72)
    assert referred.comparison is not None
    assert referred.comparison.outcome is Outcome.REFERENCE_NO_EVENTS


def test_stage_rows_refuse_a_stage_larger_than_the_one_before() -> None:
    counts = {"White": {"workforce": 100, "reported": 10, "assessed": 11}}
    with pytest.raises(InvalidInput, match="'White' has 11 at 'assessed' but only 10 at the stage before"):
        stage_rows(counts, "White")


def test_stage_rows_refuse_unknown_stages() -> None:
    with pytest.raises(InvalidInput, match="unknown stages: sacked"):
        stage_rows({"White": {"workforce": 100, "sacked": 1}}, "White")


def test_stage_rows_refuse_definitions_measured_against_a_missing_stage() -> None:
    broken = (*STAGES[:1], StageDefinition("proven", "proven", "case_to_answer"))
    with pytest.raises(InvalidInput, match="unknown stage 'case_to_answer'"):
        stage_rows({"White": {"workforce": 100}}, "White", broken)
