"""A case as a fold of its events: the events are the record, ``CaseState`` is what they add up to.

``decide`` (in ``rules.py``) returns new events and the state after them; the database stores the
events and rebuilds the state with ``replay``. Event fields are JSON values (dates as ISO strings), so
they store as they are. Each step's event carries ``from_status`` and ``to_status``; every event
carries ``role`` (the role the person acted in) and ``on`` (the legal date, in the pack's time zone).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TypeAlias

from upstander.cases.engine.vocabulary import SERVING
from upstander.cases.policy.packs import Policy

JsonValue: TypeAlias = "str | int | float | bool | list[JsonValue] | dict[str, JsonValue] | None"


@dataclass(frozen=True)
class Event:
    """One entry in the case timeline. ``actor_id`` is None for the system's own events."""

    kind: str
    at: datetime
    actor_id: str | None
    fields: dict[str, JsonValue]


@dataclass(frozen=True)
class Allegation:
    id: str
    standard: str
    summary: str


@dataclass(frozen=True)
class Finding:
    allegation_id: str
    finding: str
    reasons: str


@dataclass(frozen=True)
class ClosureProposal:
    closure: str
    reasons: str
    reporter_summary: str
    proposed_by: str
    proposed_on: date
    resume_status: str


@dataclass(frozen=True)
class Closure:
    closure: str
    reasons: str
    proposed_by: str
    confirmed_by: str
    closed_on: date
    reporter_told_on: date | None = None


@dataclass(frozen=True)
class CaseState:
    """Everything the rules need to know about a case; rebuilt from events, never edited directly."""

    case_id: str
    policy_id: str
    policy_version: str
    status: str
    received_on: date
    categories: tuple[str, ...] = ()
    reporter_ids: tuple[str, ...] = ()
    acknowledged_on: date | None = None
    last_feedback_on: date | None = None
    allegations: tuple[Allegation, ...] = ()
    severity: str | None = None
    facts: frozenset[str] = frozenset()
    final_written_warning_in_force: bool = False
    referral_grounds: tuple[str, ...] = ()
    referred_on: date | None = None
    investigation_mode: str | None = None
    investigator_id: str | None = None
    regulation_17_served_on: date | None = None
    evidence: tuple[str, ...] = ()
    interim_reports: int = 0
    progress_reports_sent: int = 0
    investigation_reported_on: date | None = None
    forum: str | None = None
    referral_notice_served_on: date | None = None
    subject_response_on: date | None = None
    panel: tuple[str, ...] = ()
    proceedings_on: date | None = None
    findings: tuple[Finding, ...] = ()
    sanction: str | None = None
    outcome_on: date | None = None
    appeal_lodged_on: date | None = None
    appeal_allowed: bool | None = None
    employment: str = SERVING
    advisory_list: bool = False
    barred_list: bool = False
    withdrawal_requested: bool = False
    pending_closure: ClosureProposal | None = None
    closure: Closure | None = None
    review_requested_on: date | None = None
    # The overseer's direction waiting for the appropriate authority: "review" or "reinvestigation".
    direction: str | None = None
    direction_on: date | None = None

    @property
    def has_reporter(self) -> bool:
        return bool(self.reporter_ids)

    @property
    def former_officer(self) -> bool:
        return self.employment != SERVING

    def finding_for(self, allegation_id: str) -> Finding | None:
        return next((f for f in self.findings if f.allegation_id == allegation_id), None)


class ReplayError(ValueError):
    """The events do not make a case (the first is not case_opened, or a kind is unknown)."""


def ensure_same_pack(policy: Policy, state: CaseState) -> None:
    """A case is decided only under the pack and version it was opened under."""
    if (state.policy_id, state.policy_version) != (policy.id, policy.version):
        raise ReplayError(
            f"This case runs under the {state.policy_id} pack, version {state.policy_version}; "
            f"it cannot be read with version {policy.version} of {policy.id}."
        )


def replay(policy: Policy, events: Iterable[Event]) -> CaseState:
    """Rebuild a case from its stored events; the pack must be the one the case was opened under."""
    state: CaseState | None = None
    for event in events:
        state = apply(state, event)
        ensure_same_pack(policy, state)
    if state is None:
        raise ReplayError("A case needs at least its opening event.")
    return state


def fold(state: CaseState, events: Iterable[Event]) -> CaseState:
    for event in events:
        state = apply(state, event)
    return state


def apply(state: CaseState | None, event: Event) -> CaseState:
    """The state after one event. Unknown kinds are an error: a timeline must be fully understood."""
    if state is None:
        if event.kind != "case_opened":
            raise ReplayError(f"A case must start with case_opened, not {event.kind}.")
        return _opened(event)
    applier = _APPLIERS.get(event.kind)
    if applier is None:
        raise ReplayError(f"Unknown event kind {event.kind!r}.")
    after = applier(state, event.fields, event)
    to_status = event.fields.get("to_status")
    return replace(after, status=to_status) if isinstance(to_status, str) else after


