"""Import defects, each on a small flat source written for the test (fictional codes and ids), on
SQLite and PostgreSQL: markup in a cell, a repeated accusation or person that says otherwise, the
names in the messages, and a long map of codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from upstander.cases.models import Allegation
from upstander.cli import app as cli
from upstander.db import Database
from upstander.imports.report import ImportReport
from upstander.imports.service import import_source
from upstander.services import Services

PEOPLE = "UID,birth_year\n7,1970\n8,1980\n"
COMPLAINTS = "cr_id,received\n1,2010-01-05\n2,2010-02-06\n"
MAPPING = """
source = "flat-test"

[people]
file = "people.csv"
key = "UID"
[people.fields]
staff_number = {{ column = "UID", template = "T-{{}}" }}
given_name = {{ value = "Officer" }}
family_name = "UID"
rank = {{ value = "officer" }}
birth_year = {{ column = "birth_year", convert = ["int"] }}

[complaints]
file = "complaints.csv"
key = "cr_id"
[complaints.fields]
received_on = {{ column = "received", convert = ["date"] }}

[allegations]
file = "accused.csv"
complaint = "cr_id"
person = "UID"
duplicates = "{duplicates}"
dates_from_complaint = true
[allegations.fields]
category = "category"
{finding}
"""
FINDING = 'finding = { column = "finding", map = { SU = "SU", NS = "NS" } }'


def write_source(
    folder: Path,
    accused: str,
    *,
    people: str = PEOPLE,
    duplicates: str = "first",
    finding: str = FINDING,
) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "people.csv").write_text(people, encoding="utf-8")
    (folder / "complaints.csv").write_text(COMPLAINTS, encoding="utf-8")
    (folder / "accused.csv").write_text(accused, encoding="utf-8")
    mapping = folder / "flat-test.toml"
    mapping.write_text(MAPPING.format(duplicates=duplicates, finding=finding), encoding="utf-8")
    return mapping


def messages(report: ImportReport, file: str) -> list[tuple[int, str]]:
    return sorted(line for tally in report.file(file).refused.values() for line in tally.lines)


def run_cli(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str, *args: str
) -> tuple[int, str]:
    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, " ".join(result.output.split())


def test_markup_in_a_refused_cell_is_shown_as_written_after_the_rows_are_committed(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str, tmp_path: Path, services: Services
) -> None:
    accused = "cr_id,UID,category,finding\n1,7,force,SU\n2,7,force,[/x]\n2,8,force,[red]oops\n"
    mapping = write_source(tmp_path / "flat", accused)

    code, output = run_cli(
        monkeypatch, data_dir, database_url, "import", str(mapping), "--data-dir", str(mapping.parent)
    )

    assert code == 1, output
    assert "line 3: finding '[/x]' is not one of the values the mapping knows (NS, SU)" in output
    assert "line 4: finding '[red]oops' is not one of the values the mapping knows (NS, SU)" in output
    assert "2 rows were refused" in output
    with services.database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Allegation)) == 1


def test_a_missing_columns_message_names_the_mappings_section(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str, tmp_path: Path, services: Services
) -> None:
    mapping = write_source(tmp_path / "flat", "cr_id,UID,finding\n1,7,SU\n")

    code, output = run_cli(
        monkeypatch, data_dir, database_url, "import", str(mapping), "--data-dir", str(mapping.parent)
    )

    assert code == 2, output
    assert "accused.csv has no column 'category', which the mapping's [allegations] reads" in output


def test_a_repeated_accusation_that_differs_is_refused_and_one_that_agrees_is_merged(
    database: Database, services: Services, tmp_path: Path
) -> None:
    accused = "cr_id,UID,category,finding\n1,7,force,SU\n1,7,force,SU\n1,7,search,NS\n2,8,force,NS\n"
    mapping = write_source(tmp_path / "flat", accused)

    report = import_source(database, mapping, mapping.parent)

    file = report.file("accused.csv")
    assert (file.read, file.imported, file.merged, file.refused_rows) == (4, 2, 1, 1)
    assert messages(report, "accused.csv") == [
        (
            4,
            "cr_id and UID '1/7' appears again with other values than its first row "
            "(line 2; differs in category, finding)",
        )
    ]
    with database.transaction() as session:
        kept = session.execute(select(Allegation.source_ref, Allegation.category)).all()
    assert sorted(kept) == [("1/7", "force"), ("2/8", "force")]


def test_refusing_repeats_names_the_columns_that_identify_an_accusation(
    database: Database, services: Services, tmp_path: Path
) -> None:
    accused = "cr_id,UID,category,finding\n1,7,force,SU\n1,7,force,SU\n"
    mapping = write_source(tmp_path / "flat", accused, duplicates="refuse")

    report = import_source(database, mapping, mapping.parent)

    assert messages(report, "accused.csv") == [(3, "cr_id and UID '1/7' appears more than once")]


def test_a_repeated_person_who_differs_is_refused_with_both_lines(
    database: Database, services: Services, tmp_path: Path
) -> None:
    people = "UID,birth_year\n7,1970\n8,1980\n7,1971\n8,1980\n"
    mapping = write_source(tmp_path / "flat", "cr_id,UID,category,finding\n1,7,force,SU\n", people=people)

    report = import_source(database, mapping, mapping.parent)

    file = report.file("people.csv")
    assert (file.read, file.imported, file.merged, file.refused_rows) == (4, 2, 1, 1)
    assert messages(report, "people.csv") == [
        (4, "UID '7' appears again with other values than its first row (line 2; differs in birth_year)")
    ]


def test_a_refused_line_names_a_few_of_a_long_maps_values_not_all(
    database: Database, services: Services, tmp_path: Path
) -> None:
    codes = ", ".join(f'C{number:03} = "code {number}"' for number in range(400))
    finding = f'finding = {{ column = "finding", map = {{ {codes} }} }}'
    mapping = write_source(tmp_path / "flat", "cr_id,UID,category,finding\n1,7,force,XX\n", finding=finding)

    report = import_source(database, mapping, mapping.parent, dry_run=True)

    [(line, message)] = messages(report, "accused.csv")
    assert line == 2
    assert message == (
        "finding 'XX' is not one of the values the mapping knows "
        "(C000, C001, C002, C003, C004, C005, C006, C007, C008, C009 and 390 more: see its map)"
    )
