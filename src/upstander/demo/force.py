"""The fictional force of the demonstration: Northshire Police, its commands and units, and about 300 people."""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING

from upstander.audit.service import Actor
from upstander.org.models import EmploymentStatus, OrgUnit, OrgUnitKind, Person

if TYPE_CHECKING:
    from upstander.services import Services

FORCE = "Northshire Police"


GIVEN = [
    "Aisha",
    "Ben",
    "Chloe",
    "Daniel",
    "Ewa",
    "Farhan",
    "Grace",
    "Harpreet",
    "Isaac",
    "Jade",
    "Kwame",
    "Laura",
    "Mohammed",
    "Niamh",
    "Oliver",
    "Priya",
    "Rhys",
    "Sarah",
    "Tomasz",
    "Uche",
    "Vikram",
    "Wendy",
    "Yusuf",
    "Zara",
    "Callum",
    "Amara",
    "Declan",
    "Fatima",
    "Gareth",
    "Hannah",
    "Imran",
    "Joanne",
    "Kieran",
    "Leanne",
    "Marcus",
    "Nadia",
    "Owen",
    "Rachel",
    "Sunil",
    "Tariq",
]


FAMILY = [
    "Ahmed",
    "Baker",
    "Campbell",
    "Davies",
    "Evans",
    "Fletcher",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Kowalski",
    "Lewis",
    "Morgan",
    "Nowak",
    "Okafor",
    "Patel",
    "Quinn",
    "Roberts",
    "Singh",
    "Thomas",
    "Underwood",
    "Vaughan",
    "Williams",
    "Xu",
    "Young",
    "Zielinski",
    "Mensah",
    "O'Neill",
    "Begum",
    "Clarke",
    "Mahmood",
    "Kaur",
    "Reid",
    "Walsh",
    "Adeyemi",
    "Hussain",
    "Price",
    "Shah",
    "Turner",
    "Wood",
]


RANKS = [
    ("Police Constable", 60),
    ("Sergeant", 14),
    ("Inspector", 5),
    ("Chief Inspector", 2),
    ("Police Staff", 17),
    ("Superintendent", 1),
    ("Detective Constable", 8),
]


ETHNICITIES = [
    ("White British", 70),
    ("White Other", 6),
    ("Asian or Asian British", 9),
    ("Black or Black British", 5),
    ("Mixed", 4),
    ("Other", 2),
    (None, 4),
]


STRUCTURE = {
    "North Command": {
        "Response North": ["Team A", "Team B", "Team C", "Team D"],
        "Neighbourhood North": ["Ashby", "Brookfield"],
    },
    "South Command": {
        "Response South": ["Team A", "Team B", "Team C", "Team D"],
        "Custody South": ["Custody Team 1", "Custody Team 2"],
    },
    "Specialist Operations": {"CID": ["Major Crime", "Public Protection"], "Roads Policing": ["Roads 1"]},
}


def weighted_choice(rng: random.Random, choices: list[tuple[str | None, int]]) -> str | None:
    values = [value for value, _ in choices]
    weights = [weight for _, weight in choices]
    chosen: str | None = rng.choices(values, weights=weights)[0]
    return chosen


def seed_org(services: Services, rng: random.Random) -> list[Person]:
    people: list[Person] = []
    with services.database.transaction() as session:
        force = OrgUnit(kind=OrgUnitKind.FORCE, code="NSP", name=FORCE)
        session.add(force)
        teams: list[OrgUnit] = []
        for command_index, (command_name, units) in enumerate(STRUCTURE.items(), start=1):
            command = OrgUnit(
                kind=OrgUnitKind.COMMAND, code=f"C{command_index}", name=command_name, parent=force
            )
            session.add(command)
            for unit_index, (unit_name, team_names) in enumerate(units.items(), start=1):
                unit = OrgUnit(
                    kind=OrgUnitKind.UNIT,
                    code=f"C{command_index}U{unit_index}",
                    name=unit_name,
                    parent=command,
                )
                session.add(unit)
                for team_index, team_name in enumerate(team_names, start=1):
                    team = OrgUnit(
                        kind=OrgUnitKind.TEAM,
                        code=f"C{command_index}U{unit_index}T{team_index}",
                        name=f"{unit_name} {team_name}",
                        parent=unit,
                    )
                    session.add(team)
                    teams.append(team)
        session.flush()
        for number in range(1, 301):
            joined = date(rng.randint(1996, 2025), rng.randint(1, 12), rng.randint(1, 28))
            person = Person(
                staff_number=f"NS{number:05d}",
                given_name=rng.choice(GIVEN),
                family_name=rng.choice(FAMILY),
                rank=str(weighted_choice(rng, [(rank, weight) for rank, weight in RANKS])),
                unit_id=rng.choice(teams).id,
                employment_status=EmploymentStatus.SERVING,
                date_of_birth=date(joined.year - rng.randint(19, 40), rng.randint(1, 12), rng.randint(1, 28)),
                joined_on=joined,
                ethnicity=weighted_choice(rng, ETHNICITIES),
                sex=rng.choice(["female", "male", "male"]),
            )
            session.add(person)
            people.append(person)
        services.audit.record(
            session, Actor.system("demo"), "org.seeded", "org_unit", force.id, {"people": 300}
        )
    return people