def _text(fields: dict[str, JsonValue], key: str) -> str:
    value = fields.get(key)
    return value if isinstance(value, str) else ""


def _day(fields: dict[str, JsonValue], key: str) -> date:
    return date.fromisoformat(_text(fields, key))


def _maybe_day(fields: dict[str, JsonValue], key: str) -> date | None:
    value = fields.get(key)
    return date.fromisoformat(value) if isinstance(value, str) else None


def _count(fields: dict[str, JsonValue], key: str) -> int:
    value = fields.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def json_list(values: Iterable[str]) -> list[JsonValue]:
    """Text values as a JSON list, for event fields."""
    result: list[JsonValue] = []
    result.extend(values)
    return result


def _texts(fields: dict[str, JsonValue], key: str) -> tuple[str, ...]:
    value = fields.get(key)
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _opened(event: Event) -> CaseState:
    f = event.fields
    return CaseState(
        case_id=_text(f, "case_id"),
        policy_id=_text(f, "policy_id"),
        policy_version=_text(f, "policy_version"),
        status=_text(f, "to_status"),
        received_on=_day(f, "received_on"),
        categories=_texts(f, "categories"),
        reporter_ids=_texts(f, "reporter_ids"),
    )


_Fields = dict[str, JsonValue]
_Applier = Callable[[CaseState, _Fields, Event], CaseState]


def _report_linked(s: CaseState, f: _Fields, e: Event) -> CaseState:
    received = _day(f, "received_on")
    return replace(
        s,
        categories=tuple(dict.fromkeys((*s.categories, _text(f, "category")))),
        reporter_ids=tuple(dict.fromkeys((*s.reporter_ids, *_texts(f, "reporter_ids")))),
        received_on=min(s.received_on, received),
        referral_grounds=_texts(f, "referral_grounds") or s.referral_grounds,
    )


def _severity_assessed(s: CaseState, f: _Fields, e: Event) -> CaseState:
    return replace(
        s,
        severity=_text(f, "severity"),
        facts=frozenset(_texts(f, "facts")),
        final_written_warning_in_force=f.get("final_written_warning_in_force") is True,
        referral_grounds=_texts(f, "referral_grounds"),
    )


def _finding_recorded(s: CaseState, f: _Fields, e: Event) -> CaseState:
    finding = Finding(_text(f, "allegation_id"), _text(f, "finding"), _text(f, "reasons"))
    others = tuple(x for x in s.findings if x.allegation_id != finding.allegation_id)
    return replace(s, findings=(*others, finding))


def _outcome_recorded(s: CaseState, f: _Fields, e: Event) -> CaseState:
    return replace(s, sanction=_text(f, "sanction"), outcome_on=_day(f, "on"))


def _appeal_decided(s: CaseState, f: _Fields, e: Event) -> CaseState:
    sanction = f.get("sanction")
    return replace(
        s,
        appeal_allowed=f.get("allowed") is True,
        sanction=sanction if isinstance(sanction, str) else s.sanction,
    )


def _closure_proposed(s: CaseState, f: _Fields, e: Event) -> CaseState:
    proposal = ClosureProposal(
        closure=_text(f, "closure"),
        reasons=_text(f, "reasons"),
        reporter_summary=_text(f, "reporter_summary"),
        proposed_by=e.actor_id or "",
        proposed_on=_day(f, "on"),
        resume_status=_text(f, "from_status"),
    )
    return replace(s, pending_closure=proposal)


def _closure_confirmed(s: CaseState, f: _Fields, e: Event) -> CaseState:
    proposal = s.pending_closure
    if proposal is None:
        raise ReplayError("closure_confirmed without a pending proposal.")
    closure = Closure(
        closure=proposal.closure,
        reasons=proposal.reasons,
        proposed_by=proposal.proposed_by,
        confirmed_by=e.actor_id or "",
        closed_on=_day(f, "on"),
    )
    return replace(s, pending_closure=None, closure=closure)


def _reporter_told(s: CaseState, f: _Fields, e: Event) -> CaseState:
    if s.closure is None:
        return s
    return replace(s, closure=replace(s.closure, reporter_told_on=_day(f, "on")))


def _case_reopened(s: CaseState, f: _Fields, e: Event) -> CaseState:
    """A review sends the case back: what followed the assessment is set aside (the events keep it)."""
    return CaseState(
        case_id=s.case_id,
        policy_id=s.policy_id,
        policy_version=s.policy_version,
        status=s.status,
        received_on=s.received_on,
        categories=s.categories,
        reporter_ids=s.reporter_ids,
        acknowledged_on=s.acknowledged_on,
        last_feedback_on=s.last_feedback_on,
        allegations=s.allegations,
        severity=s.severity,
        facts=s.facts,
        final_written_warning_in_force=s.final_written_warning_in_force,
        referral_grounds=s.referral_grounds,
        referred_on=s.referred_on,
        investigation_mode=s.investigation_mode,
        employment=s.employment,
        advisory_list=s.advisory_list,
        barred_list=s.barred_list,
    )


