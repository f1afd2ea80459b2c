"""The account lifecycle's rules: reasons, disabling, enabling, role changes, new passwords."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstander.accounts.models import Role
from upstander.accounts.rules import (
    MAX_REASON_LENGTH,
    check_disable,
    check_enable,
    check_password_change,
    check_reason,
    check_role_change,
)
from upstander.errors import Conflict, InvalidInput

ME, OTHER = uuid.uuid4(), uuid.uuid4()
ROLE_SETS = st.frozensets(st.sampled_from([role.value for role in Role]))


@given(st.text(max_size=MAX_REASON_LENGTH))
def test_a_reason_is_kept_with_its_spaces_folded_or_refused_when_blank(reason: str) -> None:
    if reason.split():
        assert check_reason(reason) == " ".join(reason.split())
    else:
        with pytest.raises(InvalidInput):
            check_reason(reason)


def test_an_overlong_reason_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at most"):
        check_reason("x" * (MAX_REASON_LENGTH + 1))


def test_nobody_disables_themselves_or_an_account_already_disabled() -> None:
    with pytest.raises(InvalidInput, match="your own"):
        check_disable(ME, ME, True)
    with pytest.raises(Conflict):
        check_disable(ME, OTHER, False)
    check_disable(ME, OTHER, True)
    # The command line acts as nobody in particular: it may disable any active account.
    check_disable(None, OTHER, True)


def test_only_a_disabled_account_is_enabled() -> None:
    with pytest.raises(Conflict):
        check_enable(True)
    check_enable(False)


@given(ROLE_SETS, ROLE_SETS)
def test_a_role_change_grants_and_removes_exactly_the_difference(
    current: frozenset[str], wanted: frozenset[str]
) -> None:
    if not wanted or wanted == current:
        with pytest.raises(InvalidInput):
            check_role_change(ME, OTHER, current, wanted)
        return
    change = check_role_change(ME, OTHER, current, wanted)
    assert (current | change.granted) - change.removed == wanted
    assert not change.granted & change.removed
    assert change.granted.isdisjoint(current)
    assert change.removed <= current


@given(ROLE_SETS.filter(bool), ROLE_SETS.filter(bool))
def test_nobody_changes_their_own_roles(current: frozenset[str], wanted: frozenset[str]) -> None:
    with pytest.raises(InvalidInput, match="your own roles"):
        check_role_change(ME, ME, current, wanted)


def test_a_new_password_differs_from_the_current_one_and_keeps_the_policy() -> None:
    with pytest.raises(InvalidInput, match="differ"):
        check_password_change("the same long password", "the same long password", "ruth")
    with pytest.raises(InvalidInput, match="at least"):
        check_password_change("the current password", "short", "ruth")
    with pytest.raises(InvalidInput, match="username"):
        check_password_change("the current password", "ruth-is-my-name-here", "ruth")
    check_password_change("the current password", "a different long password", "ruth")


def test_an_enrolment_code_works_once_until_it_expires_and_while_it_is_the_newest() -> None:
    from datetime import UTC, datetime, timedelta

    from upstander.accounts import rules

    issued = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    expires = issued + rules.ENROLMENT_LIFETIME
    rules.check_enrolment_open(expires, None, None, expires - timedelta(seconds=1))
    for used, superseded, now in (
        (issued, None, issued),
        (None, issued, issued),
        (None, None, expires),
    ):
        with pytest.raises(InvalidInput, match="not valid"):
            rules.check_enrolment_open(expires, used, superseded, now)


def test_a_second_factor_is_reset_only_on_an_active_or_unenrolled_account() -> None:
    from upstander.accounts import rules

    rules.check_reenrolment(enrolled=True, active=True)
    rules.check_reenrolment(enrolled=False, active=False)
    with pytest.raises(Conflict):
        rules.check_reenrolment(enrolled=True, active=False)
    with pytest.raises(Conflict, match="not been enrolled"):
        rules.check_enable(target_active=False, enrolled=False)
