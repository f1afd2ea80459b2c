"""The handler picker offers handlers by unit, narrowed to one unit or by name, never an unbounded list."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from common.clock import FakeClock
from common.pages import sign_in
from common.reports import submission
from common.staff import Staff
from upstander.accounts.models import User
from upstander.cases import rules, service
from upstander.org.models import OrgUnit, OrgUnitKind, Person
from upstander.services import Services

pytestmark = pytest.mark.clock


def posted(services: Services, user_id: uuid.UUID, staff_number: str, unit: OrgUnit) -> None:
    with services.database.transaction() as session:
        person = Person(
            staff_number=staff_number, given_name="A", family_name="B", rank="Sergeant", unit_id=unit.id
        )
        session.add(person)
        session.flush()
        session.execute(update(User).where(User.id == user_id).values(person_id=person.id))


def test_handlers_are_offered_by_unit_and_narrowed_to_one(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with services.database.transaction() as session:
        north = OrgUnit(kind=OrgUnitKind.UNIT, code="PSDN", name="PSD North")
        south = OrgUnit(kind=OrgUnitKind.UNIT, code="PSDS", name="PSD South")
        session.add_all([north, south])
    opener = staff.handler()  # no staff record: "no unit on record"
    alice, bob, cara = staff.handler("alice"), staff.handler("bob"), staff.handler("cara")
    posted(services, alice.user_id, "N1", north)
    posted(services, bob.user_id, "N2", north)
    posted(services, cara.user_id, "S1", south)
    report = services.reports.submit(submission("Something happened."))
    case = services.cases.open_case(staff.principal(opener), [report.report_id])
    principal = staff.principal(opener)

    picker = services.cases.handler_screen(principal, case.id)
    assert [(unit, [h.name for h in members]) for unit, members in picker.groups] == [
        ("PSD North", ["Alice", "Bob"]),
        ("PSD South", ["Cara"]),
        ("", ["Handler"]),
    ]
    assert [(unit.name, unit.handlers) for unit in picker.units] == [
        ("PSD North", 2),
        ("PSD South", 1),
        ("", 1),
    ]
    assert picker.more is False

    only_north = services.cases.handler_screen(principal, case.id, rules.parse_handler_filter(str(north.id)))
    assert [h.name for h in only_north.handlers] == ["Alice", "Bob"]
    nobodys = services.cases.handler_screen(principal, case.id, rules.parse_handler_filter("none"))
    assert [h.name for h in nobodys.handlers] == ["Handler"]
    by_name = services.cases.handler_screen(principal, case.id, rules.parse_handler_filter(None, "ar"))
    assert [h.name for h in by_name.handlers] == ["Cara"]

    monkeypatch.setattr(service, "HANDLER_CHOICES", 2)
    bounded = services.cases.handler_screen(principal, case.id)
    assert [h.name for h in bounded.handlers] == ["Alice", "Bob"]
    assert bounded.more is True, "the picker says there are more to narrow to"
    monkeypatch.undo()

    sign_in(client, clock, opener)
    page = client.get(f"/staff/cases/{case.id}", params={"handler_unit": str(north.id)})
    assert page.status_code == 200
    assigning = page.text.split('action="/staff/cases/' + str(case.id) + '/handler"')[1].split("</form>")[0]
    assert '<optgroup label="PSD North">' in assigning
    assert str(alice.user_id) in assigning
    assert str(cara.user_id) not in assigning
    assert "PSD South (1)" in page.text, "the other units are there to choose"
    refused = client.get(f"/staff/cases/{case.id}", params={"handler_unit": "north"})
    assert refused.status_code == 422
