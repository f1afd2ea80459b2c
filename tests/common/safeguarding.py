"""A small force for the safeguarding tests: two units, three teams, five people and their postings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from upstander.org.models import OrgUnit, OrgUnitKind, Person
from upstander.safeguarding.models import Posting
from upstander.services import Services

# team code → (team name, unit code)
TEAMS = {
    "RN-A": ("Response North Team A", "RN"),
    "RN-B": ("Response North Team B", "RN"),
    "CS-1": ("Custody South Team 1", "CS"),
}
UNITS = {"RN": "Response North", "CS": "Custody South"}
PEOPLE = {
    "NS00001": ("Anna", "Holt"),
    "NS00002": ("Ben", "Ware"),
    "NS00003": ("Cara", "Lind"),
    "NS00004": ("Dev", "Patel"),
    "NS00005": ("Eli", "Shaw"),
}


def build_force(services: Services) -> dict[str, uuid.UUID]:
    """The org tree and the people (with no postings yet); returns person ids by staff number."""
    with services.database.transaction() as session:
        force = OrgUnit(kind=OrgUnitKind.FORCE, code="NSP", name="Northshire Police")
        command = OrgUnit(kind=OrgUnitKind.COMMAND, code="C1", name="North Command", parent=force)
        units = {
            code: OrgUnit(kind=OrgUnitKind.UNIT, code=code, name=name, parent=command)
            for code, name in UNITS.items()
        }
        teams = {
            code: OrgUnit(kind=OrgUnitKind.TEAM, code=code, name=name, parent=units[unit])
            for code, (name, unit) in TEAMS.items()
        }
        session.add_all([force, command, *units.values(), *teams.values()])
        people = [
            Person(staff_number=number, given_name=given, family_name=family, rank="Police Constable")
            for number, (given, family) in PEOPLE.items()
        ]
        session.add_all(people)
        session.flush()
        return {person.staff_number: person.id for person in people}


def post(services: Services, staff_number: str, unit_code: str, shift: str) -> None:
    """Record where someone works as the starting state of a test (not a change under test)."""
    with services.database.transaction() as session:
        person = session.scalars(select(Person).where(Person.staff_number == staff_number)).one()
        unit = session.scalars(select(OrgUnit).where(OrgUnit.code == unit_code)).one()
        posting = session.get(Posting, person.id) or Posting(person_id=person.id)
        posting.unit_id, posting.shift_pattern, posting.since = (
            unit.id,
            shift,
            datetime(2027, 1, 4, tzinfo=UTC),
        )
        session.add(posting)
        person.unit_id = unit.id


def posting_of(services: Services, staff_number: str) -> tuple[str, str] | None:
    with services.database.transaction() as session:
        row = session.execute(
            select(OrgUnit.code, Posting.shift_pattern)
            .join(Posting, Posting.unit_id == OrgUnit.id)
            .join(Person, Person.id == Posting.person_id)
            .where(Person.staff_number == staff_number)
        ).first()
        return (row[0], row[1]) if row else None
