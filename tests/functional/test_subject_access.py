"""Subject access: a member of staff exports their own record, and nothing in it ever names who
reported them, what a report said, or anything sealed (the bytes are scanned)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from common.cases import CaseWalk
from common.clock import FakeClock
from common.pages import sign_in
from common.reports import report_json
from common.staff import Staff
from upstander.accounts.models import Role, User
from upstander.cases.engine.vocabulary import RestrictionKind
from upstander.cli import app as cli
from upstander.org.models import Person
from upstander.reports.models import Report
from upstander.safeguarding.models import Restriction
from upstander.services import Services

REPORTER = {"name": "Kim Rowe", "staff_number": "NS00999", "contact": "07700 900123"}
NAMED_STATEMENT = "Constable Example took cash from the seized property store on the night of 3 March."
RESTRICTION_REASONS = "Kept from the property store while Kim's account is looked at."


def secrets_of(walk: CaseWalk, named_receipt: str) -> list[str]:
    return [
        REPORTER["name"], REPORTER["staff_number"], REPORTER["contact"], "Rowe",
        NAMED_STATEMENT, RESTRICTION_REASONS, named_receipt, walk.receipt_key,
        report_json()["what_happened"], "sealed:", walk.report_id,
    ]  # fmt: skip


@pytest.fixture
def world(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> tuple[CaseWalk, str, uuid.UUID]:
    """The subject's own account, linked to the staff record two reports name: one anonymous (in a
    case), one from a named, protected reporter; and a restriction on them with reasons."""
    walk = CaseWalk(client, staff, services, clock)
    subject = staff.user("gareth", [Role.STAFF])
    named = client.post(
        "/api/v1/reports",
        json=report_json(
            category="corruption", what_happened=NAMED_STATEMENT, identity=REPORTER,
            subjects=[{"name": "PC Example", "staff_number": "NS04242"}],
        ),
    )  # fmt: skip
    assert named.status_code == 201, named.text
    with services.database.transaction() as session:
        person = session.scalars(select(Person).where(Person.staff_number == "NS04242")).one()
        user = session.get(User, subject.user_id)
        assert user is not None
        user.person_id = person.id
        session.add(
            Restriction(
                person_id=person.id, kind=RestrictionKind.RESTRICTED_DUTIES, case_id=uuid.UUID(walk.case_id),
                category="corruption", reasons=RESTRICTION_REASONS, starts_on=clock.today(),
                review_due=clock.today(), imposed_by_id=walk.dm.user_id, imposed_at=clock(),
            )
        )  # fmt: skip
        named_report = session.scalars(
            select(Report.id).where(Report.reference == named.json()["reference"])
        ).one()
    opened = client.post(
        "/api/v1/cases", headers=walk.headers(walk.handler), json={"report_ids": [str(named_report)]}
    )
    assert opened.status_code == 201, opened.text
    return walk, named.json()["receipt_key"], subject.user_id


def assert_nothing_protected_in(data: bytes, walk: CaseWalk, named_receipt: str) -> None:
    for secret in secrets_of(walk, named_receipt):
        assert secret.encode() not in data, f"{secret!r} is in the export"


def test_a_subject_sees_their_case_once_notified_and_never_who_reported_them(
    client: TestClient,
    staff: Staff,
    services: Services,
    clock: FakeClock,
    world: tuple[CaseWalk, str, uuid.UUID],
) -> None:
    walk, named_receipt, _ = world
    subject = staff.user("gareth", [Role.STAFF])
    headers = staff.api_headers(client, subject)

    before = client.get("/api/v1/me/export", headers=headers)
    assert before.status_code == 200, before.text
    assert_nothing_protected_in(before.content, walk, named_receipt)
    record = before.json()
    assert record["account"]["username"] == "gareth"
    assert record["account"]["roles"] == ["staff"]
    assert record["person"]["staff_number"] == "NS04242"
    assert record["cases_as_subject"] == [], "not yet told of the investigation: withheld (reg. 17)"
    assert [(r["kind"], r["category"]) for r in record["restrictions"]] == [
        ("restricted_duties", "corruption")
    ]

    walk.investigated("misconduct")  # the Regulation 17 notice is served
    after = client.get("/api/v1/me/export", headers=headers)
    assert_nothing_protected_in(after.content, walk, named_receipt)
    cases = after.json()["cases_as_subject"]
    assert [case["reference"] for case in cases] == [walk.view(walk.dm)["reference"]]
    assert cases[0]["stage"] == "investigation"
    assert [a["category"] for a in cases[0]["allegations"]] == ["bullying"]
    assert "subject_access.exported" in {entry["action"] for entry in after.json()["own_actions"]}

    # The same record from the account page, as a download.
    sign_in(client, clock, subject, "/staff/account")
    assert 'href="/staff/account/export"' in client.get("/staff/account").text
    page = client.get("/staff/account/export")
    assert page.status_code == 200
    assert page.headers["content-disposition"].startswith("attachment;")
    assert_nothing_protected_in(page.content, walk, named_receipt)
    assert json.loads(page.content)["cases_as_subject"][0]["reference"] == cases[0]["reference"]


def test_the_command_exports_a_record_for_a_written_request(
    client: TestClient,
    staff: Staff,
    services: Services,
    clock: FakeClock,
    world: tuple[CaseWalk, str, uuid.UUID],
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
    database_url: str,
    tmp_path: Path,
) -> None:
    walk, named_receipt, _ = world
    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", database_url)
    out = tmp_path / "gareth.json"
    result = CliRunner().invoke(cli, ["retention", "subject-access", "gareth", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert_nothing_protected_in(data, walk, named_receipt)
    assert json.loads(data)["person"]["family_name"] == "Example"
    missing = CliRunner().invoke(cli, ["retention", "subject-access", "nobody"])
    assert missing.exit_code == 1
    assert "There is no account 'nobody'" in missing.output
