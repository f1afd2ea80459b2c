"""`upstander synth`: fictional national data with known truths planted in it, and a manifest of them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:
    from upstander.services import Services

console = Console()


def synth(
    ctx: typer.Context,
    forces: Annotated[int, typer.Option(help="Forces, each with 3 commands of 4 units")] = 43,
    years: Annotated[int, typer.Option(help="Years of allegations, ending on --until")] = 10,
    allegations: Annotated[int, typer.Option(help="About how many allegations")] = 20_000,
    seed: Annotated[int, typer.Option(help="The same seed gives the same data")] = 1,
    until: Annotated[str, typer.Option(help="Last day of the period, YYYY-MM-DD")] = "2025-12-31",
    serial: Annotated[int, typer.Option(help="Serial offenders to plant")] = 10,
    manifest: Annotated[Path, typer.Option(help="Where to write the planted truths (JSON)")] = Path(
        "synth-manifest.json"
    ),
    reports: Annotated[int, typer.Option(help="Reports submitted through intake, really sealed")] = 0,
    cases: Annotated[
        int, typer.Option(help="Cases opened from those reports and taken to several stages")
    ] = 0,
    handler: Annotated[str, typer.Option(help="The handler who opens the cases")] = "handler",
    decision: Annotated[str, typer.Option(help="The decision maker who assesses them")] = "decision",
    password: Annotated[
        str, typer.Option(envvar="UPSTANDER_SYNTH_PASSWORD", help="Their password (both the same)")
    ] = "",
) -> None:
    """Load fictional national data: forces, units, people, complaints and allegations over the years,
    with a relative rate of entry per ethnic group and serial offenders planted, written to --manifest."""
    from upstander.accounts.service import unlock_principal
    from upstander.config import load_settings
    from upstander.errors import DomainError
    from upstander.store import schema
    from upstander.synth import rules
    from upstander.synth.service import SynthService, submit_reports, walk_cases

    if cases > reports:
        raise typer.BadParameter("cannot open more cases than there are reports", param_hint="--cases")
    try:
        last_day = date.fromisoformat(until)
    except ValueError as error:
        raise typer.BadParameter(f"{until!r} is not a day (YYYY-MM-DD)", param_hint="--until") from error
    settings = load_settings()
    schema.upgrade(settings.resolved_database_url)
    services: Services = ctx.obj.build_services(settings)
    try:
        spec = rules.SynthSpec(
            forces=forces,
            years=years,
            allegations=allegations,
            seed=seed,
            until=last_day,
            serial_offenders=serial,
        )
        # the staff are unlocked first, so a wrong password stops the command before anything is written
        principals = (
            (
                unlock_principal(services.database, settings, handler, password),
                unlock_principal(services.database, settings, decision, password),
            )
            if cases
            else None
        )
        with _Bars() as bars:
            data = SynthService(services.database, services.audit).load(spec, bars.tick)
            report_ids = submit_reports(services.reports, data, reports, bars.tick)
            if principals is not None:
                walk_cases(
                    services.handling,
                    services.cases,
                    services.workflow,
                    *principals,
                    report_ids,
                    cases,
                    bars.tick,
                )
    except DomainError as error:
        console.print(f"[red]{error.detail}[/]")
        raise typer.Exit(1) from error
    finally:
        services.database.dispose()
    written = data.manifest() | {"reports": reports, "cases": cases}
    manifest.write_text(json.dumps(written, indent=2) + "\n")
    sizes = ", ".join(f"{count:,} {name}" for name, count in written["sizes"].items())
    console.print(f"Loaded {sizes}; {reports:,} reports, {cases:,} cases. Planted truths: {manifest}")


class _Bars:
    """One Rich progress bar per table (and for reports and cases), created when first told of it."""

    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def tick(self, name: str, done: int, total: int) -> None:
        if name not in self._tasks:
            self._tasks[name] = self._progress.add_task(name, total=total)
        self._progress.update(self._tasks[name], completed=done, total=total)

    def __enter__(self) -> _Bars:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(None, None, None)
