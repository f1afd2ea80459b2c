"""Loading what the rules decide on, inside a use case's session: the org tree, people's current
placements and the separation orders in force.

A person's placement is their posting; a serving person with no posting yet counts as being in
the unit of their staff record, on a shift nobody knows. People who have left (resigned, retired,
dismissed) are in no team and on no shift.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from upstander.errors import InvalidInput, NotFound
from upstander.org.models import EmploymentStatus, OrgUnit, OrgUnitKind, Person
from upstander.org.people import who
from upstander.safeguarding import rules
from upstander.safeguarding.models import Posting, SeparationOrder, order_reference
from upstander.safeguarding.roster import unit_key

LEFT = frozenset({EmploymentStatus.RESIGNED, EmploymentStatus.RETIRED, EmploymentStatus.DISMISSED})
POSTABLE = frozenset({OrgUnitKind.TEAM, OrgUnitKind.UNIT})


@dataclass(frozen=True)
class Unit:
    id: uuid.UUID
    code: str
    name: str
    kind: OrgUnitKind
    # The unit whose shifts a team shares: a team's parent; a unit without teams is its own.
    shared_id: uuid.UUID
    shared_name: str


class OrgIndex:
    """Every org unit by id and by code, loaded once per use case (a force has hundreds of them)."""

    def __init__(self, session: Session) -> None:
        rows = session.execute(
            select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.kind, OrgUnit.parent_id)
        )
        raw = {row.id: row for row in rows}
        self.by_id: dict[uuid.UUID, Unit] = {}
        for row in raw.values():
            parent = raw.get(row.parent_id) if row.parent_id else None
            shared = parent if row.kind is OrgUnitKind.TEAM and parent is not None else row
            self.by_id[row.id] = Unit(row.id, row.code, row.name, row.kind, shared.id, shared.name)
        self.by_code = {unit_key(unit.code): unit for unit in self.by_id.values()}

    def postable(self, reference: uuid.UUID | str) -> Unit:
        """The team (or unit without teams) a person can be posted to, by id or by code."""
        unit = self.by_id.get(reference) if isinstance(reference, uuid.UUID) else None
        if unit is None:
            unit = self.by_code.get(unit_key(str(reference)))
        if unit is None:
            raise NotFound(f"There is no team or unit with the code {str(reference)!r}.")
        if unit.kind not in POSTABLE:
            raise InvalidInput(
                f"{unit.name} is a {unit.kind.value}: post people to a team, or to a unit without teams.",
                fields={"unit": "not a team or unit"},
            )
        return unit

    def placement(
        self, person_id: uuid.UUID, who: str, unit_id: uuid.UUID | None, shift: str | None
    ) -> rules.Placement:
        unit = self.by_id.get(unit_id) if unit_id is not None else None
        if unit is None:
            return rules.Placement(person_id, who, None, "no team", None, "no unit", shift)
        return rules.Placement(person_id, who, unit.id, unit.name, unit.shared_id, unit.shared_name, shift)


def placements(
    session: Session, org: OrgIndex, person_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, rules.Placement]:
    """The current placements of these people (see the module docstring)."""
    if not person_ids:
        return {}
    rows = session.execute(
        select(
            Person.id,
            Person.given_name,
            Person.family_name,
            Person.staff_number,
            Person.unit_id,
            Person.employment_status,
            Posting.unit_id.label("posted_to"),
            Posting.shift_pattern,
        )
        .outerjoin(Posting, Posting.person_id == Person.id)
        .where(Person.id.in_(list(person_ids)))
    )
    found = {}
    for row in rows:
        label_ = who(row.given_name, row.family_name, row.staff_number)
        if row.employment_status in LEFT:
            found[row.id] = org.placement(row.id, label_, None, None)
        elif row.posted_to is not None:
            found[row.id] = org.placement(row.id, label_, row.posted_to, row.shift_pattern)
        else:
            found[row.id] = org.placement(row.id, label_, row.unit_id, None)
    return found


def _in_force(today: date) -> tuple[ColumnElement[bool], ...]:
    return (
        SeparationOrder.ended_at.is_(None),
        or_(SeparationOrder.ends_on.is_(None), SeparationOrder.ends_on > today),
    )


def orders_in_force(
    session: Session, today: date, person_id: uuid.UUID | None = None, *, lock: bool = False
) -> list[SeparationOrder]:
    """The orders not ended and not past their end date (``rules.in_force``), of one person if
    given. ``lock`` takes a row lock on them, so two postings checked against the same order at
    the same moment are decided one after the other (each sees the other's result)."""
    query = select(SeparationOrder).where(*_in_force(today))
    if person_id is not None:
        query = query.where(
            or_(SeparationOrder.person_a_id == person_id, SeparationOrder.person_b_id == person_id)
        )
    if lock:
        query = query.with_for_update()
    return list(session.scalars(query.order_by(SeparationOrder.made_at, SeparationOrder.id)))


def rule_order(order: SeparationOrder) -> rules.Order:
    separations = {
        separation
        for separation, wanted in (
            (rules.Separation.TEAM, order.separate_teams),
            (rules.Separation.SHIFT, order.separate_shifts),
        )
        if wanted
    }
    return rules.Order(
        order.id, order_reference(order.id), order.person_a_id, order.person_b_id, frozenset(separations)
    )


def rule_orders_in_force(session: Session, today: date) -> list[rules.Order]:
    """Every order in force, as the rules need it, read without building ORM objects (a roster check)."""
    rows = session.execute(
        select(
            SeparationOrder.id,
            SeparationOrder.person_a_id,
            SeparationOrder.person_b_id,
            SeparationOrder.separate_teams,
            SeparationOrder.separate_shifts,
        )
        .where(*_in_force(today))
        .order_by(SeparationOrder.made_at, SeparationOrder.id)
    ).all()
    return [
        rules.Order(
            order_id,
            order_reference(order_id),
            person_a_id,
            person_b_id,
            frozenset(
                separation
                for separation, wanted in ((rules.Separation.TEAM, teams), (rules.Separation.SHIFT, shifts))
                if wanted
            ),
        )
        for order_id, person_a_id, person_b_id, teams, shifts in rows
    ]
