"""The pack's early-intervention rules load, and a mistake in one names the key."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from upstander.cases.policy.packs import PolicyError, load_policy, policy_from_mapping

POLICIES = Path(__file__).resolve().parents[3] / "policies"
ENGLAND_WALES = POLICIES / "england-wales.toml"


def test_the_england_and_wales_pack_has_the_rules_of_the_issue() -> None:
    rules = {rule.id: rule for rule in load_policy(ENGLAND_WALES).early_intervention}
    sexual = rules["sexual_or_domestic_in_five_years"]
    assert (sexual.kind, sexual.minimum, sexual.within_days) == ("count_in_window", 2, 1826)
    assert sexual.categories == {"sexual_misconduct", "sexual_harassment", "domestic_abuse"}
    assert (rules["three_in_twelve_months"].minimum, rules["three_in_twelve_months"].within_days) == (3, 365)
    assert not rules["three_in_twelve_months"].categories
    assert rules["while_restricted"].restriction_kinds == {"restricted_duties", "suspended"}
    assert rules["several_unconnected_complainants"].kind == "distinct_complainants"
    assert rules["far_above_peers"].chance_below_one_in == 1000
    assert all(rule.title and rule.description for rule in rules.values())


def test_a_pack_without_the_section_has_no_rules() -> None:
    assert load_policy(POLICIES / "eu-whistleblower.toml").early_intervention == ()


def _rule(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        rule = data["early_intervention"]["rules"][0]
        for key, value in changes.items():
            if value is None:
                rule.pop(key)
            else:
                rule[key] = value

    return change


@pytest.mark.parametrize(
    ("change", "names"),
    [
        (_rule(kind="vibes"), "early_intervention.rules[0].kind: must be one of"),
        (_rule(minimum=0), "early_intervention.rules[0].minimum: must be at least 1"),
        (_rule(within_days=0), "early_intervention.rules[0].within_days: must be a positive number"),
        (_rule(categories=["sexual_misconduk"]), "'sexual_misconduk' is not one of the pack's [categories]"),
        (_rule(minimun=2), "early_intervention.rules[0].minimun: is not a key this pack format knows"),
        (_rule(restriction_kinds=["suspended"]), "rules[0].restriction_kinds: is not a key"),
        (_rule(title=None), "early_intervention.rules[0].title: is missing"),
        (
            lambda data: data["early_intervention"]["rules"][1].update(id="sexual_or_domestic_in_five_years"),
            "early_intervention.rules: two rules have the same id",
        ),
        (
            lambda data: data["early_intervention"]["rules"][4].update(chance_below_one_in=1),
            "rules[4].chance_below_one_in: must be a whole number of at least 2",
        ),
        (
            lambda data: data["early_intervention"]["rules"][2].update(restriction_kinds=["grounded"]),
            "rules[2].restriction_kinds: 'grounded' is not one of",
        ),
        (
            lambda data: data["early_intervention"]["rules"][3].update(minimum=1),
            "rules[3].minimum: must be at least 2: several complainants",
        ),
    ],
)
def test_a_mistake_in_a_rule_names_the_key(change: Callable[[dict[str, Any]], None], names: str) -> None:
    data = copy.deepcopy(tomllib.loads(ENGLAND_WALES.read_text(encoding="utf-8")))
    change(data)
    with pytest.raises(PolicyError, match=r"test\.toml") as raised:
        policy_from_mapping(data, source="test.toml")
    assert names in str(raised.value)
