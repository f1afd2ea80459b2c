"""Mandatory referral to the independent overseer, and the hold it puts on a case until it is made."""

from __future__ import annotations

from collections.abc import Iterable

from upstander.cases.engine.state import CaseState
from upstander.cases.engine.vocabulary import both
from upstander.cases.policy.packs import Policy, ReferralRule


def mandatory_referral_grounds(
    policy: Policy, categories: Iterable[str], facts: Iterable[str], severity: str | None
) -> tuple[ReferralRule, ...]:
    """The pack's criteria this case meets. A rule is met when the case has one of its categories (if it
    names any), every one of its facts, and one of its severities (if it names any).

    In England and Wales: serious assault, serious sexual offence, serious corruption (including abuse of
    position for a sexual purpose or an improper emotional relationship), a criminal offence or behaviour
    liable to lead to disciplinary proceedings aggravated by discrimination, a relevant offence, and
    conduct in the same incident (Police (Complaints and Misconduct) Regulations 2020, regs 4(1) and 7(1);
    Police Reform Act 2002, Schedule 3, paragraphs 4 and 13).
    """
    if policy.referral is None:
        return ()
    category_set, fact_set = frozenset(categories), frozenset(facts)
    return tuple(
        rule
        for rule in policy.referral.rules
        if (not rule.categories or rule.categories & category_set)
        and rule.facts <= fact_set
        and (not rule.severities or severity in rule.severities)
    )


def referral_hold(policy: Policy, state: CaseState) -> str | None:
    """Why the case may not leave its current state yet, or None.

    A case meeting a mandatory-referral criterion cannot leave assessment until it has been referred
    and the overseer has decided the mode of investigation; nor can any referred case move on before
    that decision (Police Reform Act 2002, Schedule 3, paragraph 15).
    """
    spec = policy.states.get(state.status)
    if spec is None or not spec.hold_until_referred or policy.referral is None:
        return None
    if state.referral_grounds and state.referred_on is None:
        labels = [rule.label for rule in policy.referral.rules if rule.id in state.referral_grounds]
        return (
            f"This case must be referred to {policy.overseer} before it can move on, because it may involve "
            f"{both(labels)}."
        )
    if state.referred_on is not None and state.investigation_mode is None:
        return (
            f"This case has been referred to {policy.overseer}. It can move on once they have decided how it "
            "will be investigated."
        )
    return None
