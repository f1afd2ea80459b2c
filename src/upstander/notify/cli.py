"""`upstander worker`: the background jobs (notifications, the periodic checks)."""

from __future__ import annotations

import typer
from rich.console import Console

from upstander.config import load_settings

console = Console()


def worker(
    ctx: typer.Context,
    until_empty: bool = typer.Option(False, "--until-empty", help="Stop once no job is waiting"),
    name: str = typer.Option("worker", help="The worker's name in the logs"),
) -> None:
    """Send notifications and run the periodic jobs. On PostgreSQL run as many as you like, on any
    machine: each job is done once. On SQLite `upstander serve` already runs them; run one at most."""
    from upstander.notify.jobs import Jobs
    from upstander.web.server import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level)
    jobs = Jobs(settings, ctx.obj.build_services)
    where = "the PostgreSQL queue" if jobs.shared_queue else "this process (SQLite)"
    console.print(f"Worker [bold]{name}[/] taking jobs from {where}")
    jobs.run(until_empty=until_empty, name=name)
