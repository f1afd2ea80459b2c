"""Setting and lifting legal holds on a case: one transaction each, audited, one winner at a time.

The case is locked first (`cases.versions.lock_case`), as every change to a case does, so two
decision makers setting a hold at once are served one after the other: the second is refused
with who set the hold and when (409). The retention job takes the same lock before it erases.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander import access
from upstander.accounts.models import User
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import Actor, AuditLog
from upstander.cases import versions
from upstander.cases.holds import rules
from upstander.cases.holds.models import LegalHold
from upstander.db import Database, utcnow
from upstander.reports import keys as keyring


@dataclass(frozen=True)
class HoldView:
    id: uuid.UUID
    case_id: uuid.UUID
    reason: str
    set_by: str
    set_at: datetime
    lifted_at: datetime | None
    lifted_by: str | None
    lift_reason: str | None

    @property
    def standing(self) -> bool:
        return self.lifted_at is None


def held_case_ids(session: Session, case_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these cases have a standing hold (one query, for any number of cases)."""
    if not case_ids:
        return set()
    rows = session.scalars(
        select(LegalHold.case_id).where(LegalHold.case_id.in_(list(case_ids)), LegalHold.lifted_at.is_(None))
    )
    return set(rows)


def _standing(session: Session, case_id: uuid.UUID) -> LegalHold | None:
    return session.scalars(
        select(LegalHold).where(LegalHold.case_id == case_id, LegalHold.lifted_at.is_(None))
    ).first()


def _name(session: Session, user_id: uuid.UUID | None) -> str | None:
    return session.scalar(select(User.display_name).where(User.id == user_id)) if user_id else None


class LegalHoldService:
    def __init__(self, database: Database, audit: AuditLog, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._audit = audit
        self._clock = clock

    def set_hold(self, principal: StaffPrincipal, case_id: uuid.UUID, reason: str | None) -> HoldView:
        """A decision maker holds a case, and with it its reports, from the retention job, with reasons."""
        access.require(principal.roles, access.Action.SET_LEGAL_HOLD)
        text = rules.check_reason(reason)
        now = self._clock()
        with self._db.transaction() as session:
            keyring.require_case_reader(session, case_id, principal.user_id)
            case = versions.lock_case(session, case_id, now=now)
            standing = _standing(session, case.id)
            rules.check_can_set(
                case.reference,
                standing.set_at if standing else None,
                _name(session, standing.set_by_id) if standing else None,
            )
            hold = LegalHold(case_id=case.id, reason=text, set_by_id=principal.user_id, set_at=now)
            session.add(hold)
            session.flush()
            # The reason stays sealed in the hold; the trail says that a hold was set, by whom, on what.
            self._audit.record(
                session, Actor.user(principal.user_id), "legal_hold.set", "case", case.id,
                {"reference": case.reference, "hold": str(hold.id)}, at=now,
            )  # fmt: skip
            return self._view(session, hold)

    def lift_hold(self, principal: StaffPrincipal, case_id: uuid.UUID, reason: str | None) -> HoldView:
        """A decision maker lifts the standing hold, with reasons; the case's records are then
        deleted on the retention job's next run if their time has come."""
        access.require(principal.roles, access.Action.SET_LEGAL_HOLD)
        text = rules.check_reason(reason)
        now = self._clock()
        with self._db.transaction() as session:
            keyring.require_case_reader(session, case_id, principal.user_id)
            case = versions.lock_case(session, case_id, now=now)
            standing = _standing(session, case.id)
            if standing is None:
                last = session.scalars(
                    select(LegalHold).where(LegalHold.case_id == case.id).order_by(LegalHold.lifted_at.desc())
                ).first()
                raise rules.lift_refused(
                    case.reference,
                    _name(session, last.lifted_by_id) if last else None,
                    last.lifted_at if last else None,
                )
            standing.lifted_at = now
            standing.lifted_by_id = principal.user_id
            standing.lift_reason = text
            self._audit.record(
                session, Actor.user(principal.user_id), "legal_hold.lifted", "case", case.id,
                {"reference": case.reference, "hold": str(standing.id)}, at=now,
            )  # fmt: skip
            return self._view(session, standing)

    def holds(self, principal: StaffPrincipal, case_id: uuid.UUID) -> list[HoldView]:
        """The holds of a case, newest first, for those who read it (at most a handful a case)."""
        access.require(principal.roles, access.Action.READ_CASE)
        with self._db.transaction() as session:
            keyring.require_case_reader(session, case_id, principal.user_id)
            rows = session.scalars(
                select(LegalHold)
                .where(LegalHold.case_id == case_id)
                .order_by(LegalHold.set_at.desc())
                .limit(50)
            ).all()
            names = dict(
                session.execute(
                    select(User.id, User.display_name).where(
                        User.id.in_(
                            {r.set_by_id for r in rows} | {r.lifted_by_id for r in rows if r.lifted_by_id}
                        )
                    )
                ).all()
            )
            return [_as_view(row, names) for row in rows]

    def _view(self, session: Session, hold: LegalHold) -> HoldView:
        ids = {hold.set_by_id} | ({hold.lifted_by_id} if hold.lifted_by_id else set())
        names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
        return _as_view(hold, names)


def _as_view(hold: LegalHold, names: dict[uuid.UUID, str]) -> HoldView:
    return HoldView(
        id=hold.id,
        case_id=hold.case_id,
        reason=hold.reason,
        set_by=names.get(hold.set_by_id, "someone"),
        set_at=hold.set_at,
        lifted_at=hold.lifted_at,
        lifted_by=names.get(hold.lifted_by_id) if hold.lifted_by_id else None,
        lift_reason=hold.lift_reason,
    )
