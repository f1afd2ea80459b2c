"""The misconduct workflow as pure decisions: a case, a step, a person and a moment in, events out.

``decide`` either returns the events to record (and the case after them) or raises a domain error
whose message says, in words a handler understands, why the step is refused: ``NotAllowed`` when the
person may not take it, ``TransitionRefused`` when the case does not allow it now, ``InvalidInput``
when the form is incomplete or wrong. ``available_actions`` lists exactly the steps ``decide`` would
consider for this person now, so pages show only those. Nothing here reads a clock, a database or
the web: time comes in as ``at``, the case as its folded events, the rules as a policy pack.
"""

from __future__ import annotations

from datetime import datetime

from upstander.cases.engine import closure, directions, proceedings, steps
from upstander.cases.engine.actions import FIELD_LABELS, Action, OpenCase, is_filled
from upstander.cases.engine.clocks import local_date
from upstander.cases.engine.context import Actor, Build, Check, Context, Decision
from upstander.cases.engine.referral import referral_hold
from upstander.cases.engine.state import CaseState, Event, ensure_same_pack, fold, replay
from upstander.cases.engine.vocabulary import both, either, roles_phrase
from upstander.cases.policy.packs import ActionSpec, Policy
from upstander.errors import DomainError, InvalidInput, NotAllowed, TransitionRefused

__all__ = ["Actor", "Decision", "available_actions", "decide", "open_case", "replay", "why_not"]

_CHECKS: dict[str, Check] = {
    **steps.REGISTRY.checks,
    **proceedings.REGISTRY.checks,
    **closure.REGISTRY.checks,
    **directions.REGISTRY.checks,
}
_BUILDERS: dict[str, Build] = {
    **steps.REGISTRY.builders,
    **proceedings.REGISTRY.builders,
    **closure.REGISTRY.builders,
    **directions.REGISTRY.builders,
}


def open_case(policy: Policy, action: OpenCase, actor: Actor, at: datetime) -> Decision:
    """Open a case under this pack; the first event records the pack id and version the case runs under.

    A reporter opening their own report is its reporter; an operator records the reporter they act
    for; a handler may open a conduct matter with no reporter, whose reporter clocks then do not run.
    """
    spec = _spec(policy, OpenCase.kind)
    role = _role(spec, actor, reporters=(), investigator=None)
    today = local_date(at, policy.calendar)
    _require_fields(spec, action)
    if not is_filled(action.case_id):
        raise InvalidInput("The case needs a reference.", fields={"case_id": "required"})
    if not action.categories or any(c not in policy.categories for c in action.categories):
        raise InvalidInput(
            "Choose the category from the list.", fields={"categories": "not one of the choices"}
        )
    received = action.received_on or today
    if received > today:
        raise InvalidInput(
            "The date it was received cannot be in the future.", fields={"received_on": "future"}
        )
    reporters = (
        (actor.id,) if role == "reporter" else tuple(dict.fromkeys(r for r in action.reporter_ids if r))
    )
    event = Event(
        "case_opened",
        at,
        actor.id,
        {
            "role": role,
            "on": today.isoformat(),
            "from_status": None,
            "to_status": spec.target(""),
            "case_id": action.case_id,
            "policy_id": policy.id,
            "policy_version": policy.version,
            "categories": list(dict.fromkeys(action.categories)),
            "reporter_ids": list(reporters),
            "received_on": received.isoformat(),
        },
    )
    return Decision(replay(policy, [event]), (event,))


def decide(policy: Policy, state: CaseState, action: Action, actor: Actor, at: datetime) -> Decision:
    """Take one step, or refuse it with a reason.

    Who may take each step, from which states, where it leads and which fields it needs come from the
    pack; the checks that carry the regulations (mandatory referral, forum limits, the second decision
    maker, former officers, the clocks) are in the step modules and cite them.
    """
    if isinstance(action, OpenCase):
        raise TransitionRefused("This case is already open.")
    ctx = _context(policy, state, action.kind, actor, at)
    _require_fields(ctx.spec, action)
    events = _BUILDERS[action.kind](ctx, action)
    return Decision(fold(state, events), tuple(events))


