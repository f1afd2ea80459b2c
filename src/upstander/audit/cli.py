"""`upstander audit verify` and `upstander audit checkpoint`."""

from __future__ import annotations

import typer
from rich.console import Console

from upstander.audit import service
from upstander.config import load_settings
from upstander.db import Database
from upstander.store.key_fingerprints import open_server_keys

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
console = Console()


@app.command()
def verify(
    public_key: str | None = typer.Option(
        None, help="Trusted checkpoint public key (hex); default: derived from the signing key file"
    ),
) -> None:
    """Check the whole hash chain and every signed checkpoint; exit 1 naming the first broken entry."""
    settings = load_settings()
    database = Database.from_url(settings.resolved_database_url)
    try:
        log = service.AuditLog(
            open_server_keys(settings, database).audit_seed, settings.audit_checkpoint_every
        )
        verdict = service.verify(database, public_key or log.public_key)
    finally:
        database.dispose()
    if verdict.ok:
        console.print(verdict.describe())
        return
    console.print(f"[bold red]{verdict.describe()}[/]")
    raise typer.Exit(code=1)


@app.command()
def checkpoint() -> None:
    """Sign the current head of the chain now."""
    settings = load_settings()
    database = Database.from_url(settings.resolved_database_url)
    try:
        log = service.AuditLog(
            open_server_keys(settings, database).audit_seed, settings.audit_checkpoint_every
        )
        with database.transaction() as session:
            signed = log.checkpoint(session)
    finally:
        database.dispose()
    console.print(
        f"Checkpoint signed at entry {signed.seq}." if signed else "The log is empty; nothing to sign."
    )
