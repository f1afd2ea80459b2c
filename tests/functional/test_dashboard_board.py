"""The dashboard's board: overdue, due this week and later, read in SQL from what each case row keeps.

The buckets are what the engine's deadlines say of each case, put in a bucket by the rules; the
board sends the same statements for fifty cases as for five, and pages each bucket on its own."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from common import staff as staffing
from common.clock import FakeClock
from common.pages import sign_in
from common.query_count import counting
from common.reports import submission
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.cases import rules
from upstander.services import Services

pytestmark = pytest.mark.clock


def open_case(
    services: Services, staff: Staff, handler: staffing.TestUser, *, acknowledged: bool = False
) -> uuid.UUID:
    report = services.reports.submit(submission("Something happened."))
    if acknowledged:
        services.handling.acknowledge(staff.principal(handler), report.report_id, "Thank you.")
    return services.cases.open_case(staff.principal(handler), [report.report_id]).id


def test_the_boards_buckets_are_what_the_rules_say_of_each_cases_deadlines(
    staff: Staff, services: Services, clock: FakeClock
) -> None:
    handler = staff.handler()
    opened = [open_case(services, staff, handler) for _ in range(2)]
    clock.advance(days=10)  # the first two are past their acknowledgement
    opened.append(open_case(services, staff, handler))
    opened += [open_case(services, staff, handler, acknowledged=True) for _ in range(2)]
    clock.advance(days=1)
    principal = staff.principal(handler)

    expected: dict[rules.Bucket, set[uuid.UUID]] = {bucket: set() for bucket in rules.Bucket}
    for case_id in opened:
        duties = [d.due_on for d in services.cases.view_case(principal, case_id).workflow.deadlines if d.duty]
        bucket = rules.bucket_of(min(duties) if duties else None, clock.today())
        if bucket is not None:
            expected[bucket].add(case_id)
    assert all(expected.values()), f"every bucket has a case in it: {expected}"

    # One case a page, so every bucket with more than one case is read over its pages.
    found: dict[rules.Bucket, list[uuid.UUID]] = {bucket: [] for bucket in rules.Bucket}
    cursors: dict[rules.Bucket, str | None] = dict.fromkeys(rules.Bucket)
    while True:
        board = services.dashboard.board(principal, cursors, limit=1)
        for bucket, page in board.buckets.items():
            if bucket in cursors:
                found[bucket] += [line.case_id for line in page.items]
                assert page.total == len(expected[bucket])
                cursors[bucket] = page.next_cursor
        cursors = {bucket: cursor for bucket, cursor in cursors.items() if cursor}
        if not cursors:
            break
    assert {bucket: set(ids) for bucket, ids in found.items()} == expected
    assert all(len(ids) == len(set(ids)) for ids in found.values()), "no case is shown twice"
    assert board.today == clock.today()
    assert board.total == len(opened)
    assert board.per_handler == {
        "Handler": {
            "open": len(opened),
            "overdue": len(expected[rules.Bucket.OVERDUE]),
            "due_this_week": len(expected[rules.Bucket.DUE_SOON]),
        }
    }


def test_the_dashboard_sends_as_many_statements_for_50_cases_as_for_5(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    handler = staff.handler()
    overseer = staff.overseer()
    counts: dict[str, list[int]] = {"page": [], "api": [], "overseer api": []}
    opened = 0
    for size in (5, 50):
        while opened < size:
            open_case(services, staff, handler, acknowledged=opened % 2 == 0)
            opened += 1
            if opened % 3 == 0:
                clock.advance(days=2)  # spread over every bucket
        for name, user in (("api", handler), ("overseer api", overseer)):
            headers = staff.api_headers(client, user)
            with counting(services.database.engine) as statements:
                response = client.get("/api/v1/dashboard", headers=headers)
            assert response.status_code == 200, response.text
            counts[name].append(statements.count)
        sign_in(client, clock, handler)
        with counting(services.database.engine) as statements:
            page = client.get("/staff/dashboard")
        assert page.status_code == 200
        counts["page"].append(statements.count)
    board = client.get("/api/v1/dashboard", headers=staff.api_headers(client, handler)).json()
    assert sum(bucket["total"] for bucket in board["buckets"].values()) == 50
    assert max(len(bucket["items"]) for bucket in board["buckets"].values()) <= 20, "a page, not everything"
    for route, (small, large) in counts.items():
        assert small == large, (route, counts)


def test_each_bucket_pages_on_its_own_on_the_page(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    handler = staff.handler()
    for _ in range(3):
        open_case(services, staff, handler)
    clock.advance(days=10)
    soon = open_case(services, staff, handler)
    sign_in(client, clock, handler)
    first = client.get("/api/v1/dashboard", headers=staff.api_headers(client, handler), params={"limit": 2})
    overdue = first.json()["buckets"]["overdue"]
    assert overdue["total"] == 3
    assert len(overdue["items"]) == 2
    rest = client.get(
        "/api/v1/dashboard",
        headers=staff.api_headers(client, handler),
        params={"limit": 2, "overdue_cursor": overdue["next_cursor"]},
    ).json()
    assert len(rest["buckets"]["overdue"]["items"]) == 1
    assert rest["buckets"]["overdue"]["next_cursor"] is None
    assert [line["case_id"] for line in rest["buckets"]["soon"]["items"]] == [str(soon)]
    page = client.get("/staff/dashboard").text
    section = page.split('id="overdue"')[1].split("</section>")[0]
    assert "3 cases" in section
    assert client.get("/staff/dashboard", params={"overdue_cursor": "nonsense"}).status_code == 422


def test_for_you_shows_the_step_owed_by_whom_and_the_next_duty_by_when(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    handler = staff.handler()
    decider = staff.user("decider", [Role.DECISION_MAKER])
    received = open_case(services, staff, handler)
    waiting = open_case(services, staff, handler, acknowledged=True)
    principal = staff.principal(decider)
    [line] = services.dashboard.for_you(principal).items
    assert line.case.id == waiting
    assert [(step.kind, step.by_whom) for step in line.steps] == [("assess_severity", "a decision maker")]
    assert line.yours == {"assess_severity"}
    api = client.get("/api/v1/dashboard", headers=staff.api_headers(client, decider)).json()["for_you"]
    assert [item["id"] for item in api["items"]] == [str(waiting)]
    assert api["items"][0]["steps"] == [
        {
            "kind": "assess_severity",
            "label": "record the severity assessment",
            "by_whom": "a decision maker",
            "yours": True,
        }
    ]

    sign_in(client, clock, decider)
    section = client.get("/staff/dashboard").text.split('id="for-you"')[1].split("</section>")[0]
    assert "<strong>Record the severity assessment</strong>: a decision maker" in section
    owed = services.cases.view_case(principal, waiting).workflow.deadlines
    first = min((d for d in owed if d.duty), key=lambda d: d.due_on)
    assert f"{first.label} by " in section, "by when: the case's next duty and its date"

    sign_in(client, clock, handler)
    section = client.get("/staff/dashboard").text.split('id="for-you"')[1].split("</section>")[0]
    assert "<strong>Acknowledge the report</strong>: " in section
    assert str(received) in section
    assert str(waiting) not in section, "the assessment is not the handler's to make"
