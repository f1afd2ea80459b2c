"""Steps from intake to the investigation report, and those that may come at any stage: what each
checks and which events it records."""

from __future__ import annotations

from itertools import islice

from upstander.cases.engine.actions import (
    Acknowledge,
    AddAllegation,
    AssessSeverity,
    AssignInvestigator,
    DecideCaseToAnswer,
    DecideInvestigationMode,
    GiveFeedback,
    LinkReport,
    LogEvidence,
    RecordEmploymentChange,
    ReferToOverseer,
    SendProgressReport,
    ServeRegulation17Notice,
    StartReflectivePractice,
    SubmitInterimReport,
    SubmitInvestigationReport,
    is_filled,
)
from upstander.cases.engine.clocks import (
    format_date,
    progress_periods_ended,
    progress_report_due,
    progress_report_dues,
)
from upstander.cases.engine.context import Context, Registry
from upstander.cases.engine.referral import mandatory_referral_grounds
from upstander.cases.engine.state import Event, json_list
from upstander.cases.engine.vocabulary import EMPLOYMENT_LABELS, SERVING, roles_phrase, sentence
from upstander.errors import InvalidInput

REGISTRY = Registry()


@REGISTRY.build(LinkReport)
def _link_report(ctx: Context, action: LinkReport) -> list[Event]:
    """Another report about the same matter joins the case; the earliest receipt starts the clocks. A
    new category can make referral to the overseer mandatory, so an assessed case is checked again
    (Police (Complaints and Misconduct) Regulations 2020, regs 4 and 7)."""
    ctx.choice(action.category, ctx.policy.categories, "category")
    received = action.received_on or ctx.today
    if received > ctx.today:
        raise InvalidInput(
            "The date it was received cannot be in the future.", fields={"received_on": "future"}
        )
    state = ctx.state
    categories = (*state.categories, action.category)
    grounds = [
        rule.id for rule in mandatory_referral_grounds(ctx.policy, categories, state.facts, state.severity)
    ]
    if state.severity is None:
        grounds = []
    events = [
        ctx.step(
            "report_linked",
            category=action.category,
            reporter_ids=json_list([action.reporter_id] if action.reporter_id else []),
            received_on=received.isoformat(),
            referral_grounds=json_list(grounds),
        )
    ]
    if set(grounds) - set(state.referral_grounds) and state.referred_on is None:
        events.append(ctx.derived("overseer_referral_required", grounds=json_list(grounds), cites=[]))
    return events


@REGISTRY.build(Acknowledge)
def _acknowledge(ctx: Context, action: Acknowledge) -> list[Event]:
    """Acknowledge receipt to the reporter (Directive (EU) 2019/1937, art. 9(1)(b))."""
    day = ctx.past_date(action.acknowledged_on or ctx.today, "acknowledged_on")
    return [ctx.step("report_acknowledged", acknowledged_on=day)]


@REGISTRY.build(AddAllegation)
def _add_allegation(ctx: Context, action: AddAllegation) -> list[Event]:
    """An allegation names the Standard of Professional Behaviour said to be breached (Police (Conduct)
    Regulations 2020, reg. 5 and Schedule 2)."""
    if not is_filled(action.allegation_id):
        raise InvalidInput("Give the allegation a reference.", fields={"allegation_id": "required"})
    if any(a.id == action.allegation_id for a in ctx.state.allegations):
        raise InvalidInput(
            "There is already an allegation with this reference.", fields={"allegation_id": "taken"}
        )
    ctx.choice(action.standard, ctx.policy.standards, "standard")
    return [
        ctx.step(
            "allegation_added",
            allegation_id=action.allegation_id,
            standard=action.standard,
            summary=action.summary,
        )
    ]


@REGISTRY.build(AssessSeverity)
def _assess_severity(ctx: Context, action: AssessSeverity) -> list[Event]:
    """The severity assessment: no case to answer, practice requiring improvement, misconduct or gross
    misconduct, with reasons, and whether a final written warning is in force (Police (Conduct)
    Regulations 2020, reg. 14; reg. 42(5)). The facts found decide whether referral to the overseer is
    mandatory (Police (Complaints and Misconduct) Regulations 2020, regs 4 and 7)."""
    policy = ctx.policy
    ctx.choice(action.severity, policy.severities, "severity")
    known_facts = policy.referral.facts if policy.referral else {}
    for fact in action.facts:
        ctx.choice(fact, known_facts, "facts")
    grounds = mandatory_referral_grounds(policy, ctx.state.categories, action.facts, action.severity)
    events = [
        ctx.step(
            "severity_assessed",
            severity=action.severity,
            reasons=action.reasons,
            facts=json_list(sorted(action.facts)),
            final_written_warning_in_force=action.final_written_warning_in_force,
            referral_grounds=[rule.id for rule in grounds],
        )
    ]
    if grounds and ctx.state.referred_on is None:
        events.append(
            ctx.derived(
                "overseer_referral_required",
                grounds=[rule.id for rule in grounds],
                cites=json_list(sorted({rule.cite for rule in grounds if rule.cite})),
            )
        )
    return events


