"""One consistent copy of each kind of database, and putting one back, all or nothing.

SQLite: the online backup API copies a live database page by page into a file that is itself a
complete database. PostgreSQL: pg_dump reads one snapshot, exported from a transaction that reads
the recorded key fingerprints too, so the manifest says exactly what the dump holds; the dump goes
back through psql as ONE transaction that ends by checking those fingerprints against the keys
being restored, so a dump with the wrong keys leaves the target as empty as it found it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from upstander.backup.rules import SnapshotRefused
from upstander.db import unavailable_reason
from upstander.errors import DatabaseUnavailable

# The message the restore's check raises inside PostgreSQL, so that its failure is told apart.
KEYS_DO_NOT_MATCH = "upstander-restore-keys-do-not-match"


@dataclass(frozen=True)
class Recorded:
    """What a database copy says about itself: the keys it was made with, and its schema."""

    fingerprints: dict[str, str]
    schema_revision: str | None


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise SnapshotRefused("An in-memory SQLite database has nothing to back up or restore into.")
    return Path(database)


def copy_sqlite(url: str, destination: Path) -> Recorded:
    with (
        closing(sqlite3.connect(sqlite_path(url))) as source,
        closing(sqlite3.connect(destination)) as copy,
    ):
        source.backup(copy)
    return recorded_in_sqlite(destination)


def recorded_in_sqlite(path: Path) -> Recorded:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as copy:
        try:
            if copy.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                raise SnapshotRefused("The snapshot's SQLite database fails its integrity check.")
            tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            fingerprints = (
                dict(copy.execute("SELECT name, fingerprint FROM key_fingerprints").fetchall())
                if "key_fingerprints" in tables
                else {}
            )
            revision = (
                copy.execute("SELECT version_num FROM alembic_version").fetchone()
                if "alembic_version" in tables
                else None
            )
        except sqlite3.DatabaseError as error:
            raise SnapshotRefused("The snapshot's SQLite database cannot be read.") from error
    return Recorded(fingerprints, revision[0] if revision else None)


def sqlite_is_empty(url: str) -> bool:
    path = sqlite_path(url)
    if not path.exists() or path.stat().st_size == 0:
        return True
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as existing:
        return bool(existing.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,))


def place_sqlite(copy: Path, url: str) -> Path:
    """Move the restored copy into place; never over a file that appeared meanwhile."""
    target = sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and target.stat().st_size == 0:
        target.unlink()  # an empty file left by a tool that only opened the path
    os.link(copy, target)  # fails if the target exists, unlike a rename
    copy.unlink()
    return target


@dataclass(frozen=True)
class Libpq:
    """How the PostgreSQL programs reach the database: a URI without the password, and the
    password in their environment, so it never shows in a process listing."""

    uri: str
    env: dict[str, str]


def libpq(url: str) -> Libpq:
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return Libpq(uri, env)


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise SnapshotRefused(
            f"{name} is not installed; install the PostgreSQL client programs of the server's version."
        )
    return found


def _connect(url: str) -> psycopg.Connection[tuple[Any, ...]]:
    """A direct connection; one that cannot be made ends the command in one line (exit 1)."""
    try:
        return psycopg.connect(libpq(url).uri, password=make_url(url).password)
    except psycopg.OperationalError as error:
        raise DatabaseUnavailable(unavailable_reason(error)) from error


@contextmanager
def _exported_snapshot(url: str) -> Iterator[tuple[str, Recorded]]:
    with _connect(url) as connection:
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        row = connection.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        fingerprints: dict[str, str] = dict(
            connection.execute("SELECT name, fingerprint FROM key_fingerprints").fetchall()
        )
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        yield str(row[0]), Recorded(fingerprints, revision[0] if revision else None)
        connection.rollback()


def dump_postgresql(url: str, destination: Path) -> Recorded:
    reach = libpq(url)
    with _exported_snapshot(url) as (snapshot, recorded):
        done = subprocess.run(  # noqa: S603 (a fixed program and arguments, no shell)
            [
                _program("pg_dump"),
                "--format=plain",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={destination}",
                f"--dbname={reach.uri}",
            ],
            env=reach.env,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise SnapshotRefused(f"pg_dump failed: {_first_error(done.stderr)}")
    return recorded


def postgresql_is_empty(url: str) -> bool:
    with _connect(url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
            "AND n.nspname NOT LIKE 'pg_temp%'"
        ).fetchone()
    return row is not None and row[0] == 0


def restore_postgresql(dump: Path, url: str, keys: Mapping[str, str], work_dir: Path) -> None:
    """Replay the dump and check the fingerprints it recorded, in one transaction."""
    check = work_dir / "check-keys.sql"
    check.write_text(_key_check(keys))
    reach = libpq(url)
    done = subprocess.run(  # noqa: S603 (a fixed program and arguments, no shell)
        [
            _program("psql"),
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            f"--file={dump}",
            f"--file={check}",
            f"--dbname={reach.uri}",
        ],
        env=reach.env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode == 0:
        return
    if KEYS_DO_NOT_MATCH in done.stderr:
        raise SnapshotRefused(
            "The snapshot's database was made with other keys than the key files in the snapshot; "
            "nothing was restored."
        )
    raise SnapshotRefused(
        f"psql could not restore the dump ({_first_error(done.stderr)}); it ran as one transaction, "
        "so nothing was restored."
    )


def _key_check(keys: Mapping[str, str]) -> str:
    def literal(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    if not keys:
        return "SELECT 1;\n"
    expected = ", ".join(f"({literal(name)}, {literal(value)})" for name, value in sorted(keys.items()))
    return (
        "DO $$ BEGIN\n"  # noqa: S608 (fixed key names and hex fingerprints, each quoted as a literal)
        "  IF EXISTS (SELECT 1 FROM public.key_fingerprints k WHERE (k.name, k.fingerprint) NOT IN "
        f"(VALUES {expected})) THEN\n"
        f"    RAISE EXCEPTION '{KEYS_DO_NOT_MATCH}';\n"
        "  END IF;\n"
        "END $$;\n"
    )


def _first_error(stderr: str) -> str:
    """The first line that says what went wrong, cut short: a dump's error context may quote rows."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "ERROR" in line or "error" in line] or lines or ["no message"]
    return errors[0][:200]
