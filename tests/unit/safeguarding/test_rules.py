"""Separation rules: who may be posted where, overrides, new orders, and reading a roster."""

from __future__ import annotations

import io
import itertools
import uuid
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upstander.accounts.models import Role
from upstander.errors import InvalidInput, NotAllowed
from upstander.safeguarding import rules
from upstander.safeguarding.roster import parse_roster
from upstander.safeguarding.rules import Order, Placement, Separation

TODAY = date(2027, 5, 10)
RESPONSE, CUSTODY = uuid.UUID(int=100), uuid.UUID(int=200)
TEAM_A, TEAM_B, CUSTODY_1 = uuid.UUID(int=101), uuid.UUID(int=102), uuid.UUID(int=201)
NAMES = {TEAM_A: "Response Team A", TEAM_B: "Response Team B", CUSTODY_1: "Custody Team 1"}
UNIT_OF = {TEAM_A: RESPONSE, TEAM_B: RESPONSE, CUSTODY_1: CUSTODY}
UNIT_NAMES = {RESPONSE: "Response North", CUSTODY: "Custody South"}
ANNA, BEN, CARA = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)
WHO = {ANNA: "Anna Holt (NS00001)", BEN: "Ben Ware (NS00002)", CARA: "Cara Lind (NS00003)"}
BOTH = frozenset(Separation)


def place(person: uuid.UUID, team: uuid.UUID | None, shift: str | None) -> Placement:
    unit = UNIT_OF.get(team) if team else None
    return Placement(
        person,
        WHO.get(person, str(person)),
        team,
        NAMES.get(team, "no team") if team else "no team",
        unit,
        UNIT_NAMES.get(unit, "no unit") if unit else "no unit",
        shift,
    )


def order(
    first: uuid.UUID, second: uuid.UUID, separations: frozenset[Separation] = BOTH, n: int = 7
) -> Order:
    a, b = rules.ordered_pair(first, second)
    return Order(uuid.UUID(int=9000 + n), f"SO-{n:08d}", a, b, separations)


# --- clash ---------------------------------------------------------------------------------------


def test_the_same_team_breaks_a_team_separation_whatever_the_shift() -> None:
    assert rules.clash(place(ANNA, TEAM_A, "A"), place(BEN, TEAM_A, "B"), BOTH) == (Separation.TEAM,)


def test_the_same_shift_in_another_team_of_the_same_unit_breaks_a_shift_separation() -> None:
    assert rules.clash(place(ANNA, TEAM_A, "A"), place(BEN, TEAM_B, " a "), BOTH) == (Separation.SHIFT,)
    assert rules.clash(place(ANNA, TEAM_A, "A"), place(BEN, TEAM_B, "A"), {Separation.TEAM}) == ()


def test_the_same_team_and_shift_breaks_both() -> None:
    assert rules.clash(place(ANNA, TEAM_A, "Nights"), place(BEN, TEAM_A, "nights"), BOTH) == (
        Separation.TEAM,
        Separation.SHIFT,
    )


def test_the_same_shift_in_another_unit_or_an_unknown_shift_breaks_nothing() -> None:
    assert rules.clash(place(ANNA, TEAM_A, "A"), place(BEN, CUSTODY_1, "A"), BOTH) == ()
    assert rules.clash(place(ANNA, TEAM_A, None), place(BEN, TEAM_B, None), BOTH) == ()
    assert rules.clash(place(ANNA, None, None), place(BEN, None, None), BOTH) == ()


# --- conflicts_of -------------------------------------------------------------------------------


def test_a_posting_into_a_separated_persons_team_is_a_conflict_in_plain_words() -> None:
    postings = [place(BEN, TEAM_A, "B"), place(CARA, TEAM_B, "B"), place(ANNA, CUSTODY_1, "A")]
    orders = [order(ANNA, BEN, frozenset({Separation.TEAM}), 1), order(ANNA, CARA, BOTH, 2)]
    [conflict] = rules.conflicts_of(place(ANNA, TEAM_A, "A"), postings, orders)
    assert conflict.order.reference == "SO-00000001"
    assert conflict.reason == (
        "This posting would put Anna Holt (NS00001) in the same team (Response Team A) as "
        "Ben Ware (NS00002); separation order SO-00000001 keeps them apart."
    )


def test_both_ways_are_named_and_every_broken_order_is_listed() -> None:
    postings = {p.person_id: p for p in [place(BEN, TEAM_A, "A"), place(CARA, TEAM_B, "A")]}
    orders = [order(ANNA, BEN, BOTH, 1), order(CARA, ANNA, BOTH, 2), order(BEN, CARA, BOTH, 3)]
    found = rules.conflicts_of(place(ANNA, TEAM_A, "A"), postings, orders)
    assert [c.order.reference for c in found] == ["SO-00000001", "SO-00000002"]
    assert "in the same team (Response Team A) and on the same shift (A in Response North) as Ben" in (
        found[0].reason
    )
    assert found[1].separations == (Separation.SHIFT,)


