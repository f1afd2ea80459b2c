"""`upstander import`: load a source's historical records through its mapping, with progress bars."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from upstander.imports.report import FileReport, ImportReport, ReasonTally

console = Console()
SHOWN_SKIPPED_LINES = 5


def import_records(
    mapping: Annotated[
        str,
        typer.Argument(help="A mapping file (TOML), or the name of one shipped with Upstander: cpdp-chicago"),
    ],
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="The folder holding the source's files; default: the mapping's folder in the shared data directory",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read and check everything, report every problem, write nothing")
    ] = False,
    no_resume: Annotated[
        bool,
        typer.Option(
            "--no-resume", help="Refuse to start if records of this source are already in the database"
        ),
    ] = False,
) -> None:
    """Import historical complaint records from CSV files, as the mapping describes them.

    Rows already imported are skipped, so an interrupted import resumes when run again. Every row that cannot be read is reported with its line number and the reason.

    Exit status: 0 when every row was imported (or passed over as the mapping says); 1 when rows were refused in a real run; 2 when the import could not start (the mapping, a file or a column is wrong).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from upstander.audit.service import AuditLog
    from upstander.config import load_settings
    from upstander.db import Database
    from upstander.errors import DomainError
    from upstander.imports.mapping import MappingError, find_mapping, load_mapping
    from upstander.imports.service import import_source
    from upstander.store import schema
    from upstander.store.key_fingerprints import open_server_keys

    settings = load_settings()
    try:
        mapping_path = find_mapping(mapping)
        folder = data_dir or settings.shared_data_dir / (load_mapping(mapping_path).folder or "")
    except MappingError as error:
        console.print(f"[bold red]{escape(str(error))}[/]")
        raise typer.Exit(code=2) from error
    schema.upgrade(settings.resolved_database_url)
    database = Database.from_url(settings.resolved_database_url)
    audit = AuditLog(open_server_keys(settings, database).audit_seed, settings.audit_checkpoint_every)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=console) as bars:
            tasks: dict[str, TaskID] = {}

            def progress(file: str, done: int, total: int) -> None:
                if file not in tasks:
                    tasks[file] = bars.add_task(file, total=total)
                bars.update(tasks[file], completed=done, total=total)

            report = import_source(
                database,
                mapping_path,
                folder,
                dry_run=dry_run,
                resume=not no_resume,
                audit=audit,
                progress=progress,
            )
    except (MappingError, DomainError) as error:
        console.print(f"[bold red]{escape(str(error))}[/]")
        raise typer.Exit(code=2) from error
    finally:
        database.dispose()
    show(report)
    if report.refused_rows and not dry_run:
        raise typer.Exit(code=1)


def show(report: ImportReport) -> None:
    """The counts per file, then every refused row kept (up to 50 per reason) with its reason."""
    table = Table(title=f"{report.title} — {'dry run' if report.dry_run else 'import'}")
    for column in (
        "File",
        "Table",
        "Read",
        "Would import" if report.dry_run else "Imported",
        "Already there",
        "Merged",
        "Skipped",
        "Refused",
    ):
        table.add_column(column, justify="left" if column in {"File", "Table"} else "right")
    for file in report.files:
        table.add_row(
            file.file,
            file.target,
            *(
                f"{count:,}"
                for count in (
                    file.read,
                    file.imported,
                    file.already_there,
                    file.merged,
                    file.skipped_rows,
                    file.refused_rows,
                )
            ),
        )
    console.print(table)
    for file in report.files:
        _show_file(file)
    if report.dry_run:
        console.print("Dry run: nothing was written.")
    else:
        console.print(
            f"Imported {report.imported:,} rows in {report.seconds:.0f} s; the run is in the audit log."
        )
    if report.refused_rows:
        verb = "would be" if report.dry_run else "were"
        console.print(
            f"[bold red]{report.refused_rows:,} rows {verb} refused.[/] Fix them (or the mapping) and run "
            "the import again: rows already imported are skipped."
        )


def _show_file(file: FileReport) -> None:
    for what, count in file.notes.items():
        console.print(f"{file.file}: {what}: {count:,}", markup=False)
    for reason, tally in file.skipped.items():
        console.print(
            f"{file.file}: {tally.rows:,} rows skipped, as the mapping says: {reason}", markup=False
        )
        _show_lines(tally, SHOWN_SKIPPED_LINES)
    for reason, tally in file.refused.items():
        console.print(f"[bold red]{escape(f'{file.file}: {tally.rows:,} rows refused: {reason}')}[/]")
        _show_lines(tally, len(tally.lines))


def _show_lines(tally: ReasonTally, shown: int) -> None:
    for line, message in tally.lines[:shown]:
        # Cells are the source's text: markup in them ("[/x]") is shown as written, never read.
        console.print(f"  line {line}: {message}", highlight=False, markup=False)
    if tally.rows > shown:
        console.print(f"  … and {tally.rows - shown:,} more", highlight=False)


mapping_app = typer.Typer(help="The mapping format: its JSON Schema, for editors.", no_args_is_help=True)


@mapping_app.command("schema")
def mapping_schema(
    output: Annotated[
        Path | None, typer.Option("--output", help="Write the schema to this file; default: print it")
    ] = None,
) -> None:
    """The JSON Schema of a mapping file (the one kept in docs/mapping.schema.json).

    An editor that reads it completes and checks a mapping's keys as it is typed; Taplo and the
    Even Better TOML extension read it from a first line `#:schema ./mapping.schema.json`."""
    from upstander.imports.mapping_schema import schema_text

    if output is None:
        typer.echo(schema_text(), nl=False)
        return
    output.write_text(schema_text(), encoding="utf-8")
    console.print(f"Written: {escape(str(output))}")
