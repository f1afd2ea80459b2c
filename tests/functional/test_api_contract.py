"""The API answers as /openapi.json says it does: schemathesis, every check, zero failures."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from common.contract import run_contract
from common.reports import report_json
from common.staff import Staff
from upstander.accounts.models import Role


@pytest.fixture
def backend() -> str:
    return "sqlite"


def test_the_api_keeps_to_its_schema(client: TestClient, staff: Staff) -> None:
    everyone = staff.user("contract", list(Role))
    staff_headers = staff.api_headers(client, everyone)
    receipt = client.post("/api/v1/reports", json=report_json()).json()
    session = client.post("/api/v1/reporter/session", json={"receipt_key": receipt["receipt_key"]})
    reporter_headers = {"authorization": f"Bearer {session.json()['token']}"}

    runs = [
        run_contract(client.app, "no token"),
        run_contract(client.app, "staff token", staff_headers),
        run_contract(client.app, "reporter token", reporter_headers),
    ]
    for run in runs:
        print(run.summary())
    assert [(run.label, run.failures, run.errors) for run in runs] == [
        (run.label, [], []) for run in runs
    ]
