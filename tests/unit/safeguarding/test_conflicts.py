"""Conflicts of interest: same team, chain of command, declared relationships, other cases."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstander.accounts.models import Role
from upstander.cases.parties import PartyRole
from upstander.errors import InvalidInput, NotAllowed
from upstander.safeguarding.conflicts.rules import (
    Candidate,
    ConflictKind,
    Declaration,
    Involvement,
    OrgTree,
    Party,
    Relationship,
    check_override,
    conflicts_of,
    refusal_text,
)

FORCE, COMMAND, UNIT, TEAM_A, TEAM_B, OTHER_UNIT = (uuid.UUID(int=n) for n in range(1, 7))
TREE = OrgTree(
    {FORCE: None, COMMAND: FORCE, UNIT: COMMAND, TEAM_A: UNIT, TEAM_B: UNIT, OTHER_UNIT: COMMAND},
    {
        FORCE: "Northshire Police",
        COMMAND: "North Command",
        UNIT: "Response North",
        TEAM_A: "Team A",
        TEAM_B: "Team B",
        OTHER_UNIT: "Custody",
    },
)
SUBJECT_ID = uuid.UUID(int=100)
USER_ID = uuid.UUID(int=200)


def subject(unit: uuid.UUID | None) -> Party:
    return Party(SUBJECT_ID, "Gareth Example (NS04242)", PartyRole.SUBJECT, unit)


CANDIDATE_PERSON = uuid.UUID(int=300)


def candidate(unit: uuid.UUID | None, person: uuid.UUID | None = CANDIDATE_PERSON) -> Candidate:
    return Candidate(USER_ID, "Ivy Investigator", person, unit)


def kinds(found: object) -> list[ConflictKind]:
    assert isinstance(found, tuple)
    return [conflict.kind for conflict in found]


def test_same_team_is_a_conflict_and_says_where() -> None:
    found = conflicts_of(candidate(TEAM_A), [subject(TEAM_A)], TREE)
    assert kinds(found) == [ConflictKind.SAME_TEAM]
    assert found[0].reason == ("Ivy Investigator works in Team A with the subject, Gareth Example (NS04242).")


def test_a_unit_above_the_subject_is_their_chain_of_command() -> None:
    found = conflicts_of(candidate(UNIT), [subject(TEAM_B)], TREE)
    assert kinds(found) == [ConflictKind.CHAIN_OF_COMMAND]
    assert "in the chain of command above the subject" in found[0].reason


def test_a_subject_above_the_candidate_is_in_their_chain_of_command() -> None:
    found = conflicts_of(candidate(TEAM_A), [subject(COMMAND)], TREE)
    assert kinds(found) == [ConflictKind.CHAIN_OF_COMMAND]
    assert found[0].reason.startswith("The subject, Gareth Example (NS04242) is in North Command")


def test_sibling_teams_and_other_units_are_not_conflicted() -> None:
    assert conflicts_of(candidate(TEAM_A), [subject(TEAM_B)], TREE) == ()
    assert conflicts_of(candidate(OTHER_UNIT), [subject(TEAM_A)], TREE) == ()


def test_the_force_itself_is_no_ones_chain_of_command() -> None:
    assert conflicts_of(candidate(FORCE), [subject(TEAM_A)], TREE) == ()


def test_unknown_placements_decide_nothing() -> None:
    assert conflicts_of(candidate(None), [subject(TEAM_A)], TREE) == ()
    assert conflicts_of(candidate(TEAM_A), [subject(None)], TREE) == ()


def test_a_complainant_is_never_named() -> None:
    party = Party(SUBJECT_ID, "", PartyRole.COMPLAINANT, TEAM_A)
    (found,) = conflicts_of(candidate(TEAM_A), [party], TREE)
    assert found.reason == "Ivy Investigator works in Team A with the complainant."


def test_a_declared_relationship_is_a_conflict_only_with_that_person() -> None:
    declared = [Declaration(USER_ID, SUBJECT_ID, Relationship.FRIEND)]
    found = conflicts_of(candidate(None), [subject(None)], TREE, declared)
    assert kinds(found) == [ConflictKind.DECLARED_RELATIONSHIP]
    assert found[0].reason.endswith("is a friend.")
    someone_else = [Declaration(USER_ID, uuid.UUID(int=999), Relationship.FRIEND)]
    assert conflicts_of(candidate(None), [subject(None)], TREE, someone_else) == ()
    another_user = [Declaration(uuid.UUID(int=201), SUBJECT_ID, Relationship.FRIEND)]
    assert conflicts_of(candidate(None), [subject(None)], TREE, another_user) == ()


def test_a_part_in_another_case_of_the_subject_is_a_conflict() -> None:
    earlier = Involvement("C-OLD1", "the investigator", USER_ID, None, frozenset({SUBJECT_ID}))
    found = conflicts_of(candidate(None), [subject(None)], TREE, (), [earlier])
    assert kinds(found) == [ConflictKind.OTHER_CASE]
    assert found[0].reason == (
        "Ivy Investigator was the investigator on case C-OLD1, which concerns the subject, "
        "Gareth Example (NS04242)."
    )
    unrelated = Involvement("C-OLD2", "the investigator", USER_ID, None, frozenset({uuid.UUID(int=5)}))
    assert conflicts_of(candidate(None), [subject(None)], TREE, (), [unrelated]) == ()


def test_several_parts_on_one_earlier_case_are_one_conflict_said_once() -> None:
    assessed = Involvement("C-OLD1", "a decision maker", USER_ID, None, frozenset({SUBJECT_ID}))
    proposed_closure = Involvement("C-OLD1", "a decision maker", USER_ID, None, frozenset({SUBJECT_ID}))
    found = conflicts_of(candidate(None), [subject(None)], TREE, (), [assessed, proposed_closure])
    assert kinds(found) == [ConflictKind.OTHER_CASE]
    assert refusal_text("Ruth", found).count("C-OLD1") == 1


def test_having_been_a_party_to_another_case_of_the_subject_is_a_conflict() -> None:
    me = uuid.UUID(int=300)
    earlier = Involvement("C-OLD1", "a complainant", None, me, frozenset({SUBJECT_ID}))
    found = conflicts_of(candidate(None, me), [subject(None)], TREE, (), [earlier])
    assert kinds(found) == [ConflictKind.OTHER_CASE]


def test_the_subject_cannot_be_appointed_to_their_own_case() -> None:
    found = conflicts_of(candidate(TEAM_A, SUBJECT_ID), [subject(TEAM_A)], TREE)
    assert kinds(found) == [ConflictKind.IS_PARTY]


def test_only_a_decision_maker_overrides_and_only_with_reasons() -> None:
    with pytest.raises(NotAllowed):
        check_override([Role.HANDLER], "A long enough reason for the override.")
    with pytest.raises(InvalidInput) as short:
        check_override([Role.DECISION_MAKER], "too short")
    assert short.value.fields == {"override_reasons": "too short"}
    assert check_override([Role.DECISION_MAKER], "  The only trained investigator available.  ") == (
        "The only trained investigator available."
    )


# --- properties over random org trees --------------------------------------------------------------


@st.composite
def trees(draw: st.DrawFn) -> tuple[OrgTree, list[uuid.UUID]]:
    """A tree whose unit i has a parent among units 0..i-1; unit 0 is the force."""
    size = draw(st.integers(1, 12))
    ids = [uuid.UUID(int=n + 1) for n in range(size)]
    parents: dict[uuid.UUID, uuid.UUID | None] = {ids[0]: None}
    for index in range(1, size):
        parents[ids[index]] = ids[draw(st.integers(0, index - 1))]
    return OrgTree(parents, {unit: f"unit {n}" for n, unit in enumerate(ids)}), ids


def path_to_root(tree: OrgTree, unit: uuid.UUID) -> list[uuid.UUID]:
    path = [unit]
    while (parent := tree.parents[path[-1]]) is not None:
        path.append(parent)
    return path


@given(data=st.data(), built=trees())
def test_chain_of_command_is_exactly_a_non_root_ancestor_either_way(
    data: st.DataObject, built: tuple[OrgTree, list[uuid.UUID]]
) -> None:
    tree, ids = built
    mine, theirs = data.draw(st.sampled_from(ids)), data.draw(st.sampled_from(ids))
    root = ids[0]
    found = kinds(conflicts_of(candidate(mine), [subject(theirs)], tree))
    above_them = mine not in (theirs, root) and mine in path_to_root(tree, theirs)
    above_me = theirs not in (mine, root) and theirs in path_to_root(tree, mine)
    if mine == theirs:
        assert found == [ConflictKind.SAME_TEAM]
    elif above_them or above_me:
        assert found == [ConflictKind.CHAIN_OF_COMMAND]
    else:
        assert found == []
    # Whoever is the candidate, the answer for a pair is the same.
    swapped = kinds(conflicts_of(candidate(theirs), [subject(mine)], tree))
    assert swapped == found


@given(
    units=st.lists(
        st.sampled_from([FORCE, COMMAND, UNIT, TEAM_A, TEAM_B, OTHER_UNIT, None]), min_size=1, max_size=4
    ),
    declared=st.booleans(),
)
def test_every_conflict_names_a_party_of_the_case(units: list[uuid.UUID | None], declared: bool) -> None:
    parties = [
        Party(uuid.UUID(int=500 + n), f"P{n}", PartyRole.SUBJECT, unit) for n, unit in enumerate(units)
    ]
    declarations = [Declaration(USER_ID, parties[0].person_id, Relationship.FAMILY)] if declared else []
    found = conflicts_of(candidate(TEAM_A), parties, TREE, declarations)
    assert {c.party for c in found} <= set(parties)
    assert all(c.reason.endswith(".") and c.reason.startswith(("Ivy", "The ")) for c in found)
    assert (ConflictKind.DECLARED_RELATIONSHIP in kinds(found)) == declared
