"""The stages of the misconduct process, the bands used to break them down, and the report's rows.

Stages (each a subset of its base stage; counts are of people, each counted once per stage)::

    workforce (headcount) -> reported -> assessed -> investigated -> case to answer -> proven
                                         assessed -> referred to the overseer
                                                                            proven -> each sanction

A stage is measured against its base stage (the stage that feeds it), so a disparity shows at the stage
where it enters. Referral to the overseer branches from assessment, and each sanction from a proven
finding, because they are outcomes side by side rather than steps in a chain.

Breakdowns of subjects: ethnicity, sex, age band, rank and length of service. Ages and lengths of
service are in completed years on the date the counts are taken. Age bands: under 25, 25 to 34, 35 to
44, 45 to 54, 55 and over. Service bands: under 2 years, 2 to under 5, 5 to under 10, 10 to under 20,
20 and over. Ranks are grouped as in the Home Office *Police workforce, England and Wales* tables, with
every rank above chief superintendent as "chief officer".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from upstander.equality.disproportionality import (
    CONFIDENCE,
    MIN_CELL,
    RateComparison,
    StageCount,
    compare_stage,
)
from upstander.errors import InvalidInput

NOT_RECORDED = "not recorded"


class Characteristic(StrEnum):
    ETHNICITY = "ethnicity"
    SEX = "sex"
    AGE_BAND = "age band"
    RANK = "rank"
    LENGTH_OF_SERVICE = "length of service"


@dataclass(frozen=True)
class StageDefinition:
    key: str
    label: str
    base: str | None  # the stage this one is measured against; None for the headcount


WORKFORCE = "workforce"
REPORTED = "reported"
ASSESSED = "assessed"
REFERRED = "referred"
INVESTIGATED = "investigated"
CASE_TO_ANSWER = "case_to_answer"
PROVEN = "proven"

DEFAULT_SANCTIONS: tuple[tuple[str, str], ...] = (
    ("reflective_practice", "reflective practice"),
    ("written_warning", "written warning"),
    ("final_written_warning", "final written warning"),
    ("reduction_in_rank", "reduction in rank"),
    ("dismissal", "dismissal without notice"),
    ("would_have_been_dismissed", "would have been dismissed"),
)


def stage_definitions(
    sanctions: Sequence[tuple[str, str]] = DEFAULT_SANCTIONS,
) -> tuple[StageDefinition, ...]:
    """The stages in report order; ``sanctions`` (key, label) come from the policy pack in force."""
    chain = (
        StageDefinition(WORKFORCE, "workforce (headcount)", None),
        StageDefinition(REPORTED, "subject of a report", WORKFORCE),
        StageDefinition(ASSESSED, "assessed", REPORTED),
        StageDefinition(REFERRED, "referred to the overseer", ASSESSED),
        StageDefinition(INVESTIGATED, "investigated", ASSESSED),
        StageDefinition(CASE_TO_ANSWER, "case to answer", INVESTIGATED),
        StageDefinition(PROVEN, "proven", CASE_TO_ANSWER),
    )
    return chain + tuple(StageDefinition(key, label, PROVEN) for key, label in sanctions)


STAGES = stage_definitions()

AGE_BANDS = ("under 25", "25 to 34", "35 to 44", "45 to 54", "55 and over")
SERVICE_BANDS = (
    "under 2 years",
    "2 to under 5 years",
    "5 to under 10 years",
    "10 to under 20 years",
    "20 years and over",
)
RANK_GROUPS = (
    "constable",
    "sergeant",
    "inspector",
    "chief inspector",
    "superintendent",
    "chief superintendent",
    "chief officer",
    "police staff",
)
_CHIEF_OFFICER_RANKS = frozenset(
    {
        "commander",
        "deputy assistant commissioner",
        "assistant commissioner",
        "deputy commissioner",
        "commissioner",
        "assistant chief constable",
        "deputy chief constable",
        "chief constable",
    }
)


def completed_years(start: date, on: date) -> int:
    """Whole years from ``start`` to ``on`` (an age or a length of service); 29 February falls on 1 March."""
    if on < start:
        raise InvalidInput("The date measured to is before the start date.")
    return on.year - start.year - ((on.month, on.day) < (start.month, start.day))


def age_band(age: int | None) -> str:
    """The age band for an age in completed years: under 25, 25 to 34, ..., 55 and over."""
    if age is None:
        return NOT_RECORDED
    if age < 0:
        raise InvalidInput("An age cannot be negative.")
    return _band(age, (25, 35, 45, 55), AGE_BANDS)


def service_band(years: int | None) -> str:
    """The length-of-service band for completed years of service: under 2, 2-5, 5-10, 10-20, 20 and over."""
    if years is None:
        return NOT_RECORDED
    if years < 0:
        raise InvalidInput("Length of service cannot be negative.")
    return _band(years, (2, 5, 10, 20), SERVICE_BANDS)


def _band(value: int, starts_of_next: Sequence[int], bands: Sequence[str]) -> str:
    """``bands[i]`` holds values below ``starts_of_next[i]``; the last band holds the rest."""
    for upper, band in zip(starts_of_next, bands, strict=False):
        if value < upper:
            return band
    return bands[-1]


def rank_group(rank: str | None) -> str:
    """The Home Office rank group: detective ranks as their uniform equivalents, and every rank above chief
    superintendent (assistant chief constable or commander and above) as "chief officer"."""
    if rank is None or not rank.strip():
        return NOT_RECORDED
    name = " ".join(rank.lower().split())
    if name in RANK_GROUPS:  # includes "police staff", which the prefix rule below would spoil
        return name
    for prefix in ("police ", "detective "):  # the same rank in uniform or in CID
        name = name.removeprefix(prefix)
    if name in RANK_GROUPS:
        return name
    if name in _CHIEF_OFFICER_RANKS:
        return "chief officer"
    raise InvalidInput(f"{rank!r} is not a rank this report knows.")


def band_order(characteristic: Characteristic) -> tuple[str, ...] | None:
    """The order in which a characteristic's bands are shown, or None where it is not ordinal."""
    return {
        Characteristic.AGE_BAND: AGE_BANDS,
        Characteristic.LENGTH_OF_SERVICE: SERVICE_BANDS,
        Characteristic.RANK: RANK_GROUPS,
    }.get(characteristic)


