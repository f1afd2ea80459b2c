"""Importing a source's CSV files through its mapping, in batches, so that a run can be resumed.

The rules:

* Everything that can be checked before writing is: the mapping, that every file exists, and that
  every column the mapping names is in its file's header. Any failure stops the import before a
  row is written (`ImportRefused`).
* Files are read streaming (gzip when the name ends in ``.gz``), in batches of `BATCH_ROWS` rows;
  each batch is one transaction. Only the id maps that later files join on are held in memory
  (officer id → person, complaint id → complaint and its dates).
* A row is imported once: complaints by (source, source_ref), people by staff number (both
  unique in the database, inserted with ``ON CONFLICT DO NOTHING``), accusations by their
  complaint and ``source_ref``, complainants by their complaint and position, officer-filed flags
  by the flag itself. So resuming an interrupted run is running it again: rows already there are
  counted and skipped. ``resume=False`` instead refuses to start when the source has any complaint
  in the database, so nothing is silently added to an earlier import. One source is imported by
  one run at a time: a run that finds rows another run wrote meanwhile undoes its batch and stops.
* Each accusation naming a known officer gets ``Allegation.person_id`` and a standing
  ``SubjectLink`` (status linked, method ``source_id``): the source's own officer id is an exact
  identification, as a staff number is.
* A row that cannot be read is refused whole, and the report says why, with its line number. A
  dry run reads and checks everything, reports what a real run would do, and writes nothing.
* A real run records one audit entry (the counts per file, no row content) and signs a checkpoint.
"""

from __future__ import annotations

import csv
import gzip
import time
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander.audit.service import Actor, AuditLog
from upstander.cases.models import Complaint
from upstander.db import Database
from upstander.imports import writers
from upstander.imports.bulk import ImportRefused
from upstander.imports.mapping import load_mapping
from upstander.imports.report import FileReport, ImportReport
from upstander.imports.rows import ProblemFound, RowValues, TableReader, compile_rule
from upstander.imports.targets import ImportMapping, TableMapping, Target

BATCH_ROWS = 5000

Progress = Callable[[str, int, int], None]


