"""The composition of services, built once per app (or per CLI command) from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from upstander.accounts.enrolment import EnrolmentService
from upstander.accounts.lifecycle import AccountLifecycle
from upstander.accounts.service import AccountService
from upstander.accounts.trail import AuditTrail
from upstander.analysis.service import AnalysisService
from upstander.audit.service import AuditLog
from upstander.cases import versions as case_versions
from upstander.cases.case_file import CaseFileService
from upstander.cases.dashboard import DashboardService
from upstander.cases.events import CaseAssigned, CaseClosed, CaseStepTaken
from upstander.cases.holds.service import LegalHoldService
from upstander.cases.lists import report_case_handled_by
from upstander.cases.overseer_keys import OverseerKeys
from upstander.cases.policy.registry import PolicyRegistry
from upstander.cases.representation.service import RepresentationService
from upstander.cases.service import CaseService, case_public_keys, case_references, cases_naming
from upstander.cases.workflow import WorkflowService
from upstander.config import Settings
from upstander.db import Database, utcnow
from upstander.equality.service import StatisticsService
from upstander.events import Events
from upstander.notify.mail import mailer_from_settings
from upstander.notify.queue import queue_for
from upstander.notify.service import NotifyService
from upstander.org.lists import VettingService
from upstander.org.units.service import UnitService
from upstander.patterns.escrow.client import key_service_from_settings
from upstander.patterns.escrow.service import EscrowService
from upstander.patterns.events import InterventionFlagsRaised, SubjectsLinked
from upstander.patterns.flags import InterventionService
from upstander.patterns.service import LinkingService
from upstander.reports.events import (
    ReportAcknowledged,
    ReporterAddedInformation,
    ReporterAnswered,
    ReportStored,
)
from upstander.reports.follow_up import ReporterFollowUp
from upstander.reports.handling import HandlingService
from upstander.reports.identity import IdentityService
from upstander.reports.readers import ReadersService
from upstander.reports.rotation import ReportKeyRotation
from upstander.reports.service import ReportService
from upstander.retention.service import RetentionService
from upstander.retention.subject_access import SubjectAccessService
from upstander.safeguarding.case_closure import OrdersEndWithCase
from upstander.safeguarding.conflicts import screen as conflict_screen
from upstander.safeguarding.conflicts.service import ConflictService
from upstander.safeguarding.detriment import DetrimentService, DetrimentWatcher
from upstander.safeguarding.events import DetrimentAlertRaised
from upstander.safeguarding.oversight import OversightService
from upstander.safeguarding.register.service import RegisterService
from upstander.safeguarding.service import SafeguardingService
from upstander.store.key_fingerprints import open_server_keys
from upstander.store.keyfiles import ServerSecrets
from upstander.web.relationships import Relationships


@dataclass(frozen=True)
class Services:
    settings: Settings
    database: Database
    events: Events
    secrets: ServerSecrets
    audit: AuditLog
    accounts: AccountService
    lifecycle: AccountLifecycle
    enrolment: EnrolmentService
    trail: AuditTrail
    reports: ReportService
    follow_up: ReporterFollowUp
    linking: LinkingService
    handling: HandlingService
    readers: ReadersService
    units: UnitService
    cases: CaseService
    workflow: WorkflowService
    dashboard: DashboardService
    identities: IdentityService
    vetting: VettingService
    statistics: StatisticsService
    analysis: AnalysisService
    safeguarding: SafeguardingService
    relationships: Relationships
    clock: Callable[[], datetime]
    escrow: EscrowService
    conflicts: ConflictService
    representation: RepresentationService
    oversight: OversightService
    overseer_keys: OverseerKeys
    register: RegisterService
    detriment: DetrimentService
    intervention: InterventionService
    holds: LegalHoldService
    retention: RetentionService
    subject_access: SubjectAccessService
    case_files: CaseFileService
    notify: NotifyService


def build_services(
    settings: Settings, database: Database | None = None, clock: Callable[[], datetime] = utcnow
) -> Services:
    given = database
    database = database or Database.from_url(
        settings.resolved_database_url,
        busy_timeout_seconds=settings.database_busy_timeout_seconds,
        connect_timeout_seconds=settings.database_connect_timeout_seconds,
    )
    try:
        keys = open_server_keys(settings, database)
    except BaseException:
        if given is None:
            database.dispose()
        raise
    secrets = keys.secrets
    audit = AuditLog(keys.audit_seed, settings.audit_checkpoint_every)
    events = Events()
    linking = LinkingService(database, audit, events, clock)
    watcher = DetrimentWatcher(secrets.detriment, settings.detriment_window_days, events)
    reports = ReportService(database, settings, secrets, audit, events, clock)
    workflow = WorkflowService(
        database, PolicyRegistry(settings.policies_dir), audit, events, conflict_screen, clock
    )
    register = RegisterService(database, audit, settings.restriction_review_days, clock)
    detriment = DetrimentService(database, audit, watcher, clock)
    intervention = InterventionService(database, audit, workflow.policies, clock, events)
    cases = CaseService(database, audit, workflow, clock, events)
    notify = NotifyService(
        database,
        audit,
        queue_for(settings.resolved_database_url),
        mailer_from_settings(settings),
        DashboardService(database, workflow.policies, clock),
        settings.public_base_url,
        timedelta(seconds=settings.notification_lease_seconds),
        timedelta(days=settings.notification_retention_days),
        clock,
        register.due,
    )
    subscribe(events, audit, linking, watcher, workflow, intervention, notify)
    return Services(
        settings=settings,
        database=database,
        events=events,
        secrets=secrets,
        audit=audit,
        accounts=AccountService(database, settings, secrets, audit, clock),
        # Losing the last reading role, or being disabled, replaces the report keys one held.
        lifecycle=AccountLifecycle(database, settings, audit, ReportKeyRotation(case_public_keys), clock),
        enrolment=EnrolmentService(database, settings, secrets, audit, clock),
        trail=AuditTrail(database, audit, clock),
        reports=reports,
        follow_up=reports.follow_up,
        linking=linking,
        readers=ReadersService(database, audit, clock),
        units=UnitService(database, audit, clock),
        handling=HandlingService(
            database,
            reports.limits,
            reports.files,
            audit,
            events,
            case_references,
            case_versions,
            linking,
            clock,
            case_handled_by=report_case_handled_by,
        ),
        cases=cases,
        workflow=workflow,
        dashboard=DashboardService(database, workflow.policies, clock),
        identities=IdentityService(database, audit, clock),
        vetting=VettingService(database, audit, cases_naming, clock),
        statistics=StatisticsService(database, clock),
        analysis=AnalysisService(database),
        safeguarding=SafeguardingService(database, audit, clock, watcher),
        relationships=Relationships(database),
        clock=clock,
        register=register,
        detriment=detriment,
        escrow=EscrowService(
            database, settings, audit, linking, reports.limits, key_service_from_settings(settings), clock
        ),
        conflicts=ConflictService(database, audit, clock),
        overseer_keys=OverseerKeys(database, audit, clock),
        representation=RepresentationService(database, audit, workflow, clock),
        # The overseer's view reads through the same (stateless) services as everyone else.
        oversight=OversightService(
            DashboardService(database, workflow.policies, clock),
            ConflictService(database, audit, clock),
            SafeguardingService(database, audit, clock, watcher),
            detriment,
            register,
        ),
        intervention=intervention,
        holds=LegalHoldService(database, audit, clock),
        retention=RetentionService(database, audit, workflow.policies, clock),
        subject_access=SubjectAccessService(database, audit, clock),
        case_files=CaseFileService(database, audit, cases, clock),
        notify=notify,
    )


def subscribe(
    events: Events,
    audit: AuditLog,
    linking: LinkingService,
    watcher: DetrimentWatcher,
    workflow: WorkflowService,
    intervention: InterventionService,
    notify: NotifyService,
) -> None:
    """Every subscriber of every domain event, in the order each runs (see events.py).

    Each runs in the transaction of the event's cause: if one fails, the cause is undone with it.
    """
    # A report stored: its named reporter is watched for detriment, its subjects become allegations.
    events.subscribe(ReportStored, watcher.watch_reporter)
    events.subscribe(ReportStored, linking.link_report)
    # A report acknowledged or answered inside a case: the case's acknowledgement and feedback clocks.
    events.subscribe(ReportAcknowledged, workflow.on_report_acknowledged)
    events.subscribe(ReporterAnswered, workflow.on_reporter_answered)
    # Allegations linked to people: the early-intervention rules look at those people again.
    events.subscribe(SubjectsLinked, intervention.evaluate_linked)
    # A case closed: the separation orders made until it closes end with it.
    events.subscribe(CaseClosed, OrdersEndWithCase(audit))
    # Content-free notifications, written in the cause's transaction (notify/): a new report to the
    # intake team, information a reporter added, a case to its new handler; a referral or review
    # request to the overseer, a direction to the handler; flags to decision makers; a detriment
    # alert to the overseer and the custodian.
    events.subscribe(ReportStored, notify.on_report_stored)
    events.subscribe(ReporterAddedInformation, notify.on_reporter_added)
    events.subscribe(CaseAssigned, notify.on_case_assigned)
    events.subscribe(CaseStepTaken, notify.on_case_step)
    events.subscribe(InterventionFlagsRaised, notify.on_flags_raised)
    events.subscribe(DetrimentAlertRaised, notify.on_detriment_alert)
