"""The published summary behind the transparency page and the annual report, and its CSV form (pure).

Every count in a ``PublicSummary`` has been through ``suppression`` (``SuppressionPolicy``: counts below
the threshold suppressed and shown as ``[c]``, the rest rounded, complementary cells suppressed). The
CSV is long ("tidy") in the manner of official statistics releases: one row per figure, with the period,
the table, the group and the measure on every row, so it can be filtered without reading headings.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from upstander.equality.stages import Characteristic
from upstander.equality.suppression import PublishedValue, SuppressionPolicy, publish_breakdown
from upstander.equality.tables import StageTable

OTHER_CATEGORIES = "all other categories"
TOP_CATEGORIES = 10


@dataclass(frozen=True)
class Breakdown:
    """A one-way published breakdown, e.g. open allegations by category, with its total."""

    key: str
    title: str
    labels: tuple[str, ...]
    values: tuple[PublishedValue, ...]
    total: PublishedValue
    median: str | None = None  # the band holding the middle case, where there are enough to say

    def items(self) -> tuple[tuple[str, PublishedValue], ...]:
        return tuple(zip(self.labels, self.values, strict=True))


@dataclass(frozen=True)
class PublicSummary:
    title: str
    start: date
    end: date
    generated_at: datetime
    policy: SuppressionPolicy
    subjects: tuple[StageTable, ...]
    complainants: tuple[StageTable, ...]
    open_on: date
    open_by_category: Breakdown | None
    restrictions: Breakdown | None
    acknowledge: Breakdown | None
    close: Breakdown | None

    def subject_table(self, characteristic: Characteristic) -> StageTable:
        return next(table for table in self.subjects if table.characteristic is characteristic)

    @property
    def breakdowns(self) -> tuple[Breakdown, ...]:
        found = (self.open_by_category, self.restrictions, self.acknowledge, self.close)
        return tuple(breakdown for breakdown in found if breakdown is not None)


def breakdown(
    key: str, title: str, counts: Mapping[str, int], policy: SuppressionPolicy, *, median: bool = False
) -> Breakdown | None:
    """Publish ``counts`` in their order; None when there is nothing to show."""
    nothing = not any(counts.values())
    if not counts or (nothing and not median):
        return None
    published = publish_breakdown(counts, policy)
    return Breakdown(
        key=key,
        title=title,
        labels=published.labels,
        values=published.cells,
        total=published.total,
        median=median_band(counts, policy) if median else None,
    )


def top_categories(counts: Mapping[str, int], keep: int = TOP_CATEGORIES) -> dict[str, int]:
    """The ``keep`` largest categories and the rest added together as one, so the chart stays readable;
    category codes are shown with spaces for underscores."""
    readable: dict[str, int] = {}
    for category, count in counts.items():
        label = category.replace("_", " ")
        readable[label] = readable.get(label, 0) + count
    ranked = sorted(readable.items(), key=lambda item: (-item[1], item[0]))
    kept = dict(ranked[:keep])
    rest = sum(count for _, count in ranked[keep:])
    return {**kept, OTHER_CATEGORIES: rest} if rest else kept


def largest_first(published: Breakdown) -> Breakdown:
    """Order by the published values (suppressed last, then by name) so the order reveals no more than they do."""
    order = sorted(
        range(len(published.labels)),
        key=lambda i: (
            published.labels[i] == OTHER_CATEGORIES,
            published.values[i].value is None,
            -(published.values[i].value or 0),
            published.labels[i],
        ),
    )
    return Breakdown(
        key=published.key,
        title=published.title,
        labels=tuple(published.labels[i] for i in order),
        values=tuple(published.values[i] for i in order),
        total=published.total,
        median=published.median,
    )


def median_band(counts: Mapping[str, int], policy: SuppressionPolicy) -> str | None:
    """The band (in the order given, shortest first) holding the middle case; None when the total is too
    small to publish, since the median of a handful of cases says something about each of them."""
    total = sum(counts.values())
    if total < policy.threshold:
        return None
    running = 0
    for band, count in counts.items():
        running += count
        if 2 * running >= total:
            return band
    return None


CSV_COLUMNS = (
    "period_start",
    "period_end",
    "table",
    "population",
    "breakdown",
    "group",
    "measure",
    "measured_against",
    "count",
    "count_at_stage_before",
    "rate",
    "relative_rate_index",
    "ci_lower_95",
    "ci_upper_95",
    "reading",
)


def report_csv(summary: PublicSummary) -> str:
    """The summary as one CSV table; suppressed counts are ``[c]``, blank cells mean "not applicable"."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    period = (summary.start.isoformat(), summary.end.isoformat())
    for table in (*summary.subjects, *summary.complainants):
        writer.writerows(_padded((*period, *row)) for row in _stage_rows(table))
    for published in summary.breakdowns:
        for label, value in (*published.items(), ("all", published.total)):
            row = (published.key, "", "", label, published.title, "", str(value))
            writer.writerow(_padded((*period, *row)))
    return buffer.getvalue()


def _padded(row: tuple[str, ...]) -> tuple[str, ...]:
    return row + ("",) * (len(CSV_COLUMNS) - len(row))


def _stage_rows(table: StageTable) -> Iterable[tuple[str, ...]]:
    name = f"stages_{table.population.value}_by_{table.characteristic.value.replace(' ', '_')}"
    for line in table.lines:
        comparison = line.comparison
        interval = comparison.interval if comparison else None
        yield (
            name,
            table.population.value,
            table.characteristic.value,
            line.group,
            line.stage.label,
            table.stage(line.stage.base).label if line.stage.base else "",
            str(line.count),
            "" if line.base is None else str(line.base),
            "" if line.rate is None else f"{line.rate:.4f}",
            "" if comparison is None or comparison.ratio is None else f"{comparison.ratio:.4f}",
            "" if interval is None else f"{interval.lower:.4f}",
            "" if interval is None else f"{interval.upper:.4f}",
            line.reading,
        )
    for stage in table.stages:
        yield (
            name,
            table.population.value,
            table.characteristic.value,
            "all",
            stage.label,
            "",
            str(table.totals[stage.key]),
        )
