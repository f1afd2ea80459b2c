"""Two people at once, through the real app over real HTTP: one wins, the other hears why.

Each race is run 15 times: two threads meet at a barrier, then send their requests together to
the app served by uvicorn. Afterwards there is no 5xx, exactly one success per round, no case
without a report, one acknowledgement per report, and the audit chain still verifies.

The races are PostgreSQL's: several app processes share it and its transactions interleave.
On SQLite every transaction begins with BEGIN IMMEDIATE (see `db.py`), so two writers queue and
these races cannot happen; the same rounds run there too (about ten seconds), so the answers
stay the same on both and a change to that begin would be caught.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from common.live_server import serving
from common.reports import submission
from common.staff import Staff
from common.staff import TestUser as StaffUser
from upstander.accounts.models import Role
from upstander.app import create_app
from upstander.audit import service as audit_service
from upstander.audit.models import AuditEntry
from upstander.cases.models import Case
from upstander.reports.models import Message, Report
from upstander.services import Services

ROUNDS = 15

Call = Callable[[httpx.Client], httpx.Response]


@dataclass
class Tally:
    """What the rounds of one race answered."""

    pairs: Counter[tuple[int, int]] = field(default_factory=Counter)
    server_errors: int = 0
    rounds_without_one_winner: int = 0
    losers: list[httpx.Response] = field(default_factory=list)

    def add(self, first: httpx.Response, second: httpx.Response) -> None:
        self.pairs[tuple(sorted((first.status_code, second.status_code)))] += 1  # type: ignore[arg-type]
        self.server_errors += sum(r.status_code >= 500 for r in (first, second))
        winners = [r for r in (first, second) if r.is_success]
        if len(winners) != 1:
            self.rounds_without_one_winner += 1
        self.losers += [r for r in (first, second) if not r.is_success]

    def __str__(self) -> str:
        pairs = ", ".join(f"{a}+{b}: {n}" for (a, b), n in sorted(self.pairs.items()))
        return (
            f"{pairs}; 5xx answers {self.server_errors}; "
            f"rounds without exactly one winner {self.rounds_without_one_winner} of {ROUNDS}"
        )


class Racers:
    """Two threads, each with its own HTTP client, released together by a barrier."""

    def __init__(self, base: str) -> None:
        self._base = base
        self._local = threading.local()
        self._clients: list[httpx.Client] = []
        self._pool = ThreadPoolExecutor(max_workers=2)

    def _client(self) -> httpx.Client:
        if not hasattr(self._local, "client"):
            self._local.client = httpx.Client(base_url=self._base, timeout=30)
            self._clients.append(self._local.client)
        client: httpx.Client = self._local.client
        return client

    def race(self, first: Call, second: Call) -> tuple[httpx.Response, httpx.Response]:
        barrier = threading.Barrier(2, timeout=10)

        def go(call: Call) -> httpx.Response:
            client = self._client()
            barrier.wait()
            return call(client)

        one, two = self._pool.submit(go, first), self._pool.submit(go, second)
        return one.result(timeout=60), two.result(timeout=60)

    def close(self) -> None:
        self._pool.shutdown()
        for client in self._clients:
            client.close()


@dataclass
class Team:
    sam: StaffUser
    priya: StaffUser
    ade: StaffUser
    headers: dict[str, dict[str, str]]

    def of(self, user: StaffUser) -> dict[str, str]:
        return self.headers[user.username]


@pytest.fixture
def team(client: TestClient, staff: Staff) -> Team:
    sam = staff.handler("sam okoye")
    # A handler who is also a decision maker holds every case's key, so can act on Sam's cases.
    priya = staff.user("priya shah", [Role.HANDLER, Role.DECISION_MAKER])
    ade = staff.handler("ade bello")
    headers = {user.username: staff.api_headers(client, user) for user in (sam, priya, ade)}
    return Team(sam, priya, ade, headers)


@pytest.fixture
def racers(services: Services) -> Iterator[Racers]:
    with serving(create_app(services=services)) as base:
        racing = Racers(base)
        try:
            yield racing
        finally:
            racing.close()


def post(path: str, headers: dict[str, str], body: dict[str, object]) -> Call:
    return lambda client: client.post(path, headers=headers, json=body)


def new_report(services: Services) -> str:
    return str(services.reports.submit(submission("Two of us saw the same thing.")).report_id)


def open_case(client: TestClient, team: Team, report_id: str) -> str:
    opened = client.post("/api/v1/cases", headers=team.of(team.sam), json={"report_ids": [report_id]})
    assert opened.status_code == 201, opened.text
    case_id: str = opened.json()["id"]
    return case_id


def case_etag(client: TestClient, team: Team, case_id: str) -> dict[str, str]:
    """The version the person saw, as If-Match (empty where the app sends no ETag)."""
    etag = client.get(f"/api/v1/cases/{case_id}", headers=team.of(team.sam)).headers.get("etag")
    return {"if-match": etag} if etag else {}


def orphaned_cases(services: Services) -> int:
    with services.database.transaction() as session:
        holding = select(Report.id).where(Report.case_id == Case.id).exists()
        return session.scalar(select(func.count()).select_from(Case).where(~holding)) or 0


def audit_verifies(services: Services) -> bool:
    return audit_service.verify(services.database, services.audit.public_key).ok


def test_two_handlers_open_a_case_from_the_same_report(
    client: TestClient, services: Services, team: Team, racers: Racers
) -> None:
    tally = Tally()
    for _ in range(ROUNDS):
        report_id = new_report(services)
        tally.add(
            *racers.race(
                post("/api/v1/cases", team.of(team.sam), {"report_ids": [report_id]}),
                post("/api/v1/cases", team.of(team.priya), {"report_ids": [report_id]}),
            )
        )
    orphans = orphaned_cases(services)
    assert (tally.server_errors, tally.rounds_without_one_winner, orphans) == (0, 0, 0), (
        f"{tally}; orphaned cases {orphans}"
    )
    for loser in tally.losers:
        assert loser.status_code == 409
        assert loser.headers["content-type"] == "application/problem+json"
        assert "was put into case C-" in loser.json()["detail"]
        assert loser.json()["detail"].split(" by ")[1].split(" ")[0] in {"Sam", "Priya"}
    assert audit_verifies(services)


def test_two_handlers_acknowledge_the_same_report(
    client: TestClient, services: Services, team: Team, racers: Racers
) -> None:
    tally = Tally()
    report_ids = []
    for _ in range(ROUNDS):
        report_id = new_report(services)
        report_ids.append(report_id)
        tally.add(
            *racers.race(
                post(f"/api/v1/reports/{report_id}/acknowledge", team.of(team.sam), {}),
                post(f"/api/v1/reports/{report_id}/acknowledge", team.of(team.priya), {}),
            )
        )
    with services.database.transaction() as session:
        acknowledgements = Counter(
            session.scalars(select(AuditEntry.subject_id).where(AuditEntry.action == "report.acknowledged"))
        )
        messages = Counter(str(r) for r in session.scalars(select(Message.report_id)))
    twice = sum(acknowledgements[r] > 1 or messages[r] > 1 for r in report_ids)
    assert (tally.server_errors, tally.rounds_without_one_winner, twice) == (0, 0, 0), (
        f"{tally}; reports acknowledged twice {twice}"
    )
    for loser in tally.losers:
        assert loser.status_code == 409
        assert "already acknowledged by" in loser.json()["detail"]
    assert audit_verifies(services)


def step(user: StaffUser, team: Team, case_id: str, kind: str, seen: dict[str, str], **fields: str) -> Call:
    return post(f"/api/v1/cases/{case_id}/steps/{kind}", {**team.of(user), **seen}, fields)


ALLEGATION = {"standard": "discreditable_conduct", "summary": "What was alleged."}


def test_two_different_steps_on_one_case(
    client: TestClient, services: Services, team: Team, racers: Racers
) -> None:
    """Each person acts on the version they saw: the second step to arrive was chosen on a case
    that has changed since, so it is refused with what changed, not taken blind."""
    tally = Tally()
    for _ in range(ROUNDS):
        case_id = open_case(client, team, new_report(services))
        seen = case_etag(client, team, case_id)
        tally.add(
            *racers.race(
                step(team.sam, team, case_id, "acknowledge", seen),
                step(team.priya, team, case_id, "add_allegation", seen, **ALLEGATION),
            )
        )
    assert (tally.server_errors, tally.rounds_without_one_winner) == (0, 0), str(tally)
    for loser in tally.losers:
        assert loser.status_code == 412
        assert "changed" in loser.json()["detail"]
    assert audit_verifies(services)


def test_the_same_step_twice_on_one_case(
    client: TestClient, services: Services, team: Team, racers: Racers
) -> None:
    """Without If-Match: the case is locked, so the second is judged on the case as the first left it."""
    tally = Tally()
    for _ in range(ROUNDS):
        case_id = open_case(client, team, new_report(services))
        tally.add(
            *racers.race(
                step(team.sam, team, case_id, "acknowledge", {}),
                step(team.priya, team, case_id, "acknowledge", {}),
            )
        )
    assert (tally.server_errors, tally.rounds_without_one_winner) == (0, 0), str(tally)
    for loser in tally.losers:
        assert loser.status_code == 409
        assert "got there first, a moment ago: “Report acknowledged”" in loser.json()["detail"]
    assert audit_verifies(services)


def test_a_reassignment_racing_a_step(
    client: TestClient, services: Services, team: Team, racers: Racers
) -> None:
    tally = Tally()
    for _ in range(ROUNDS):
        case_id = open_case(client, team, new_report(services))
        seen = case_etag(client, team, case_id)
        tally.add(
            *racers.race(
                post(
                    f"/api/v1/cases/{case_id}/handler",
                    {**team.of(team.priya), **seen},
                    {"handler_id": str(team.ade.user_id)},
                ),
                step(team.sam, team, case_id, "add_allegation", seen, **ALLEGATION),
            )
        )
    assert (tally.server_errors, tally.rounds_without_one_winner) == (0, 0), str(tally)
    for loser in tally.losers:
        assert loser.status_code == 412
        assert " by " in loser.json()["detail"]
    assert audit_verifies(services)