def import_source(
    database: Database,
    mapping_path: Path,
    data_dir: Path,
    *,
    dry_run: bool = False,
    resume: bool = True,
    audit: AuditLog | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import every file of the mapping at ``mapping_path`` from ``data_dir`` (see the module rules).

    ``progress(file, rows_done, rows_in_file)`` is called after each batch. Raises `MappingError`
    for a mapping that cannot be used and `ImportRefused` when the files or the database do not
    allow the import to start.
    """
    started = time.perf_counter()
    mapping = load_mapping(mapping_path)
    check_files(mapping, data_dir)
    if not resume and not dry_run:
        _refuse_if_imported(database, mapping.source)
    run = writers.Run(database, mapping, dry_run)
    report = ImportReport(mapping.source, mapping.title, mapping_path, data_dir, dry_run)
    for table in mapping.tables:
        report.files.append(_import_file(run, table, data_dir / table.file, progress))
    report.seconds = time.perf_counter() - started
    if audit is not None and not dry_run:
        with database.transaction() as session:
            audit.record(
                session,
                Actor.system("import"),
                "import.completed",
                "import",
                mapping.source,
                report.summary(),
            )
            audit.checkpoint(session)
    return report


def check_files(mapping: ImportMapping, data_dir: Path) -> None:
    """Every file of the mapping is there and has every column the mapping names."""
    problems = []
    for table in mapping.tables:
        path = data_dir / table.file
        if not path.is_file():
            problems.append(f"{table.file} is not in {data_dir}")
            continue
        header = _header(path)
        missing = sorted(table.columns - set(header))
        if missing:
            columns = ", ".join(repr(column) for column in missing)
            problems.append(
                f"{table.file} has no column {columns}, which the mapping's [{table.target}] reads "
                f"(its columns: {', '.join(header) or 'none'})"
            )
    if problems:
        raise ImportRefused("The import cannot start: " + "; ".join(problems) + ".")


def _refuse_if_imported(database: Database, source: str) -> None:
    with database.transaction() as session:
        found = session.scalar(select(Complaint.id).where(Complaint.source == source).limit(1))
    if found is not None:
        raise ImportRefused(
            f"Records from {source} are already in the database, and this run was told not to resume. "
            "Run it again without --no-resume to add only what is missing."
        )


def _import_file(run: writers.Run, table: TableMapping, path: Path, progress: Progress | None) -> FileReport:
    report = FileReport(table.file, table.target.value)
    if table.unit is not None:
        run.units(_unit_names(table, path), report)
    run.start(table)
    total = _count_rows(path) if progress else 0
    reader = TableReader(table)
    rows = _read(path)
    while chunk := list(islice(rows, BATCH_ROWS)):
        good: list[tuple[int, RowValues]] = []
        for line, row in chunk:
            report.read += 1
            values = reader.convert(row)
            if values.problems:
                report.refuse(line, values.problems)
            else:
                good.append((line, values))
        with run.database.transaction() as session:
            _write_batch(run, session, table, good, report)
        if progress:
            progress(table.file, report.read, max(total, report.read))
    if progress and report.read == 0:
        progress(table.file, 0, 0)
    return report


def _write_batch(
    run: writers.Run,
    session: Session,
    table: TableMapping,
    batch: list[tuple[int, RowValues]],
    report: FileReport,
) -> None:
    handlers = {
        Target.PEOPLE: run.people_batch,
        Target.COMPLAINTS: run.complaints_batch,
        Target.OFFICER_FILED: run.officer_filed_batch,
        Target.ALLEGATIONS: run.allegations_batch,
        Target.COMPLAINANTS: run.complainants_batch,
    }
    handlers[table.target](session, table, batch, report)


def _unit_names(table: TableMapping, path: Path) -> dict[str, str | None]:
    """Each unit code the file uses, with the first name it gives for it (rows with problems are
    left to the main pass, which reports them)."""
    assert table.unit is not None
    read_code = compile_rule(table.unit.code)
    read_name = compile_rule(table.unit.name) if table.unit.name else None
    names: dict[str, str | None] = {}
    for _line, row in _read(path):
        try:
            code = read_code(row)
            name = read_name(row) if read_name else None
        except ProblemFound:
            continue
        if code is not None and not names.get(str(code)):
            names[str(code)] = None if name is None else str(name)
    return names


def _open(path: Path) -> IO[str]:
    """Text in UTF-8 (a byte-order mark, as spreadsheet programs write, is dropped)."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _header(path: Path) -> list[str]:
    try:
        with _open(path) as handle:
            return next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ImportRefused(f"{path.name} cannot be read as CSV ({error}).") from error


def _read(path: Path) -> Iterator[tuple[int, dict[str | None, object]]]:
    """(line number, row) for each data row, as csv.DictReader gives it but without its cost per
    row; a file that stops being readable stops the import."""
    with _open(path) as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, [])
            width = len(header)
            for cells in reader:
                if not cells:
                    continue  # a blank line is no row, as csv.DictReader has it
                if len(cells) == width:
                    yield reader.line_num, dict(zip(header, cells, strict=True))
                else:
                    yield reader.line_num, _uneven_row(header, cells)
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            raise ImportRefused(
                f"{path.name} cannot be read after line {reader.line_num} ({error}); the rows before it "
                "were read, and a re-run resumes after those already imported."
            ) from error


def _uneven_row(header: list[str], cells: list[str]) -> dict[str | None, object]:
    """A row of more or fewer cells than the header, as csv.DictReader gives it: the cells it
    lacks are None, and the extra cells are kept under the key None."""
    row: dict[str | None, object] = dict(zip(header, cells, strict=False))
    if len(cells) > len(header):
        row[None] = cells[len(header) :]
    else:
        row.update(dict.fromkeys(header[len(cells) :]))
    return row


def _count_rows(path: Path) -> int:
    """Rows in the file, for the progress bar (0 when unreadable: the main pass says why)."""
    try:
        with _open(path) as handle:
            return max(0, sum(1 for _ in csv.reader(handle)) - 1)
    except (OSError, UnicodeDecodeError, csv.Error):
        return 0
