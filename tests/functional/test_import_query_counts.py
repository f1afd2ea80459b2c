"""An import sends as many SQL statements for 60 rows a file as for 3, on SQLite and PostgreSQL:
people, units and complaints already there are looked up once a batch, never once a row; and a
batch whose keys another run took meanwhile is undone whole."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, func, select

from common.query_count import counting
from upstander.cases.models import Allegation, Complainant, Complaint
from upstander.db import Database
from upstander.imports import bulk
from upstander.imports.bulk import ImportRefused
from upstander.imports.service import import_source
from upstander.org.models import OrgUnit, OrgUnitKind, Person
from upstander.patterns.models import SubjectLink
from upstander.services import Services

MAPPING = """
source = "{source}"

[organisation]
code = "{source}-force"
name = "A fictional force"

[people]
file = "people.csv"
key = "UID"
[people.fields]
staff_number = {{ column = "UID", template = "{source}-{{}}" }}
given_name = {{ value = "Officer" }}
family_name = "UID"
rank = {{ value = "officer" }}
[people.unit]
code = {{ column = "unit", template = "{source}-U{{}}" }}

[complaints]
file = "complaints.csv"
key = "cr_id"
[complaints.fields]
received_on = {{ column = "received", convert = ["date"] }}

[officer_filed]
file = "flags.csv"
complaint = "cr_id"

[allegations]
file = "accused.csv"
complaint = "cr_id"
person = "UID"
dates_from_complaint = true
[allegations.fields]
category = "category"

[complainants]
file = "complainants.csv"
complaint = "cr_id"
[complainants.fields]
sex = "gender"
"""


def write_source(folder: Path, source: str, rows: int) -> Path:
    """``rows`` officers in ``rows`` units, each accused in a complaint of their own, with one
    complainant; every other complaint filed by an officer; one bad date refused."""
    folder.mkdir()
    numbers = range(1, rows + 1)
    files = {
        "people.csv": ["UID,unit", *(f"{n},{n}" for n in numbers)],
        "complaints.csv": ["cr_id,received", *(f"C{n},2015-03-{n % 28 + 1:02}" for n in numbers), "C0,soon"],
        "flags.csv": ["cr_id", *(f"C{n}" for n in numbers if n % 2)],
        "accused.csv": ["cr_id,UID,category", *(f"C{n},{n},force" for n in numbers)],
        "complainants.csv": ["cr_id,gender", *(f"C{n},F" for n in numbers)],
    }
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = folder / f"{source}.toml"
    mapping.write_text(MAPPING.format(source=source), encoding="utf-8")
    return mapping


def test_an_import_sends_as_many_statements_for_60_rows_as_for_3(
    database: Database, services: Services, tmp_path: Path
) -> None:
    statements = {}
    for source, rows in (("small", 3), ("large", 60)):
        mapping = write_source(tmp_path / source, source, rows)
        with counting(database.engine) as sent:
            report = import_source(database, mapping, mapping.parent, audit=services.audit)
        statements[rows] = sent.count
        assert [(file.target, file.imported) for file in report.files] == [
            ("people", rows),
            ("complaints", rows),
            ("officer_filed", (rows + 1) // 2),
            ("allegations", rows),
            ("complainants", rows),
        ]
        assert report.refused_rows == 1

    assert statements[3] == statements[60], statements
    with database.transaction() as session:
        counted = {
            model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (Person, Complaint, Allegation, SubjectLink, Complainant)
        }
    assert counted == dict.fromkeys(["Person", "Complaint", "Allegation", "SubjectLink", "Complainant"], 63)


def test_a_batch_whose_key_another_run_took_meanwhile_is_undone(
    database: Database, services: Services
) -> None:
    def unit(code: str) -> dict[str, Any]:
        return {"id": uuid.uuid4(), "parent_id": None, "kind": OrgUnitKind.UNIT, "code": code, "name": code}

    units: Table = OrgUnit.__table__  # type: ignore[assignment]
    with database.transaction() as session:
        assert bulk.insert_new(session, units, [unit("U1")], ("code",), source="test") == 1

    refused = pytest.raises(ImportRefused, match="Another run is importing test at the same time")
    with refused, database.transaction() as session:
        bulk.insert_new(session, units, [unit("U2"), unit("U1")], ("code",), source="test")
    with database.transaction() as session:
        assert sorted(session.scalars(select(OrgUnit.code))) == ["U1"]
