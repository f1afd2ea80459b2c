"""A flat source (tests/fixtures/flat, fictional): one row per accusation and no id for it, a
complaint known by two columns, a date given as a year and a month. Every row is kept, and a second
run adds nothing."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from upstander.cases.models import Allegation, Complaint
from upstander.db import Database
from upstander.imports.mapping import MappingError, parse_mapping
from upstander.imports.rows import convert_row
from upstander.imports.service import import_source
from upstander.imports.targets import Target
from upstander.org.models import Person
from upstander.services import Services

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "flat"


@pytest.fixture
def source_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "flat"
    shutil.copytree(FIXTURE, folder)
    return folder


def test_every_row_of_a_flat_file_is_one_accusation(
    database: Database, services: Services, source_dir: Path
) -> None:
    report = import_source(database, source_dir / "flat.toml", source_dir)

    assert report.refused_rows == 0
    assert [(file.target, file.read, file.imported, file.merged) for file in report.files] == [
        ("people", 7, 3, 4),
        ("complaints", 7, 4, 3),
        ("allegations", 7, 7, 0),
    ]
    with database.transaction() as session:
        accusations = session.execute(
            select(Allegation.source_ref, Allegation.category, Allegation.received_on, Person.staff_number)
            .join(Person, Allegation.person_id == Person.id)
            .order_by(Allegation.source_ref)
        ).all()
        complaints = dict(session.execute(select(Complaint.source_ref, Complaint.received_on)).all())
    assert accusations == [
        ("A/100/501#1", "force", date(2015, 3, 1), "F-501"),
        ("A/100/501#2", "force", date(2015, 3, 1), "F-501"),
        ("A/100/502#1", "search", date(2015, 3, 1), "F-502"),
        ("B/100/501#1", "force", date(2015, 4, 1), "F-501"),
        ("B/101/503#1", "courtesy", date(2016, 1, 1), "F-503"),
        ("C/103/503#1", "force", date(2016, 2, 1), "F-503"),
        ("C/103/503#2", "search", date(2016, 2, 1), "F-503"),
    ]
    assert complaints == {
        "A/100": date(2015, 3, 1),
        "B/100": date(2015, 4, 1),
        "B/101": date(2016, 1, 1),
        "C/103": date(2016, 2, 1),
    }

    again = import_source(database, source_dir / "flat.toml", source_dir)
    assert again.imported == 0
    assert [file.already_there for file in again.files] == [3, 4, 7]


def _complaints_table(received: dict[str, object]) -> object:
    mapping = parse_mapping(
        {
            "source": "parts",
            "complaints": {
                "file": "c.csv",
                "key": ["district", "case_no"],
                "fields": {"received_on": received},
            },
        },
        Path("parts.toml"),
    )
    table = mapping.table(Target.COMPLAINTS)
    assert table is not None
    return table


def test_a_date_from_parts_needs_every_part_and_a_real_date() -> None:
    table = _complaints_table({"date_from": {"year": "y", "month": "m", "day": "d"}})

    def read(**row: str) -> tuple[object, list[str]]:
        values = convert_row(table, {"district": "A", "case_no": "1", **row})  # type: ignore[arg-type]
        return values.fields.get("received_on"), [problem.message for problem in values.problems]

    assert read(y="2016", m="2", d="29") == (date(2016, 2, 29), [])
    assert read(y="", m="", d="") == (None, [])
    assert read(y="2015", m="2", d="29") == (None, ["y and m and d '2015-2-29' give no date there is"])
    assert read(y="2015", m="", d="3") == (None, ["y and m and d '2015--3' give only part of a date"])
    assert read(y="2015", m="x", d="3")[1] == ["m 'x' is not a number"]


def test_a_composite_key_needs_every_part() -> None:
    table = _complaints_table({"date_from": {"year": "y", "month": "m"}})
    values = convert_row(table, {"district": "A", "case_no": " ", "y": "2015", "m": "1"})  # type: ignore[arg-type]
    assert [problem.message for problem in values.problems] == ["district and case_no has an empty part"]


def test_the_mapping_says_where_parts_and_each_row_do_not_fit() -> None:
    with pytest.raises(MappingError, match=r"complaints.fields.received_on.date_from.month: is missing"):
        _complaints_table({"date_from": {"year": "y"}})
    with pytest.raises(MappingError, match=r"only a date is built from parts"):
        parse_mapping(
            {
                "source": "parts",
                "people": {
                    "file": "p.csv",
                    "key": "id",
                    "fields": {
                        "staff_number": {"date_from": {"year": "y", "month": "m"}},
                        "given_name": "g",
                        "family_name": "f",
                        "rank": "r",
                    },
                },
            },
            Path("parts.toml"),
        )
    with pytest.raises(MappingError, match=r"complaints.each_row: only allegations can keep each row"):
        parse_mapping(
            {"source": "parts", "complaints": {"file": "c.csv", "key": "id", "each_row": True}},
            Path("parts.toml"),
        )
