"""Separation orders made "until the case closes" end when their case closes; others stay in force."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from common.cases import CaseWalk
from common.clock import FakeClock
from common.safeguarding import build_force
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.audit.models import AuditEntry
from upstander.cases.models import Case
from upstander.safeguarding.models import SeparationOrder
from upstander.services import Services

REASONS = "Complainant and subject in a bullying case."


def test_closing_a_case_ends_its_orders_made_until_it_closes(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    build_force(services)
    walk = CaseWalk(client, staff, services, clock)
    with services.database.transaction() as session:
        reference = session.get_one(Case, uuid.UUID(walk.case_id)).reference
    welfare = staff.api_headers(client, staff.user("welfare", [Role.WELFARE]))

    def order(a: str, b: str, end_condition: str, case: str | None = reference) -> str:
        response = client.post(
            "/api/v1/separation-orders",
            headers=welfare,
            json={"person_a": a, "person_b": b, "scope": ["team"], "reasons": REASONS,
                  "end_condition": end_condition, "case_reference": case},
        )  # fmt: skip
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    with_case = order("NS00001", "NS00002", "until the case closes")
    also = order("NS00001", "NS00003", "Until the conclusion of the investigation")
    kept = order("NS00001", "NS00004", "until further notice")
    other_case = order("NS00001", "NS00005", "until the case closes", case=None)

    walk.assessed("no_case_to_answer")
    walk.step(
        walk.dm,
        "propose_closure",
        closure="no_case_to_answer",
        reasons="The account does not show misconduct.",
        reporter_summary="The remark, as you describe it, is not misconduct under the standards.",
    )
    walk.step(walk.dm2, "confirm_closure", note="Agreed.")

    with services.database.transaction() as session:
        orders = {str(o.id): o for o in session.scalars(select(SeparationOrder))}
        ended = session.scalars(select(AuditEntry).where(AuditEntry.action == "separation_order.ended")).all()
    for order_id in (with_case, also):
        assert orders[order_id].ended_at == clock()
        assert orders[order_id].ended_by_id == walk.dm2.user_id
        assert orders[order_id].end_reason is not None
        assert orders[order_id].end_reason.startswith(f"Ended by the closure of case {reference} on ")
    for order_id in (kept, other_case):
        assert orders[order_id].ended_at is None
    assert sorted(str(entry.subject_id) for entry in ended) == sorted([with_case, also])
    assert {entry.details["by"] for entry in ended} == {"case_closed"}
    listed = client.get("/api/v1/separation-orders", headers=welfare).json()
    assert sorted(o["id"] for o in listed) == sorted([kept, other_case])
