"""The retention job: what is due (a dry run lists it) and deleting or anonymising it, audited.

Each batch of cases is one transaction. Each case is locked first (`cases.versions.lock_case`, the
lock a legal hold takes too) and its hold checked again under the lock, so a hold set while the
job runs wins. For each kind of record due, the content goes and the audit log says which kind
of record of which case went, never what it said. Audit entries are never deleted: the chain
still verifies after a run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from upstander.accounts.models import WebSession
from upstander.audit.service import Actor, AuditLog
from upstander.cases import versions
from upstander.cases.holds.models import LegalHold
from upstander.cases.holds.service import held_case_ids
from upstander.cases.models import Case, CaseEvent, DisclosedCopy
from upstander.cases.policy.model import RetentionSpec
from upstander.cases.policy.registry import PolicyRegistry
from upstander.db import Database, utcnow
from upstander.errors import NotFound
from upstander.reports.models import (
    Attachment,
    CaseKeyGrant,
    Message,
    Note,
    Report,
    ReportKeyGrant,
    RetiredReportKey,
)
from upstander.retention import rules
from upstander.retention.models import RetentionErasure
from upstander.safeguarding.models import Restriction, RestrictionReview, SeparationOrder

# The steps after which a case is closed for good (a closure the overseer upheld on review included).
CLOSING_EVENTS = ("closure_confirmed", "closure_upheld")
CLOSED_STAGE = "closed"
BATCH_CASES = 50
JOB = Actor.system("retention")


@dataclass
class RetentionRun:
    """What a run did: the records erased, and the cases it left because a hold came meanwhile."""

    erased: list[rules.Due] = field(default_factory=list)
    held_meanwhile: list[str] = field(default_factory=list)
    # Kinds left for a later run: an order or restriction of the case is still in force.
    still_in_force: list[rules.Due] = field(default_factory=list)
    batches: int = 0


class RetentionService:
    def __init__(
        self,
        database: Database,
        audit: AuditLog,
        policies: PolicyRegistry,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._audit = audit
        self._policies = policies
        self._clock = clock

    def due(self, now: datetime | None = None) -> list[rules.Due]:
        """The dry run: every record the job would delete or anonymise now, oldest first; nothing changes."""
        today = (now or self._clock()).date()
        with self._db.transaction() as session:
            return rules.choose_due(_closed_cases(session), self._rules_by_pack(session), today)

    def run(self, now: datetime | None = None, batch_cases: int = BATCH_CASES) -> RetentionRun:
        """Delete or anonymise everything due, one transaction per batch of cases, each erasure audited."""
        moment = now or self._clock()
        result = RetentionRun()
        for batch in rules.batches(self.due(moment), batch_cases):
            with self._db.transaction() as session:
                self._erase_batch(session, batch, moment, result)
            result.batches += 1
        return result

    def _rules_by_pack(self, session: Session) -> dict[str, Mapping[str, RetentionSpec] | None]:
        # A pack's current version decides: a new period published applies to every closed case.
        packs = session.scalars(select(Case.policy_pack).distinct()).all()
        found: dict[str, Mapping[str, RetentionSpec] | None] = {}
        for pack in packs:
            try:
                found[pack] = self._policies.current(pack).retention
            except NotFound:
                found[pack] = None  # a pack no longer installed: keep everything under it
        return found

    def _erase_batch(
        self, session: Session, batch: list[rules.Due], now: datetime, result: RetentionRun
    ) -> None:
        case_ids = sorted({due.case_id for due in batch})
        # Locks in one order (by id) so two runs, or a run and a hold, never wait on each other in a circle.
        cases = {case_id: versions.lock_case(session, case_id, now=now) for case_id in case_ids}
        held = held_case_ids(session, case_ids)
        done_kinds = {
            (row.case_id, row.kind)
            for row in session.scalars(select(RetentionErasure).where(RetentionErasure.case_id.in_(case_ids)))
        }
        for due in batch:
            case = cases[due.case_id]
            if due.case_id in held or case.stage != CLOSED_STAGE:
                if case.reference not in result.held_meanwhile:
                    result.held_meanwhile.append(case.reference)
                continue
            if (due.case_id, due.kind) in done_kinds:
                continue
            if not ERASERS[due.kind](session, case):
                result.still_in_force.append(due)
                continue
            session.add(RetentionErasure(case_id=case.id, kind=due.kind, erased_at=now))
            self._audit.record(
                session, JOB, "retention.erased", "case", case.id,
                {"kind": due.kind, "reference": case.reference, "closed_on": due.closed_on.isoformat()},
                at=now,
            )  # fmt: skip
            result.erased.append(due)


def _closed_cases(session: Session) -> list[rules.ClosedCase]:
    """Every closed case with its closing date, whether a hold stands, and what was already erased:
    three queries whatever the number of cases."""
    closed_at = func.max(CaseEvent.at)
    rows = session.execute(
        select(Case.id, Case.reference, Case.policy_pack, closed_at)
        .join(CaseEvent, CaseEvent.case_id == Case.id)
        .where(Case.stage == CLOSED_STAGE, CaseEvent.kind.in_(CLOSING_EVENTS))
        .group_by(Case.id, Case.reference, Case.policy_pack)
    ).all()
    held = _held_among_closed(session)
    erased: dict[uuid.UUID, set[str]] = {}
    for case_id, kind in session.execute(
        select(RetentionErasure.case_id, RetentionErasure.kind)
        .join(Case, Case.id == RetentionErasure.case_id)
        .where(Case.stage == CLOSED_STAGE)
    ):
        erased.setdefault(case_id, set()).add(kind)
    return [
        rules.ClosedCase(
            case_id=case_id,
            reference=reference,
            closed_on=at.date(),
            pack=pack,
            held=case_id in held,
            erased_kinds=frozenset(erased.get(case_id, ())),
        )
        for case_id, reference, pack, at in rows
    ]


def _held_among_closed(session: Session) -> set[uuid.UUID]:
    return set(
        session.scalars(
            select(LegalHold.case_id)
            .join(Case, Case.id == LegalHold.case_id)
            .where(Case.stage == CLOSED_STAGE, LegalHold.lifted_at.is_(None))
        )
    )


# --- What each kind of record is, and how it goes ------------------------------------------------


def _report_ids(session: Session, case: Case) -> list[uuid.UUID]:
    return list(session.scalars(select(Report.id).where(Report.case_id == case.id)))


def _erase_report_content(session: Session, case: Case) -> bool:
    """Statements, sealed identities, messages, notes and files go; every grant of each report key is
    shredded, and the receipt no longer opens anything. Category, channel and dates stay for statistics."""
    report_ids = _report_ids(session, case)
    if not report_ids:
        return True
    for table in (Message, Note, Attachment, ReportKeyGrant, RetiredReportKey):
        session.execute(delete(table).where(table.report_id.in_(report_ids)))
    session.execute(delete(WebSession).where(WebSession.report_id.in_(report_ids)))
    for report in session.scalars(select(Report).where(Report.id.in_(report_ids))):
        report.sealed_content = b""
        report.sealed_content_for_reporter = b""
        report.sealed_identity = None
        report.disclosed_identity = None
        report.case_sealed_private_key = None
        report.receipt_hash = f"erased:{report.id.hex}"
    return True


def _erase_case_content(session: Session, case: Case) -> bool:
    """The timeline's sealed free text, the copies disclosed to representatives and every grant of the
    case key go; the steps and their dates stay, anonymised, for statistics."""
    for event in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)):
        if "_sealed" in event.data:
            event.data = {name: value for name, value in event.data.items() if name != "_sealed"}
    session.execute(delete(DisclosedCopy).where(DisclosedCopy.case_id == case.id))
    session.execute(delete(CaseKeyGrant).where(CaseKeyGrant.case_id == case.id))
    # The older report key versions sealed to the case key go with it.
    session.execute(
        delete(RetiredReportKey).where(
            RetiredReportKey.user_id.is_(None),
            RetiredReportKey.report_id.in_(select(Report.id).where(Report.case_id == case.id)),
        )
    )
    for report in session.scalars(select(Report).where(Report.case_id == case.id)):
        report.case_sealed_private_key = None
    return True


def _erase_separation_orders(session: Session, case: Case) -> bool:
    """The case's orders, once every one has ended: one still in force protects someone today."""
    in_force = select(SeparationOrder.id).where(
        SeparationOrder.case_id == case.id, SeparationOrder.ended_at.is_(None)
    )
    if session.scalar(in_force.limit(1)) is not None:
        return False
    session.execute(delete(SeparationOrder).where(SeparationOrder.case_id == case.id))
    return True


