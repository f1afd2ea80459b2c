"""The overseer's directions, which the workflow honours: a re-investigation, or a review.

A direction to re-investigate sends the case back into investigation, whatever stage it reached
(closed included); the investigator must submit a new report. A direction to review stays with
the case until a handler or decision maker answers it in writing, within the pack's period, and
the case cannot be closed meanwhile (Police Reform Act 2002, Schedule 3, paragraphs 25 and 27;
IOPC Statutory Guidance 2020, chapter 18).
"""

from __future__ import annotations

from upstander.cases.engine.actions import AnswerDirection, DirectReinvestigation, DirectReview
from upstander.cases.engine.context import Context, Registry
from upstander.cases.engine.state import Event

REGISTRY = Registry()
CLOSING = frozenset({"propose_closure", "confirm_closure"})
REVIEW = "review"


def direction_hold(ctx: Context) -> str | None:
    """A case under a direction is not closed until the direction is met: a review answered, or a
    re-investigation reported on."""
    if ctx.spec.kind not in CLOSING or ctx.state.direction is None:
        return None
    overseer = ctx.policy.overseer[:1].upper() + ctx.policy.overseer[1:]
    if ctx.state.direction == REVIEW:
        return f"{overseer} has directed a review of this case: answer the direction before closing it."
    return f"{overseer} has directed a re-investigation: the case closes only after the new investigation report."


@REGISTRY.check("direct_reinvestigation")
def _was_investigated(ctx: Context) -> str | None:
    if ctx.state.investigator_id is None:
        return "This case was never investigated, so it cannot be re-investigated: direct a review instead."
    return None


@REGISTRY.build(DirectReinvestigation)
def _direct_reinvestigation(ctx: Context, action: DirectReinvestigation) -> list[Event]:
    return [ctx.step("reinvestigation_directed", reasons=action.reasons)]


@REGISTRY.check("direct_review")
def _no_review_pending(ctx: Context) -> str | None:
    if ctx.state.direction == REVIEW:
        return "The earlier direction to review this case has not been answered yet."
    return None


@REGISTRY.build(DirectReview)
def _direct_review(ctx: Context, action: DirectReview) -> list[Event]:
    return [ctx.step("review_directed", reasons=action.reasons)]


@REGISTRY.check("answer_direction")
def _review_pending(ctx: Context) -> str | None:
    if ctx.state.direction != REVIEW:
        return "There is no direction to review this case waiting for an answer."
    return None


@REGISTRY.build(AnswerDirection)
def _answer_direction(ctx: Context, action: AnswerDirection) -> list[Event]:
    """The appropriate authority's written answer to the overseer's direction."""
    return [ctx.step("direction_answered", reasons=action.reasons)]
