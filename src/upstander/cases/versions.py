"""One case at a time: the row lock every change to a case takes first, and its version.

Every use case that changes a case locks its row (`SELECT ... FOR UPDATE` on PostgreSQL; on
SQLite each transaction already holds the write lock from BEGIN IMMEDIATE) before it reads the
timeline, so the next event's sequence number is computed by one writer at a time and the
rules decide on the case as the previous writer left it. The lock comes before the audit
chain's head, in every use case, so the two locks are always taken in the same order.

What a person saw is checked against the case's version: a step chosen on version 3 is refused
when the case is at version 4, with what changed and who did it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from upstander.accounts.models import User
from upstander.cases.engine.vocabulary import EVENT_TITLES
from upstander.cases.models import Case, CaseEvent
from upstander.errors import NotFound
from upstander.reports.versions import CaseOpening
from upstander.store import changes


def lock_case(
    session: Session, case_id: uuid.UUID, expected_version: int | None = None, *, now: datetime
) -> Case:
    """The case, locked for the rest of the transaction and read afresh; refused if it is no
    longer the version the person saw (`expected_version`, None when they did not say)."""
    case = session.get(Case, case_id, with_for_update=True, populate_existing=True)
    if case is None:
        raise NotFound("There is no such case.")
    if expected_version is not None and case.version != expected_version:
        raise changes.StaleVersion(last_change(session, case, now))
    return case


def hold(session: Session, case: Case) -> None:
    """Lock a case already in hand without reading it again (its pending changes stay)."""
    session.execute(select(Case.id).where(Case.id == case.id).with_for_update())


def touch(case: Case) -> None:
    """The case changed (a new timeline entry) even if none of its own columns did: move its version on."""
    flag_modified(case, "stage")


def _latest(session: Session, case: Case) -> tuple[str, str, datetime, uuid.UUID | None] | None:
    """The latest entry of the case's timeline: what it was, who made it, when, and their id."""
    row = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc()).limit(1)
    ).first()
    if row is None:
        return None
    who = (
        session.scalar(select(User.display_name).where(User.id == row.actor_id)) if row.actor_id else None
    ) or ("the reporter" if row.data.get("_actor") else "the system")
    return EVENT_TITLES.get(row.kind, row.kind.replace("_", " ")), who, row.at, row.actor_id


def last_change(session: Session, case: Case, now: datetime) -> str:
    """What changed the case last, who did it and when, in one sentence."""
    latest = _latest(session, case)
    if latest is None:
        return changes.case_changed(case.reference, "a change", "someone else", case.opened_at, now)
    what, who, at, _actor = latest
    return changes.case_changed(case.reference, what, who, at, now)


def colleague_just_acted(session: Session, case: Case, user_id: uuid.UUID, now: datetime) -> str | None:
    """When someone else changed the case moments ago, a sentence saying so (None otherwise):
    a step refused just after a colleague's is most likely refused because of it."""
    latest = _latest(session, case)
    if latest is None or latest[3] == user_id:
        return None
    what, who, at, _actor = latest
    return changes.just_done_by(what, who, at, now)


def opening(session: Session, case_id: uuid.UUID) -> CaseOpening:
    """Who opened the case and when, for a report's lock to name (reports/versions.py)."""
    case = session.get_one(Case, case_id)
    return CaseOpening(case.reference, case.opened_by_id, case.opened_at)
