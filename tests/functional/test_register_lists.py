"""The register of suspensions and restricted duties a page at a time: searched by staff number,
filtered by measure, category and review, sorted by each column and keyset-paged, in the page and the
API, with the same number of statements for 30 entries as for 3."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from common.clock import FakeClock
from common.pages import sign_in
from common.query_count import counting
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.cases.engine.vocabulary import RestrictionKind
from upstander.org.models import Person
from upstander.safeguarding.models import Restriction
from upstander.services import Services

pytestmark = pytest.mark.clock


def restrict(services: Services, clock: FakeClock, imposer: Any, start: int, count: int) -> list[str]:
    """`count` entries, one a person (NS08800 + n); entry n's review is due n - 2 days from today
    (so the first two are overdue), every other a suspension about corruption. Their staff numbers."""
    numbers = []
    today = clock.today()
    with services.database.transaction() as session:
        for n in range(start, start + count):
            person = Person(
                staff_number=f"NS08{800 + n}", given_name="Jo", family_name=f"Example{n}", rank="PC"
            )
            session.add(person)
            session.flush()
            session.add(
                Restriction(
                    person_id=person.id,
                    kind=RestrictionKind.SUSPENDED if n % 2 else RestrictionKind.RESTRICTED_DUTIES,
                    category="corruption" if n % 2 else "bullying",
                    reasons="Pending an investigation.",
                    redeployment_considered="Considered: not enough." if n % 2 else None,
                    starts_on=today - timedelta(days=30 - n),
                    review_due=today + timedelta(days=n - 2),
                    imposed_by_id=imposer.user_id,
                )
            )
            numbers.append(person.staff_number)
    return numbers


def register(client: TestClient, headers: dict[str, str], **query: Any) -> Any:
    response = client.get("/api/v1/restrictions", headers=headers, params=query)
    assert response.status_code == 200, response.text
    return response


def numbers_in(response: Any) -> list[str]:
    return [entry["person"]["staff_number"] for entry in response.json()]


def test_paging_through_the_register_gives_every_entry_once_in_any_sort(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    welfare = staff.user("welfare", [Role.WELFARE])
    numbers = restrict(services, clock, welfare, 0, 5)
    headers = staff.api_headers(client, welfare)
    assert numbers_in(register(client, headers)) == numbers  # the earliest review first
    for sort in ["review", "-review", "since", "-kind", "category", "person", "-person"]:
        seen: list[str] = []
        cursor = None
        while True:
            response = register(client, headers, sort=sort, limit=2, **({"cursor": cursor} if cursor else {}))
            assert response.headers["x-total-count"] == "5"
            seen += numbers_in(response)
            cursor = response.headers.get("x-next-cursor")
            if cursor is None:
                break
        assert sorted(seen) == sorted(numbers), sort
        assert len(seen) == len(set(seen)), sort


def test_the_register_is_searched_and_filtered(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    welfare = staff.user("welfare", [Role.WELFARE])
    numbers = restrict(services, clock, welfare, 0, 6)
    headers = staff.api_headers(client, welfare)

    def found(**query: Any) -> list[str]:
        return numbers_in(register(client, headers, **query))

    assert found(q=numbers[3].lower()) == [numbers[3]]
    assert found(kind="suspended") == numbers[1::2]
    assert found(category="bullying") == numbers[0::2]
    assert found(due="overdue") == numbers[:2]
    assert found(due="soon") == numbers[2:]
    for bad in ({"kind": "exile"}, {"due": "someday"}, {"cursor": "AAAA"}, {"sort": "secret"}):
        assert client.get("/api/v1/restrictions", headers=headers, params=bad).status_code == 422, bad


def test_the_register_page_filters_and_pages_with_plain_links(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    welfare = staff.user("welfare", [Role.WELFARE])
    numbers = restrict(services, clock, welfare, 0, 3)
    sign_in(client, clock, welfare)
    first = client.get("/staff/restrictions", params={"limit": 2})
    assert first.status_code == 200
    assert numbers[0] in first.text
    assert numbers[2] not in first.text
    next_link = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert numbers[2] in client.get(next_link).text
    overdue = client.get("/staff/restrictions", params={"due": "overdue"}).text
    assert "2 matching entries" in overdue
    assert numbers[2] not in overdue


def test_the_register_sends_as_many_statements_for_30_entries_as_for_3(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    welfare = staff.user("welfare", [Role.WELFARE])
    counts: dict[str, list[int]] = {"api": [], "page": []}
    made = 0
    for size in (3, 30):
        made += len(restrict(services, clock, welfare, made, size - made))
        headers = staff.api_headers(client, welfare)
        with counting(services.database.engine) as statements:
            assert len(register(client, headers).json()) == size
        counts["api"].append(statements.count)
        sign_in(client, clock, welfare)
        with counting(services.database.engine) as statements:
            assert client.get("/staff/restrictions").status_code == 200
        counts["page"].append(statements.count)
    for route, (small, large) in counts.items():
        assert small == large, (route, counts)
