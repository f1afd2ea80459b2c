"""Opening cases from reports and assigning handlers; the case key is sealed to each reader."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from upstander import access, crypto
from upstander.accounts.models import Role, User
from upstander.accounts.service import StaffPrincipal, users_with_roles
from upstander.audit.service import AuditLog
from upstander.cases import appointment, lists, versions
from upstander.cases import rules as case_rules
from upstander.cases.appointment import Screened
from upstander.cases.engine.clocks import local_date
from upstander.cases.engine.owed import NOTHING_DUE
from upstander.cases.events import CaseAssigned
from upstander.cases.models import Case, CaseEvent
from upstander.cases.policy.registry import PolicyRegistry
from upstander.cases.views import WorkflowView
from upstander.cases.workflow import WorkflowService
from upstander.db import Database, unused_value, utcnow
from upstander.errors import Conflict, InvalidInput, NotFound
from upstander.events import Events
from upstander.listing import rules as paging
from upstander.reports import keys as keyring
from upstander.reports import rules as report_rules
from upstander.reports import versions as report_versions
from upstander.reports.models import Report, ReportStatus, ReportSubject
from upstander.store import changes


@dataclass(frozen=True)
class CaseSummary:
    id: uuid.UUID
    reference: str
    opened_at: datetime
    stage: str
    handler_name: str | None
    report_count: int
    version: int
    # A reporter added to one of its reports since this reader last opened that report.
    unread: bool = False
    # The case's first duty and the roles owed its next step (`engine/owed.py`).
    next_due_on: date | None = None
    next_due_label: str | None = None
    owed_by: tuple[str, ...] = ()
    # The stage in the words of the case's policy pack: the same words the case page uses.
    stage_label: str = ""


@dataclass(frozen=True)
class CaseReport:
    id: uuid.UUID
    reference: str
    category: str
    received_at: datetime


@dataclass(frozen=True)
class CaseView:
    id: uuid.UUID
    reference: str
    opened_at: datetime
    stage: str
    policy: str
    handler_id: uuid.UUID | None
    handler_name: str | None
    reports: list[CaseReport]
    workflow: WorkflowView
    version: int


@dataclass(frozen=True)
class HandlerChoice:
    user_id: uuid.UUID
    name: str
    # The unit the handler's staff record is posted to ("" when none): lists group handlers by it.
    unit: str = ""


@dataclass(frozen=True)
class UnitChoice:
    # None: the handlers with no unit on record.
    unit_id: uuid.UUID | None
    name: str
    handlers: int

    @property
    def token(self) -> str:
        return str(self.unit_id) if self.unit_id else "none"


@dataclass(frozen=True)
class HandlerPicker:
    """The handlers offered for a case, grouped by unit, with the units to narrow them to."""

    groups: list[tuple[str, list[Screened]]]
    units: list[UnitChoice]
    wanted: case_rules.HandlerFilter
    # More handlers match than are offered: choose a unit or type part of a name.
    more: bool

    @property
    def handlers(self) -> list[Screened]:
        return [handler for _, handlers in self.groups for handler in handlers]


# The assignment picker and the case list's handler filter offer at most this many handlers.
HANDLER_CHOICES = 200


class CaseService:
    def __init__(
        self,
        database: Database,
        audit: AuditLog,
        workflow: WorkflowService,
        clock: Callable[[], datetime] = utcnow,
        events: Events | None = None,
    ) -> None:
        self._db = database
        self._audit = audit
        self._workflow = workflow
        self._clock = clock
        self._events = events or Events()

    def handlers(self, wanted: case_rules.HandlerFilter | None = None) -> list[HandlerChoice]:
        """Active handlers by unit, then name: at most `HANDLER_CHOICES`, one unit's when asked."""
        with self._db.transaction() as session:
            rows = appointment.role_holders_by_unit(
                session, Role.HANDLER, wanted or case_rules.HandlerFilter(), HANDLER_CHOICES
            )
            return [HandlerChoice(user.id, user.display_name, unit) for user, unit in rows]

    def open_case(
        self, principal: StaffPrincipal, report_ids: Sequence[uuid.UUID], handler_id: uuid.UUID | None = None
    ) -> CaseSummary:
        """One case from one or more reports; each report key is sealed to the new case key.

        The reports are locked first (in one order, so two openings never wait on each other in a
        circle): of two handlers opening a case from the same report at once, the second finds it
        already in the first one's case and is told so, by whom, and nothing of theirs is kept."""
        access.require(principal.roles, access.Action.OPEN_CASE)
        if not report_ids:
            raise InvalidInput(
                "Choose at least one report to open a case from.", fields={"report_ids": "none chosen"}
            )
        now = self._clock()
        case_keys = crypto.generate_key_pair()
        with self._db.transaction() as session:
            handler = _handler(session, handler_id or principal.user_id)
            locked = {
                report_id: session.get(Report, report_id, with_for_update=True, populate_existing=True)
                for report_id in sorted(set(report_ids))
            }
            reports = []
            for report_id in dict.fromkeys(report_ids):
                report = locked[report_id]
                if report is None:
                    raise NotFound("One of the chosen reports does not exist.")
                if report.case_id is not None:
                    raise changes.ChangedMeanwhile(
                        report_versions.put_into_case(session, report, now, versions)
                    )
                report_key = keyring.report_private_key(
                    session, report, principal.user_id, principal.private_key
                )
                reports.append((report, report_key))
            case = Case(
                id=uuid.uuid4(),
                reference=unused_value(session, Case.reference, lambda: report_rules.new_reference("C")),
                opened_at=now,
                opened_by_id=principal.user_id,
                handler_id=handler.id,
                stage="received",
                policy_pack="",
                policy_version="",
                public_key=case_keys.public,
            )
            session.add(case)
            session.flush()
            for report, report_key in reports:
                keyring.seal_retired_to_case(
                    session, report, principal.user_id, principal.private_key, case.public_key
                )
                report.case_id = case.id
                report.case_sealed_private_key = crypto.seal(case.public_key, report_key)
                report.status = ReportStatus.IN_CASE
            session.flush()
            self._workflow.conflicts.enforce(
                session, self._audit, case, handler, "handler", principal, None, now
            )
            readers = users_with_roles(session, access.CASE_READERS)
            readers[principal.user_id] = _public_key(session, principal.user_id)
            readers[handler.id] = handler.public_key
            keyring.grant_case_key(session, case.id, case_keys.private, readers)
            self._workflow.start(session, case, principal, [report for report, _ in reports])
            _event(session, case, "handler_assigned", principal, now, {"handler": handler.display_name})
            self._audit.record(
                session,
                principal.actor,
                "case.opened",
                "case",
                case.id,
                {
                    "reference": case.reference,
                    "reports": [str(r.id) for r, _ in reports],
                    "handler": str(handler.id),
                },
            )
            session.flush()
            if handler.id != principal.user_id:
                self._events.publish(session, CaseAssigned(case, handler.id, principal, now))
            return CaseSummary(
                case.id,
                case.reference,
                case.opened_at,
                case.stage,
                handler.display_name,
                len(reports),
                case.version,
                stage_label=self._workflow.policies.get(case.policy_pack, case.policy_version).state_label(
                    case.stage
                ),
            )

    def handler_screen(
        self, principal: StaffPrincipal, case_id: uuid.UUID, wanted: case_rules.HandlerFilter | None = None
    ) -> HandlerPicker:
        """The handlers who could take this case, by unit, each with the conflicts that keep them off
        it: at most `HANDLER_CHOICES`, narrowed to one unit or by part of a name when asked."""
        access.require(principal.roles, access.Action.ASSIGN_HANDLER)
        chosen = wanted or case_rules.HandlerFilter()
        with self._db.transaction() as session:
            case = session.get(Case, case_id)
            if case is None:
                raise NotFound("There is no such case.")
            keyring.require_case_reader(session, case.id, principal.user_id)
            rows = appointment.role_holders_by_unit(session, Role.HANDLER, chosen, HANDLER_CHOICES + 1)
            offered = rows[:HANDLER_CHOICES]
            screened = {
                candidate.user_id: candidate
                for candidate in self._workflow.conflicts.screen(
                    session, case, [user for user, _ in offered], Role.HANDLER.value
                )
            }
            groups: dict[str, list[Screened]] = {}
            for user, unit in offered:
                groups.setdefault(unit, []).append(screened[user.id])
            units = [
                UnitChoice(unit_id, name, count)
                for unit_id, name, count in appointment.units_of_role(session, Role.HANDLER, HANDLER_CHOICES)
            ]
            return HandlerPicker(list(groups.items()), units, chosen, len(rows) > HANDLER_CHOICES)

    def assign_handler(
        self,
        principal: StaffPrincipal,
        case_id: uuid.UUID,
        handler_id: uuid.UUID,
        override_reasons: str | None = None,
        expected_version: int | None = None,
    ) -> int:
        """A handler without a conflict of interest, or a conflicted one on a decision maker's override.

        Locks the case first, as every step does; with `expected_version` an assignment chosen on a
        case that has changed since is refused with what changed. Returns the case's new version."""
        access.require(principal.roles, access.Action.ASSIGN_HANDLER)
        now = self._clock()
        with self._db.transaction() as session:
            case = versions.lock_case(session, case_id, expected_version, now=now)
            handler = _handler(session, handler_id)
            if case.handler_id == handler.id:
                raise Conflict(f"{handler.display_name} is already the handler of {case.reference}.")
            case_key = keyring.case_private_key(session, case.id, principal.user_id, principal.private_key)
            self._workflow.conflicts.enforce(
                session, self._audit, case, handler, "handler", principal, override_reasons, now
            )
            keyring.grant_case_key(session, case.id, case_key, {handler.id: handler.public_key})
            case.handler_id = handler.id
            _event(session, case, "handler_assigned", principal, now, {"handler": handler.display_name})
            self._audit.record(
                session,
                principal.actor,
                "case.handler_assigned",
                "case",
                case.id,
                {"handler": str(handler.id)},
            )
            session.flush()
            self._events.publish(session, CaseAssigned(case, handler.id, principal, now))
            return case.version

    def my_cases(
        self,
        principal: StaffPrincipal,
        wanted: case_rules.CaseFilter | None = None,
        *,
        sort: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> paging.Page[CaseSummary]:
        """One page of the cases whose key this person holds, newest first unless sorted otherwise;
        searched by reference or a linked subject's staff number, filtered by stage, category, handler."""
        access.require(principal.roles, access.Action.READ_CASE)
        default_column, default_descending = case_rules.CASE_DEFAULT_SORT
        order = paging.parse_sort(
            sort, case_rules.CASE_SORTS, paging.Sort(default_column, default_descending)
        )
        size = paging.parse_limit(limit)
        today = local_date(self._clock(), self._workflow.policies.current().calendar)
        with self._db.transaction() as session:
            return lists.case_page(
                session,
                principal.user_id,
                wanted or case_rules.CaseFilter(),
                today,
                order,
                cursor,
                size,
                case_summaries(self._workflow.policies),
            )

    def view_case(self, principal: StaffPrincipal, case_id: uuid.UUID) -> CaseView:
        access.require(principal.roles, access.Action.READ_CASE)
        with self._db.transaction() as session:
            case = session.get(Case, case_id)
            if case is None:
                raise NotFound("There is no such case.")
            case_key = keyring.case_private_key(session, case.id, principal.user_id, principal.private_key)
            names = dict(session.execute(select(User.id, User.display_name)).all())
            reports = [
                CaseReport(r.id, r.reference, str(report_rules.CATEGORY_LABELS[r.category]), r.received_at)
                for r in session.scalars(
                    select(Report).where(Report.case_id == case.id).order_by(Report.received_at)
                )
            ]
            workflow = self._workflow.view(session, case, case_key, principal)
            self._audit.record(session, principal.actor, "case.read", "case", case.id)
            return CaseView(
                id=case.id,
                reference=case.reference,
                opened_at=case.opened_at,
                stage=case.stage,
                policy=f"{case.policy_pack} {case.policy_version}",
                handler_id=case.handler_id,
                handler_name=names.get(case.handler_id) if case.handler_id else None,
                reports=reports,
                workflow=workflow,
                version=case.version,
            )


def _handler(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None or not user.active or Role.HANDLER not in user.roles:
        raise InvalidInput(
            "The chosen person is not an active case handler.", fields={"handler_id": "not a handler"}
        )
    return user


def _public_key(session: Session, user_id: uuid.UUID) -> bytes:
    return session.get_one(User, user_id).public_key


def _event(
    session: Session, case: Case, kind: str, principal: StaffPrincipal, now: datetime, data: dict[str, Any]
) -> None:
    versions.hold(session, case)
    versions.touch(case)
    last = session.scalar(select(func.max(CaseEvent.seq)).where(CaseEvent.case_id == case.id)) or 0
    session.add(
        CaseEvent(case_id=case.id, seq=last + 1, at=now, kind=kind, actor_id=principal.user_id, data=data)
    )
    session.flush()


def case_summaries(policies: PolicyRegistry) -> Callable[[Any], CaseSummary]:
    """How the lists show a row of `lists.case_page`: the stage in the words of its case's pack."""

    def summary(row: Any) -> CaseSummary:
        return CaseSummary(
            row.id,
            row.reference,
            row.opened_at,
            row.stage,
            row.handler_name,
            row.report_count or 0,
            row.version,
            bool(row.unread),
            None if row.next_due_on == NOTHING_DUE else row.next_due_on,
            row.next_due_label,
            tuple(role for role in row.owed_by.split(",") if role),
            policies.get(row.policy_pack, row.policy_version).state_label(row.stage),
        )

    return summary


def case_references(session: Session, case_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The reference of each of these cases, for the pages of the reports in them."""
    if not case_ids:
        return {}
    rows = session.execute(select(Case.id, Case.reference).where(Case.id.in_(list(case_ids))))
    return dict(rows.all())


def case_public_keys(session: Session, case_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, bytes]:
    """The public key of each of these cases, to seal a report's new key version to its case."""
    if not case_ids:
        return {}
    rows = session.execute(select(Case.id, Case.public_key).where(Case.id.in_(list(case_ids))))
    return {row[0]: row[1] for row in rows}


# The workflow keeps cases.stage equal to its status; a closed case under review is still decided.
CLOSED_STAGES = frozenset({"closed", "review_requested"})


def cases_naming(session: Session, person_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, dict[str, bool]]:
    """For each of these people, the cases whose reports name them: reference -> still open."""
    cases: dict[uuid.UUID, dict[str, bool]] = {person_id: {} for person_id in person_ids}
    rows = session.execute(
        select(ReportSubject.person_id, Case.reference, Case.stage)
        .join(Report, Report.id == ReportSubject.report_id)
        .join(Case, Case.id == Report.case_id)
        .where(ReportSubject.person_id.in_(list(person_ids)))
        .distinct()
    )
    for person_id, reference, stage in rows:
        if person_id is not None:
            cases[person_id][reference] = stage not in CLOSED_STAGES
    return cases
