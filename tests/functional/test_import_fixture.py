"""Importing a small excerpt of the Chicago records (credited to the Invisible Institute, see
tests/fixtures/cpdp/README.md) through the shipped mapping, on SQLite and PostgreSQL.

A dry run reports every bad row with its line and reason and writes nothing; a real run imports
the rest; running it again imports nothing new.
"""

from __future__ import annotations

import gzip
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from upstander.audit.models import AuditEntry
from upstander.cases.models import Allegation, Complainant, Complaint
from upstander.cli import app as cli
from upstander.db import Database
from upstander.imports.mapping import find_mapping
from upstander.imports.report import ImportReport
from upstander.imports.service import ImportRefused, import_source
from upstander.org.models import EmploymentStatus, OrgUnit, OrgUnitKind, Person
from upstander.patterns.figures import complaint_figures
from upstander.patterns.models import LinkStatus, SubjectLink
from upstander.services import Services

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "cpdp"
MAPPING = find_mapping("cpdp-chicago")
SOURCE = "cpdp-chicago"
COMPLAINTS = "complaints-complaints.csv.gz"
ACCUSED = "complaints-accused.csv.gz"
PEOPLE = "final-profiles.csv.gz"
COMPLAINANTS = "complaints-complainants.csv.gz"
FLAGS = "officer-filed-complaints.csv.gz"
NOT_IMPORTED = "is not among the complaints imported from complaints-complaints.csv.gz"

REFUSED = {
    PEOPLE: [(14, "birth_year '19x5.0' is not a number")],
    COMPLAINTS: [
        (14, "incident_date '2008-02-30' is not a date (YYYY-MM-DD)"),
        (15, "cr_id is empty"),
        (16, "closed_date is missing: the row has fewer cells than the header"),
        (16, "complaint_date is missing: the row has fewer cells than the header"),
        (17, "cr_id '1013082' appears again with other dates than its first row"),
    ],
    FLAGS: [],
    ACCUSED: [
        (11, f"cr_id '1099901' {NOT_IMPORTED}"),
        (12, "final_finding 'XX' is not one of the values the mapping knows (DIS, EX, NAF, NC, NS, SU, UN)"),
        (13, "UID '12x' is not a number"),
        (14, "UID '199999' is not in final-profiles.csv.gz"),
        (15, f"cr_id '1099999' {NOT_IMPORTED}"),
    ],
    COMPLAINANTS: [(10, "age 'forty' is not a number")],
}
# file: (read, imported, merged, skipped, refused rows)
COUNTS = {
    PEOPLE: (13, 12, 0, 0, 1),
    COMPLAINTS: (16, 9, 3, 0, 4),
    FLAGS: (6, 4, 1, 1, 0),
    ACCUSED: (14, 9, 0, 0, 5),
    COMPLAINANTS: (9, 8, 0, 0, 1),
}


@pytest.fixture
def source_dir(tmp_path: Path) -> Path:
    """The excerpt, compressed as the mapping expects."""
    folder = tmp_path / "cpdp"
    folder.mkdir()
    for path in FIXTURE.glob("*.csv"):
        with path.open("rb") as plain, gzip.open(folder / f"{path.name}.gz", "wb") as packed:
            shutil.copyfileobj(plain, packed)
    return folder


def refusals(report: ImportReport) -> dict[str, list[tuple[int, str]]]:
    return {
        file.file: sorted(line for tally in file.refused.values() for line in tally.lines)
        for file in report.files
    }


def counts(report: ImportReport) -> dict[str, tuple[int, int, int, int, int]]:
    return {
        file.file: (file.read, file.imported, file.merged, file.skipped_rows, file.refused_rows)
        for file in report.files
    }


def rows_in(session: Session) -> dict[str, int]:
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Person, OrgUnit, Complaint, Allegation, SubjectLink, Complainant, AuditEntry)
    }


def test_a_dry_run_reports_every_bad_row_and_why_and_writes_nothing(
    database: Database, services: Services, source_dir: Path
) -> None:
    report = import_source(database, MAPPING, source_dir, dry_run=True, audit=services.audit)

    assert report.dry_run
    assert refusals(report) == REFUSED
    assert counts(report) == COUNTS
    assert report.refused_rows == 11
    skipped = report.file(FLAGS).skipped
    assert [line for tally in skipped.values() for line in tally.lines] == [
        (6, f"cr_id '258959' {NOT_IMPORTED}")
    ]
    with database.transaction() as session:
        assert set(rows_in(session).values()) == {0}


