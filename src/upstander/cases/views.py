"""How a case's workflow reads on its page: the steps open to the reader, the deadlines, the timeline."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from upstander.cases import forms
from upstander.cases.engine.clocks import Deadline
from upstander.cases.engine.owed import OwedStep
from upstander.cases.engine.state import CaseState
from upstander.cases.engine.vocabulary import EVENT_TITLES
from upstander.cases.models import Case, CaseEvent
from upstander.cases.policy.packs import Policy
from upstander.cases.representation import sealing as disclosure_store


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
    # What moves the case on next, and who may take each step (the pack's `owed` for this state).
    owed: list[OwedStep] = field(default_factory=list)


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


def event_view(policy: Policy, row: CaseEvent, case_key: bytes, names: Mapping[uuid.UUID, str]) -> EventView:
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
            details.append(f"{word} {date.fromisoformat(data[name]):%-d %B %Y}")
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
