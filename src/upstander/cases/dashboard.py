"""What is overdue and what is due this week, per case, per handler and per stage.

Deadlines are derived from each case's events by the engine, never typed in. The board a person
works from (`board`) reads what the workflow keeps on each case row from those events (`board.py`),
in pages; `for_person` and `everything` still replay every timeline, since the overseer's directions
and the daily reminder of each duty (not only the first) are not kept on the row. The overseer's
board adds the referrals waiting for its decision on the mode of investigation.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select

from upstander import access
from upstander.accounts.models import Role, User
from upstander.accounts.service import StaffPrincipal
from upstander.cases import board as sql
from upstander.cases import lists
from upstander.cases import rules as case_rules
from upstander.cases.engine.clocks import deadlines, local_date
from upstander.cases.engine.owed import NOTHING_DUE, OwedStep, owed_next
from upstander.cases.engine.state import replay
from upstander.cases.models import Case, CaseEvent
from upstander.cases.policy.registry import PolicyRegistry
from upstander.cases.rules import Bucket
from upstander.cases.service import CaseSummary, case_summaries
from upstander.cases.views import DeadlineView, deadline_view
from upstander.cases.workflow import engine_events
from upstander.db import Database, utcnow
from upstander.errors import NotFound
from upstander.listing import rules as paging
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


@dataclass(frozen=True)
class BoardLine:
    """One case on the board: where it stands, its first duty and by when, and who owes its next step."""

    case_id: uuid.UUID
    reference: str
    handler_name: str
    stage: str
    status_label: str
    due_on: date | None
    due_label: str | None
    owed_by: tuple[str, ...]


@dataclass(frozen=True)
class Board:
    today: date
    # Every case the reader holds, open or closed.
    total: int
    buckets: dict[Bucket, paging.Page[BoardLine]]
    # The overseer's referrals waiting for its decision on the mode of investigation; None for others.
    referrals: paging.Page[BoardLine] | None
    per_handler: dict[str, dict[str, int]]
    per_stage: dict[str, int]


@dataclass(frozen=True)
class ForYou:
    """A case on the reader's "for you" list, with the steps it is owed: the reader's own first."""

    case: CaseSummary
    steps: tuple[OwedStep, ...]
    # Which of `steps` wait for one of the reader's roles (the others may be taken by them too).
    yours: frozenset[str]


# A bucket's first page on the dashboard: enough to work from, with a link to the next.
BOARD_PAGE = 20


class DashboardService:
    def __init__(
        self, database: Database, policies: PolicyRegistry, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._db = database
        self._policies = policies
        self._clock = clock

    def board(
        self,
        principal: StaffPrincipal,
        cursors: dict[Bucket, str | None] | None = None,
        *,
        referrals_cursor: str | None = None,
        limit: int | None = None,
    ) -> Board:
        """A page of each bucket (overdue, due this week, later) of the cases whose key this person
        holds, with the counts per handler and per stage: a fixed number of statements at any size."""
        access.require(principal.roles, access.Action.READ_CASE)
        size = paging.parse_limit(limit or BOARD_PAGE)
        policy = self._policies.current()
        today = local_date(self._clock(), policy.calendar)
        closed = {
            name for pack in self._policies.installed() for name, spec in pack.states.items() if not spec.open
        }
        wanted = cursors or {}
        with self._db.transaction() as session:
            buckets = {
                bucket: sql.bucket_page(
                    session, principal.user_id, bucket, today, wanted.get(bucket), size, self._line
                )
                for bucket in Bucket
            }
            referrals = (
                sql.referral_page(session, principal.user_id, referrals_cursor, size, self._line)
                if Role.OVERSEER in principal.roles
                else None
            )
            stages: dict[str, int] = {}
            for pack, version, stage, count in sql.per_stage(session, principal.user_id, closed):
                label = self._label(pack, version, stage)
                stages[label] = stages.get(label, 0) + count
            return Board(
                today=today,
                total=sql.held_count(session, principal.user_id),
                buckets=buckets,
                referrals=referrals,
                per_handler=sql.per_handler(session, principal.user_id, today, closed),
                per_stage=stages,
            )

    def for_you(
        self,
        principal: StaffPrincipal,
        *,
        sort: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> paging.Page[ForYou]:
        """A page of the cases owed a step by one of this person's roles, or unread by them, each with
        the steps it is owed and who owes them. The page's timelines are read in one statement and
        replayed by the engine, so the steps are the engine's, not a guess from the stage."""
        access.require(principal.roles, access.Action.READ_CASE)
        roles = tuple(role.value for role in principal.roles)
        order = paging.parse_sort(sort, case_rules.CASE_SORTS, paging.Sort("due"))
        size = paging.parse_limit(limit)
        policy = self._policies.current()
        today = local_date(self._clock(), policy.calendar)
        wanted = case_rules.parse_case_filter(for_you=roles)
        with self._db.transaction() as session:
            page = lists.case_page(
                session, principal.user_id, wanted, today, order, cursor, size, case_summaries(self._policies)
            )
            shown = [case.id for case in page.items]
            timelines: dict[uuid.UUID, list[CaseEvent]] = {case_id: [] for case_id in shown}
            packs: dict[uuid.UUID, tuple[str, str]] = {}
            if shown:
                # The page's timelines, each with its case's pack, in one statement.
                for event, pack, version in session.execute(
                    select(CaseEvent, Case.policy_pack, Case.policy_version)
                    .join(Case, Case.id == CaseEvent.case_id)
                    .where(CaseEvent.case_id.in_(shown))
                    .order_by(CaseEvent.case_id, CaseEvent.seq)
                ):
                    timelines[event.case_id].append(event)
                    packs[event.case_id] = (pack, version)
            items = []
            for case in page.items:
                steps: tuple[OwedStep, ...] = ()
                if case.id in packs:
                    case_policy = self._policies.get(*packs[case.id])
                    state = replay(case_policy, engine_events(timelines[case.id], None))
                    steps = owed_next(case_policy, state).steps
                yours = frozenset(step.kind for step in steps if step.roles and step.roles[0] in roles)
                ordered = tuple(sorted(steps, key=lambda step: step.kind not in yours))
                items.append(ForYou(case, ordered, yours))
        return paging.Page(items, page.total, page.next_cursor, page.sort, page.limit)

    def _label(self, pack: str, version: str, stage: str) -> str:
        try:
            return self._policies.get(pack, version).state_label(stage)
        except NotFound:
            return stage

    def _line(self, row: Any) -> BoardLine:
        return BoardLine(
            case_id=row.id,
            reference=row.reference,
            handler_name=row.handler_name,
            stage=row.stage,
            status_label=self._label(row.policy_pack, row.policy_version, row.stage),
            due_on=None if row.next_due_on == NOTHING_DUE else row.next_due_on,
            due_label=row.next_due_label,
            owed_by=tuple(role for role in row.owed_by.split(",") if role),
        )

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