def test_the_movers_own_old_placement_and_unplaced_people_are_ignored() -> None:
    postings = [place(ANNA, TEAM_A, "A")]
    assert rules.conflicts_of(place(ANNA, TEAM_A, "A"), postings, [order(ANNA, BEN)]) == []


def test_a_refusal_names_order_and_people_and_adds_details_only_when_given() -> None:
    [conflict] = rules.conflicts_of(place(ANNA, TEAM_A, "A"), [place(BEN, TEAM_A, "B")], [order(ANNA, BEN)])
    plain = rules.refusal([conflict])
    assert plain.status == 409
    assert plain.code == "posting_refused"
    assert "separation order SO-00000007 keeps them apart." in plain.detail
    assert "Only a decision maker can let the posting through" in plain.detail
    detailed = rules.refusal([conflict], {conflict.order.id: "case C-2027-0001, until the case closes"})
    assert "(case C-2027-0001, until the case closes)" in detailed.detail


# --- existing_conflicts ---------------------------------------------------------------------------


def test_existing_conflicts_say_who_is_together_now() -> None:
    [conflict] = rules.existing_conflicts(
        [place(ANNA, TEAM_A, "A"), place(BEN, TEAM_A, "B")], [order(BEN, ANNA)]
    )
    assert conflict.reason == (
        "Anna Holt (NS00001) and Ben Ware (NS00002) are in the same team (Response Team A); "
        "separation order SO-00000007 keeps them apart."
    )


TEAMS = [TEAM_A, TEAM_B, CUSTODY_1, None]
SHIFTS = ["A", "a", "B", "nights", None]


@st.composite
def rosters(draw: st.DrawFn) -> tuple[list[Placement], list[Order]]:
    count = draw(st.integers(min_value=2, max_value=25))
    people = [uuid.UUID(int=i + 1) for i in range(count)]
    placed = [
        place(person, draw(st.sampled_from(TEAMS)), draw(st.sampled_from(SHIFTS)))
        for person in people
        if draw(st.booleans()) or person.int % 5
    ]
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(people), st.sampled_from(people)).filter(lambda p: p[0] != p[1]),
            max_size=30,
        )
    )
    scopes = st.sampled_from([frozenset({Separation.TEAM}), frozenset({Separation.SHIFT}), BOTH])
    orders = [order(first, second, draw(scopes), n) for n, (first, second) in enumerate(pairs)]
    return placed, orders


def brute_force(placed: list[Placement], orders: list[Order]) -> set[tuple[uuid.UUID, frozenset[Separation]]]:
    """Every pair of placed people against every order, straight from the words of the rule."""
    found = set()
    for first, second in itertools.permutations(placed, 2):
        for each in orders:
            if (first.person_id, second.person_id) != (each.person_a_id, each.person_b_id):
                continue
            broken = set()
            if Separation.TEAM in each.separations and first.team_id and first.team_id == second.team_id:
                broken.add(Separation.TEAM)
            same_unit = first.team_id and second.team_id and UNIT_OF[first.team_id] == UNIT_OF[second.team_id]
            same_shift = first.shift and second.shift and first.shift.lower() == second.shift.lower()
            if Separation.SHIFT in each.separations and same_unit and same_shift:
                broken.add(Separation.SHIFT)
            if broken:
                found.add((each.id, frozenset(broken)))
    return found


@settings(max_examples=300, deadline=None)
@given(rosters())
def test_existing_conflicts_finds_exactly_what_a_brute_force_check_finds(
    roster: tuple[list[Placement], list[Order]],
) -> None:
    placed, orders = roster
    found = rules.existing_conflicts(placed, orders)
    assert {(c.order.id, frozenset(c.separations)) for c in found} == brute_force(placed, orders)
    assert len(found) == len({c.order.id for c in found})


@settings(max_examples=200, deadline=None)
@given(rosters(), st.sampled_from(TEAMS), st.sampled_from(SHIFTS))
def test_a_change_conflicts_exactly_when_the_roster_after_it_would(
    roster: tuple[list[Placement], list[Order]], team: uuid.UUID | None, shift: str | None
) -> None:
    placed, orders = roster
    mover = place(placed[0].person_id, team, shift) if placed else place(ANNA, team, shift)
    after = [mover, *(p for p in placed if p.person_id != mover.person_id)]
    from_change = {c.order.id for c in rules.conflicts_of(mover, placed, orders)}
    involving = {
        c.order.id for c in rules.existing_conflicts(after, orders) if c.order.other(mover.person_id)
    }
    assert from_change == involving


