"""A roster import of 50,000 people against 2,000 separation orders, timed against reading the file.

One run, on one machine and in the same minute:

1. builds a force of 50,000 people in 200 teams (40 units of 5 teams, 5 shift patterns) in a fresh
   database, and 2,000 separation orders between random pairs; from a fixed seed, about a quarter
   of the pairs are put in the same team or on the same shift of the same unit, so some orders
   are broken by the roster;
2. writes the roster CSV (staff_number, unit_code, shift) and works out, straight from the
   roster and the orders, which orders the roster breaks (the expected conflicts);
3. times reading the CSV file alone (``csv.reader`` over the file into a list, best of 3), then
   ``upstander postings import`` as the service runs it: first into an empty postings table
   (50,000 postings and history rows written), then the same roster again (nothing changes:
   the daily synchronisation), the conflict check on its own (orders in force and the placements
   of their people, loaded and checked), and ``rules.existing_conflicts`` alone over all 50,000
   placements already in memory.

It prints expected and found conflicts (and any difference) and each time as a ratio of the
file read. It asserts nothing about time; it exits non-zero only when the setup failed.

    .venv/bin/python bench/postings.py [--people N] [--orders M] [--database-url URL]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.table import Table
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ledger

from upstander.accounts.models import Role
from upstander.audit.service import Actor
from upstander.config import KdfCost, Settings
from upstander.db import Database
from upstander.org.models import OrgUnit, OrgUnitKind, Person
from upstander.safeguarding import rules
from upstander.safeguarding.models import SeparationOrder, order_reference
from upstander.safeguarding.placements import OrgIndex, placements, rule_orders_in_force
from upstander.services import build_services
from upstander.store import schema

SEED = 2026
UNITS, TEAMS_PER_UNIT = 40, 5
SHIFTS = ("A", "B", "C", "D", "nights")
CHEAP_KDF = KdfCost(opslimit=1, memlimit_kib=8)
BENCH_PASSWORD = "bench password 2026"  # noqa: S105 - a throwaway account in a temporary database
T = TypeVar("T")
console = Console()


@dataclass(frozen=True)
class Force:
    teams: list[tuple[str, str]]  # (team code, unit code)
    roster: dict[str, tuple[str, str]]  # staff number → (team code, shift)
    orders: list[tuple[uuid.UUID, str, str, bool, bool]]  # id, staff numbers, team?, shift?


def generate(people: int, orders: int) -> Force:
    rng = random.Random(SEED)
    teams = [(f"U{u:02d}T{t}", f"U{u:02d}") for u in range(UNITS) for t in range(TEAMS_PER_UNIT)]
    numbers = [f"NS{n:06d}" for n in range(1, people + 1)]
    roster = {number: (rng.choice(teams)[0], rng.choice(SHIFTS)) for number in numbers}
    by_team: dict[str, list[str]] = {}
    for number, (team, _) in roster.items():
        by_team.setdefault(team, []).append(number)
    pairs: set[tuple[str, str]] = set()
    made: list[tuple[uuid.UUID, str, str, bool, bool]] = []
    while len(made) < orders:
        first = rng.choice(numbers)
        # A quarter of the orders are between people the roster already puts in one team.
        second = rng.choice(by_team[roster[first][0]]) if rng.random() < 0.25 else rng.choice(numbers)
        pair = (min(first, second), max(first, second))
        if first == second or pair in pairs:
            continue
        pairs.add(pair)
        apart_in_team, apart_on_shift = rng.choice([(True, False), (False, True), (True, True)])
        made.append((uuid.UUID(int=rng.getrandbits(128)), pair[0], pair[1], apart_in_team, apart_on_shift))
    return Force(teams, roster, made)


def expected_conflicts(force: Force) -> set[str]:
    """The orders the roster breaks, from the words of the rule (no Upstander code involved)."""
    unit_of = dict(force.teams)
    broken = set()
    for order_id, first, second, team, shift in force.orders:
        (team_a, shift_a), (team_b, shift_b) = force.roster[first], force.roster[second]
        same_team = team_a == team_b
        same_shift = unit_of[team_a] == unit_of[team_b] and shift_a.casefold() == shift_b.casefold()
        if (team and same_team) or (shift and same_shift):
            broken.add(order_reference(order_id))
    return broken


def seed_database(database: Database, force: Force, made_by: uuid.UUID) -> dict[str, uuid.UUID]:
    with database.transaction() as session:
        top = OrgUnit(kind=OrgUnitKind.FORCE, code="BENCH", name="Bench Force")
        session.add(top)
        session.flush()
        units = {}
        for unit_code in sorted({unit for _, unit in force.teams}):
            units[unit_code] = OrgUnit(
                kind=OrgUnitKind.UNIT, code=unit_code, name=f"Unit {unit_code}", parent=top
            )
        session.add_all(units.values())
        session.add_all(
            OrgUnit(kind=OrgUnitKind.TEAM, code=team, name=f"Team {team}", parent=units[unit])
            for team, unit in force.teams
        )
        ids = {number: uuid.uuid4() for number in force.roster}
        session.execute(
            insert(Person),
            [
                {
                    "id": person_id,
                    "staff_number": number,
                    "given_name": "Pat",
                    "family_name": number,
                    "rank": "PC",
                }
                for number, person_id in ids.items()
            ],
        )
        now = datetime.now(UTC)
        rows = []
        for order_id, first, second, team, shift in force.orders:
            a, b = rules.ordered_pair(ids[first], ids[second])
            rows.append(
                {"id": order_id, "person_a_id": a, "person_b_id": b, "separate_teams": team,
                 "separate_shifts": shift, "made_by_id": made_by, "made_at": now,
                 "reasons": "Benchmark order between two generated people.", "end_condition": "until the case closes"}
            )  # fmt: skip
        session.execute(insert(SeparationOrder), rows)
    return ids


def write_roster(path: Path, force: Force) -> None:
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["staff_number", "unit_code", "shift"])
        writer.writerows((number, team, shift) for number, (team, shift) in force.roster.items())


def read_file_alone(path: Path) -> int:
    with path.open(newline="", encoding="utf-8-sig") as file:
        return len(list(csv.reader(file)))


def timed(work: Callable[[], T], repeat: int = 1) -> tuple[float, T]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    assert result is not None
    return best, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite file)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="upstander-bench-") as folder:
        directory = Path(folder)
        url = args.database_url or f"sqlite:///{directory / 'bench.db'}"
        settings = Settings(
            data_dir=directory, database_url=url, password_cost=CHEAP_KDF, receipt_cost=CHEAP_KDF
        )
        try:
            schema.upgrade(url)
            services = build_services(settings)
            welfare = services.accounts.create_user(
                username="welfare", display_name="Welfare", password=BENCH_PASSWORD, roles=[Role.WELFARE],
                actor=Actor.system("bench"),
            )  # fmt: skip
            started = time.perf_counter()
            force = generate(args.people, args.orders)
            seed_database(services.database, force, welfare.user_id)
            roster = directory / "roster.csv"
            write_roster(roster, force)
            console.print(
                f"Setup: {time.perf_counter() - started:.1f} s ({roster.stat().st_size / 1e6:.1f} MB roster)"
            )
        except Exception as error:
            console.print(f"[bold red]Setup failed: {error!r}[/]")
            return 2
        expected = expected_conflicts(force)
        read_seconds, rows = timed(lambda: read_file_alone(roster), repeat=3)
        first_seconds, first = timed(lambda: services.safeguarding.import_roster(roster))
        again_seconds, again = timed(lambda: services.safeguarding.import_roster(roster))
        _, (rule_only, ruled) = timed(lambda: rules_alone(force))
        check_seconds, checked = timed(
            lambda: conflict_check_alone(services.database, services.safeguarding.today())
        )
        services.database.dispose()

    table = Table(title=f"Roster import: {args.people:,} people, {args.orders:,} separation orders")
    for column in ("step", "seconds", "÷ reading the file", "conflicts expected", "found", "missed", "extra"):
        table.add_column(column, justify="right")
    table.add_row(f"read the CSV alone ({rows - 1:,} rows)", f"{read_seconds:.3f}", "1.0", "", "", "", "")
    for label, seconds, report_refs in (
        ("import, postings table empty", first_seconds, {c.order_reference for c in first.conflicts}),
        ("import again, nothing changed", again_seconds, {c.order_reference for c in again.conflicts}),
        ("conflict check alone (load + rules)", check_seconds, checked),
        ("existing_conflicts alone, in memory", rule_only, ruled),
    ):
        table.add_row(
            label,
            f"{seconds:.3f}",
            f"{seconds / read_seconds:.1f}",
            f"{len(expected):,}",
            f"{len(report_refs):,}",
            str(len(expected - report_refs)),
            str(len(report_refs - expected)),
        )
    console.print(table)
    for label, seconds in (("first import", first_seconds), ("import again", again_seconds)):
        ledger.record(
            "postings",
            label,
            round(seconds, 4),
            "s",
            round(read_seconds, 4),
            "reading the roster CSV alone",
            round(seconds / read_seconds, 2),
            people=args.people,
            orders=args.orders,
            conflicts_missed=len(expected - {c.order_reference for c in first.conflicts}),
        )
    console.print(
        f"First import: {first.postings_changed:,} postings recorded, {len(first.problems)} rows not used; "
        f"again: {again.postings_changed:,} changed, {again.postings_unchanged:,} unchanged."
    )
    return 0


def rules_alone(force: Force) -> tuple[float, set[str]]:
    """``rules.existing_conflicts`` over every person of the roster, already in memory: O(n + m)."""
    unit_of = dict(force.teams)
    team_ids = {team: uuid.uuid5(uuid.NAMESPACE_OID, team) for team, _ in force.teams}
    unit_ids = {unit: uuid.uuid5(uuid.NAMESPACE_OID, unit) for unit in set(unit_of.values())}
    person_ids = {number: uuid.uuid5(uuid.NAMESPACE_OID, number) for number in force.roster}
    placed = [
        rules.Placement(person_ids[n], n, team_ids[team], team, unit_ids[unit_of[team]], unit_of[team], shift)
        for n, (team, shift) in force.roster.items()
    ]
    orders = [
        rules.Order(
            order_id,
            order_reference(order_id),
            *rules.ordered_pair(person_ids[first], person_ids[second]),
            frozenset(
                s for s, wanted in ((rules.Separation.TEAM, team), (rules.Separation.SHIFT, shift)) if wanted
            ),
        )
        for order_id, first, second, team, shift in force.orders
    ]
    started = time.perf_counter()
    found = rules.existing_conflicts(placed, orders)
    return time.perf_counter() - started, {conflict.order.reference for conflict in found}


def conflict_check_alone(database: Database, today: date) -> set[str]:
    """What the import does after writing: load the orders and the placements involved, run the rule."""
    with database.transaction() as session:
        org = OrgIndex(session)
        orders = rule_orders_in_force(session, today)
        involved = {p for order in orders for p in (order.person_a_id, order.person_b_id)}
        found = rules.existing_conflicts(placements(session, org, involved), orders)
        return {conflict.order.reference for conflict in found}


if __name__ == "__main__":
    sys.exit(main())
