"""Sign-in budgets per username: a stranger who knows a username cannot keep its owner out, cannot
tell known usernames from unknown ones, and gets five guesses an hour at the password."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from common import staff as staff_module
from common.clock import FakeClock
from common.pages import csrf
from common.staff import PASSWORD, Staff
from upstander.accounts import ratelimit
from upstander.accounts.models import Role

WRONG = "not the password at all"
DAY_SECONDS = 86_400


@pytest.fixture(autouse=True)
def windows_begin_with_the_test(clock: FakeClock) -> None:
    """Budgets count in fixed windows (each hour, each UTC day). Each test starts a minute into
    the next UTC day, computed from its own start, so no window ends part-way through it
    whatever the date."""
    clock.advance(seconds=ratelimit.seconds_left(clock(), DAY_SECONDS) + 60)


def token_attempt(client: TestClient, username: str, password: str, code: str) -> Any:
    return client.post(
        "/api/v1/auth/token", json={"username": username, "password": password, "totp_code": code}
    )


def owner_signs_in(client: TestClient, clock: FakeClock, owner: staff_module.TestUser) -> int:
    clock.advance(seconds=30)  # a fresh code: each one is accepted once
    return int(token_attempt(client, owner.username, PASSWORD, owner.code(clock)).status_code)


def test_a_stranger_with_fifty_wrong_passwords_does_not_keep_the_owner_out(
    client: TestClient, staff: Staff, clock: FakeClock
) -> None:
    owner = staff.handler()
    answers = [token_attempt(client, owner.username, WRONG, "123456") for _ in range(50)]
    assert [a.status_code for a in answers[:5]] == [401] * 5
    assert {a.status_code for a in answers[5:]} == {429}, "the stranger's budget is spent..."
    assert owner_signs_in(client, clock, owner) == 200, "...not the owner's, who has the code"
    # Over an hour the stranger gets five more guesses, and no more.
    clock.advance(hours=1)
    later = [token_attempt(client, owner.username, WRONG, "123456").status_code for _ in range(6)]
    assert later == [401] * 5 + [429]
    assert owner_signs_in(client, clock, owner) == 200


def test_the_right_password_is_refused_over_budget_so_guessing_learns_nothing(
    client: TestClient, staff: Staff, clock: FakeClock
) -> None:
    owner = staff.handler()
    for _ in range(5):
        token_attempt(client, owner.username, WRONG, "000000")
    over = token_attempt(client, owner.username, PASSWORD, "000000")
    assert over.status_code == 429
    assert int(over.headers["retry-after"]) <= 3600
    assert over.json()["detail"].startswith("Too many attempts to sign in with this username.")


@pytest.mark.parametrize("attempts", [1, 5, 7])
def test_known_and_unknown_usernames_get_the_same_answers(
    client: TestClient, staff: Staff, clock: FakeClock, attempts: int
) -> None:
    staff.handler()

    def answers(username: str) -> list[tuple[int, str, str | None]]:
        results = [token_attempt(client, username, WRONG, "123456") for _ in range(attempts)]
        return [(r.status_code, r.json()["detail"], r.headers.get("retry-after")) for r in results]

    assert answers("handler") == answers("nobody-by-this-name")


def test_the_sign_in_page_answers_known_and_unknown_usernames_alike(
    client: TestClient, staff: Staff, clock: FakeClock
) -> None:
    staff.handler()

    def page_answers(username: str) -> list[tuple[int, str]]:
        seen = []
        for _ in range(6):
            form = {"csrf_token": csrf(client.get("/staff/sign-in").text), "username": username,
                    "password": WRONG, "totp_code": "123456"}  # fmt: skip
            response = client.post("/staff/sign-in", data=form)
            seen.append((response.status_code, response.text.replace(username, "USERNAME")))
        return seen

    known, unknown = page_answers("handler"), page_answers("nobody-by-this-name")
    assert [status for status, _ in known] == [401] * 5 + [429]
    assert known == unknown


def test_wrong_passwords_with_the_owners_code_have_their_own_budget(
    client: TestClient, staff: Staff, clock: FakeClock
) -> None:
    owner = staff.handler()
    for _ in range(5):
        clock.advance(seconds=30)
        assert token_attempt(client, owner.username, WRONG, owner.code(clock)).status_code == 401
    clock.advance(seconds=30)
    assert token_attempt(client, owner.username, PASSWORD, owner.code(clock)).status_code == 429
    # Strangers' guesses meanwhile spend the other budget; the owner is back within the hour.
    clock.advance(hours=1)
    assert owner_signs_in(client, clock, owner) == 200


def test_ten_wrong_codes_a_day_with_the_right_password_then_no_code_is_accepted(
    client: TestClient, staff: Staff, clock: FakeClock
) -> None:
    owner = staff.user("owner", [Role.HANDLER])
    for _hour in range(2):  # five an hour fit the stranger's budget; ten a day is the cap
        for _attempt in range(5):
            assert token_attempt(client, owner.username, PASSWORD, "000001").status_code == 401
        clock.advance(hours=1)
    refused = token_attempt(client, owner.username, PASSWORD, owner.code(clock))
    assert refused.status_code == 429, "a right code guessed after ten wrong ones is not accepted"
    clock.advance(days=1)
    assert owner_signs_in(client, clock, owner) == 200
