"""Who may be put on a case: the conflict screen applied to the workflow's appointments and decisions.

The investigator appointed by a step, and the decision maker taking a step as decision maker, are
screened for conflicts of interest with the case's subjects and complainants
(``safeguarding/conflicts/``, which sits above cases: the composition root hands its screen in as a
``ConflictScreen``). A conflicted investigator is appointed only on a decision maker's
override with written reasons; a conflicted decision maker decides only once another decision
maker has overridden the conflict for them on this case.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from upstander.accounts.models import Role, User, UserRole
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import AuditLog
from upstander.cases.engine.state import Event
from upstander.cases.models import Case
from upstander.cases.rules import HandlerFilter
from upstander.errors import InvalidInput
from upstander.org.models import OrgUnit, Person


class Screened(Protocol):
    """A candidate for a part in a case, with the conflicts of interest that would keep them off it."""

    @property
    def user_id(self) -> uuid.UUID: ...

    @property
    def name(self) -> str: ...

    @property
    def conflicts(self) -> Sequence[object]: ...

    @property
    def reasons(self) -> tuple[str, ...]: ...


class ConflictScreen(Protocol):
    """What appointments need of the conflict-of-interest screen (safeguarding/conflicts/screen.py)."""

    def screen(
        self, session: Session, case: Case, users: Iterable[User], role: str = ...
    ) -> Sequence[Screened]: ...

    def enforce(
        self,
        session: Session,
        audit: AuditLog,
        case: Case,
        user: User,
        role: str,
        principal: StaffPrincipal,
        override_reasons: str | None,
        now: datetime,
    ) -> None: ...


def users_in_role(session: Session, role: Role) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == role, User.active.is_(True))
            .order_by(User.display_name)
        )
    )


def role_holders_by_unit(
    session: Session, role: Role, wanted: HandlerFilter, limit: int
) -> list[tuple[User, str]]:
    """Up to `limit` active holders of the role, each with the name of the unit their staff record is
    posted to ("" when none), ordered by unit then name: one unit's, or every unit's, by part of a name."""
    unit_name = func.coalesce(OrgUnit.name, "")
    statement = (
        select(User, unit_name)
        .join(UserRole, UserRole.user_id == User.id)
        .outerjoin(Person, Person.id == User.person_id)
        .outerjoin(OrgUnit, OrgUnit.id == Person.unit_id)
        .where(UserRole.role == role, User.active.is_(True))
    )
    if wanted.unit_id is not None:
        statement = statement.where(Person.unit_id == wanted.unit_id)
    elif wanted.no_unit:
        statement = statement.where(Person.unit_id.is_(None))
    if wanted.search:
        statement = statement.where(
            func.lower(User.display_name).contains(wanted.search.lower(), autoescape=True)
        )
    # Handlers with no unit on record come last.
    last = OrgUnit.name.is_(None)
    rows = session.execute(statement.order_by(last, unit_name, User.display_name, User.id).limit(limit))
    return [(user, name) for user, name in rows]


def units_of_role(session: Session, role: Role, limit: int) -> list[tuple[uuid.UUID | None, str, int]]:
    """The units the role's active holders are posted to, with how many in each; None is "no unit"."""
    rows = session.execute(
        select(OrgUnit.id, OrgUnit.name, func.count())
        .select_from(User)
        .join(UserRole, UserRole.user_id == User.id)
        .outerjoin(Person, Person.id == User.person_id)
        .outerjoin(OrgUnit, OrgUnit.id == Person.unit_id)
        .where(UserRole.role == role, User.active.is_(True))
        .group_by(OrgUnit.id, OrgUnit.name)
        .order_by(OrgUnit.name.is_(None), OrgUnit.name)
        .limit(limit)
    )
    return [(unit_id, name or "", int(count)) for unit_id, name, count in rows]


def screen_role(conflicts: ConflictScreen, session: Session, case: Case, role: Role) -> Sequence[Screened]:
    """Every active holder of the role, with the conflicts that would keep them off this case."""
    return conflicts.screen(session, case, users_in_role(session, role), role.value)


def screen_step(
    conflicts: ConflictScreen,
    session: Session,
    audit: AuditLog,
    case: Case,
    events: Sequence[Event],
    principal: StaffPrincipal,
    override_reasons: str,
    now: datetime,
) -> None:
    """Refuse a step that would put a conflicted person on the case (see the module docstring)."""
    if events and events[0].fields.get("role") == "decision_maker":
        me = session.get_one(User, principal.user_id)
        conflicts.enforce(session, audit, case, me, "decision_maker", principal, None, now)
    for event in events:
        if event.kind != "investigator_assigned":
            continue
        user = _investigator(session, str(event.fields.get("investigator_id") or ""))
        conflicts.enforce(session, audit, case, user, "investigator", principal, override_reasons, now)


def _investigator(session: Session, user_id: str) -> User:
    try:
        user = session.get(User, uuid.UUID(user_id))
    except ValueError:
        user = None
    if user is None or not user.active or Role.INVESTIGATOR not in user.roles:
        raise InvalidInput(
            "The chosen person is not an active investigator.",
            fields={"investigator_id": "not an investigator"},
        )
    return user
