"""`upstander patterns`: patterns across complaints, from the command line."""

from __future__ import annotations

import calendar
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from upstander.patterns.figures import Figures
    from upstander.services import Services

app = typer.Typer(
    help="Patterns across complaints: how accusations are spread over officers.", no_args_is_help=True
)
console = Console()


@app.command()
def figures(
    source: Annotated[
        str, typer.Option("--source", help="The source the records came from, e.g. cpdp-chicago")
    ],
    incident_from: Annotated[
        str | None,
        typer.Option("--from", help="First incident month, YYYY-MM (or first day, YYYY-MM-DD)"),
    ] = None,
    incident_to: Annotated[
        str | None,
        typer.Option("--to", help="Last incident month, YYYY-MM, included (or last day, YYYY-MM-DD)"),
    ] = None,
    many: Annotated[int, typer.Option("--many", min=1, help="What counts as many accusations")] = 10,
) -> None:
    """Complaints, accusations and accused officers of one source, and how accusations are spread over officers.

    With --from and --to, only complaints whose incident date falls in those months (both included).
    """
    from upstander.config import load_settings
    from upstander.db import Database
    from upstander.patterns.figures import complaint_figures

    first = _day(incident_from, "--from", last=False)
    last = _day(incident_to, "--to", last=True)
    database = Database.from_url(load_settings().resolved_database_url)
    try:
        with database.transaction() as session:
            result = complaint_figures(
                session, source=source, incident_from=first, incident_to=last, many=many
            )
    finally:
        database.dispose()
    show(result)


def _day(value: str | None, option: str, *, last: bool) -> date | None:
    """A month (its first or last day) or a day."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 7:
            year, month = (int(part) for part in text.split("-"))
            return date(year, month, calendar.monthrange(year, month)[1] if last else 1)
        return date.fromisoformat(text)
    except ValueError as error:
        raise typer.BadParameter(
            f"{value!r} is not a month (YYYY-MM) or a day (YYYY-MM-DD)", param_hint=option
        ) from error


def show(result: Figures) -> None:
    period = "all incidents"
    if result.incident_from or result.incident_to:
        period = f"incidents {result.incident_from or 'from the start'} to {result.incident_to or 'the end'}"
    table = Table(title=f"{result.source}: {period}")
    table.add_column("Figure")
    table.add_column("Value", justify="right")
    rows = (
        ("Complaints", f"{result.complaints:,}"),
        ("Complaints with an accused officer", f"{result.complaints_with_accused:,}"),
        ("Accusations (complaint × known officer)", f"{result.accusations:,}"),
        ("Allegations naming no known officer (left out)", f"{result.accusations_without_officer:,}"),
        ("Accused officers", f"{result.accused_officers:,}"),
        ("Accusations per accused officer (mean)", f"{result.mean_accusations_per_officer:.2f}"),
        (
            "Officers with exactly one accusation",
            f"{result.officers_with_one:,} ({result.share_with_one:.2%} of accused officers)",
        ),
        (
            f"Officers with {result.many} or more accusations",
            f"{result.officers_with_many:,} ({result.share_of_officers_with_many:.2%} of accused officers)",
        ),
        (
            f"Accusations of officers with {result.many} or more",
            f"{result.accusations_of_officers_with_many:,} "
            f"({result.share_of_accusations_with_many:.2%} of accusations)",
        ),
    )
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)


@app.command()
def scan(ctx: typer.Context) -> None:
    """Evaluate the early-intervention rules for everyone with an allegation; raise or grow flags.

    Safe to run again: an open flag is never duplicated, and an answered one is raised again only
    for a pattern holding allegations it did not cover.
    """
    from upstander.config import load_settings
    from upstander.errors import DomainError

    services: Services = ctx.obj.build_services(load_settings())
    try:
        result = services.intervention.scan()
    except DomainError as error:
        console.print(f"[red]{error.detail}[/]")
        raise typer.Exit(1) from error
    finally:
        services.database.dispose()
    console.print(
        f"Scanned {result.allegations:,} allegations of {result.people:,} people: "
        f"{result.raised:,} flags raised, {result.grown:,} open flags grown, {result.open:,} open in all."
    )