@dataclass(frozen=True)
class StageRow:
    """One group at one stage: its count and, after the headcount, its rate and relative rate index."""

    stage: StageDefinition
    group: str
    count: int
    base_count: int | None
    comparison: RateComparison | None

    @property
    def rate(self) -> float | None:
        return self.comparison.rate if self.comparison else None


def stage_rows(
    counts: Mapping[str, Mapping[str, int]],
    reference: str,
    definitions: Sequence[StageDefinition] = STAGES,
    *,
    level: float = CONFIDENCE,
    min_cell: int = MIN_CELL,
) -> tuple[StageRow, ...]:
    """The report's rows: for each stage in order, each group in the order of ``counts``.

    ``counts`` maps each group to its count at each stage key; a stage missing for a group counts 0.
    """
    keys = {definition.key for definition in definitions}
    for definition in definitions:
        if definition.base is not None and definition.base not in keys:
            raise InvalidInput(
                f"Stage {definition.key!r} is measured against an unknown stage {definition.base!r}."
            )
    for group, by_stage in counts.items():
        unknown = set(by_stage) - keys
        if unknown:
            raise InvalidInput(f"{group!r} has counts for unknown stages: {', '.join(sorted(unknown))}.")
    rows: list[StageRow] = []
    for definition in definitions:
        at_stage = {group: by_stage.get(definition.key, 0) for group, by_stage in counts.items()}
        if definition.base is None:
            rows += [StageRow(definition, group, count, None, None) for group, count in at_stage.items()]
            continue
        base_key = definition.base
        stage_counts = {}
        for group, count in at_stage.items():
            base = counts[group].get(base_key, 0)
            if count > base:
                raise InvalidInput(
                    f"{group!r} has {count} at {definition.label!r} but only {base} at the stage before; "
                    "each stage must be a subset of the stage before it."
                )
            stage_counts[group] = StageCount(reached=count, base=base)
        comparisons = compare_stage(stage_counts, reference, level=level, min_cell=min_cell)
        rows += [StageRow(definition, c.group, c.counts.reached, c.counts.base, c) for c in comparisons]
    return tuple(rows)
