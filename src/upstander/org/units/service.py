"""The administrator keeps the organisation's units: creates, renames, moves and closes them.

Each change is one transaction that locks the unit's row and is audited; a rename or a move says
what the person saw, and is refused with a 409 when someone else changed the unit meanwhile.
People are never moved here: that is the posting service's work, so separation orders hold."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from upstander import access
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import Actor, AuditLog
from upstander.db import Database, utcnow
from upstander.errors import Conflict, InvalidInput, NotFound
from upstander.org.models import OrgUnit, OrgUnitKind, Person
from upstander.org.units import rules

PAGE_SIZE = 50
CHANGED_MEANWHILE = "Someone changed this unit meanwhile; look again and retry."

By = StaffPrincipal | Actor


@dataclass(frozen=True)
class UnitRow:
    unit_id: uuid.UUID
    code: str
    name: str
    kind: str
    parent_code: str | None
    closed_on: date | None
    people: int


@dataclass(frozen=True)
class UnitPage:
    units: list[UnitRow]
    next_after: str | None


def _acting(by: By) -> Actor:
    if isinstance(by, StaffPrincipal):
        access.require(by.roles, access.Action.MANAGE_UNITS)
        return by.actor
    return by


class UnitService:
    def __init__(self, database: Database, audit: AuditLog, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._audit = audit
        self._clock = clock

    def list_units(self, by: By, after: str | None = None, limit: int = PAGE_SIZE) -> UnitPage:
        """Units by code, a page at a time, each with its parent and how many people it holds."""
        _acting(by)
        limit = max(1, min(limit, 200))
        with self._db.transaction() as session:
            parent = select(OrgUnit.id, OrgUnit.code).subquery()
            people = select(Person.unit_id, func.count().label("people")).group_by(Person.unit_id).subquery()
            query = (
                select(OrgUnit, parent.c.code, func.coalesce(people.c.people, 0))
                .outerjoin(parent, parent.c.id == OrgUnit.parent_id)
                .outerjoin(people, people.c.unit_id == OrgUnit.id)
                .order_by(OrgUnit.code)
                .limit(limit + 1)
            )
            if after:
                query = query.where(OrgUnit.code > after)
            rows = session.execute(query).all()
        units = [
            UnitRow(unit.id, unit.code, unit.name, unit.kind.value, parent_code, unit.closed_on, int(count))
            for unit, parent_code, count in rows[:limit]
        ]
        return UnitPage(units, units[-1].code if len(rows) > limit and units else None)

    def create(self, by: By, *, code: str, name: str, kind: str, parent_code: str | None) -> UnitRow:
        actor = _acting(by)
        code, name = rules.check_code(code), rules.check_name(name)
        try:
            unit_kind = OrgUnitKind(kind)
        except ValueError as error:
            raise InvalidInput("Choose force, command, unit or team.", fields={"kind": "unknown"}) from error
        with self._db.transaction() as session:
            if session.scalar(select(OrgUnit.id).where(OrgUnit.code == code)) is not None:
                raise Conflict(f"The unit code {code!r} is already taken.", code="unit_code_taken")
            parent = self._by_code(session, parent_code, lock=True) if parent_code else None
            if parent is not None:
                rules.check_open(parent.closed_on is not None, f"The unit {parent.code}")
            unit = OrgUnit(code=code, name=name, kind=unit_kind, parent=parent)
            session.add(unit)
            session.flush()
            self._record(session, actor, "unit.created", unit, {"parent": parent.code if parent else None})
            return UnitRow(unit.id, code, name, unit_kind.value, parent.code if parent else None, None, 0)

    def rename(self, by: By, unit_id: uuid.UUID, new_name: str, seen_name: str) -> None:
        actor = _acting(by)
        new_name = rules.check_name(new_name)
        with self._db.transaction() as session:
            unit = self._unit(session, unit_id)
            if unit.name != " ".join(seen_name.split()):
                raise Conflict(CHANGED_MEANWHILE, code="unit_changed")
            rules.check_open(unit.closed_on is not None)
            old, unit.name = unit.name, new_name
            self._record(session, actor, "unit.renamed", unit, {"from": old})

    def move(self, by: By, unit_id: uuid.UUID, parent_code: str | None, seen_parent: str | None) -> None:
        actor = _acting(by)
        with self._db.transaction() as session:
            unit = self._unit(session, unit_id)
            current = session.get(OrgUnit, unit.parent_id) if unit.parent_id else None
            if (current.code if current else None) != (seen_parent or None):
                raise Conflict(CHANGED_MEANWHILE, code="unit_changed")
            rules.check_open(unit.closed_on is not None)
            parent = self._by_code(session, parent_code, lock=True) if parent_code else None
            line: list[uuid.UUID] = []
            walker = parent
            while walker is not None:
                line.append(walker.id)
                walker = session.get(OrgUnit, walker.parent_id) if walker.parent_id else None
            rules.check_move(unit.id, parent.id if parent else None, line)
            if parent is not None:
                rules.check_open(parent.closed_on is not None, f"The unit {parent.code}")
            unit.parent_id = parent.id if parent else None
            self._record(
                session,
                actor,
                "unit.moved",
                unit,
                {"from": current.code if current else None, "to": parent.code if parent else None},
            )

    def close(self, by: By, unit_id: uuid.UUID, on: date | None = None) -> None:
        actor = _acting(by)
        with self._db.transaction() as session:
            unit = self._unit(session, unit_id)
            people = session.scalar(select(func.count()).where(Person.unit_id == unit.id)) or 0
            below = (
                session.scalar(
                    select(func.count()).where(OrgUnit.parent_id == unit.id, OrgUnit.closed_on.is_(None))
                )
                or 0
            )
            rules.check_close(unit.closed_on is not None, int(people), int(below))
            unit.closed_on = on or self._clock().date()
            self._record(session, actor, "unit.closed", unit, {"closed_on": unit.closed_on.isoformat()})

    def _record(
        self, session: Session, actor: Actor, action: str, unit: OrgUnit, details: dict[str, object]
    ) -> None:
        self._audit.record(
            session,
            actor,
            action,
            "org_unit",
            unit.id,
            {"code": unit.code, "name": unit.name, **details},
            at=self._clock(),
        )

    @staticmethod
    def _unit(session: Session, unit_id: uuid.UUID) -> OrgUnit:
        unit = session.get(OrgUnit, unit_id, with_for_update=True)
        if unit is None:
            raise NotFound("There is no such unit.")
        return unit

    @staticmethod
    def _by_code(session: Session, code: str, *, lock: bool) -> OrgUnit:
        query = select(OrgUnit).where(OrgUnit.code == code.strip().upper())
        unit = session.scalar(query.with_for_update() if lock else query)
        if unit is None:
            raise InvalidInput(f"There is no unit with the code {code!r}.", fields={"parent": "unknown"})
        return unit
