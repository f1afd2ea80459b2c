"""An anonymous reporter's address and browser are stored nowhere, logs included."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select

from common.reports import report_json
from common.staff import Staff
from upstander.db import Base
from upstander.services import Services

DISTINCTIVE_AGENT = "Mozilla/5.0 (X11; Linux x86_64) TraceableBrowser/99.7"
DISTINCTIVE_ADDRESS = "203.0.113.77"


def test_no_address_or_user_agent_in_logs_or_database(
    client: TestClient, staff: Staff, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    staff.handler()
    headers = {
        "user-agent": DISTINCTIVE_AGENT,
        "x-forwarded-for": DISTINCTIVE_ADDRESS,
        "x-real-ip": DISTINCTIVE_ADDRESS,
    }
    with caplog.at_level(logging.DEBUG):
        receipt = client.post("/api/v1/reports", json=report_json(), headers=headers).json()
        client.post("/api/v1/reporter/session", json={"receipt_key": receipt["receipt_key"]}, headers=headers)
        client.get("/report", headers=headers)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "POST /api/v1/reports 201" in logged, "the request log must be on, or this proves nothing"
    for trace in (DISTINCTIVE_AGENT, "TraceableBrowser", DISTINCTIVE_ADDRESS, "testclient"):
        assert trace not in logged

    with services.database.transaction() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).all():
                text = " ".join(str(value) for value in row)
                assert "TraceableBrowser" not in text, table.name
                assert DISTINCTIVE_ADDRESS not in text, table.name


def test_no_table_has_a_column_for_addresses_or_user_agents(services: Services) -> None:
    inspector = inspect(services.database.engine)
    for table in inspector.get_table_names():
        for column in inspector.get_columns(table):
            words = set(column["name"].lower().split("_"))
            assert not words & {"ip", "address", "agent", "useragent", "remote", "client", "host"}, (
                f"{table}.{column['name']}"
            )
