"""`upstander stats`: stage statistics with relative rate indices, as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from upstander.equality.service import StatisticsFilters
from upstander.equality.tables import StageTable

if TYPE_CHECKING:
    from upstander.services import Services

console = Console()


class OutputFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


COLUMNS = ("stage", "measured against", "group", "count", "of", "rate", "RRI", "95% CI", "reading")


def _rows(table: StageTable) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for line in table.lines:
        base = table.stage(line.stage.base).label if line.stage.base else ""
        rows.append(
            (
                line.stage.label,
                base,
                line.group,
                str(line.count),
                "" if line.base is None else str(line.base),
                line.rate_text,
                line.ratio_text,
                line.interval_text,
                line.reading,
            )
        )
    rows += [
        (stage.label, "", "all", str(table.totals[stage.key]), "", "", "", "", "") for stage in table.stages
    ]
    return rows


def _print_tables(table: StageTable, title: str) -> None:
    """One short table per stage, so the readings have room to wrap in a terminal of any width."""
    console.print(Text(title, style="bold"))
    for stage in table.stages:
        against = f" (out of: {table.stage(stage.base).label})" if stage.base else ""
        rich_table = Table(
            title=f"{stage.label}{against}", title_justify="left", expand=stage.base is not None
        )
        rich_table.add_column("group", no_wrap=True)
        for column in ("count", "of", "rate", "RRI", "95% CI") if stage.base else ("count",):
            rich_table.add_column(column, justify="right", no_wrap=True)
        if stage.base:
            rich_table.add_column("reading", ratio=1)
        for line in table.stage_lines(stage.key):
            cells = [str(line.count)]
            if stage.base:
                base = "" if line.base is None else str(line.base)
                cells += [base, line.rate_text, line.ratio_text, line.interval_text, line.reading]
            rich_table.add_row(*(Text(cell) for cell in (line.group, *cells)))  # Text: [c] is not markup
        rich_table.add_row("all", Text(str(table.totals[stage.key])), *[""] * (5 if stage.base else 0))
        console.print(rich_table)


def _json(table: StageTable, filters: StatisticsFilters) -> str:
    from upstander.equality.api import table_out

    return table_out(table, filters).model_dump_json(indent=2)


def stats(
    ctx: typer.Context,
    start: str = typer.Option(None, "--from", help="First day, YYYY-MM-DD (default: the earliest record)"),
    end: str = typer.Option(None, "--to", help="Last day, YYYY-MM-DD (default: the latest record)"),
    unit: str = typer.Option(None, "--unit", help="A unit's code; the units below it are included"),
    category: str = typer.Option(None, "--category", help="One category of allegation"),
    by: str = typer.Option("ethnicity", "--by", help="ethnicity, sex, age, rank or service"),
    reference: str = typer.Option(
        None, "--reference", help="The group to compare with (default: the largest)"
    ),
    complainants: bool = typer.Option(False, "--complainants", help="Count complainants instead of subjects"),
    output: str = typer.Option("table", "--format", help="table, csv or json"),
    public: bool = typer.Option(False, "--public", help="Apply disclosure control, as for publication"),
) -> None:
    """Stage statistics: how many of each group reached each stage, each stage against the one before,
    with relative rate indices against a reference group (95% intervals). Exact counts unless --public."""
    from upstander.config import load_settings
    from upstander.equality.forms import filters_from
    from upstander.errors import DomainError

    if output not in set(OutputFormat):
        console.print("[red]--format is one of: table, csv, json.[/]")
        raise typer.Exit(2)
    services: Services = ctx.obj.build_services(load_settings())
    try:
        filters = filters_from(
            start, end, unit, category, "complainants" if complainants else "subjects", by, reference
        )
        statistics = services.statistics
        table = (statistics.published_stage_table if public else statistics.exact_stage_table)(filters)
    except DomainError as error:
        console.print(f"[red]{error.detail}[/]")
        raise typer.Exit(2) from error
    finally:
        services.database.dispose()
    if output == OutputFormat.JSON:
        typer.echo(_json(table, filters))
        return
    if output == OutputFormat.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(_rows(table))
        typer.echo(buffer.getvalue(), nl=False)
        return
    if table.is_empty:
        console.print("No records match these filters.")
        return
    period = f"{start or 'the first record'} to {end or 'the last record'}"
    kind = "published figures (disclosure control applied)" if public else "exact counts"
    _print_tables(
        table, f"{table.population.value.capitalize()} by {table.characteristic.value}, {period}: {kind}"
    )
