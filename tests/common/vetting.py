"""People, cases and list entries for the vetting tests."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from common.reports import report_json
from common.staff import Staff
from upstander.cases.models import Case
from upstander.org import lists
from upstander.org.lists_models import BarredListEntry
from upstander.org.models import EmploymentStatus, OrgUnit, OrgUnitKind, Person
from upstander.reports.models import Report
from upstander.services import Services

DOB = date(1984, 3, 14)
DECIDED = date(2027, 3, 3)


def add_person(
    services: Services,
    staff_number: str,
    given_name: str,
    family_name: str,
    date_of_birth: date | None = DOB,
    **fields: Any,
) -> uuid.UUID:
    with services.database.transaction() as session:
        force = session.scalars(select(OrgUnit).where(OrgUnit.code == "NSP")).first()
        if force is None:
            force = OrgUnit(kind=OrgUnitKind.FORCE, code="NSP", name="Northshire Police")
            session.add(force)
        team = OrgUnit(kind=OrgUnitKind.TEAM, code=f"T-{staff_number}", name="Response A", parent=force)
        person = Person(
            staff_number=staff_number,
            given_name=given_name,
            family_name=family_name,
            rank="Police Constable",
            date_of_birth=date_of_birth,
            unit=team,
            **fields,
        )
        session.add(person)
        session.flush()
        return person.id


def open_case(
    client: TestClient, staff: Staff, services: Services, person_id: uuid.UUID
) -> tuple[uuid.UUID, str]:
    """A report naming the person, and a case opened from it by a handler."""
    headers = staff.api_headers(client, staff.handler())
    receipt = client.post("/api/v1/reports", json=report_json(subjects=[{"person_id": str(person_id)}]))
    assert receipt.status_code == 201, receipt.text
    with services.database.transaction() as session:
        report_id = session.scalars(
            select(Report.id).where(Report.reference == receipt.json()["reference"])
        ).one()
    opened = client.post("/api/v1/cases", headers=headers, json={"report_ids": [str(report_id)]})
    assert opened.status_code == 201, opened.text
    return uuid.UUID(opened.json()["id"]), str(opened.json()["reference"])


def close(services: Services, case_id: uuid.UUID) -> None:
    with services.database.transaction() as session:
        session.execute(update(Case).where(Case.id == case_id).values(stage="closed"))


def bar(services: Services, person_id: uuid.UUID, case_id: uuid.UUID, reference: str) -> BarredListEntry:
    with services.database.transaction() as session:
        return lists.add_to_barred_list(
            session,
            person_id=person_id,
            case_id=case_id,
            case_reference=reference,
            reason="would have been dismissed",
            sanction="would_have_been_dismissed",
            decided_on=DECIDED,
        )


def barred_person(client: TestClient, staff: Staff, services: Services) -> tuple[uuid.UUID, uuid.UUID, str]:
    """John Smith resigned during a gross-misconduct investigation and would have been dismissed."""
    person_id = add_person(services, "NS01234", "John", "Smith", employment_status=EmploymentStatus.RESIGNED)
    case_id, reference = open_case(client, staff, services, person_id)
    bar(services, person_id, case_id, reference)
    return person_id, case_id, reference
