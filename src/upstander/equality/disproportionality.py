"""Relative rate index (RRI) of each group against a reference group, each stage against the one before.

The rule
--------
At each stage a group's *rate* is the number of its members who reached the stage divided by the number
who were at the stage before it; for the first stage the "stage before" is the workforce headcount.
The *relative rate index* is the group's rate divided by the reference group's rate. Measuring every
decision point against the one that feeds it shows where disparity enters, instead of carrying the
disparity of earlier stages forward (US Office of Juvenile Justice and Delinquency Prevention,
*Disproportionate Minority Contact Technical Assistance Manual*, 4th ed., ch. 1, "Identification and
Monitoring", Feyerherm, Snyder and Villarruel).

Counts are of people: each person is counted once at each stage they reached, so each stage is a subset
of the stage before it and no rate exceeds 1.

The 95% confidence interval is the log (Katz) method (Katz, Baptista, Azen and Pike, "Obtaining
confidence intervals for the risk ratio in cohort studies", *Biometrics* 34 (1978) 469-474; Altman,
*Practical Statistics for Medical Research*, 1991)::

    SE(ln RRI) = sqrt(1/a - 1/n1 + 1/c - 1/n2)
    interval   = exp(ln RRI -/+ z * SE),   z = the 97.5th percentile of the standard normal (1.96)

where ``a`` of ``n1`` members of the group and ``c`` of ``n2`` members of the reference group reached
the stage.

Outcomes, decided in this order
-------------------------------
1. ``NO_MEMBERS``: the group had nobody at the stage before (n1 = 0): no rate, no ratio.
2. ``REFERENCE_NO_MEMBERS``: the reference group had nobody at the stage before: no comparison.
3. ``REFERENCE_NO_EVENTS``: nobody in the reference group reached the stage: its rate is 0 and the
   ratio would divide by zero, so no comparison is made.
4. ``NO_EVENTS``: nobody in the group reached the stage: rate 0 and ratio 0, but ln 0 has no interval.
5. ``TOO_FEW``: any of the four cells (reached and not reached, in the group and in the reference) is
   below ``min_cell`` (default 5): the ratio is given but not an interval, because the log method's
   normal approximation is unreliable for small cells (the usual five-per-cell rule for 2x2 tables).
6. ``INTERVAL``: the ratio and its interval, read as excluding or including 1.

The reference group's own row has outcome ``REFERENCE`` (ratio 1), or 2 or 3 when it has no rate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist

from upstander.errors import InvalidInput
from upstander.i18n import gettext, lazy_gettext, translated

MIN_CELL = 5
"""Smallest count in any of the four cells for which an interval is given."""

CONFIDENCE = 0.95


class Outcome(StrEnum):
    REFERENCE = "reference"
    INTERVAL = "interval"
    TOO_FEW = "too few for an interval"
    NO_EVENTS = "none reached this stage"
    NO_MEMBERS = "no members at the stage before"
    REFERENCE_NO_EVENTS = "none of the reference group reached this stage"
    REFERENCE_NO_MEMBERS = "no members of the reference group at the stage before"


@dataclass(frozen=True)
class StageCount:
    """How many of a group reached a stage (``reached``) out of how many were at the stage before."""

    reached: int
    base: int

    def __post_init__(self) -> None:
        if self.reached < 0 or self.base < 0:
            raise InvalidInput("Counts cannot be negative.")
        if self.reached > self.base:
            raise InvalidInput(
                f"{self.reached} reached a stage that only {self.base} were at the stage before; "
                "each stage must be a subset of the stage before it."
            )

    @property
    def rate(self) -> float | None:
        return self.reached / self.base if self.base else None


@dataclass(frozen=True)
class Interval:
    lower: float
    upper: float
    level: float = CONFIDENCE

    @property
    def excludes_one(self) -> bool:
        return self.lower > 1.0 or self.upper < 1.0


@dataclass(frozen=True)
class RateComparison:
    """One group at one stage, compared with the reference group at the same stage."""

    group: str
    reference: str
    counts: StageCount
    reference_counts: StageCount
    ratio: float | None
    interval: Interval | None
    outcome: Outcome
    reading: str

    @property
    def rate(self) -> float | None:
        return self.counts.rate

    @property
    def reference_rate(self) -> float | None:
        return self.reference_counts.rate


@dataclass(frozen=True)
class StageComparison:
    """Every group at one stage, measured against ``base_stage``."""

    stage: str
    base_stage: str
    comparisons: tuple[RateComparison, ...]

    def for_group(self, group: str) -> RateComparison:
        for comparison in self.comparisons:
            if comparison.group == group:
                return comparison
        raise KeyError(group)


def relative_rate(
    group: str,
    counts: StageCount,
    reference: str,
    reference_counts: StageCount,
    *,
    level: float = CONFIDENCE,
    min_cell: int = MIN_CELL,
) -> RateComparison:
    """Compare one group's rate at a stage with the reference group's, by the rule in the module docstring."""
    _check_options(level, min_cell)
    a, n1 = counts.reached, counts.base
    c, n2 = reference_counts.reached, reference_counts.base
    ratio: float | None = None
    interval: Interval | None = None
    if n1 == 0:
        outcome = Outcome.REFERENCE_NO_MEMBERS if group == reference else Outcome.NO_MEMBERS
    elif n2 == 0:
        outcome = Outcome.REFERENCE_NO_MEMBERS
    elif c == 0:
        outcome = Outcome.REFERENCE_NO_EVENTS
    elif group == reference:
        outcome, ratio = Outcome.REFERENCE, 1.0
    elif a == 0:
        outcome, ratio = Outcome.NO_EVENTS, 0.0
    else:
        ratio = (a / n1) / (c / n2)
        if min(a, n1 - a, c, n2 - c) < min_cell:
            outcome = Outcome.TOO_FEW
        else:
            outcome, interval = Outcome.INTERVAL, katz_interval(a, n1, c, n2, level=level)
    return RateComparison(
        group=group,
        reference=reference,
        counts=counts,
        reference_counts=reference_counts,
        ratio=ratio,
        interval=interval,
        outcome=outcome,
        reading=_reading(outcome, reference, ratio, interval),
    )


def katz_interval(a: int, n1: int, c: int, n2: int, *, level: float = CONFIDENCE) -> Interval:
    """The log-method interval for (a/n1)/(c/n2); needs a > 0 and c > 0 (Katz et al. 1978)."""
    if not (0 < a <= n1 and 0 < c <= n2):
        raise InvalidInput(
            "An interval needs at least one event in each group, and no more than its members."
        )
    z = NormalDist().inv_cdf(0.5 + level / 2)
    log_ratio = math.log((a / n1) / (c / n2))
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return Interval(lower=math.exp(log_ratio - z * se), upper=math.exp(log_ratio + z * se), level=level)


def compare_stage(
    counts: Mapping[str, StageCount],
    reference: str,
    *,
    level: float = CONFIDENCE,
    min_cell: int = MIN_CELL,
) -> tuple[RateComparison, ...]:
    """Every group at one stage against ``reference``, in the order of ``counts``."""
    if reference not in counts:
        raise InvalidInput(f"The reference group {reference!r} has no counts.")
    reference_counts = counts[reference]
    return tuple(
        relative_rate(group, group_counts, reference, reference_counts, level=level, min_cell=min_cell)
        for group, group_counts in counts.items()
    )


def stage_by_stage(
    stages: Sequence[str],
    counts: Mapping[str, Sequence[int]],
    reference: str,
    *,
    level: float = CONFIDENCE,
    min_cell: int = MIN_CELL,
) -> tuple[StageComparison, ...]:
    """Each stage after the first against the stage before it, for every group.

    ``stages`` names the stages in order, the first being the headcount (e.g. workforce, entered the
    system, investigated, case to answer, proven); ``counts`` maps each group to its count at each
    stage, in the same order.
    """
    if len(stages) < 2:
        raise InvalidInput("At least two stages are needed: a stage and the stage before it.")
    for group, row in counts.items():
        if len(row) != len(stages):
            raise InvalidInput(f"{group!r} has {len(row)} counts for {len(stages)} stages.")
    result = []
    for index in range(1, len(stages)):
        at_stage = {
            group: _stage_count(group, stages[index], row[index], stages[index - 1], row[index - 1])
            for group, row in counts.items()
        }
        result.append(
            StageComparison(
                stage=stages[index],
                base_stage=stages[index - 1],
                comparisons=compare_stage(at_stage, reference, level=level, min_cell=min_cell),
            )
        )
    return tuple(result)


def _stage_count(group: str, stage: str, reached: int, base_stage: str, base: int) -> StageCount:
    if reached > base >= 0:
        raise InvalidInput(
            f"{group!r} has {reached} at {stage!r} but only {base} at {base_stage!r}; "
            "each stage must be a subset of the stage before it."
        )
    return StageCount(reached=reached, base=base)


def _check_options(level: float, min_cell: int) -> None:
    if not 0 < level < 1:
        raise InvalidInput("The confidence level must be between 0 and 1, for example 0.95.")
    if min_cell < 1:
        raise InvalidInput("The smallest cell for an interval must be at least 1.")


def _number(value: float) -> str:
    """Two decimals (two significant figures below 0.1), with more where 2 places would show a 1.00
    that is not 1, so that an interval reported as excluding 1 never appears to touch it."""
    if value < 0.1:
        return f"{value:.2g}"
    places = 2
    while value != 1.0 and f"{value:.{places}f}" == f"{1:.{places}f}" and places < 6:
        places += 1
    return f"{value:.{places}f}"


_FIXED_READINGS = {
    Outcome.REFERENCE: lazy_gettext("the reference group"),
    Outcome.NO_MEMBERS: lazy_gettext("no members at the stage before, so no rate can be given"),
    Outcome.NO_EVENTS: lazy_gettext("none reached this stage; too few to give an interval"),
    Outcome.REFERENCE_NO_MEMBERS: lazy_gettext(
        "the reference group ({reference}) had no members at the stage before, so no comparison can be made"
    ),
    Outcome.REFERENCE_NO_EVENTS: lazy_gettext(
        "none of the reference group ({reference}) reached this stage, so no comparison can be made"
    ),
}


def _reading(outcome: Outcome, reference: str, ratio: float | None, interval: Interval | None) -> str:
    """The result in plain words, for example '1.81 times as likely as White; the interval excludes 1'.

    Readings never quote counts. A ratio is still computed from exact counts, so a ratio published beside
    a suppressed cell can narrow it down; which ratios to publish is the publication's decision.
    """
    if outcome in _FIXED_READINGS or ratio is None:
        return str(_FIXED_READINGS[outcome]).format(reference=translated(reference))
    shown_reference = translated(reference)
    likely = gettext("%(ratio)s times as likely as %(reference)s") % {
        "ratio": _number(ratio),
        "reference": shown_reference,
    }
    if interval is None:
        return gettext("%(likely)s; too few to give an interval") % {"likely": likely}
    values = {
        "likely": likely,
        "percent": f"{interval.level * 100:g}",
        "lower": _number(interval.lower),
        "upper": _number(interval.upper),
    }
    if interval.excludes_one:
        return gettext("%(likely)s; the %(percent)s%% interval (%(lower)s to %(upper)s) excludes 1") % values
    return (
        gettext(
            "%(likely)s; the %(percent)s%% interval (%(lower)s to %(upper)s) includes 1, "
            "so the difference may be chance"
        )
        % values
    )
