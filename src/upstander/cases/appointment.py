"""Who may be put on a case: the conflict screen applied to the workflow's appointments and decisions.

The investigator appointed by a step, and the decision maker taking a step as decision maker, are
screened for conflicts of interest with the case's subjects and complainants
(``safeguarding.conflicts``). A conflicted investigator is appointed only on a decision maker's
override with written reasons; a conflicted decision maker decides only once another decision
maker has overridden the conflict for them on this case.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander.accounts.models import Role, User, UserRole
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import AuditLog
from upstander.cases.models import Case
from upstander.cases.state import Event
from upstander.errors import InvalidInput
from upstander.safeguarding.conflicts import screen as conflicts_load
from upstander.safeguarding.conflicts.screen import Screened


def users_in_role(session: Session, role: Role) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == role, User.active.is_(True))
            .order_by(User.display_name)
        )
    )


def screen_role(session: Session, case: Case, role: Role) -> list[Screened]:
    """Every active holder of the role, with the conflicts that would keep them off this case."""
    return conflicts_load.screen(session, case, users_in_role(session, role), role.value)


def screen_step(
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
        conflicts_load.enforce(session, audit, case, me, "decision_maker", principal, None, now)
    for event in events:
        if event.kind != "investigator_assigned":
            continue
        user = _investigator(session, str(event.fields.get("investigator_id") or ""))
        conflicts_load.enforce(session, audit, case, user, "investigator", principal, override_reasons, now)


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
