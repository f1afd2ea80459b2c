"""The misconduct process, persisted: each case's events are stored, replayed and extended here.

The pure engine (`rules.py`) decides; this service loads a case's events, asks the engine, stores
the new events in the same transaction as their audit entries and their consequences (barred
and advisory list entries, messages to the reporter, the investigator's access to the case).
Free text in events (reasons, summaries, grounds) is sealed to the case key; the dashboards
replay cases without it.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from upstander import crypto, keyring
from upstander.accounts.models import Role, User
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import Actor as AuditActor
from upstander.audit.service import AuditLog
from upstander.cases import appointment, disclosure_store, forms, rules, versions
from upstander.cases.actions import OpenCase
from upstander.cases.clocks import Deadline, deadlines, local_date
from upstander.cases.context import Actor
from upstander.cases.models import Case, CaseEvent
from upstander.cases.policy import Policy, load_policy
from upstander.cases.state import EVENT_KINDS, CaseState, Event, JsonValue, replay
from upstander.cases.vocabulary import EVENT_TITLES
from upstander.db import Database, utcnow
from upstander.errors import NotFound, TransitionRefused
from upstander.org import lists
from upstander.org.models import EmploymentStatus, Person
from upstander.patterns.models import Allegation, Complaint
from upstander.reports.models import MessageAuthor, Report, ReportStatus, ReportSubject
from upstander.reports.service import HANDLERS_NAME, add_message
from upstander.safeguarding.case_closure import end_orders_with_case

SEALED = "[sealed]"
DEFAULT_PACK = "england-wales"


class PolicyRegistry:
    """Every pack in the policies folder, by id and version: a case is always read with its own."""

    def __init__(self, directory: Path) -> None:
        self._packs: dict[tuple[str, str], Policy] = {}
        for path in sorted(directory.glob("*.toml")):
            policy = load_policy(path)
            self._packs[(policy.id, policy.version)] = policy

    def get(self, pack_id: str, version: str) -> Policy:
        policy = self._packs.get((pack_id, version))
        if policy is None:
            raise NotFound(f"The policy pack {pack_id} {version} is not installed.")
        return policy

    def current(self, pack_id: str = DEFAULT_PACK) -> Policy:
        versions = sorted(v for (i, v) in self._packs if i == pack_id)
        if not versions:
            raise NotFound(f"No policy pack {pack_id} is installed.")
        return self._packs[(pack_id, versions[-1])]


@dataclass(frozen=True)
class StepView:
    kind: str
    label: str
    cite: str
    fields: list[forms.FieldSpec]


@dataclass(frozen=True)
class DeadlineView:
    label: str
    due_on: date
    duty: bool
    overdue: bool
    cite: str
    whose: str = ""


# Who a clock is waiting for: staff duties name the role; windows name who may use them.
WHOSE = {
    "acknowledgement": "the case handler",
    "reporter_feedback": "the case handler",
    "progress_report": "the case handler",
    "hearing_window": "the case handler and the appropriate authority",
    "subject_response": "the officer may respond until then",
    "appeal": "the officer may appeal until then",
    "review_request": "the reporter may ask for a review until then",
    "direction_response": "the case handler or a decision maker",
}


def deadline_view(deadline: Deadline, today: date) -> DeadlineView:
    return DeadlineView(
        deadline.label,
        deadline.due_on,
        deadline.duty,
        deadline.overdue(today),
        deadline.cite,
        WHOSE.get(deadline.clock, ""),
    )


@dataclass(frozen=True)
class EventView:
    seq: int
    at: datetime
    kind: str
    title: str
    actor_name: str
    details: list[str]
    texts: dict[str, str]


@dataclass(frozen=True)
class WorkflowView:
    status: str
    status_label: str
    severity_label: str
    policy_title: str
    is_open: bool
    employment: str
    barred: bool
    advisory: bool
    deadlines: list[DeadlineView]
    steps: list[StepView]
    timeline: list[EventView]
    # Investigators not offered for appointment, each with the conflicts that exclude them.
    excluded_investigators: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)


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
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self.policies = policies
        self._audit = audit
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
        case.stage = state.status
        return state

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
            case.stage = decision.state.status

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
            appointment.screen_step(session, self._audit, case, decision.events, principal, override, now)
            self._store(session, case, decision.events, principal.user_id)
            self._consequences(session, case, case_key, decision.events, principal)
            disclosure_store.share_disclosed(session, case, case_key)
            case.stage = decision.state.status
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
            case.stage = decision.state.status
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
        screened = appointment.screen_role(session, case, Role.INVESTIGATOR)
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
            timeline=[_event_view(policy, row, case_key, names) for row in rows],
            excluded_investigators=[(s.name, s.reasons) for s in screened if s.conflicts],
        )

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
        effects = _Effects(
            session, case, case_key, principal, reports, _subject_ids(session, reports), self._audit
        )
        for event in events:
            handler = CONSEQUENCES.get(event.kind)
            if handler is not None:
                handler(effects, event)


@dataclass(frozen=True)
class _Effects:
    session: Session
    case: Case
    case_key: bytes
    principal: StaffPrincipal
    reports: list[Report]
    subjects: list[uuid.UUID]
    audit: AuditLog


def _on(event: Event) -> date:
    return date.fromisoformat(str(event.fields.get("on")))


def _investigator_can_read(fx: _Effects, event: Event) -> None:
    """The investigator gets the case key; the allegations count as investigated from now."""
    _reached(2)(fx, event)
    investigator = fx.session.get(User, uuid.UUID(str(event.fields["investigator_id"])))
    if investigator is not None:
        keyring.grant_case_key(
            fx.session, fx.case.id, fx.case_key, {investigator.id: investigator.public_key}
        )


def _reports_acknowledged(fx: _Effects, event: Event) -> None:
    for report in fx.reports:
        if report.acknowledged_at is None:
            report.acknowledged_at = event.at
            report.acknowledged_by_id = fx.principal.user_id
            report.last_feedback_at = event.at
            if report.status is not ReportStatus.CLOSED:
                report.status = ReportStatus.IN_CASE


def _reporters_told(fx: _Effects, event: Event) -> None:
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


def _reopened(fx: _Effects, _event: Event) -> None:
    for report in fx.reports:
        report.status = ReportStatus.IN_CASE


def _employment_changed(fx: _Effects, event: Event) -> None:
    for person_id in fx.subjects:
        person = fx.session.get(Person, person_id)
        if person is not None:
            person.employment_status = EmploymentStatus(str(event.fields["employment"]))
            person.left_on = date.fromisoformat(str(event.fields.get("effective_on") or _on(event)))


def _barred(fx: _Effects, event: Event) -> None:
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


def _barred_withdrawn(fx: _Effects, event: Event) -> None:
    lists.withdraw_barred_entry(fx.session, case_id=fx.case.id, reason="overturned on appeal", on=_on(event))


def _advisory(fx: _Effects, event: Event) -> None:
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


def _concluded(fx: _Effects, event: Event) -> None:
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


def _allegations(fx: _Effects) -> list[Allegation]:
    report_ids = [report.id for report in fx.reports]
    if not report_ids:
        return []
    return list(
        fx.session.scalars(select(Allegation).join(Complaint).where(Complaint.report_id.in_(report_ids)))
    )


def _reached(rank: int) -> Callable[[_Effects, Event], None]:
    """Record how far the case's allegations went, for stage statistics (equality/stages.py)."""

    def advance(fx: _Effects, event: Event) -> None:
        if event.kind == "case_to_answer_decided" and event.fields.get("finding") == "no_case_to_answer":
            return
        for allegation in _allegations(fx):
            allegation.stage_rank = max(allegation.stage_rank, rank)

    return advance


