"""Fictional national data for benchmarks: people in a tree of units, complaints, allegations, complainants.

``generate(database_url, allegations=2_000_000, seed=1)`` migrates the database to the current schema
and fills it, deterministically from ``seed``, with:

- 43 forces, each with 4 commands of 5 units (a three-level tree of 903 ``org_units``);
- one person for every 10 allegations (200,000 for 2 million), with rank, ethnicity, sex, date of
  birth (or only a year of birth for 4%), joining date and employment status (0.5% suspended);
- complaints received over the ten years 2015 to 2024, each with 1 to 3 allegations (1.55 on
  average), most closed after a few months; 15% come from internal reports, whose ``reports`` rows
  carry the times of receipt and acknowledgement (their sealed content is empty: nothing here is
  ever decrypted);
- allegations against people drawn with unequal weights (a few people attract many), 8% not linked
  to anyone, each taken through the stages with probabilities that differ by the subject's
  ethnicity, so the statistics have a disparity to find (the numbers are invented);
- one complainant for 85% of complaints.

Rows go in by each database's fast path: PostgreSQL ``COPY`` through psycopg (foreign-key triggers
off for the load, ``session_replication_role = replica``, so the connection needs superuser rights,
as a local benchmark database has), SQLite ``executemany`` in one transaction with the journal and
syncing switched off. Both are for a throwaway benchmark database only. ``ANALYZE`` runs at the end.

    .venv/bin/python bench/national.py sqlite:///bench.db --allegations 100000
"""

from __future__ import annotations

import argparse
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import psycopg
from sqlalchemy.engine import make_url

from upstander.equality.stages import DEFAULT_SANCTIONS
from upstander.store import schema

FIRST_DAY, LAST_DAY = date(2015, 1, 1), date(2024, 12, 31)
EXTRACTED_ON = date(2025, 3, 31)  # complaints not closed by then are open
FORCES, COMMANDS, UNITS = 43, 4, 5
ALLEGATIONS_PER_PERSON = 10
SOURCE = "national-bench"
IMPORTED_AT = datetime(2025, 4, 1, tzinfo=UTC)

RANKS = (
    ("Police Constable", 0.66),
    ("Police Sergeant", 0.13),
    ("Inspector", 0.05),
    ("Chief Inspector", 0.015),
    ("Superintendent", 0.008),
    ("Chief Superintendent", 0.004),
    ("Assistant Chief Constable", 0.003),
    ("Police Staff", 0.13),
)
# (ethnicity, share of the workforce, weight as a subject, factor on being investigated, on a case to answer)
ETHNICITIES = (
    ("White", 0.88, 1.0, 1.0, 1.0),
    ("Asian", 0.035, 1.15, 1.15, 1.05),
    ("Black", 0.015, 1.3, 1.3, 1.1),
    ("Mixed", 0.02, 1.1, 1.1, 1.0),
    ("Other", 0.01, 1.1, 1.1, 1.0),
    (None, 0.04, 1.0, 1.0, 1.0),
)
COMPLAINANT_ETHNICITIES = (
    ("White", 0.8),
    ("Asian", 0.09),
    ("Black", 0.04),
    ("Mixed", 0.03),
    ("Other", 0.02),
    (None, 0.02),
)
SEXES = (("male", 0.64), ("female", 0.35), (None, 0.01))
STATUSES = (("serving", 0.955), ("suspended", 0.005), ("resigned", 0.02), ("retired", 0.02))
CATEGORIES = (
    ("use_of_force", 0.18),
    ("discourtesy", 0.2),
    ("neglect_of_duty", 0.17),
    ("discrimination", 0.07),
    ("abuse_of_position", 0.05),
    ("sexual_misconduct", 0.04),
    ("bullying", 0.06),
    ("corruption", 0.03),
    ("unlawful_search", 0.1),
    ("other", 0.1),
)
SANCTION_SHARES = (0.35, 0.3, 0.15, 0.05, 0.1, 0.05)
CHANNELS = (("public_complaint", 0.8), ("internal_report", 0.15), ("import", 0.05))

