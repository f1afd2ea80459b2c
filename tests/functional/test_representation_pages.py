"""The consent form on the case page and the representative's pages, without a browser."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from common.cases import CaseWalk
from common.clock import FakeClock
from common.pages import csrf, sign_in
from common.safeguarding import build_force, post
from common.staff import Staff
from upstander.accounts.models import Role, User
from upstander.cases.models import Complainant, Complaint
from upstander.org.models import Person
from upstander.reports.models import Report
from upstander.services import Services


def test_a_handler_records_consent_on_the_case_page_and_the_representative_reads_the_disclosure(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    rep = staff.user("rep", [Role.REPRESENTATIVE])
    walk.investigated("misconduct")
    path = f"/staff/cases/{walk.case_id}"

    sign_in(client, clock, walk.handler)
    page = client.get(path).text
    assert "No subject has consented to a representative." in page
    wrong = client.post(
        f"{path}/representatives",
        data={"csrf_token": csrf(page), "subject": "NS99999", "representative_id": str(rep.user_id)},
    )
    assert wrong.status_code == 404
    assert "There is no staff record for" in wrong.text
    given = client.post(
        f"{path}/representatives",
        data={"csrf_token": csrf(page), "subject": "NS04242", "representative_id": str(rep.user_id)},
        follow_redirects=False,
    )
    assert given.status_code == 303
    page = client.get(given.headers["location"]).text
    assert "Gareth Example (NS04242) consented to <strong>Rep</strong>" in page

    sign_in(client, clock, rep)
    listing = client.get("/staff/represented").text
    assert walk.case_id in listing
    case_page = client.get(f"/staff/represented/{walk.case_id}")
    assert case_page.status_code == 200
    assert "Regulation 17 notice served on the officer" in case_page.text
    assert "touched me" not in case_page.text
    assert client.get(path).status_code == 403, "the full case is closed to the representative"


def test_a_complainant_with_a_known_staff_record_conflicts_without_being_named(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    build_force(services)
    walk = CaseWalk(client, staff, services, clock)
    with services.database.transaction() as session:
        complaint = session.scalars(
            select(Complaint)
            .join(Report, Report.id == Complaint.report_id)
            .where(Report.case_id == uuid.UUID(walk.case_id))
        ).one()
        cara = session.scalars(select(Person).where(Person.staff_number == "NS00003")).one()
        session.add(Complainant(complaint_id=complaint.id, person_id=cara.id))
    post(services, "NS00003", "CS-1", "day")
    second = staff.handler("second-handler")
    post(services, "NS00005", "CS-1", "day")
    with services.database.transaction() as session:
        eli = session.scalars(select(Person).where(Person.staff_number == "NS00005")).one()
        session.get_one(User, second.user_id).person_id = eli.id
    screen = client.get(
        f"/api/v1/cases/{walk.case_id}/candidates",
        params={"role": "handler"},
        headers=walk.headers(walk.handler),
    ).json()
    (excluded,) = screen["excluded"]
    assert excluded["reasons"] == ["Second-Handler works in Custody South Team 1 with the complainant."]
    assert "Cara" not in str(screen)


def test_a_member_of_staff_declares_and_withdraws_a_relationship_on_the_page(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    sign_in(client, clock, walk.investigator)
    page = client.get("/staff/declarations").text
    assert "You have declared no relationship." in page
    unknown = client.post(
        "/staff/declarations",
        data={
            "csrf_token": csrf(page),
            "person": "NS99999",
            "relationship": "friend",
            "note": "From school.",
        },
    )
    assert unknown.status_code == 404
    assert 'value="NS99999"' in unknown.text, "what was typed comes back"
    done = client.post(
        "/staff/declarations",
        data={
            "csrf_token": csrf(page),
            "person": "NS04242",
            "relationship": "friend",
            "note": "From school.",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = client.get(done.headers["location"]).text
    assert "Gareth Example (NS04242) — a friend" in page
    declaration = re.search(r"/staff/declarations/([0-9a-f-]{36})/withdraw", page)
    assert declaration
    withdrawn = client.post(
        f"/staff/declarations/{declaration.group(1)}/withdraw",
        data={"csrf_token": csrf(page)},
        follow_redirects=False,
    )
    assert withdrawn.status_code == 303
    assert "— withdrawn" in client.get("/staff/declarations").text
