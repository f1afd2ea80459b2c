"""The case list a handler works from: search, filters, sort, keyset pages, and no query per row."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from common.clock import FakeClock
from common.pages import sign_in
from common.query_count import counting
from common.reports import submission
from common.staff import Staff
from upstander.org.models import Person
from upstander.reports.models import Category
from upstander.reports.rules import SubjectInput
from upstander.services import Services

pytestmark = pytest.mark.clock


def open_cases(services: Services, clock: FakeClock, staff: Staff, count: int) -> list[str]:
    """`count` cases a day apart, each from one report; every other about corruption and held by
    a second handler. Both handlers hold every case's key; the references, oldest first."""
    handler, other = staff.handler(), staff.handler("other")
    staff.overseer()
    references = []
    for i in range(count):
        report = services.reports.submit(
            submission(f"Case number {i}.", category=Category.CORRUPTION if i % 2 else Category.BULLYING)
        )
        case = services.cases.open_case(
            staff.principal(handler), [report.report_id], other.user_id if i % 2 else handler.user_id
        )
        references.append(case.reference)
        clock.advance(days=1)
    return references


def cases(client: TestClient, headers: dict[str, str], **query: Any) -> Any:
    response = client.get("/api/v1/cases", headers=headers, params=query)
    assert response.status_code == 200, response.text
    return response


def test_paging_through_the_cases_gives_every_case_once_in_any_sort(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    references = open_cases(services, clock, staff, 5)
    headers = staff.api_headers(client, staff.handler())
    assert [c["reference"] for c in cases(client, headers).json()] == references[::-1]
    for sort in ["opened", "-opened", "reference", "-stage", "handler", "-handler", "reports"]:
        seen: list[str] = []
        cursor = None
        while True:
            response = cases(client, headers, sort=sort, limit=2, **({"cursor": cursor} if cursor else {}))
            assert response.headers["x-total-count"] == "5"
            seen += [c["reference"] for c in response.json()]
            cursor = response.headers.get("x-next-cursor")
            if cursor is None:
                break
        assert sorted(seen) == sorted(references), sort
        assert len(seen) == len(set(seen)), sort
    assert [c["reference"] for c in cases(client, headers, sort="reference").json()] == sorted(references)


def test_the_cases_are_filtered_and_searched(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    references = open_cases(services, clock, staff, 4)
    with services.database.transaction() as session:
        session.add(Person(staff_number="NS07002", given_name="Lee", family_name="Example", rank="PC"))
    report = services.reports.submit(
        submission("About a constable.", subjects=(SubjectInput(name="PC L", staff_number="NS07002"),))
    )
    about_lee = services.cases.open_case(staff.principal(staff.handler()), [report.report_id]).reference
    other = staff.handler("other")
    headers = staff.api_headers(client, staff.handler())

    def found(**query: Any) -> list[str]:
        return [c["reference"] for c in cases(client, headers, sort="opened", **query).json()]

    assert found(q=references[1].lower()) == [references[1]]
    assert found(q="ns07002") == [about_lee]
    assert found(category="corruption") == references[1::2]
    assert found(handler="me") == [references[0], references[2], about_lee]
    assert found(handler=str(other.user_id)) == references[1::2]
    [first] = cases(client, headers, q=references[0]).json()
    assert found(stage=first["stage"]) == [*references, about_lee]
    assert found(stage="closed") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"cursor": "AAAA"}, "cursor"),
        ({"limit": 500}, "limit"),
        ({"sort": "secret"}, "sort"),
        ({"handler": "someone"}, "handler"),
        ({"category": "x"}, "category"),
        ({"stage": "open; drop"}, "stage"),
    ],
)
def test_a_bad_case_list_query_is_a_clear_422(
    client: TestClient, staff: Staff, query: dict[str, Any], field: str
) -> None:
    response = client.get("/api/v1/cases", headers=staff.api_headers(client, staff.handler()), params=query)
    assert response.status_code == 422
    assert field in {error["field"] for error in response.json()["errors"]}


def test_the_case_list_page_sorts_and_pages_with_plain_links(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    references = open_cases(services, clock, staff, 3)
    sign_in(client, clock, staff.handler())
    first = client.get("/staff/cases", params={"sort": "opened", "limit": 2})
    assert "3 cases you hold" in first.text
    assert references[1] in first.text
    assert references[2] not in first.text
    next_link = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = client.get(next_link)
    assert references[2] in second.text
    assert references[0] not in second.text
    searched = client.get("/staff/cases", params={"q": references[0]})
    assert "1 matching case you hold" in searched.text


def test_the_case_list_sends_as_many_statements_for_30_cases_as_for_3(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    api, page = [], []
    opened = 0
    for size in (3, 30):
        opened += len(open_cases(services, clock, staff, size - opened))
        headers = staff.api_headers(client, staff.handler())
        with counting(services.database.engine) as statements:
            assert len(cases(client, headers).json()) == size
        api.append(statements.count)
        sign_in(client, clock, staff.handler())
        with counting(services.database.engine) as statements:
            assert f"{size} cases you hold" in client.get("/staff/cases").text
        page.append(statements.count)
    assert api[0] == api[1], api
    assert page[0] == page[1], page


def test_a_case_is_unread_while_a_reporter_added_to_one_of_its_reports_since_it_was_opened(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    handler = staff.handler()
    staff.overseer()
    report = services.reports.submit(submission("More to come."))
    case = services.cases.open_case(staff.principal(handler), [report.report_id])
    quiet = open_cases(services, clock, staff, 1)[0]
    token = client.post("/api/v1/reporter/session", json={"receipt_key": report.receipt_key}).json()["token"]
    clock.advance(minutes=5)
    client.post(
        "/api/v1/reporter/messages",
        headers={"authorization": f"Bearer {token}"},
        json={"text": "Another thing."},
    )
    headers = staff.api_headers(client, handler)
    assert {c["reference"]: c["unread"] for c in cases(client, headers).json()} == {
        case.reference: True,
        quiet: False,
    }
    services.handling.open_report(staff.principal(handler), report.report_id)
    assert {c["reference"]: c["unread"] for c in cases(client, headers).json()}[case.reference] is False
