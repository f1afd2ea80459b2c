"""The audit trail as the overseer reads it: filters, pages, CSV, whether the chain verifies up to
each entry and which signed checkpoint covers it; every reading recorded; nobody else reads it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from common import staff as staff_helpers
from common.clock import FakeClock
from common.pages import sign_in
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.audit.models import AuditEntry
from upstander.services import Services


@pytest.fixture
def people(staff: Staff) -> dict[str, staff_helpers.TestUser]:
    return {
        "admin": staff.user("admin", [Role.ADMIN]),
        "overseer": staff.overseer(),
        "handler": staff.handler(),
    }


def disable_and_enable(
    client: TestClient, staff: Staff, people: dict[str, staff_helpers.TestUser], times: int = 1
) -> None:
    headers = staff.api_headers(client, people["admin"])
    for _ in range(times):
        for step, reason in (("disable", "Lost the phone."), ("enable", "Found it.")):
            answer = client.post(
                f"/api/v1/users/{people['handler'].user_id}/{step}", headers=headers, json={"reason": reason}
            )
            assert answer.is_success, answer.text


def test_the_overseer_finds_a_disabling_by_action_actor_and_account_and_the_reading_is_recorded(
    client: TestClient, staff: Staff, services: Services, people: dict[str, staff_helpers.TestUser]
) -> None:
    disable_and_enable(client, staff, people)
    headers = staff.api_headers(client, people["overseer"])
    for query in (
        {"action": "user.disabled"},
        {"actor": "admin", "action": "user.disabled"},
        {"account": "handler", "action": "user.disabled"},
    ):
        found = client.get("/api/v1/audit", headers=headers, params=query)
        assert found.status_code == 200, found.text
        entries = found.json()["entries"]
        assert [(e["action"], e["actor_name"], e["details"]["reason"]) for e in entries] == [
            ("user.disabled", "admin", "Lost the phone.")
        ], query
        assert entries[0]["subject_id"] == str(people["handler"].user_id)
        assert entries[0]["chain_verified"] is True
    account = client.get("/api/v1/audit", headers=headers, params={"account": "handler", "action": "user."})
    assert [e["action"] for e in account.json()["entries"]] == [
        "user.enabled",
        "user.disabled",
        "user.created",
    ]
    with services.database.transaction() as session:
        readings = session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "audit.viewed").order_by(AuditEntry.seq)
        ).all()
    assert [reading["filters"] for reading in readings] == [
        {"action": "user.disabled"},
        {"actor": "admin", "action": "user.disabled"},
        {"account": "handler", "action": "user.disabled"},
        {"account": "handler", "action": "user."},
    ]
    assert readings[0]["shown"] == 1


def test_pages_of_the_trail_follow_each_other_and_name_their_checkpoints(
    client: TestClient, staff: Staff, services: Services, people: dict[str, staff_helpers.TestUser]
) -> None:
    disable_and_enable(client, staff, people, times=6)
    headers = staff.api_headers(client, people["overseer"])
    seen: list[int] = []
    before = None
    pages = 0
    while True:
        params = {"limit": 7, **({"before": before} if before else {})}
        page = client.get("/api/v1/audit", headers=headers, params=params).json()
        pages += 1
        seen += [entry["seq"] for entry in page["entries"]]
        assert all(entry["chain_verified"] for entry in page["entries"])
        for entry in page["entries"]:
            # Checkpoints are signed every 10 entries in the tests.
            expected = -(-entry["seq"] // 10) * 10
            assert entry["signed_checkpoint"] == (expected if expected <= page["last_checkpoint"] else None)
        before = page["next_before"]
        if before is None:
            break
    assert page["chain_ok"] is True
    assert page["last_checkpoint"] is not None
    assert page["last_checkpoint"] % 10 == 0
    # Every entry once, newest first, over several pages (the readings themselves add entries
    # newer than the first page, so they do not appear in it).
    assert seen == sorted(set(seen), reverse=True)
    assert seen[-1] == 1
    assert pages >= 3
    assert len(seen) == seen[0]


def test_a_tampered_entry_shows_where_the_chain_stops_verifying(
    client: TestClient, staff: Staff, services: Services, people: dict[str, staff_helpers.TestUser]
) -> None:
    disable_and_enable(client, staff, people)
    with services.database.transaction() as session:
        target = session.scalars(select(AuditEntry.seq).where(AuditEntry.action == "user.disabled")).one()
        session.execute(
            update(AuditEntry).where(AuditEntry.seq == target).values(details={"reason": "Nothing happened."})
        )
    page = client.get("/api/v1/audit", headers=staff.api_headers(client, people["overseer"])).json()
    assert page["chain_ok"] is False
    assert f"BROKEN at entry {target}" in page["chain_verdict"]
    verified = {entry["seq"]: entry["chain_verified"] for entry in page["entries"]}
    assert {seq for seq, ok in verified.items() if not ok} == {seq for seq in verified if seq >= target}
    assert verified[target - 1] is True


def test_filters_by_date_and_refuses_what_cannot_be_a_filter(
    client: TestClient,
    staff: Staff,
    services: Services,
    clock: FakeClock,
    people: dict[str, staff_helpers.TestUser],
) -> None:
    today = clock().date()
    clock.advance(days=2)
    disable_and_enable(client, staff, people)
    headers = staff.api_headers(client, people["overseer"])
    later = clock().date()
    # An empty day, as a form sends it, is no filter.
    unfiltered = client.get("/api/v1/audit", headers=headers, params={"since": "", "until": ""})
    assert unfiltered.status_code == 200
    on_the_day = client.get(
        "/api/v1/audit", headers=headers, params={"since": later.isoformat(), "until": later.isoformat()}
    ).json()["entries"]
    assert {"user.disabled", "user.enabled"} <= {entry["action"] for entry in on_the_day}
    assert "user.created" not in {entry["action"] for entry in on_the_day}
    before = client.get(
        "/api/v1/audit", headers=headers, params={"until": (later - timedelta(days=1)).isoformat()}
    ).json()["entries"]
    assert {entry["action"] for entry in before} >= {"user.created"}
    assert not {"user.disabled", "user.enabled"} & {entry["action"] for entry in before}
    assert all(entry["at"][:10] <= today.isoformat() for entry in before)
    for params in (
        {"case_id": "not-a-case"},
        {"actor": "nobody-by-this-name"},
        {"since": later.isoformat(), "until": today.isoformat()},
        {"since": "2026-13-01"},
    ):
        refused = client.get("/api/v1/audit", headers=headers, params=params)
        assert refused.status_code == 422, params


def test_the_csv_export_has_every_matching_entry_and_is_recorded(
    client: TestClient, staff: Staff, services: Services, people: dict[str, staff_helpers.TestUser]
) -> None:
    disable_and_enable(client, staff, people, times=2)
    exported = client.get(
        "/api/v1/audit/export.csv",
        headers=staff.api_headers(client, people["overseer"]),
        params={"account": "handler", "action": "user."},
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row["action"] for row in rows] == [
        "user.enabled",
        "user.disabled",
        "user.enabled",
        "user.disabled",
        "user.created",
    ]
    assert {row["chain_verified"] for row in rows} == {"yes"}
    assert rows[1]["actor_name"] == "admin"
    assert '"reason": "Lost the phone."' in rows[1]["details"]
    with services.database.transaction() as session:
        recorded = session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "audit.exported")
        ).all()
    assert recorded == [{"filters": {"account": "handler", "action": "user."}}]


def test_only_the_overseer_reads_the_trail(
    client: TestClient, staff: Staff, services: Services, people: dict[str, staff_helpers.TestUser]
) -> None:
    for name in ("admin", "handler"):
        headers = staff.api_headers(client, people[name])
        assert client.get("/api/v1/audit", headers=headers).status_code == 403
        assert client.get("/api/v1/audit/export.csv", headers=headers).status_code == 403
    with services.database.transaction() as session:
        assert session.scalars(select(AuditEntry).where(AuditEntry.action.startswith("audit."))).all() == []


def test_the_trail_page_shows_the_verdict_and_filters(
    client: TestClient, staff: Staff, clock: FakeClock, people: dict[str, staff_helpers.TestUser]
) -> None:
    disable_and_enable(client, staff, people)
    sign_in(client, clock, people["overseer"], "/staff/audit")
    page = client.get("/staff/audit", params={"action": "user.disabled"})
    assert page.status_code == 200
    assert "The chain verifies." in page.text
    assert page.text.count('class="action">user.disabled<') == 1
    assert "Lost the phone." in page.text
    assert 'href="/staff/audit/export.csv?action=user.disabled"' in page.text
    refused = client.get("/staff/audit", params={"report_id": "nope"})
    assert refused.status_code == 422
    assert "not a report id" in refused.text
    exported = client.get("/staff/audit/export.csv", params={"action": "user.disabled"})
    assert exported.status_code == 200
    assert exported.text.count("user.disabled") == 1
