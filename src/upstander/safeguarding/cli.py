"""`upstander postings import`: load a roster from the rostering or HR system and list every conflict."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from upstander.audit.service import Actor
from upstander.config import load_settings
from upstander.errors import DomainError
from upstander.safeguarding.results import RosterReport

if TYPE_CHECKING:
    from upstander.services import Services

app = typer.Typer(
    help="Postings: where people work, checked against separation orders.", no_args_is_help=True
)


@app.command("import")
def import_roster(
    ctx: typer.Context,
    roster: Annotated[
        Path, typer.Argument(help="CSV with a header row: staff_number, unit_code, shift", show_default=False)
    ],
) -> None:
    """Record a roster as the current postings and list every conflict with a separation order.

    The roster says where people already work, so every usable row is recorded; each pair of separated people who are together is listed for welfare to act on, and each row that could not be used is listed with its line number.

    Exit status: 0 no conflicts and every row used; 1 conflicts, or rows that could not be used; 2 the file could not be imported at all (nothing was recorded). The import is recorded in the audit log.
    """
    services: Services = ctx.obj.build_services(load_settings())
    try:
        report = services.safeguarding.import_roster(roster, Actor.system("cli"))
    except DomainError as error:
        Console().print(f"[bold red]{error.detail}[/]")
        raise typer.Exit(code=2) from error
    finally:
        services.database.dispose()
    show(report)
    raise typer.Exit(code=1 if report.conflicts or report.problems else 0)


def show(report: RosterReport) -> None:
    Console().print(
        f"{report.rows_read} rows read: {report.postings_changed} postings recorded, "
        f"{report.postings_unchanged} unchanged, {len(report.problems)} not used. "
        f"{report.orders_in_force} separation orders in force."
    )
    if report.problems:
        table = Table(title="Rows not used")
        for column in ("Line", "Value", "Problem"):
            table.add_column(column, overflow="fold")
        for problem in report.problems:
            table.add_row(str(problem.line), problem.value, problem.problem)
        Console().print(table)
    if not report.conflicts:
        Console().print("[bold green]No separated people are together.[/]")
        return
    table = Table(title=f"Separated people who are together ({len(report.conflicts)})")
    for column in (
        "Order",
        "Person",
        "Their team and shift",
        "Other person",
        "Other's team and shift",
        "Why",
    ):
        table.add_column(column, overflow="fold")
    for line in report.conflicts:
        table.add_row(
            line.order_reference,
            line.person,
            f"{line.team}, {line.shift or 'shift not known'}",
            line.other_person,
            f"{line.other_team}, {line.other_shift or 'shift not known'}",
            line.reason,
        )
    Console().print(table)
    Console().print(f"[bold red]{len(report.conflicts)} conflicts with separation orders.[/]")
