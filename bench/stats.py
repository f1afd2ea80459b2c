"""The full annual report over national-scale data, against the bare aggregation query, on SQLite and PostgreSQL.

One run, for each database, on one machine and in the same minute:

1. makes sure the fictional national data of ``bench/national.py`` is there (2 million allegations by
   default, over 2015 to 2024, about 200,000 people). Generating it takes minutes, so it is kept
   between runs, keyed by the number of allegations, the seed, the schema's Alembic head and the
   generator's version: an SQLite file in the system's temporary folder, and a PostgreSQL database
   named ``upstander_bench_national_…``. ``--fresh`` makes it again.
2. times, best of ``--repeat`` after one warm-up run each:

   - **the baseline**: the bare aggregation the statistics stand on, one ``SELECT … GROUP BY`` of the
     year's allegations by the subject's ethnicity and stage (``BASELINE``), rows fetched;
   - **one stage table** as the analyst's page and the API make it: subjects by ethnicity for the
     year, exact counts and relative rate indices;
   - **the full annual report** (``StatisticsService.annual_report``): subjects by all five
     characteristics, complainants by three, open allegations, suspensions, time to acknowledge and
     to close, all through disclosure control, from a new service each time so nothing is cached;
   - **the report over all ten years**, so every one of the allegations is aggregated, against the
     baseline over the same ten years.

It prints the figures and their ratios to the baseline. It asserts nothing about time; it exits
non-zero only when the setup failed.

    .venv/bin/python bench/stats.py [--allegations N] [--databases sqlite,postgresql] [--repeat R]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import psycopg
from alembic.script import ScriptDirectory
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ledger
import national

from upstander.db import Database
from upstander.equality.queries import COMPLAINANT_CHARACTERISTICS
from upstander.equality.service import (
    SUBJECT_CHARACTERISTICS,
    StatisticsFilters,
    StatisticsService,
)
from upstander.store import schema

YEAR = 2024
BASELINE = """
SELECT p.ethnicity, a.stage_rank, COUNT(*)
FROM allegations a JOIN people p ON p.id = a.person_id
WHERE a.received_on BETWEEN :start AND :end
GROUP BY p.ethnicity, a.stage_rank
"""
GENERATOR_VERSION = 1
DEFAULT_POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
console = Console()


def cache_key(allegations: int, seed: int) -> str:
    head = ScriptDirectory.from_config(schema.alembic_config("sqlite://")).get_current_head()
    return f"{allegations}_s{seed}_{head}_g{GENERATOR_VERSION}".lower()


def sqlite_database(allegations: int, seed: int, fresh: bool) -> str:
    folder = Path(tempfile.gettempdir()) / "upstander-bench"
    folder.mkdir(exist_ok=True)
    path = folder / f"national_{cache_key(allegations, seed)}.db"
    if fresh or not path.exists():
        partial = path.with_suffix(".partial")
        for stale in (path, partial):
            stale.unlink(missing_ok=True)
        _generate(f"sqlite:///{partial}", allegations, seed)
        partial.rename(path)
    return f"sqlite:///{path}"


def postgresql_database(admin_url: str, allegations: int, seed: int, fresh: bool) -> str:
    name = f"upstander_bench_national_{cache_key(allegations, seed)}"
    partial = f"{name}_partial"
    admin = make_url(admin_url).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if fresh or not exists:
            for stale in (name, partial):
                connection.execute(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{partial}"')
            _generate(
                admin.set(drivername="postgresql+psycopg", database=partial).render_as_string(
                    hide_password=False
                ),
                allegations,
                seed,
            )
            connection.execute(f'ALTER DATABASE "{partial}" RENAME TO "{name}"')
    return admin.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)


def _generate(url: str, allegations: int, seed: int) -> None:
    console.print(
        f"Generating {allegations:,} allegations into {make_url(url).database} (kept for later runs)…"
    )
    started = time.perf_counter()
    national.generate(url, allegations, seed)
    console.print(f"  generated in {time.perf_counter() - started:.0f}s")


def best_of(repeat: int, work: Callable[[], object]) -> float:
    work()  # warm-up: the same pages in the cache for everything measured
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(url: str, repeat: int) -> dict[str, float]:
    database = Database.from_url(url)
    year = (date(YEAR, 1, 1), date(YEAR, 12, 31))
    span = (national.FIRST_DAY, national.LAST_DAY)

    def baseline(period: tuple[date, date]) -> Callable[[], object]:
        def run() -> object:
            with database.engine.connect() as connection:
                return connection.execute(text(BASELINE), {"start": period[0], "end": period[1]}).all()

        return run

    def report(period: tuple[date, date] | None) -> Callable[[], object]:
        def run() -> object:
            service = StatisticsService(database)
            if period is None:
                return service.annual_report(YEAR)
            return service.public_summary(
                *period, subject_by=SUBJECT_CHARACTERISTICS, complainant_by=COMPLAINANT_CHARACTERISTICS
            )

        return run

    def stage_table() -> object:
        return StatisticsService(database).exact_stage_table(StatisticsFilters(start=year[0], end=year[1]))

    try:
        with database.engine.connect() as connection:
            counted = connection.execute(text("SELECT COUNT(*) FROM allegations")).scalar_one()
            in_year = connection.execute(
                text("SELECT COUNT(*) FROM allegations WHERE received_on BETWEEN :s AND :e"),
                {"s": year[0], "e": year[1]},
            ).scalar_one()
        return {
            "allegations": float(counted),
            "allegations in the year": float(in_year),
            "baseline (year)": best_of(repeat, baseline(year)),
            "stage table (year)": best_of(repeat, stage_table),
            "annual report (year)": best_of(repeat, report(None)),
            "baseline (all years)": best_of(repeat, baseline(span)),
            "report (all years)": best_of(repeat, report(span)),
        }
    finally:
        database.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--allegations", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="generate the data again even if it is kept")
    parser.add_argument("--postgres-admin-url", default=DEFAULT_POSTGRES_ADMIN_URL)
    arguments = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    load = os.getloadavg()[0]
    for name in arguments.databases.split(","):
        if name == "sqlite":
            url = sqlite_database(arguments.allegations, arguments.seed, arguments.fresh)
        elif name == "postgresql":
            url = postgresql_database(
                arguments.postgres_admin_url, arguments.allegations, arguments.seed, arguments.fresh
            )
        else:
            parser.error(f"unknown database {name!r}: sqlite or postgresql")
        console.print(f"Measuring on {name}…")
        results[name] = measure(url, arguments.repeat)
        console.print({key: round(value, 3) for key, value in results[name].items()})
    table = Table(
        title=f"Statistics over {arguments.allegations:,} fictional allegations (best of {arguments.repeat})"
    )
    table.add_column("measure")
    for name in results:
        table.add_column(f"{name} s", justify="right")
        table.add_column(f"{name} ÷ baseline", justify="right")
    for measure_name in next(iter(results.values())):
        row = [measure_name]
        for figures in results.values():
            value = figures[measure_name]
            if measure_name.startswith("allegations"):
                row += [f"{value:,.0f}", ""]
                continue
            base = figures["baseline (all years)" if "all years" in measure_name else "baseline (year)"]
            row += [f"{value:.2f}", "" if measure_name.startswith("baseline") else f"{value / base:.1f}×"]
        table.add_row(*row)
    console.print(table)
    console.print(f"1-minute load average: {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    for name, figures in results.items():
        for measure_name, value in figures.items():
            if measure_name.startswith(("allegations", "baseline")):
                continue
            base_name = "baseline (all years)" if "all years" in measure_name else "baseline (year)"
            ledger.record(
                "stats",
                f"{measure_name}, {name}",
                round(value, 4),
                "s",
                round(figures[base_name], 4),
                base_name,
                round(value / figures[base_name], 3),
                allegations=arguments.allegations,
                database=name,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