# --- overrides, new orders ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.HR, Role.HANDLER, Role.WELFARE, Role.OVERSEER])
def test_only_a_decision_maker_may_override(role: Role) -> None:
    with pytest.raises(NotAllowed, match="Only a decision maker can override"):
        rules.check_override([role], "Operational necessity: the only firearms officer on shift.")


@pytest.mark.parametrize("reasons", [None, "", "   ", "too short, sorry"])
def test_an_override_needs_reasons(reasons: str | None) -> None:
    with pytest.raises(InvalidInput, match="at least 20 characters") as raised:
        rules.check_override([Role.DECISION_MAKER], reasons)
    assert raised.value.fields == {"override_reasons": "too short"}


def test_a_decision_maker_with_reasons_may_override() -> None:
    reasons = "  Only trained custody officer available for two weeks.  "
    assert rules.check_override([Role.DECISION_MAKER], reasons) == reasons.strip()


def test_an_order_pair_is_the_same_either_way_round() -> None:
    made = rules.check_new_order(
        BEN, ANNA, BOTH, "Complainant and subject.    ", "until the case closes", None, TODAY
    )
    assert (made.person_a_id, made.person_b_id) == (ANNA, BEN) == rules.ordered_pair(ANNA, BEN)
    assert made.reasons == "Complainant and subject."


@pytest.mark.parametrize(
    ("first", "reasons", "condition", "ends_on", "field"),
    [
        (BEN, "Complainant and subject in one case.", "until the case closes", None, "person_b"),
        (ANNA, "Short.", "until the case closes", None, "reasons"),
        (ANNA, "Complainant and subject in one case.", "  ", None, "end_condition"),
        (ANNA, "Complainant and subject in one case.", "", TODAY, "ends_on"),
        (ANNA, "Complainant and subject in one case.", "x" * 201, None, "end_condition"),
    ],
)
def test_a_new_order_is_refused_with_the_field_named(
    first: uuid.UUID, reasons: str, condition: str, ends_on: date | None, field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        rules.check_new_order(first, BEN, BOTH, reasons, condition, ends_on, TODAY)
    assert field in raised.value.fields


def test_an_end_date_alone_is_an_end_condition() -> None:
    made = rules.check_new_order(
        ANNA, BEN, BOTH, "Witness and subject, same shift.", "", date(2027, 9, 1), TODAY
    )
    assert made.end_condition == "until 2027-09-01"


def test_separations_are_read_from_their_names() -> None:
    assert rules.parse_separations(["Team", " shift"]) == BOTH
    with pytest.raises(InvalidInput, match="choose team, shift or both"):
        rules.parse_separations(["station"])
    with pytest.raises(InvalidInput, match="Say how the two are to be kept apart"):
        rules.parse_separations([])


def test_an_order_is_in_force_until_ended_or_until_its_end_date() -> None:
    assert rules.in_force(None, None, TODAY)
    assert rules.in_force(None, date(2027, 5, 11), TODAY)
    assert not rules.in_force(None, TODAY, TODAY)
    assert not rules.in_force(datetime(2027, 5, 1, tzinfo=UTC), None, TODAY)


# --- roster files ---------------------------------------------------------------------------------


def test_a_roster_is_read_with_every_unusable_row_explained() -> None:
    text = (
        "\ufeffShift,Staff_Number,unit_code,notes\n"
        "A,ns 00001,C1U1T1,\n"
        "\n"
        "B,NS00002,,\n"
        ",NS00003,C1U1T1,\n"
        "nights,NS-00001,C1U1T2,\n"
        "A,NS00004\n"
        "  Late   turn ,NS00005,C1U1T2,x\n"
    )
    parsed = parse_roster(io.StringIO(text, newline=""))
    assert [(r.line, r.staff_number, r.unit_code, r.shift) for r in parsed.rows] == [
        (2, "NS00001", "C1U1T1", "A"),
        (8, "NS00005", "C1U1T2", "Late turn"),
    ]
    assert [(p.line, p.problem) for p in parsed.problems] == [
        (4, "no unit code"),
        (5, "no shift pattern"),
        (6, "the same staff number is on line 2; that row is used"),
        (7, "the row has too few columns"),
    ]


def test_a_roster_without_the_columns_is_refused_whole() -> None:
    with pytest.raises(InvalidInput, match="missing: unit_code, shift"):
        parse_roster(io.StringIO("staff_number,team\nNS1,T1\n"))
