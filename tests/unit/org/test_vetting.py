"""Vetting rules: matching a person asked about against records, by staff number, name and date of birth."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from upstander.errors import InvalidInput
from upstander.org.people import normalise_name
from upstander.org.vetting import (
    Identity,
    Purpose,
    Strength,
    VettingQuery,
    barred_list_review_due,
    check_query,
    match_identity,
    name_tokens,
    rank_matches,
)

DOB = date(1984, 3, 14)
JOHN = Identity(given_name="John", family_name="Smith", staff_number="NS01234", date_of_birth=DOB)


def ask(
    *,
    staff_number: str | None = None,
    given_name: str | None = None,
    family_name: str | None = None,
    date_of_birth: date | None = None,
) -> VettingQuery:
    return VettingQuery(Purpose.HIRING, staff_number, given_name, family_name, date_of_birth)


def strength(query: VettingQuery, record: Identity = JOHN) -> Strength | None:
    match = match_identity(query, record)
    return match.strength if match else None


# --- staff number -----------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["NS01234", "ns 01234", "NS-01234", " ns01234 "])
def test_the_same_staff_number_is_certain_however_it_is_written(number: str) -> None:
    match = match_identity(ask(staff_number=number), JOHN)
    assert match is not None
    assert match.strength is Strength.CERTAIN
    assert match.score == 100
    assert match.reason == "same staff number (NS01234)"


def test_a_staff_number_with_the_same_date_of_birth_says_both() -> None:
    match = match_identity(ask(staff_number="NS01234", date_of_birth=DOB), JOHN)
    assert match is not None
    assert match.reason == "same staff number (NS01234); same date of birth"


def test_a_staff_number_contradicted_by_the_date_of_birth_is_only_possible() -> None:
    """Staff numbers are per force: another force's number can be one of ours."""
    match = match_identity(ask(staff_number="NS01234", date_of_birth=date(1990, 1, 1)), JOHN)
    assert match is not None
    assert match.strength is Strength.POSSIBLE
    assert "different date of birth" in match.reason


def test_a_staff_number_contradicted_by_the_whole_name_is_only_possible() -> None:
    match = match_identity(ask(staff_number="NS01234", given_name="Alan", family_name="Brown"), JOHN)
    assert match is not None
    assert match.strength is Strength.POSSIBLE
    assert match.reason == "same staff number (NS01234), but a different name"


def test_a_different_staff_number_alone_matches_nothing() -> None:
    assert match_identity(ask(staff_number="NS09999"), JOHN) is None


# --- names with the same date of birth ----------------------------------------------------------


def test_a_misspelt_name_with_the_same_date_of_birth_is_likely() -> None:
    match = match_identity(ask(given_name="Jon", family_name="Smyth", date_of_birth=DOB), JOHN)
    assert match is not None
    assert match.strength is Strength.LIKELY
    assert match.reason == (
        "same date of birth; family name sounds the same (Smyth/Smith); given name sounds the same (Jon/John)"
    )


def test_an_initial_with_the_family_name_and_date_of_birth_is_likely() -> None:
    match = match_identity(ask(given_name="J.", family_name="Smith", date_of_birth=DOB), JOHN)
    assert match is not None
    assert match.strength is Strength.LIKELY
    assert "initial matches (J./John)" in match.reason


def test_a_maiden_name_among_other_names_counts() -> None:
    record = Identity("Sarah", "Okafor", other_names=("Whitfield",), date_of_birth=DOB)
    match = match_identity(ask(given_name="Sarah", family_name="Whitfield", date_of_birth=DOB), record)
    assert match is not None
    assert match.strength is Strength.LIKELY
    assert "matched on their other name (Whitfield)" in match.reason


def test_a_full_other_name_counts_too() -> None:
    record = Identity("Siobhán", "O'Brien", other_names=("Siobhán Murphy",), date_of_birth=DOB)
    match = match_identity(ask(given_name="Siobhan", family_name="Murphy", date_of_birth=DOB), record)
    assert match is not None
    assert match.strength is Strength.LIKELY


