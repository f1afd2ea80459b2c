"""The detriment watch: HR decisions about someone who reported raise an alert for the overseer and the
custodian only; HR and whoever made the change see exactly what they would have seen otherwise."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from common import staff as staff_accounts
from common.clock import FakeClock
from common.pages import sign_in
from common.reports import report_json
from common.safeguarding import build_force, post
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.audit.models import AuditEntry
from upstander.reports.models import Report
from upstander.safeguarding.models import DetrimentAlert, DetrimentWatch
from upstander.services import Services

Headers = dict[str, str]
REPORTER = ("Cara", "Lind", "NS00003")  # a member of staff who reports, by name
OTHER = "NS00004"  # a colleague in the same team who reported nothing
ROLES = {
    "overseer": Role.OVERSEER,
    "custodian": Role.CUSTODIAN,
    "hr": Role.HR,
    "handler": Role.HANDLER,
    "decision": Role.DECISION_MAKER,
    "welfare": Role.WELFARE,
    "analyst": Role.ANALYST,
}


@dataclass
class World:
    client: TestClient
    staff: Staff
    services: Services
    clock: FakeClock
    people: dict[str, uuid.UUID]
    users: dict[str, staff_accounts.TestUser]
    report_reference: str

    def headers(self, name: str) -> Headers:
        return self.staff.api_headers(self.client, self.users[name])

    def hr_event(self, person: str, kind: str = "disciplinary_action", **body: Any) -> Any:
        return self.client.post(
            "/api/v1/hr/events",
            headers=self.headers("hr"),
            json={"person": person, "kind": kind, "details": "Written warning for lateness.", **body},
        )

    def move(self, person: str, unit: str) -> Any:
        return self.client.post(
            "/api/v1/postings",
            headers=self.headers("decision"),
            json={"person": person, "unit": unit, "shift": "A"},
        )

    def alerts(self, name: str = "overseer") -> list[dict[str, Any]]:
        response = self.client.get("/api/v1/detriment-alerts", headers=self.headers(name))
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()
        return found


@pytest.fixture
def world(client: TestClient, staff: Staff, services: Services, clock: FakeClock) -> World:
    people = build_force(services)
    users = {name: staff.user(name, [role]) for name, role in ROLES.items()}
    for number in (REPORTER[2], OTHER):
        post(services, number, "RN-A", "A")
    receipt = client.post(
        "/api/v1/reports",
        json=report_json(identity={"name": f"{REPORTER[0]} {REPORTER[1]}", "staff_number": "ns00003 "}),
    )
    assert receipt.status_code == 201, receipt.text
    return World(client, staff, services, clock, people, users, receipt.json()["reference"])


def test_a_watched_reporters_posting_change_and_disciplinary_action_raise_alerts(world: World) -> None:
    assert world.move(REPORTER[2], "RN-B").status_code == 200
    assert world.hr_event(REPORTER[2]).status_code == 201
    assert world.hr_event(OTHER).status_code == 201
    assert world.move(OTHER, "RN-B").status_code == 200

    alerts = world.alerts("overseer")
    assert sorted((a["staff_number"], a["kind"], a["changed_by"]) for a in alerts) == [
        ("NS00003", "disciplinary action", "Hr"),
        ("NS00003", "posting change", "Decision"),
    ]
    assert {a["name"] for a in alerts} == {"Cara Lind"}
    assert {a["report_reference"] for a in alerts} == {world.report_reference}
    assert {a["days_after_report"] for a in alerts} == {0}
    posting = next(a for a in alerts if a["kind"] == "posting change")
    assert posting["what"] == "posted from RN-A to RN-B, shift A"
    assert world.alerts("custodian") == alerts


def test_no_alert_outside_the_window_or_before_the_report(world: World) -> None:
    yesterday = (world.clock.today() - timedelta(days=1)).isoformat()
    assert world.hr_event(REPORTER[2], occurred_on=yesterday).status_code == 201
    world.clock.advance(days=world.services.settings.detriment_window_days)
    assert world.hr_event(REPORTER[2], kind="promotion_refused").status_code == 201
    world.clock.advance(days=1)
    assert world.hr_event(REPORTER[2], kind="training_refused").status_code == 201
    assert world.move(REPORTER[2], "CS-1").status_code == 200
    assert [a["kind"] for a in world.alerts()] == ["promotion refused"], "only the last day of the window"


# What differs between any two answers: who it is about and when (each request is 30 s apart).
def _without_identity(body: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in body.items()
        if key not in {"id", "staff_number", "recorded_at", "person", "since"}
    }


def test_hr_and_the_changer_get_the_same_answers_for_a_reporter_and_a_colleague(world: World) -> None:
    watched, unwatched = world.hr_event(REPORTER[2]), world.hr_event(OTHER)
    assert (watched.status_code, watched.headers.keys()) == (unwatched.status_code, unwatched.headers.keys())
    assert _without_identity(watched.json()) == _without_identity(unwatched.json())
    assert watched.json().keys() == unwatched.json().keys()
    for secret in ("Cara", "Lind", str(world.people[REPORTER[2]]), world.report_reference):
        assert secret not in watched.text

    moved, other = world.move(REPORTER[2], "RN-B"), world.move(OTHER, "RN-B")
    assert (moved.status_code, _without_identity(moved.json())) == (
        other.status_code,
        _without_identity(other.json()),
    )

    with world.services.database.transaction() as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    recorded = [e for e in entries if e.action == "hr_event.recorded"]
    assert [sorted(e.details) for e in recorded] == [sorted(recorded[1].details)] * 2
    assert not [e for e in entries if "alert" in e.action], (
        "raising an alert writes nothing an administrator reads"
    )
    assert len(world.alerts()) == 2


def test_hr_handlers_and_the_changer_cannot_see_alerts(world: World) -> None:
    world.move(REPORTER[2], "RN-B")
    world.hr_event(REPORTER[2])
    secrets = ("Cara", "Lind", "NS00003", str(world.people[REPORTER[2]]), world.report_reference)
    for name in ("hr", "handler", "decision", "welfare", "analyst"):
        refused = world.client.get("/api/v1/detriment-alerts", headers=world.headers(name))
        assert refused.status_code == 403, name
        assert refused.json()["detail"] == "Only the overseer and the custodian see detriment alerts."
        assert not [s for s in secrets if s in refused.text]
    for name in ("hr", "decision"):
        sign_in(
            world.client,
            world.clock,
            world.users[name],
            "/staff/restrictions" if name == "decision" else "/staff/hr/events",
        )
        page = world.client.get("/staff/detriment-alerts")
        assert page.status_code == 403
        assert not [s for s in secrets if s in page.text]
        assert (
            "Detriment alerts"
            not in world.client.get("/staff/hr/events" if name == "hr" else "/staff/restrictions").text
        )
    assert len(world.alerts()) == 2


def test_the_database_names_no_reporter_in_the_clear(world: World) -> None:
    world.hr_event(REPORTER[2])
    person_id = world.people[REPORTER[2]]
    with world.services.database.transaction() as session:
        [watch] = session.scalars(select(DetrimentWatch)).all()
        [alert] = session.scalars(select(DetrimentAlert)).all()
        for value in (watch.person_tag, watch.sealed_reporter, alert.sealed_details):
            raw = value if isinstance(value, bytes) else value.encode()
            for secret in (b"Lind", b"NS00003", person_id.hex.encode(), person_id.bytes):
                assert secret not in raw


def test_the_custodian_can_start_a_watch_for_a_reporter_who_gave_no_staff_number(world: World) -> None:
    receipt = world.client.post("/api/v1/reports", json=report_json(identity={"name": "Dev Patel"})).json()
    with world.services.database.transaction() as session:
        report_id = session.scalars(select(Report.id).where(Report.reference == receipt["reference"])).one()
    path = f"/api/v1/reports/{report_id}/detriment-watch"
    refused = world.client.post(path, headers=world.headers("hr"), json={"person": OTHER})
    assert refused.status_code == 403
    done = world.client.post(path, headers=world.headers("custodian"), json={"person": OTHER})
    assert done.status_code == 204, done.text
    world.hr_event(OTHER, kind="performance_rating")
    assert [(a["staff_number"], a["report_reference"]) for a in world.alerts()] == [
        (OTHER, receipt["reference"])
    ]


def test_an_overseer_appointed_later_is_told_they_lack_the_key(world: World) -> None:
    world.hr_event(REPORTER[2])
    late = world.staff.user("overseer2", [Role.OVERSEER])
    response = world.client.get(
        "/api/v1/detriment-alerts", headers=world.staff.api_headers(world.client, late)
    )
    assert response.status_code == 403
    assert "You do not hold the detriment-watch key" in response.json()["detail"]


def test_an_overseer_shares_the_watch_key_with_an_overseer_and_a_custodian_appointed_later(
    world: World,
) -> None:
    world.hr_event(REPORTER[2])
    late = [world.staff.user("overseer2", [Role.OVERSEER]), world.staff.user("custodian2", [Role.CUSTODIAN])]
    refused = world.client.post("/api/v1/oversight/share-keys", headers=world.headers("custodian"))
    assert refused.status_code == 403  # only an overseer shares keys
    shared = world.client.post("/api/v1/oversight/share-keys", headers=world.headers("overseer"))
    assert shared.json()["detriment_watch_key"] == 2
    for user in late:
        headers = world.staff.api_headers(world.client, user)
        response = world.client.get("/api/v1/detriment-alerts", headers=headers)
        assert response.status_code == 200, response.text
        assert [a["staff_number"] for a in response.json()] == ["NS00003"]


def test_hr_records_on_its_page_and_the_overseer_reads_the_alert_page(world: World) -> None:
    token = sign_in(world.client, world.clock, world.users["hr"], "/staff/hr/events")
    pages = []
    for person in (REPORTER[2], OTHER):
        response = world.client.post(
            "/staff/hr/events",
            data={
                "csrf_token": token,
                "person": person,
                "kind": "training_refused",
                "details": "Course full.",
            },
        )
        assert response.status_code == 200, response.text
        pages.append(response.text.replace(person, "<person>"))
    assert pages[0] == pages[1], "HR's page is the same for a reporter and a colleague"
    bad = world.client.post(
        "/staff/hr/events", data={"csrf_token": token, "person": OTHER, "kind": "sacked", "details": "x"}
    )
    assert bad.status_code == 422
    assert "The kind of decision is one of" in bad.text

    sign_in(world.client, world.clock, world.users["overseer"], "/staff/detriment-alerts")
    page = world.client.get("/staff/detriment-alerts")
    assert "Cara Lind (NS00003)" in page.text
    assert "training refused" in page.text
    assert world.report_reference in page.text


def test_a_roster_import_that_moves_a_reporter_raises_an_alert_but_a_first_posting_does_not(
    world: World, tmp_path: Path
) -> None:
    receipt = world.client.post("/api/v1/reports", json=report_json(identity={"name": "Eli Shaw"})).json()
    with world.services.database.transaction() as session:
        report_id = session.scalars(select(Report.id).where(Report.reference == receipt["reference"])).one()
    watched = world.client.post(
        f"/api/v1/reports/{report_id}/detriment-watch",
        headers=world.headers("custodian"),
        json={"person": "NS00005"},
    )
    assert watched.status_code == 204
    roster = tmp_path / "roster.csv"
    roster.write_text("staff_number,unit_code,shift\nNS00003,CS-1,A\nNS00004,RN-A,A\nNS00005,RN-B,B\n")
    report = world.services.safeguarding.import_roster(roster)
    assert report.postings_changed == 2
    alerts = world.alerts()
    assert [(a["staff_number"], a["kind"], a["changed_by"], a["what"]) for a in alerts] == [
        ("NS00003", "posting change", "roster import", "roster import: posted to CS-1, shift A")
    ]


def test_the_custodian_starts_a_watch_from_the_held_identities_page(world: World) -> None:
    with world.services.database.transaction() as session:
        report_id = session.scalars(select(Report.id).where(Report.reference == world.report_reference)).one()
    token = sign_in(world.client, world.clock, world.users["custodian"], "/staff/identities")
    path = f"/staff/identities/{report_id}/detriment-watch"
    unknown = world.client.post(path, data={"csrf_token": token, "person": "NS99999"})
    assert unknown.status_code == 404
    assert "NS99999" in unknown.text
    done = world.client.post(path, data={"csrf_token": token, "person": OTHER})
    assert done.status_code == 200
    assert "Watched: HR decisions about this member of staff" in done.text
    world.hr_event(OTHER)
    assert [a["staff_number"] for a in world.alerts("custodian")] == [OTHER]

    hr_token = sign_in(world.client, world.clock, world.users["hr"], "/staff/hr/events")
    refused = world.client.post(path, data={"csrf_token": hr_token, "person": OTHER})
    assert refused.status_code == 403
    assert "Only the custodian" in refused.text


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"person": "NS99999"}, 404, "NS99999"),
        ({"kind": "sacked"}, 422, "kind"),
        ({"details": "   "}, 422, "Say what was decided"),
        ({"occurred_on": "2099-01-01"}, 422, "once it is made"),
    ],
)
def test_bad_hr_decisions_get_a_clear_error(
    world: World, body: dict[str, str], status: int, says: str
) -> None:
    response = world.client.post(
        "/api/v1/hr/events",
        headers=world.headers("hr"),
        json={"person": OTHER, "kind": "disciplinary_action", "details": "Written warning.", **body},
    )
    assert response.status_code == status, response.text
    assert says in response.text


def test_only_hr_records_hr_decisions(world: World) -> None:
    for name in ("handler", "decision", "welfare", "overseer"):
        response = world.client.post(
            "/api/v1/hr/events",
            headers=world.headers(name),
            json={"person": OTHER, "kind": "disciplinary_action", "details": "Written warning."},
        )
        assert response.status_code == 403, name
        assert response.json()["detail"] == "Only HR can record HR decisions."


def test_the_oversight_view_carries_the_detriment_alerts(world: World) -> None:
    assert world.hr_event(REPORTER[2]).status_code == 201
    body = world.client.get("/api/v1/oversight", headers=world.headers("overseer")).json()
    assert [(a["staff_number"], a["kind"]) for a in body["detriment_alerts"]] == [
        ("NS00003", "disciplinary action")
    ]
    late = world.staff.user("overseer2", [Role.OVERSEER])
    headers = world.staff.api_headers(world.client, late)
    assert world.client.get("/api/v1/oversight", headers=headers).json()["detriment_alerts"] is None
