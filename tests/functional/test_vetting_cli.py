"""`upstander vet`: the same check from the command line, with an exit status scripts can read."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from common.staff import Staff
from common.vetting import add_person, barred_person, open_case
from upstander.audit.models import AuditEntry
from upstander.cli import app as cli
from upstander.services import Services


def vet(monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(cli, ["vet", *args])
    # Rich wraps at the terminal width, which a test does not control: compare the words.
    return result.exit_code, " ".join(result.output.split())


def test_vet_exits_2_for_a_barred_person(
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
    database_url: str,
    client: TestClient,
    staff: Staff,
    services: Services,
) -> None:
    _, _, reference = barred_person(client, staff, services)
    code, output = vet(
        monkeypatch,
        data_dir,
        database_url,
        "--given-name",
        "J.",
        "--family-name",
        "Smyth",
        "--date-of-birth",
        "1984-03-14",
        "--purpose",
        "transfer",
    )
    assert code == 2, output
    assert (
        f"BARRED: on the barred list since 3 March 2027 (would have been dismissed, case {reference})"
        in output
    )
    assert "likely" in output
    with services.database.transaction() as session:
        actors = session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "vetting.checked")).all()
    assert actors == ["system:cli"]


def test_vet_exits_1_for_open_cases_and_0_for_no_record(
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
    database_url: str,
    client: TestClient,
    staff: Staff,
    services: Services,
) -> None:
    open_case(client, staff, services, add_person(services, "NS02468", "Priya", "Patel"))
    add_person(services, "NS03333", "Aisha", "Khan")
    code, output = vet(
        monkeypatch, data_dir, database_url, "--staff-number", "NS02468", "--purpose", "hiring"
    )
    assert code == 1, output
    assert "HAS OPEN CASES" in output
    code, output = vet(
        monkeypatch, data_dir, database_url, "--staff-number", "NS03333", "--purpose", "hiring"
    )
    assert code == 0, output
    assert "NO RECORD FOUND" in output


def test_vet_explains_a_query_without_enough_to_go_on(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str, services: Services
) -> None:
    code, output = vet(monkeypatch, data_dir, database_url, "--family-name", "Smith", "--purpose", "hiring")
    assert code == 1
    assert "Give a staff number, or a family name and a date of birth." in output
    code, output = vet(
        monkeypatch,
        data_dir,
        database_url,
        "--staff-number",
        "1",
        "--date-of-birth",
        "14/03/1984",
        "--purpose",
        "hiring",
    )
    assert code == 1
    assert "The date of birth '14/03/1984' is not a date in the form YYYY-MM-DD." in output


def test_vet_has_help() -> None:
    result = CliRunner().invoke(cli, ["vet", "--help"])
    assert result.exit_code == 0
    assert "Exit status: 0 no record found; 2 barred" in result.output
