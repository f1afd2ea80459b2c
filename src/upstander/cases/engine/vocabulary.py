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
