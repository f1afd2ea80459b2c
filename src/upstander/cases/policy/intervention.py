"""Reading a pack's ``[early_intervention]`` section: the rules that flag a pattern of allegations.

    [early_intervention]
    [[early_intervention.rules]]
    id = "sexual_or_domestic_in_five_years"
    title = "Two sexual-misconduct or domestic-abuse allegations within five years"
    description = "..."
    kind = "count_in_window"
    categories = ["sexual_misconduct", "sexual_harassment", "domestic_abuse"]
    minimum = 2
    within_days = 1826

Each kind takes only the keys it uses; any other key is refused, so a misspelt parameter never
silently turns a rule off.
"""

from __future__ import annotations

from collections.abc import Mapping

from upstander.cases.engine.vocabulary import RestrictionKind
from upstander.cases.policy.model import INTERVENTION_KINDS, InterventionRuleSpec
from upstander.cases.policy.reader import Table

RESTRICTION_KINDS = frozenset(kind.value for kind in RestrictionKind)
# The parameters each kind reads, besides id, title, description, kind and cite.
_PARAMETERS: Mapping[str, frozenset[str]] = {
    "count_in_window": frozenset({"categories", "minimum", "within_days"}),
    "distinct_complainants": frozenset({"categories", "minimum", "within_days"}),
    "while_restricted": frozenset({"categories", "minimum", "restriction_kinds"}),
    "peer_rate": frozenset({"categories", "minimum", "within_days", "chance_below_one_in", "min_peers"}),
}


def read_early_intervention(
    t: Table | None, categories: Mapping[str, str]
) -> tuple[InterventionRuleSpec, ...]:
    """The pack's early-intervention rules, each checked; no section means no rules."""
    if t is None:
        return ()
    rules = tuple(_rule(rule_table, categories) for rule_table in t.array_of_tables("rules"))
    t.done()
    ids = [rule.id for rule in rules]
    if len(set(ids)) != len(ids):
        raise t.error("two rules have the same id", "rules")
    return rules


def _rule(t: Table, categories: Mapping[str, str]) -> InterventionRuleSpec:
    kind = t.text("kind")
    if kind not in INTERVENTION_KINDS:
        raise t.error(f"must be one of {', '.join(INTERVENTION_KINDS)}, not {kind!r}", "kind")
    wanted = _PARAMETERS[kind]

    def number(key: str, default: int) -> int:
        return t.number(key, default) if key in wanted else default

    spec = InterventionRuleSpec(
        id=t.text("id"),
        title=t.text("title"),
        description=t.text("description"),
        kind=kind,
        categories=frozenset(t.texts("categories")) if "categories" in wanted else frozenset(),
        minimum=number("minimum", 1),
        within_days=number("within_days", 0),
        restriction_kinds=frozenset(t.texts("restriction_kinds"))
        if "restriction_kinds" in wanted
        else frozenset(),
        chance_below_one_in=number("chance_below_one_in", 0),
        min_peers=number("min_peers", 0),
        cite=t.text("cite", ""),
    )
    t.done()
    unknown = sorted(spec.categories - set(categories))
    if unknown:
        raise t.error(f"{unknown[0]!r} is not one of the pack's [categories]", "categories")
    if spec.minimum < 1:
        raise t.error("must be at least 1", "minimum")
    if kind in ("count_in_window", "distinct_complainants", "peer_rate") and spec.within_days < 1:
        raise t.error("must be a positive number of days", "within_days")
    if kind == "distinct_complainants" and spec.minimum < 2:
        raise t.error("must be at least 2: several complainants", "minimum")
    if kind == "while_restricted":
        if not spec.restriction_kinds:
            raise t.error("must not be empty", "restriction_kinds")
        odd = sorted(spec.restriction_kinds - RESTRICTION_KINDS)
        if odd:
            raise t.error(
                f"{odd[0]!r} is not one of {', '.join(sorted(RESTRICTION_KINDS))}", "restriction_kinds"
            )
    if kind == "peer_rate":
        if spec.chance_below_one_in < 2:
            raise t.error(
                "must be a whole number of at least 2 (the test's 1-in-N chance)", "chance_below_one_in"
            )
        if spec.min_peers < 1:
            raise t.error("must be at least 1", "min_peers")
    return spec