# Deterministic ids: a kind in the top bits, a serial number below, so a rerun makes the same rows.
KIND_UNIT, KIND_PERSON, KIND_COMPLAINT, KIND_ALLEGATION, KIND_COMPLAINANT, KIND_REPORT = range(1, 7)


def _id(kind: int, serial: int) -> uuid.UUID:
    return uuid.UUID(int=(kind << 96) | serial)


@dataclass
class Table:
    name: str
    columns: Sequence[str]
    rows: Iterable[tuple[Any, ...]]


def _pick(rng: np.random.Generator, choices: Sequence[tuple[Any, ...]], size: int) -> np.ndarray:
    shares = np.array([choice[1] for choice in choices], dtype=float)
    return rng.choice(len(choices), size=size, p=shares / shares.sum())


def _days(rng: np.random.Generator, size: int, start: date, end: date) -> np.ndarray:
    return rng.integers(0, (end - start).days + 1, size=size)


def _units() -> tuple[Table, list[uuid.UUID]]:
    rows, leaves, serial = [], [], 0
    for force in range(1, FORCES + 1):
        force_id = _id(KIND_UNIT, serial := serial + 1)
        rows.append((force_id, None, "force", f"F{force:02d}", f"Force {force:02d}"))
        for command in range(1, COMMANDS + 1):
            command_id = _id(KIND_UNIT, serial := serial + 1)
            code = f"F{force:02d}-C{command}"
            rows.append((command_id, force_id, "command", code, f"Force {force:02d} command {command}"))
            for unit in range(1, UNITS + 1):
                unit_id = _id(KIND_UNIT, serial := serial + 1)
                rows.append((unit_id, command_id, "unit", f"{code}-U{unit}", f"{code} unit {unit}"))
                leaves.append(unit_id)
    return Table("org_units", ("id", "parent_id", "kind", "code", "name"), rows), leaves


@dataclass
class People:
    table: Table
    ethnicity: np.ndarray
    weight: np.ndarray


def _people(rng: np.random.Generator, count: int, leaves: Sequence[uuid.UUID]) -> People:
    unit = rng.integers(0, len(leaves), size=count)
    rank = _pick(rng, RANKS, count)
    ethnicity = _pick(rng, ETHNICITIES, count)
    sex = _pick(rng, SEXES, count)
    status = _pick(rng, STATUSES, count)
    age_days = rng.integers(19 * 365, 65 * 365, size=count)
    service_days = (rng.random(count) * (age_days - 18 * 365)).astype(int)
    year_only = rng.random(count) < 0.04
    left_day = _days(rng, count, FIRST_DAY, LAST_DAY)
    # a few people attract many allegations: a heavy-tailed weight, raised for some groups
    group_weight = np.array([e[2] for e in ETHNICITIES])[ethnicity]
    weight = (rng.pareto(2.5, size=count) + 0.2) * group_weight * np.where(rank == len(RANKS) - 1, 0.3, 1.0)

    def rows() -> Iterator[tuple[Any, ...]]:
        for i in range(count):
            born = LAST_DAY - timedelta(days=int(age_days[i]))
            gone = status[i] >= 2
            yield (
                _id(KIND_PERSON, i),
                f"N{i:07d}",
                "Officer",
                f"{i:07d}",
                "[]",
                RANKS[rank[i]][0],
                leaves[unit[i]],
                STATUSES[status[i]][0],
                None if year_only[i] else born,
                born.year,
                LAST_DAY - timedelta(days=int(service_days[i])),
                FIRST_DAY + timedelta(days=int(left_day[i])) if gone else None,
                ETHNICITIES[ethnicity[i]][0],
                SEXES[sex[i]][0],
                "{}",
            )

    columns = (
        "id",
        "staff_number",
        "given_name",
        "family_name",
        "other_names",
        "rank",
        "unit_id",
        "employment_status",
        "date_of_birth",
        "birth_year",
        "joined_on",
        "left_on",
        "ethnicity",
        "sex",
        "protected_characteristics",
    )
    return People(Table("people", columns, rows()), ethnicity, weight / weight.sum())


