"""Recording a roster as the current postings, in bulk, and listing every conflict that follows.

A roster says where people already work: Upstander cannot undo a move the rostering system has
made, so the import records every usable row (with a history row for each change) and lists every
pair of separated people who are together, for welfare to act on. Changes asked for in advance go
through ``SafeguardingService.change_posting``, which refuses them.

The whole staff list and postings are read in three queries with ids kept as the database's text
(turning 150,000 ids into UUID objects would cost more than everything else), compared among
themselves, and written back in bulk; only the people named in orders in force are then loaded in
full for the rules.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, cast, insert, select, update
from sqlalchemy.orm import Session

from upstander.org.models import EmploymentStatus, OrgUnit, Person
from upstander.org.people import staff_key
from upstander.safeguarding import rules
from upstander.safeguarding.detriment import DetrimentWatcher
from upstander.safeguarding.models import Posting, PostingChange, PostingSource
from upstander.safeguarding.placements import (
    LEFT,
    POSTABLE,
    OrgIndex,
    Unit,
    placements,
    rule_orders_in_force,
)
from upstander.safeguarding.results import UNKNOWN_STAFF_NUMBER, UNKNOWN_UNIT, ConflictLine, RosterReport
from upstander.safeguarding.roster import ParsedRoster, RosterProblem, RosterRow, unit_key


@dataclass
class _Writes:
    new_postings: list[dict[str, Any]] = field(default_factory=list)
    # Moves are grouped by where people go: one UPDATE … WHERE id IN (…) per team and shift.
    moved_postings: dict[tuple[uuid.UUID, str], list[uuid.UUID]] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    moved_people: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)


def apply_roster(
    session: Session,
    parsed: ParsedRoster,
    now: datetime,
    today: date,
    watcher: DetrimentWatcher | None = None,
) -> RosterReport:
    """Record the usable rows of a roster and list every conflict among all current placements. A
    change of an existing posting is checked against the detriment watch (``watcher``); a first
    posting is not a change."""
    org = OrgIndex(session)
    report = RosterReport(rows_read=len(parsed.rows) + len(parsed.problems), problems=list(parsed.problems))
    connection = session.connection()
    unit_text = {
        unit_key(code): raw
        for raw, code in connection.execute(select(cast(OrgUnit.id, String), OrgUnit.code))
    }
    people = {
        staff_key(number): (raw_id, raw_unit, status)
        for raw_id, number, raw_unit, status in connection.execute(
            select(
                cast(Person.id, String),
                Person.staff_number,
                cast(Person.unit_id, String),
                Person.employment_status,
            )
        )
    }
    current = {
        raw_person: (raw_unit, shift)
        for raw_person, raw_unit, shift in connection.execute(
            select(cast(Posting.person_id, String), cast(Posting.unit_id, String), Posting.shift_pattern)
        ).all()
    }
    writes = _Writes()
    moves: list[tuple[uuid.UUID, str]] = []
    for row in parsed.rows:
        person = people.get(row.staff_number)
        unit = org.by_code.get(unit_key(row.unit_code))
        problem = _problem(row, person, unit)
        if problem is not None:
            report.problems.append(problem)
            continue
        assert person is not None  # _problem would have said so
        assert unit is not None
        raw_id, raw_unit, _ = person
        target = unit_text[unit_key(row.unit_code)]
        old = current.get(raw_id)
        if old == (target, row.shift):
            report.postings_unchanged += 1
            continue
        person_id = uuid.UUID(raw_id)
        _record(writes, person_id, raw_unit, old, unit.id, row.shift, now)
        if old is not None:
            moves.append((person_id, f"roster import: posted to {unit.code}, shift {row.shift}"))
        if raw_unit != target:
            writes.moved_people.setdefault(unit.id, []).append(person_id)
        current[raw_id] = (target, row.shift)
    _write(session, writes, now)
    report.postings_changed = len(writes.history)
    if watcher is not None:
        watcher.check_many(session, moves, today, "roster import")

    orders = rule_orders_in_force(session, today)
    report.orders_in_force = len(orders)
    involved = {person_id for order in orders for person_id in (order.person_a_id, order.person_b_id)}
    found = rules.existing_conflicts(placements(session, org, involved), orders)
    report.conflicts = [conflict_line(conflict) for conflict in found]
    return report


def _problem(
    row: RosterRow, person: tuple[str, str | None, EmploymentStatus] | None, unit: Unit | None
) -> RosterProblem | None:
    if person is None:
        return RosterProblem(row.line, row.staff_number, UNKNOWN_STAFF_NUMBER)
    if person[2] in LEFT:
        return RosterProblem(row.line, row.staff_number, f"this person has left ({person[2].value})")
    if unit is None:
        return RosterProblem(row.line, row.unit_code, UNKNOWN_UNIT)
    if unit.kind not in POSTABLE:
        return RosterProblem(row.line, row.unit_code, f"this is a {unit.kind.value}, not a team or unit")
    return None


def _record(
    writes: _Writes,
    person_id: uuid.UUID,
    record_unit: str | None,
    old: tuple[str, str] | None,
    unit_id: uuid.UUID,
    shift: str,
    now: datetime,
) -> None:
    if old is None:
        writes.new_postings.append(
            {"person_id": person_id, "unit_id": unit_id, "shift_pattern": shift, "since": now}
        )
    else:
        writes.moved_postings.setdefault((unit_id, shift), []).append(person_id)
    came_from = old[0] if old else record_unit
    writes.history.append(
        {
            "person_id": person_id,
            "from_unit_id": uuid.UUID(came_from) if came_from else None,
            "from_shift": old[1] if old else None,
            "to_unit_id": unit_id,
            "to_shift": shift,
            "changed_at": now,
            "source": PostingSource.IMPORT,
            "override": False,
            "overridden_order_ids": [],
        }
    )


def _write(session: Session, writes: _Writes, now: datetime) -> None:
    """Plain executemany inserts and grouped updates: the ORM's bulk paths, and one UPDATE per row,
    cost several times more."""
    tables = Posting.metadata.tables
    postings, people = tables[Posting.__tablename__], tables[Person.__tablename__]
    if writes.new_postings:
        session.execute(insert(postings), writes.new_postings)
    for (unit_id, shift), ids in writes.moved_postings.items():
        for chunk in _chunks(ids):
            session.execute(
                update(postings)
                .where(postings.c.person_id.in_(chunk))
                .values(unit_id=unit_id, shift_pattern=shift, since=now, set_by_id=None)
            )
    if writes.history:
        session.execute(insert(tables[PostingChange.__tablename__]), writes.history)
    for unit_id, ids in writes.moved_people.items():
        for chunk in _chunks(ids):
            session.execute(update(people).where(people.c.id.in_(chunk)).values(unit_id=unit_id))


def _chunks(ids: list[uuid.UUID], size: int = 2000) -> Iterator[list[uuid.UUID]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def conflict_line(conflict: rules.Conflict) -> ConflictLine:
    return ConflictLine(
        order_reference=conflict.order.reference,
        person=conflict.placement.who,
        team=conflict.placement.team_name,
        shift=conflict.placement.shift,
        other_person=conflict.other.who,
        other_team=conflict.other.team_name,
        other_shift=conflict.other.shift,
        reason=conflict.reason,
    )
