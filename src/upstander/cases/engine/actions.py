"""The steps a person can ask of a case: one frozen dataclass per kind of step.

A policy pack names these kinds (``[actions.<kind>]``) and says, for each, from which states it may be
taken, where it leads, who may take it and which of its fields must be filled in. The fields here are
the whole vocabulary a pack can draw on; a pack cannot invent new ones.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import ClassVar


@dataclass(frozen=True)
class Action:
    """A request to take one step in a case; ``kind`` is its name in the policy pack."""

    kind: ClassVar[str] = ""


@dataclass(frozen=True)
class OpenCase(Action):
    """Open a case from one or more reports (or from a conduct matter the force recorded itself)."""

    kind: ClassVar[str] = "open_case"
    case_id: str
    categories: tuple[str, ...]
    reporter_ids: tuple[str, ...] = ()
    received_on: date | None = None


@dataclass(frozen=True)
class LinkReport(Action):
    kind: ClassVar[str] = "link_report"
    category: str
    reporter_id: str | None = None
    received_on: date | None = None


@dataclass(frozen=True)
class Acknowledge(Action):
    kind: ClassVar[str] = "acknowledge"
    acknowledged_on: date | None = None


@dataclass(frozen=True)
class AddAllegation(Action):
    kind: ClassVar[str] = "add_allegation"
    allegation_id: str
    standard: str
    summary: str = ""


@dataclass(frozen=True)
class AssessSeverity(Action):
    kind: ClassVar[str] = "assess_severity"
    severity: str
    reasons: str = ""
    facts: frozenset[str] = frozenset()
    final_written_warning_in_force: bool = False


@dataclass(frozen=True)
class ReferToOverseer(Action):
    kind: ClassVar[str] = "refer_to_overseer"
    reasons: str = ""


@dataclass(frozen=True)
class DecideInvestigationMode(Action):
    kind: ClassVar[str] = "decide_investigation_mode"
    mode: str
    reasons: str = ""


@dataclass(frozen=True)
class AssignInvestigator(Action):
    kind: ClassVar[str] = "assign_investigator"
    investigator_id: str


@dataclass(frozen=True)
class ServeRegulation17Notice(Action):
    kind: ClassVar[str] = "serve_regulation_17_notice"
    served_on: date


@dataclass(frozen=True)
class LogEvidence(Action):
    kind: ClassVar[str] = "log_evidence"
    evidence_id: str
    description: str = ""


@dataclass(frozen=True)
class SubmitInterimReport(Action):
    kind: ClassVar[str] = "submit_interim_report"
    summary: str = ""


@dataclass(frozen=True)
class SendProgressReport(Action):
    kind: ClassVar[str] = "send_progress_report"
    summary: str = ""


@dataclass(frozen=True)
class SubmitInvestigationReport(Action):
    kind: ClassVar[str] = "submit_investigation_report"
    summary: str = ""


@dataclass(frozen=True)
class DecideCaseToAnswer(Action):
    kind: ClassVar[str] = "decide_case_to_answer"
    finding: str
    reasons: str = ""


@dataclass(frozen=True)
class StartReflectivePractice(Action):
    kind: ClassVar[str] = "start_reflective_practice"
    reasons: str = ""


@dataclass(frozen=True)
class ReferToProceedings(Action):
    kind: ClassVar[str] = "refer_to_proceedings"
    forum: str
    reasons: str = ""
    sufficient_documentary_evidence: bool = False
    public_interest_without_delay: bool = False


@dataclass(frozen=True)
class ServeReferralNotice(Action):
    kind: ClassVar[str] = "serve_referral_notice"
    served_on: date


@dataclass(frozen=True)
class RecordSubjectResponse(Action):
    kind: ClassVar[str] = "record_subject_response"
    received_on: date
    accepts: bool = False


@dataclass(frozen=True)
class ScheduleProceedings(Action):
    kind: ClassVar[str] = "schedule_proceedings"
    held_on: date
    panel: tuple[str, ...]


@dataclass(frozen=True)
class RecordFinding(Action):
    kind: ClassVar[str] = "record_finding"
    allegation_id: str
    finding: str
    reasons: str = ""


@dataclass(frozen=True)
class RecordOutcome(Action):
    kind: ClassVar[str] = "record_outcome"
    sanction: str
    reasons: str = ""


@dataclass(frozen=True)
class LodgeAppeal(Action):
    kind: ClassVar[str] = "lodge_appeal"
    grounds: str = ""


@dataclass(frozen=True)
class DecideAppeal(Action):
    kind: ClassVar[str] = "decide_appeal"
    allowed: bool
    reasons: str = ""
    sanction: str | None = None


@dataclass(frozen=True)
class ProposeClosure(Action):
    kind: ClassVar[str] = "propose_closure"
    closure: str
    reasons: str = ""
    reporter_summary: str = ""


@dataclass(frozen=True)
class ConfirmClosure(Action):
    kind: ClassVar[str] = "confirm_closure"
    note: str = ""


@dataclass(frozen=True)
class RejectClosure(Action):
    kind: ClassVar[str] = "reject_closure"
    reasons: str = ""


@dataclass(frozen=True)
class RequestWithdrawal(Action):
    kind: ClassVar[str] = "request_withdrawal"
    reasons: str = ""


@dataclass(frozen=True)
class RecordEmploymentChange(Action):
    kind: ClassVar[str] = "record_employment_change"
    employment: str
    effective_on: date


@dataclass(frozen=True)
class GiveFeedback(Action):
    kind: ClassVar[str] = "give_feedback"
    summary: str = ""


@dataclass(frozen=True)
class RequestReview(Action):
    kind: ClassVar[str] = "request_review"
    grounds: str = ""


@dataclass(frozen=True)
class UpholdClosure(Action):
    kind: ClassVar[str] = "uphold_closure"
    reasons: str = ""


@dataclass(frozen=True)
class ReopenCase(Action):
    kind: ClassVar[str] = "reopen_case"
    reasons: str = ""


@dataclass(frozen=True)
class DirectReinvestigation(Action):
    """The overseer sends the case back to be investigated again."""

    kind: ClassVar[str] = "direct_reinvestigation"
    reasons: str = ""


@dataclass(frozen=True)
class DirectReview(Action):
    """The overseer directs the appropriate authority to review how the case is being dealt with."""

    kind: ClassVar[str] = "direct_review"
    reasons: str = ""


@dataclass(frozen=True)
class AnswerDirection(Action):
    kind: ClassVar[str] = "answer_direction"
    reasons: str = ""


ACTION_TYPES: dict[str, type[Action]] = {
    cls.kind: cls
    for cls in (
        OpenCase,
        LinkReport,
        Acknowledge,
        AddAllegation,
        AssessSeverity,
        ReferToOverseer,
        DecideInvestigationMode,
        AssignInvestigator,
        ServeRegulation17Notice,
        LogEvidence,
        SubmitInterimReport,
        SendProgressReport,
        SubmitInvestigationReport,
        DecideCaseToAnswer,
        StartReflectivePractice,
        ReferToProceedings,
        ServeReferralNotice,
        RecordSubjectResponse,
        ScheduleProceedings,
        RecordFinding,
        RecordOutcome,
        LodgeAppeal,
        DecideAppeal,
        ProposeClosure,
        ConfirmClosure,
        RejectClosure,
        RequestWithdrawal,
        RecordEmploymentChange,
        GiveFeedback,
        RequestReview,
        UpholdClosure,
        ReopenCase,
        DirectReinvestigation,
        DirectReview,
        AnswerDirection,
    )
}

# How a missing field is named to the person filling in the form.
FIELD_LABELS: dict[str, str] = {
    "case_id": "the case reference",
    "categories": "the category",
    "category": "the category",
    "reporter_id": "the reporter",
    "reporter_ids": "the reporter",
    "received_on": "the date it was received",
    "acknowledged_on": "the date of the acknowledgement",
    "allegation_id": "the allegation",
    "standard": "the standard of professional behaviour",
    "summary": "a summary",
    "severity": "the severity",
    "reasons": "the reasons",
    "facts": "the facts found",
    "mode": "the mode of investigation",
    "investigator_id": "the investigator",
    "served_on": "the date the notice was served",
    "evidence_id": "the evidence reference",
    "description": "a description",
    "finding": "the finding",
    "forum": "the kind of proceedings",
    "held_on": "the date",
    "panel": "the panel",
    "sanction": "the outcome",
    "grounds": "the grounds",
    "closure": "the kind of closure",
    "reporter_summary": "what the reporter will be told",
    "note": "a note",
    "employment": "the employment status",
    "effective_on": "the date it took effect",
}


def field_names(kind: str) -> frozenset[str]:
    """The fields an action of this kind has (what a pack's ``requires`` may name)."""
    return frozenset(f.name for f in fields(ACTION_TYPES[kind]))


def is_filled(value: object) -> bool:
    """A required field is filled when it is not empty: text with a non-space, a non-empty list, a date."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, tuple | frozenset):
        return bool(value)
    return True
