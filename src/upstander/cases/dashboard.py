"""What is overdue and what is due this week, per case, per handler and per stage.

Deadlines are derived from each case's events by the engine, never typed in. The overseer's
view adds the referrals waiting for its decision on the mode of investigation.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, select

from upstander import access
from upstander.accounts.models import Role, User
from upstander.accounts.service import StaffPrincipal
from upstander.cases.engine.clocks import deadlines, local_date
from upstander.cases.engine.state import replay
from upstander.cases.models import Case, CaseEvent
from upstander.cases.policy.registry import PolicyRegistry
from upstander.cases.views import DeadlineView, deadline_view
from upstander.cases.workflow import engine_events
from upstander.db import Database, utcnow
from upstander.reports.models import CaseKeyGrant

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class CaseLine:
    case_id: uuid.UUID
    reference: str
    handler_name: str
    status_label: str
    is_open: bool
    overdue: list[DeadlineView]
    due_this_week: list[DeadlineView]
    next_due: DeadlineView | None
    awaiting_referral_decision: bool
    # The overseer's direction the case is under ("review", "reinvestigation"), if any.
    direction: str | None = None
    # Whom the duties fall to, for the reminders of steps owed (notify/).
    handler_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Dashboard:
    today: date
    cases: list[CaseLine]
    per_handler: dict[str, dict[str, int]] = field(default_factory=dict)
    per_stage: dict[str, int] = field(default_factory=dict)

    @property
    def overdue(self) -> list[CaseLine]:
        return [line for line in self.cases if line.overdue]

    @property
    def due_this_week(self) -> list[CaseLine]:
        return [line for line in self.cases if line.due_this_week and not line.overdue]

    @property
    def referrals(self) -> list[CaseLine]:
        return [line for line in self.cases if line.awaiting_referral_decision]


class DashboardService:
    def __init__(
        self, database: Database, policies: PolicyRegistry, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._db = database
        self._policies = policies
        self._clock = clock

    def for_person(self, principal: StaffPrincipal) -> Dashboard:
        """Every case whose key this person holds (the overseer holds every case's)."""
        access.require(principal.roles, access.Action.READ_CASE)
        query = (
            select(Case)
            .join(
                CaseKeyGrant, (CaseKeyGrant.case_id == Case.id) & (CaseKeyGrant.user_id == principal.user_id)
            )
            .order_by(Case.opened_at)
        )
        return self._board(query, overseer=Role.OVERSEER in principal.roles)

    def everything(self) -> Dashboard:
        """Every case, for the scheduled reminder (`upstander cases due`): dates only, no content."""
        return self._board(select(Case).order_by(Case.opened_at), overseer=False)

    def _board(self, query: Select[Case], *, overseer: bool) -> Dashboard:
        now = self._clock()
        with self._db.transaction() as session:
            names = dict(session.execute(select(User.id, User.display_name)).all())
            cases = session.scalars(query).all()
            # Every case's timeline in one statement, not one per case.
            timelines: dict[uuid.UUID, list[CaseEvent]] = defaultdict(list)
            shown = query.with_only_columns(Case.id).order_by(None)
            for row in session.scalars(
                select(CaseEvent)
                .where(CaseEvent.case_id.in_(shown))
                .order_by(CaseEvent.case_id, CaseEvent.seq)
            ):
                timelines[row.case_id].append(row)
            lines = []
            for case in cases:
                policy = self._policies.get(case.policy_pack, case.policy_version)
                state = replay(policy, engine_events(timelines[case.id], None))
                today = local_date(now, policy.calendar)
                duties = [deadline_view(d, today) for d in deadlines(policy, state) if d.duty]
                lines.append(
                    CaseLine(
                        case_id=case.id,
                        reference=case.reference,
                        handler_name=names.get(case.handler_id, "unassigned")
                        if case.handler_id
                        else "unassigned",
                        status_label=policy.state_label(state.status),
                        is_open=policy.states[state.status].open if state.status in policy.states else True,
                        overdue=[d for d in duties if d.overdue],
                        due_this_week=[d for d in duties if not d.overdue and d.due_on <= today + WEEK],
                        next_due=min(duties, key=lambda d: d.due_on) if duties else None,
                        awaiting_referral_decision=overseer
                        and state.referred_on is not None
                        and state.investigation_mode is None,
                        direction=state.direction,
                        handler_id=case.handler_id,
                    )
                )
        open_lines = [line for line in lines if line.is_open]
        per_handler: dict[str, dict[str, int]] = {}
        for line in open_lines:
            counts = per_handler.setdefault(line.handler_name, {"open": 0, "overdue": 0, "due_this_week": 0})
            counts["open"] += 1
            counts["overdue"] += bool(line.overdue)
            counts["due_this_week"] += bool(line.due_this_week and not line.overdue)
        per_stage = dict(Counter(line.status_label for line in open_lines))
        return Dashboard(local_date(now, self._policies.current().calendar), lines, per_handler, per_stage)
