"""What of a case is disclosed to its subject, and so to the representative they consented to.

Only what the officer is given under the Police (Conduct) Regulations 2020: the notice of the
investigation (reg. 17), the referral to proceedings and its notice (regs 30 and 51), with the
investigator's report once that notice is served (reg. 30(1)(b)), the officer's own response
(reg. 31), the date and panel (reg. 34), the findings and outcome with reasons (regs 41-43), the
appeal (reg. 45) and that the case closed. Nothing the reporter wrote or was told, nothing about
the complainants, no evidence log, no notes: those never leave the case key.

Pure: the service hands in the timeline's entries with their opened text, and seals what this
returns to each consented representative's own key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# kind -> (plain fields shown, text fields shown)
DISCLOSED: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "regulation_17_notice_served": (("served_on",), ()),
    "investigation_report_submitted": ((), ("summary",)),
    "case_to_answer_decided": (("finding",), ()),
    "reflective_practice_started": ((), ()),
    "referred_to_proceedings": (("forum",), ()),
    "referral_notice_served": (("served_on",), ()),
    "subject_response_recorded": (("received_on", "accepts"), ()),
    "proceedings_scheduled": (("held_on", "panel"), ()),
    "finding_recorded": (("allegation_id", "finding"), ("reasons",)),
    "outcome_recorded": (("sanction",), ("reasons",)),
    "appeal_lodged": ((), ("grounds",)),
    "appeal_decided": (("allowed", "sanction"), ("reasons",)),
    "closure_confirmed": (("closure",), ()),
    "reinvestigation_directed": ((), ()),
}
# The investigator's report reaches the officer with the notice of referral (reg. 30(1)(b)).
DISCLOSED_WITH_NOTICE = frozenset({"investigation_report_submitted"})
NOTICE = "referral_notice_served"


@dataclass(frozen=True)
class Entry:
    """One timeline entry: its number, kind, the plain data and the opened text fields."""

    seq: int
    kind: str
    at: str
    data: Mapping[str, Any]
    texts: Mapping[str, str]


@dataclass(frozen=True)
class DisclosedItem:
    seq: int
    kind: str
    at: str
    details: dict[str, Any]
    texts: dict[str, str]


def disclosed_items(entries: Sequence[Entry]) -> list[DisclosedItem]:
    """The entries the subject may see, with only the fields they may see, in timeline order."""
    notice_served = any(entry.kind == NOTICE for entry in entries)
    items = []
    for entry in entries:
        shown = DISCLOSED.get(entry.kind)
        if shown is None or (entry.kind in DISCLOSED_WITH_NOTICE and not notice_served):
            continue
        plain, texts = shown
        items.append(
            DisclosedItem(
                entry.seq,
                entry.kind,
                entry.at,
                {name: entry.data[name] for name in plain if entry.data.get(name) is not None},
                {name: entry.texts[name] for name in texts if entry.texts.get(name)},
            )
        )
    return items
