"""The CPDP import against a plain standard-library pass over the same files, on SQLite and PostgreSQL.

One run, for each database, on one machine and in the same minute:

- **the baseline**: a plain pass over the seven gzip'd CSV files with `gzip` and `csv` alone, doing
  what the import must at the least: each row read, its key columns stripped, its dates parsed
  (`date.fromisoformat` on the first ten characters), and the published figures counted from it
  (complaints, accusations, accused officers, complaints with an accused officer, officers,
  complainants), asserted against the figures the Invisible Institute published;
- **the import**: `upstander import cpdp-chicago` (`imports.service.import_source` with the shipped
  mapping) into a freshly migrated, empty database: COPY on PostgreSQL, multi-row INSERT on SQLite.

Each is timed best of ``--repeat`` (the import on a new database each time). It prints both, the
rows a second and the ratio import ÷ baseline (the issue's target: 2 or less), and appends them to
bench/results/import_speed.jsonl. It asserts nothing about time; it exits non-zero only when the
setup failed (no data: see /work/wt/shared/data or ``--data``).

    .venv/bin/python bench/import_speed.py [--data FOLDER] [--databases sqlite,postgresql] [--repeat R]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gzip
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ledger

from upstander.config import Settings
from upstander.db import Database
from upstander.imports.mapping import find_mapping
from upstander.imports.service import import_source
from upstander.store import schema
from upstander.store.key_fingerprints import open_server_keys

DEFAULT_DATA = Path("/work/wt/shared/data/cpdp-chicago-2000-2016")
DEFAULT_POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PUBLISHED = {
    "complaints": 109_339,
    "accusations": 125_581,
    "accused officers": 16_021,
    "complaints with an accused officer": 67_446,
}
console = Console()


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _day(text: str) -> date | None:
    text = text.strip()
    return date.fromisoformat(text[:10]) if text else None


def plain_pass(folder: Path) -> tuple[dict[str, int], int]:
    """The published figures from the files, with the standard library alone; and the rows read."""
    rows = 0
    officers = set()
    for row in _rows(folder / "final-profiles.csv.gz"):
        rows += 1
        officers.add(row["UID"].strip())
        _day(row["appointed_date"])
        _day(row["resignation_date"])
    complaints: dict[str, tuple[date | None, date | None]] = {}
    for row in _rows(folder / "complaints-complaints.csv.gz"):
        rows += 1
        complaints.setdefault(row["cr_id"].strip(), (_day(row["complaint_date"]), _day(row["incident_date"])))
    accused: set[str] = set()
    with_accused: set[str] = set()
    accusations = 0
    for row in _rows(folder / "complaints-accused.csv.gz"):
        rows += 1
        accusations += 1
        cr_id, uid = row["cr_id"].strip(), row["UID"].strip()
        if uid:
            accused.add(uid)
            with_accused.add(cr_id)
        row["final_finding"].strip().upper()
    complainants = 0
    for name in ("complaints-complainants.csv.gz", "officer-filed-complaints.csv.gz"):
        for row in _rows(folder / name):
            rows += 1
            complainants += name.startswith("complaints-")
            row["cr_id"].strip()
    figures = {
        "complaints": len(complaints),
        "accusations": accusations,
        "accused officers": len(accused),
        "complaints with an accused officer": len(with_accused & complaints.keys()),
        "officers": len(officers),
        "complainants": complainants,
    }
    return figures, rows


@contextlib.contextmanager
def database_url(kind: str, folder: Path, admin_url: str) -> Iterator[str]:
    if kind == "sqlite":
        path = folder / f"import_{secrets.token_hex(4)}.db"
        yield f"sqlite:///{path}"
        path.unlink(missing_ok=True)
        return
    name = f"upstander_bench_import_{secrets.token_hex(6)}"
    admin = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield (
            make_url(admin_url)
            .set(drivername="postgresql+psycopg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def timed_import(kind: str, folder: Path, data: Path, admin_url: str) -> tuple[float, int]:
    """Seconds for one import into a new, migrated database (the migration is not timed); rows read."""
    with database_url(kind, folder, admin_url) as url:
        schema.upgrade(url)
        database = Database.from_url(url)
        # The import seals free text (a link's reasons) with the server's keys, as `upstander import` does.
        open_server_keys(Settings(data_dir=folder / "keys", database_url=url), database)
        try:
            started = time.perf_counter()
            report = import_source(database, find_mapping("cpdp-chicago"), data)
            seconds = time.perf_counter() - started
        finally:
            database.dispose()
    rows = sum(file.imported + file.already_there + file.merged + file.refused_rows for file in report.files)
    rows += sum(file.skipped_rows for file in report.files)
    return seconds, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the folder of the CPDP files")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--postgres-admin-url", default=DEFAULT_POSTGRES_ADMIN_URL)
    args = parser.parse_args(argv)
    if not (args.data / "complaints-accused.csv.gz").exists():
        console.print(f"[bold red]Setup failed: no CPDP files in {args.data}[/]")
        return 2
    baseline = float("inf")
    for _ in range(max(args.repeat, 1)):
        started = time.perf_counter()
        figures, plain_rows = plain_pass(args.data)
        baseline = min(baseline, time.perf_counter() - started)
    wrong = {name: (figures[name], value) for name, value in PUBLISHED.items() if figures[name] != value}
    if wrong:
        console.print(
            f"[bold red]Setup failed: the plain pass does not give the published figures: {wrong}[/]"
        )
        return 2
    table = Table(title=f"CPDP import against a plain csv pass ({plain_rows:,} rows)")
    for column in ("database", "plain pass", "import", "import rows/s", "import ÷ plain"):
        table.add_column(column, justify="right")
    with tempfile.TemporaryDirectory(prefix="upstander-bench-") as scratch:
        for kind in args.databases.split(","):
            try:
                seconds, rows = min(
                    timed_import(kind, Path(scratch), args.data, args.postgres_admin_url)
                    for _ in range(max(args.repeat, 1))
                )
            except (OSError, psycopg.Error) as error:
                console.print(f"[bold red]Setup failed on {kind}: {error!r}[/]")
                return 2
            ratio = seconds / baseline
            table.add_row(
                kind, f"{baseline:.2f} s", f"{seconds:.2f} s", f"{rows / seconds:,.0f}", f"{ratio:.2f}"
            )
            ledger.record(
                "import_speed",
                f"cpdp_import_{kind}",
                round(seconds, 3),
                "s",
                round(baseline, 3),
                "plain stdlib csv pass computing the published figures",
                round(ratio, 2),
                rows=rows,
                repeat=args.repeat,
            )
    console.print(table)
    console.print(f"Plain pass figures: {figures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
