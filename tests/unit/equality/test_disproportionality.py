"""Relative rate index and its log-method interval, against values worked by hand.

Hand working uses z = 1.959964 (the 97.5th percentile of the standard normal) and
SE(ln RRI) = sqrt(1/a - 1/n1 + 1/c - 1/n2) for a of n1 in the group and c of n2 in the reference.
"""

from __future__ import annotations

import pytest

from upstander.equality.disproportionality import (
    Outcome,
    StageCount,
    katz_interval,
    relative_rate,
    stage_by_stage,
)
from upstander.errors import InvalidInput


def test_ratio_and_interval_match_hand_working() -> None:
    # 40 of 1,000 against 100 of 5,000: rates 0.04 and 0.02, so RRI = 2.
    # SE = sqrt(1/40 - 1/1000 + 1/100 - 1/5000) = sqrt(0.0338) = 0.183848; z * SE = 0.360335
    # interval = 2 * exp(-0.360335) to 2 * exp(0.360335) = 2 * 0.697443 to 2 * 1.433810 = 1.394885 to 2.867619
    result = relative_rate("Black", StageCount(40, 1000), "White", StageCount(100, 5000))
    assert result.outcome is Outcome.INTERVAL
    assert result.rate == pytest.approx(0.04)
    assert result.reference_rate == pytest.approx(0.02)
    assert result.ratio == pytest.approx(2.0)
    assert result.interval is not None
    assert result.interval.lower == pytest.approx(1.394885, abs=1e-5)
    assert result.interval.upper == pytest.approx(2.867619, abs=1e-5)
    assert result.reading == "2.00 times as likely as White; the 95% interval (1.39 to 2.87) excludes 1"


def test_reading_of_the_figure_in_the_issue() -> None:
    # 181 of 1,000 against 1,000 of 10,000: RRI = 0.181 / 0.1 = 1.81.
    # SE = sqrt(1/181 - 1/1000 + 1/1000 - 1/10000) = sqrt(0.0054249) = 0.0736537; z * SE = 0.144359
    # interval = 1.81 * 0.865577 to 1.81 * 1.155298 = 1.566695 to 2.091090
    result = relative_rate("Black", StageCount(181, 1000), "White", StageCount(1000, 10000))
    assert result.interval is not None
    assert result.interval.lower == pytest.approx(1.566695, abs=1e-5)
    assert result.interval.upper == pytest.approx(2.091090, abs=1e-5)
    assert result.reading == "1.81 times as likely as White; the 95% interval (1.57 to 2.09) excludes 1"


def test_an_interval_that_includes_one_is_read_as_possibly_chance() -> None:
    # 36 of 72 against 100 of 250: RRI = 0.5 / 0.4 = 1.25.
    # SE = sqrt(1/36 - 1/72 + 1/100 - 1/250) = sqrt(0.0198889) = 0.141028; z * SE = 0.276410
    # interval = 1.25 * 0.758502 to 1.25 * 1.318388 = 0.948128 to 1.647985
    result = relative_rate("Black", StageCount(36, 72), "White", StageCount(100, 250))
    assert result.interval is not None
    assert result.interval.lower == pytest.approx(0.948128, abs=1e-5)
    assert result.interval.upper == pytest.approx(1.647985, abs=1e-5)
    assert not result.interval.excludes_one
    assert result.reading == (
        "1.25 times as likely as White; the 95% interval (0.95 to 1.65) includes 1, "
        "so the difference may be chance"
    )


def test_a_lower_bound_just_above_one_is_not_shown_as_one() -> None:
    # 75 of 150 against 100 of 250: SE = sqrt(1/75 - 1/150 + 1/100 - 1/250) = sqrt(0.0126667) = 0.112546
    # lower = 1.25 * exp(-1.959964 * 0.112546) = 1.25 * 0.802048 = 1.002560
    result = relative_rate("Black", StageCount(75, 150), "White", StageCount(100, 250))
    assert result.interval is not None
    assert result.interval.lower == pytest.approx(1.002560, abs=1e-5)
    assert result.reading == "1.25 times as likely as White; the 95% interval (1.003 to 1.56) excludes 1"


def test_a_small_group_with_five_in_every_cell_gets_an_interval() -> None:
    # 5 of 10 against 50 of 1,000: cells 5, 5, 50, 950 are all at least 5. RRI = 0.5 / 0.05 = 10.
    # SE = sqrt(1/5 - 1/10 + 1/50 - 1/1000) = sqrt(0.119) = 0.344964; z * SE = 0.676117
    # interval = 10 * 0.508588 to 10 * 1.966227 = 5.085882 to 19.662272: wide, as a group of 10 should be
    result = relative_rate("Black", StageCount(5, 10), "White", StageCount(50, 1000))
    assert result.outcome is Outcome.INTERVAL
    assert result.interval is not None
    assert result.interval.lower == pytest.approx(5.085882, abs=1e-5)
    assert result.interval.upper == pytest.approx(19.662272, abs=1e-5)


