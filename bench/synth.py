"""`upstander synth`'s load against a raw bulk insert of the same rows, on SQLite and PostgreSQL.

One run, for each database, on one machine and in the same minute, into a freshly migrated database
emptied before each timing:

- **the baseline**: the rows, generated and converted beforehand, written by the bare driver in one
  transaction: ``executemany`` on a plain ``sqlite3`` connection (foreign keys on, as the app has
  them), ``COPY`` through ``psycopg`` on PostgreSQL;
- **synth write**: ``SynthService.load`` writing the same rows (already generated), through the app's
  own database and transaction, with its audit entry;
- **synth load**: ``SynthService.load`` as the command runs it, generating the rows from the seed too.

Best of ``--repeat``. It prints the times and the ratios to the baseline (target: synth load at most
1.5 times the baseline), appends them to bench/results/synth.jsonl, and asserts nothing about time.

    .venv/bin/python bench/synth.py [--allegations N] [--databases sqlite,postgresql] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import psycopg
from psycopg.types.json import Json
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ledger

from upstander.audit.service import AuditLog
from upstander.db import Database
from upstander.store import schema
from upstander.synth import rules
from upstander.synth.service import SynthService

ADMIN_URL = os.environ.get("UPSTANDER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TABLES = ("allegations", "complainants", "complaints", "people", "org_units")
JSON_COLUMNS = {"people": {"other_names", "protected_characteristics"}, "allegations": {"described"}}


def _sqlite_value(value: Any, is_json: bool) -> Any:
    if is_json:
        return json.dumps(value)
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _converted(data: rules.SynthData, backend: str) -> list[tuple[rules.Table, list[tuple[Any, ...]]]]:
    out = []
    for table in data.tables:
        json_columns = [column in JSON_COLUMNS.get(table.name, set()) for column in table.columns]
        if backend == "sqlite":
            rows = [tuple(map(_sqlite_value, row, json_columns)) for row in table.rows]
        else:
            rows = [
                tuple(
                    Json(value) if is_json else value
                    for value, is_json in zip(row, json_columns, strict=True)
                )
                for row in table.rows
            ]
        out.append((table, rows))
    return out


def _raw_sqlite(path: str, converted: list[tuple[rules.Table, list[tuple[Any, ...]]]]) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("BEGIN IMMEDIATE")
        for table, rows in converted:
            marks = ", ".join("?" for _ in table.columns)
            statement = f"INSERT INTO {table.name} ({', '.join(table.columns)}) VALUES ({marks})"  # noqa: S608 - the generator's names
            connection.executemany(statement, rows)
        connection.execute("COMMIT")
    finally:
        connection.close()


def _raw_postgresql(url: str, converted: list[tuple[rules.Table, list[tuple[Any, ...]]]]) -> None:
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        for table, rows in converted:
            names = ", ".join(table.columns)
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:  # type: ignore[arg-type]
                for row in rows:
                    copy.write_row(row)
        connection.commit()


def _empty(database: Database) -> None:
    """DELETE on SQLite; TRUNCATE on PostgreSQL, where DELETE checks every row against the tables that
    may refer to it, several of them without an index on the referring column."""
    with database.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
            return
        for name in TABLES:
            session.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - the constant names above


def _best(repeat: int, database: Database, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        _empty(database)
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def _database_url(backend: str, folder: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'synth-bench.db'}"
    name = "upstander_bench_synth"
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    return str(
        make_url(ADMIN_URL).set(database=name, drivername="postgresql+psycopg").render_as_string(False)
    )


def bench(backend: str, spec: rules.SynthSpec, repeat: int, folder: Path) -> dict[str, float]:
    url = _database_url(backend, folder)
    schema.upgrade(url)
    database = Database.from_url(url)
    audit = AuditLog(os.urandom(32), checkpoint_every=1_000)
    service = SynthService(database, audit)
    data = rules.generate(spec)
    converted = _converted(data, backend)
    plain = make_url(url)
    if backend == "sqlite":
        baseline = _best(repeat, database, lambda: _raw_sqlite(plain.database or "", converted))
    else:
        raw_url = plain.set(drivername="postgresql").render_as_string(hide_password=False)
        baseline = _best(repeat, database, lambda: _raw_postgresql(raw_url, converted))
    with mock.patch.object(rules, "generate", return_value=data):
        write = _best(repeat, database, lambda: service.load(spec))
    load = _best(repeat, database, lambda: service.load(spec))
    database.dispose()
    rows = sum(len(table.rows) for table in data.tables)
    return {"rows": rows, "baseline": baseline, "write": write, "load": load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--allegations", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    spec = rules.SynthSpec(allegations=arguments.allegations, seed=1)
    console = Console()
    table = Table(
        title=f"upstander synth, about {arguments.allegations:,} allegations (best of {arguments.repeat})"
    )
    for column in (
        "database",
        "rows",
        "raw bulk insert",
        "synth write",
        "synth load",
        "write ÷ raw",
        "load ÷ raw",
    ):
        table.add_column(column)
    with tempfile.TemporaryDirectory() as folder:
        for backend in arguments.databases.split(","):
            figures = bench(backend, spec, arguments.repeat, Path(folder))
            write_ratio = figures["write"] / figures["baseline"]
            load_ratio = figures["load"] / figures["baseline"]
            table.add_row(
                backend,
                f"{int(figures['rows']):,}",
                f"{figures['baseline']:.2f}s",
                f"{figures['write']:.2f}s",
                f"{figures['load']:.2f}s",
                f"{write_ratio:.2f}",
                f"{load_ratio:.2f}",
            )
            for measure, figure, ratio in (
                ("write", figures["write"], write_ratio),
                ("load", figures["load"], load_ratio),
            ):
                ledger.record(
                    "synth",
                    f"{backend} {measure}",
                    figure,
                    "s",
                    figures["baseline"],
                    "raw bulk insert of the same rows",
                    ratio,
                    allegations=arguments.allegations,
                    rows=int(figures["rows"]),
                )
    console.print(table)


if __name__ == "__main__":
    main()