def _referred(fx: _Effects, _event: Event) -> None:
    for allegation in _allegations(fx):
        allegation.referred_to_overseer = True


def _finding(fx: _Effects, event: Event) -> None:
    finding = str(event.fields.get("finding") or "")
    for allegation in _allegations(fx):
        allegation.finding = finding
        if finding and finding != "not_proven":
            allegation.stage_rank = max(allegation.stage_rank, 4)


def _outcome(fx: _Effects, event: Event) -> None:
    for allegation in _allegations(fx):
        allegation.sanction = str(event.fields.get("sanction") or "") or None
        allegation.outcome = allegation.sanction


def _closed(fx: _Effects, event: Event) -> None:
    for allegation in _allegations(fx):
        allegation.closed_on = _on(event)
        if allegation.outcome is None:
            allegation.outcome = str(event.fields.get("closure") or "closed")
    _concluded(fx, event)
    _orders_ended(fx, event)


def _orders_ended(fx: _Effects, event: Event) -> None:
    """Separation orders made until the case closes end with it, each recorded as ended by the closure."""
    for order in end_orders_with_case(
        fx.session, fx.case.id, fx.case.reference, _on(event), event.at, fx.principal.user_id
    ):
        fx.audit.record(
            fx.session,
            fx.principal.actor,
            "separation_order.ended",
            "separation_order",
            order.id,
            {"reference": order.reference, "by": "case_closed", "case_reference": fx.case.reference},
            at=event.at,
        )


