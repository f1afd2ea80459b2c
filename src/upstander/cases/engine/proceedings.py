"""Steps from the referral to misconduct proceedings to the appeal: forum, notice, panel and date,
findings, outcome."""

from __future__ import annotations

from datetime import timedelta

from upstander.cases.engine.actions import (
    DecideAppeal,
    LodgeAppeal,
    RecordFinding,
    RecordOutcome,
    RecordSubjectResponse,
    ReferToProceedings,
    ScheduleProceedings,
    ServeReferralNotice,
)
from upstander.cases.engine.clocks import (
    appeal_window_end,
    current_forum,
    format_date,
    hearing_window,
    response_due,
)
from upstander.cases.engine.context import Context, Registry
from upstander.cases.engine.sanctions import (
    allowed_severities,
    eligible_forums,
    finding_refusal,
    forum_refusal,
    highest_finding,
    sanction_refusal,
)
from upstander.cases.engine.state import Event, json_list
from upstander.cases.engine.vocabulary import sentence, with_article
from upstander.cases.policy.packs import ForumSpec
from upstander.errors import InvalidInput, TransitionRefused

REGISTRY = Registry()


def _forum(ctx: Context) -> ForumSpec:
    forum = current_forum(ctx.policy, ctx.state)
    if forum is None:
        raise TransitionRefused("The case has not been referred to misconduct proceedings.")
    return forum


@REGISTRY.check("refer_to_proceedings")
def _any_forum(ctx: Context) -> str | None:
    if eligible_forums(ctx.policy, ctx.state):
        return None
    # Explain with the forum that comes closest: the one open at this stage hearing the most severities.
    here = [f for f in ctx.policy.forums.values() if ctx.state.status in f.from_states]
    closest = max(here or ctx.policy.forums.values(), key=lambda f: len(allowed_severities(f, ctx.state)))
    return forum_refusal(ctx.policy, ctx.state, closest)


@REGISTRY.build(ReferToProceedings)
def _refer(ctx: Context, action: ReferToProceedings) -> list[Event]:
    """Refer the case to a misconduct meeting, a misconduct hearing, or, where the special conditions
    are certified, an accelerated misconduct hearing (Police (Conduct) Regulations 2020, regs 23 and 49)."""
    forum = ctx.policy.forums[ctx.choice(action.forum, ctx.policy.forums, "forum")]
    refusal = forum_refusal(ctx.policy, ctx.state, forum)
    if refusal:
        raise TransitionRefused(refusal)
    certified = action.sufficient_documentary_evidence and action.public_interest_without_delay
    if forum.special_conditions and not certified:
        raise TransitionRefused(
            f"{sentence(with_article(forum.label))} needs both special conditions certified: that written statements or other "
            "documents are enough, without further evidence, to prove gross misconduct on the balance of "
            "probabilities, and that it is in the public interest for the officer to leave without delay."
        )
    return [
        ctx.step(
            "referred_to_proceedings",
            forum=forum.id,
            reasons=action.reasons,
            special_conditions_certified=forum.special_conditions and certified,
        )
    ]


@REGISTRY.check("serve_referral_notice")
def _not_yet_scheduled(ctx: Context) -> str | None:
    if ctx.state.proceedings_on is not None:
        return "The proceedings already have a date; the notice cannot be served again."
    return None


@REGISTRY.build(ServeReferralNotice)
def _serve_referral_notice(ctx: Context, action: ServeReferralNotice) -> list[Event]:
    """Notice of referral to the officer starts their response period and, for an accelerated hearing,
    its date window (Police (Conduct) Regulations 2020, regs 30, 31, 51 and 52)."""
    return [
        ctx.step(
            "referral_notice_served",
            served_on=ctx.past_date(action.served_on, "served_on"),
            forum=_forum(ctx).id,
        )
    ]


@REGISTRY.check("record_subject_response")
def _can_record_response(ctx: Context) -> str | None:
    if ctx.state.referral_notice_served_on is None:
        return "The notice of referral has not been served yet, so there is no response to record."
    if ctx.state.subject_response_on is not None:
        return "The officer's response is already recorded."
    return None


@REGISTRY.build(RecordSubjectResponse)
def _record_response(ctx: Context, action: RecordSubjectResponse) -> list[Event]:
    """The officer's written response: whether they accept the conduct, and their account (Police
    (Conduct) Regulations 2020, reg. 31(2))."""
    received = ctx.past_date(action.received_on, "received_on")
    served = ctx.state.referral_notice_served_on
    if served is not None and action.received_on < served:
        raise InvalidInput(
            "The response cannot be dated before the notice was served.",
            fields={"received_on": "before notice"},
        )
    due = response_due(ctx.policy, ctx.state)
    late = due is not None and action.received_on > due
    return [ctx.step("subject_response_recorded", received_on=received, accepts=action.accepts, late=late)]


@REGISTRY.check("schedule_proceedings")
def _can_schedule(ctx: Context) -> str | None:
    if ctx.state.referral_notice_served_on is None:
        return "First serve the notice of referral on the officer; the date is set after that."
    if ctx.state.findings:
        return "Findings have been recorded, so the date can no longer change."
    return None