def test_a_real_run_imports_the_rest_and_a_second_run_nothing_new(
    database: Database, services: Services, source_dir: Path
) -> None:
    seen: list[tuple[str, int, int]] = []
    first = import_source(
        database, MAPPING, source_dir, audit=services.audit, progress=lambda *args: seen.append(args)
    )

    assert refusals(first) == REFUSED
    assert counts(first) == COUNTS
    assert (PEOPLE, 13, 13) in seen
    assert (ACCUSED, 14, 14) in seen
    with database.transaction() as session:
        assert rows_in(session) == {
            "people": 12,
            "org_units": 12,  # the force and the 11 units its officers are in
            "complaints": 9,
            "allegations": 9,
            "subject_links": 9,
            "complainants": 8,
            "audit_entries": 1,
        }
        check_what_was_imported(session)

    second = import_source(database, MAPPING, source_dir, audit=services.audit)

    assert [file.imported for file in second.files] == [0, 0, 0, 0, 0]
    assert [file.already_there for file in second.files] == [12, 9, 4, 9, 8]
    assert refusals(second) == REFUSED
    with database.transaction() as session:
        assert rows_in(session)["complaints"] == 9
        assert rows_in(session)["allegations"] == 9
        assert rows_in(session)["complainants"] == 8
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [(entry.action, entry.actor, entry.subject_id) for entry in entries] == [
        ("import.completed", "system:import", SOURCE),
        ("import.completed", "system:import", SOURCE),
    ]
    files = {item["file"]: item for item in entries[0].details["files"]}
    assert files[COMPLAINTS]["imported"] == 9
    assert files[COMPLAINTS]["refused_reasons"]["cr_id is empty"] == 1
    assert {item["file"]: item["imported"] for item in entries[1].details["files"]}[ACCUSED] == 0

    with pytest.raises(ImportRefused, match="already in the database"):
        import_source(database, MAPPING, source_dir, resume=False)


def check_what_was_imported(session: Session) -> None:
    person = session.scalars(select(Person).where(Person.staff_number == "CPD-105149")).one()
    assert (person.given_name, person.family_name, person.rank) == ("Officer", "105149", "POLICE OFFICER")
    assert (person.ethnicity, person.sex, person.birth_year) == ("HISPANIC", "MALE", 1957)
    assert (person.joined_on, person.left_on, person.employment_status) == (
        date(1991, 1, 2),
        None,
        EmploymentStatus.SERVING,
    )
    assert person.unit is not None
    assert (person.unit.code, person.unit.name, person.unit.kind) == (
        "CPD-U14",
        "DISTRICT 014",
        OrgUnitKind.UNIT,
    )
    assert person.unit.parent is not None
    assert (person.unit.parent.code, person.unit.parent.name) == ("CPD", "Chicago Police Department")
    leaver = session.scalars(select(Person).where(Person.staff_number == "CPD-107936")).one()
    assert (leaver.employment_status, leaver.left_on) == (EmploymentStatus.RESIGNED, date(1986, 2, 10))
    on_the_roll = session.scalars(select(Person).where(Person.staff_number == "CPD-110087")).one()
    assert (on_the_roll.employment_status, on_the_roll.left_on) == (
        EmploymentStatus.SERVING,
        date(2017, 5, 15),
    )
    unnamed_unit = session.scalars(select(Person).where(Person.staff_number == "CPD-131895")).one()
    assert unnamed_unit.unit is not None
    assert unnamed_unit.unit.name == "CPD-U193"

    complaint = session.scalars(select(Complaint).where(Complaint.source_ref == "1013180")).one()
    assert (complaint.source, complaint.channel.value, complaint.filed_by_officer) == (
        SOURCE,
        "import",
        False,
    )
    assert (complaint.received_on, complaint.incident_on, complaint.closed_on) == (
        date(2008, 1, 7),
        date(2008, 1, 7),
        date(2014, 7, 9),
    )
    flagged = session.scalars(select(Complaint.source_ref).where(Complaint.filed_by_officer)).all()
    assert sorted(flagged) == ["1013018", "1013023", "1013082", "1013252"]
    repeated = session.scalars(select(Complaint).where(Complaint.source_ref == "1013082")).one()
    assert repeated.closed_on == date(2008, 3, 26)  # the first row's, not the refused repeat's

    sustained = session.scalars(select(Allegation).where(Allegation.complaint_id == complaint.id)).one()
    assert (sustained.source_ref, sustained.person_id) == ("1013180/105149", person.id)
    assert (sustained.finding, sustained.outcome, sustained.stage_rank) == ("SU", "sustained", 4)
    assert sustained.sanction == "CPD discipline code 15"
    assert (sustained.received_on, sustained.incident_on, sustained.closed_on) == (
        complaint.received_on,
        complaint.incident_on,
        complaint.closed_on,
    )
    assert sustained.described == {"officer_id": 105149, "recommended_discipline": 15, "final_discipline": 15}
    link = session.scalars(select(SubjectLink).where(SubjectLink.allegation_id == sustained.id)).one()
    assert (link.person_id, link.status, link.method, link.score) == (
        person.id,
        LinkStatus.LINKED,
        "source_id",
        1.0,
    )
    assert "UID 105149" in link.reasons

    stages = dict(session.execute(select(Allegation.source_ref, Allegation.stage_rank)).all())
    assert stages == {
        "1001854/107793": 0,  # no finding yet
        "1013018/130979": 4,
        "1013019/110901": 2,
        "1013019/117763": 2,
        "1013056/120797": 0,
        "1013082/116762": 2,
        "1013180/105149": 4,
        "1013252/110087": 0,  # no affidavit
        "1024834/130023": 2,
    }
    ages = session.scalars(select(Complainant.age).join(Complaint).where(Complaint.source_ref == "1013252"))
    assert sorted(age or 0 for age in ages) == [50, 58]

    figures = complaint_figures(session, source=SOURCE)
    assert (figures.complaints, figures.complaints_with_accused, figures.accusations) == (9, 8, 9)
    assert (figures.accused_officers, figures.mean_accusations_per_officer, figures.share_with_one) == (
        9,
        1.0,
        1.0,
    )
    in_2009 = complaint_figures(
        session, source=SOURCE, incident_from=date(2009, 1, 1), incident_to=date(2009, 12, 31)
    )
    assert (in_2009.complaints, in_2009.accusations, in_2009.accused_officers) == (1, 1, 1)