CONSEQUENCES: dict[str, Callable[[_Effects, Event], None]] = {
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


def progress_report_draft(
    policy: Policy, state: CaseState, case: Case, names: Mapping[uuid.UUID, str], today: date
) -> str:
    """The progress report, written from the case's own record when it falls due, for the handler to
    check and send (Police (Conduct) Regulations 2020, reg. 22; Police (Complaints and Misconduct)
    Regulations 2020, reg. 13: the investigation is not finished within 12 months)."""
    investigator = (
        names.get(uuid.UUID(state.investigator_id), "not appointed")
        if state.investigator_id
        else "not appointed"
    )
    months = (today.year - state.received_on.year) * 12 + today.month - state.received_on.month
    lines = [
        f"Progress report on case {case.reference} ({policy.title}).",
        f"Received on {state.received_on:%-d %B %Y}; {months} months ago. The case is {policy.state_label(state.status)}.",
        f"Severity as assessed: {policy.severity_label(state.severity)}. Investigator: {investigator}.",
        "Regulation 17 notice served on "
        + (
            f"{state.regulation_17_served_on:%-d %B %Y}."
            if state.regulation_17_served_on
            else "— not yet served."
        ),
        f"Evidence logged: {len(state.evidence)} item(s). Interim reports: {state.interim_reports}.",
        f"The officer is {state.employment}.",
        "Why the investigation is not yet finished, and when it is expected to be: ",
    ]
    return "\n".join(lines)


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


def _barred_reason(event: Event) -> str:
    sanction = str(event.fields.get("sanction") or "")
    return "would have been dismissed" if "would_have_been" in sanction else "dismissed"


def _subject_ids(session: Session, reports: Sequence[Report]) -> list[uuid.UUID]:
    if not reports:
        return []
    ids = session.scalars(
        select(ReportSubject.person_id).where(
            ReportSubject.report_id.in_([r.id for r in reports]), ReportSubject.person_id.is_not(None)
        )
    )
    return list(dict.fromkeys(pid for pid in ids if pid is not None))


TEXT_LABELS = {
    "reasons": "Reasons",
    "summary": "Summary",
    "description": "Description",
    "grounds": "Grounds",
    "reporter_summary": "What the reporter is told",
    "note": "Note",
    "message": "Message to the reporter",
}
DATE_FIELDS = {"served_on": "served", "held_on": "on", "effective_on": "from", "received_on": "received"}


DETAIL_FIELDS = {
    "severity": "severities",
    "finding": "findings",
    "sanction": "sanctions",
    "forum": "forums",
    "closure": "closures",
    "standard": "standards",
    "category": "categories",
}


def _event_view(policy: Policy, row: CaseEvent, case_key: bytes, names: Mapping[uuid.UUID, str]) -> EventView:
    data = row.data
    details = []
    to_status = data.get("to_status")
    if isinstance(to_status, str) and to_status != data.get("from_status"):
        details.append(f"now {policy.state_label(to_status)}")
    for name, table in DETAIL_FIELDS.items():
        value = data.get(name)
        if isinstance(value, str) and value:
            options: Mapping[str, Any] = getattr(policy, table)
            option = options.get(value)
            details.append(getattr(option, "label", option) if option is not None else value)
    for name, word in DATE_FIELDS.items():
        if isinstance(data.get(name), str):
            details.append(f"{word} {date.fromisoformat(data[name]):%-d %b %Y}")
    if isinstance(data.get("employment"), str):
        details.append(f"now {data['employment']}")
    if isinstance(data.get("allegation_id"), str):
        details.append(f"allegation {data['allegation_id']}")
    if isinstance(data.get("accepts"), bool) and row.kind == "subject_response_recorded":
        details.append("accepts the allegations" if data["accepts"] else "does not accept the allegations")
    if data.get("panel"):
        details.append(f"panel: {', '.join(str(p) for p in data['panel'])}")
    if data.get("handler"):
        details.append(f"handler: {data['handler']}")
    if data.get("reports"):
        details.append(f"reports: {', '.join(data['reports'])}")
    opened = disclosure_store.open_texts(case_key, data["_sealed"]) if "_sealed" in data else {}
    texts = {TEXT_LABELS.get(name, name): text for name, text in opened.items()}
    actor = (
        names.get(row.actor_id, "system")
        if row.actor_id
        else ("the reporter" if data.get("_actor") else "system")
    )
    title = EVENT_TITLES.get(row.kind, row.kind.replace("_", " "))
    return EventView(
        row.seq, row.at, row.kind, title[:1].upper() + title[1:], str(actor), [str(d) for d in details], texts
    )
