"""`upstander vet`: a vetting check from the command line, for the vetting unit's own tools."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from upstander.audit.service import Actor
from upstander.config import load_settings
from upstander.errors import DomainError
from upstander.org.vetting import Purpose, VettingQuery
from upstander.org.vetting_verdict import VettingResult

if TYPE_CHECKING:
    from upstander.services import Services

console = Console()


def vet(
    ctx: typer.Context,
    purpose: Annotated[Purpose, typer.Option("--purpose", help="hiring, or a transfer from another force")],
    staff_number: Annotated[
        str | None, typer.Option("--staff-number", help="Staff (collar, warrant) number")
    ] = None,
    given_name: Annotated[
        str | None, typer.Option("--given-name", help="Given name; an initial will do")
    ] = None,
    family_name: Annotated[str | None, typer.Option("--family-name", help="Family name")] = None,
    date_of_birth: Annotated[str | None, typer.Option("--date-of-birth", help="YYYY-MM-DD")] = None,
) -> None:
    """Check a person against the barred list, the advisory list and the case records.

    Give a staff number, or a family name and a date of birth. Names are matched loosely (spelling, sound, initials, other and maiden names), and each match says why.

    Exit status: 0 no record found; 2 barred; 1 anything else to look at (the advisory list, open or past cases, or a possible match to confirm, or a query that could not be run). A command line that cannot be read (a missing --purpose, an unknown option) also exits 2, as every command does, so read the output before trusting a 2. Every check is recorded in the audit log.
    """
    query = VettingQuery(
        purpose=purpose,
        staff_number=staff_number,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=_date(date_of_birth),
    )
    services: Services = ctx.obj.build_services(load_settings())
    try:
        result = services.vetting.check_as(Actor.system("cli"), query)
    except DomainError as error:
        console.print(f"[bold red]{error.detail}[/]")
        raise typer.Exit(code=1) from error
    finally:
        services.database.dispose()
    show(result)
    raise typer.Exit(code=result.verdict.exit_code)


def _date(value: str | None) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        console.print(f"[bold red]The date of birth {value!r} is not a date in the form YYYY-MM-DD.[/]")
        raise typer.Exit(code=1) from error


def show(result: VettingResult) -> None:
    style = {0: "bold green", 1: "bold yellow", 2: "bold red"}[result.verdict.exit_code]
    for finding in result.findings:
        console.print(f"[{style}]{finding}[/]" if finding == result.summary else finding)
    if result.matches:
        table = Table(title=f"Matches ({result.purpose.value} check {result.check_id})")
        for column in ("Strength", "Where", "Name", "Staff number", "Force", "Record", "Why it matched"):
            table.add_column(column, overflow="fold")
        for match in result.matches:
            table.add_row(
                f"{match.strength.label} ({match.score})",
                match.source.value.replace("_", " "),
                match.name,
                match.staff_number or "",
                match.force_name or "",
                match.record,
                match.reason,
            )
        console.print(table)
