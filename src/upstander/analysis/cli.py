"""`upstander analyse` and `upstander figures check`: exact figures from imported records."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from upstander.analysis.queries import Query, Value

console = Console()
figures_app = typer.Typer(help="Published figures, reproduced from the records.", no_args_is_help=True)


class Output(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def analyse(
    source: Annotated[
        str, typer.Option("--source", help="The source the records came from, e.g. cpdp-chicago")
    ],
    unit: Annotated[
        str,
        typer.Option(
            "--unit", help="What is counted: allegation, complaint, person (accused) or complainant"
        ),
    ] = "allegation",
    only: Annotated[
        list[str],
        typer.Option(
            "--only", help="Keep ATTRIBUTE=VALUE[,VALUE…] (repeatable), e.g. finding=SU,NS or filed_by=public"
        ),
    ] = [],  # noqa: B006
    ranges: Annotated[
        list[str],
        typer.Option(
            "--range", help="Keep ATTRIBUTE=FIRST..LAST, both included, e.g. incident_month=2008-01..2015-12"
        ),
    ] = [],  # noqa: B006
    known_person: Annotated[
        bool, typer.Option("--known-person", help="Only allegations naming a known person")
    ] = False,
    group_by: Annotated[
        str | None,
        typer.Option(
            "--group-by", help="Split by an attribute, e.g. category, person_ethnicity or complainant_sex"
        ),
    ] = None,
    numerator: Annotated[
        list[str], typer.Option("--rate-of", help="A rate: records with ATTRIBUTE=VALUE[,…] …")
    ] = [],  # noqa: B006
    denominator: Annotated[
        list[str], typer.Option("--among", help="… among those with ATTRIBUTE=VALUE[,…] (default: all)")
    ] = [],  # noqa: B006
    many: Annotated[
        int, typer.Option("--many", min=1, help="Person unit: the count for 'exactly' and 'at least'")
    ] = 10,
    top: Annotated[
        str, typer.Option("--top", help="Person unit: the top fraction of people, e.g. 1/10 or 0.1")
    ] = "1/10",
    places: Annotated[
        int, typer.Option("--places", min=0, max=12, help="Decimals shown (halves rounded away from zero)")
    ] = 4,
    output: Annotated[Output, typer.Option("--output", help="table, csv or json")] = Output.TABLE,
) -> None:
    """Count complaints, allegations, accused people or complainants of one source, filtered and
    grouped, with shares, rates, and how allegations spread over people. Exact arithmetic; only the shown values
    are rounded, to --places decimals, halves away from zero."""
    from upstander.analysis.attributes import QueryError
    from upstander.analysis.forms import Asked, parse

    asked = Asked(unit, only, ranges, known_person, group_by, numerator, denominator, many, top)
    try:
        query = parse(asked)
    except QueryError as error:
        option = "--range" if error.field == "range" else "--" + error.field.replace("_", "-")
        raise typer.BadParameter(str(error), param_hint=option) from None
    result = _run(source, query)
    _show(result, places, output, query.group_by or "group")


def _run(source: str, query: Query) -> dict[object, dict[str, Value]]:
    from upstander.analysis import service
    from upstander.config import load_settings
    from upstander.db import Database

    database = Database.from_url(load_settings().resolved_database_url)
    try:
        with database.transaction() as session:
            return service.run(session, source, query)
    finally:
        database.dispose()


def _show(result: dict[object, dict[str, Value]], places: int, output: Output, label: str) -> None:
    from upstander.analysis.output import columns, csv_text, rows

    shown = rows(result, places, label)
    if output is Output.JSON:
        typer.echo(json.dumps(shown, indent=2))
        return
    if output is Output.CSV:
        typer.echo(csv_text(shown), nl=False)
        return
    table = Table()
    for column in columns(shown):
        table.add_column(column, justify="left" if column == label else "right")
    for row in shown:
        table.add_row(*(escape(str(row.get(column, ""))) for column in columns(shown)))
    console.print(table)


@figures_app.command("check")
def check(
    source: Annotated[
        str, typer.Argument(help="The source whose published figures to reproduce, e.g. cpdp-chicago")
    ],
    file: Annotated[
        Path | None,
        typer.Option("--file", help="A figures file of your own; default: the one shipped for SOURCE"),
    ] = None,
) -> None:
    """Reproduce every published figure of a source from its imported records.

    Exit status: 0 when every figure matches, 1 when any does not, 2 when the figures file cannot be used."""
    from upstander.analysis import figures, service
    from upstander.config import load_settings
    from upstander.db import Database

    try:
        sheet = figures.load_figures(file or figures.figures_path(source))
    except figures.FiguresError as error:
        console.print(f"[bold red]{escape(str(error))}[/]", soft_wrap=True)
        raise typer.Exit(code=2) from error
    database = Database.from_url(load_settings().resolved_database_url)
    try:
        with database.transaction() as session:
            checked = service.check_figures(session, sheet)
    finally:
        database.dispose()
    table = Table(title=f"{sheet.source}: {sheet.citation}")
    for column in ("Figure", "Published", "Reproduced", ""):
        table.add_column(column)
    for item in checked:
        table.add_row(
            escape(item.figure.says or item.figure.name),
            str(item.figure.value),
            "—" if item.computed is None else str(item.computed),
            "ok" if item.matches else "[bold red]MISMATCH[/]",
        )
    console.print(table)
    wrong = [item for item in checked if not item.matches]
    if wrong:
        console.print(f"[bold red]{len(wrong)} of {len(checked)} figures do not match.[/]")
        raise typer.Exit(code=1)
    console.print(f"All {len(checked)} figures reproduced.")
