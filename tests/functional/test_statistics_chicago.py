"""Sustained complaints across officer race, on the real Chicago records (Invisible Institute, CPDP).

The records are imported through the shipped mapping, then the statistics service counts, for each
race, the officers on the roll, those accused at least once and those with at least one sustained
(final finding SU) accusation. The same counts are made independently, with nothing but the csv
module over the source files, and must agree, so the test cannot pass on an empty or wrong import.
Sustained is then compared with accused, as a relative rate index against White officers.

It runs on SQLite only: importing 125,581 accusations takes a minute or two, and the SQL is the same
on PostgreSQL (tests/functional/test_statistics.py runs it on both).
"""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from pathlib import Path

import pytest

from upstander.config import Settings
from upstander.equality.disproportionality import stage_by_stage
from upstander.equality.service import StatisticsFilters
from upstander.equality.stages import NOT_RECORDED
from upstander.services import Services

FOLDER = "cpdp-chicago-2000-2016"
MAPPING = Path(__file__).resolve().parents[2] / "src/upstander/imports/mappings/cpdp-chicago.toml"
SUSTAINED = "SU"
REFERENCE = "WHITE"


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def chicago() -> Path:
    folder = Settings().shared_data_dir / FOLDER
    if not folder.is_dir():
        pytest.skip(f"the Chicago records are not here ({folder}); they are read in place, never copied")
    if not MAPPING.is_file():
        pytest.skip("the Chicago mapping (imports/mappings/cpdp-chicago.toml) is not here")
    return folder


def _rows(path: Path) -> csv.DictReader[str]:
    return csv.DictReader(gzip.open(path, "rt", encoding="utf-8", newline=""))


def _uid(value: str) -> int | None:
    return int(float(value)) if value.strip() else None


def independent_counts(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Officers, officers accused, officers with a sustained accusation, by race, from the CSV files."""
    race: dict[int, str] = {}
    for row in _rows(folder / "final-profiles.csv.gz"):
        uid = _uid(row["UID"])
        if uid is not None:
            race[uid] = row["race"].strip() or NOT_RECORDED
    accused: set[int] = set()
    sustained: set[int] = set()
    for row in _rows(folder / "complaints-accused.csv.gz"):
        uid = _uid(row["UID"])
        if uid is None or uid not in race:
            continue
        accused.add(uid)
        if row["final_finding"].strip().upper() == SUSTAINED:
            sustained.add(uid)
    officers = Counter(race.values())
    accused_by = Counter(race[uid] for uid in accused)
    sustained_by = Counter(race[uid] for uid in sustained)
    return {group: (officers[group], accused_by[group], sustained_by[group]) for group in officers}


def test_sustained_rates_across_officer_race(chicago: Path, services: Services) -> None:
    import_service = pytest.importorskip(
        "upstander.imports.service", reason="the importer of real records is not installed yet"
    )
    report = import_service.import_source(services.database, MAPPING, chicago)
    assert report.refused_rows == 0

    table = services.statistics.exact_stage_table(StatisticsFilters(reference=REFERENCE))
    ours = {
        group: (table.count(group, "workforce"), table.count(group, "reported"), table.count(group, "proven"))
        for group in table.groups
    }
    theirs = independent_counts(chicago)
    assert ours[REFERENCE] == theirs[REFERENCE]
    assert ours["BLACK"] == theirs["BLACK"]
    assert ours == theirs
    assert theirs[REFERENCE][2] > 1000, "a real import has thousands of sustained findings"

    stages = ("officers", "accused", "sustained")
    counts = {
        group: [value or 0 for value in values] for group, values in ours.items() if group != NOT_RECORDED
    }
    accused, sustained = stage_by_stage(stages, counts, REFERENCE)
    print()
    print(
        f"Chicago police, 2000-2016: officers with a sustained accusation, of those accused (vs {REFERENCE})"
    )
    print(f"{'race':32} {'officers':>8} {'accused':>8} {'sustained':>9} {'rate':>7} {'RRI':>5}  95% CI")
    for comparison in sustained.comparisons:
        officers = counts[comparison.group][0]
        interval = comparison.interval
        shown = f"{interval.lower:.2f} to {interval.upper:.2f}" if interval else ""
        print(
            f"{comparison.group:32} {officers:8,} {comparison.counts.base:8,} {comparison.counts.reached:9,} "
            f"{(comparison.rate or 0) * 100:6.1f}% {comparison.ratio or 0:5.2f}  {shown}  {comparison.reading}"
        )
    print("Accused, of officers on the roll:")
    for comparison in accused.comparisons:
        print(f"  {comparison.group:32} {comparison.reading}")

    black = sustained.for_group("BLACK")
    assert black.interval is not None
    assert black.ratio is not None
    assert black.interval.lower < black.ratio < black.interval.upper
    assert sustained.for_group(REFERENCE).ratio == 1.0
