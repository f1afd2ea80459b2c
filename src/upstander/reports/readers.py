"""Who has read a case or a report, and when: from the audit chain, where every read is recorded.

For the overseer and the decision makers, and only for a case or report they hold the key to (a
tie checked here as well as at the route). One page of reads is two queries: the entries, then the
names of the people in them. Looking is itself recorded."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander import access
from upstander.accounts.models import User
from upstander.accounts.service import StaffPrincipal
from upstander.audit.models import AuditEntry
from upstander.audit.service import AuditLog
from upstander.db import Database, utcnow
from upstander.errors import NotFound
from upstander.reports import keys as keyring
from upstander.reports.models import Report, ReportKeyGrant

PAGE_SIZE = 50
READ_ACTIONS = {"case": "case.read", "report": "report.read"}


@dataclass(frozen=True)
class Read:
    seq: int
    at: datetime
    reader: str  # a display name, or the chain's own label for one that is not a person
    username: str | None


@dataclass(frozen=True)
class ReadsPage:
    subject_type: str
    subject_id: uuid.UUID
    reference: str  # a report's; empty for a case
    reads: list[Read]
    next_before: int | None


class ReadersService:
    def __init__(self, database: Database, audit: AuditLog, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._audit = audit
        self._clock = clock

    def of_case(self, principal: StaffPrincipal, case_id: uuid.UUID, before: int | None = None) -> ReadsPage:
        access.require(principal.roles, access.Action.VIEW_READERS)
        with self._db.transaction() as session:
            if not keyring.can_read_case(session, case_id, principal.user_id):
                raise NotFound("There is no such case.")
            # The case's reference belongs to the cases domain above; the page links back to the case.
            return self._page(session, principal, "case", case_id, "", before)

    def of_report(
        self, principal: StaffPrincipal, report_id: uuid.UUID, before: int | None = None
    ) -> ReadsPage:
        access.require(principal.roles, access.Action.VIEW_READERS)
        with self._db.transaction() as session:
            report = session.get(Report, report_id)
            tied = report is not None and (
                session.get(ReportKeyGrant, (report_id, principal.user_id)) is not None
                or (
                    report.case_id is not None
                    and keyring.can_read_case(session, report.case_id, principal.user_id)
                )
            )
            if report is None or not tied:
                raise NotFound("There is no such report.")
            return self._page(session, principal, "report", report_id, report.reference, before)

    def _page(
        self,
        session: Session,
        principal: StaffPrincipal,
        subject_type: str,
        subject_id: uuid.UUID,
        reference: str,
        before: int | None,
    ) -> ReadsPage:
        query = (
            select(AuditEntry.seq, AuditEntry.at, AuditEntry.actor)
            .where(
                AuditEntry.subject_id == str(subject_id),
                AuditEntry.subject_type == subject_type,
                AuditEntry.action == READ_ACTIONS[subject_type],
            )
            .order_by(AuditEntry.seq.desc())
            .limit(PAGE_SIZE + 1)
        )
        if before is not None:
            query = query.where(AuditEntry.seq < before)
        rows = session.execute(query).all()
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        ids = {_user_id(row.actor) for row in rows} - {None}
        people = {
            row.id: (row.display_name, row.username)
            for row in session.execute(
                select(User.id, User.display_name, User.username).where(User.id.in_(list(ids)))
            )
        }
        reads = []
        for row in rows:
            person = people.get(_user_id(row.actor))
            reads.append(
                Read(row.seq, row.at, person[0] if person else row.actor, person[1] if person else None)
            )
        self._audit.record(
            session,
            principal.actor,
            "audit.readers_viewed",
            subject_type,
            subject_id,
            {"before": before},
            at=self._clock(),
        )
        return ReadsPage(
            subject_type, subject_id, reference, reads, reads[-1].seq if more and reads else None
        )


def _user_id(actor: str) -> uuid.UUID | None:
    kind, _, value = actor.partition(":")
    if kind != "user":
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
