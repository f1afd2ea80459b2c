"""No silent closure: which closures a case allows now, the two decisions that close it, what the
reporter is told, and the review they may ask for."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from upstander.cases.engine.actions import (
    ConfirmClosure,
    ProposeClosure,
    RejectClosure,
    ReopenCase,
    RequestReview,
    RequestWithdrawal,
    UpholdClosure,
)
from upstander.cases.engine.clocks import add_period, appeal_window_end, format_date, review_window_end
from upstander.cases.engine.context import Context, Registry
from upstander.cases.engine.state import CaseState, Event
from upstander.cases.engine.vocabulary import REVIEW_REQUEST, either
from upstander.cases.policy.packs import ClosureSpec, Policy
from upstander.errors import InvalidInput, TransitionRefused


def closure_refusal(policy: Policy, state: CaseState, closure: ClosureSpec, today: date) -> str | None:
    """Why a case cannot be closed this way now, or None.

    Withdrawal needs the reporter's request. A former officer's gross misconduct case is not closed
    with no further action: it proceeds to a finding that they would have been dismissed (Police
    (Conduct) Regulations 2020, reg. 4 and Schedule 1). A decided case closes only once the appeal
    period has passed (reg. 45(3)).
    """
    label = closure.label
    if state.status not in closure.from_states:
        where = either(policy.state_label(s) for s in sorted(closure.from_states))
        return f"A case can be closed as {label} only when it is {where}."
    if closure.severities and state.severity not in closure.severities:
        needs = either(policy.severity_label(s) for s in sorted(closure.severities))
        return f"Closing as {label} needs the case to be assessed as {needs}; it is {policy.severity_label(state.severity)}."
    if closure.needs_withdrawal_request and not state.withdrawal_requested:
        return f"A case is closed as {label} only when the reporter has asked to withdraw."
    if state.former_officer and state.severity in closure.not_for_former_officers_at:
        return (
            f"The officer has left, but a case of {policy.severity_label(state.severity)} against a former "
            f"officer still goes ahead. It cannot be closed as {label}."
        )
    if closure.needs_appeal_window_closed and state.appeal_lodged_on is None:
        end = appeal_window_end(policy, state)
        if end is not None and today <= end:
            return f"The officer can appeal until {format_date(end)}; the case can be closed after that."
    return None


def available_closures(policy: Policy, state: CaseState, today: date) -> tuple[ClosureSpec, ...]:
    return tuple(c for c in policy.closures.values() if closure_refusal(policy, state, c, today) is None)


def reporter_message(policy: Policy, closure: ClosureSpec, summary: str, review_until: date | None) -> str:
    """What the reporter reads: the pack's plain words for this closure, the decision maker's summary,
    and, where the pack gives a review, how long they have to ask for one."""
    parts = [closure.reporter_message.strip()]
    if summary.strip():
        parts.append(summary.strip())
    if review_until is not None:
        parts.append(
            f"If you think this decision is wrong, you can ask {policy.overseer} to review it. "
            f"You can ask until {format_date(review_until)}."
        )
    return "\n\n".join(parts)


REGISTRY = Registry()


@REGISTRY.check("propose_closure")
def _any_closure(ctx: Context) -> str | None:
    if available_closures(ctx.policy, ctx.state, ctx.today):
        return None
    ranked = sorted(ctx.policy.closures.values(), key=lambda c: ctx.state.status not in c.from_states)
    return (
        closure_refusal(ctx.policy, ctx.state, ranked[0], ctx.today)
        if ranked
        else "This case cannot be closed."
    )


@REGISTRY.build(ProposeClosure)
def _propose_closure(ctx: Context, action: ProposeClosure) -> list[Event]:
    """First of two decisions to close: the kind of closure, written reasons, and what the reporter will
    be told in plain words. A second decision maker must confirm."""
    closure = ctx.policy.closures[ctx.choice(action.closure, ctx.policy.closures, "closure")]
    refusal = closure_refusal(ctx.policy, ctx.state, closure, ctx.today)
    if refusal:
        raise TransitionRefused(refusal)
    if ctx.state.has_reporter and not action.reporter_summary.strip():
        raise InvalidInput(
            "Write what the reporter will be told, in plain words.", fields={"reporter_summary": "required"}
        )
    return [
        ctx.step(
            "closure_proposed",
            closure=closure.id,
            reasons=action.reasons,
            reporter_summary=action.reporter_summary,
        )
    ]


@REGISTRY.check("confirm_closure")
def _second_person(ctx: Context) -> str | None:
    pending = ctx.state.pending_closure
    if pending is None:
        return "There is no closure waiting to be confirmed."
    if pending.proposed_by == ctx.actor.id:
        return "You proposed this closure. A different decision maker must confirm it."
    return None


@REGISTRY.build(ConfirmClosure)
def _confirm_closure(ctx: Context, action: ConfirmClosure) -> list[Event]:
    """The second decision closes the case; the reporter is told in plain words, with the date until
    which they can ask the overseer for a review (Police (Complaints and Misconduct) Regulations 2020,
    reg. 29)."""
    pending = ctx.state.pending_closure
    if pending is None:
        raise TransitionRefused("There is no closure waiting to be confirmed.")
    closure = ctx.policy.closures[pending.closure]
    refusal = closure_refusal(
        ctx.policy, replace(ctx.state, status=pending.resume_status), closure, ctx.today
    )
    if refusal:
        raise TransitionRefused(f"{refusal} Reject the proposal instead.")
    events = [
        ctx.step("closure_confirmed", closure=closure.id, note=action.note, proposed_by=pending.proposed_by)
    ]
    if ctx.state.has_reporter:
        clock = ctx.policy.clocks.get(REVIEW_REQUEST)
        review_until = add_period(ctx.today, clock.period, ctx.policy.calendar) if clock else None
        message = reporter_message(ctx.policy, closure, pending.reporter_summary, review_until)
        events.append(
            ctx.derived(
                "reporter_told",
                message=message,
                review_until=review_until.isoformat() if review_until else None,
            )
        )
    return events


@REGISTRY.build(RejectClosure)
def _reject_closure(ctx: Context, action: RejectClosure) -> list[Event]:
    pending = ctx.state.pending_closure
    return [
        ctx.step("closure_rejected", reasons=action.reasons, closure=pending.closure if pending else None)
    ]


@REGISTRY.check("request_withdrawal")
def _can_withdraw(ctx: Context) -> str | None:
    if not ctx.state.has_reporter:
        return "Only a case with a reporter can be withdrawn by them."
    if ctx.state.withdrawal_requested:
        return "The reporter has already asked to withdraw."
    return None


@REGISTRY.build(RequestWithdrawal)
def _request_withdrawal(ctx: Context, action: RequestWithdrawal) -> list[Event]:
    """The reporter asks to withdraw. Closing still needs two decision makers, who may decide the conduct
    must be dealt with all the same."""
    return [ctx.step("withdrawal_requested", reasons=action.reasons)]


@REGISTRY.check("request_review")
def _can_request_review(ctx: Context) -> str | None:
    end = review_window_end(ctx.policy, ctx.state)
    if end is None:
        return "There is no review of this closure to ask for."
    if ctx.state.review_requested_on is not None:
        return "A review of this closure has already been asked for."
    if ctx.today > end:
        return f"The time to ask for a review ended on {format_date(end)}."
    return None


@REGISTRY.build(RequestReview)
def _request_review(ctx: Context, action: RequestReview) -> list[Event]:
    """The reporter asks the overseer to review the outcome within 28 days (Police (Complaints and
    Misconduct) Regulations 2020, reg. 29(2); Police Reform Act 2002, Schedule 3, paragraphs 6A and 25)."""
    return [ctx.step("review_requested", grounds=action.grounds)]


@REGISTRY.build(UpholdClosure)
def _uphold(ctx: Context, action: UpholdClosure) -> list[Event]:
    return [ctx.step("closure_upheld", reasons=action.reasons)]


@REGISTRY.build(ReopenCase)
def _reopen(ctx: Context, action: ReopenCase) -> list[Event]:
    """The overseer finds the outcome not reasonable and sends the case back to be dealt with again."""
    return [ctx.step("case_reopened", reasons=action.reasons)]