def _erase_restrictions(session: Session, case: Case) -> bool:
    """The case's suspensions and restricted duties with their reviews, once every one has ended."""
    in_force = select(Restriction.id).where(Restriction.case_id == case.id, Restriction.ended_on.is_(None))
    if session.scalar(in_force.limit(1)) is not None:
        return False
    restriction_ids = select(Restriction.id).where(Restriction.case_id == case.id)
    session.execute(delete(RestrictionReview).where(RestrictionReview.restriction_id.in_(restriction_ids)))
    session.execute(delete(Restriction).where(Restriction.case_id == case.id))
    return True


ERASERS: Mapping[str, Callable[[Session, Case], bool]] = {
    "report_content": _erase_report_content,
    "case_content": _erase_case_content,
    "separation_orders": _erase_separation_orders,
    "restrictions": _erase_restrictions,
}


def describe(items: Iterable[rules.Due]) -> list[dict[str, str]]:
    """The dry run's lines: kind, reference, closed on, due since (no content, ever)."""
    return [
        {
            "kind": due.kind,
            "what": rules.KIND_LABELS.get(due.kind, due.kind),
            "reference": due.reference,
            "closed_on": due.closed_on.isoformat(),
            "due_since": due.due_since.isoformat(),
        }
        for due in items
    ]
