"""`upstander users create`: the first real accounts of an installation (admins add more the same way)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console

from upstander.accounts.models import Role
from upstander.audit.service import Actor
from upstander.config import load_settings
from upstander.errors import DomainError

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
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="At least 12 characters"
    ),
) -> None:
    """Create a user with a fresh key pair; prints the TOTP secret and the recovery key once."""
    services: Services = ctx.obj.build_services(load_settings())
    try:
        created = services.accounts.create_user(
            username=username,
            display_name=display_name,
            password=password,
            roles=roles,
            actor=Actor.system("cli"),
        )
    except DomainError as error:
        console.print(f"[bold red]{error.detail}[/]")
        raise typer.Exit(code=1) from error
    finally:
        services.database.dispose()
    console.print(f"Created [bold]{username}[/] ({', '.join(r.value for r in roles)}).")
    console.print(f"Authenticator secret (enter it in the app now): [bold]{created.totp_secret}[/]")
    console.print(
        f"Recovery key (opens this user's private key if the password is lost; store it offline): "
        f"[bold]{created.recovery_key}[/]"
    )
