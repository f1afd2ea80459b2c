"""What a case waits for next and from whom, for every state of every pack, and its first duty."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from upstander.cases.engine.actions import OpenCase
from upstander.cases.engine.owed import Owed, OwedStep, owed_by_column, owed_next
from upstander.cases.engine.rules import Actor, open_case
from upstander.cases.engine.state import CaseState
from upstander.cases.policy.packs import Policy

from .test_clocks import EU, EW

HANDLER = Actor("handler-1", frozenset({"handler"}))
PACKS = {"england-wales": EW, "eu-whistleblower": EU}


def opened(policy: Policy) -> CaseState:
    action = OpenCase(
        case_id="C-1",
        categories=(next(iter(policy.categories)),),
        reporter_ids=("R-1",),
        received_on=date(2026, 3, 2),
    )
    return open_case(policy, action, HANDLER, datetime(2026, 3, 2, 12, tzinfo=UTC)).state


def every_state() -> list[tuple[str, str]]:
    return [(name, state) for name, policy in PACKS.items() for state in policy.states]


@pytest.mark.parametrize(("pack", "status"), every_state())
def test_every_open_state_says_what_is_owed_next_and_by_which_staff(pack: str, status: str) -> None:
    policy = PACKS[pack]
    for severity in [None, *policy.severities] if policy.severities else [None]:
        state = dataclasses.replace(opened(policy), status=status, severity=severity)
        owed = owed_next(policy, state)
        if not policy.states[status].open and not policy.states[status].owed:
            assert owed.steps == ()
            continue
        if severity is None and status not in {"received", "acknowledged"} and policy.severities:
            continue  # a case is assessed before it gets further
        assert owed.steps, f"{status} at {severity} owes nothing"
        for step in owed.steps:
            assert step.roles, step
            assert not {"reporter", "representative"} & set(step.roles)
            assert status in policy.actions[step.kind].from_states
            assert step.by_whom
        assert owed_by_column(owed).startswith(",")
        assert owed_by_column(owed).endswith(",")


def test_a_new_case_is_acknowledged_by_a_handler_then_assessed_by_a_decision_maker() -> None:
    state = opened(EW)
    received = owed_next(EW, state)
    assert [s.kind for s in received.steps] == ["acknowledge"]
    assert received.steps[0].by_whom == "a case handler or an intake operator"
    assert received.due_on is not None
    assert received.due_label
    acknowledged = owed_next(EW, dataclasses.replace(state, status="acknowledged"))
    assert [(s.kind, s.roles) for s in acknowledged.steps] == [("assess_severity", ("decision_maker",))]
    assert owed_by_column(acknowledged) == ",decision_maker,"


def test_closure_waits_for_a_second_decision_maker_in_both_packs() -> None:
    for policy in (EW, EU):
        owed = owed_next(policy, dataclasses.replace(opened(policy), status="closure_proposed"))
        assert [s.kind for s in owed.steps] == ["confirm_closure"]
        assert owed.roles == {"decision_maker"}


def test_an_assessed_case_owes_the_step_its_severity_allows() -> None:
    def owed_at(severity: str) -> list[str]:
        state = dataclasses.replace(opened(EW), status="assessed", severity=severity)
        return [s.kind for s in owed_next(EW, state).steps]

    assert owed_at("misconduct") == ["assign_investigator", "propose_closure"]
    assert owed_at("practice_requiring_improvement") == ["start_reflective_practice", "propose_closure"]
    assert owed_at("no_case_to_answer") == ["propose_closure"]


def test_nothing_owed_leaves_an_empty_roles_column() -> None:
    assert owed_by_column(Owed((), None, None)) == ""
    both = (OwedStep("x", "x", ("handler", "overseer"), ""), OwedStep("y", "y", ("decision_maker",), ""))
    assert owed_by_column(Owed(both, None, None)) == ",decision_maker,handler,"


def test_appointing_an_investigator_waits_for_the_handler_not_for_everyone_who_may_do_it() -> None:
    state = dataclasses.replace(opened(EW), status="assessed", severity="misconduct")
    owed = owed_next(EW, state)
    appoint = next(s for s in owed.steps if s.kind == "assign_investigator")
    assert appoint.by_whom == "a case handler, a decision maker or the independent overseer"
    assert "overseer" not in owed.roles
    assert "handler" in owed.roles
