"""Words the engine itself knows, whatever the pack: roles, employment status, clock names and restrictions."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

# How each role is named in a sentence ("Only a decision maker can ...").
ROLE_LABELS: dict[str, str] = {
    "reporter": "the person who made the report",
    "operator": "an intake operator",
    "handler": "a case handler",
    "investigator": "the investigator",
    "decision_maker": "a decision maker",
    "custodian": "an identity custodian",
    "overseer": "the independent overseer",
    "representative": "the officer's representative",
    "welfare": "a welfare officer",
    "analyst": "an analyst",
    "admin": "an administrator",
    "vetting": "a vetting officer",
}

SERVING = "serving"
EMPLOYMENT_LABELS: dict[str, str] = {
    SERVING: "serving",
    "resigned": "resigned",
    "retired": "retired",
    "dismissed": "dismissed",
}

# Clocks the engine derives from events; a pack switches each on by giving it a period.
ACKNOWLEDGEMENT = "acknowledgement"
REPORTER_FEEDBACK = "reporter_feedback"
REVIEW_REQUEST = "review_request"
DIRECTION_RESPONSE = "direction_response"
KNOWN_CLOCKS = frozenset({ACKNOWLEDGEMENT, REPORTER_FEEDBACK, REVIEW_REQUEST, DIRECTION_RESPONSE})


def roles_phrase(roles: Iterable[str]) -> str:
    """'a case handler or a decision maker'."""
    return either(ROLE_LABELS.get(role, role) for role in roles)


def either(words: Iterable[str]) -> str:
    items = list(dict.fromkeys(words))
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def both(words: Iterable[str]) -> str:
    items = list(dict.fromkeys(words))
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def sentence(text: str) -> str:
    """Capitalise the first letter only ('the Independent Office ...' -> 'The Independent Office ...')."""
    return text[:1].upper() + text[1:]


def with_article(text: str) -> str:
    """'a misconduct meeting', 'an accelerated misconduct hearing'."""
    return f"{'an' if text[:1].lower() in 'aeiou' else 'a'} {text}"


# The measures the register of restrictions holds (safeguarding/register/), named here because a
# pack's early-intervention rules count them and a pack is checked against the words the engine knows.
class RestrictionKind(StrEnum):
    """The two measures the register holds. Suspension is the graver: it is imposed only after
    redeployment or restricted duties were considered and found not enough."""

    RESTRICTED_DUTIES = "restricted_duties"
    SUSPENDED = "suspended"


# How each kind of timeline entry is named to the people who read the case.
EVENT_TITLES = {
    "case_opened": "Case opened",
    "handler_assigned": "Case handler assigned",
    "report_linked": "Another report added to the case",
    "report_acknowledged": "Report acknowledged",
    "allegation_added": "Allegation added",
    "severity_assessed": "Severity assessed",
    "overseer_referral_required": "Referral to the overseer required",
    "overseer_referral_made": "Referred to the overseer",
    "investigation_mode_decided": "Overseer decided how it is investigated",
    "investigator_assigned": "Investigator appointed",
    "regulation_17_notice_served": "Regulation 17 notice served on the officer",
    "evidence_logged": "Evidence logged",
    "interim_report_submitted": "Interim report",
    "progress_report_sent": "Progress report sent to the policing body and the overseer",
    "investigation_report_submitted": "Investigation report submitted",
    "case_to_answer_decided": "Case to answer decided",
    "reflective_practice_started": "Referred to reflective practice",
    "referred_to_proceedings": "Referred to misconduct proceedings",
    "referral_notice_served": "Notice of the proceedings served on the officer",
    "subject_response_recorded": "The officer's response recorded",
    "proceedings_scheduled": "Proceedings arranged",
    "finding_recorded": "Finding on an allegation",
    "outcome_recorded": "Outcome decided",
    "barred_list_entry_required": "The officer goes on the barred list",
    "barred_list_entry_withdrawn": "Barred list entry withdrawn",
    "appeal_lodged": "Appeal lodged",
    "appeal_decided": "Appeal decided",
    "closure_proposed": "Closure proposed",
    "closure_confirmed": "Closure confirmed by a second decision maker",
    "reporter_told": "The reporter was told the outcome",
    "closure_rejected": "Closure proposal rejected",
    "withdrawal_requested": "The reporter asked to withdraw",
    "review_requested": "The reporter asked the overseer for a review",
    "closure_upheld": "The overseer upheld the closure",
    "case_reopened": "The overseer reopened the case",
    "employment_changed": "The officer's employment changed",
    "advisory_list_entry_required": "The officer goes on the advisory list",
    "reporter_feedback_given": "Feedback given to the reporter",
    "reinvestigation_directed": "The overseer directed a re-investigation",
    "review_directed": "The overseer directed a review",
    "direction_answered": "The overseer's direction answered",
}
