"""The early-intervention flags a handler works from: searched, filtered, sorted and keyset-paged in the
page and the API alike, with the same number of statements for 30 flags as for 3."""

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
from upstander.org.models import Person
from upstander.patterns.models import FlagStatus, InterventionFlag
from upstander.services import Services

pytestmark = pytest.mark.clock

RULES = ("sexual_or_domestic_in_five_years", "three_in_twelve_months")


def raise_flags(services: Services, clock: FakeClock, start: int, count: int) -> list[str]:
    """`count` open flags an hour apart, each on a person of its own (NS09000 + n); their staff numbers."""
    numbers = []
    with services.database.transaction() as session:
        for n in range(start, start + count):
            person = Person(
                staff_number=f"NS09{n:03d}", given_name="Sam", family_name=f"Example{n}", rank="PC"
            )
            session.add(person)
            session.flush()
            session.add(
                InterventionFlag(
                    person_id=person.id,
                    rule_id=RULES[n % 2],
                    rule_title=f"Rule {RULES[n % 2]}",
                    pack_id="england-wales",
                    pack_version="2026.1",
                    raised_at=clock() + timedelta(hours=n),
                    raised_by="scan",
                    allegation_ids=[],
                    detail="",
                    status=FlagStatus.OPEN,
                )
            )
            numbers.append(person.staff_number)
    return numbers


def flags(client: TestClient, headers: dict[str, str], **query: Any) -> Any:
    response = client.get("/api/v1/intervention-flags", headers=headers, params=query)
    assert response.status_code == 200, response.text
    return response


def test_paging_through_the_flags_gives_every_flag_once_in_any_sort(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    raise_flags(services, clock, 0, 5)
    headers = staff.api_headers(client, staff.handler())
    newest_first = [f["id"] for f in flags(client, headers).json()["flags"]]
    assert len(newest_first) == 5
    for sort in ["raised", "-raised", "person", "-person", "rule", "status"]:
        seen: list[str] = []
        cursor = None
        while True:
            response = flags(client, headers, sort=sort, limit=2, **({"cursor": cursor} if cursor else {}))
            assert response.headers["x-total-count"] == "5"
            assert response.json()["total"] == 5
            seen += [f["id"] for f in response.json()["flags"]]
            cursor = response.headers.get("x-next-cursor")
            assert cursor == response.json()["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(newest_first), sort
        assert len(seen) == len(set(seen)), sort
    assert [f["id"] for f in flags(client, headers, sort="raised").json()["flags"]] == newest_first[::-1]


def test_the_flags_are_searched_by_staff_number_and_filtered_by_rule(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    numbers = raise_flags(services, clock, 0, 4)
    headers = staff.api_headers(client, staff.handler())
    [found] = flags(client, headers, q=numbers[2].lower()).json()["flags"]
    assert numbers[2] in found["person"]
    by_rule = flags(client, headers, rule=RULES[1]).json()
    assert by_rule["total"] == 2
    assert {f["rule_id"] for f in by_rule["flags"]} == {RULES[1]}
    assert flags(client, headers, status="answered").json()["total"] == 0
    for bad in ({"cursor": "AAAA"}, {"sort": "secret"}, {"limit": 0}):
        assert client.get("/api/v1/intervention-flags", headers=headers, params=bad).status_code == 422


def test_the_flags_page_searches_sorts_and_pages_with_plain_links(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    numbers = raise_flags(services, clock, 0, 3)
    sign_in(client, clock, staff.handler())
    first = client.get("/staff/intervention-flags", params={"sort": "person", "limit": 2})
    assert numbers[0] in first.text
    assert numbers[2] not in first.text
    next_link = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = client.get(next_link)
    assert numbers[2] in second.text
    assert numbers[0] not in second.text
    searched = client.get("/staff/intervention-flags", params={"q": numbers[1]})
    assert numbers[1] in searched.text
    assert numbers[0] not in searched.text


def test_the_flags_send_as_many_statements_for_30_flags_as_for_3(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    decider = staff.user("decider", [Role.DECISION_MAKER])
    counts: dict[str, list[int]] = {"api": [], "page": []}
    raised = 0
    for size in (3, 30):
        raised += len(raise_flags(services, clock, raised, size - raised))
        headers = staff.api_headers(client, decider)
        with counting(services.database.engine) as statements:
            assert flags(client, headers).json()["total"] == size
        counts["api"].append(statements.count)
        sign_in(client, clock, decider)
        with counting(services.database.engine) as statements:
            assert client.get("/staff/intervention-flags").status_code == 200
        counts["page"].append(statements.count)
    for route, (small, large) in counts.items():
        assert small == large, (route, counts)
