"""`upstander restrictions due`: suspensions and restricted duties whose review is overdue or due soon."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from upstander.config import load_settings

if TYPE_CHECKING:
    from upstander.services import Services

app = typer.Typer(help="The register of suspensions and restricted duties.", no_args_is_help=True)


@app.command()
def due(ctx: typer.Context) -> None:
    """List entries whose review is overdue or due within a week; exit 1 when any is overdue.

    Only references, staff numbers, the measure and dates are shown (no reasons), so it can run
    unattended, for example daily from cron, and its exit status can raise an alert.
    """
    services: Services = ctx.obj.build_services(load_settings())
    try:
        listed = services.register.due()
    finally:
        services.database.dispose()
    table = Table(title=f"Reviews of suspensions and restricted duties on {listed.today:%-d %B %Y}")
    for column in ("entry", "staff number", "measure", "since", "review due", ""):
        table.add_column(column)
    for entry in listed.overdue + listed.due_soon:
        table.add_row(
            entry.reference,
            entry.person.staff_number,
            entry.kind_label,
            entry.starts_on.isoformat(),
            entry.review_due.isoformat(),
            "overdue" if entry.overdue else "due this week",
        )
    Console().print(table)
    Console().print(f"{len(listed.overdue)} review(s) overdue, {len(listed.due_soon)} due this week.")
    if listed.overdue:
        raise typer.Exit(code=1)
