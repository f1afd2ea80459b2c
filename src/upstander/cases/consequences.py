"""What a recorded step changes beyond the case's own timeline, in the same transaction.

Each kind of engine event may have a consequence here: the investigator given the case key, the
reports marked acknowledged or told, the barred and advisory lists, the stage each allegation
reached (for the statistics), and the events other domains act on (a closed case: ``CaseClosed``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from upstander.accounts.models import User
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import AuditLog
from upstander.cases.engine.state import Event
from upstander.cases.events import CaseClosed
from upstander.cases.models import Allegation, Case, CaseEvent, Complaint
from upstander.events import Events
from upstander.org import lists
from upstander.org.models import EmploymentStatus, Person
from upstander.reports import keys as keyring
from upstander.reports.messages import HANDLERS_NAME, add_message
from upstander.reports.models import MessageAuthor, Report, ReportStatus, ReportSubject


@dataclass(frozen=True)
class Effects:
    session: Session
    case: Case
    case_key: bytes
    principal: StaffPrincipal
    reports: list[Report]
    subjects: list[uuid.UUID]
    audit: AuditLog
    events: Events


def _on(event: Event) -> date:
    return date.fromisoformat(str(event.fields.get("on")))


def _investigator_can_read(fx: Effects, event: Event) -> None:
    """The investigator gets the case key; the allegations count as investigated from now."""
    _reached(2)(fx, event)
    investigator = fx.session.get(User, uuid.UUID(str(event.fields["investigator_id"])))
    if investigator is not None:
        keyring.grant_case_key(
            fx.session, fx.case.id, fx.case_key, {investigator.id: investigator.public_key}
        )


def _reports_acknowledged(fx: Effects, event: Event) -> None:
    for report in fx.reports:
        if report.acknowledged_at is None:
            report.acknowledged_at = event.at
            report.acknowledged_by_id = fx.principal.user_id
            report.last_feedback_at = event.at
            if report.status is not ReportStatus.CLOSED:
                report.status = ReportStatus.IN_CASE


def _reporters_told(fx: Effects, event: Event) -> None:
    """The outcome in plain words goes to every reporter of the case, through their own follow-up page."""
    for report in fx.reports:
        add_message(
            fx.session,
            report,
            MessageAuthor.STAFF,
            fx.principal.user_id,
            HANDLERS_NAME,
            str(event.fields.get("message") or ""),
            event.at,
        )
        report.last_feedback_at = event.at
        report.status = ReportStatus.CLOSED


def _reopened(fx: Effects, _event: Event) -> None:
    for report in fx.reports:
        report.status = ReportStatus.IN_CASE


def _employment_changed(fx: Effects, event: Event) -> None:
    for person_id in fx.subjects:
        person = fx.session.get(Person, person_id)
        if person is not None:
            person.employment_status = EmploymentStatus(str(event.fields["employment"]))
            person.left_on = date.fromisoformat(str(event.fields.get("effective_on") or _on(event)))


def _barred(fx: Effects, event: Event) -> None:
    """Police Act 1996, Part 4A: dismissal, or a finding that a former officer would have been dismissed."""
    for person_id in fx.subjects:
        lists.add_to_barred_list(
            fx.session,
            person_id=person_id,
            case_id=fx.case.id,
            case_reference=fx.case.reference,
            reason=_barred_reason(event),
            sanction=str(event.fields.get("sanction") or ""),
            decided_on=_on(event),
        )


def _barred_withdrawn(fx: Effects, event: Event) -> None:
    lists.withdraw_barred_entry(fx.session, case_id=fx.case.id, reason="overturned on appeal", on=_on(event))


def _advisory(fx: Effects, event: Event) -> None:
    """Leaving while under investigation puts the person on the advisory list."""
    for person_id in fx.subjects:
        lists.add_to_advisory_list(
            fx.session,
            person_id=person_id,
            case_id=fx.case.id,
            case_reference=fx.case.reference,
            reason=f"{event.fields.get('employment')} while the case was {event.fields.get('while_status')}",
            decided_on=_on(event),
        )


def _concluded(fx: Effects, event: Event) -> None:
    """A case closed without a barred-list outcome takes the officer off the advisory list for it."""
    barred = fx.session.scalar(
        select(func.count())
        .select_from(CaseEvent)
        .where(CaseEvent.case_id == fx.case.id, CaseEvent.kind == "barred_list_entry_required")
    )
    withdrawn = fx.session.scalar(
        select(func.count())
        .select_from(CaseEvent)
        .where(CaseEvent.case_id == fx.case.id, CaseEvent.kind == "barred_list_entry_withdrawn")
    )
    if not barred or withdrawn:
        lists.remove_advisory_entries(
            fx.session,
            case_id=fx.case.id,
            reason="the case concluded without a barred-list outcome",
            on=_on(event),
        )


def _allegations(fx: Effects) -> list[Allegation]:
    report_ids = [report.id for report in fx.reports]
    if not report_ids:
        return []
    return list(
        fx.session.scalars(select(Allegation).join(Complaint).where(Complaint.report_id.in_(report_ids)))
    )


def _reached(rank: int) -> Callable[[Effects, Event], None]:
    """Record how far the case's allegations went, for stage statistics (equality/stages.py)."""

    def advance(fx: Effects, event: Event) -> None:
        if event.kind == "case_to_answer_decided" and event.fields.get("finding") == "no_case_to_answer":
            return
        for allegation in _allegations(fx):
            allegation.stage_rank = max(allegation.stage_rank, rank)

    return advance


