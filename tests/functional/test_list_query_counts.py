"""Every list route and page sends the same number of SQL statements for 3 rows as for 30.

A reader who holds no key to the reports (a decision maker, who is not an intake reader) is the
costly case: each row's "may they open it" used to be asked of the database one row at a time."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from test_report_lists import file_reports

from common.clock import FakeClock
from common.pages import sign_in
from common.query_count import counting
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.services import Services

pytestmark = pytest.mark.clock


def test_the_inbox_api_sends_as_many_statements_for_30_reports_as_for_3(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    keyless = staff.user("decider", [Role.DECISION_MAKER])
    counts = {}
    filed = 0
    for size in (3, 30):
        filed += len(file_reports(services, clock, staff, size - filed))
        for user in (staff.handler(), keyless):
            headers = staff.api_headers(client, user)
            with counting(services.database.engine) as statements:
                listed = client.get("/api/v1/inbox", headers=headers, params={"include_in_case": True})
            assert listed.status_code == 200
            assert len(listed.json()) == size
            assert {item["can_open"] for item in listed.json()} == {user is not keyless}
            counts[size, user.username] = statements.count
        # Filtered by handler (nobody has acknowledged any of them yet), the cases' side included.
        headers = staff.api_headers(client, staff.handler())
        with counting(services.database.engine) as statements:
            listed = client.get(
                "/api/v1/inbox", headers=headers, params={"include_in_case": True, "handler": "none"}
            )
        assert len(listed.json()) == size
        counts[size, "by handler"] = statements.count
    assert counts[3, "handler"] == counts[30, "handler"], counts
    assert counts[3, "decider"] == counts[30, "decider"], counts
    assert counts[3, "by handler"] == counts[30, "by handler"], counts


def test_the_inbox_page_sends_as_many_statements_for_30_reports_as_for_3(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    keyless = staff.user("decider", [Role.DECISION_MAKER])
    counts = []
    filed = 0
    for size in (3, 30):
        filed += len(file_reports(services, clock, staff, size - filed))
        sign_in(client, clock, keyless)
        with counting(services.database.engine) as statements:
            page = client.get("/staff/inbox")
        assert page.status_code == 200
        assert f"{size} reports not yet in a case" in page.text
        counts.append(statements.count)
    assert counts[0] == counts[1], counts
