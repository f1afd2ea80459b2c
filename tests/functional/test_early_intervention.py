"""Early-intervention flags: raised on a new allegation and by the scan, answered only by a decision maker."""

from __future__ import annotations

import re
import shutil
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from common.clock import FakeClock
from common.pages import csrf, sign_in
from common.reports import report_json
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.audit.models import AuditEntry
from upstander.cases.engine.vocabulary import RestrictionKind
from upstander.cases.models import Allegation, Complaint, ComplaintChannel
from upstander.cases.policy.registry import PolicyRegistry
from upstander.cli import app as cli
from upstander.errors import NotFound
from upstander.org.models import OrgUnit, OrgUnitKind, Person
from upstander.patterns.flags import InterventionService
from upstander.patterns.models import InterventionFlag
from upstander.safeguarding.models import Restriction
from upstander.services import Services

SEXUAL_RULE = "sexual_or_domestic_in_five_years"


@pytest.fixture(autouse=True)
def intake_team(staff: Staff) -> None:
    """Reports are refused until a handler and an overseer exist to seal them to."""
    staff.handler()
    staff.overseer()


def add_person(
    services: Services, number: str, given: str = "Daniel", family: str = "Whitcombe"
) -> uuid.UUID:
    with services.database.transaction() as session:
        person = Person(staff_number=number, given_name=given, family_name=family, rank="Sergeant")
        session.add(person)
        session.flush()
        return person.id


def report(client: TestClient, staff_number: str, category: str = "sexual_harassment") -> None:
    """A report naming the person by staff number, received 600 days after the one before: far enough
    apart that only the five-year rule can see two of them."""
    clock: FakeClock = client.app.state.services.clock  # type: ignore[attr-defined]
    clock.advance(days=600)
    subject = {"name": "Sgt Whitcombe", "staff_number": staff_number, "unit": ""}
    response = client.post("/api/v1/reports", json=report_json(category=category, subjects=[subject]))
    assert response.status_code in (200, 201), response.text


def flags(client: TestClient, headers: dict[str, str], **params: str) -> dict[str, Any]:
    response = client.get("/api/v1/intervention-flags", headers=headers, params=params)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def audited(services: Services, action: str) -> list[AuditEntry]:
    with services.database.transaction() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_the_second_sexual_allegation_raises_a_flag_for_the_psd_and_the_overseer(
    client: TestClient, staff: Staff, services: Services
) -> None:
    person = add_person(services, "NS08001")
    report(client, "NS08001")
    report(client, "NS08001", category="bullying")
    assert flags(client, staff.api_headers(client, staff.handler()))["total"] == 0
    report(client, "NS08001", category="domestic_abuse")
    handler = staff.api_headers(client, staff.handler())
    overseer = staff.api_headers(client, staff.overseer())
    found = flags(client, handler)
    assert found["total"] == 1
    [flag] = found["flags"]
    assert flag["rule_id"] == SEXUAL_RULE
    assert flag["person_id"] == str(person)
    assert flag["allegations"] == 2
    assert flag["status"] == "open"
    assert flag["raised_by"] == "new allegation"
    assert flag["pack"] == "england-wales 2025.1"
    assert flags(client, overseer)["flags"][0]["id"] == flag["id"]
    [raised] = audited(services, "intervention_flag.raised")
    assert raised.subject_id == str(person)
    # a third one joins the open flag: no duplicate
    report(client, "NS08001")
    handler = staff.api_headers(client, staff.handler())
    [flag] = flags(client, handler)["flags"]
    assert flag["allegations"] == 3
    assert len(audited(services, "intervention_flag.grown")) == 1