def build(allegations: int, seed: int) -> list[Table]:
    """Every table's rows, in the order they must be written (parents first)."""
    rng = np.random.default_rng(seed)
    units, leaves = _units()
    people = _people(rng, max(allegations // ALLEGATIONS_PER_PERSON, 100), leaves)
    sizes = rng.choice([1, 2, 3], size=allegations, p=[0.6, 0.25, 0.15])
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), allegations)) + 1]
    sizes[-1] -= int(sizes.sum()) - allegations
    complaints = len(sizes)
    received = _days(rng, complaints, FIRST_DAY, LAST_DAY)
    open_for = np.minimum(rng.lognormal(np.log(120), 0.9, size=complaints), 3000).astype(int)
    channel = _pick(rng, CHANNELS, complaints)
    has_complainant = rng.random(complaints) < 0.85
    complainant = _pick(rng, COMPLAINANT_ETHNICITIES, complaints)
    complainant_sex = _pick(rng, SEXES, complaints)
    complainant_age = rng.integers(16, 90, size=complaints)
    ack_hours = rng.lognormal(np.log(30), 1.0, size=complaints)
    ack_missing = rng.random(complaints) < 0.03
    which = np.repeat(np.arange(complaints), sizes)
    subject = rng.choice(len(people.weight), size=allegations, p=people.weight)
    linked = rng.random(allegations) >= 0.08
    subject_group = np.where(linked, people.ethnicity[subject], 0)
    investigate = np.array([e[3] for e in ETHNICITIES])[subject_group]
    answer = np.array([e[4] for e in ETHNICITIES])[subject_group]
    steps = rng.random((4, allegations))
    assessed = steps[0] < 0.85
    investigated = assessed & (steps[1] < 0.35 * investigate)
    to_answer = investigated & (steps[2] < 0.45 * answer)
    proven = to_answer & (steps[3] < 0.6)
    stage = assessed.astype(int) + investigated + to_answer + proven
    referred = assessed & (rng.random(allegations) < 0.06)
    sanction = rng.choice(len(DEFAULT_SANCTIONS), size=allegations, p=SANCTION_SHARES)
    category = _pick(rng, CATEGORIES, allegations)

    def received_on(c: int) -> date:
        return FIRST_DAY + timedelta(days=int(received[c]))

    def closed_on(c: int) -> date | None:
        closed = received_on(c) + timedelta(days=int(open_for[c]))
        return closed if closed <= EXTRACTED_ON else None

    def report_rows() -> Iterator[tuple[Any, ...]]:
        for c in np.flatnonzero(channel == 1).tolist():
            at = datetime.combine(received_on(c), datetime.min.time(), UTC) + timedelta(hours=9)
            acknowledged = None if ack_missing[c] else at + timedelta(hours=float(ack_hours[c]))
            status = "received" if acknowledged is None else "acknowledged"
            yield (
                _id(KIND_REPORT, c),
                f"N{c:015d}",
                "other",
                status,
                "online",
                True,
                "witness",
                at,
                acknowledged,
                b"\0" * 32,
                b"\0" * 32,
                f"{c:064x}",
                b"",
                b"",
            )

    def complaint_rows() -> Iterator[tuple[Any, ...]]:
        for c in range(complaints):
            day = received_on(c)
            yield (
                _id(KIND_COMPLAINT, c),
                SOURCE,
                f"C{c:08d}",
                CHANNELS[channel[c]][0],
                day,
                day - timedelta(days=c % 30),
                closed_on(c),
                bool(channel[c] == 1),
                _id(KIND_REPORT, c) if channel[c] == 1 else None,
                IMPORTED_AT,
            )

    def complainant_rows() -> Iterator[tuple[Any, ...]]:
        for c in np.flatnonzero(has_complainant).tolist():
            yield (
                _id(KIND_COMPLAINANT, c),
                _id(KIND_COMPLAINT, c),
                COMPLAINANT_ETHNICITIES[complainant[c]][0],
                SEXES[complainant_sex[c]][0],
                int(complainant_age[c]),
            )

    def allegation_rows() -> Iterator[tuple[Any, ...]]:
        for a in range(allegations):
            c = int(which[a])
            rank = int(stage[a])
            yield (
                _id(KIND_ALLEGATION, a),
                _id(KIND_COMPLAINT, c),
                f"C{c:08d}/{a}",
                CATEGORIES[category[a]][0],
                received_on(c),
                "proven" if rank == 4 else "not proven" if rank >= 2 else None,
                closed_on(c),
                rank,
                bool(referred[a]),
                DEFAULT_SANCTIONS[sanction[a]][0] if rank == 4 else None,
                _id(KIND_PERSON, int(subject[a])) if linked[a] else None,
                "{}",
            )

    return [
        units,
        people.table,
        Table(
            "reports",
            (
                "id",
                "reference",
                "category",
                "status",
                "channel",
                "anonymous",
                "reporter_relation",
                "received_at",
                "acknowledged_at",
                "public_key",
                "reporter_public_key",
                "receipt_hash",
                "sealed_content",
                "sealed_content_for_reporter",
            ),
            report_rows(),
        ),
        Table(
            "complaints",
            (
                "id",
                "source",
                "source_ref",
                "channel",
                "received_on",
                "incident_on",
                "closed_on",
                "filed_by_officer",
                "report_id",
                "imported_at",
            ),
            complaint_rows(),
        ),
        Table("complainants", ("id", "complaint_id", "ethnicity", "sex", "age"), complainant_rows()),
        Table(
            "allegations",
            (
                "id",
                "complaint_id",
                "source_ref",
                "category",
                "received_on",
                "finding",
                "closed_on",
                "stage_rank",
                "referred_to_overseer",
                "sanction",
                "person_id",
                "described",
            ),
            allegation_rows(),
        ),
    ]


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _write_sqlite(path: str, tables: Sequence[Table]) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "foreign_keys=OFF", "cache_size=-262144"):
            connection.execute(f"PRAGMA {pragma}")
        connection.execute("BEGIN")
        for table in tables:
            marks = ", ".join("?" for _ in table.columns)
            statement = f"INSERT INTO {table.name} ({', '.join(table.columns)}) VALUES ({marks})"  # noqa: S608 - names are the constants above
            connection.executemany(statement, (tuple(map(_sqlite_value, row)) for row in table.rows))
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


def _write_postgresql(url: str, tables: Sequence[Table]) -> None:
    with psycopg.connect(url) as connection:
        connection.execute("SET session_replication_role = replica")
        with connection.cursor() as cursor:
            for table in tables:
                statement = f"COPY {table.name} ({', '.join(table.columns)}) FROM STDIN"
                with cursor.copy(statement) as copy:  # type: ignore[arg-type]
                    for row in table.rows:
                        copy.write_row(row)
        connection.commit()
        connection.autocommit = True
        connection.execute("ANALYZE")


def generate(database_url: str, allegations: int = 2_000_000, seed: int = 1) -> None:
    """Migrate ``database_url`` (an empty database) and fill it, deterministically from ``seed``."""
    schema.upgrade(database_url)
    tables = build(allegations, seed)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _write_sqlite(url.database or "", tables)
    else:
        _write_postgresql(url.set(drivername="postgresql").render_as_string(hide_password=False), tables)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", help="an empty database (SQLAlchemy URL)")
    parser.add_argument("--allegations", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    started = time.perf_counter()
    generate(arguments.database_url, arguments.allegations, arguments.seed)
    print(f"{arguments.allegations:,} allegations in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
