"""Which account changes take away the last way of reading reports (and so replace report keys)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from upstander import access
from upstander.accounts.models import Role
from upstander.accounts.rules import loses_reading, reads_reports

READING = sorted(access.PERMISSIONS[access.Action.READ_REPORT])
roles = st.frozensets(st.sampled_from(list(Role)))


def test_a_handler_who_becomes_an_analyst_loses_reading() -> None:
    assert loses_reading({Role.HANDLER}, {Role.ANALYST})


def test_a_handler_who_becomes_an_investigator_keeps_reading() -> None:
    assert not loses_reading({Role.HANDLER}, {Role.INVESTIGATOR})


def test_dropping_one_of_two_reading_roles_loses_nothing() -> None:
    assert not loses_reading({Role.HANDLER, Role.DECISION_MAKER}, {Role.DECISION_MAKER})


def test_an_administrator_who_becomes_a_welfare_officer_never_read_so_loses_nothing() -> None:
    assert not loses_reading({Role.ADMIN}, {Role.WELFARE})


def test_disabling_an_overseer_loses_reading_though_the_roles_stay() -> None:
    assert loses_reading({Role.OVERSEER}, {Role.OVERSEER}, active_after=False)


def test_re_enabling_loses_nothing() -> None:
    assert not loses_reading({Role.HANDLER}, {Role.HANDLER}, active_before=False)


def test_role_values_as_strings_are_read_as_roles() -> None:
    assert loses_reading({"overseer"}, {"staff"})


@given(roles, roles)
def test_reading_is_lost_exactly_when_it_was_held_and_is_no_longer(
    before: frozenset[Role], after: frozenset[Role]
) -> None:
    held = any(role in READING for role in before)
    kept = any(role in READING for role in after)
    assert loses_reading(before, after) == (held and not kept)


@given(roles, roles)
def test_gaining_roles_never_loses_reading(before: frozenset[Role], extra: frozenset[Role]) -> None:
    assert not loses_reading(before, before | extra)


@given(roles, st.booleans())
def test_no_change_loses_nothing(same: frozenset[Role], active: bool) -> None:
    assert not loses_reading(same, same, active_before=active, active_after=active)


@given(roles)
def test_disabling_loses_reading_exactly_when_the_account_read(held: frozenset[Role]) -> None:
    assert loses_reading(held, held, active_after=False) == reads_reports(held)


@given(roles, roles, roles)
def test_what_is_lost_in_two_steps_is_lost_in_one(
    first: frozenset[Role], second: frozenset[Role], third: frozenset[Role]
) -> None:
    # Reading held at the start and gone at the end was lost at one of the two steps.
    if loses_reading(first, third):
        assert loses_reading(first, second) or loses_reading(second, third)