@REGISTRY.check("refer_to_overseer")
def _can_refer(ctx: Context) -> str | None:
    if ctx.state.referred_on is not None:
        return f"This case has already been referred to {ctx.policy.overseer}."
    return None


@REGISTRY.build(ReferToOverseer)
def _refer_to_overseer(ctx: Context, action: ReferToOverseer) -> list[Event]:
    """Refer the case to the overseer: mandatory where a referral criterion is met, voluntary otherwise
    (Police Reform Act 2002, Schedule 3, paragraphs 4 and 13)."""
    grounds = json_list(ctx.state.referral_grounds)
    return [
        ctx.step("overseer_referral_made", reasons=action.reasons, grounds=grounds, mandatory=bool(grounds))
    ]


@REGISTRY.check("decide_investigation_mode")
def _can_decide_mode(ctx: Context) -> str | None:
    if ctx.state.referred_on is None:
        return f"{sentence(ctx.policy.overseer)} decides how a case is investigated only once it is referred to them."
    return None


@REGISTRY.build(DecideInvestigationMode)
def _decide_mode(ctx: Context, action: DecideInvestigationMode) -> list[Event]:
    """The overseer decides the form the investigation takes, from the forms the pack lists (Police Reform
    Act 2002, Schedule 3, paragraph 15)."""
    modes = ctx.policy.referral.modes if ctx.policy.referral else {}
    ctx.choice(action.mode, modes, "mode")
    return [ctx.step("investigation_mode_decided", mode=action.mode, reasons=action.reasons)]


@REGISTRY.check("assign_investigator")
def _can_assign(ctx: Context) -> str | None:
    referral = ctx.policy.referral
    if referral is None:
        return None
    mode = referral.modes[ctx.state.investigation_mode or referral.default_mode]
    if not ctx.actor.roles & set(mode.appointed_by):
        return f"In {mode.label} the investigator is appointed by {roles_phrase(mode.appointed_by)}."
    return None


@REGISTRY.build(AssignInvestigator)
def _assign_investigator(ctx: Context, action: AssignInvestigator) -> list[Event]:
    """Appoint the investigator (Police (Conduct) Regulations 2020, reg. 15); conflicts of interest are
    checked where people and postings are known, before this step."""
    if not is_filled(action.investigator_id):
        raise InvalidInput("Choose the investigator.", fields={"investigator_id": "required"})
    if action.investigator_id == ctx.state.investigator_id:
        raise InvalidInput(
            "This person is already the investigator.", fields={"investigator_id": "unchanged"}
        )
    return [
        ctx.step(
            "investigator_assigned", investigator_id=action.investigator_id, mode=ctx.state.investigation_mode
        )
    ]


@REGISTRY.build(ServeRegulation17Notice)
def _serve_notice(ctx: Context, action: ServeRegulation17Notice) -> list[Event]:
    """Written notice of the investigation to the officer, with the date it was served (Police (Conduct)
    Regulations 2020, reg. 17)."""
    return [ctx.step("regulation_17_notice_served", served_on=ctx.past_date(action.served_on, "served_on"))]


@REGISTRY.build(LogEvidence)
def _log_evidence(ctx: Context, action: LogEvidence) -> list[Event]:
    if not is_filled(action.evidence_id):
        raise InvalidInput("Give the evidence a reference.", fields={"evidence_id": "required"})
    if action.evidence_id in ctx.state.evidence:
        raise InvalidInput("This evidence reference is already in the log.", fields={"evidence_id": "taken"})
    return [ctx.step("evidence_logged", evidence_id=action.evidence_id, description=action.description)]


@REGISTRY.build(SubmitInterimReport)
def _interim_report(ctx: Context, action: SubmitInterimReport) -> list[Event]:
    return [
        ctx.step("interim_report_submitted", summary=action.summary, number=ctx.state.interim_reports + 1)
    ]


