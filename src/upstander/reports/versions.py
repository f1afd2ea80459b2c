"""One report at a time: the row lock a handler's change to a report takes, and who changed it last.

Locks are taken in one order by every use case — the report's case, then the report, then the
audit chain's head — so two of them never wait on each other in a circle.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander.accounts.models import User
from upstander.reports.models import Message, MessageAuthor, Report
from upstander.store import changes


@dataclass(frozen=True)
class CaseOpening:
    reference: str
    opened_by_id: uuid.UUID | None
    opened_at: datetime


class CaseLocks(Protocol):
    """What a report's lock needs of the case it is in (cases/versions.py answers it; reports sit
    below cases, so the composition root hands it in)."""

    def lock_case(
        self, session: Session, case_id: uuid.UUID, expected_version: int | None = None, *, now: datetime
    ) -> object: ...

    def opening(self, session: Session, case_id: uuid.UUID) -> CaseOpening: ...


def lock_report(session: Session, report: Report, now: datetime, cases: CaseLocks) -> Report:
    """The report read afresh under its row lock, its case (if it has one) locked before it.

    A report put into a case between the first read and the lock is refused, naming the case
    and who opened it: the person acted on a report that was not in a case."""
    case_id = report.case_id
    if case_id is not None:
        cases.lock_case(session, case_id, now=now)
    session.refresh(report, with_for_update=True)
    if report.case_id is not None and report.case_id != case_id:
        raise changes.ChangedMeanwhile(put_into_case(session, report, now, cases))
    return report


def put_into_case(session: Session, report: Report, now: datetime, cases: CaseLocks) -> str:
    assert report.case_id is not None
    case = cases.opening(session, report.case_id)
    return changes.put_into_case(
        report.reference, case.reference, name_of(session, case.opened_by_id), case.opened_at, now
    )


def name_of(session: Session, user_id: uuid.UUID | None) -> str:
    name = session.scalar(select(User.display_name).where(User.id == user_id)) if user_id else None
    return name or "someone else"


def require_seen(
    session: Session, report: Report, expected_version: int | None, now: datetime, cases: CaseLocks
) -> None:
    """Refuse when the report is no longer the version the person saw (None: they did not say)."""
    if expected_version is None or report.version == expected_version:
        return
    who, when = last_change(session, report, cases)
    raise changes.StaleVersion(changes.report_changed(report.reference, who, when or now, now))


def last_change(session: Session, report: Report, cases: CaseLocks) -> tuple[str, datetime | None]:
    """Who last changed a report, as its own record says: its case, its acknowledgement or the
    latest message from staff, whichever came last."""
    changed: list[tuple[datetime, uuid.UUID | None]] = []
    if report.case_id is not None:
        case = cases.opening(session, report.case_id)
        changed.append((case.opened_at, case.opened_by_id))
    if report.acknowledged_at is not None:
        changed.append((report.acknowledged_at, report.acknowledged_by_id))
    latest = session.execute(
        select(Message.sent_at, Message.author_user_id)
        .where(Message.report_id == report.id, Message.author == MessageAuthor.STAFF)
        .order_by(Message.sent_at.desc())
        .limit(1)
    ).first()
    if latest is not None:
        changed.append((latest.sent_at, latest.author_user_id))
    if not changed:
        return "someone else", None
    when, who = max(changed, key=lambda change: change[0])
    return name_of(session, who), when
