"""`upstander retention`: the retention job (with its dry run), legal holds and subject access."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from upstander.accounts.models import User
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import Actor
from upstander.cases.models import Case
from upstander.config import load_settings
from upstander.errors import DomainError
from upstander.retention.service import describe
from upstander.retention.subject_access import as_json_bytes

if TYPE_CHECKING:
    from upstander.services import Services

app = typer.Typer(help="Retention of records, legal holds and subject access.", no_args_is_help=True)
console = Console()


@app.command()
def run(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would go; change nothing"),
    batch: int = typer.Option(50, min=1, help="Cases erased per transaction"),
) -> None:
    """Delete or anonymise what the policy packs say is due; each erasure is audited by kind and reference."""
    services: Services = ctx.obj.build_services(load_settings())
    try:
        if dry_run:
            lines = describe(services.retention.due())
            table = Table(title=f"Would go now: {len(lines)} record{'s' if len(lines) != 1 else ''}")
            for column in ("kind", "case", "closed on", "due since"):
                table.add_column(column)
            for line in lines:
                table.add_row(line["what"], line["reference"], line["closed_on"], line["due_since"])
            console.print(table if lines else "Nothing is due.")
            return
        result = services.retention.run(batch_cases=batch)
    finally:
        services.database.dispose()
    for line in describe(result.erased):
        console.print(f"Erased {line['what']} of case {line['reference']} (closed {line['closed_on']}).")
    for reference in result.held_meanwhile:
        console.print(f"Left case {reference}: a legal hold was set, or it was reopened, while the job ran.")
    for due in result.still_in_force:
        console.print(
            f"Left the {due.kind.replace('_', ' ')} of case {due.reference}: one is still in force."
        )
    console.print(
        f"{len(result.erased)} erased in {result.batches} batch{'es' if result.batches != 1 else ''}."
    )


def _principal(services: Services, username: str) -> StaffPrincipal:
    # Holds need no content key: the command acts as the named decision maker, checked as on the web.
    with services.database.transaction() as session:
        user = session.scalars(select(User).where(User.username == username, User.active.is_(True))).first()
        if user is None:
            raise typer.BadParameter(f"There is no active account {username!r}.", param_hint="--by")
        return StaffPrincipal(
            user.id, user.username, user.display_name, frozenset(user.roles), b"", "command"
        )


def _case_id(services: Services, reference: str) -> uuid.UUID:
    with services.database.transaction() as session:
        case_id = session.scalar(select(Case.id).where(Case.reference == reference))
    if case_id is None:
        raise typer.BadParameter(f"There is no case {reference!r}.", param_hint="CASE")
    return case_id


def _hold_command(ctx: typer.Context, case: str, reason: str, by: str, *, lift: bool) -> None:
    services: Services = ctx.obj.build_services(load_settings())
    try:
        principal, case_id = _principal(services, by), _case_id(services, case)
        act = services.holds.lift_hold if lift else services.holds.set_hold
        act(principal, case_id, reason)
    except DomainError as error:
        console.print(f"[bold red]Not done.[/] {error.detail}", soft_wrap=True)
        raise typer.Exit(code=1) from error
    finally:
        services.database.dispose()
    console.print(f"The legal hold on case {case} is {'lifted' if lift else 'set'}.")


@app.command()
def hold(
    ctx: typer.Context,
    case: str = typer.Argument(..., help="The case reference"),
    reason: str = typer.Option(..., help="Why the case must be kept"),
    by: str = typer.Option(..., help="The decision maker's username"),
) -> None:
    """Set a legal hold on a case and its reports: the retention job leaves them until it is lifted."""
    _hold_command(ctx, case, reason, by, lift=False)


@app.command()
def lift(
    ctx: typer.Context,
    case: str = typer.Argument(..., help="The case reference"),
    reason: str = typer.Option(..., help="Why the hold can end"),
    by: str = typer.Option(..., help="The decision maker's username"),
) -> None:
    """Lift the standing legal hold on a case."""
    _hold_command(ctx, case, reason, by, lift=True)


@app.command("subject-access")
def subject_access(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="The account whose holder asked for their record"),
    out: Annotated[Path | None, typer.Option(help="Write the JSON here (default: standard output)")] = None,
) -> None:
    """Export one member of staff's own record, for a subject access request received in writing."""
    services: Services = ctx.obj.build_services(load_settings())
    try:
        document = services.subject_access.export_by_username(username, Actor.system("cli"))
    except DomainError as error:
        console.print(f"[bold red]Not done.[/] {error.detail}", soft_wrap=True)
        raise typer.Exit(code=1) from error
    finally:
        services.database.dispose()
    data = as_json_bytes(document)
    if out is None:
        typer.echo(data.decode())
    else:
        out.write_bytes(data)
        console.print(f"Wrote {username}'s record to {out}.")
