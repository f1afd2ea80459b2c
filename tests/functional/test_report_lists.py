"""The report inbox a handler works from: search, filters, sort, keyset pages — the API and the page."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from common.clock import FakeClock
from common.pages import sign_in
from common.reports import named, submission
from common.staff import Staff
from upstander.org.models import Person
from upstander.reports.models import Category
from upstander.reports.rules import SubjectInput
from upstander.services import Services

pytestmark = pytest.mark.clock


def file_reports(services: Services, clock: FakeClock, staff: Staff, count: int) -> list[str]:
    """`count` reports a day apart, every third named and every other about bullying; the references.

    Reports reach only readers who exist when they arrive: the handler is made first."""
    staff.handler()
    staff.overseer()
    references = []
    for i in range(count):
        result = services.reports.submit(
            submission(
                f"Report number {i}.",
                category=Category.BULLYING if i % 2 else Category.CORRUPTION,
                identity=named() if i % 3 == 0 else None,
            )
        )
        references.append(result.reference)
        clock.advance(days=1)
    return references


def inbox(client: TestClient, headers: dict[str, str], **query: Any) -> Any:
    response = client.get("/api/v1/inbox", headers=headers, params=query)
    assert response.status_code == 200, response.text
    return response


def test_paging_through_the_inbox_gives_every_report_once_in_any_sort(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    references = file_reports(services, clock, staff, 7)
    headers = staff.api_headers(client, staff.handler())
    for sort in ["due", "-due", "reference", "-reference", "category", "received", "-received", "status"]:
        seen: list[str] = []
        cursor = None
        while True:
            response = inbox(client, headers, sort=sort, limit=3, **({"cursor": cursor} if cursor else {}))
            assert response.headers["x-total-count"] == "7"
            seen += [item["reference"] for item in response.json()]
            cursor = response.headers.get("x-next-cursor")
            if cursor is None:
                assert "link" not in response.headers
                break
            assert response.headers["link"].endswith('rel="next"')
        assert sorted(seen) == sorted(references), sort
        assert len(seen) == len(set(seen))
    by_reference = [item["reference"] for item in inbox(client, headers, sort="-reference").json()]
    assert by_reference == sorted(references, reverse=True)
    newest_first = [item["reference"] for item in inbox(client, headers, sort="-received").json()]
    assert newest_first == references[::-1]


def test_overdue_acknowledgements_come_first_and_can_be_picked_out(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    references = file_reports(services, clock, staff, 10)
    headers = staff.api_headers(client, staff.handler())
    # Ten days and half a minute (the sign-in) after the first: four are past their seven days.
    listed = inbox(client, headers).json()
    assert [item["reference"] for item in listed] == references
    assert [item["acknowledgement"]["state"] for item in listed[:5]] == ["overdue"] * 4 + ["due_soon"]
    overdue = inbox(client, headers, due="overdue")
    assert [item["reference"] for item in overdue.json()] == references[:4]
    assert overdue.headers["x-total-count"] == "4"
    soon = inbox(client, headers, due="soon").json()
    assert [item["reference"] for item in soon] == references[4:6]
    assert {item["acknowledgement"]["state"] for item in soon} == {"due_soon"}


def test_the_inbox_is_filtered_and_searched(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    references = file_reports(services, clock, staff, 6)
    with services.database.transaction() as session:
        session.add(Person(staff_number="NS07001", given_name="Pat", family_name="Example", rank="Sergeant"))
    about_pat = services.reports.submit(
        submission("About a sergeant.", subjects=(SubjectInput(name="Sgt P", staff_number="ns07001"),))
    ).reference
    headers = staff.api_headers(client, staff.handler())

    def found(**query: Any) -> list[str]:
        return [item["reference"] for item in inbox(client, headers, sort="received", **query).json()]

    assert found(q=references[2].lower()) == [references[2]]
    assert found(q="NS07001") == [about_pat]
    assert found(q="R-NOTHING") == []
    assert found(category="bullying") == [*references[1::2], about_pat]
    assert found(who="named") == [references[0], references[3]]
    assert found(who="anonymous", category="corruption") == [references[2], references[4]]
    assert found(status="acknowledged") == []
    assert len(found(status="received", channel="online")) == 7


def test_the_inbox_is_filtered_by_handler_paged_and_searched(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    """A report's handler is whoever acknowledged it, until it is in a case; then the case's handler."""
    mine, theirs = staff.handler(), staff.handler("colleague")
    filed = []
    for i in range(5):
        filed.append(services.reports.submit(submission(f"Report number {i}.")))
        clock.advance(hours=1)
    for report, who in ((filed[0], mine), (filed[1], mine), (filed[2], theirs)):
        services.handling.acknowledge(staff.principal(who), report.report_id, "Thank you.")
    services.cases.open_case(staff.principal(theirs), [filed[3].report_id])
    references = [report.reference for report in filed]
    headers = staff.api_headers(client, mine)

    def found(**query: Any) -> list[str]:
        return [item["reference"] for item in inbox(client, headers, sort="received", **query).json()]

    assert found(handler="me") == references[:2]
    assert found(handler=str(theirs.user_id)) == [references[2]]
    assert found(handler=str(theirs.user_id), include_in_case=True) == references[2:4]
    assert found(handler="none") == [references[4]]
    assert found(handler="none", include_in_case=True) == [references[4]]
    assert found(handler="me", q=references[1]) == [references[1]]
    assert found(handler="me", q=references[2]) == []
    first = inbox(client, headers, sort="received", handler="me", limit=1)
    assert first.headers["x-total-count"] == "2"
    rest = inbox(
        client, headers, sort="received", handler="me", limit=1, cursor=first.headers["x-next-cursor"]
    )
    assert [item["reference"] for item in rest.json()] == [references[1]]
    assert "x-next-cursor" not in rest.headers

    sign_in(client, clock, mine)
    page = client.get("/staff/inbox", params={"handler": str(theirs.user_id), "all": 1})
    assert page.status_code == 200
    assert "2 matching reports in all" in page.text
    assert f'<option value="{theirs.user_id}" selected>' in page.text


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"sort": "what_happened"}, "sort"),
        ({"status": "lost"}, "status"),
        ({"who": "everyone"}, "who"),
        ({"handler": "someone"}, "handler"),
    ],
)
def test_a_bad_cursor_limit_sort_or_filter_is_a_clear_422(
    client: TestClient, staff: Staff, query: dict[str, Any], field: str
) -> None:
    response = client.get("/api/v1/inbox", headers=staff.api_headers(client, staff.handler()), params=query)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in {error["field"] for error in response.json()["errors"]}


def test_a_cursor_of_another_sort_is_refused(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    file_reports(services, clock, staff, 3)
    headers = staff.api_headers(client, staff.handler())
    cursor = inbox(client, headers, sort="received", limit=1).headers["x-next-cursor"]
    refused = client.get("/api/v1/inbox", headers=headers, params={"sort": "reference", "cursor": cursor})
    assert refused.status_code == 422
    assert "start again from the first page" in refused.json()["detail"]


def test_the_inbox_page_filters_sorts_and_pages_with_plain_links(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    references = file_reports(services, clock, staff, 5)
    sign_in(client, clock, staff.handler())
    first = client.get("/staff/inbox", params={"sort": "received", "limit": 2})
    assert first.status_code == 200
    assert "5 reports not yet in a case" in first.text
    assert references[0] in first.text
    assert references[1] in first.text
    assert references[2] not in first.text
    assert "sort=-received" in first.text  # the heading of the sorted column reverses it
    next_link = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = client.get(next_link)
    assert references[2] in second.text
    assert references[3] in second.text
    assert references[0] not in second.text
    assert "First page" in second.text
    searched = client.get("/staff/inbox", params={"q": references[4]})
    assert "1 matching report not yet in a case" in searched.text
    assert references[4] in searched.text
    assert references[0] not in searched.text
    assert client.get("/staff/inbox", params={"cursor": "garbage"}).status_code == 422


def test_what_the_reporter_adds_is_unread_for_each_reader_until_they_open_the_report(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    staff.handler()
    staff.overseer()
    quiet = services.reports.submit(submission("Nothing more to add."))
    added_to = services.reports.submit(submission("I will say more later."))
    token = client.post("/api/v1/reporter/session", json={"receipt_key": added_to.receipt_key}).json()[
        "token"
    ]
    clock.advance(minutes=5)
    sent = client.post(
        "/api/v1/reporter/messages",
        headers={"authorization": f"Bearer {token}"},
        json={"text": "It happened again last night."},
    )
    assert sent.status_code in {200, 201}, sent.text
    handler, colleague = (
        staff.api_headers(client, staff.handler()),
        staff.api_headers(client, staff.overseer()),
    )

    def unread(headers: dict[str, str]) -> dict[str, bool]:
        return {item["reference"]: item["unread"] for item in inbox(client, headers).json()}

    assert unread(handler) == {quiet.reference: False, added_to.reference: True}
    assert [item["reference"] for item in inbox(client, handler, unread=True).json()] == [added_to.reference]
    assert client.get(f"/api/v1/reports/{added_to.report_id}", headers=handler).status_code == 200
    assert unread(handler) == {quiet.reference: False, added_to.reference: False}
    assert unread(colleague)[added_to.reference] is True  # read markers are each reader's own
    clock.advance(minutes=5)
    client.post(
        "/api/v1/reporter/messages", headers={"authorization": f"Bearer {token}"}, json={"text": "And again."}
    )
    assert unread(handler)[added_to.reference] is True
    sign_in(client, clock, staff.handler())
    assert "new information" in client.get("/staff/inbox", params={"unread": 1}).text
