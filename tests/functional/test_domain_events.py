"""Domain events run their subscribers in the transaction of their cause: a failure undoes both."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.cases import CaseWalk
from common.clock import FakeClock
from common.reports import named, submission
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.audit.models import AuditEntry
from upstander.cases.events import CaseAssigned, CaseClosed, CaseStepTaken
from upstander.cases.models import Allegation, Case, Complaint
from upstander.patterns.events import InterventionFlagsRaised, SubjectsLinked
from upstander.reports.events import (
    ReportAcknowledged,
    ReporterAddedInformation,
    ReporterAnswered,
    ReportStored,
)
from upstander.reports.models import Report
from upstander.safeguarding.events import DetrimentAlertRaised
from upstander.services import Services


class SubscriberFailed(Exception):
    pass


def _fail(_session: Session, _event: object) -> None:
    raise SubscriberFailed


def _count(services: Services, model: type[object]) -> int:
    with services.database.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_every_kind_of_event_has_its_subscribers_listed_in_the_composition_root(services: Services) -> None:
    names = {
        kind: [getattr(s, "__qualname__", type(s).__qualname__) for s in services.events.subscribers(kind)]
        for kind in (
            ReportStored,
            ReportAcknowledged,
            ReporterAnswered,
            SubjectsLinked,
            CaseClosed,
            ReporterAddedInformation,
            CaseAssigned,
            CaseStepTaken,
            InterventionFlagsRaised,
            DetrimentAlertRaised,
        )
    }
    assert names[ReportStored] == [
        "DetrimentWatcher.watch_reporter",
        "LinkingService.link_report",
        "NotifyService.on_report_stored",
    ]
    assert names[ReportAcknowledged] == ["WorkflowService.on_report_acknowledged"]
    assert names[ReporterAnswered] == ["WorkflowService.on_reporter_answered"]
    assert names[SubjectsLinked] == ["InterventionService.evaluate_linked"]
    assert names[CaseClosed] == ["OrdersEndWithCase"]
    assert names[ReporterAddedInformation] == ["NotifyService.on_reporter_added"]
    assert names[CaseAssigned] == ["NotifyService.on_case_assigned"]
    assert names[CaseStepTaken] == ["NotifyService.on_case_step"]
    assert names[InterventionFlagsRaised] == ["NotifyService.on_flags_raised"]
    assert names[DetrimentAlertRaised] == ["NotifyService.on_detriment_alert"]


def test_a_stored_report_has_its_subjects_linked_in_the_same_transaction(
    services: Services, staff: Staff
) -> None:
    staff.user("handler", [Role.HANDLER])
    staff.user("overseer", [Role.OVERSEER])
    services.reports.submit(submission(identity=named()))

    assert _count(services, Report) == 1
    assert _count(services, Complaint) == 1
    assert _count(services, Allegation) == 1


@pytest.mark.parametrize("kind", [ReportStored, SubjectsLinked])
def test_a_failing_subscriber_undoes_the_report_that_caused_it(
    services: Services, staff: Staff, kind: type[object]
) -> None:
    staff.user("handler", [Role.HANDLER])
    staff.user("overseer", [Role.OVERSEER])
    services.events.subscribe(kind, _fail)

    with pytest.raises(SubscriberFailed):
        services.reports.submit(submission(identity=named()))

    assert _count(services, Report) == 0
    assert _count(services, Complaint) == 0
    assert _count(services, Allegation) == 0
    with services.database.transaction() as session:
        received = session.scalars(select(AuditEntry).where(AuditEntry.action == "report.received")).all()
    assert received == []


def test_a_failing_subscriber_undoes_the_closure_of_the_case(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    walk.assessed("no_case_to_answer")
    walk.step(
        walk.dm,
        "propose_closure",
        closure="no_case_to_answer",
        reasons="The account does not show misconduct.",
        reporter_summary="The remark, as you describe it, is not misconduct under the standards.",
    )
    services.events.subscribe(CaseClosed, _fail)

    with pytest.raises(SubscriberFailed):
        walk.attempt(walk.dm2, "confirm_closure", note="Agreed.")

    with services.database.transaction() as session:
        case = session.get_one(Case, uuid.UUID(walk.case_id))
        assert case.stage != "closed"
        closed = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "case.closure_confirmed")
        ).all()
    assert closed == []