@pytest.mark.parametrize(
    ("a", "n1", "c", "n2"),
    [
        pytest.param(4, 20, 100, 1000, id="four reached in the group"),
        pytest.param(16, 20, 100, 1000, id="four did not reach in the group"),
        pytest.param(10, 100, 4, 1000, id="four reached in the reference"),
        pytest.param(10, 100, 996, 1000, id="four did not reach in the reference"),
    ],
)
def test_a_cell_below_five_gives_the_ratio_but_no_interval(a: int, n1: int, c: int, n2: int) -> None:
    result = relative_rate("Black", StageCount(a, n1), "White", StageCount(c, n2))
    assert result.outcome is Outcome.TOO_FEW
    assert result.interval is None
    assert result.ratio == pytest.approx((a / n1) / (c / n2))
    assert result.reading.endswith("; too few to give an interval")


def test_too_few_reading_quotes_the_ratio() -> None:
    # 3 of 20 against 100 of 1,000: RRI = 0.15 / 0.1 = 1.5
    result = relative_rate("Asian", StageCount(3, 20), "White", StageCount(100, 1000))
    assert result.reading == "1.50 times as likely as White; too few to give an interval"


def test_the_cell_rule_is_configurable() -> None:
    result = relative_rate("Asian", StageCount(3, 20), "White", StageCount(100, 1000), min_cell=3)
    assert result.outcome is Outcome.INTERVAL


def test_zero_events_in_the_group_give_a_zero_rate_and_no_interval() -> None:
    result = relative_rate("Asian", StageCount(0, 50), "White", StageCount(20, 200))
    assert result.outcome is Outcome.NO_EVENTS
    assert result.rate == 0.0
    assert result.ratio == 0.0
    assert result.interval is None
    assert result.reading == "none reached this stage; too few to give an interval"


def test_zero_events_in_the_reference_give_no_comparison() -> None:
    result = relative_rate("Asian", StageCount(5, 50), "White", StageCount(0, 200))
    assert result.outcome is Outcome.REFERENCE_NO_EVENTS
    assert result.ratio is None
    assert result.interval is None
    assert (
        result.reading
        == "none of the reference group (White) reached this stage, so no comparison can be made"
    )


def test_zero_events_everywhere_is_a_reference_problem_first() -> None:
    result = relative_rate("Asian", StageCount(0, 50), "White", StageCount(0, 200))
    assert result.outcome is Outcome.REFERENCE_NO_EVENTS


def test_a_group_with_no_members_has_no_rate() -> None:
    result = relative_rate("Mixed", StageCount(0, 0), "White", StageCount(20, 200))
    assert result.outcome is Outcome.NO_MEMBERS
    assert result.rate is None
    assert result.ratio is None
    assert result.reading == "no members at the stage before, so no rate can be given"


def test_a_reference_with_no_members_gives_no_comparison() -> None:
    result = relative_rate("Black", StageCount(5, 50), "White", StageCount(0, 0))
    assert result.outcome is Outcome.REFERENCE_NO_MEMBERS
    assert result.ratio is None
    assert "no comparison" in result.reading


def test_the_reference_row_has_ratio_one() -> None:
    result = relative_rate("White", StageCount(20, 200), "White", StageCount(20, 200))
    assert result.outcome is Outcome.REFERENCE
    assert result.ratio == 1.0
    assert result.interval is None


@pytest.mark.parametrize(
    ("reached", "base"), [pytest.param(-1, 10, id="negative"), pytest.param(11, 10, id="more than before")]
)
def test_impossible_counts_are_refused(reached: int, base: int) -> None:
    with pytest.raises(InvalidInput):
        StageCount(reached, base)


def test_the_confidence_level_can_change() -> None:
    # z for 90% = 1.644854; z * SE = 1.644854 * 0.183848 = 0.302403
    # interval = 2 * 0.739040 to 2 * 1.353106 = 1.478081 to 2.706212
    result = relative_rate("Black", StageCount(40, 1000), "White", StageCount(100, 5000), level=0.9)
    assert result.interval is not None
    assert result.interval.level == 0.9
    assert result.interval.lower == pytest.approx(1.478081, abs=1e-5)
    assert result.interval.upper == pytest.approx(2.706212, abs=1e-5)
    assert "the 90% interval" in result.reading