def test_the_other_name_is_named_only_when_it_is_what_matched() -> None:
    record = Identity("John", "Smith", other_names=("Jones",), date_of_birth=DOB)
    match = match_identity(ask(given_name="Jon", family_name="Smith", date_of_birth=DOB), record)
    assert match is not None
    assert "other name" not in match.reason


def test_accents_case_and_punctuation_do_not_matter() -> None:
    record = Identity("Siobhán", "Ó Briain-Kelly", date_of_birth=DOB)
    match = match_identity(ask(given_name="SIOBHAN", family_name="o briain kelly", date_of_birth=DOB), record)
    assert match is not None
    assert match.reason == "same date of birth; same family name; same given name"


def test_the_family_name_with_the_date_of_birth_and_no_given_name_is_likely() -> None:
    assert strength(ask(family_name="Smith", date_of_birth=DOB)) is Strength.LIKELY


def test_a_close_family_name_alone_with_the_date_of_birth_is_possible() -> None:
    assert strength(ask(family_name="Smithe", date_of_birth=DOB)) is Strength.POSSIBLE


def test_a_different_given_name_lowers_to_possible() -> None:
    match = match_identity(ask(given_name="Mary", family_name="Smith", date_of_birth=DOB), JOHN)
    assert match is not None
    assert match.strength is Strength.POSSIBLE
    assert match.reason.endswith("a different given name")


def test_the_same_given_name_and_date_of_birth_with_a_new_family_name_is_possible() -> None:
    match = match_identity(ask(given_name="John", family_name="Brown", date_of_birth=DOB), JOHN)
    assert match is not None
    assert match.strength is Strength.POSSIBLE
    assert match.reason == "same date of birth; same given name; a different family name"


def test_a_double_barrelled_name_matches_its_part() -> None:
    assert strength(ask(given_name="John", family_name="Smith-Jones", date_of_birth=DOB)) is Strength.LIKELY


def test_the_same_date_of_birth_with_another_name_is_no_match() -> None:
    assert strength(ask(given_name="Priya", family_name="Patel", date_of_birth=DOB)) is None


# --- a different or missing date of birth -------------------------------------------------------


def test_the_same_name_with_a_different_date_of_birth_is_only_possible() -> None:
    match = match_identity(ask(given_name="John", family_name="Smith", date_of_birth=date(1990, 7, 1)), JOHN)
    assert match is not None
    assert match.strength is Strength.POSSIBLE
    assert match.reason.endswith("a different date of birth")


def test_a_close_name_with_a_different_date_of_birth_is_no_match() -> None:
    assert strength(ask(given_name="Jon", family_name="Smyth", date_of_birth=date(1990, 7, 1))) is None


@pytest.mark.parametrize("slip", [date(1984, 3, 15), date(1984, 3, 4), date(1994, 3, 14)])
def test_a_close_name_with_a_date_one_digit_away_is_possible(slip: date) -> None:
    match = match_identity(ask(given_name="Jon", family_name="Smyth", date_of_birth=slip), JOHN)
    assert match is not None
    assert match.strength is Strength.POSSIBLE
    assert "one slip away" in match.reason


def test_day_and_month_swapped_is_one_slip() -> None:
    record = Identity("John", "Smith", date_of_birth=date(1984, 3, 4))
    assert strength(ask(given_name="Jon", family_name="Smith", date_of_birth=date(1984, 4, 3)), record) == (
        Strength.POSSIBLE
    )


def test_a_name_without_a_date_of_birth_is_at_most_possible() -> None:
    query = ask(staff_number="WM7", given_name="John", family_name="Smith")
    match = match_identity(query, JOHN)
    assert match is not None
    assert match.strength is Strength.POSSIBLE
    assert match.reason.endswith("no date of birth to compare")
    no_dob_on_record = Identity("John", "Smith")
    assert strength(ask(given_name="John", family_name="Smith", date_of_birth=DOB), no_dob_on_record) is (
        Strength.POSSIBLE
    )


def test_a_family_name_alone_without_a_date_of_birth_matches_nothing() -> None:
    assert strength(ask(staff_number="WM7", family_name="Smith")) is None


