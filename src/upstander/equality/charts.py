"""SVG charts of published figures (matplotlib, no pyplot and no display).

Each function returns SVG text, byte for byte the same for the same figures: the SVG hash salt is
fixed and the date is left out of the metadata. Text stays text (``svg.fonttype = none``) so the
numbers on a chart can be read, searched and checked like those in the table beside it. Counts are
drawn only as published: a suppressed count has no bar and is labelled ``[c]``, and the count axis has
no scale of its own, so a bar's length says nothing a label does not.

The charts are meant for ``<img src=...>``: matplotlib writes ``style`` attributes, which the pages'
Content-Security-Policy (``style-src 'self'``) would block in inline SVG but does not apply to images.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from upstander.equality.suppression import SUPPRESSED_MARK, PublishedValue
from upstander.equality.tables import StageTable

matplotlib.rcParams.update(
    {
        "svg.hashsalt": "upstander-statistics",
        "svg.fonttype": "none",
        "font.family": "sans-serif",
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)

BAR = "#1d4e89"
POINT = "#8a2c0d"
MUTED = "#5f6b73"
WIDTH_INCHES = 7.0


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return buffer.getvalue()


def _height(rows: int) -> float:
    return max(1.6, 0.42 * rows + 0.9)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[PublishedValue], unit: str) -> str:
    """Horizontal bars of published counts, each labelled with its published value."""
    figure = Figure(figsize=(WIDTH_INCHES, _height(len(labels))))
    axes: Axes = figure.add_subplot()
    positions = list(range(len(labels)))
    lengths = [value.value or 0 for value in values]
    axes.barh(positions, lengths, color=BAR, height=0.6)
    longest = max(lengths, default=0) or 1
    for position, value in zip(positions, values, strict=True):
        shown = SUPPRESSED_MARK if value.value is None else f"{value.value:,}"
        axes.text(
            (value.value or 0) + longest * 0.01,
            position,
            shown,
            va="center",
            color=MUTED if value.value is None else "black",
        )
    axes.set_yticks(positions, labels=list(labels))
    axes.invert_yaxis()
    axes.set_xlim(0, longest * 1.15)
    axes.set_xticks([])
    axes.spines["bottom"].set_visible(False)
    axes.set_xlabel(unit, color=MUTED)
    axes.set_title(title, loc="left")
    return _svg(figure)


def rri_chart(table: StageTable, stage_keys: Sequence[str]) -> str:
    """Relative rate index of each group against the reference at each stage, with its 95% interval,
    on a log scale (a ratio of 2 is as far from 1 as a ratio of 0.5). Each stage is a block headed by
    its name. Only ratios that were given are drawn; a ratio without an interval is a hollow point."""
    rows: list[tuple[str, float | None, float | None, float | None]] = []  # label, ratio, lower, upper
    for key in stage_keys:
        drawn = []
        for line in table.stage_lines(key):
            comparison = line.comparison
            if line.group == table.reference or comparison is None or not comparison.ratio:
                continue
            interval = comparison.interval
            lower, upper = (interval.lower, interval.upper) if interval else (None, None)
            drawn.append((line.group, comparison.ratio, lower, upper))
        if drawn:
            rows += [(table.stage(key).label, None, None, None), *drawn]
    figure = Figure(figsize=(WIDTH_INCHES, max(1.6, 0.26 * len(rows) + 0.9)))
    axes: Axes = figure.add_subplot()
    axes.set_xscale("log")
    axes.axvline(1.0, color=MUTED, linewidth=1, linestyle="--")
    for position, (_, ratio, lower, upper) in enumerate(rows):
        if ratio is None:
            continue
        if lower is not None and upper is not None:
            axes.plot([lower, upper], [position, position], color=POINT, linewidth=2)
            axes.plot([ratio], [position], "o", color=POINT, markersize=5)
        else:
            axes.plot([ratio], [position], "o", markerfacecolor="white", color=POINT, markersize=5)
    axes.set_yticks(range(len(rows)), labels=[label for label, *_ in rows])
    for tick, (_, ratio, _, _) in zip(axes.get_yticklabels(), rows, strict=True):
        if ratio is None:
            tick.set_fontweight("bold")
    axes.tick_params(axis="y", length=0)
    axes.set_ylim(len(rows) - 0.5 if rows else 1, -0.5)
    values = [v for _, ratio, lower, upper in rows for v in (ratio, lower, upper) if v]
    low, high = min([*values, 0.5]), max([*values, 2.0])
    axes.set_xlim(low / 1.1, high * 1.1)
    ticks = [tick for tick in (0.25, 0.5, 1.0, 2.0, 4.0, 8.0) if low / 1.1 <= tick <= high * 1.1]
    axes.set_xticks(ticks, labels=[f"{tick:g}" for tick in ticks])
    axes.minorticks_off()
    axes.set_xlabel(f"times as likely as {table.reference} (1 = the same)", color=MUTED)
    if not rows:
        axes.text(1.0, 0.5, "no ratio could be given", ha="center", color=MUTED)
    return _svg(figure)
