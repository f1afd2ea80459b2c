"""The composition of services, built once per app (or per CLI command) from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from upstander.accounts.service import AccountService
from upstander.audit.service import AuditLog
from upstander.cases.dashboard import DashboardService
from upstander.cases.overseer_keys import OverseerKeys
from upstander.cases.oversight import OversightService
from upstander.cases.representation import RepresentationService
from upstander.cases.service import CaseService
from upstander.cases.workflow import PolicyRegistry, WorkflowService
from upstander.config import Settings
from upstander.db import Database, utcnow
from upstander.equality.service import StatisticsService
from upstander.key_fingerprints import open_server_keys
from upstander.keyfiles import ServerSecrets
from upstander.org.lists import VettingService
from upstander.patterns.escrow_client import key_service_from_settings
from upstander.patterns.escrow_service import EscrowService
from upstander.patterns.flags import InterventionService
from upstander.patterns.service import LinkingService
from upstander.relationships import Relationships
from upstander.reports.handling import HandlingService
from upstander.reports.identity import IdentityService
from upstander.reports.service import ReportService
from upstander.safeguarding.conflicts_service import ConflictService
from upstander.safeguarding.detriment import DetrimentService, DetrimentWatcher
from upstander.safeguarding.register import RegisterService
from upstander.safeguarding.service import SafeguardingService


@dataclass(frozen=True)
class Services:
    settings: Settings
    database: Database
    secrets: ServerSecrets
    audit: AuditLog
    accounts: AccountService
    reports: ReportService
    linking: LinkingService
    handling: HandlingService
    cases: CaseService
    workflow: WorkflowService
    dashboard: DashboardService
    identities: IdentityService
    vetting: VettingService
    statistics: StatisticsService
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
    linking = LinkingService(database, audit, clock)
    watcher = DetrimentWatcher(secrets.detriment, settings.detriment_window_days)
    reports = ReportService(database, settings, secrets, audit, linking, watcher, clock)
    workflow = WorkflowService(database, PolicyRegistry(settings.policies_dir), audit, clock)
    register = RegisterService(database, audit, settings.restriction_review_days, clock)
    detriment = DetrimentService(database, audit, watcher, clock)
    intervention = InterventionService(database, audit, workflow.policies, clock)
    linking.on_link(intervention.evaluate_people)
    return Services(
        settings=settings,
        database=database,
        secrets=secrets,
        audit=audit,
        accounts=AccountService(database, settings, secrets, audit, clock),
        reports=reports,
        linking=linking,
        handling=HandlingService(database, reports.limits, reports.files, audit, workflow, linking, clock),
        cases=CaseService(database, audit, workflow, clock),
        workflow=workflow,
        dashboard=DashboardService(database, workflow.policies, clock),
        identities=IdentityService(database, audit, clock),
        vetting=VettingService(database, audit, clock),
        statistics=StatisticsService(database, clock),
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
    )
