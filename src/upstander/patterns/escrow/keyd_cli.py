"""`upstander escrow-keyd`: run the escrow key service (normally by the overseer, on its own host)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from upstander.config import load_settings
from upstander.patterns.escrow.keyd import load_keyd
from upstander.patterns.escrow.keys import KeyFileError

console = Console(stderr=True)


def escrow_keyd(
    key_file: Path = typer.Option(  # noqa: B008
        ...,
        "--key-file",
        help="Its own key file (created, mode 0600, on first start); never the app's data dir",
    ),
    client_secret_file: Path | None = typer.Option(  # noqa: B008
        None,
        "--client-secret-file",
        help="Shared secret the app must send (created on first start); "
        "default: UPSTANDER_ESCROW_KEY_SERVICE_SECRET_FILE or data_dir/escrow-client.secret",
    ),
    host: str = typer.Option("127.0.0.1", help="Address to listen on"),
    port: int = typer.Option(8700, help="Port to listen on"),
) -> None:
    """Serve blinded OPRF evaluations (RFC 9497 VOPRF, ristretto255-SHA512) with proofs."""
    import uvicorn

    settings = load_settings()
    secret_file = client_secret_file or settings.resolved_escrow_key_service_secret_file
    try:
        app, service = load_keyd(key_file, secret_file, settings.escrow_key_service_requests_per_minute)
    except (KeyFileError, ValueError) as error:
        console.print(f"[bold red]Refusing to start:[/] {error}")
        raise typer.Exit(2) from error
    console.print(f"Escrow key service on http://{host}:{port}  public key {service.public_key.hex()}")
    console.print(
        f"Client secret file: {secret_file}  (the app reads it via UPSTANDER_ESCROW_KEY_SERVICE_SECRET_FILE)"
    )
    uvicorn.run(
        app, host=host, port=port, access_log=False, server_header=False, date_header=False, log_config=None
    )