def test_only_a_decision_maker_answers_and_an_answer_does_not_silence_a_larger_pattern(
    client: TestClient, staff: Staff, services: Services
) -> None:
    add_person(services, "NS08002")
    report(client, "NS08002")
    report(client, "NS08002")
    handler = staff.api_headers(client, staff.handler())
    dm = staff.api_headers(client, staff.user("dm", [Role.DECISION_MAKER]))
    [flag] = flags(client, dm)["flags"]
    url = f"/api/v1/intervention-flags/{flag['id']}/response"
    good = {"decision": "management_action", "reasons": "Supervision plan agreed with the inspector."}

    refused = client.post(url, headers=handler, json=good)
    assert refused.status_code == 403
    assert "Only a decision maker" in refused.json()["detail"]
    empty = client.post(url, headers=dm, json={**good, "reasons": "  "})
    assert empty.status_code == 422
    assert "reasons" in empty.json()["detail"]
    wrong = client.post(url, headers=dm, json={**good, "decision": "ignore"})
    assert wrong.status_code == 422
    assert "Choose what was decided" in wrong.json()["detail"]
    unknown = client.post(f"/api/v1/intervention-flags/{uuid.uuid4()}/response", headers=dm, json=good)
    assert unknown.status_code == 404
    extra = client.post(url, headers=dm, json={**good, "closed": True})
    assert extra.status_code == 422
    assert flags(client, dm)["total"] == 1  # nothing of that changed it

    answered = client.post(url, headers=dm, json=good)
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "answered"
    assert answered.json()["responded_by"] == "Dm"
    assert client.post(url, headers=dm, json=good).status_code == 409
    assert flags(client, dm)["total"] == 0
    [entry] = audited(services, "intervention_flag.answered")
    assert entry.details["decision"] == "management_action"

    report(client, "NS08002")  # a later, larger pattern
    dm = staff.api_headers(client, staff.user("dm", [Role.DECISION_MAKER]))
    [new] = flags(client, dm)["flags"]
    assert new["id"] != flag["id"]
    assert new["allegations"] == 3
    assert flags(client, dm, status="answered")["flags"][0]["id"] == flag["id"]


def test_analysts_admins_and_welfare_never_see_flags(
    client: TestClient, staff: Staff, services: Services
) -> None:
    for role in (Role.ANALYST, Role.ADMIN, Role.WELFARE):
        headers = staff.api_headers(client, staff.user(role.value, [role]))
        response = client.get("/api/v1/intervention-flags", headers=headers)
        assert response.status_code == 403, role
        assert "early-intervention flags" in response.json()["detail"]
    assert client.get("/api/v1/intervention-flags").status_code == 401
    handler = staff.api_headers(client, staff.handler())
    odd = client.get("/api/v1/intervention-flags", headers=handler, params={"status": "closed"})
    assert odd.status_code == 422  # open, answered or all


def _allegation(session: Any, person: uuid.UUID, day: date, category: str, n: int) -> None:
    complaint = Complaint(
        source="test-import", source_ref=f"C{n}", channel=ComplaintChannel.IMPORT, received_on=day
    )
    session.add(complaint)
    session.flush()
    session.add(
        Allegation(
            complaint_id=complaint.id,
            source_ref=f"C{n}/1",
            category=category,
            received_on=day,
            person_id=person,
        )
    )


def test_the_scan_flags_imported_records_once_and_an_allegation_while_restricted(
    client: TestClient,
    staff: Staff,
    services: Services,
    database_url: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    busy, restricted, quiet = (add_person(services, f"NS0810{n}") for n in range(3))
    welfare = staff.user("welfare", [Role.WELFARE])
    with services.database.transaction() as session:
        for n, day in enumerate((date(2021, 1, 5), date(2021, 4, 1), date(2021, 12, 30))):
            _allegation(session, busy, day, "other", n)
        _allegation(session, quiet, date(2019, 1, 1), "other", 10)
        _allegation(session, quiet, date(2021, 1, 1), "other", 11)
        _allegation(session, restricted, date(2022, 3, 1), "bullying", 20)
        session.add(
            Restriction(
                person_id=restricted,
                kind=RestrictionKind.RESTRICTED_DUTIES,
                category="bullying",
                reasons="Pending an investigation.",
                starts_on=date(2022, 2, 1),
                review_due=date(2022, 5, 1),
                imposed_by_id=welfare.user_id,
                ended_on=date(2022, 3, 2),
            )
        )
    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))  # the key files the services were built with
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", database_url)
    first = CliRunner().invoke(cli, ["patterns", "scan"])
    assert first.exit_code == 0, first.output
    assert "Scanned 6 allegations of 3 people: 3 flags raised" in " ".join(first.output.split())
    again = CliRunner().invoke(cli, ["patterns", "scan"])
    assert again.exit_code == 0, again.output
    assert "0 flags raised, 0 open flags grown, 3 open in all" in " ".join(again.output.split())
    with services.database.transaction() as session:
        raised = {(f.person_id, f.rule_id, f.raised_by) for f in session.scalars(select(InterventionFlag))}
    assert raised == {
        (busy, "three_in_twelve_months", "scan"),
        (busy, "several_unconnected_complainants", "scan"),  # three separate complaints
        (restricted, "while_restricted", "scan"),
    }
    assert len(audited(services, "intervention.scan")) == 2


