"""A mapping whose map is read from a CSV file beside it imports the same values as the shipped
mapping with that map written in the TOML, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import gzip
import shutil
from pathlib import Path

from sqlalchemy import select

from upstander.cases.models import Allegation
from upstander.imports.mapping import find_mapping
from upstander.imports.service import import_source
from upstander.services import Services

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "cpdp"
SHIPPED = find_mapping("cpdp-chicago")
OUTCOME_MAP = (
    'map = { SU = "sustained", NS = "not sustained", UN = "unfounded", EX = "exonerated", NAF = "no affidavit",'
    ' NC = "NC (not explained by the source)", DIS = "DIS (not explained by the source)" }'
)
OUTCOMES = """finding,outcome
SU,sustained
NS,not sustained
UN,unfounded
EX,exonerated
NAF,no affidavit
NC,NC (not explained by the source)
DIS,DIS (not explained by the source)
"""


def test_outcomes_read_from_a_lookup_file_are_the_ones_the_toml_map_gives(
    services: Services, tmp_path: Path
) -> None:
    source = tmp_path / "cpdp"
    source.mkdir()
    for path in FIXTURE.glob("*.csv"):
        with path.open("rb") as plain, gzip.open(source / f"{path.name}.gz", "wb") as packed:
            shutil.copyfileobj(plain, packed)
    (tmp_path / "lookups").mkdir()
    (tmp_path / "lookups" / "outcomes.csv").write_text(OUTCOMES, encoding="utf-8")
    text = SHIPPED.read_text(encoding="utf-8")
    assert text.count(OUTCOME_MAP) == 1, "the shipped outcome map changed: update this test"
    mapping = tmp_path / "with-lookup.toml"
    mapping.write_text(
        text.replace(
            OUTCOME_MAP, 'map_file = { file = "lookups/outcomes.csv", code = "finding", value = "outcome" }'
        ),
        encoding="utf-8",
    )

    report = import_source(services.database, mapping, source)

    assert report.refused_rows == 11  # the fixture's deliberate refusals, the unknown finding XX among them
    with services.database.transaction() as session:
        outcomes = dict(session.execute(select(Allegation.source_ref, Allegation.outcome)).all())
    finding_of = {
        f"{row['cr_id'].strip()}/{row['UID'].split('.')[0]}": row["final_finding"].strip().upper()
        for row in csv.DictReader(
            (FIXTURE / "complaints-accused.csv").read_text(encoding="utf-8").splitlines()
        )
    }
    lookup = dict(line.split(",", 1) for line in OUTCOMES.splitlines()[1:])
    assert len(outcomes) == 9
    assert outcomes == {ref: lookup.get(finding_of[ref]) for ref in outcomes}
    assert outcomes["1013252/110087"] == "no affidavit"
