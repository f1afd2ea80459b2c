"""A closed case with something of every kind the retention job erases."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from common.cases import CaseWalk
from common.clock import FakeClock
from common.staff import Staff
from upstander.cases.engine.vocabulary import RestrictionKind
from upstander.org.models import Person
from upstander.safeguarding.models import Restriction, SeparationOrder
from upstander.services import Services

STATEMENT = "The rota shows who was on shift that night."
FILE = {
    "filename": "rota.txt",
    "content_type": "text/plain",
    "content_base64": base64.b64encode(b"The rota for March.").decode(),
}
SIX_YEARS_AND_A_DAY = 6 * 366 + 1
# Past every six-year period whatever the start (not `replace(year=…)`, which has no 29 February).
SEVEN_YEARS = timedelta(days=7 * 366)


def closed_case(client: TestClient, staff: Staff, services: Services, clock: FakeClock) -> CaseWalk:
    """A case whose report has a message and a file, an ended order and restriction, then closed."""
    walk = CaseWalk(client, staff, services, clock)
    added = client.post(
        "/api/v1/reporter/messages",
        headers=walk.reporter_headers(),
        json={"text": STATEMENT, "attachments": [FILE]},
    )
    assert added.status_code in (200, 201), added.text
    case_id = uuid.UUID(walk.case_id)
    with services.database.transaction() as session:
        gareth = session.scalars(select(Person.id).where(Person.staff_number == "NS04242")).one()
        other = Person(staff_number="NS04243", given_name="Dana", family_name="Example", rank="Sergeant")
        session.add(other)
        session.flush()
        first, second = sorted([gareth, other.id], key=str)
        session.add(
            SeparationOrder(
                person_a_id=first, person_b_id=second, made_at=clock(), case_id=case_id, separate_teams=True,
                separate_shifts=False, made_by_id=walk.handler.user_id, reasons="Kept apart.",
                end_condition="until the case closes", ended_at=clock(), ended_by_id=walk.dm.user_id,
            )
        )  # fmt: skip
        session.add(
            Restriction(
                person_id=gareth, kind=RestrictionKind.RESTRICTED_DUTIES, case_id=case_id, category="bullying",
                reasons="Away from the public.", starts_on=clock.today(), review_due=clock.today(),
                imposed_by_id=walk.dm.user_id, ended_on=clock.today(), imposed_at=clock(),
            )
        )  # fmt: skip
    walk.assessed("no_case_to_answer")
    walk.step(
        walk.dm, "propose_closure", closure="no_case_to_answer",
        reasons="The account does not show misconduct.", reporter_summary="We found no misconduct.",
    )  # fmt: skip
    walk.step(walk.dm2, "confirm_closure", note="Agreed.")
    return walk
