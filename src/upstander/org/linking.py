"""Ranking the staff records an allegation's description may mean. Pure, no I/O.

A reporter describes the person as they know them: "Sgt Gaz Smyth, Response B". The same officer
may be on record as Gareth Smith, under a maiden name, or in another unit by now. Candidates are
ranked with the identity matching the vetting checks use (misspellings, sounds-alike, initials,
other names) and the unit at the time; a handler confirms or rejects each, with a reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from upstander.org.vetting import (
    Identity,
    Purpose,
    Strength,
    VettingQuery,
    match_identity,
    name_likeness,
    name_tokens,
)

UNIT_SIMILARITY = 80
MAX_SUGGESTIONS = 5


@dataclass(frozen=True)
class Described:
    """What the report says about the person: any of a name, a staff number, a unit."""

    name: str = ""
    staff_number: str = ""
    unit: str = ""


@dataclass(frozen=True)
class Candidate:
    person_id: uuid.UUID
    identity: Identity
    unit_names: tuple[str, ...]  # the person's unit and the units above it
    label: str


@dataclass(frozen=True)
class Suggestion:
    person_id: uuid.UUID
    label: str
    strength: Strength
    score: int
    reasons: str


def split_name(name: str) -> tuple[str, str]:
    """Given names and family name from a free-text name; ranks and titles are dropped."""
    tokens = name_tokens(name, keep_last=True)
    if not tokens:
        return "", ""
    return " ".join(tokens[:-1]), tokens[-1]


def _unit_matches(described_unit: str, unit_names: Iterable[str]) -> str | None:
    wanted = described_unit.strip().lower()
    if not wanted:
        return None
    for unit in unit_names:
        if fuzz.partial_ratio(wanted, unit.lower()) >= UNIT_SIMILARITY:
            return unit
    return None


def suggest(
    described: Described, candidates: Iterable[Candidate], rejected: frozenset[uuid.UUID] = frozenset()
) -> list[Suggestion]:
    """The best few records for a description, strongest first, never one already rejected for it.

    A name alone is at most a possible match; a matching unit at the time raises the score and says so.
    """
    given, family = split_name(described.name)
    query = VettingQuery(
        purpose=Purpose.TRANSFER,
        staff_number=described.staff_number or None,
        given_name=given or None,
        family_name=family or None,
    )
    found: list[Suggestion] = []
    for candidate in candidates:
        if candidate.person_id in rejected:
            continue
        match = match_identity(query, candidate.identity)
        if match is not None:
            strength, reasons, score = match.strength, match.reason, match.score
        else:
            likeness = name_likeness(given, family, candidate.identity)
            if not likeness.family_matches:
                continue
            strength, reasons, score = Strength.POSSIBLE, likeness.reason, max(1, round(likeness.score * 0.7))
        unit = _unit_matches(described.unit, candidate.unit_names)
        if unit is not None:
            reasons, score = f"{reasons}; unit matches ({unit})", min(99, score + 15)
        found.append(Suggestion(candidate.person_id, candidate.label, strength, score, reasons))
    found.sort(key=lambda s: (s.strength, s.score), reverse=True)
    return found[:MAX_SUGGESTIONS]


@dataclass(frozen=True)
class SubjectCard:
    """One person a report is about: what the reporter said, the standing link, and suggestions."""

    allegation_id: uuid.UUID | None
    described: Described
    linked_person_id: uuid.UUID | None
    linked_label: str | None
    link_status: str | None
    suggestions: list[Suggestion]