def _referred(fx: Effects, _event: Event) -> None:
    for allegation in _allegations(fx):
        allegation.referred_to_overseer = True


def _finding(fx: Effects, event: Event) -> None:
    finding = str(event.fields.get("finding") or "")
    for allegation in _allegations(fx):
        allegation.finding = finding
        if finding and finding != "not_proven":
            allegation.stage_rank = max(allegation.stage_rank, 4)


def _outcome(fx: Effects, event: Event) -> None:
    for allegation in _allegations(fx):
        allegation.sanction = str(event.fields.get("sanction") or "") or None
        allegation.outcome = allegation.sanction


def _closed(fx: Effects, event: Event) -> None:
    for allegation in _allegations(fx):
        allegation.closed_on = _on(event)
        if allegation.outcome is None:
            allegation.outcome = str(event.fields.get("closure") or "closed")
    _concluded(fx, event)
    # Separation orders made until the case closes end with it (services.py lists who acts).
    fx.events.publish(fx.session, CaseClosed(fx.case, _on(event), event.at, fx.principal))


CONSEQUENCES: dict[str, Callable[[Effects, Event], None]] = {
    "severity_assessed": _reached(1),
    "overseer_referral_made": _referred,
    "case_to_answer_decided": _reached(3),
    "finding_recorded": _finding,
    "outcome_recorded": _outcome,
    "closure_confirmed": _closed,
    "investigator_assigned": _investigator_can_read,
    "report_acknowledged": _reports_acknowledged,
    "reporter_told": _reporters_told,
    "case_reopened": _reopened,
    "reinvestigation_directed": _reopened,
    "employment_changed": _employment_changed,
    "barred_list_entry_required": _barred,
    "barred_list_entry_withdrawn": _barred_withdrawn,
    "advisory_list_entry_required": _advisory,
}


def _barred_reason(event: Event) -> str:
    sanction = str(event.fields.get("sanction") or "")
    return "would have been dismissed" if "would_have_been" in sanction else "dismissed"


def subject_ids(session: Session, reports: Sequence[Report]) -> list[uuid.UUID]:
    if not reports:
        return []
    ids = session.scalars(
        select(ReportSubject.person_id).where(
            ReportSubject.report_id.in_([r.id for r in reports]), ReportSubject.person_id.is_not(None)
        )
    )
    return list(dict.fromkeys(pid for pid in ids if pid is not None))
