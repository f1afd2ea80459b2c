"""Who has read a case or a report, and when: for the overseer and the case's decision makers, from
the audit chain's reads, paged, two queries a page; refused to everyone else; the looking recorded."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from common.cases import CaseWalk
from common.clock import FakeClock
from common.pages import sign_in
from common.query_count import counting
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.audit.models import AuditEntry
from upstander.reports import readers
from upstander.services import Services


def test_the_overseer_and_the_decision_maker_see_who_read_the_case_and_the_report(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    walk.view(walk.handler)
    clock.advance(minutes=5)
    walk.view(walk.dm)
    report = client.get(f"/api/v1/reports/{walk.report_id}", headers=walk.headers(walk.handler))
    assert report.status_code == 200, report.text

    sign_in(client, clock, walk.overseer, f"/staff/cases/{walk.case_id}")
    case_page = client.get(f"/staff/cases/{walk.case_id}")
    assert 'id="case-readers"' in case_page.text
    with counting(services.database.engine) as counted:
        seen = client.get(f"/staff/cases/{walk.case_id}/readers")
    assert seen.status_code == 200, seen.text
    rows = re.findall(r"<tr><td>([^<]+) <span", seen.text)
    # Newest first: the overseer's own opening of the page above, the decision maker, the handler.
    assert rows == ["Overseer", "Decision", "Handler"]
    assert counted.count <= 14
    report_readers = client.get(f"/staff/reports/{walk.report_id}/readers")
    assert report_readers.status_code == 200
    assert "Handler" in report_readers.text

    sign_in(client, clock, walk.dm, f"/staff/cases/{walk.case_id}/readers")
    assert client.get(f"/staff/cases/{walk.case_id}/readers").status_code == 200
    for outsider in (walk.handler, walk.investigator, staff.user("admin", [Role.ADMIN])):
        sign_in(client, clock, outsider, "/staff/account")
        assert client.get(f"/staff/cases/{walk.case_id}/readers").status_code in {403, 404}, outsider
    with services.database.transaction() as session:
        looked = session.scalar(select(func.count()).where(AuditEntry.action == "audit.readers_viewed"))
    assert looked == 3


def test_a_long_list_of_readings_is_paged(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    handler = staff.principal(walk.handler)
    for _ in range(readers.PAGE_SIZE + 2):
        services.cases.view_case(handler, uuid.UUID(walk.case_id))
    overseer = staff.principal(walk.overseer)
    first = services.readers.of_case(overseer, uuid.UUID(walk.case_id))
    assert len(first.reads) == readers.PAGE_SIZE
    assert first.next_before is not None
    rest = services.readers.of_case(overseer, uuid.UUID(walk.case_id), first.next_before)
    assert len(rest.reads) == 2
    assert rest.next_before is None
