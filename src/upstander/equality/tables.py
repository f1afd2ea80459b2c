"""Stage tables: each group's count at each stage with its rate and relative rate index (pure).

Two forms of the same table
---------------------------
- **Exact** (analysts): the counts as they are, and rates and relative rate indices (RRI) from them
  (``stages.stage_rows``, ``disproportionality.relative_rate``).
- **Published** (everyone else): each stage's counts are a one-way breakdown by group with its total,
  put through the disclosure control of ``suppression.publish_breakdown`` (counts under the threshold
  suppressed, the rest rounded, complementary cells suppressed so no suppressed count can be worked
  back from the total). Rates and RRIs are then computed *from the published, rounded counts*, and
  only where the four counts a comparison rests on (the group's and the reference group's, at the
  stage and at the stage before) are all published, so a ratio reveals nothing the published counts do
  not. They can differ slightly from the exact figures.

Groups are listed in a fixed order: age and service bands in band order, every band shown even when
nobody is in it; ranks in the order of ``stages.RANK_GROUPS``, then unknown ranks as recorded; other
characteristics largest first. "not recorded" always comes last and is never the default reference.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cached_property

from upstander.equality.disproportionality import RateComparison, StageCount, relative_rate
from upstander.equality.stages import (
    AGE_BANDS,
    DEFAULT_SANCTIONS,
    NOT_RECORDED,
    RANK_GROUPS,
    REPORTED,
    SERVICE_BANDS,
    STAGES,
    WORKFORCE,
    Characteristic,
    StageDefinition,
    rank_group,
    stage_definitions,
    stage_rows,
)
from upstander.equality.suppression import (
    CellStatus,
    PublishedBreakdown,
    PublishedValue,
    SuppressionPolicy,
    publish_breakdown,
)
from upstander.errors import InvalidInput
from upstander.i18n import N_, gettext


class Population(StrEnum):
    SUBJECTS = "subjects"
    COMPLAINANTS = "complainants"


NOT_PUBLISHED = N_("not published: a count it rests on is too small to publish")


@dataclass(frozen=True)
class StageLine:
    """One group at one stage: its count, the count at the stage before, and the comparison."""

    stage: StageDefinition
    group: str
    count: PublishedValue
    base: PublishedValue | None
    comparison: RateComparison | None
    reading: str

    @property
    def rate(self) -> float | None:
        return self.comparison.rate if self.comparison else None

    @property
    def rate_text(self) -> str:
        return "" if self.rate is None else f"{self.rate * 100:.1f}%"

    @property
    def ratio_text(self) -> str:
        ratio = self.comparison.ratio if self.comparison else None
        return "" if ratio is None else f"{ratio:.2f}"

    @property
    def interval_text(self) -> str:
        interval = self.comparison.interval if self.comparison else None
        if interval is None:
            return ""
        return gettext("%(lower)s to %(upper)s") % {
            "lower": f"{interval.lower:.2f}",
            "upper": f"{interval.upper:.2f}",
        }


@dataclass(frozen=True)
class StageTable:
    population: Population
    characteristic: Characteristic
    published: bool
    reference: str | None
    groups: tuple[str, ...]
    stages: tuple[StageDefinition, ...]
    lines: tuple[StageLine, ...]
    totals: Mapping[str, PublishedValue]
    start: date | None = None  # the period counted, where one was set
    end: date | None = None

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def compared_stages(self) -> tuple[StageDefinition, ...]:
        return tuple(stage for stage in self.stages if stage.base is not None)

    def stage(self, key: str) -> StageDefinition:
        return next(stage for stage in self.stages if stage.key == key)

    @cached_property
    def _index(self) -> dict[tuple[str, str], StageLine]:
        return {(line.group, line.stage.key): line for line in self.lines}

    def line(self, group: str, stage: str) -> StageLine:
        return self._index[(group, stage)]

    def count(self, group: str, stage: str) -> int | None:
        return self.line(group, stage).count.value

    def stage_lines(self, stage: str) -> tuple[StageLine, ...]:
        return tuple(line for line in self.lines if line.stage.key == stage)

    def nobody_reached(self, stage: str) -> bool:
        """Nobody reached the stage (its total is a published 0): every group's line would be a row of
        zeros and blanks, so the page says it once instead."""
        total = self.totals.get(stage)
        return total is not None and total.value == 0


def rank_label(rank: str) -> str:
    """The Home Office rank group of a rank as recorded, or the rank itself where it is not one we know."""
    if rank == NOT_RECORDED:
        return NOT_RECORDED
    try:
        return rank_group(rank)
    except InvalidInput:
        return rank


def relabel(counts: Mapping[str, Mapping[str, int]], label: dict[str, str]) -> dict[str, dict[str, int]]:
    """Merge groups under new labels (e.g. ranks into rank groups), adding their counts."""
    merged: dict[str, dict[str, int]] = {}
    for group, by_stage in counts.items():
        target = merged.setdefault(label.get(group, group), {})
        for stage, count in by_stage.items():
            target[stage] = target.get(stage, 0) + count
    return merged


def definitions_for(population: Population, stage_keys: set[str]) -> tuple[StageDefinition, ...]:
    """The stages shown: the chain of ``stages.py``, then the sanctions in the data (the standard ones
    unless every sanction found is outside them); complainants start at the complaint, with no headcount."""
    standard = {stage.key for stage in STAGES}
    default_keys = {key for key, _ in DEFAULT_SANCTIONS}
    found = stage_keys - standard
    extra = tuple((key, key.replace("_", " ")) for key in sorted(found - default_keys, key=_natural))
    defaults = DEFAULT_SANCTIONS if not found or found & default_keys else ()
    definitions = stage_definitions((*defaults, *extra))
    if population is Population.SUBJECTS:
        return definitions
    first = StageDefinition(REPORTED, "complainants", None)
    return (first, *(d for d in definitions if d.key not in {WORKFORCE, REPORTED}))


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort "code 2" before "code 10"."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part)


def order_groups(
    characteristic: Characteristic, counts: Mapping[str, Mapping[str, int]], base: str
) -> tuple[str, ...]:
    present = set(counts) - {NOT_RECORDED}
    bands = {Characteristic.AGE_BAND: AGE_BANDS, Characteristic.LENGTH_OF_SERVICE: SERVICE_BANDS}
    if characteristic in bands:
        fixed = bands[characteristic]
        ordered = [*fixed, *sorted(present - set(fixed))]
    elif characteristic is Characteristic.RANK:
        ordered = [g for g in RANK_GROUPS if g in present] + sorted(present - set(RANK_GROUPS))
    else:
        ordered = sorted(present, key=lambda group: (-counts[group].get(base, 0), group))
    return (*ordered, NOT_RECORDED) if NOT_RECORDED in counts else tuple(ordered)


def choose_reference(
    groups: Sequence[str], counts: Mapping[str, Mapping[str, int]], base: str, wanted: str | None
) -> str:
    """The group asked for (matched without regard to case), else the largest group at the first stage."""
    if wanted:
        for group in groups:
            if group.casefold() == wanted.strip().casefold():
                return group
        raise InvalidInput(
            f"There is no group called {wanted!r} to compare with. The groups are: {', '.join(groups)}.",
            fields={"reference": "unknown group"},
        )
    candidates = [group for group in groups if group != NOT_RECORDED] or list(groups)
    return max(candidates, key=lambda group: counts.get(group, {}).get(base, 0))


def build_table(
    population: Population,
    characteristic: Characteristic,
    counts: Mapping[str, Mapping[str, int]],
    *,
    reference: str | None = None,
    policy: SuppressionPolicy | None = None,
) -> StageTable:
    """The stage table of ``counts`` (group -> stage key -> count); published when ``policy`` is given."""
    stage_keys = {key for by_stage in counts.values() for key in by_stage}
    definitions = definitions_for(population, stage_keys)
    base = definitions[0].key
    groups = order_groups(characteristic, counts, base)
    filled = {group: {d.key: counts.get(group, {}).get(d.key, 0) for d in definitions} for group in groups}
    chosen = choose_reference(groups, filled, base, reference) if groups else None
    if chosen is None:
        lines: tuple[StageLine, ...] = ()
        totals = {d.key: PublishedValue(0, CellStatus.ZERO) for d in definitions}
    elif policy is None:
        lines, totals = _exact_lines(filled, chosen, definitions)
    else:
        lines, totals = _published_lines(filled, groups, chosen, definitions, policy)
    return StageTable(
        population=population,
        characteristic=characteristic,
        published=policy is not None,
        reference=chosen,
        groups=groups,
        stages=definitions,
        lines=lines,
        totals=totals,
    )


def _exact(value: int) -> PublishedValue:
    return PublishedValue(value, CellStatus.PUBLISHED if value else CellStatus.ZERO)


def _exact_lines(
    filled: Mapping[str, Mapping[str, int]], reference: str, definitions: Sequence[StageDefinition]
) -> tuple[tuple[StageLine, ...], dict[str, PublishedValue]]:
    lines = tuple(
        StageLine(
            stage=row.stage,
            group=row.group,
            count=_exact(row.count),
            base=None if row.base_count is None else _exact(row.base_count),
            comparison=row.comparison,
            reading=row.comparison.reading if row.comparison else "",
        )
        for row in stage_rows(filled, reference, definitions)
    )
    totals = {d.key: _exact(sum(by_stage[d.key] for by_stage in filled.values())) for d in definitions}
    return lines, totals


def _published_lines(
    filled: Mapping[str, Mapping[str, int]],
    groups: Sequence[str],
    reference: str,
    definitions: Sequence[StageDefinition],
    policy: SuppressionPolicy,
) -> tuple[tuple[StageLine, ...], dict[str, PublishedValue]]:
    columns: dict[str, PublishedBreakdown] = {
        d.key: publish_breakdown({group: filled[group][d.key] for group in groups}, policy)
        for d in definitions
    }
    lines = []
    for definition in definitions:
        column = columns[definition.key]
        for group in groups:
            count = column.cell(group)
            if definition.base is None:
                lines.append(StageLine(definition, group, count, None, None, ""))
                continue
            base = columns[definition.base].cell(group)
            comparison = _published_comparison(
                group,
                count,
                base,
                reference,
                column.cell(reference),
                columns[definition.base].cell(reference),
            )
            reading = comparison.reading if comparison else NOT_PUBLISHED
            lines.append(StageLine(definition, group, count, base, comparison, reading))
    return tuple(lines), {key: column.total for key, column in columns.items()}


def _published_comparison(
    group: str,
    count: PublishedValue,
    base: PublishedValue,
    reference: str,
    reference_count: PublishedValue,
    reference_base: PublishedValue,
) -> RateComparison | None:
    values = (count.value, base.value, reference_count.value, reference_base.value)
    if any(value is None for value in values):
        return None
    a, n1, c, n2 = (int(value or 0) for value in values)
    return relative_rate(group, StageCount(a, n1), reference, StageCount(c, n2))
