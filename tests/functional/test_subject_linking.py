"""Every allegation stays linked to the person it names: suggestions, decisions, and the whole history."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from common import staff as staff_helpers
from common.cases import CaseWalk
from common.clock import FakeClock
from common.pages import sign_in
from common.reports import report_json
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.org.models import OrgUnit, OrgUnitKind, Person
from upstander.patterns.models import SubjectLink
from upstander.reports.models import Report
from upstander.services import Services


def add_unit(services: Services, code: str, name: str) -> uuid.UUID:
    with services.database.transaction() as session:
        unit = OrgUnit(kind=OrgUnitKind.TEAM, code=code, name=name)
        session.add(unit)
        session.flush()
        return unit.id


def add_person(
    services: Services, number: str, given: str, family: str, unit: uuid.UUID | None = None, **extra: Any
) -> uuid.UUID:
    with services.database.transaction() as session:
        person = Person(
            staff_number=number, given_name=given, family_name=family, rank="Sergeant", unit_id=unit, **extra
        )
        session.add(person)
        session.flush()
        return person.id


def report_about(client: TestClient, services: Services, **subject: str) -> str:
    receipt = client.post(
        "/api/v1/reports", json=report_json(category="sexual_harassment", subjects=[subject])
    ).json()
    with services.database.transaction() as session:
        return str(session.scalars(select(Report.id).where(Report.reference == receipt["reference"])).one())


def test_an_exact_staff_number_links_and_the_history_shows_it(
    client: TestClient, staff: Staff, services: Services
) -> None:
    headers = staff.api_headers(client, staff.handler())
    person = add_person(services, "NS07001", "Gareth", "Smith")
    report_about(client, services, name="Sgt Smith", staff_number="NS07001")
    history = client.get(f"/api/v1/people/{person}/history", headers=headers).json()
    [entry] = history["entries"]
    assert entry["channel"] == "internal_report"
    assert entry["category"] == "sexual_harassment"


def test_a_misspelt_name_is_suggested_ranked_and_confirmed_with_a_reason(
    client: TestClient, staff: Staff, services: Services
) -> None:
    headers = staff.api_headers(client, staff.handler())
    response_b = add_unit(services, "RB", "Response B")
    other = add_unit(services, "CU", "Custody")
    right = add_person(services, "NS07002", "Gareth", "Smith", response_b)
    add_person(services, "NS07003", "Gary", "Smithers", other)
    add_person(services, "NS07004", "Alan", "Jones", response_b)
    report_id = report_about(client, services, name="Sgt Gaz Smyth", unit="Response B")
    [subject] = client.get(f"/api/v1/reports/{report_id}", headers=headers).json()["subjects"]
    assert subject["person_id"] is None
    suggestions = subject["suggestions"]
    assert suggestions[0]["person_id"] == str(right)
    assert "unit matches (Response B)" in suggestions[0]["reasons"]
    assert str(right) in {s["person_id"] for s in suggestions}
    too_short = client.post(
        f"/api/v1/allegations/{subject['allegation_id']}/links",
        headers=headers,
        json={"person_id": str(right), "confirm": True, "reasons": "yes"},
    )
    assert too_short.status_code == 422
    confirmed = client.post(
        f"/api/v1/allegations/{subject['allegation_id']}/links",
        headers=headers,
        json={
            "person_id": str(right),
            "confirm": True,
            "reasons": "Only Gareth Smith was on Response B nights in March.",
        },
    )
    assert confirmed.status_code == 204
    [subject] = client.get(f"/api/v1/reports/{report_id}", headers=headers).json()["subjects"]
    assert subject["person_id"] == str(right)
    assert subject["link_status"] == "confirmed"
    assert len(client.get(f"/api/v1/people/{right}/history", headers=headers).json()["entries"]) == 1


def test_a_rejected_suggestion_is_not_offered_again_and_is_kept_on_record(
    client: TestClient, staff: Staff, services: Services
) -> None:
    headers = staff.api_headers(client, staff.handler())
    wrong = add_person(services, "NS07005", "Gary", "Smithers")
    report_id = report_about(client, services, name="Gary Smithers")
    [subject] = client.get(f"/api/v1/reports/{report_id}", headers=headers).json()["subjects"]
    assert subject["suggestions"][0]["person_id"] == str(wrong)
    client.post(
        f"/api/v1/allegations/{subject['allegation_id']}/links",
        headers=headers,
        json={"person_id": str(wrong), "confirm": False, "reasons": "He was on leave all of that month."},
    )
    [subject] = client.get(f"/api/v1/reports/{report_id}", headers=headers).json()["subjects"]
    assert str(wrong) not in {s["person_id"] for s in subject["suggestions"]}
    with services.database.transaction() as session:
        [link] = session.scalars(select(SubjectLink).where(SubjectLink.person_id == wrong)).all()
        assert link.status.value == "rejected"
        assert link.reasons == "He was on leave all of that month."


def test_a_history_is_for_the_professional_standards_team_only(
    client: TestClient, staff: Staff, services: Services
) -> None:
    person = add_person(services, "NS07006", "Ann", "Other")
    for role in (Role.ADMIN, Role.ANALYST, Role.WELFARE):
        user = staff.user(role.value, [role])
        response = client.get(f"/api/v1/people/{person}/history", headers=staff.api_headers(client, user))
        assert response.status_code == 403, role


def test_nine_reports_over_twenty_years_in_four_units_under_three_spellings_all_stay_on_his_history(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    """Each is closed with no further action; none of that removes him from his own history."""
    handler = staff.handler()
    units = [
        add_unit(services, f"U{n}", name)
        for n, name in enumerate(["Response A", "Custody North", "Roads Policing", "Public Protection"])
    ]
    officer = add_person(services, "NS09009", "Daniel", "Whitcombe", units[3], other_names=["Whitcome"])
    add_person(services, "NS09010", "Dan", "Whitmore", units[0])
    spellings = ["Dan Whitcombe", "D. Witcomb", "Danny Whitcome"]
    start = clock.now
    clock.now = start - timedelta(days=365 * 20)
    report_ids = []
    for n in range(9):
        report_ids.append(
            report_about(
                client,
                services,
                name=spellings[n % 3],
                unit=["Response A", "Custody North", "Roads Policing", "Public Protection"][n % 4],
            )
        )
        clock.advance(days=365 * 2 + 100)
    clock.now = start
    headers = staff.api_headers(client, handler)
    flags_after_each_link = []
    for n, report_id in enumerate(report_ids):
        [subject] = client.get(f"/api/v1/reports/{report_id}", headers=headers).json()["subjects"]
        top = subject["suggestions"][0]
        assert top["person_id"] == str(officer), subject
        client.post(
            f"/api/v1/allegations/{subject['allegation_id']}/links",
            headers=headers,
            json={
                "person_id": str(officer),
                "confirm": True,
                "reasons": "Same officer: unit and name history.",
            },
        )
        flags = client.get("/api/v1/intervention-flags", headers=headers).json()["flags"]
        flags_after_each_link.append([(f["person_id"], f["rule_id"], f["allegations"]) for f in flags])
        # Years apart, each case had its own decision makers (one who decided an earlier case of his
        # would have a conflict of interest).
        deciders = [staff.user(f"decision-{n}-{k}", [Role.DECISION_MAKER]) for k in "ab"]
        close_with_no_further_action(client, staff, report_id, handler, *deciders)
    # The flag appears at the second sexual-misconduct allegation, not before, and is never duplicated.
    sexual = "sexual_or_domestic_in_five_years"
    assert flags_after_each_link[0] == []
    assert flags_after_each_link[1] == [(str(officer), sexual, 2)]
    assert [len(seen) for seen in flags_after_each_link[1:]] == [1] * 8
    assert flags_after_each_link[-1] == [(str(officer), sexual, 9)]
    history = client.get(f"/api/v1/people/{officer}/history", headers=headers).json()
    assert len(history["entries"]) == 9
    assert {(e["outcome"], e["case_stage"]) for e in history["entries"]} == {("no_further_action", "closed")}
    received = [date.fromisoformat(e["received_on"]) for e in history["entries"]]
    assert received == sorted(received)
    assert (received[-1] - received[0]).days > 365 * 18
    sign_in(client, clock, handler)
    page = client.get(f"/staff/people/{officer}")
    assert page.status_code == 200
    for entry in history["entries"]:
        assert f"{entry['case_reference']} (closed)" in page.text
    [flag] = client.get(
        "/api/v1/intervention-flags", headers=headers, params={"person_id": str(officer)}
    ).json()["flags"]
    assert flag["status"] == "open"


User = staff_helpers.TestUser


def close_with_no_further_action(
    client: TestClient, staff: Staff, report_id: str, handler: User, dm: User, dm2: User
) -> None:
    """Open a case from the report and close it, as so many were: no further action."""
    opened = client.post(
        "/api/v1/cases", headers=staff.api_headers(client, handler), json={"report_ids": [report_id]}
    )
    assert opened.status_code == 201, opened.text
    url = f"/api/v1/cases/{opened.json()['id']}/steps"
    for user, kind, fields in (
        (handler, "acknowledge", {}),
        (handler, "add_allegation", {"standard": "discreditable_conduct", "summary": "What was alleged."}),
        (dm, "assess_severity", {"severity": "misconduct", "reasons": "On the report's account.", "facts": []}),
        (dm, "propose_closure", {"closure": "no_further_action", "reasons": "Word against word.",
                                 "reporter_summary": "We could not take this further."}),
        (dm2, "confirm_closure", {"note": "Agreed."}),
    ):  # fmt: skip
        response = client.post(f"{url}/{kind}", headers=staff.api_headers(client, user), json=fields)
        assert response.status_code == 200, f"{kind}: {response.text}"


def test_a_no_further_action_closure_keeps_the_allegation_on_the_history(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    walk.investigated("misconduct")
    walk.step(walk.investigator, "submit_investigation_report", summary="Not supported.")
    walk.step(
        walk.dm,
        "propose_closure",
        closure="no_further_action",
        reasons="Not enough evidence to go on.",
        reporter_summary="We could not find enough evidence.",
    )
    walk.step(walk.dm2, "confirm_closure", note="Agreed.")
    with services.database.transaction() as session:
        person = session.scalars(select(Person.id).where(Person.staff_number == "NS04242")).one()
    [entry] = client.get(f"/api/v1/people/{person}/history", headers=walk.headers(walk.handler)).json()[
        "entries"
    ]
    assert entry["outcome"] == "no_further_action"
    assert entry["case_stage"] == "closed"