@pytest.mark.parametrize("level", [0.0, 1.0, 95.0])
def test_a_confidence_level_outside_zero_and_one_is_refused(level: float) -> None:
    with pytest.raises(InvalidInput):
        relative_rate("Black", StageCount(40, 1000), "White", StageCount(100, 5000), level=level)


def test_katz_interval_needs_events_in_both_groups() -> None:
    with pytest.raises(InvalidInput):
        katz_interval(0, 10, 5, 10)


def test_each_stage_is_measured_against_the_stage_before() -> None:
    stages = ("workforce", "reported", "investigated")
    counts = {"White": (5000, 250, 100), "Black": (800, 72, 36), "Mixed": (0, 0, 0)}
    entered, investigated = stage_by_stage(stages, counts, "White")

    assert (entered.stage, entered.base_stage) == ("reported", "workforce")
    # Entry: 72 / 800 = 0.09 against 250 / 5000 = 0.05, RRI 1.8.
    # SE = sqrt(1/72 - 1/800 + 1/250 - 1/5000) = sqrt(0.0164389) = 0.128214; z * SE = 0.251295
    # interval = 1.8 * 0.777793 to 1.8 * 1.285690 = 1.400027 to 2.314241
    black = entered.for_group("Black")
    assert black.ratio == pytest.approx(1.8)
    assert black.interval is not None
    assert black.interval.lower == pytest.approx(1.400027, abs=1e-5)
    assert black.interval.upper == pytest.approx(2.314241, abs=1e-5)
    assert entered.for_group("White").outcome is Outcome.REFERENCE
    assert entered.for_group("Mixed").outcome is Outcome.NO_MEMBERS

    # Investigation is measured against those reported, not the workforce: 36 / 72 against 100 / 250.
    assert (investigated.stage, investigated.base_stage) == ("investigated", "reported")
    assert investigated.for_group("Black").ratio == pytest.approx(1.25)
    assert investigated.for_group("Black").counts == StageCount(36, 72)


def test_stage_by_stage_names_the_group_and_stage_of_a_bad_count() -> None:
    with pytest.raises(InvalidInput, match="'Black' has 90 at 'reported' but only 80 at 'workforce'"):
        stage_by_stage(("workforce", "reported"), {"White": (100, 10), "Black": (80, 90)}, "White")


def test_stage_by_stage_refuses_a_missing_reference_or_ragged_counts() -> None:
    with pytest.raises(InvalidInput, match="reference group"):
        stage_by_stage(("workforce", "reported"), {"Black": (80, 9)}, "White")
    with pytest.raises(InvalidInput, match="2 stages"):
        stage_by_stage(("workforce", "reported"), {"White": (80,)}, "White")
    with pytest.raises(InvalidInput, match="two stages"):
        stage_by_stage(("workforce",), {"White": (80,)}, "White")


def test_reproduces_a_published_relative_risk_from_its_published_counts() -> None:
    """The worked example of risk ratios in Wikipedia's medical-statistics articles.

    Source: Wikipedia, "Template:RCT risk reduction example" and "Template:RCT risk increase example",
    transcluded in the articles "Relative risk" and "Odds ratio" (section "Worked example"); the copy read
    for this test is https://handwiki.org/wiki/Template:RCT_risk_reduction_example and, for both examples
    side by side, https://www.liquisearch.com/odds_ratio/worked_example.

    Published counts: experimental group 15 events of 150 (risk reduction) or 75 of 150 (risk increase);
    control group 100 events of 250. Published risk ratios: EER / CER = 0.25 and 1.25.

    No police statistics found in the searchable sources gave both the counts *and* the denominators
    behind a published ratio (Home Office and press figures give rates per 1,000, not populations), so
    this textbook example stands in; the source publishes no interval, so the intervals here are checked
    by hand: SE = sqrt(1/15 - 1/150 + 1/100 - 1/250) = sqrt(0.066) = 0.256905, giving
    0.25 * exp(-/+ 0.503526) = 0.151099 to 0.413635.
    """
    reduction = relative_rate("experimental", StageCount(15, 150), "control", StageCount(100, 250))
    increase = relative_rate("experimental", StageCount(75, 150), "control", StageCount(100, 250))

    assert reduction.ratio == pytest.approx(0.25)
    assert increase.ratio == pytest.approx(1.25)
    assert reduction.interval is not None
    assert reduction.interval.lower == pytest.approx(0.151099, abs=1e-5)
    assert reduction.interval.upper == pytest.approx(0.413635, abs=1e-5)
    assert reduction.reading == "0.25 times as likely as control; the 95% interval (0.15 to 0.41) excludes 1"
