"""Separation orders and the posting service over the API and the CLI, on both databases."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from common.clock import FakeClock
from common.safeguarding import build_force, post, posting_of
from common.staff import Staff
from common.vetting import open_case
from upstander.accounts.models import Role
from upstander.audit.models import AuditEntry
from upstander.cli import app as cli
from upstander.safeguarding.models import Posting, PostingChange, SeparationOrder
from upstander.services import Services

REASONS = "Complainant and subject in a sexual harassment case."
OVERRIDE = "Only qualified custody sergeant available during the staffing emergency."
Headers = dict[str, str]


@pytest.fixture
def people(services: Services) -> dict[str, uuid.UUID]:
    return build_force(services)


@pytest.fixture
def heads(client: TestClient, staff: Staff) -> dict[str, Headers]:
    roles = {
        "welfare": Role.WELFARE,
        "handler": Role.HANDLER,
        "decision": Role.DECISION_MAKER,
        "hr": Role.HR,
        "overseer": Role.OVERSEER,
    }
    return {name: staff.api_headers(client, staff.user(name, [role])) for name, role in roles.items()}


def make_order(client: TestClient, headers: Headers, a: str, b: str, **body: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/separation-orders",
        headers=headers,
        json={"person_a": a, "person_b": b, "scope": ["team", "shift"], "reasons": REASONS,
              "end_condition": "until the case closes", **body},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


def change(client: TestClient, headers: Headers, person: str, unit: str, shift: str, **body: Any) -> Any:
    return client.post(
        "/api/v1/postings", headers=headers, json={"person": person, "unit": unit, "shift": shift, **body}
    )


def audit(services: Services, action: str) -> list[AuditEntry]:
    with services.database.transaction() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def counts(services: Services) -> tuple[int, int]:
    with services.database.transaction() as session:
        postings = session.scalar(select(func.count()).select_from(Posting)) or 0
        changes = session.scalar(select(func.count()).select_from(PostingChange)) or 0
    return postings, changes


def test_making_an_order_lists_who_is_together_today(
    client: TestClient,
    heads: dict[str, Headers],
    services: Services,
    clock: FakeClock,
    people: dict[str, uuid.UUID],
) -> None:
    post(services, "NS00001", "RN-A", "A")
    post(services, "NS00002", "RN-A", "a")
    order = make_order(client, heads["welfare"], "ns 00002", str(people["NS00001"]))
    assert order["reference"].startswith("SO-")
    assert [order["person_a"]["staff_number"], order["person_b"]["staff_number"]] == sorted(
        ["NS00001", "NS00002"], key=lambda n: people[n]
    )
    assert order["scope"] == ["team", "shift"]
    [line] = order["together_today"]
    assert "are in the same team (Response North Team A) and on the same shift (" in line
    assert line.endswith(f"separation order {order['reference']} keeps them apart.")
    [entry] = audit(services, "separation_order.made")
    assert entry.details["together_today"] == 1
    assert REASONS not in str(entry.details)

    clock.advance(minutes=1)
    apart = make_order(client, heads["handler"], "NS00003", "NS00004", scope=["shift"])
    assert apart["together_today"] == []
    listed = client.get("/api/v1/separation-orders", headers=heads["decision"]).json()
    assert [o["reference"] for o in listed] == [apart["reference"], order["reference"]]


def test_orders_that_cannot_be_made_are_refused_with_the_reason(
    client: TestClient, heads: dict[str, Headers], people: dict[str, uuid.UUID]
) -> None:
    def attempt(headers: Headers, **body: Any) -> Any:
        payload = {"person_a": "NS00001", "person_b": "NS00002", "scope": ["team"], "reasons": REASONS,
                   "end_condition": "until the case closes", **body}  # fmt: skip
        return client.post("/api/v1/separation-orders", headers=headers, json=payload)

    assert attempt(heads["hr"]).status_code == 403
    assert attempt(heads["decision"]).json()["detail"] == (
        "Only a case handler or a welfare officer can make or end a separation order."
    )
    same = attempt(heads["welfare"], person_b="NS-00001")
    assert (same.status_code, same.json()["detail"]) == (
        422,
        "A separation order is between two different people.",
    )
    assert attempt(heads["welfare"], reasons="Because.").status_code == 422
    assert attempt(heads["welfare"], end_condition="").status_code == 422
    assert attempt(heads["welfare"], person_b="NS99999").status_code == 404
    assert attempt(heads["welfare"], case_reference="C-1999-0001").status_code == 404
    assert attempt(heads["welfare"]).status_code == 201
    again = attempt(heads["handler"], person_a="NS00002", person_b="NS00001")
    assert again.status_code == 409
    assert "is already in force; end it before making another." in again.json()["detail"]


def test_a_conflicting_posting_is_refused_with_the_reason_and_nothing_changes(
    client: TestClient, heads: dict[str, Headers], services: Services, people: dict[str, uuid.UUID]
) -> None:
    post(services, "NS00001", "RN-A", "A")
    post(services, "NS00002", "CS-1", "A")
    team = make_order(client, heads["welfare"], "NS00001", "NS00002", scope=["team"])
    shift = make_order(client, heads["welfare"], "NS00001", "NS00003", scope=["shift"])

    into_team = change(client, heads["hr"], "NS00002", "RN-A", "B")
    assert into_team.status_code == 409
    problem = into_team.json()
    assert problem["code"] == "posting_refused"
    assert problem["detail"].startswith(
        "This posting would put Ben Ware (NS00002) in the same team (Response North Team A) as "
        f"Anna Holt (NS00001); separation order {team['reference']} keeps them apart."
    )
    assert posting_of(services, "NS00002") == ("CS-1", "A")

    onto_shift = change(client, heads["hr"], "NS00003", "RN-B", "a")
    assert onto_shift.status_code == 409
    assert "on the same shift (a in Response North) as Anna Holt (NS00001)" in onto_shift.json()["detail"]
    assert shift["reference"] in onto_shift.json()["detail"]
    assert counts(services) == (2, 0)
    assert [e.details["orders"] for e in audit(services, "posting.refused")] == [
        [team["reference"]],
        [shift["reference"]],
    ]

    allowed = change(client, heads["hr"], "NS00003", "RN-B", "B")
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["changed"] is True
    assert posting_of(services, "NS00003") == ("RN-B", "B")
    again = change(client, heads["hr"], "NS00003", "RN-B", " b ")
    assert again.json()["changed"] is False
    assert counts(services) == (3, 1)
    assert len(audit(services, "posting.changed")) == 1


def test_a_refusal_tells_hr_there_is_an_order_and_nothing_of_the_case(
    client: TestClient,
    staff: Staff,
    heads: dict[str, Headers],
    services: Services,
    people: dict[str, uuid.UUID],
) -> None:
    _, case_reference = open_case(client, staff, services, people["NS00002"])
    post(services, "NS00001", "RN-A", "A")
    order = make_order(client, heads["handler"], "NS00001", "NS00002", case_reference=case_reference)
    assert order["case_reference"] == case_reference

    for_hr = change(client, heads["hr"], "NS00002", "RN-A", "A").json()["detail"]
    checked = client.post(
        "/api/v1/postings/checks",
        headers=heads["hr"],
        json={"person": "NS00002", "unit": "RN-A", "shift": "A"},
    ).json()
    assert checked["allowed"] is False
    for text in (for_hr, checked["message"], *checked["conflicts"]):
        assert f"separation order {order['reference']} keeps them apart" in text
        assert case_reference not in text
        assert REASONS not in text
        assert "harassment" not in text

    for_welfare = change(client, heads["welfare"], "NS00002", "RN-A", "A").json()["detail"]
    assert f"(case {case_reference}, until the case closes)" in for_welfare
    assert REASONS not in for_welfare


def test_an_override_by_a_decision_maker_is_audited_and_listed_for_the_overseer(
    client: TestClient, heads: dict[str, Headers], services: Services, people: dict[str, uuid.UUID]
) -> None:
    post(services, "NS00001", "CS-1", "nights")
    post(services, "NS00002", "RN-A", "A")
    order = make_order(client, heads["welfare"], "NS00001", "NS00002")

    response = change(client, heads["decision"], "NS00002", "CS-1", "nights", override_reasons=OVERRIDE)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["override"], result["overridden_orders"]) == (True, [order["reference"]])
    assert posting_of(services, "NS00002") == ("CS-1", "nights")
    [entry] = audit(services, "posting.overridden")
    assert entry.details == {
        "staff_number": "NS00002",
        "from": "RN-A",
        "from_shift": "A",
        "to": "CS-1",
        "to_shift": "nights",
        "orders": [order["reference"]],
    }
    assert OVERRIDE not in str(entry.details)

    assert client.get("/api/v1/postings/overrides", headers=heads["decision"]).status_code == 403
    [listed] = client.get("/api/v1/postings/overrides", headers=heads["overseer"]).json()
    assert listed["person"]["staff_number"] == "NS00002"
    assert (listed["from_unit"], listed["to_unit"], listed["to_shift"]) == (
        "Response North Team A",
        "Custody South Team 1",
        "nights",
    )
    assert (listed["decided_by"], listed["reasons"], listed["orders"]) == (
        "Decision",
        OVERRIDE,
        [order["reference"]],
    )


def test_an_override_needs_a_decision_maker_and_reasons(
    client: TestClient, heads: dict[str, Headers], services: Services, people: dict[str, uuid.UUID]
) -> None:
    post(services, "NS00001", "RN-A", "A")
    post(services, "NS00002", "RN-B", "B")
    make_order(client, heads["welfare"], "NS00001", "NS00002")

    by_hr = change(client, heads["hr"], "NS00002", "RN-A", "B", override_reasons=OVERRIDE)
    assert (by_hr.status_code, by_hr.json()["detail"]) == (
        403,
        "Only a decision maker can override a separation order, and only with written reasons.",
    )
    by_welfare = change(client, heads["welfare"], "NS00002", "RN-A", "B", override_reasons=OVERRIDE)
    assert by_welfare.status_code == 403
    without = change(client, heads["decision"], "NS00002", "RN-A", "B")
    assert (without.status_code, without.json()["code"]) == (409, "posting_refused")
    short = change(client, heads["decision"], "NS00002", "RN-A", "B", override_reasons="needed")
    assert short.status_code == 422
    assert short.json()["errors"] == [{"field": "override_reasons", "detail": "too short"}]

    assert posting_of(services, "NS00002") == ("RN-B", "B")
    assert counts(services) == (2, 0)
    assert [e.details["why"] for e in audit(services, "posting.refused")] == [
        "not_allowed:override_posting",
        "not_allowed:override_posting",
        "posting_refused",
        "InvalidInput",
    ]
    assert client.get("/api/v1/postings/overrides", headers=heads["overseer"]).json() == []


def test_posting_checks_answer_without_changing_anything(
    client: TestClient, heads: dict[str, Headers], services: Services, people: dict[str, uuid.UUID]
) -> None:
    post(services, "NS00001", "RN-A", "A")
    order = make_order(client, heads["welfare"], "NS00001", "NS00004", scope=["team"])
    before = counts(services)

    def ask(headers: Headers, unit: str, shift: str) -> Any:
        body = {"person": "NS00004", "unit": unit, "shift": shift}
        return client.post("/api/v1/postings/checks", headers=headers, json=body)

    refused = ask(heads["hr"], "rn-a", "C").json()
    assert (refused["allowed"], refused["needs_override"]) == (False, True)
    assert refused["conflicts"] == [
        "This posting would put Dev Patel (NS00004) in the same team (Response North Team A) as "
        f"Anna Holt (NS00001); separation order {order['reference']} keeps them apart."
    ]
    fine = ask(heads["hr"], "RN-B", "A").json()
    assert fine == {
        "allowed": True,
        "needs_override": False,
        "conflicts": [],
        "message": "No separation order in force stops this posting.",
    }
    assert counts(services) == before
    assert posting_of(services, "NS00004") is None
    assert len(audit(services, "posting.checked")) == 2
    assert ask(heads["overseer"], "RN-B", "A").status_code == 403
    assert ask(heads["hr"], "NSP", "A").status_code == 422
    assert ask(heads["hr"], "XX-9", "A").status_code == 404


def test_an_ended_or_expired_order_no_longer_stops_a_posting(
    client: TestClient,
    staff: Staff,
    heads: dict[str, Headers],
    services: Services,
    clock: FakeClock,
    people: dict[str, uuid.UUID],
) -> None:
    post(services, "NS00001", "RN-A", "A")
    ended = make_order(client, heads["welfare"], "NS00001", "NS00002")
    tomorrow = (services.safeguarding.today() + timedelta(days=1)).isoformat()
    expiring = make_order(client, heads["welfare"], "NS00001", "NS00003", end_condition="", ends_on=tomorrow)
    assert expiring["end_condition"] == f"until {tomorrow}"
    assert change(client, heads["hr"], "NS00002", "RN-A", "A").status_code == 409

    end = client.post(
        f"/api/v1/separation-orders/{ended['id']}/end",
        headers=heads["handler"],
        json={"reason": "The case closed with no case to answer."},
    )
    assert end.status_code == 200, end.text
    assert end.json()["end_reason"] == "The case closed with no case to answer."
    assert change(client, heads["hr"], "NS00002", "RN-A", "A").status_code == 200
    assert change(client, heads["hr"], "NS00003", "RN-A", "A").status_code == 409
    clock.advance(days=2)
    hr = staff.api_headers(client, staff.user("hr", [Role.HR]))  # the first session has expired
    assert change(client, hr, "NS00003", "RN-A", "A").status_code == 200
    with services.database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SeparationOrder)) == 2


def roster(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("staff_number,unit_code,shift\n" + "".join(f"{row}\n" for row in rows))
    return path


def test_a_roster_import_records_postings_and_lists_every_conflict(
    client: TestClient,
    heads: dict[str, Headers],
    services: Services,
    people: dict[str, uuid.UUID],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
    database_url: str,
) -> None:
    team = make_order(client, heads["welfare"], "NS00001", "NS00002", scope=["team"])
    shift = make_order(client, heads["welfare"], "NS00003", "NS00004", scope=["shift"])
    make_order(client, heads["welfare"], "NS00001", "NS00005")
    path = roster(
        tmp_path,
        ["NS00001,RN-A,A", "NS00002,RN-A,B", "NS00003,RN-A,nights", "ns00004,rn-b,Nights", "NS00005,CS-1,A",
         "NS77777,RN-A,A", "NS00003,CS-1,A", "NS00006,XX,A"],
    )  # fmt: skip
    report = services.safeguarding.import_roster(path)
    assert (report.rows_read, report.postings_changed, report.postings_unchanged) == (8, 5, 0)
    assert report.unknown_staff_numbers == ["NS77777", "NS00006"]
    assert [(p.line, p.problem) for p in report.problems] == [
        (8, "the same staff number is on line 4; that row is used"),
        (7, "no staff record has this staff number"),
        (9, "no staff record has this staff number"),
    ]
    assert sorted(line.order_reference for line in report.conflicts) == sorted(
        [team["reference"], shift["reference"]]
    )
    assert posting_of(services, "NS00004") == ("RN-B", "Nights")
    [entry] = audit(services, "postings.imported")
    assert entry.details["changed"] == 5

    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "250")
    result = CliRunner().invoke(cli, ["postings", "import", str(path)])
    output = " ".join(result.output.split())
    assert result.exit_code == 1, output
    assert "8 rows read: 0 postings recorded, 5 unchanged, 3 not used." in output
    assert "2 conflicts with separation orders." in output
    assert team["reference"] in output

    clean = roster(tmp_path, ["NS00002,CS-1,B", "NS00004,CS-1,Nights"])
    result = CliRunner().invoke(cli, ["postings", "import", str(clean)])
    assert result.exit_code == 0, result.output
    assert "No separated people are together." in result.output
    missing = CliRunner().invoke(cli, ["postings", "import", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2