def available_actions(policy: Policy, state: CaseState, actor: Actor, at: datetime) -> tuple[ActionSpec, ...]:
    """The steps this person may take on this case now (before filling in any form), in pack order."""
    return tuple(
        spec
        for kind, spec in policy.actions.items()
        if kind != OpenCase.kind and why_not(policy, state, kind, actor, at) is None
    )


def why_not(policy: Policy, state: CaseState, kind: str, actor: Actor, at: datetime) -> str | None:
    """Why this person cannot take this step now, in plain words; None when they can."""
    try:
        _context(policy, state, kind, actor, at)
    except DomainError as refusal:
        return refusal.detail
    return None


def _spec(policy: Policy, kind: str) -> ActionSpec:
    spec = policy.action(kind)
    if spec is None:
        raise TransitionRefused(f"This step is not part of the process for {policy.title}.")
    return spec


def _context(policy: Policy, state: CaseState, kind: str, actor: Actor, at: datetime) -> Context:
    ensure_same_pack(policy, state)
    spec = _spec(policy, kind)
    role = _role(spec, actor, reporters=state.reporter_ids, investigator=state.investigator_id)
    ctx = Context(policy, state, spec, actor, role, at, local_date(at, policy.calendar))
    for check in (
        _status,
        _severity,
        _allegations,
        _referral_hold,
        directions.direction_hold,
        _CHECKS.get(kind),
    ):
        refusal = check(ctx) if check else None
        if refusal:
            raise TransitionRefused(refusal)
    return ctx


def _role(spec: ActionSpec, actor: Actor, *, reporters: tuple[str, ...], investigator: str | None) -> str:
    """The role the person acts in: the first of the step's roles they hold and may use on this case.
    A reporter acts only on their own report; an investigator only on the case assigned to them."""
    held = [role for role in spec.roles if role in actor.roles]
    if not held:
        raise NotAllowed(f"Only {roles_phrase(spec.roles)} can {spec.label}.")
    for role in held:
        if role == "reporter" and spec.kind != OpenCase.kind and actor.id not in reporters:
            continue
        if role == "investigator" and actor.id != investigator:
            continue
        return role
    if "investigator" in held:
        raise NotAllowed("Only the investigator assigned to this case can do this.")
    raise NotAllowed("Only the person who made this report can do this.")


def _status(ctx: Context) -> str | None:
    spec, state, policy = ctx.spec, ctx.state, ctx.policy
    if state.status in spec.from_states:
        return None
    where = either(policy.states[s].label for s in policy.states if s in spec.from_states)
    if not where:
        return f"You cannot {spec.label} on a case that is already open."
    return (
        f"You can {spec.label} only when the case is {where}. It is {policy.state_label(state.status)} now."
    )


def _severity(ctx: Context) -> str | None:
    spec, state, policy = ctx.spec, ctx.state, ctx.policy
    if not spec.severities or state.severity in spec.severities:
        return None
    needs = either(policy.severities[s].label for s in policy.severities if s in spec.severities)
    assessed = policy.severity_label(state.severity)
    return f"You can {spec.label} only for a case assessed as {needs}. This case is {assessed}."


def _allegations(ctx: Context) -> str | None:
    if ctx.spec.needs_allegations and not ctx.state.allegations:
        return f"Add at least one allegation before you {ctx.spec.label}."
    return None


def _referral_hold(ctx: Context) -> str | None:
    if ctx.to_status == ctx.state.status:
        return None
    return referral_hold(ctx.policy, ctx.state)


def _require_fields(spec: ActionSpec, action: Action) -> None:
    missing = [name for name in spec.requires if not is_filled(getattr(action, name))]
    if missing:
        raise InvalidInput(
            f"Please give {both(FIELD_LABELS.get(name, 'every field') for name in missing)} to {spec.label}.",
            fields=dict.fromkeys(missing, "required"),
        )
