"""Sign-in rules: password policy, sign-in budgets, session lifetime and TOTP replay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upstander.accounts.rules import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    SignInBudget,
    SignInLimits,
    budget_key,
    check_new_password,
    session_is_live,
    totp_counter_is_fresh,
)
from upstander.errors import InvalidInput

NOW = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)

# --- password policy ------------------------------------------------------------------------


def test_password_policy_limits_are_nist_lengths() -> None:
    assert (MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH) == (12, 256)


@pytest.mark.parametrize(
    "password", ["a" * 12, "correct horse battery staple", "x" * 256, "ünïcødé pässwörd"], ids=str.__len__
)
def test_a_password_of_acceptable_length_without_the_username_is_accepted(password: str) -> None:
    check_new_password(password, "jsmith")


def test_a_password_one_character_too_short_is_refused_with_the_minimum() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_new_password("a" * 11, "jsmith")
    assert refused.value.detail == "A password needs at least 12 characters."


def test_a_password_one_character_too_long_is_refused_with_the_maximum() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_new_password("a" * 257, "jsmith")
    assert refused.value.detail == "A password can have at most 256 characters."


@pytest.mark.parametrize(
    "password",
    ["jsmith-is-my-name", "my password is JSmith!", "xxxxxxJSMITH"],
    ids=["start", "mixed-case", "end"],
)
def test_a_password_containing_the_username_in_any_case_is_refused(password: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_new_password(password, "jsmith")
    assert refused.value.detail == "A password must not contain the username."


def test_an_empty_username_does_not_refuse_every_password() -> None:
    check_new_password("a perfectly fine password", "")


def test_shortness_is_reported_before_containing_the_username() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_new_password("jsmith", "jsmith")
    assert "at least 12" in refused.value.detail


# --- sign-in budgets -------------------------------------------------------------------------


def test_the_budgets_are_five_an_hour_five_an_hour_and_ten_a_day() -> None:
    limits = SignInLimits()
    assert limits.of(SignInBudget.WITHOUT_CODE) == (5, 3600)
    assert limits.of(SignInBudget.WRONG_PASSWORD_WITH_CODE) == (5, 3600)
    assert limits.of(SignInBudget.WRONG_CODE) == (10, 86_400)


def test_each_budget_of_each_username_has_its_own_key_of_bounded_length() -> None:
    keys = {budget_key(budget, name) for budget in SignInBudget for name in ("anna", "ben")}
    assert len(keys) == 6
    assert len(budget_key(SignInBudget.WITHOUT_CODE, "x" * 10_000)) <= 200, "fits the key column"
    assert "anna" not in budget_key(SignInBudget.WITHOUT_CODE, "anna")


# --- sessions -------------------------------------------------------------------------------


def live(
    *,
    created_at: datetime = NOW - timedelta(hours=1),
    last_seen_at: datetime = NOW - timedelta(minutes=5),
    expires_at: datetime = NOW + timedelta(hours=9),
    revoked_at: datetime | None = None,
    idle_limit: timedelta | None = timedelta(minutes=30),
    now: datetime = NOW,
) -> bool:
    return session_is_live(created_at, last_seen_at, expires_at, revoked_at, idle_limit, now)


def test_a_recent_unrevoked_session_is_live() -> None:
    assert live()


def test_a_revoked_session_is_dead_even_if_recently_used() -> None:
    assert not live(revoked_at=NOW - timedelta(minutes=1))


def test_a_session_is_dead_from_the_moment_it_expires() -> None:
    assert live(expires_at=NOW + timedelta(microseconds=1))
    assert not live(expires_at=NOW)
    assert not live(expires_at=NOW - timedelta(seconds=1))


def test_a_session_idle_longer_than_the_limit_is_dead() -> None:
    assert live(last_seen_at=NOW - timedelta(minutes=30))
    assert not live(last_seen_at=NOW - timedelta(minutes=30, microseconds=1))


def test_a_session_without_an_idle_limit_lives_until_it_expires() -> None:
    assert live(last_seen_at=NOW - timedelta(hours=8), idle_limit=None)


def test_a_session_is_dead_when_the_clock_reads_before_its_creation() -> None:
    assert live(created_at=NOW, last_seen_at=NOW)
    assert not live(created_at=NOW + timedelta(seconds=1), last_seen_at=NOW + timedelta(seconds=1))


# --- TOTP -----------------------------------------------------------------------------------


def test_a_totp_counter_is_fresh_when_none_was_used_before() -> None:
    assert totp_counter_is_fresh(None, 0)
    assert totp_counter_is_fresh(None, 58_000_000)


def test_a_totp_code_already_accepted_is_refused_as_a_replay() -> None:
    assert not totp_counter_is_fresh(58_000_000, 58_000_000)


def test_a_totp_code_older_than_the_last_accepted_is_refused() -> None:
    assert not totp_counter_is_fresh(58_000_000, 57_999_999)


def test_the_next_totp_counter_is_fresh() -> None:
    assert totp_counter_is_fresh(58_000_000, 58_000_001)


@settings(max_examples=100)
@given(last=st.integers(min_value=0, max_value=2**40), counter=st.integers(min_value=0, max_value=2**40))
def test_a_totp_counter_is_fresh_exactly_when_it_is_later_than_the_last_used(last: int, counter: int) -> None:
    assert totp_counter_is_fresh(last, counter) is (counter > last)
