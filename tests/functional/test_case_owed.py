"""Never miss a thing: what each case waits for, from whom, and by when, in the lists and on the dashboard.

A new case whose severity assessment is owed is on every decision maker's dashboard; the case list
filters by an overdue or soon-due first duty and by unread; the case page says what is owed next
and by whom; and none of it sends a statement per case."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from common import staff as staffing
from common.clock import FakeClock
from common.pages import sign_in
from common.query_count import counting
from common.reports import submission
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.cases.engine.owed import NOTHING_DUE
from upstander.cases.models import Case
from upstander.services import Services

pytestmark = pytest.mark.clock


def open_case(services: Services, staff: Staff, *, acknowledged: bool = False) -> str:
    """A case from one report; acknowledged first, it waits for a decision maker's severity assessment."""
    handler = staff.handler()
    report = services.reports.submit(submission("Something happened."))
    if acknowledged:
        services.handling.acknowledge(staff.principal(handler), report.report_id, "Thank you.")
    return services.cases.open_case(staff.principal(handler), [report.report_id]).reference


def listed(client: TestClient, headers: dict[str, str], **query: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/cases", headers=headers, params=query)
    assert response.status_code == 200, response.text
    return list(response.json())


def people(staff: Staff) -> tuple[staffing.TestUser, staffing.TestUser]:
    """A handler and a decision maker, both there before any case opens (decision makers hold every key)."""
    return staff.handler(), staff.user("decider", [Role.DECISION_MAKER])


def test_a_new_case_owed_its_severity_assessment_is_for_the_decision_maker_not_the_handler(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    handler, decider = people(staff)
    received = open_case(services, staff)
    owed_assessment = open_case(services, staff, acknowledged=True)
    for_decider = listed(client, staff.api_headers(client, decider), for_you=True)
    assert [c["reference"] for c in for_decider] == [owed_assessment]
    assert for_decider[0]["owed_by"] == ["decision_maker"]
    for_handler = listed(client, staff.api_headers(client, handler), for_you=True)
    assert [c["reference"] for c in for_handler] == [received]
    assert for_handler[0]["next_due_label"] == "Acknowledge the report to the reporter"

    sign_in(client, clock, decider)
    board = client.get("/staff/dashboard")
    assert board.status_code == 200
    section = board.text.split('id="for-you"')[1].split("</section>")[0]
    assert owed_assessment in section
    assert received not in section


def test_the_case_page_says_what_is_owed_next_and_by_whom(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    _, decider = people(staff)
    open_case(services, staff, acknowledged=True)
    [case] = listed(client, staff.api_headers(client, decider))
    view = client.get(f"/api/v1/cases/{case['id']}", headers=staff.api_headers(client, decider)).json()
    assert [(s["kind"], s["by_whom"]) for s in view["workflow"]["owed"]] == [
        ("assess_severity", "a decision maker")
    ]
    sign_in(client, clock, decider)
    page = client.get(f"/staff/cases/{case['id']}").text
    owed = page.split('id="owed-next"')[1].split("</div>")[0]
    assert "Record the severity assessment: <strong>a decision maker</strong>" in owed


def test_the_case_list_filters_by_an_overdue_or_soon_due_first_duty_and_sorts_by_it(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    handler, _ = people(staff)
    late = [open_case(services, staff) for _ in range(2)]
    clock.advance(days=10)
    soon = open_case(services, staff)
    clock.advance(days=1)
    waiting = open_case(services, staff, acknowledged=True)  # its next duty is months away
    headers = staff.api_headers(client, handler)

    def found(**query: Any) -> set[str]:
        return {c["reference"] for c in listed(client, headers, **query)}

    assert found(due="overdue") == set(late)
    assert found(due="soon") == {soon}
    by_due = [c["reference"] for c in listed(client, headers, sort="due")]
    assert set(by_due[:2]) == set(late)
    assert by_due[2:] == [soon, waiting]
    seen, cursor = [], None
    while True:
        response = client.get(
            "/api/v1/cases",
            headers=headers,
            params={"sort": "-due", "limit": 1, **({"cursor": cursor} if cursor else {})},
        )
        assert response.headers["x-total-count"] == "4"
        seen += [c["reference"] for c in response.json()]
        cursor = response.headers.get("x-next-cursor")
        if cursor is None:
            break
    assert seen == by_due[::-1]
    assert seen[:2] == [waiting, soon]
    bad = client.get("/api/v1/cases", headers=headers, params={"due": "yesterday"})
    assert bad.status_code == 422
    sign_in(client, clock, handler)
    page = client.get("/staff/cases", params={"due": "overdue"})
    assert "2 matching cases you hold" in page.text


def test_the_case_list_filters_by_unread(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    handler, decider = people(staff)
    report = services.reports.submit(submission("More to come."))
    case = services.cases.open_case(staff.principal(handler), [report.report_id])
    open_case(services, staff)
    token = client.post("/api/v1/reporter/session", json={"receipt_key": report.receipt_key}).json()["token"]
    clock.advance(minutes=5)
    client.post(
        "/api/v1/reporter/messages", headers={"authorization": f"Bearer {token}"}, json={"text": "And this."}
    )
    assert [c["reference"] for c in listed(client, staff.api_headers(client, handler), unread=True)] == [
        case.reference
    ]
    # Unread puts the case on the decision maker's list too, though nothing is owed by them yet.
    assert case.reference in {
        c["reference"] for c in listed(client, staff.api_headers(client, decider), for_you=True)
    }
    sign_in(client, clock, handler)
    assert "1 matching case you hold" in client.get("/staff/cases", params={"unread": 1}).text


def test_the_dashboard_sends_as_many_statements_for_30_cases_as_for_3(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    _, decider = people(staff)
    counts: dict[str, list[int]] = {"page": [], "api": [], "list": []}
    opened = 0
    for size in (3, 30):
        while opened < size:
            open_case(services, staff, acknowledged=opened % 2 == 0)
            opened += 1
        headers = staff.api_headers(client, decider)
        with counting(services.database.engine) as statements:
            assert client.get("/api/v1/dashboard", headers=headers).status_code == 200
        counts["api"].append(statements.count)
        with counting(services.database.engine) as statements:
            listed(client, headers, for_you=True)
        counts["list"].append(statements.count)
        sign_in(client, clock, decider)
        with counting(services.database.engine) as statements:
            assert client.get("/staff/dashboard").status_code == 200
        counts["page"].append(statements.count)
    for route, (small, large) in counts.items():
        assert small == large, (route, counts)


def test_refreshing_brings_cases_stored_before_the_columns_up_to_date(
    client: TestClient, staff: Staff, services: Services
) -> None:
    _, decider = people(staff)
    reference = open_case(services, staff, acknowledged=True)
    with services.database.transaction() as session:
        session.execute(update(Case).values(next_due_on=NOTHING_DUE, next_due_label=None, owed_by=""))
    assert listed(client, staff.api_headers(client, decider), for_you=True) == []
    assert services.workflow.refresh_owed(batch=1) == 1
    assert services.workflow.refresh_owed() == 0
    [case] = listed(client, staff.api_headers(client, decider), for_you=True)
    assert case["reference"] == reference
    assert case["owed_by"] == ["decision_maker"]