def _reinvestigation_directed(s: CaseState, f: _Fields, e: Event) -> CaseState:
    """The overseer sends the case back into investigation: the report and all that followed it are
    set aside (the events keep them); the investigator, the notice served and the evidence stay."""
    reopened = _case_reopened(s, f, e)
    return replace(
        reopened,
        investigator_id=s.investigator_id,
        regulation_17_served_on=s.regulation_17_served_on,
        evidence=s.evidence,
        interim_reports=s.interim_reports,
        progress_reports_sent=s.progress_reports_sent,
        direction="reinvestigation",
        direction_on=_day(f, "on"),
    )


def _investigation_reported(s: CaseState, f: _Fields, e: Event) -> CaseState:
    """A new report answers a direction to re-investigate."""
    done = s.direction == "reinvestigation"
    return replace(
        s,
        investigation_reported_on=_on(f, e),
        direction=None if done else s.direction,
        direction_on=None if done else s.direction_on,
    )


def _on(f: _Fields, e: Event) -> date:
    return _day(f, "on")


def _unchanged(s: CaseState, f: _Fields, e: Event) -> CaseState:
    return s


_APPLIERS: dict[str, _Applier] = {
    "report_linked": _report_linked,
    "report_acknowledged": lambda s, f, e: replace(s, acknowledged_on=_day(f, "acknowledged_on")),
    "allegation_added": lambda s, f, e: replace(
        s,
        allegations=(
            *s.allegations,
            Allegation(_text(f, "allegation_id"), _text(f, "standard"), _text(f, "summary")),
        ),
    ),
    "severity_assessed": _severity_assessed,
    "overseer_referral_required": _unchanged,
    "overseer_referral_made": lambda s, f, e: replace(s, referred_on=_on(f, e)),
    "investigation_mode_decided": lambda s, f, e: replace(s, investigation_mode=_text(f, "mode")),
    "investigator_assigned": lambda s, f, e: replace(s, investigator_id=_text(f, "investigator_id")),
    "regulation_17_notice_served": lambda s, f, e: replace(s, regulation_17_served_on=_day(f, "served_on")),
    "evidence_logged": lambda s, f, e: replace(s, evidence=(*s.evidence, _text(f, "evidence_id"))),
    "interim_report_submitted": lambda s, f, e: replace(s, interim_reports=s.interim_reports + 1),
    "progress_report_sent": lambda s, f, e: replace(s, progress_reports_sent=_count(f, "period")),
    "investigation_report_submitted": _investigation_reported,
    "case_to_answer_decided": lambda s, f, e: replace(s, severity=_text(f, "finding")),
    "reflective_practice_started": _unchanged,
    "referred_to_proceedings": lambda s, f, e: replace(s, forum=_text(f, "forum")),
    "referral_notice_served": lambda s, f, e: replace(s, referral_notice_served_on=_day(f, "served_on")),
    "subject_response_recorded": lambda s, f, e: replace(s, subject_response_on=_day(f, "received_on")),
    "proceedings_scheduled": lambda s, f, e: replace(
        s, proceedings_on=_day(f, "held_on"), panel=_texts(f, "panel")
    ),
    "finding_recorded": _finding_recorded,
    "outcome_recorded": _outcome_recorded,
    "barred_list_entry_required": lambda s, f, e: replace(s, barred_list=True),
    "barred_list_entry_withdrawn": lambda s, f, e: replace(s, barred_list=False),
    "appeal_lodged": lambda s, f, e: replace(s, appeal_lodged_on=_on(f, e)),
    "appeal_decided": _appeal_decided,
    "closure_proposed": _closure_proposed,
    "closure_confirmed": _closure_confirmed,
    "reporter_told": _reporter_told,
    "closure_rejected": lambda s, f, e: replace(s, pending_closure=None),
    "withdrawal_requested": lambda s, f, e: replace(s, withdrawal_requested=True),
    "employment_changed": lambda s, f, e: replace(s, employment=_text(f, "employment")),
    "advisory_list_entry_required": lambda s, f, e: replace(s, advisory_list=True),
    "reporter_feedback_given": lambda s, f, e: replace(s, last_feedback_on=_on(f, e)),
    "review_requested": lambda s, f, e: replace(s, review_requested_on=_on(f, e)),
    "closure_upheld": _unchanged,
    "case_reopened": _case_reopened,
    "reinvestigation_directed": _reinvestigation_directed,
    "review_directed": lambda s, f, e: replace(s, direction="review", direction_on=_day(f, "on")),
    "direction_answered": lambda s, f, e: replace(s, direction=None, direction_on=None),
}

EVENT_KINDS = frozenset({"case_opened", *_APPLIERS})