# --- titles and ranks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "family"),
    [("PC John", "Smith"), ("Det. Sgt. John", "Smith"), ("Insp John", "Smith"), ("John", "Sgt Smith")],
)
def test_titles_and_ranks_are_stripped(given: str, family: str) -> None:
    match = match_identity(ask(given_name=given, family_name=family, date_of_birth=DOB), JOHN)
    assert match is not None
    assert match.reason == "same date of birth; same family name; same given name"


def test_a_family_name_that_is_also_a_rank_survives() -> None:
    assert name_tokens("Constable", keep_last=True) == ["constable"]
    assert name_tokens("PC Constable", keep_last=True) == ["constable"]
    assert name_tokens("Sgt", keep_last=False) == []
    record = Identity("John", "Constable", date_of_birth=DOB)
    assert strength(ask(given_name="John", family_name="Constable", date_of_birth=DOB), record) is (
        Strength.LIKELY
    )


# --- ranking, queries and review dates ----------------------------------------------------------


def test_matches_are_ranked_strongest_first() -> None:
    records = [
        Identity("Mary", "Smith", date_of_birth=DOB),
        Identity("Jon", "Smyth", date_of_birth=DOB),
        JOHN,
        Identity("Priya", "Patel", date_of_birth=DOB),
    ]
    ranked = rank_matches(
        ask(staff_number="NS01234", given_name="John", family_name="Smith"), records, lambda r: r
    )
    assert [(record.given_name, match.strength) for record, match in ranked] == [
        ("John", Strength.CERTAIN),
        ("Jon", Strength.POSSIBLE),
    ]


@pytest.mark.parametrize(
    "query",
    [
        ask(staff_number="NS1"),
        ask(family_name="Smith", date_of_birth=DOB),
        ask(staff_number=" 1 ", family_name="X"),
    ],
)
def test_a_staff_number_or_a_family_name_with_a_date_of_birth_is_enough(query: VettingQuery) -> None:
    check_query(query)


@pytest.mark.parametrize(
    ("query", "missing"),
    [
        (ask(), {"staff_number", "family_name", "date_of_birth"}),
        (ask(staff_number=" - ", given_name="John", family_name="Smith"), {"staff_number", "date_of_birth"}),
        (ask(date_of_birth=DOB, given_name="John"), {"staff_number", "family_name"}),
    ],
)
def test_a_query_without_enough_to_go_on_is_refused_naming_the_fields(
    query: VettingQuery, missing: set[str]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_query(query)
    assert set(refused.value.fields) == missing
    assert refused.value.detail == "Give a staff number, or a family name and a date of birth."


def test_a_barred_entry_is_reviewed_after_five_years() -> None:
    assert barred_list_review_due(date(2027, 3, 3)) == date(2032, 3, 3)
    assert barred_list_review_due(date(2028, 2, 29)) == date(2033, 2, 28)
    assert barred_list_review_due(date(2027, 3, 3), years=3) == date(2030, 3, 3)


# --- a record always matches itself -------------------------------------------------------------

NAME = st.text(
    alphabet=st.one_of(st.characters(categories=("Lu", "Ll")), st.sampled_from(" -'.")),
    min_size=1,
    max_size=30,
)


@given(
    given_name=NAME,
    family_name=NAME,
    other_names=st.lists(NAME, max_size=3),
    staff_number=st.one_of(st.none(), st.from_regex(r"[A-Z]{0,3}[0-9]{1,6}", fullmatch=True)),
    date_of_birth=st.dates(min_value=date(1940, 1, 1), max_value=date(2010, 12, 31)),
)
def test_a_record_always_matches_itself_as_certain_or_likely(
    given_name: str, family_name: str, other_names: list[str], staff_number: str | None, date_of_birth: date
) -> None:
    assume(normalise_name(family_name))
    record = Identity(given_name, family_name, staff_number, tuple(other_names), date_of_birth)
    query = ask(
        staff_number=staff_number, given_name=given_name, family_name=family_name, date_of_birth=date_of_birth
    )
    match = match_identity(query, record)
    assert match is not None
    assert match.strength >= Strength.LIKELY
    if staff_number is not None:
        assert match.strength is Strength.CERTAIN