def test_the_flags_page_and_the_response_form(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    person = add_person(services, "NS08003")
    report(client, "NS08003")
    report(client, "NS08003")
    handler, dm = staff.handler(), staff.user("dm", [Role.DECISION_MAKER])

    sign_in(client, clock, handler)
    page = client.get("/staff/intervention-flags")
    assert page.status_code == 200
    assert "Two or more sexual-misconduct or domestic-abuse allegations within five years" in page.text
    assert "2 allegations" in page.text
    assert "Record a response" not in page.text  # a handler sees the flag, not the form
    history = client.get(f"/staff/people/{person}")
    assert "waiting for a decision maker" in history.text

    sign_in(client, clock, dm)
    page = client.get("/staff/intervention-flags")
    assert "Record a response" in page.text
    [flag_id] = re.findall(r'action="/staff/intervention-flags/([0-9a-f-]+)/response"', page.text)
    url = f"/staff/intervention-flags/{flag_id}/response"
    empty = client.post(url, data={"csrf_token": csrf(page.text), "decision": "no_action", "reasons": ""})
    assert empty.status_code == 422
    assert "Give the reasons for the decision" in empty.text
    assert 'value="no_action" required checked' in empty.text  # what was chosen is kept
    done = client.post(
        url,
        data={
            "csrf_token": csrf(page.text),
            "decision": "no_action",
            "reasons": "Both were considered at the last review.",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "Your response is recorded" in client.get(done.headers["location"]).text
    answered = client.get("/staff/intervention-flags?status=answered").text
    assert "reviewed: no action needed, by Dm" in answered
    assert "Both were considered at the last review." in client.get(f"/staff/people/{person}").text

    analyst = staff.user("analyst", [Role.ANALYST])
    sign_in(client, clock, analyst)
    assert client.get("/staff/intervention-flags").status_code == 403


def test_a_closed_case_does_not_touch_the_flag(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    """Nothing but a decision maker's response changes a flag: a case's outcome is not one."""
    add_person(services, "NS08004")
    report(client, "NS08004")
    report(client, "NS08004")
    with services.database.transaction() as session:
        for allegation in session.scalars(select(Allegation)):
            allegation.outcome, allegation.finding = "no_further_action", "not proven"
            allegation.closed_on = clock.today() - timedelta(days=1)
    dm = staff.api_headers(client, staff.user("dm", [Role.DECISION_MAKER]))
    [flag] = flags(client, dm)["flags"]
    assert flag["status"] == "open"
    assert flag["allegations"] == 2


def test_a_rate_far_above_colleagues_in_the_same_unit_is_flagged_on_the_new_allegation(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    """Six colleagues with one allegation each in five years; the seventh person with eight is flagged."""
    today = clock.today()
    with services.database.transaction() as session:
        unit = OrgUnit(kind=OrgUnitKind.TEAM, code="RB", name="Response B")
        session.add(unit)
        session.flush()
        colleagues = [
            Person(
                staff_number=f"NS0820{n}",
                given_name="Col",
                family_name=f"League{n}",
                rank="PC",
                unit_id=unit.id,
            )
            for n in range(6)
        ]
        target = Person(
            staff_number="NS08299", given_name="Ann", family_name="Target", rank="PC", unit_id=unit.id
        )
        session.add_all([*colleagues, target])
        session.flush()
        for n, colleague in enumerate(colleagues):
            _allegation(session, colleague.id, today - timedelta(days=300 + n), "other", 100 + n)
        for n in range(1, 8):
            _allegation(session, target.id, today - timedelta(days=200 * n), "other", 200 + n)
        target_id = target.id
    subject = {"name": "PC Target", "staff_number": "NS08299", "unit": ""}
    assert client.post(
        "/api/v1/reports", json=report_json(category="bullying", subjects=[subject])
    ).status_code in (
        200,
        201,
    )
    dm = staff.api_headers(client, staff.user("dm", [Role.DECISION_MAKER]))
    found = {f["rule_id"]: f for f in flags(client, dm)["flags"]}
    peers = found["far_above_peers"]
    assert peers["person_id"] == str(target_id)
    assert peers["allegations"] == 8
    assert "colleagues in the same unit average 1.0" in peers["detail"]
    assert all(f["person_id"] == str(target_id) for f in found.values())  # no colleague is flagged


def test_without_the_default_pack_a_new_allegation_is_still_received(
    services: Services, tmp_path: Path
) -> None:
    """Intake must never fail for want of rules: evaluation is skipped, and the scan says why."""
    shutil.copy(services.settings.policies_dir / "eu-whistleblower.toml", tmp_path)
    service = InterventionService(services.database, services.audit, PolicyRegistry(tmp_path))
    person = add_person(services, "NS08400")
    with services.database.transaction() as session:
        service.evaluate_people(session, {person})
    with pytest.raises(NotFound, match="No policy pack england-wales"):
        service.scan()
