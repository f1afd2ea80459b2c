"""`upstander users ...`: creating accounts (with an enrolment code), and disabling, enabling, roles,
second-factor and password resets."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from upstander.accounts.enrolment import IssuedCode
from upstander.accounts.models import Role
from upstander.audit.service import Actor
from upstander.config import load_settings
from upstander.errors import DomainError, NotFound

if TYPE_CHECKING:
    from upstander.services import Services

app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
console = Console()


@app.command()
def create(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="Sign-in name"),
    display_name: str = typer.Option(..., "--name", help="Name shown to colleagues"),
    roles: list[Role] = typer.Option(..., "--role", help="A role; repeat for several"),  # noqa: B008
) -> None:
    """Create an account awaiting enrolment; prints its one-time enrolment code and link once.

    Its holder opens the link, chooses a password and enrols an authenticator; their key pair is
    made then. Nobody else ever knows the password."""

    def step(services: Services) -> str:
        issued = services.enrolment.create_account(
            Actor.system("cli"), username=username, display_name=display_name, roles=roles
        )
        return _issued_lines(
            f"Created [bold]{issued.username}[/] ({', '.join(r.value for r in roles)}).", issued
        )

    _run(ctx, step)


def _issued_lines(headline: str, issued: IssuedCode) -> str:
    return "\n".join(
        [
            headline,
            f"Enrolment code (give it to the holder; works once, until {issued.expires_at:%Y-%m-%d %H:%M} UTC):",
            f"  [bold]{issued.code}[/]",
            "Enrolment link, on this server:",
            f"  {issued.path}",
        ]
    )


def _run(ctx: typer.Context, step: Callable[[Services], str]) -> None:
    """One lifecycle step: its message, or the refusal in one red line and exit code 1."""
    services: Services = ctx.obj.build_services(load_settings())
    try:
        message = step(services)
    except DomainError as error:
        console.print(f"[bold red]{error.detail}[/]")
        raise typer.Exit(code=1) from error
    finally:
        services.database.dispose()
    console.print(message)


def _user_id(services: Services, username: str) -> uuid.UUID:
    found = services.lifecycle.find_by_username(username)
    if found is None:
        raise NotFound(f"There is no account named {username!r}.")
    return found


@app.command("list")
def list_users(
    ctx: typer.Context, after: str | None = typer.Option(None, help="Start after this username")
) -> None:
    """Accounts by username, fifty at a time: their roles, status and live sessions."""

    def step(services: Services) -> str:
        page = services.lifecycle.list_users(Actor.system("cli"), after)
        lines = [
            f"{row.username}\t{'active' if row.active else 'DISABLED'}\t{','.join(row.roles)}\t"
            f"{row.live_sessions} session(s)"
            for row in page.users
        ]
        if page.next_after:
            lines.append(f"More: --after {page.next_after}")
        return "\n".join(lines) or "No accounts yet."

    _run(ctx, step)


REASON = typer.Option(..., "--reason", help="Why; kept in the audit trail")


@app.command()
def disable(ctx: typer.Context, username: str, reason: str = REASON) -> None:
    """Disable an account: every session and API token it holds ends at once; its history stays."""

    def step(services: Services) -> str:
        ended = services.lifecycle.disable(Actor.system("cli"), _user_id(services, username), reason)
        return f"Disabled {username}; {ended} session(s) ended."

    _run(ctx, step)


@app.command()
def enable(ctx: typer.Context, username: str, reason: str = REASON) -> None:
    """Enable a disabled account again (it signs in afresh; old sessions stay ended)."""

    def step(services: Services) -> str:
        services.lifecycle.enable(Actor.system("cli"), _user_id(services, username), reason)
        return f"Enabled {username}."

    _run(ctx, step)


@app.command()
def roles(
    ctx: typer.Context,
    username: str,
    roles: list[Role] = typer.Option(..., "--role", help="A role; repeat for several"),  # noqa: B008
    reason: str = REASON,
) -> None:
    """Replace an account's roles."""

    def step(services: Services) -> str:
        change = services.lifecycle.set_roles(
            Actor.system("cli"), _user_id(services, username), roles, reason
        )
        return (
            f"Roles of {username}: granted {', '.join(sorted(change.granted)) or 'none'}; "
            f"removed {', '.join(sorted(change.removed)) or 'none'}."
        )

    _run(ctx, step)


@app.command("reset-second-factor")
def reset_second_factor(ctx: typer.Context, username: str, reason: str = REASON) -> None:
    """End an account's authenticator and every session; prints a one-time code to enrol a new one
    (for an account still awaiting enrolment: a new enrolment code, ending the old one)."""

    def step(services: Services) -> str:
        issued = services.enrolment.reset_second_factor(
            Actor.system("cli"), _user_id(services, username), reason
        )
        return _issued_lines(f"Second factor of {username} reset.", issued)

    _run(ctx, step)


@app.command("reset-password")
def reset_password(
    ctx: typer.Context,
    username: str,
    recovery_key: str = typer.Option(..., prompt=True, hide_input=True, help="The account's recovery key"),
    password: str = typer.Option(
        ..., prompt="New password", hide_input=True, confirmation_prompt=True, help="At least 12 characters"
    ),
) -> None:
    """A forgotten password: the recovery key opens the private key for the new password; prints
    the new recovery key once. Every session of the account ends."""

    def step(services: Services) -> str:
        key = services.lifecycle.reset_with_recovery_key(username, recovery_key, password)
        return f"Password changed. New recovery key (store it offline; the old one no longer works): [bold]{key}[/]"

    _run(ctx, step)
