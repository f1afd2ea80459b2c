"""Conflicts of interest in appointing people to a case: who may not investigate, handle or decide it.

A candidate is a member of staff (a user, linked to their staff record when they have one). The
parties are the case's subjects and complainants, as far as their staff records are known. The
candidate is conflicted with a party when (College of Policing, Code of Ethics 2024, "conflicts
of interest"; IOPC Statutory Guidance 2020, paragraphs 9.20-9.27 on the independence of the
investigator):

- **same team**: both are placed in the same org unit today;
- **chain of command**: one's unit is an ancestor of the other's in the org tree, below the
  force itself. A unit above a team commands it, and a team answers to every unit above it; the
  force (the root) is everyone's ancestor, so it counts as no one's line, otherwise nobody in
  the force could ever investigate anyone;
- **declared relationship**: the candidate declared (or someone recorded) a relationship with
  the party that has not been withdrawn;
- **another case**: the candidate was handler, investigator or decision maker on another case of
  the party, or was a subject or complainant of one. "Earlier" cases and cases running at the
  same time are treated alike: both mean the candidate already has a view of the person.

Nothing here reads a database: the service loads the tree, the placements, the declarations and
the other cases, and asks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from upstander import access
from upstander.accounts.models import Role
from upstander.cases.parties import PartyRole
from upstander.safeguarding.rules import override_reasons


class ConflictKind(StrEnum):
    SAME_TEAM = "same_team"
    CHAIN_OF_COMMAND = "chain_of_command"
    DECLARED_RELATIONSHIP = "declared_relationship"
    OTHER_CASE = "other_case"
    IS_PARTY = "is_party"


class Relationship(StrEnum):
    FAMILY = "family"
    PARTNER = "partner"
    FRIEND = "friend"
    LINE_MANAGEMENT = "line_management"
    FORMER_COLLEAGUE = "former_colleague"
    OTHER = "other"


RELATIONSHIP_LABELS = {
    Relationship.FAMILY: "a family member",
    Relationship.PARTNER: "a partner or former partner",
    Relationship.FRIEND: "a friend",
    Relationship.LINE_MANAGEMENT: "a line manager or someone they manage",
    Relationship.FORMER_COLLEAGUE: "a close former colleague",
    Relationship.OTHER: "related in another way",
}


@dataclass(frozen=True)
class Party:
    person_id: uuid.UUID
    label: str
    role: PartyRole
    unit_id: uuid.UUID | None


@dataclass(frozen=True)
class Candidate:
    user_id: uuid.UUID
    name: str
    person_id: uuid.UUID | None
    unit_id: uuid.UUID | None


@dataclass(frozen=True)
class OrgTree:
    """Each unit's parent (None for the root) and name; the root is the force."""

    parents: Mapping[uuid.UUID, uuid.UUID | None]
    names: Mapping[uuid.UUID, str]

    def ancestors(self, unit_id: uuid.UUID) -> list[uuid.UUID]:
        """The units above this one, nearest first, without the root (see the module docstring)."""
        found: list[uuid.UUID] = []
        seen = {unit_id}
        current = self.parents.get(unit_id)
        while current is not None and current not in seen:
            seen.add(current)
            if self.parents.get(current) is None:
                break  # the root: the force itself is no one's line
            found.append(current)
            current = self.parents.get(current)
        return found


@dataclass(frozen=True)
class Declaration:
    user_id: uuid.UUID
    person_id: uuid.UUID
    relationship: Relationship


@dataclass(frozen=True)
class Involvement:
    """Someone's part in another case: a user's (handler, investigator, decision maker) or a
    person's (subject, complainant), with the other case's reference and the people it concerns."""

    case_reference: str
    part: str
    user_id: uuid.UUID | None
    person_id: uuid.UUID | None
    concerns: frozenset[uuid.UUID]


@dataclass(frozen=True)
class ConflictFound:
    kind: ConflictKind
    party: Party
    reason: str


def _party_phrase(party: Party) -> str:
    return f"the {party.role.value}, {party.label}" if party.label else f"the {party.role.value}"


def conflicts_of(
    candidate: Candidate,
    parties: Iterable[Party],
    tree: OrgTree,
    declarations: Iterable[Declaration] = (),
    involvements: Iterable[Involvement] = (),
) -> tuple[ConflictFound, ...]:
    """Every conflict between this candidate and the case's parties, each with a reason in plain
    words; empty when the candidate may be appointed."""
    declared = [d for d in declarations if d.user_id == candidate.user_id]
    others = list(involvements)
    found: list[ConflictFound] = []
    for party in parties:
        phrase = _party_phrase(party)
        if candidate.person_id is not None and candidate.person_id == party.person_id:
            found.append(ConflictFound(ConflictKind.IS_PARTY, party, f"{candidate.name} is {phrase}."))
            continue
        found.extend(_placement_conflicts(candidate, party, tree))
        for declaration in declared:
            if declaration.person_id == party.person_id:
                found.append(
                    ConflictFound(
                        ConflictKind.DECLARED_RELATIONSHIP,
                        party,
                        f"{candidate.name} declared that {phrase} is "
                        f"{RELATIONSHIP_LABELS[declaration.relationship]}.",
                    )
                )
        for involvement in others:
            if party.person_id not in involvement.concerns:
                continue
            theirs = involvement.user_id == candidate.user_id or (
                candidate.person_id is not None and involvement.person_id == candidate.person_id
            )
            if theirs:
                found.append(
                    ConflictFound(
                        ConflictKind.OTHER_CASE,
                        party,
                        f"{candidate.name} was {involvement.part} on case {involvement.case_reference}, "
                        f"which concerns {phrase}.",
                    )
                )
    # Several parts on one case (assessing, then proposing closure) are one conflict, said once.
    return tuple(dict.fromkeys(found))


def _placement_conflicts(candidate: Candidate, party: Party, tree: OrgTree) -> list[ConflictFound]:
    mine, theirs = candidate.unit_id, party.unit_id
    if mine is None or theirs is None:
        return []
    phrase = _party_phrase(party)
    if mine == theirs:
        unit = tree.names.get(mine, "the same unit")
        return [
            ConflictFound(ConflictKind.SAME_TEAM, party, f"{candidate.name} works in {unit} with {phrase}.")
        ]
    if mine in tree.ancestors(theirs):
        unit = tree.names.get(mine, "a unit above them")
        return [
            ConflictFound(
                ConflictKind.CHAIN_OF_COMMAND,
                party,
                f"{candidate.name} is in {unit}, in the chain of command above {phrase}.",
            )
        ]
    if theirs in tree.ancestors(mine):
        unit = tree.names.get(theirs, "a unit above them")
        return [
            ConflictFound(
                ConflictKind.CHAIN_OF_COMMAND,
                party,
                f"{phrase[:1].upper()}{phrase[1:]} is in {unit}, in {candidate.name}'s chain of command.",
            )
        ]
    return []


def refusal_text(name: str, conflicts: Iterable[ConflictFound]) -> str:
    reasons = " ".join(conflict.reason for conflict in conflicts)
    return (
        f"{name} has a conflict of interest with this case. {reasons} Only a decision maker can "
        "appoint them all the same, with written reasons; the overseer reviews every such override."
    )


def check_override(roles: Iterable[Role], reasons: str | None) -> str:
    """Only a decision maker may appoint a conflicted person, and only with written reasons of at
    least MIN_REASONS characters. Returns the reasons, tidied."""
    access.require(roles, access.Action.OVERRIDE_CONFLICT)
    return override_reasons(reasons, "this person must be appointed despite the conflict of interest")
