"""A person's history, a page at a time: searched by reference, filtered by category and channel,
sorted by each column and keyset-paged, with the same number of statements for 30 allegations as for 3."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from common.clock import FakeClock
from common.pages import sign_in
from common.query_count import counting
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.cases.models import Allegation, Complaint, ComplaintChannel
from upstander.org.models import Person
from upstander.services import Services

pytestmark = pytest.mark.clock


def a_person(services: Services) -> uuid.UUID:
    with services.database.transaction() as session:
        person = Person(staff_number="NS09900", given_name="Alex", family_name="Example", rank="PC")
        session.add(person)
        session.flush()
        return person.id


def allege(services: Services, person_id: uuid.UUID, start: int, count: int) -> list[str]:
    """`count` imported allegations a week apart (every third undated, every other about bullying);
    their record references."""
    references = []
    with services.database.transaction() as session:
        for n in range(start, start + count):
            complaint = Complaint(
                source="test-import",
                source_ref=f"C{n:03d}",
                channel=ComplaintChannel.IMPORT if n % 2 else ComplaintChannel.PUBLIC_COMPLAINT,
                received_on=None if n % 3 == 2 else date(2020, 1, 6) + timedelta(weeks=n),
            )
            session.add(complaint)
            session.flush()
            session.add(
                Allegation(
                    complaint_id=complaint.id,
                    source_ref=f"C{n:03d}/1",
                    category="bullying" if n % 2 else "other",
                    received_on=complaint.received_on,
                    finding="not proven" if n % 4 == 0 else None,
                    person_id=person_id,
                )
            )
            references.append(complaint.source_ref)
    return references


def checkpoints(sent: list[str]) -> int:
    """The audit log signs a checkpoint every so many entries: a statement now and then, not per row."""
    return sum(statement.lstrip().startswith("INSERT INTO audit_checkpoints") for statement in sent)


def history(client: TestClient, headers: dict[str, str], person_id: uuid.UUID, **query: Any) -> Any:
    response = client.get(f"/api/v1/people/{person_id}/history", headers=headers, params=query)
    assert response.status_code == 200, response.text
    return response


def test_paging_through_a_history_gives_every_allegation_once_in_any_sort(
    client: TestClient, staff: Staff, services: Services
) -> None:
    person = a_person(services)
    references = allege(services, person, 0, 7)
    headers = staff.api_headers(client, staff.handler())
    for sort in ["received", "-received", "channel", "-category", "finding", "-finding", "case"]:
        seen: list[str] = []
        cursor = None
        while True:
            response = history(
                client, headers, person, sort=sort, limit=3, **({"cursor": cursor} if cursor else {})
            )
            assert response.headers["x-total-count"] == "7"
            assert response.json()["total"] == 7
            seen += [e["source_ref"] for e in response.json()["entries"]]
            cursor = response.headers.get("x-next-cursor")
            if cursor is None:
                break
        assert sorted(seen) == sorted(references), sort
        assert len(seen) == len(set(seen)), sort
    oldest_first = [e["source_ref"] for e in history(client, headers, person).json()["entries"]]
    undated = [r for n, r in enumerate(references) if n % 3 == 2]
    assert oldest_first[: len(undated)] == undated
    assert oldest_first[len(undated) :] == [r for r in references if r not in undated]


def test_a_history_is_searched_and_filtered(client: TestClient, staff: Staff, services: Services) -> None:
    person = a_person(services)
    references = allege(services, person, 0, 4)
    headers = staff.api_headers(client, staff.handler())

    def found(**query: Any) -> list[str]:
        return [e["source_ref"] for e in history(client, headers, person, **query).json()["entries"]]

    assert found(q=references[1].lower()) == [references[1]]
    assert found(q=f"{references[2]}/1") == [references[2]]
    assert found(category="bullying") == [references[1], references[3]]
    assert sorted(found(channel="public_complaint")) == [references[0], references[2]]
    for bad in ({"channel": "pigeon"}, {"cursor": "AAAA"}, {"sort": "secret"}):
        response = client.get(f"/api/v1/people/{person}/history", headers=headers, params=bad)
        assert response.status_code == 422, bad


def test_the_history_page_searches_sorts_and_pages_with_plain_links(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    person = a_person(services)
    references = allege(services, person, 0, 3)
    sign_in(client, clock, staff.handler())
    first = client.get(f"/staff/people/{person}", params={"sort": "-channel", "limit": 2})
    assert first.status_code == 200
    assert '<strong id="allegation-count">3</strong>' in first.text
    next_link = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = client.get(next_link)
    shown = [r for r in references if f">{r}</span></td>" in first.text + second.text]
    assert sorted(shown) == references
    searched = client.get(f"/staff/people/{person}", params={"q": references[0]})
    assert references[0] in searched.text
    assert references[1] not in searched.text


def test_the_history_sends_as_many_statements_for_30_allegations_as_for_3(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    decider = staff.user("decider", [Role.DECISION_MAKER])
    person = a_person(services)
    counts: dict[str, list[int]] = {"api": [], "page": []}
    alleged = 0
    for size in (3, 30):
        alleged += len(allege(services, person, alleged, size - alleged))
        headers = staff.api_headers(client, decider)
        with counting(services.database.engine) as statements:
            assert history(client, headers, person).json()["total"] == size
        counts["api"].append(statements.count - checkpoints(statements.sent))
        sign_in(client, clock, decider)
        with counting(services.database.engine) as statements:
            assert client.get(f"/staff/people/{person}").status_code == 200
        counts["page"].append(statements.count - checkpoints(statements.sent))
    for route, (small, large) in counts.items():
        assert small == large, (route, counts)
