"""`upstander backup`, `upstander restore` and `upstander backup-key create`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from upstander.backup import archive, service
from upstander.backup.rules import SnapshotRefused
from upstander.config import load_settings
from upstander.db import utcnow

keys_app = typer.Typer(help="The operator's backup key pair.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


def _refused(refusal: SnapshotRefused) -> typer.Exit:
    errors.print(f"[bold red]{refusal}[/]", soft_wrap=True)
    return typer.Exit(code=2)


@keys_app.command("create")
def create_backup_key(
    private_key_file: Annotated[
        Path,
        typer.Option(
            "--private-key-file",
            help="Where to write the private key (owner-only). Keep it off the servers: only a restore needs it.",
        ),
    ],
) -> None:
    """Make the key pair backups are encrypted to; print the public key for UPSTANDER_BACKUP_PUBLIC_KEY."""
    pair = archive.generate_backup_key(utcnow())
    try:
        archive.write_private_key(private_key_file, pair.private_key_text)
    except SnapshotRefused as refusal:
        raise _refused(refusal) from refusal
    console.print(
        f"Private key written to [bold]{private_key_file}[/] (keep it offline, and a second copy).",
        soft_wrap=True,
    )
    console.print("Public key (set it as UPSTANDER_BACKUP_PUBLIC_KEY on every server that takes backups):")
    console.print(pair.public_key, soft_wrap=True, highlight=False)


def backup(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The snapshot file to write (never overwritten)")
    ],
    public_key: Annotated[
        str | None,
        typer.Option(
            "--public-key", help="The backup public key (age1…); default: UPSTANDER_BACKUP_PUBLIC_KEY"
        ),
    ] = None,
) -> None:
    """Write one consistent snapshot of the database and its key files, encrypted to the backup key."""
    settings = load_settings()
    recipient = public_key or settings.backup_public_key
    if not recipient:
        errors.print(
            "[bold red]No backup public key:[/] set UPSTANDER_BACKUP_PUBLIC_KEY or pass --public-key "
            "(`upstander backup-key create` makes a key pair).",
            soft_wrap=True,
        )
        raise typer.Exit(code=2)
    try:
        taken = service.take(settings, output, recipient, utcnow)
    except SnapshotRefused as refusal:
        raise _refused(refusal) from refusal
    console.print(
        f"Snapshot of the {taken.manifest.backend} database written to [bold]{taken.path}[/] "
        f"({taken.size_bytes} bytes, sha256 {taken.sha256}).",
        soft_wrap=True,
    )


def restore(
    snapshot: Annotated[Path, typer.Argument(help="The snapshot file `upstander backup` wrote")],
    private_key_file: Annotated[Path, typer.Option("--private-key-file", help="The backup private key")],
) -> None:
    """Restore a snapshot into the empty database and data directory the settings name."""
    settings = load_settings()
    try:
        restored = service.restore(settings, snapshot, private_key_file, utcnow)
    except SnapshotRefused as refusal:
        raise _refused(refusal) from refusal
    console.print(
        f"Restored the snapshot taken at {restored.manifest.taken_at.isoformat(timespec='seconds')} "
        f"into {settings.data_dir.resolve()} and the database.",
        soft_wrap=True,
    )
    if not restored.audit.ok:
        errors.print(f"[bold red]The restored audit log does not verify: {restored.audit.describe()}[/]")
        raise typer.Exit(code=1)
    console.print(f"Audit log: {restored.audit.describe()}", soft_wrap=True)