@REGISTRY.check("send_progress_report")
def _progress_report_owed(ctx: Context) -> str | None:
    if progress_periods_ended(ctx.policy, ctx.state, ctx.today) > ctx.state.progress_reports_sent:
        return None
    due = progress_report_due(ctx.policy, ctx.state)
    return (
        f"No progress report is owed yet; the next is due on {format_date(due)}."
        if due
        else ("No progress report is owed on this case.")
    )


@REGISTRY.build(SendProgressReport)
def _send_progress_report(ctx: Context, action: SendProgressReport) -> list[Event]:
    """An investigation not finished within 12 months of the matter coming to attention is reported to
    the local policing body and the overseer, then every 6 months (Police (Conduct) Regulations 2020,
    reg. 19; Police (Complaints and Misconduct) Regulations 2020, reg. 13). Periods missed are covered
    by one report."""
    reports = ctx.policy.progress_reports
    ended = progress_periods_ended(ctx.policy, ctx.state, ctx.today)
    due = next(
        islice(progress_report_dues(ctx.policy, ctx.state), ended - 1, None)
    )  # the latest period ended
    return [
        ctx.step(
            "progress_report_sent",
            period=ended,
            due_on=due.isoformat(),
            summary=action.summary,
            recipients=json_list(reports.recipients if reports else ()),
        )
    ]


@REGISTRY.check("submit_investigation_report")
def _notice_served_first(ctx: Context) -> str | None:
    notice = ctx.policy.action("serve_regulation_17_notice")
    if notice is not None and ctx.state.regulation_17_served_on is None:
        return f"First {notice.label}: the report cannot be submitted before the officer has had notice."
    return None


@REGISTRY.build(SubmitInvestigationReport)
def _investigation_report(ctx: Context, action: SubmitInvestigationReport) -> list[Event]:
    """The investigator's report to the appropriate authority (Police (Conduct) Regulations 2020, reg. 21)."""
    return [ctx.step("investigation_report_submitted", summary=action.summary)]


@REGISTRY.build(DecideCaseToAnswer)
def _case_to_answer(ctx: Context, action: DecideCaseToAnswer) -> list[Event]:
    """On the report, the appropriate authority decides whether there is a case to answer for
    misconduct or gross misconduct, or none (Police (Conduct) Regulations 2020, reg. 23(1))."""
    ctx.choice(action.finding, ctx.policy.severities, "finding")
    return [ctx.step("case_to_answer_decided", finding=action.finding, reasons=action.reasons)]


@REGISTRY.build(StartReflectivePractice)
def _reflective_practice(ctx: Context, action: StartReflectivePractice) -> list[Event]:
    """Practice requiring improvement goes to the reflective practice review process (Police (Conduct)
    Regulations 2020, reg. 14 and Part 6)."""
    return [ctx.step("reflective_practice_started", reasons=action.reasons)]


@REGISTRY.build(RecordEmploymentChange)
def _employment_changed(ctx: Context, action: RecordEmploymentChange) -> list[Event]:
    """Resignation, retirement or dismissal never closes or pauses a case: proceedings continue against
    a former officer (Police (Conduct) Regulations 2020, reg. 4 and Schedule 1). Leaving while under
    investigation puts the person on the advisory list (Police Act 1996, Part 4A; Police Barred List
    and Police Advisory List Regulations 2017)."""
    ctx.choice(action.employment, EMPLOYMENT_LABELS, "employment")
    if action.employment == ctx.state.employment:
        raise InvalidInput("That employment status is already recorded.", fields={"employment": "unchanged"})
    events = [
        ctx.step(
            "employment_changed", employment=action.employment, effective_on=action.effective_on.isoformat()
        )
    ]
    leaving = ctx.state.employment == SERVING
    spec = ctx.policy.states[ctx.state.status]
    if leaving and spec.advisory_list_if_subject_leaves and not ctx.state.advisory_list:
        events.append(
            ctx.derived(
                "advisory_list_entry_required", employment=action.employment, while_status=ctx.state.status
            )
        )
    return events


@REGISTRY.check("give_feedback")
def _has_reporter(ctx: Context) -> str | None:
    return None if ctx.state.has_reporter else "There is no reporter on this case to give feedback to."


@REGISTRY.build(GiveFeedback)
def _give_feedback(ctx: Context, action: GiveFeedback) -> list[Event]:
    """Feedback to the reporter, at least every 3 months (Directive (EU) 2019/1937, art. 9(1)(f))."""
    return [ctx.step("reporter_feedback_given", summary=action.summary)]
