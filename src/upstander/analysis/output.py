"""An analysis's result as rows to show: a table, CSV or JSON, every value rounded by one rule."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from fractions import Fraction

from upstander.analysis.queries import Value
from upstander.analysis.rules import rounded

ROUNDING = (
    "Counts are exact. Shares, rates, means and medians are computed as exact fractions; only the "
    "value shown is rounded, to {places} decimals, halves away from zero (4.505 → 4.51)."
)
Shown = int | str | dict[str, int]
Row = dict[str, Shown]


def shown(value: Value, places: int) -> Shown:
    if isinstance(value, dict):
        return {str(count): people for count, people in value.items()}
    if isinstance(value, Fraction) and value.denominator != 1:
        return str(rounded(value, places))
    return int(value)


def rows(result: Mapping[object, Mapping[str, Value]], places: int, label: str) -> list[Row]:
    """One row per group: the group's name under ``label``, then each measure."""
    return [
        {label: str(name), **{key: shown(v, places) for key, v in values.items()}}
        for name, values in result.items()
    ]


def columns(shown_rows: Sequence[Row]) -> list[str]:
    """Every column any row has, in order; the distribution (a table of its own) left out."""
    return list(dict.fromkeys(key for row in shown_rows for key in row if key != "distribution"))


def csv_text(shown_rows: Sequence[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns(shown_rows), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(shown_rows)
    return buffer.getvalue()


def download_name(source: str, extension: str) -> str:
    """A file name for a download, from the source's name kept to safe characters."""
    return f"analysis-{re.sub(r'[^A-Za-z0-9._-]+', '-', source)[:60]}.{extension}"
