"""The `upstander` command: init, demo, serve, audit, users."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from upstander import services as services_module
from upstander.accounts import cli as accounts_cli
from upstander.analysis import cli as analysis_cli
from upstander.audit import cli as audit_cli
from upstander.backup import cli as backup_cli
from upstander.cases import cli as cases_cli
from upstander.cases.workflow import OWED_COLUMNS_REVISION
from upstander.config import Settings, load_settings
from upstander.equality import cli as equality_cli
from upstander.errors import DatabaseUnavailable
from upstander.imports import cli as imports_cli
from upstander.notify import cli as notify_cli
from upstander.org import cli as org_cli
from upstander.patterns import cli as patterns_cli
from upstander.patterns.escrow import keyd_cli as escrow_keyd_cli
from upstander.retention import cli as retention_cli
from upstander.safeguarding import cli as safeguarding_cli
from upstander.safeguarding.register import cli as register_cli
from upstander.store import schema
from upstander.store.key_fingerprints import KeysDoNotMatchDatabase
from upstander.synth import cli as synth_cli


class RefusingGroup(TyperGroup):
    """Every command that opens the database with the wrong keys ends the same way: the message
    naming the key file, and exit code 2. A database that cannot be reached ends a command with
    one plain line and exit code 1, not a traceback."""

    def invoke(self, ctx: Any) -> Any:  # typer's own click Context, which it does not export
        try:
            return super().invoke(ctx)
        except KeysDoNotMatchDatabase as refusal:
            Console(stderr=True).print(f"[bold red]{refusal}[/]", soft_wrap=True)
            raise typer.Exit(code=2) from refusal
        except DatabaseUnavailable as unavailable:
            Console(stderr=True).print(
                f"[bold red]Cannot reach the database ({unavailable.reason}).[/] Nothing was done; "
                "run the command again once the database is back.",
                soft_wrap=True,
            )
            raise typer.Exit(code=1) from unavailable


# Each domain's commands are handed the composition root as their context object
# (`ctx.obj.build_services`), so no domain imports the root that sits above it.
app = typer.Typer(
    cls=RefusingGroup,
    help="Upstander: secure misconduct reporting and case handling.",
    no_args_is_help=True,
    context_settings={"obj": services_module},
)
app.add_typer(audit_cli.app, name="audit")
app.add_typer(accounts_cli.app, name="users")
app.add_typer(cases_cli.app, name="cases")
app.command("vet")(org_cli.vet)
app.command("stats")(equality_cli.stats)
app.add_typer(safeguarding_cli.app, name="postings")
app.command("import")(imports_cli.import_records)
app.add_typer(imports_cli.mapping_app, name="mapping")
app.add_typer(patterns_cli.app, name="patterns")
app.command("analyse")(analysis_cli.analyse)
app.add_typer(analysis_cli.figures_app, name="figures")
app.command("escrow-keyd")(escrow_keyd_cli.escrow_keyd)
app.add_typer(register_cli.app, name="restrictions")
app.command("backup")(backup_cli.backup)
app.command("restore")(backup_cli.restore)
app.add_typer(backup_cli.keys_app, name="backup-key")
app.add_typer(retention_cli.app, name="retention")
app.command("worker")(notify_cli.worker)
app.command("synth")(synth_cli.synth)
console = Console()


@app.command()
def init() -> None:
    """Create the database (or upgrade it to the current schema) and the key files."""

    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    before = schema.current_revision(settings.resolved_database_url)
    schema.upgrade(settings.resolved_database_url)
    _check_server_keys(settings)
    if schema.crossed(before, OWED_COLUMNS_REVISION):
        # Cases stored before their rows said what each waits for would read "nothing due".
        services = services_module.build_services(settings)
        try:
            changed = services.workflow.refresh_owed()
        finally:
            services.database.dispose()
        console.print(
            f"What each case waits for, worked out again from its timeline (cases changed: {changed})"
        )
    console.print(f"Database ready: [bold]{_safe_url(settings.resolved_database_url)}[/]")
    console.print(
        f"Key files in: [bold]{settings.data_dir.resolve()}[/] (`upstander backup` keeps them with the database, encrypted)"
    )


@app.command()
def demo(
    if_empty: bool = typer.Option(False, "--if-empty", help="Seed only when the database has no users yet"),
) -> None:
    """Seed a fictional force (about 300 people, a user for every role, some reports and cases)."""
    from upstander.demo import seed as demo_data

    settings = load_settings()
    schema.upgrade(settings.resolved_database_url)
    services = services_module.build_services(settings)
    try:
        seeded = demo_data.seed(services, only_if_empty=if_empty, console=console)
        if seeded:
            _demo_synth(services, demo_data.DEMO_PASSWORD)
        demo_data.print_sign_ins(services, console, seeded=seeded)
    finally:
        services.database.dispose()


def _demo_synth(services: services_module.Services, password: str) -> None:
    """Beside the demo force, a small synthetic one dated in the past, so every page (the public
    statistics too) has real figures; and a few of its reports in the inbox and cases at each stage."""
    from upstander.accounts.service import unlock_principal
    from upstander.synth import rules as synth_rules
    from upstander.synth import service as synth_service

    started = time.perf_counter()
    spec = synth_rules.demo_spec(services.clock().date())
    data = synth_service.SynthService(services.database, services.audit).load(spec)
    report_ids = synth_service.submit_reports(services.reports, data, 4)
    handler = unlock_principal(services.database, services.settings, "handler2", password)
    decision = unlock_principal(services.database, services.settings, "decision2", password)
    synth_service.walk_cases(
        services.handling, services.cases, services.workflow, handler, decision, report_ids, 4
    )
    allegations = len(data.table("allegations").rows)
    console.print(
        f"Added a synthetic force: {allegations:,} allegations {spec.first_day} to {spec.until}, "
        f"4 reports, each opened as a case at a different stage ({time.perf_counter() - started:.1f}s)."
    )


@app.command("demo-code")
def demo_code(username: str = typer.Argument(..., help="A demo account, e.g. handler")) -> None:
    """Print the current sign-in code of a demo account (demo accounts only)."""
    services = services_module.build_services(load_settings())
    try:
        console.print(services.accounts.current_totp_code(username))
    finally:
        services.database.dispose()


# With more than one worker, uvicorn's supervisor pings each worker and kills one that does not
# answer in time (5 s by default), starting a fresh one. A worker answers only once its new
# interpreter has imported uvicorn, so on a busy host every worker was killed while still starting,
# and the server never came up. A minute covers a loaded start and still replaces a hung worker.
WORKER_HEALTHCHECK_SECONDS = 60


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on"),
    port: int = typer.Option(8000, help="Port to listen on"),
    workers: int = typer.Option(1, help="Worker processes (PostgreSQL recommended for more than one)"),
    worker_timeout: int = typer.Option(
        WORKER_HEALTHCHECK_SECONDS,
        min=1,
        help="Seconds a worker process may take to answer the supervisor, starting up or serving",
    ),
) -> None:
    """Serve the web app and the API. Nothing about clients (address, user agent) is logged."""
    import uvicorn

    from upstander.web.server import NoDelayH11Protocol, configure_logging

    settings = load_settings()
    configure_logging(settings.log_level)
    check_server_keys_once_the_database_answers(settings)
    if not settings.resolved_database_url.startswith("postgresql"):
        from upstander.notify.jobs import run_in_background

        # No shared queue on SQLite: the notifications and periodic jobs run in this process.
        run_in_background(settings, services_module.build_services)
    console.print(
        f"Upstander is running at [bold]http://{host}:{port}[/]  (API docs: http://{host}:{port}/docs)"
    )
    uvicorn.run(
        "upstander.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        date_header=False,
        log_config=None,
        http=NoDelayH11Protocol,
        timeout_worker_healthcheck=worker_timeout,
    )


# A server started before its database (a host booting, the database restarting) waits for it
# rather than exiting: one line each try, the pause growing to a minute.
DATABASE_WAIT_SECONDS = (1, 2, 5, 10, 30, 60)


def check_server_keys_once_the_database_answers(
    settings: Settings, sleep: Callable[[float], None] = time.sleep
) -> None:
    log = logging.getLogger("upstander.serve")
    for attempt in itertools.count():
        try:
            _check_server_keys(settings)
            return
        except DatabaseUnavailable as unavailable:
            pause = DATABASE_WAIT_SECONDS[min(attempt, len(DATABASE_WAIT_SECONDS) - 1)]
            log.warning("Cannot reach the database (%s); trying again in %s s", unavailable.reason, pause)
            sleep(pause)


def _check_server_keys(settings: Settings) -> None:
    """Create the keys of a fresh database; refuse (exit 2, see RefusingGroup) keys another was made with."""
    from upstander.db import Database
    from upstander.store.key_fingerprints import open_server_keys

    database = Database.from_url(settings.resolved_database_url)
    try:
        open_server_keys(settings, database)
    finally:
        database.dispose()


def _safe_url(url: str) -> str:
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


if __name__ == "__main__":
    app()
