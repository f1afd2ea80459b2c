"""The API answers as /openapi.json says it does: schemathesis, every check, zero failures.

Run with `-s` to see each run's operations, cases and failures (common/contract.py says how the
runs are set up: seed, examples per operation, derandomised generation).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from common.contract import run_contract, secured_by
from common.reports import report_json
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.web.openapi import REPORTER_BEARER, STAFF_BEARER


@pytest.fixture
def backend() -> str:
    # What is checked here is the HTTP layer (statuses, media types, headers, schemas), the same on
    # either database; the database-specific answers (503 on an outage) have their own tests.
    # Run once, it stays within about a minute on a busy 2-core machine.
    return "sqlite"


def test_the_api_keeps_to_its_schema(client: TestClient, staff: Staff) -> None:
    everyone = staff.user("contract", list(Role))
    receipt = client.post("/api/v1/reports", json=report_json()).json()

    def reporter_token() -> str:
        session = client.post("/api/v1/reporter/session", json={"receipt_key": receipt["receipt_key"]})
        token: str = session.json()["token"]
        return token

    # A token is sent only to the operations that name its scheme, so a run with a token tests
    # just those. A sign-out ends the session it is sent with: each runs alone, on its own session.
    described = client.app.openapi()
    staff_sign_out, reporter_sign_out = "DELETE /api/v1/auth/token", "DELETE /api/v1/reporter/session"
    staff_operations = [name for name in secured_by(described, STAFF_BEARER) if name != staff_sign_out]
    reporter_operations = [
        name for name in secured_by(described, REPORTER_BEARER) if name != reporter_sign_out
    ]
    runs = [
        run_contract(client.app, "no token"),
        run_contract(
            client.app,
            "staff token",
            {STAFF_BEARER: staff.api_token(client, everyone)},
            only=staff_operations,
        ),
        run_contract(
            client.app,
            "staff sign-out",
            {STAFF_BEARER: staff.api_token(client, everyone)},
            only=[staff_sign_out],
        ),
        run_contract(
            client.app, "reporter token", {REPORTER_BEARER: reporter_token()}, only=reporter_operations
        ),
        run_contract(
            client.app, "reporter sign-out", {REPORTER_BEARER: reporter_token()}, only=[reporter_sign_out]
        ),
    ]
    for run in runs:
        print(run.summary())
    assert [(run.label, run.failures, run.errors) for run in runs] == [(run.label, [], []) for run in runs]
