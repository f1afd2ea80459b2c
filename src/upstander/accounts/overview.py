"""The administrator's home: how many accounts there are in each state, which enrolments are
waiting, and how many lifecycle steps were taken lately. Counts only: the trail itself, with who
did what, is the overseer's to read; and nothing here touches a report or a case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from upstander.accounts.models import Enrolment, User
from upstander.audit.models import AuditEntry

RECENT = timedelta(days=30)
WAITING_SHOWN = 20


@dataclass(frozen=True)
class WaitingEnrolment:
    user_id: uuid.UUID
    username: str
    purpose: str
    expires_at: datetime
    expired: bool


@dataclass(frozen=True)
class AccountsOverview:
    accounts: int
    active: int
    disabled: int
    awaiting_enrolment: int
    waiting: list[WaitingEnrolment]
    # (action, how many in the last 30 days), most frequent first.
    recent_steps: list[tuple[str, int]]


def overview(session: Session, now: datetime) -> AccountsOverview:
    enrolled = User.enrolled_at.is_not(None)
    accounts, active, disabled = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((User.active.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((enrolled & User.active.is_(False), 1), else_=0)), 0),
        ).select_from(User)
    ).one()
    waiting_rows = session.execute(
        select(User.id, User.username, Enrolment.purpose, Enrolment.expires_at)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.used_at.is_(None), Enrolment.superseded_at.is_(None))
        .order_by(Enrolment.expires_at)
        .limit(WAITING_SHOWN)
    ).all()
    awaiting = session.scalar(select(func.count()).select_from(User).where(User.enrolled_at.is_(None))) or 0
    steps = session.execute(
        select(AuditEntry.action, func.count())
        .where(AuditEntry.action.like("user.%"), AuditEntry.at >= now - RECENT)
        .group_by(AuditEntry.action)
        .order_by(func.count().desc(), AuditEntry.action)
    ).all()
    return AccountsOverview(
        accounts=int(accounts),
        active=int(active),
        disabled=int(disabled),
        awaiting_enrolment=int(awaiting),
        waiting=[
            WaitingEnrolment(row.id, row.username, row.purpose.value, row.expires_at, row.expires_at <= now)
            for row in waiting_rows
        ],
        recent_steps=[(str(action), int(count)) for action, count in steps],
    )