def test_a_mapping_naming_a_missing_file_or_column_stops_before_writing(
    database: Database, source_dir: Path
) -> None:
    (source_dir / FLAGS).unlink()
    with gzip.open(source_dir / COMPLAINANTS, "wt") as broken:
        broken.write("cr_id,sex,age\n1013018,MALE,46\n")
    with pytest.raises(ImportRefused) as refused:
        import_source(database, MAPPING, source_dir)
    assert f"{FLAGS} is not in {source_dir}" in refused.value.detail
    assert f"{COMPLAINANTS} has no column 'gender', 'race'" in refused.value.detail
    with database.transaction() as session:
        assert set(rows_in(session).values()) == {0}


def test_a_file_that_is_not_utf8_text_stops_before_writing(database: Database, source_dir: Path) -> None:
    with gzip.open(source_dir / COMPLAINANTS, "wb") as broken:
        broken.write(b"cr_id,gender,age,race\n1013018,MALE,46.0,WHITE\n1013019,\xff\xfe,,BLACK\n")
    with pytest.raises(ImportRefused, match=f"{COMPLAINANTS} cannot be read as CSV"):
        import_source(database, MAPPING, source_dir)
    with database.transaction() as session:
        assert set(rows_in(session).values()) == {0}


def run_cli(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str, *args: str
) -> tuple[int, str]:
    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, " ".join(result.output.split())


def test_the_import_command_exits_1_when_rows_were_refused(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str, source_dir: Path, database: Database
) -> None:
    code, output = run_cli(
        monkeypatch,
        data_dir,
        database_url,
        "import",
        "cpdp-chicago",
        "--data-dir",
        str(source_dir),
        "--dry-run",
    )
    assert code == 0, output
    assert "line 14: incident_date '2008-02-30' is not a date (YYYY-MM-DD)" in output
    assert "line 10: age 'forty' is not a number" in output
    assert "11 rows would be refused" in output
    assert "Dry run: nothing was written." in output

    code, output = run_cli(
        monkeypatch, data_dir, database_url, "import", str(MAPPING), "--data-dir", str(source_dir)
    )
    assert code == 1, output
    assert "11 rows were refused" in output
    assert "Imported 42 rows" in output

    code, output = run_cli(
        monkeypatch,
        data_dir,
        database_url,
        "import",
        "cpdp-chicago",
        "--data-dir",
        str(source_dir),
        "--no-resume",
    )
    assert code == 2, output
    assert "already in the database" in output

    code, output = run_cli(monkeypatch, data_dir, database_url, "import", "no-such-source")
    assert code == 2, output
    assert "no such mapping file" in output

    code, output = run_cli(
        monkeypatch,
        data_dir,
        database_url,
        "patterns",
        "figures",
        "--source",
        SOURCE,
        "--from",
        "2008-01",
        "--to",
        "2008-12",
    )
    assert code == 0, output
    assert "cpdp-chicago: incidents 2008-01-01 to 2008-12-31" in output
    assert "│ Accused officers │ 8 │" in output
    assert "│ Officers with exactly one accusation │ 8 (100.00% of accused officers) │" in output

    code, output = run_cli(
        monkeypatch, data_dir, database_url, "patterns", "figures", "--source", SOURCE, "--to", "2008-13"
    )
    assert code == 2, output
    assert "is not a month (YYYY-MM) or a day (YYYY-MM-DD)" in output
