"""`upstander cases due`: what is overdue or due soon on every case, for a daily reminder job;
`upstander cases refresh-owed`: what each case waits for, replayed once onto its row."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from upstander.config import load_settings

if TYPE_CHECKING:
    from upstander.services import Services

app = typer.Typer(help="Cases and their clocks.", no_args_is_help=True)
console = Console()


@app.command()
def due(ctx: typer.Context) -> None:
    """List overdue and due-this-week duties on every case; exit 1 when anything is overdue.

    Only dates and stages are read (no case content), so it can run unattended, for example
    daily from cron, and its exit status can raise an alert.
    """
    services: Services = ctx.obj.build_services(load_settings())
    try:
        board = services.dashboard.everything()
    finally:
        services.database.dispose()
    table = Table(title=f"Case duties on {board.today:%-d %B %Y}")
    for column in ("case", "handler", "stage", "overdue", "due this week"):
        table.add_column(column)
    for line in board.overdue + board.due_this_week:
        table.add_row(
            line.reference,
            line.handler_name,
            line.status_label,
            "\n".join(f"{d.label} (was due {d.due_on:%-d %b})" for d in line.overdue),
            "\n".join(f"{d.label} by {d.due_on:%-d %b}" for d in line.due_this_week),
        )
    console.print(table)
    console.print(f"{len(board.overdue)} case(s) overdue, {len(board.due_this_week)} due this week.")
    if board.overdue:
        raise typer.Exit(code=1)


@app.command("refresh-owed")
def refresh_owed(ctx: typer.Context) -> None:
    """Replay every case and keep on its row its first duty and who is owed its next step.

    Run once after upgrading to revision 0018, whose new columns read "nothing due" for the cases
    already stored; afterwards every step keeps them. Dates and stages only (no case content).
    """
    services: Services = ctx.obj.build_services(load_settings())
    try:
        changed = services.workflow.refresh_owed()
    finally:
        services.database.dispose()
    console.print(f"{changed} case(s) brought up to date.")
