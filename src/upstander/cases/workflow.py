"""The misconduct process, persisted: each case's events are stored, replayed and extended here.

The pure engine (`engine/rules.py`) decides; this service loads a case's events, asks the engine, stores
the new events in the same transaction as their audit entries and their consequences
(``consequences.py``: barred and advisory list entries, messages to the reporter, the
investigator's access to the case). How a case reads on its page is ``views.py``.
Free text in events (reasons, summaries, grounds) is sealed to the case key; the dashboards
replay cases without it.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from upstander import crypto
from upstander.accounts.models import Role, User
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import Actor as AuditActor
from upstander.audit.service import AuditLog
from upstander.cases import appointment, forms, versions
from upstander.cases.appointment import ConflictScreen
from upstander.cases.consequences import CONSEQUENCES, Effects, subject_ids
from upstander.cases.engine import rules
from upstander.cases.engine.actions import OpenCase
from upstander.cases.engine.clocks import deadlines, local_date
from upstander.cases.engine.context import Actor
from upstander.cases.engine.owed import NOTHING_DUE, Owed, owed_by_column, owed_next
from upstander.cases.engine.state import EVENT_KINDS, CaseState, Event, JsonValue, replay
from upstander.cases.events import CaseStepTaken
from upstander.cases.models import Case, CaseEvent
from upstander.cases.policy.packs import Policy
from upstander.cases.policy.registry import PolicyRegistry
from upstander.cases.representation import sealing as disclosure_store
from upstander.cases.views import StepView, WorkflowView, deadline_view, event_view, progress_report_draft
from upstander.db import Database, utcnow
from upstander.errors import NotFound, TransitionRefused
from upstander.events import Events
from upstander.reports import keys as keyring
from upstander.reports.events import ReportAcknowledged, ReporterAnswered
from upstander.reports.models import Report

SEALED = "[sealed]"
# The schema revision from which each case row keeps what it waits for (`refresh_owed` fills older rows).
OWED_COLUMNS_REVISION = "0018"


def actor_for(principal: StaffPrincipal) -> Actor:
    return Actor(str(principal.user_id), frozenset(role.value for role in principal.roles))


def _seal_texts(public_key: bytes, texts: Mapping[str, str]) -> str:
    return base64.b64encode(crypto.seal(public_key, json.dumps(dict(texts)).encode())).decode()


def stored_events(session: Session, case: Case) -> list[CaseEvent]:
    return list(
        session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))
    )


def engine_events(rows: Sequence[CaseEvent], case_key: bytes | None) -> list[Event]:
    """The stored rows the engine knows, with sealed text opened when the key is at hand."""
    events = []
    for row in rows:
        if row.kind not in EVENT_KINDS:
            continue  # administrative entries of the timeline, such as a handler's assignment
        data: dict[str, JsonValue] = {k: v for k, v in row.data.items() if not k.startswith("_")}
        if case_key is not None and "_sealed" in row.data:
            data.update(disclosure_store.open_texts(case_key, row.data["_sealed"]))
        actor = str(row.actor_id) if row.actor_id else row.data.get("_actor")
        events.append(Event(row.kind, row.at, actor if isinstance(actor, str) else None, data))
    return events


class WorkflowService:
    def __init__(
        self,
        database: Database,
        policies: PolicyRegistry,
        audit: AuditLog,
        events: Events,
        conflicts: ConflictScreen,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self.policies = policies
        self._audit = audit
        self._events = events
        self.conflicts = conflicts
        self._clock = clock

    # --- inside other use cases' transactions -------------------------------------------------

    def start(
        self, session: Session, case: Case, principal: StaffPrincipal, reports: Sequence[Report]
    ) -> CaseState:
        """Open the case in the engine: the first event names the pack and version it runs under."""
        policy = self.policies.current()
        case.policy_pack, case.policy_version = policy.id, policy.version
        now = self._clock()
        received = min(local_date(r.received_at, policy.calendar) for r in reports)
        decision = rules.open_case(
            policy,
            OpenCase(
                case_id=case.reference,
                categories=tuple(dict.fromkeys(r.category.value for r in reports)),
                reporter_ids=tuple(r.reference for r in reports),
                received_on=received,
            ),
            actor_for(principal),
            now,
        )
        self._store(session, case, decision.events, principal.user_id)
        state = decision.state
        acknowledged = [r.acknowledged_at for r in reports if r.acknowledged_at is not None]
        if acknowledged:
            step = forms.build_action(
                "acknowledge",
                {"acknowledged_on": [local_date(min(acknowledged), policy.calendar).isoformat()]},
                state,
            )
            decision = rules.decide(
                policy, state, step, Actor(str(principal.user_id), frozenset({"handler"})), now
            )
            self._store(session, case, decision.events, principal.user_id)
            state = decision.state
        settle(case, policy, state)
        return state

    def on_report_acknowledged(self, session: Session, acknowledged: ReportAcknowledged) -> None:
        report = acknowledged.report
        if report.case_id is not None:
            self.acknowledge_case(
                session, session.get_one(Case, report.case_id), acknowledged.principal, acknowledged.at
            )

    def on_reporter_answered(self, session: Session, answered: ReporterAnswered) -> None:
        report = answered.report
        if report.case_id is not None:
            self.record_feedback(
                session, session.get_one(Case, report.case_id), answered.principal, answered.text
            )

    def acknowledge_case(self, session: Session, case: Case, principal: StaffPrincipal, at: datetime) -> None:
        """A report acknowledged after its case was opened acknowledges the case, if it still waits.

        The caller has locked the case (`versions.lock_case`) before anything else it writes."""
        policy = self.policies.get(case.policy_pack, case.policy_version)
        state = replay(policy, engine_events(stored_events(session, case), None))
        actor = actor_for(principal)
        if rules.why_not(policy, state, "acknowledge", actor, at) is None:
            step = forms.build_action("acknowledge", {}, state)
            decision = rules.decide(policy, state, step, actor, at)
            self._store(session, case, decision.events, principal.user_id)
            settle(case, policy, decision.state)

    def record_feedback(self, session: Session, case: Case, principal: StaffPrincipal, summary: str) -> None:
        """A reply to the reporter is the feedback the reporter clock asks for, when the case allows it.

        The caller has locked the case (`versions.lock_case`) before anything else it writes."""
        policy = self.policies.get(case.policy_pack, case.policy_version)
        state = replay(policy, engine_events(stored_events(session, case), None))
        actor = actor_for(principal)
        if rules.why_not(policy, state, "give_feedback", actor, self._clock()) is None:
            step = forms.build_action("give_feedback", {"summary": [summary[:500]]}, state)
            decision = rules.decide(policy, state, step, actor, self._clock())
            self._store(session, case, decision.events, principal.user_id)
            settle(case, policy, decision.state)

    # --- use cases ----------------------------------------------------------------------------

    def act(
        self,
        principal: StaffPrincipal,
        case_id: uuid.UUID,
        kind: str,
        raw: Mapping[str, Sequence[str]],
        expected_version: int | None = None,
    ) -> CaseState:
        """Take one step; a refusal says why in words a handler understands, and nothing is stored.

        The case is locked first, so two steps at once are taken one after the other, each on the
        case as the other left it. With `expected_version` (the version the person saw) a step on
        a case that has changed since is refused with what changed and who changed it."""
        now = self._clock()
        with self._db.transaction() as session:
            case = versions.lock_case(session, case_id, expected_version, now=now)
            case_key = keyring.case_private_key(session, case.id, principal.user_id, principal.private_key)
            policy = self.policies.get(case.policy_pack, case.policy_version)
            events = engine_events(stored_events(session, case), case_key)
            state = replay(policy, events)
            try:
                decision = rules.decide(
                    policy, state, forms.build_action(kind, raw, state), actor_for(principal), now
                )
            except TransitionRefused as refusal:
                why = _colleague_first(session, policy, case, events, kind, principal, now)
                if why is None:
                    raise
                raise TransitionRefused(f"{refusal.detail} {why}", code=refusal.code) from refusal
            override = (raw.get("override_reasons") or [""])[0]
            appointment.screen_step(
                self.conflicts, session, self._audit, case, decision.events, principal, override, now
            )
            self._store(session, case, decision.events, principal.user_id)
            self._consequences(session, case, case_key, decision.events, principal)
            disclosure_store.share_disclosed(session, case, case_key)
            settle(case, policy, decision.state)
            return decision.state

    def act_as_reporter(self, report_id: uuid.UUID, kind: str, raw: Mapping[str, Sequence[str]]) -> CaseState:
        """The reporter's own steps (asking for a review, asking to withdraw), acting by their report."""
        now = self._clock()
        with self._db.transaction() as session:
            report = session.get_one(Report, report_id)
            if report.case_id is None:
                raise NotFound("Your report is not part of a case yet.")
            case = versions.lock_case(session, report.case_id, now=now)
            policy = self.policies.get(case.policy_pack, case.policy_version)
            state = replay(policy, engine_events(stored_events(session, case), None))
            actor = Actor(report.reference, frozenset({"reporter"}))
            decision = rules.decide(policy, state, forms.build_action(kind, raw, state), actor, now)
            self._store(session, case, decision.events, None, reporter=report.reference)
            settle(case, policy, decision.state)
            return decision.state

    def reporter_steps(self, report_id: uuid.UUID) -> list[StepView]:
        with self._db.transaction() as session:
            report = session.get_one(Report, report_id)
            if report.case_id is None:
                return []
            case = session.get_one(Case, report.case_id)
            policy = self.policies.get(case.policy_pack, case.policy_version)
            state = replay(policy, engine_events(stored_events(session, case), None))
            actor = Actor(report.reference, frozenset({"reporter"}))
            today = local_date(self._clock(), policy.calendar)
            return [
                StepView(
                    spec.kind, spec.label, spec.cite, forms.form_fields(policy, state, spec.kind, today, {})
                )
                for spec in rules.available_actions(policy, state, actor, self._clock())
                if spec.kind in {"request_review", "request_withdrawal"}
            ]

    def view(self, session: Session, case: Case, case_key: bytes, principal: StaffPrincipal) -> WorkflowView:
        policy = self.policies.get(case.policy_pack, case.policy_version)
        rows = stored_events(session, case)
        state = replay(policy, engine_events(rows, case_key))
        now = self._clock()
        today = local_date(now, policy.calendar)
        names = dict(session.execute(select(User.id, User.display_name)).all())
        screened = appointment.screen_role(self.conflicts, session, case, Role.INVESTIGATOR)
        # Only a decision maker may override a conflict, so only they are offered the conflicted.
        overrides = Role.DECISION_MAKER in principal.roles
        investigators = {
            str(s.user_id): f"{s.name} (conflict of interest)" if s.conflicts else s.name
            for s in screened
            if overrides or not s.conflicts
        }
        drafts = {
            "send_progress_report": {"summary": progress_report_draft(policy, state, case, names, today)}
        }
        steps = [
            StepView(
                spec.kind,
                spec.label,
                spec.cite,
                forms.form_fields(policy, state, spec.kind, today, investigators, drafts.get(spec.kind)),
            )
            for spec in rules.available_actions(policy, state, actor_for(principal), now)
            if spec.kind != "link_report"
        ]
        return WorkflowView(
            status=state.status,
            status_label=policy.state_label(state.status),
            severity_label=policy.severity_label(state.severity),
            policy_title=f"{policy.title} ({policy.id} {policy.version})",
            is_open=policy.states[state.status].open if state.status in policy.states else True,
            employment=state.employment,
            barred=state.barred_list,
            advisory=state.advisory_list,
            deadlines=[deadline_view(d, today) for d in deadlines(policy, state)],
            steps=steps,
            timeline=[event_view(policy, row, case_key, names) for row in rows],
            excluded_investigators=[(s.name, s.reasons) for s in screened if s.conflicts],
            owed=list(owed_next(policy, state).steps),
        )

    def refresh_owed(self, batch: int = 500) -> int:
        """Replay every case once and keep on its row what it waits for (rows stored before the
        `cases.next_due_on` column read "nothing due"); dates and stages only, no content. Returns how
        many cases changed. Each batch of cases is read with its timelines in two statements."""
        changed = 0
        after: uuid.UUID | None = None
        while True:
            with self._db.transaction() as session:
                query = select(Case).order_by(Case.id).limit(batch)
                cases = list(session.scalars(query.where(Case.id > after) if after else query))
                if not cases:
                    return changed
                timelines: dict[uuid.UUID, list[CaseEvent]] = {case.id: [] for case in cases}
                for row in session.scalars(
                    select(CaseEvent)
                    .where(CaseEvent.case_id.in_(list(timelines)))
                    .order_by(CaseEvent.case_id, CaseEvent.seq)
                ):
                    timelines[row.case_id].append(row)
                for case in cases:
                    policy = self.policies.get(case.policy_pack, case.policy_version)
                    before = (case.stage, case.next_due_on, case.next_due_label, case.owed_by)
                    settle(case, policy, replay(policy, engine_events(timelines[case.id], None)))
                    changed += before != (case.stage, case.next_due_on, case.next_due_label, case.owed_by)
                after = cases[-1].id

    # --- storage and consequences -------------------------------------------------------------

    def store(self, session: Session, case: Case, events: Sequence[Event], user_id: uuid.UUID) -> int:
        """Store events taken by someone without the case key (a representative); returns the first seq."""
        first = (session.scalar(select(func.max(CaseEvent.seq)).where(CaseEvent.case_id == case.id)) or 0) + 1
        self._store(session, case, events, user_id)
        return first

    def _store(
        self,
        session: Session,
        case: Case,
        events: Sequence[Event],
        user_id: uuid.UUID | None,
        reporter: str | None = None,
    ) -> None:
        # Use cases lock the case first; this keeps the sequence safe for any that did not.
        versions.hold(session, case)
        last = session.scalar(select(func.max(CaseEvent.seq)).where(CaseEvent.case_id == case.id)) or 0
        for offset, event in enumerate(events, start=1):
            texts = {
                k: v
                for k, v in event.fields.items()
                if k in forms.TEXT_FIELDS and isinstance(v, str) and v.strip()
            }
            data: dict[str, Any] = {k: (SEALED if k in texts else v) for k, v in event.fields.items()}
            if texts:
                data["_sealed"] = _seal_texts(case.public_key, texts)
            if reporter:
                data["_actor"] = reporter
            session.add(
                CaseEvent(
                    case_id=case.id,
                    seq=last + offset,
                    at=event.at,
                    kind=event.kind,
                    actor_id=user_id,
                    data=data,
                )
            )
            actor = AuditActor.user(user_id) if user_id else AuditActor.reporter(reporter)
            self._audit.record(
                session,
                actor,
                f"case.{event.kind}",
                "case",
                case.id,
                {"seq": last + offset, "to_status": event.fields.get("to_status")},
            )
            # Other domains act on some steps, such as a referral waiting for the overseer (services.py).
            self._events.publish(session, CaseStepTaken(case, event.kind, user_id, event.at))
        if events:
            versions.touch(case)
        session.flush()

    def _consequences(
        self,
        session: Session,
        case: Case,
        case_key: bytes,
        events: Sequence[Event],
        principal: StaffPrincipal,
    ) -> None:
        reports = list(session.scalars(select(Report).where(Report.case_id == case.id)))
        effects = Effects(
            session,
            case,
            case_key,
            principal,
            reports,
            subject_ids(session, reports),
            self._audit,
            self._events,
        )
        for event in events:
            handler = CONSEQUENCES.get(event.kind)
            if handler is not None:
                handler(effects, event)


def settle(case: Case, policy: Policy, state: CaseState) -> Owed:
    """Keep on the case row where it stands and what it waits for, after its events changed."""
    owed = owed_next(policy, state)
    case.stage = state.status
    case.next_due_on = owed.due_on or NOTHING_DUE
    case.next_due_label = owed.due_label
    case.owed_by = owed_by_column(owed)
    return owed


def _colleague_first(
    session: Session,
    policy: Policy,
    case: Case,
    events: Sequence[Event],
    kind: str,
    principal: StaffPrincipal,
    now: datetime,
) -> str | None:
    """When a step is refused only because a colleague's step moments ago came first (the step
    was open before it), a sentence naming the colleague and their step; None otherwise."""
    if not events or events[-1].actor_id in {None, str(principal.user_id)}:
        return None
    last = events[-1]
    before = len(events)
    # One step's events share their actor and time; the first event (the opening) always stays.
    while before > 1 and events[before - 1].actor_id == last.actor_id and events[before - 1].at == last.at:
        before -= 1
    if rules.why_not(policy, replay(policy, events[:before]), kind, actor_for(principal), now) is not None:
        return None
    return versions.colleague_just_acted(session, case, principal.user_id, now)
