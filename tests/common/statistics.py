"""A small fictional force with known stage counts, for the statistics and transparency tests.

Units: force NSP > command C1 > unit U1 > team T1, and command C2. The period is 2024.

Subjects (each number is a person; their allegations' furthest stage in 2024 is in ``TOPS``):

| group        | unit | people | reported | assessed | referred | investigated | case to answer | proven |
|--------------|------|--------|----------|----------|----------|--------------|----------------|--------|
| White        | T1   | 41     | 22       | 16       | 2        | 13           | 8              | 4      |
| Black        | U1   | 20     | 13       | 11       | 1        | 7            | 3              | 2      |
| Asian        | C2   | 12     | 7        | 3        | 0        | 1            | 0              | 0      |
| not recorded | C2   | 5      | 1        | 0        | 0        | 0            | 0              | 0      |

Sanctions on proven allegations: White 3 written warnings and 1 dismissal; Black 1 written warning.
Traps that must not count: a referral and a sanction on allegations that did not reach the stage they
need, a White officer's allegation from 2023 (their 2024 one reached investigation), a leaver (2023)
and a joiner (2025) with no allegations, a second lower-stage allegation for several people. A leaver
from 2023 who has an allegation in 2024 does count (in the headcount too): the 41st White officer.
Everyone is 25 to 54 at the end of 2024, so the "under 25" band has nobody in it.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from upstander.accounts.models import Role
from upstander.audit.service import Actor
from upstander.cases.engine.vocabulary import RestrictionKind
from upstander.cases.models import Allegation, Complainant, Complaint, ComplaintChannel
from upstander.org.models import EmploymentStatus, OrgUnit, OrgUnitKind, Person
from upstander.reports.models import Category, Channel, Report, ReporterRelation
from upstander.safeguarding.models import Restriction
from upstander.services import Services

YEAR = 2024
START, END = date(YEAR, 1, 1), date(YEAR, 12, 31)

# group: (unit, people, furthest stage of each reported person)
TOPS: dict[str | None, tuple[str, int, list[int]]] = {
    "White": ("T1", 40, [0] * 5 + [1] * 3 + [2] * 4 + [3] * 4 + [4] * 4),
    "Black": ("U1", 20, [0] * 2 + [1] * 4 + [2] * 4 + [3] * 1 + [4] * 2),
    "Asian": ("C2", 12, [0] * 4 + [1] * 2 + [2] * 1),
    None: ("C2", 5, [0]),
}
REFERRED = {"White": 2, "Black": 1}
SANCTIONS = {"White": ["written_warning"] * 3 + ["dismissal"], "Black": ["written_warning"]}

EXPECTED_BY_ETHNICITY = {
    "White": [41, 22, 16, 2, 13, 8, 4, 3, 1],
    "Black": [20, 13, 11, 1, 7, 3, 2, 1, 0],
    "Asian": [12, 7, 3, 0, 1, 0, 0, 0, 0],
    "not recorded": [5, 1, 0, 0, 0, 0, 0, 0, 0],
}
EXPECTED_COMPLAINANTS = {
    "Black": [1, 1, 0, 1, 1, 1, 1, 0],
    "White": [1, 1, 1, 0, 0, 0, 0, 0],
    "not recorded": [1, 1, 0, 0, 0, 0, 0, 0],
}
EXPECTED_KEYS = [
    "workforce",
    "reported",
    "assessed",
    "referred",
    "investigated",
    "case_to_answer",
    "proven",
    "written_warning",
    "dismissal",
]
SUSPENDED = 3  # Black officers recorded as suspended: too few to publish
# The register on 31 December 2024: White officers on restricted duties over sexual misconduct (published
# as 10), Black officers suspended over discrimination (too few to publish), and one entry lifted in
# September that must not count.
RESTRICTED_DUTIES = 12


def _units(services: Services) -> dict[str, uuid.UUID]:
    with services.database.transaction() as session:
        force = OrgUnit(kind=OrgUnitKind.FORCE, code="NSP", name="Northshire Police")
        c1 = OrgUnit(kind=OrgUnitKind.COMMAND, code="C1", name="North Command", parent=force)
        u1 = OrgUnit(kind=OrgUnitKind.UNIT, code="U1", name="Response", parent=c1)
        t1 = OrgUnit(kind=OrgUnitKind.TEAM, code="T1", name="Response Team A", parent=u1)
        c2 = OrgUnit(kind=OrgUnitKind.COMMAND, code="C2", name="South Command", parent=force)
        session.add_all([force, c1, u1, t1, c2])
        session.flush()
        return {unit.code: unit.id for unit in (force, c1, u1, t1, c2)}


def seed(services: Services) -> None:
    """The force above, with complainants on three complaints, reports to time, and suspensions."""
    units = _units(services)
    decider = services.accounts.create_user(
        username="register-dm",
        display_name="Register Decision Maker",
        password="correct horse battery staple",
        roles=[Role.DECISION_MAKER],
        actor=Actor.system("test"),
    ).user_id
    numbers = itertools.count(1)
    days = itertools.cycle(range(0, 360, 7))
    with services.database.transaction() as session:

        def person(group: str | None, unit: str, index: int, **fields: object) -> Person:
            fields.setdefault("joined_on", date(2000 + index % 24, 6, 1))
            record = Person(
                staff_number=f"S{next(numbers):05d}",
                given_name="Test",
                family_name=f"Officer{index}",
                rank=["Police Constable", "Police Sergeant", "Detective Inspector"][index % 3],
                unit_id=units[unit],
                ethnicity=group,
                sex=["female", "male"][index % 2],
                date_of_birth=date(1975 + index % 20, 1 + index % 12, 1 + index % 28),
                **fields,
            )
            session.add(record)
            return record

        def allege(subject: Person | None, top: int, **fields: object) -> Complaint:
            received = START + timedelta(days=next(days))
            complaint = Complaint(
                source="test",
                source_ref=f"C{next(numbers)}",
                channel=ComplaintChannel.PUBLIC_COMPLAINT,
                received_on=received,
                closed_on=received + timedelta(days=20 + 40 * top) if top != 2 else None,
            )
            session.add(complaint)
            session.flush()
            session.add(
                Allegation(
                    complaint_id=complaint.id,
                    source_ref=complaint.source_ref,
                    category="discrimination" if top % 2 else "sexual_misconduct",
                    received_on=fields.pop("received_on", received),
                    stage_rank=top,
                    person_id=subject.id if subject else None,
                    **fields,
                )
            )
            return complaint

        for group, (unit, size, tops) in TOPS.items():
            referred = REFERRED.get(group or "", 0)
            sanctions = list(SANCTIONS.get(group or "", []))
            people = [person(group, unit, index) for index in range(size)]
            session.flush()
            for index, top in enumerate(tops):
                subject = people[index]
                is_referred = top >= 1 and referred > 0
                referred -= int(is_referred)
                sanction = sanctions.pop() if top == 4 and sanctions else None
                complaint = allege(subject, top, referred_to_overseer=is_referred, sanction=sanction)
                if index % 3 == 0:  # a second, lower allegation: still one person at each stage
                    allege(subject, 0, referred_to_overseer=True, sanction="written_warning")
                if group == "White" and top == 4 and index == len(tops) - 1:
                    session.add(Complainant(complaint_id=complaint.id, ethnicity="Black", sex="male", age=30))
                if group == "Black" and top == 1 and index == 2:
                    session.add(
                        Complainant(complaint_id=complaint.id, ethnicity="White", sex="female", age=70)
                    )
            if group == "White":
                quiet = people[len(tops)]
                allege(quiet, 3, received_on=date(YEAR - 1, 5, 1))  # out of the period
                allege(quiet, 2, sanction="dismissal")  # not proven, so no sanction counted
            if group == "Black":
                for index in range(SUSPENDED):
                    people[size - 1 - index].employment_status = EmploymentStatus.SUSPENDED
                    session.add(_restriction(people[size - 1 - index], RestrictionKind.SUSPENDED, decider))
            if group == "White":
                for index in range(RESTRICTED_DUTIES + 1):
                    lifted = date(YEAR, 9, 1) if index == RESTRICTED_DUTIES else None
                    session.add(
                        _restriction(people[index], RestrictionKind.RESTRICTED_DUTIES, decider, lifted)
                    )
        # not in the 2024 workforce
        person("White", "T1", 90, left_on=date(YEAR - 1, 6, 30))
        person("White", "T1", 91, joined_on=date(YEAR + 1, 2, 1))
        # left in 2023 but named in 2024: counts in the headcount as well as among the reported
        late = person("White", "T1", 92, left_on=date(YEAR - 1, 6, 30))
        session.flush()
        allege(late, 0)
        unlinked = allege(None, 1)
        session.add(Complainant(complaint_id=unlinked.id, ethnicity=None, sex=None, age=None))
        _reports(session)


def _restriction(
    person: Person, kind: RestrictionKind, by: uuid.UUID, lifted: date | None = None
) -> Restriction:
    suspended = kind is RestrictionKind.SUSPENDED
    return Restriction(
        person_id=person.id,
        kind=kind,
        category="discrimination" if suspended else "sexual_misconduct",
        reasons="Seeded entry of the register for the statistics tests.",
        redeployment_considered="Redeployment considered and found not enough." if suspended else None,
        starts_on=date(YEAR, 6, 1),
        review_due=date(YEAR, 6, 29),
        imposed_by_id=by,
        ended_on=lifted,
        ended_by_id=by if lifted else None,
        end_reason="Lifted after review." if lifted else None,
    )


def _reports(session: Session) -> None:
    """Reports received in 2024 with their acknowledgement times (hours): 3 within a day, 7 later, 1 not yet."""
    hours = [2, 5, 20, 30, 40, 60, 100, 150, 200, 300, None]
    for index, wait in enumerate(hours):
        received = datetime(YEAR, 3, 1 + index, 9, tzinfo=UTC)
        session.add(
            Report(
                reference=f"R{index:04d}",
                category=Category.OTHER,
                channel=Channel.ONLINE,
                anonymous=True,
                reporter_relation=ReporterRelation.WITNESS,
                received_at=received,
                acknowledged_at=received + timedelta(hours=wait) if wait is not None else None,
                public_key=bytes(32),
                reporter_public_key=bytes(32),
                receipt_hash=f"{index:064d}",
                sealed_content=b"x",
                sealed_content_for_reporter=b"x",
            )
        )