@REGISTRY.build(ScheduleProceedings)
def _schedule(ctx: Context, action: ScheduleProceedings) -> list[Event]:
    """Set the panel and the date. An accelerated hearing is held 10 to 15 working days after the notice
    (reg. 52(1)); other proceedings not before the officer's 15 working days to respond have run
    (reg. 31(1)), unless they have already responded."""
    forum = _forum(ctx)
    panel = [member for member in action.panel if member.strip()]
    if len(set(panel)) != forum.panel_size:
        raise InvalidInput(
            f"{sentence(with_article(forum.label))} has a panel of {forum.panel_size}; name each member once.",
            fields={"panel": "wrong size"},
        )
    if action.held_on < ctx.today:
        raise InvalidInput("The date cannot be in the past.", fields={"held_on": "past"})
    window = hearing_window(ctx.policy, ctx.state)
    if window and not window[0] <= action.held_on <= window[1]:
        raise TransitionRefused(
            f"{sentence(with_article(forum.label))} must be held between {format_date(window[0])} and {format_date(window[1])}."
        )
    due = response_due(ctx.policy, ctx.state)
    if due is not None and ctx.state.subject_response_on is None and action.held_on <= due:
        raise TransitionRefused(
            f"The officer has until {format_date(due)} to respond to the notice, so the "
            f"{forum.label} can be held from {format_date(due + timedelta(days=1))}."
        )
    return [ctx.step("proceedings_scheduled", held_on=action.held_on.isoformat(), panel=json_list(panel))]


@REGISTRY.check("record_finding")
def _proceedings_held(ctx: Context) -> str | None:
    held = ctx.state.proceedings_on
    if held is None:
        return "The proceedings have no date yet; findings are recorded when they are held."
    if ctx.today < held:
        return f"Findings are recorded when the proceedings are held, on {format_date(held)}."
    return None


@REGISTRY.build(RecordFinding)
def _record_finding(ctx: Context, action: RecordFinding) -> list[Event]:
    """A finding on each allegation (Police (Conduct) Regulations 2020, reg. 41)."""
    if not any(a.id == action.allegation_id for a in ctx.state.allegations):
        raise InvalidInput("Choose one of the case's allegations.", fields={"allegation_id": "unknown"})
    finding = ctx.policy.findings[ctx.choice(action.finding, ctx.policy.findings, "finding")]
    refusal = finding_refusal(ctx.policy, _forum(ctx), finding)
    if refusal:
        raise TransitionRefused(refusal)
    return [
        ctx.step(
            "finding_recorded", allegation_id=action.allegation_id, finding=finding.id, reasons=action.reasons
        )
    ]


@REGISTRY.check("record_outcome")
def _all_findings_made(ctx: Context) -> str | None:
    missing = [a for a in ctx.state.allegations if ctx.state.finding_for(a.id) is None]
    if not ctx.state.allegations:
        return "There are no allegations to decide."
    if missing:
        return f"Record a finding on every allegation first; {len(missing)} still need one."
    return None


@REGISTRY.build(RecordOutcome)
def _record_outcome(ctx: Context, action: RecordOutcome) -> list[Event]:
    """The outcome, limited by the forum (Police (Conduct) Regulations 2020, regs 42 and 62). Dismissal,
    or a finding that a former officer would have been dismissed, puts them on the barred list (Police
    Act 1996, Part 4A)."""
    forum = _forum(ctx)
    sanction = ctx.policy.sanctions[ctx.choice(action.sanction, ctx.policy.sanctions, "sanction")]
    refusal = sanction_refusal(ctx.policy, ctx.state, forum, sanction)
    if refusal:
        raise TransitionRefused(refusal)
    highest = highest_finding(ctx.policy, ctx.state)
    events = [
        ctx.step(
            "outcome_recorded",
            sanction=sanction.id,
            reasons=action.reasons,
            forum=forum.id,
            highest_finding=highest.id if highest else None,
            former_officer=ctx.state.former_officer,
        )
    ]
    if sanction.barred_list and not ctx.state.barred_list:
        events.append(ctx.derived("barred_list_entry_required", sanction=sanction.id))
    return events


@REGISTRY.check("lodge_appeal")
def _can_appeal(ctx: Context) -> str | None:
    forum = current_forum(ctx.policy, ctx.state)
    if forum is None or forum.appeal is None:
        return "There is no appeal from these proceedings."
    highest = highest_finding(ctx.policy, ctx.state)
    if highest is None or not highest.proven:
        return "No allegation was found proven, so there is nothing to appeal."
    end = appeal_window_end(ctx.policy, ctx.state)
    if end is not None and ctx.today > end:
        return f"The time to appeal ended on {format_date(end)}."
    return None


@REGISTRY.build(LodgeAppeal)
def _lodge_appeal(ctx: Context, action: LodgeAppeal) -> list[Event]:
    """An appeal meeting after a misconduct meeting (Police (Conduct) Regulations 2020, reg. 45); the
    Police Appeals Tribunal after a hearing (Police Appeals Tribunals Rules 2020)."""
    appeal = _forum(ctx).appeal
    return [ctx.step("appeal_lodged", grounds=action.grounds, body=appeal.body if appeal else "")]


@REGISTRY.build(DecideAppeal)
def _decide_appeal(ctx: Context, action: DecideAppeal) -> list[Event]:
    forum = _forum(ctx)
    if action.sanction is None:
        return [ctx.step("appeal_decided", allowed=action.allowed, reasons=action.reasons, sanction=None)]
    if not action.allowed:
        raise InvalidInput(
            "The outcome changes only when the appeal is allowed.", fields={"sanction": "unchanged"}
        )
    sanction = ctx.policy.sanctions[ctx.choice(action.sanction, ctx.policy.sanctions, "sanction")]
    if sanction.id not in forum.sanctions:
        raise TransitionRefused(
            f"An appeal can only substitute an outcome the {forum.label} could have given."
        )
    events = [ctx.step("appeal_decided", allowed=True, reasons=action.reasons, sanction=sanction.id)]
    if sanction.barred_list and not ctx.state.barred_list:
        events.append(ctx.derived("barred_list_entry_required", sanction=sanction.id))
    elif ctx.state.barred_list and not sanction.barred_list:
        events.append(ctx.derived("barred_list_entry_withdrawn", sanction=sanction.id))
    return events
