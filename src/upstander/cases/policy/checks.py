"""Cross-checks on a loaded pack: every name it uses is defined, and its shape keeps the invariants.

Some invariants hold because of the pack's shape, so they are checked here, once, at load time:
only a second decision maker's confirmation can put a case into a closed state; a meeting's sanctions
never rank above its ceiling; referral holds need referral criteria.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from upstander.cases.engine.actions import ACTION_TYPES, field_names
from upstander.cases.engine.vocabulary import KNOWN_CLOCKS, ROLE_LABELS
from upstander.cases.policy.model import Policy
from upstander.cases.policy.reader import PolicyError

# Steps that only make sense when the pack defines what they work on.
_NEEDS = {
    "add_allegation": ("standards", "allegations need [standards]"),
    "assess_severity": ("severities", "a severity assessment needs [severities]"),
    "decide_case_to_answer": ("severities", "a case-to-answer decision needs [severities]"),
    "refer_to_overseer": ("referral", "a referral needs [referral]"),
    "decide_investigation_mode": ("referral", "a mode of investigation needs [referral]"),
    "refer_to_proceedings": ("forums", "proceedings need [forums]"),
    "record_finding": ("findings", "findings need [findings]"),
    "record_outcome": ("sanctions", "an outcome needs [sanctions]"),
    "propose_closure": ("closures", "closing needs [closures]"),
    "send_progress_report": ("progress_reports", "progress reports need [progress_reports]"),
}
_CLOSURE_STEPS = ("propose_closure", "confirm_closure", "reject_closure")


class _Fail(Protocol):
    def __call__(self, key: str, message: str) -> PolicyError: ...


class _Known(Protocol):
    def __call__(self, key: str, names: Iterable[str], defined: Iterable[str], what: str) -> None: ...


def check_policy(policy: Policy, source: str) -> None:
    def fail(key: str, message: str) -> PolicyError:
        return PolicyError(f"{source}: {key}: {message}")

    def known(key: str, names: Iterable[str], defined: Iterable[str], what: str) -> None:
        missing = sorted(set(names) - set(defined))
        if missing:
            raise fail(key, f"{missing[0]!r} is not a known {what}")

    _check_states_and_actions(policy, fail, known)
    _check_outcomes(policy, fail, known)
    _check_referral_and_clocks(policy, fail, known)


def _check_states_and_actions(policy: Policy, fail: _Fail, known: _Known) -> None:
    states = policy.states
    if not any(not state.open for state in states.values()):
        raise fail("states", "at least one state must have open = false (closed)")
    if (
        "open_case" not in policy.actions
        or policy.actions["open_case"].from_states
        or not policy.actions["open_case"].to
    ):
        raise fail("actions.open_case", "is needed, with no 'from' and a 'to' state")
    if policy.actions["open_case"].to in states and not states[policy.actions["open_case"].to].open:
        raise fail("actions.open_case.to", "a case must open in an open state")
    for kind, spec in policy.actions.items():
        key = f"actions.{kind}"
        if kind not in ACTION_TYPES:
            raise fail(key, f"{kind!r} is not a step the engine knows")
        known(f"{key}.from", spec.from_states, states, "state")
        known(f"{key}.to", [spec.to] if spec.to else [], states, "state")
        known(f"{key}.roles", spec.roles, ROLE_LABELS, "role")
        known(f"{key}.requires", spec.requires, field_names(kind), f"field of the {kind} step")
        known(f"{key}.severities", spec.severities, policy.severities, "severity")
        if kind == "record_employment_change" and (spec.to or spec.returns):
            raise fail(
                key, "recording that someone has left never moves a case (it neither closes nor pauses it)"
            )
        if spec.returns and kind != "reject_closure":
            raise fail(f"{key}.returns", "only reject_closure returns the case to where it was")
        if kind in _NEEDS and not getattr(policy, _NEEDS[kind][0]):
            raise fail(key, _NEEDS[kind][1])
        closes = spec.to is not None and not states[spec.to].open
        if closes and kind != "confirm_closure" and any(states[s].open for s in spec.from_states):
            raise fail(f"{key}.to", "only confirm_closure may close an open case")
    _check_closure_steps(policy, fail)
    _check_owed(policy, fail, known)
    if any(s.hold_until_referred for s in states.values()) and policy.referral is None:
        raise fail("states", "hold_until_referred needs a [referral] table")


def _check_owed(policy: Policy, fail: _Fail, known: _Known) -> None:
    """Every open state says which steps move it on (what is owed next, and by whom), and each is a
    step a member of staff can take from that state."""
    for state_id, state in policy.states.items():
        key = f"states.{state_id}.owed"
        known(key, state.owed, policy.actions, "step")
        if state.open and not state.owed:
            raise fail(key, "an open state names the steps that move it on (what is owed next)")
        for kind in state.owed:
            spec = policy.actions[kind]
            if state_id not in spec.from_states:
                raise fail(key, f"{kind!r} cannot be taken from {state_id!r}")
            if not set(spec.roles) - {"reporter", "representative"}:
                raise fail(key, f"{kind!r} is not a step staff take")


def _check_closure_steps(policy: Policy, fail: _Fail) -> None:
    """Closing is two decisions by two decision makers: propose, then confirm or reject."""
    states = policy.states
    if "propose_closure" in policy.actions:
        missing = [k for k in _CLOSURE_STEPS if k not in policy.actions]
        if missing:
            raise fail(f"actions.{missing[0]}", "is needed when cases can be closed")
        propose, confirm = policy.actions["propose_closure"], policy.actions["confirm_closure"]
        reject = policy.actions["reject_closure"]
        if not (propose.to and propose.to in confirm.from_states and propose.to in reject.from_states):
            raise fail("actions.confirm_closure.from", "must include the state propose_closure leads to")
        if not reject.returns:
            raise fail("actions.reject_closure.returns", "must be true")
        for kind in ("propose_closure", "confirm_closure"):
            if set(policy.actions[kind].roles) != {"decision_maker"}:
                raise fail(f"actions.{kind}.roles", "closing a case is for decision makers only")
    elif any(not states[spec.to].open for spec in policy.actions.values() if spec.to):
        raise fail("actions.propose_closure", "is needed: cases are closed only on a second decision")


def _check_outcomes(policy: Policy, fail: _Fail, known: _Known) -> None:
    for key, sanction in policy.sanctions.items():
        base = f"sanctions.{key}"
        known(f"{base}.findings", sanction.findings, policy.findings, "finding")
        known(
            f"{base}.findings_if_final_warning_in_force",
            sanction.findings_if_final_warning_in_force,
            policy.findings,
            "finding",
        )
        known(f"{base}.former_officer_findings", sanction.former_officer_findings, policy.findings, "finding")
    for key, forum in policy.forums.items():
        base = f"forums.{key}"
        known(f"{base}.from", forum.from_states, policy.states, "state")
        for name in ("severities", "severities_if_final_warning_in_force", "former_officer_severities"):
            known(f"{base}.{name}", getattr(forum, name), policy.severities, "severity")
        known(f"{base}.max_finding", [forum.max_finding], policy.findings, "finding")
        known(f"{base}.max_sanction", [forum.max_sanction], policy.sanctions, "sanction")
        known(f"{base}.sanctions", forum.sanctions, policy.sanctions, "sanction")
        ceiling = policy.sanctions[forum.max_sanction].rank
        for sanction_id in forum.sanctions:
            if policy.sanctions[sanction_id].rank > ceiling:
                raise fail(
                    f"{base}.sanctions", f"{sanction_id!r} ranks above max_sanction {forum.max_sanction!r}"
                )
        refer = policy.actions.get("refer_to_proceedings")
        if refer is None or not forum.from_states <= refer.from_states:
            raise fail(f"{base}.from", "every state must also be in actions.refer_to_proceedings.from")
    propose = policy.actions.get("propose_closure")
    for key, closure in policy.closures.items():
        base = f"closures.{key}"
        known(f"{base}.from", closure.from_states, policy.states, "state")
        known(f"{base}.severities", closure.severities, policy.severities, "severity")
        known(
            f"{base}.not_for_former_officers_at",
            closure.not_for_former_officers_at,
            policy.severities,
            "severity",
        )
        if propose is None or not closure.from_states <= propose.from_states:
            raise fail(f"{base}.from", "every state must also be in actions.propose_closure.from")


def _check_referral_and_clocks(policy: Policy, fail: _Fail, known: _Known) -> None:
    referral = policy.referral
    if referral is not None:
        for index, rule in enumerate(referral.rules):
            base = f"referral.mandatory[{index}]"
            known(f"{base}.categories", rule.categories, policy.categories, "category")
            known(f"{base}.facts", rule.facts, referral.facts, "fact (see referral.facts)")
            known(f"{base}.severities", rule.severities, policy.severities, "severity")
        for key, mode in referral.modes.items():
            known(f"referral.modes.{key}.appointed_by", mode.appointed_by, ROLE_LABELS, "role")
        known("referral.default_mode", [referral.default_mode], referral.modes, "mode")
    known("clocks", policy.clocks, KNOWN_CLOCKS, "clock the engine derives")
