"""SQLite held by another program (a backup, a migration, the sqlite3 shell left in a
transaction) for longer than the busy timeout: 503 and "try again in a minute", never a 500, and
the report goes in once when the lock is released and it is sent again."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from common.clock import FakeClock
from common.pages import form_fields
from common.reports import report_json
from common.sqlite_lock import impatient_services, other_program
from common.staff import Staff
from upstander.app import create_app
from upstander.config import Settings
from upstander.reports.models import Report
from upstander.services import Services


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def impatient(settings: Settings, database_url: str, clock: FakeClock) -> Iterator[Services]:
    with impatient_services(settings, database_url, clock) as services:
        yield services


@pytest.fixture
def held_lock(database_url: str) -> Iterator[sqlite3.Connection]:
    with other_program(database_url) as other:
        yield other


def count_reports(services: Services) -> int:
    with services.database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Report)) or 0)


def test_a_locked_sqlite_file_answers_503_and_the_retry_is_stored_once(
    impatient: Services,
    services: Services,
    staff: Staff,
    held_lock: sqlite3.Connection,
    caplog: pytest.LogCaptureFixture,
) -> None:
    staff.handler()
    headers = {"Idempotency-Key": "locked-file-retry"}
    with TestClient(create_app(services=impatient), base_url="https://testserver") as client:
        held_lock.execute("BEGIN IMMEDIATE")
        refused = client.post("/api/v1/reports", json=report_json(), headers=headers)
        held_lock.execute("ROLLBACK")
        stored = client.post("/api/v1/reports", json=report_json(), headers=headers)
        replayed = client.post("/api/v1/reports", json=report_json(), headers=headers)

    assert refused.status_code == 503
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "60"
    assert refused.json()["code"] == "database_unavailable"
    assert stored.status_code == 201
    assert replayed.status_code == 200
    assert replayed.json() == stored.json()
    assert count_reports(services) == 1
    [line] = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert line.getMessage() == (
        "database unavailable: POST /api/v1/reports answered 503 (OperationalError: database is locked)"
    )
    assert line.exc_info is None


def test_the_report_form_sent_to_a_locked_file_keeps_what_was_typed(
    impatient: Services, services: Services, staff: Staff, held_lock: sqlite3.Connection
) -> None:
    staff.handler()
    statement = "It was my sergeant.\nHe said nobody would believe me."
    with TestClient(create_app(services=impatient), base_url="https://testserver") as client:
        sent = dict(form_fields(client.get("/report").text, "/report"))
        sent |= {"category": "bullying", "relation": "victim", "what_happened": statement, "where": "Yard"}
        held_lock.execute("BEGIN IMMEDIATE")
        refused = client.post("/report", data=sent)
        held_lock.execute("ROLLBACK")
        kept = dict(form_fields(refused.text, "/report"))
        again = client.post("/report", data=kept)

    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "60"
    assert "Please try again in a minute." in refused.text
    assert (kept["what_happened"], kept["where"], kept["category"]) == (statement, "Yard", "bullying")
    assert again.status_code == 201
    assert count_reports(services) == 1
