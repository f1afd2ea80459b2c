"""The real Chicago records (Invisible Institute, Citizens Police Data Project) imported through the
shipped mapping reproduce the figures published with them, exactly.

The records are read in place from the shared data directory, never copied into the repository;
the test is skipped when they are not there. Definitions that reproduce the published figures (see
upstander/patterns/figures.py): a complaint is a distinct cr_id; an accusation is one complaint ×
one known officer; the period 2008-01 to 2015-12 is by the complaint's incident date, from
2008-01-01 to 2015-12-31, both included.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from upstander.config import Settings
from upstander.db import Database
from upstander.imports.mapping import find_mapping
from upstander.imports.service import import_source
from upstander.patterns.figures import complaint_figures
from upstander.services import Services

FOLDER = "cpdp-chicago-2000-2016"
SOURCE = "cpdp-chicago"


@pytest.fixture
def chicago() -> Path:
    folder = Settings().shared_data_dir / FOLDER
    if not (folder / "complaints-complaints.csv.gz").is_file():
        pytest.skip(f"the real Chicago records are not in {folder} (they are read in place, never copied)")
    return folder


def test_the_published_figures_come_out_of_the_imported_records(
    database: Database, services: Services, chicago: Path
) -> None:
    report = import_source(database, find_mapping(SOURCE), chicago, audit=services.audit)

    assert report.refused_rows == 0
    assert {
        file.file: (file.read, file.imported, file.merged, file.skipped_rows) for file in report.files
    } == {
        "final-profiles.csv.gz": (33_051, 33_051, 0, 0),
        # 131,142 rows, 109,339 distinct cr_id: repeats are merged into the first row
        "complaints-complaints.csv.gz": (131_142, 109_339, 21_803, 0),
        # the officer-filed list is later than the complaints: 611 of its cr_id are not among them
        "officer-filed-complaints.csv.gz": (13_461, 12_850, 0, 611),
        "complaints-accused.csv.gz": (125_581, 125_581, 0, 0),
        "complaints-complainants.csv.gz": (48_214, 48_214, 0, 0),
    }

    with database.transaction() as session:
        everything = complaint_figures(session, source=SOURCE)
        sample = complaint_figures(
            session, source=SOURCE, incident_from=date(2008, 1, 1), incident_to=date(2015, 12, 31)
        )

    assert everything.complaints == 109_339
    assert everything.complaints_with_accused == 67_446
    assert everything.accusations == 125_581
    assert everything.accusations_without_officer == 0
    assert everything.accused_officers == 16_021

    assert sample.accusations == 49_690
    assert sample.complaints_with_accused == 25_951
    assert sample.accused_officers == 11_013
    assert round(sample.mean_accusations_per_officer, 2) == 4.51
    assert round(sample.share_with_one * 100, 2) == 26.23
    assert sample.many == 10
    assert sample.officers_with_many == 1_215
    assert round(sample.share_of_officers_with_many * 100, 2) == 11.03
    assert round(sample.share_of_accusations_with_many * 100) == 36
