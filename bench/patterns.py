"""A person's history and the full early-intervention scan over national-scale data, against bare queries.

One run, on one database and in the same minute:

1. makes sure the fictional national data of ``bench/national.py`` is there (2 million allegations by
   default, about 200,000 people; kept between runs exactly as ``bench/stats.py`` keeps it);
2. **history lookups**: ``--lookups`` people drawn at random (seeded) among those with allegations,
   each read through ``LinkingService.history`` as the history page and the API read it (one
   transaction, the joins to complaints and cases, and the audit entry), against the **baseline**
   of the same number of bare primary-key reads of the same people, each on its own connection
   checkout; p50 and p99 of each, and their ratio;
3. **the full scan**: ``InterventionService.scan`` with the pack's rules (the flags table is emptied
   first, so it raises every flag afresh and audits each one), then a second scan that finds nothing
   new (the idempotent case), against the **baseline** of one ``SELECT`` reading every allegation's
   person and date.

The service's clock is fixed at the data's extraction date (2025-04-01), so the peer-rate rule looks
back over the data's last five years. It prints figures and ratios and asserts nothing about time.

    .venv/bin/python bench/patterns.py [--allegations N] [--database sqlite|postgresql] [--lookups L]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from sqlalchemy import select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ledger
import stats

from upstander.accounts.models import Role
from upstander.accounts.service import StaffPrincipal
from upstander.config import Settings
from upstander.db import Database
from upstander.org.models import Person
from upstander.patterns.models import InterventionFlag
from upstander.services import build_services

EXTRACTED = datetime(2025, 4, 1, 9, tzinfo=UTC)
SCAN_BASELINE = "SELECT person_id, received_on FROM allegations"
console = Console()


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(url: str, lookups: int, seed: int) -> dict[str, float]:
    database = Database.from_url(url)
    with tempfile.TemporaryDirectory() as data_dir:
        services = build_services(
            Settings(data_dir=Path(data_dir), database_url=url), database, lambda: EXTRACTED
        )
        handler = StaffPrincipal(uuid.uuid4(), "bench", "Benchmark", frozenset({Role.HANDLER}), b"", "")
        try:
            with database.engine.connect() as connection:
                people = [
                    uuid.UUID(str(row[0]))
                    for row in connection.execute(
                        text("SELECT DISTINCT person_id FROM allegations WHERE person_id IS NOT NULL")
                    )
                ]
                allegations = connection.execute(text("SELECT COUNT(*) FROM allegations")).scalar_one()
            rng = np.random.default_rng(seed)
            chosen = [people[int(i)] for i in rng.integers(0, len(people), size=lookups)]

            def bare(person_id: uuid.UUID) -> Callable[[], object]:
                def run() -> object:
                    with database.engine.connect() as connection:
                        return connection.execute(select(Person).where(Person.id == person_id)).one()

                return run

            def history(person_id: uuid.UUID) -> Callable[[], object]:
                return lambda: services.linking.history(handler, person_id)

            for person_id in chosen[:20]:  # warm-up: the same pages in the cache for both
                bare(person_id)()
                history(person_id)()
            baseline = [timed(bare(person_id)) for person_id in chosen]
            entries = [len(services.linking.history(handler, p).entries) for p in chosen[:50]]
            lookup = [timed(history(person_id)) for person_id in chosen]

            def scan_baseline() -> object:
                with database.engine.connect() as connection:
                    return connection.execute(text(SCAN_BASELINE)).all()

            scan_baseline()  # warm-up
            baseline_scan = timed(scan_baseline)
            with database.transaction() as session:
                session.query(InterventionFlag).delete()
            started = time.perf_counter()
            first = services.intervention.scan()
            first_scan = time.perf_counter() - started
            started = time.perf_counter()
            again = services.intervention.scan()
            second_scan = time.perf_counter() - started
            return {
                "allegations": float(allegations),
                "people with allegations": float(len(people)),
                "mean allegations per history read (first 50)": statistics.mean(entries),
                "lookup baseline p50 ms": percentile(baseline, 0.5) * 1000,
                "lookup baseline p99 ms": percentile(baseline, 0.99) * 1000,
                "history p50 ms": percentile(lookup, 0.5) * 1000,
                "history p99 ms": percentile(lookup, 0.99) * 1000,
                "scan baseline s": baseline_scan,
                "first scan s": first_scan,
                "second scan s": second_scan,
                "flags raised by the first scan": float(first.raised),
                "people scanned": float(first.people),
                "flags raised by the second scan": float(again.raised + again.grown),
            }
        finally:
            database.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--allegations", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--lookups", type=int, default=1000, help="people whose history is read")
    parser.add_argument("--fresh", action="store_true", help="generate the data again even if it is kept")
    parser.add_argument("--postgres-admin-url", default=stats.DEFAULT_POSTGRES_ADMIN_URL)
    arguments = parser.parse_args()
    load = os.getloadavg()[0]
    if arguments.database == "sqlite":
        url = stats.sqlite_database(arguments.allegations, arguments.seed, arguments.fresh)
    else:
        url = stats.postgresql_database(
            arguments.postgres_admin_url, arguments.allegations, arguments.seed, arguments.fresh
        )
    console.print(f"Measuring on {arguments.database}…")
    figures = measure(url, arguments.lookups, arguments.seed)
    table = Table(
        title=f"Patterns over {arguments.allegations:,} fictional allegations ({arguments.database})"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("÷ baseline", justify="right")
    ratios = {
        "history p50 ms": "lookup baseline p50 ms",
        "history p99 ms": "lookup baseline p99 ms",
        "first scan s": "scan baseline s",
        "second scan s": "scan baseline s",
    }
    for name, value in figures.items():
        shown = f"{value:,.0f}" if value >= 100 or value.is_integer() else f"{value:.2f}"
        base = ratios.get(name)
        table.add_row(name, shown, f"{value / figures[base]:.1f}×" if base else "")
    console.print(table)
    console.print(f"1-minute load average: {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    for name, base in ratios.items():
        ledger.record(
            "patterns",
            f"{name}, {arguments.database}",
            round(figures[name], 4),
            name.rsplit(" ", 1)[-1],
            round(figures[base], 4),
            base,
            round(figures[name] / figures[base], 3),
            allegations=arguments.allegations,
            database=arguments.database,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
