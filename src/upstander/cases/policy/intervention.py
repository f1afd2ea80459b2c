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
from upstander.cases.policy.pack_file import EarlyInterventionTable, InterventionRuleTable
from upstander.cases.policy.reader import Place

RESTRICTION_KINDS = frozenset(kind.value for kind in RestrictionKind)
# The parameters each kind reads, besides id, title, description, kind and cite.
_PARAMETERS: Mapping[str, frozenset[str]] = {
    "count_in_window": frozenset({"categories", "minimum", "within_days"}),
    "distinct_complainants": frozenset({"categories", "minimum", "within_days"}),
    "while_restricted": frozenset({"categories", "minimum", "restriction_kinds"}),
    "peer_rate": frozenset({"categories", "minimum", "within_days", "chance_below_one_in", "min_peers"}),
}
_EVERY_RULE = frozenset({"id", "title", "description", "kind", "cite"})


def read_early_intervention(
    t: EarlyInterventionTable | None, place: Place, categories: Mapping[str, str]
) -> tuple[InterventionRuleSpec, ...]:
    """The pack's early-intervention rules, each checked; no section means no rules."""
    if t is None:
        return ()
    rules = tuple(_rule(rule, place.at("rules").at(index), categories) for index, rule in enumerate(t.rules))
    ids = [rule.id for rule in rules]
    if len(set(ids)) != len(ids):
        raise place.error("two rules have the same id", "rules")
    return rules


def _rule(t: InterventionRuleTable, place: Place, categories: Mapping[str, str]) -> InterventionRuleSpec:
    kind = t.kind
    if kind not in INTERVENTION_KINDS:
        raise place.error(f"must be one of {', '.join(INTERVENTION_KINDS)}, not {kind!r}", "kind")
    wanted = _PARAMETERS[kind]
    # A parameter another kind takes would silently do nothing here.
    odd = sorted(t.model_fields_set - wanted - _EVERY_RULE)
    if odd:
        raise place.error("is not a key this pack format knows (is it misspelt?)", odd[0])
    spec = InterventionRuleSpec(
        id=t.id,
        title=t.title,
        description=t.description,
        kind=kind,
        categories=frozenset(t.categories or ()),
        minimum=1 if t.minimum is None else t.minimum,
        within_days=t.within_days or 0,
        restriction_kinds=frozenset(t.restriction_kinds or ()),
        chance_below_one_in=t.chance_below_one_in or 0,
        min_peers=t.min_peers or 0,
        cite=t.cite,
    )
    unknown = sorted(spec.categories - set(categories))
    if unknown:
        raise place.error(f"{unknown[0]!r} is not one of the pack's [categories]", "categories")
    if spec.minimum < 1:
        raise place.error("must be at least 1", "minimum")
    if kind in ("count_in_window", "distinct_complainants", "peer_rate") and spec.within_days < 1:
        raise place.error("must be a positive number of days", "within_days")
    if kind == "distinct_complainants" and spec.minimum < 2:
        raise place.error("must be at least 2: several complainants", "minimum")
    if kind == "while_restricted":
        if not spec.restriction_kinds:
            raise place.error("must not be empty", "restriction_kinds")
        odd = sorted(spec.restriction_kinds - RESTRICTION_KINDS)
        if odd:
            raise place.error(
                f"{odd[0]!r} is not one of {', '.join(sorted(RESTRICTION_KINDS))}", "restriction_kinds"
            )
    if kind == "peer_rate":
        if spec.chance_below_one_in < 2:
            raise place.error(
                "must be a whole number of at least 2 (the test's 1-in-N chance)", "chance_below_one_in"
            )
        if spec.min_peers < 1:
            raise place.error("must be at least 1", "min_peers")
    return spec
