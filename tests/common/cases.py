"""Walking a case through the misconduct process over the API, as the people who do it."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from common.clock import PACK_ZONE, FakeClock
from common.reports import report_json
from common.staff import Staff, TestUser
from upstander.accounts.models import Role
from upstander.org.models import Person
from upstander.reports.models import Report
from upstander.services import Services


class CaseWalk:
    """One report by a reporter, a case opened from it, and the staff who work it."""

    def __init__(
        self,
        client: TestClient,
        staff: Staff,
        services: Services,
        clock: FakeClock,
        *,
        category: str = "bullying",
    ) -> None:
        self.client, self.staff, self.services, self.clock = client, staff, services, clock
        self.received_at = clock.now
        self.handler = staff.handler()
        self.dm = staff.user("decision", [Role.DECISION_MAKER])
        self.dm2 = staff.user("decision2", [Role.DECISION_MAKER])
        self.overseer = staff.overseer()
        self.investigator = staff.user("investigator", [Role.INVESTIGATOR])
        with services.database.transaction() as session:
            session.add(
                Person(
                    staff_number="NS04242",
                    given_name="Gareth",
                    family_name="Example",
                    rank="Police Constable",
                    date_of_birth=date(1985, 4, 12),
                )
            )
        receipt = client.post(
            "/api/v1/reports",
            json=report_json(category=category, subjects=[{"name": "PC Example", "staff_number": "NS04242"}]),
        ).json()
        self.receipt_key: str = receipt["receipt_key"]
        with services.database.transaction() as session:
            self.report_id = str(
                session.scalars(select(Report.id).where(Report.reference == receipt["reference"])).one()
            )
        opened = client.post(
            "/api/v1/cases", headers=self.headers(self.handler), json={"report_ids": [self.report_id]}
        )
        assert opened.status_code == 201, opened.text
        self.case_id: str = opened.json()["id"]

    def headers(self, user: TestUser) -> dict[str, str]:
        return self.staff.api_headers(self.client, user)

    def received_on(self) -> date:
        """The day the report came in, where the pack keeps its calendar."""
        return self.received_at.astimezone(PACK_ZONE).date()

    def today(self) -> str:
        return self.clock.today().isoformat()

    def attempt(self, user: TestUser, kind: str, **fields: Any) -> Any:
        return self.client.post(
            f"/api/v1/cases/{self.case_id}/steps/{kind}", headers=self.headers(user), json=fields
        )

    def step(self, user: TestUser, kind: str, **fields: Any) -> str:
        response = self.attempt(user, kind, **fields)
        assert response.status_code == 200, f"{kind}: {response.text}"
        status: str = response.json()["status"]
        return status

    def refused(self, user: TestUser, kind: str, status: int = 409, **fields: Any) -> str:
        response = self.attempt(user, kind, **fields)
        assert response.status_code == status, f"{kind}: {response.status_code} {response.text}"
        detail: str = response.json()["detail"]
        return detail

    def view(self, user: TestUser | None = None) -> dict[str, Any]:
        response = self.client.get(
            f"/api/v1/cases/{self.case_id}", headers=self.headers(user or self.handler)
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def reporter_headers(self) -> dict[str, str]:
        token = self.client.post("/api/v1/reporter/session", json={"receipt_key": self.receipt_key}).json()[
            "token"
        ]
        return {"authorization": f"Bearer {token}"}

    def assessed(self, severity: str, facts: list[str] | None = None) -> None:
        self.step(self.handler, "acknowledge")
        self.step(
            self.handler, "add_allegation", standard="discreditable_conduct", summary="What was alleged."
        )
        self.step(
            self.dm,
            "assess_severity",
            severity=severity,
            reasons="Assessed on the report's account.",
            facts=facts or [],
        )

    def investigated(self, severity: str) -> None:
        self.assessed(severity)
        self.step(self.handler, "assign_investigator", investigator_id=str(self.investigator.user_id))
        self.step(self.investigator, "serve_regulation_17_notice", served_on=self.today())
