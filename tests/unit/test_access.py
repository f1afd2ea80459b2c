"""Who may do what: the permission table, read as a matrix of role × action."""

from __future__ import annotations

import pytest

from upstander.access import CASE_READERS, INTAKE_READERS, PERMISSIONS, REFUSALS, Action, allowed, require
from upstander.accounts.models import Role
from upstander.errors import NotAllowed

CONTENT_ACTIONS = (
    Action.READ_REPORT,
    Action.READ_CASE,
    Action.ACKNOWLEDGE_REPORT,
    Action.REPLY_TO_REPORTER,
    Action.WRITE_NOTE,
)


@pytest.mark.parametrize("action", list(Action))
def test_every_action_has_a_refusal_message(action: Action) -> None:
    message = REFUSALS[action]
    assert message.strip()
    assert message.endswith(".")


@pytest.mark.parametrize("action", list(Action))
def test_every_action_is_open_to_some_role(action: Action) -> None:
    assert PERMISSIONS[action]
    assert PERMISSIONS[action] <= set(Role)


def test_the_tables_name_exactly_the_actions_there_are() -> None:
    assert set(PERMISSIONS) == set(Action) == set(REFUSALS)


@pytest.mark.parametrize("action", CONTENT_ACTIONS)
def test_an_admin_cannot_touch_report_or_case_content(action: Action) -> None:
    assert not allowed([Role.ADMIN], action)


def test_an_admin_may_manage_users_and_units_only_and_never_read_the_trail_of_what_admins_do() -> None:
    assert {action for action in Action if allowed([Role.ADMIN], action)} == {
        Action.MANAGE_USERS,
        Action.MANAGE_UNITS,
    }
    assert allowed([Role.OVERSEER], Action.VIEW_AUDIT)


@pytest.mark.parametrize("action", [Action.READ_REPORT, Action.READ_CASE, Action.VIEW_INBOX])
def test_an_analyst_reads_no_report_or_case(action: Action) -> None:
    assert not allowed([Role.ANALYST], action)


def test_nobody_who_manages_users_can_read_reports() -> None:
    assert PERMISSIONS[Action.MANAGE_USERS].isdisjoint(PERMISSIONS[Action.READ_REPORT])


def test_only_the_custodian_discloses_a_reporter_identity() -> None:
    assert PERMISSIONS[Action.DISCLOSE_IDENTITY] == {Role.CUSTODIAN}


def test_new_reports_and_cases_are_sealed_only_to_roles_that_may_read_them() -> None:
    assert PERMISSIONS[Action.READ_REPORT] >= INTAKE_READERS
    assert PERMISSIONS[Action.READ_CASE] >= CASE_READERS
    assert Role.ADMIN not in INTAKE_READERS | CASE_READERS


@pytest.mark.parametrize(("role", "action"), [(role, action) for role in Role for action in Action])
def test_allowed_follows_the_table_for_every_role_and_action(role: Role, action: Action) -> None:
    assert allowed([role], action) is (role in PERMISSIONS[action])


def test_any_one_permitted_role_among_several_is_enough() -> None:
    assert allowed([Role.ANALYST, Role.HANDLER], Action.ACKNOWLEDGE_REPORT)
    assert not allowed([Role.ANALYST, Role.ADMIN], Action.ACKNOWLEDGE_REPORT)


def test_no_roles_allow_nothing() -> None:
    assert not any(allowed([], action) for action in Action)


def test_require_passes_silently_for_a_permitted_role() -> None:
    require([Role.HANDLER], Action.REPLY_TO_REPORTER)


@pytest.mark.parametrize("action", list(Action))
def test_require_raises_not_allowed_with_the_actions_message(action: Action) -> None:
    outsiders = [role for role in Role if role not in PERMISSIONS[action]]
    with pytest.raises(NotAllowed) as refused:
        require(outsiders, action)
    assert refused.value.detail == REFUSALS[action]
    assert refused.value.code == f"not_allowed:{action.value}"
    assert refused.value.status == 403
