"""The workflow rules, one regulation at a time: each step allowed, and each refusal and its words."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from upstander.cases.engine import actions as step
from upstander.cases.engine.actions import Action
from upstander.cases.engine.rules import (
    Actor,
    Decision,
    available_actions,
    decide,
    open_case,
    replay,
    why_not,
)
from upstander.cases.engine.sanctions import forum_refusal
from upstander.cases.engine.state import CaseState, Event, ReplayError
from upstander.cases.policy.packs import Policy, load_policy
from upstander.errors import DomainError, InvalidInput, NotAllowed, TransitionRefused

POLICIES = Path(__file__).resolve().parents[3] / "policies"
EW = load_policy(POLICIES / "england-wales.toml")
EU = load_policy(POLICIES / "eu-whistleblower.toml")


def person(name: str, *roles: str) -> Actor:
    return Actor(name, frozenset(roles))


REPORTER = person("reporter-1", "reporter")
OTHER_REPORTER = person("reporter-2", "reporter")
OPERATOR = person("operator-1", "operator")
HANDLER = person("handler-1", "handler")
DM = person("dm-1", "decision_maker")
DM2 = person("dm-2", "decision_maker")
INVESTIGATOR = person("investigator-1", "investigator")
OTHER_INVESTIGATOR = person("investigator-2", "investigator")
OVERSEER = person("overseer-1", "overseer")
REPRESENTATIVE = person("representative-1", "representative")
ANALYST = person("analyst-1", "analyst")


class Walk:
    """One case, walked through step by step; each step a day after the last unless told otherwise."""

    def __init__(
        self,
        policy: Policy = EW,
        *,
        categories: tuple[str, ...] = ("bullying",),
        opener: Actor = REPORTER,
        start: date = date(2025, 6, 2),
    ) -> None:
        self.policy = policy
        self.now = datetime(start.year, start.month, start.day, 10, tzinfo=UTC)
        decision = open_case(policy, step.OpenCase("case-1", categories), opener, self.now)
        self.state: CaseState = decision.state
        self.events: list[Event] = list(decision.events)

    @property
    def today(self) -> date:
        return self.now.date()

    def wait(self, days: int) -> Walk:
        self.now += timedelta(days=days)
        return self

    def on(self, day: date) -> Walk:
        self.now = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
        return self

    def do(self, actor: Actor, action: Action) -> Decision:
        decision = decide(self.policy, self.state, action, actor, self.now)
        self.state = decision.state
        self.events.extend(decision.events)
        return decision

    def refused(self, actor: Actor, action: Action, error: type[DomainError] = TransitionRefused) -> str:
        with pytest.raises(error) as refusal:
            decide(self.policy, self.state, action, actor, self.now)
        return refusal.value.detail

    def kinds(self) -> list[str]:
        return [event.kind for event in self.events]

    def offered(self, actor: Actor) -> set[str]:
        return {spec.kind for spec in available_actions(self.policy, self.state, actor, self.now)}


def assessed(
    severity: str = "misconduct",
    *,
    facts: frozenset[str] = frozenset(),
    warning: bool = False,
    categories: tuple[str, ...] = ("bullying",),
) -> Walk:
    walk = Walk(categories=categories)
    walk.do(HANDLER, step.Acknowledge())
    walk.do(HANDLER, step.AddAllegation("a1", "authority_respect_and_courtesy", "Shouted at a colleague."))
    walk.do(DM, step.AssessSeverity(severity, "The reasons for this assessment.", facts, warning))
    return walk


def reported(severity: str = "misconduct", *, warning: bool = False) -> Walk:
    walk = assessed(severity, warning=warning)
    if walk.state.referral_grounds:
        walk.do(HANDLER, step.ReferToOverseer("Mandatory referral."))
        walk.do(OVERSEER, step.DecideInvestigationMode("local", "The force can investigate."))
    walk.do(HANDLER, step.AssignInvestigator("investigator-1"))
    walk.do(INVESTIGATOR, step.ServeRegulation17Notice(walk.today))
    walk.do(INVESTIGATOR, step.SubmitInvestigationReport("What the investigation found."))
    return walk


def referred(forum: str, severity: str = "misconduct", *, warning: bool = False) -> Walk:
    walk = reported(severity, warning=warning)
    walk.do(DM, step.DecideCaseToAnswer(severity, "There is a case to answer."))
    walk.do(DM, step.ReferToProceedings(forum, "Referred.", True, True))
    walk.do(HANDLER, step.ServeReferralNotice(walk.today))
    return walk


def held(forum: str, severity: str = "misconduct", *, warning: bool = False) -> Walk:
    walk = referred(forum, severity, warning=warning)
    panel = ("chair",) if forum == "meeting" else ("chair", "member-1", "member-2")
    walk.do(REPRESENTATIVE, step.RecordSubjectResponse(walk.today, accepts=False))
    walk.do(HANDLER, step.ScheduleProceedings(walk.today + timedelta(days=7), panel))
    walk.wait(7)
    return walk


# --- opening a case -------------------------------------------------------------------------------


def test_a_case_records_the_pack_and_version_it_runs_under() -> None:
    walk = Walk()
    opening = walk.events[0]
    assert opening.kind == "case_opened"
    assert (opening.fields["policy_id"], opening.fields["policy_version"]) == ("england-wales", "2025.1")
    assert walk.state.status == "received"
    assert walk.state.reporter_ids == ("reporter-1",)


def test_an_operator_opens_a_case_for_the_reporter_they_speak_for() -> None:
    decision = open_case(
        EW, step.OpenCase("c", ("bullying",), ("reporter-9",)), OPERATOR, datetime(2025, 6, 2, tzinfo=UTC)
    )
    assert decision.state.reporter_ids == ("reporter-9",)
    assert decision.events[0].fields["role"] == "operator"


def test_an_analyst_cannot_open_a_case() -> None:
    with pytest.raises(
        NotAllowed,
        match=r"^Only the person who made the report, an intake operator or a case "
        "handler can open a case.$",
    ):
        open_case(EW, step.OpenCase("c", ("bullying",)), ANALYST, datetime(2025, 6, 2, tzinfo=UTC))


def test_a_case_needs_a_known_category() -> None:
    with pytest.raises(InvalidInput, match=r"Choose the category from the list\."):
        open_case(EW, step.OpenCase("c", ("parking",)), REPORTER, datetime(2025, 6, 2, tzinfo=UTC))


def test_opening_twice_is_refused() -> None:
    walk = Walk()
    assert walk.refused(REPORTER, step.OpenCase("c", ("bullying",))) == "This case is already open."


def test_times_must_carry_a_zone() -> None:
    walk = Walk()
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(EW, walk.state, step.Acknowledge(), HANDLER, datetime(2025, 6, 3, 10))


# --- who may act, when, and with what ----------------------------------------------------------------


def test_a_step_by_the_wrong_role_says_who_may_take_it() -> None:
    walk = Walk()
    walk.do(HANDLER, step.Acknowledge())
    walk.do(HANDLER, step.AddAllegation("a1", "confidentiality", "Shared a file."))
    detail = walk.refused(HANDLER, step.AssessSeverity("misconduct", "x"), NotAllowed)
    assert detail == "Only a decision maker can record the severity assessment."


def test_a_step_at_the_wrong_stage_says_when_it_can_be_taken() -> None:
    walk = Walk()
    detail = walk.refused(DM, step.DecideCaseToAnswer("misconduct", "x"))
    assert detail == (
        "You can decide whether there is a case to answer only when the case is waiting for the "
        "case-to-answer decision. It is received now."
    )


def test_a_missing_required_field_is_named() -> None:
    walk = Walk()
    walk.do(HANDLER, step.Acknowledge())
    walk.do(HANDLER, step.AddAllegation("a1", "confidentiality", "Shared a file."))
    with pytest.raises(InvalidInput) as error:
        walk.do(DM, step.AssessSeverity("misconduct", "   "))
    assert error.value.detail == "Please give the reasons to record the severity assessment."
    assert error.value.fields == {"reasons": "required"}


def test_the_assessment_needs_an_allegation_first() -> None:
    walk = Walk()
    walk.do(HANDLER, step.Acknowledge())
    assert walk.refused(DM, step.AssessSeverity("misconduct", "x")) == (
        "Add at least one allegation before you record the severity assessment."
    )


def test_only_the_reporter_acts_on_their_own_report() -> None:
    walk = Walk()
    detail = walk.refused(OTHER_REPORTER, step.RequestWithdrawal("I want to stop."), NotAllowed)
    assert detail == "Only the person who made this report can do this."
    walk.do(REPORTER, step.RequestWithdrawal("I want to stop."))


def test_only_the_assigned_investigator_works_the_investigation() -> None:
    walk = assessed()
    walk.do(HANDLER, step.AssignInvestigator("investigator-1"))
    detail = walk.refused(OTHER_INVESTIGATOR, step.LogEvidence("e1", "CCTV"), NotAllowed)
    assert detail == "Only the investigator assigned to this case can do this."
    walk.do(INVESTIGATOR, step.LogEvidence("e1", "CCTV from the custody suite."))
    assert walk.state.evidence == ("e1",)


def test_available_actions_are_exactly_the_steps_a_person_may_take_now() -> None:
    walk = Walk()
    assert walk.offered(HANDLER) == {
        "link_report",
        "acknowledge",
        "add_allegation",
        "record_employment_change",
        "give_feedback",
    }
    assert walk.offered(REPORTER) == {"request_withdrawal"}
    assert walk.offered(ANALYST) == set()
    assert walk.offered(DM) == {"add_allegation", "record_employment_change"}
    assert why_not(EW, walk.state, "propose_closure", DM, walk.now) == (
        "A case is closed as withdrawn only when the reporter has asked to withdraw."
    )


def test_a_step_the_pack_does_not_have_is_refused_in_plain_words() -> None:
    walk = Walk(EU)
    assert walk.refused(DM, step.AssessSeverity("misconduct", "x")) == (
        "This step is not part of the process for employers under the EU Whistleblower Directive."
    )


def test_a_case_is_decided_only_under_its_own_pack() -> None:
    walk = Walk()
    with pytest.raises(ReplayError, match=r"runs under the england-wales pack, version 2025\.1"):
        decide(EU, walk.state, step.Acknowledge(), HANDLER, walk.now)
    with pytest.raises(ReplayError):
        replay(replace(EW, version="2026.1"), walk.events)


# --- severity assessment and mandatory referral -------------------------------------------------------


def test_a_serious_sexual_offence_must_be_referred_before_the_case_moves_on() -> None:
    walk = assessed(
        "gross_misconduct", facts=frozenset({"serious_sexual_offence"}), categories=("sexual_misconduct",)
    )
    assert walk.kinds()[-2:] == ["severity_assessed", "overseer_referral_required"]
    assert walk.state.referral_grounds == ("serious_sexual_offence",)
    expected = (
        "This case must be referred to the Independent Office for Police Conduct before it can move on, "
        "because it may involve a serious sexual offence."
    )
    assert walk.refused(HANDLER, step.AssignInvestigator("investigator-1")) == expected
    assert walk.refused(DM, step.ProposeClosure("no_further_action", "x", "y")) == expected
    walk.do(HANDLER, step.ReferToOverseer("A serious sexual offence is alleged."))
    assert walk.refused(HANDLER, step.AssignInvestigator("investigator-1")) == (
        "This case has been referred to the Independent Office for Police Conduct. It can move on once they "
        "have decided how it will be investigated."
    )
    walk.do(OVERSEER, step.DecideInvestigationMode("independent", "Independent investigation."))
    assert walk.refused(HANDLER, step.AssignInvestigator("investigator-1")) == (
        "In an independent investigation the investigator is appointed by the independent overseer."
    )
    walk.do(OVERSEER, step.AssignInvestigator("investigator-1"))
    assert walk.state.status == "investigation"


def test_discrimination_liable_to_discipline_is_referred_by_category_and_severity() -> None:
    assert assessed("misconduct", categories=("discrimination",)).state.referral_grounds == (
        "discrimination_liable_to_discipline",
    )
    assert (
        assessed("practice_requiring_improvement", categories=("discrimination",)).state.referral_grounds
        == ()
    )
    assert assessed(
        "practice_requiring_improvement",
        categories=("discrimination",),
        facts=frozenset({"criminal_offence"}),
    ).state.referral_grounds == ("discrimination_criminal",)


def test_a_report_joining_an_assessed_case_can_make_referral_mandatory() -> None:
    walk = assessed("misconduct")
    assert walk.state.referral_grounds == ()
    decision = walk.do(HANDLER, step.LinkReport("discrimination", "reporter-2"))
    assert [e.kind for e in decision.events] == ["report_linked", "overseer_referral_required"]
    assert walk.state.reporter_ids == ("reporter-1", "reporter-2")
    assert walk.refused(HANDLER, step.AssignInvestigator("investigator-1")).startswith(
        "This case must be referred to the Independent Office for Police Conduct"
    )


def test_a_case_without_referral_criteria_moves_on_without_the_overseer() -> None:
    walk = assessed("misconduct")
    assert walk.state.referral_grounds == ()
    walk.do(HANDLER, step.AssignInvestigator("investigator-1"))
    assert walk.state.status == "investigation"


def test_a_case_can_be_referred_voluntarily_and_only_once() -> None:
    walk = assessed("misconduct")
    walk.do(DM, step.ReferToOverseer("Public interest."))
    assert walk.events[-1].fields["mandatory"] is False
    assert walk.refused(HANDLER, step.ReferToOverseer("Again.")) == (
        "This case has already been referred to the Independent Office for Police Conduct."
    )


def test_the_overseer_decides_the_mode_only_for_referred_cases() -> None:
    walk = assessed("misconduct")
    assert walk.refused(OVERSEER, step.DecideInvestigationMode("local", "x")) == (
        "The Independent Office for Police Conduct decides how a case is investigated only once it is referred "
        "to them."
    )


def test_practice_requiring_improvement_goes_to_reflective_practice_and_closes_on_two_decisions() -> None:
    walk = assessed("practice_requiring_improvement")
    assert walk.refused(HANDLER, step.AssignInvestigator("investigator-1")) == (
        "You can appoint the investigator only for a case assessed as misconduct or gross misconduct. This case "
        "is practice requiring improvement."
    )
    walk.do(DM, step.StartReflectivePractice("Falls short, not misconduct."))
    walk.do(
        DM, step.ProposeClosure("reflective_practice_completed", "Review done.", "The officer reflected.")
    )
    walk.do(DM2, step.ConfirmClosure())
    assert walk.state.status == "closed"


# --- investigation -------------------------------------------------------------------------------------


def test_the_report_needs_the_regulation_17_notice_first() -> None:
    walk = assessed()
    walk.do(HANDLER, step.AssignInvestigator("investigator-1"))
    assert walk.refused(INVESTIGATOR, step.SubmitInvestigationReport("Done.")) == (
        "First serve the Regulation 17 notice on the officer: the report cannot be submitted before the officer "
        "has had notice."
    )
    with pytest.raises(InvalidInput, match="cannot be in the future"):
        walk.do(INVESTIGATOR, step.ServeRegulation17Notice(walk.today + timedelta(days=1)))
    walk.do(INVESTIGATOR, step.ServeRegulation17Notice(walk.today))
    walk.do(INVESTIGATOR, step.SubmitInterimReport("Halfway."))
    walk.do(INVESTIGATOR, step.SubmitInvestigationReport("Done."))
    assert walk.state.status == "investigation_reported"


def test_the_progress_report_is_owed_after_twelve_months_then_every_six() -> None:
    walk = assessed()
    walk.do(HANDLER, step.AssignInvestigator("investigator-1"))
    assert walk.refused(HANDLER, step.SendProgressReport("Nothing yet.")) == (
        "No progress report is owed yet; the next is due on 2 June 2026."
    )
    walk.on(date(2026, 6, 2))
    sent = walk.do(HANDLER, step.SendProgressReport("Witnesses interviewed; report expected in March."))
    assert sent.events[0].fields["period"] == 1
    assert sent.events[0].fields["recipients"] == [
        "the local policing body",
        "the Independent Office for Police Conduct",
    ]
    assert walk.refused(HANDLER, step.SendProgressReport("Again.")) == (
        "No progress report is owed yet; the next is due on 2 December 2026."
    )
    walk.on(date(2027, 6, 3))  # two periods ended unreported: one report covers both
    assert walk.do(HANDLER, step.SendProgressReport("Delayed.")).events[0].fields["period"] == 3


# --- proceedings: forum, warnings in force and sanction limits --------------------------------------


def test_misconduct_goes_to_a_meeting_and_gross_misconduct_to_a_hearing() -> None:
    walk = reported("misconduct")
    walk.do(DM, step.DecideCaseToAnswer("misconduct", "Case to answer."))
    assert walk.refused(DM, step.ReferToProceedings("hearing", "x")) == (
        "A misconduct hearing is for gross misconduct; this case is misconduct. It can go to a misconduct meeting "
        "instead."
    )
    walk.do(DM, step.ReferToProceedings("meeting", "Misconduct."))
    assert walk.state.forum == "meeting"


def test_misconduct_goes_to_a_hearing_when_a_final_written_warning_is_in_force() -> None:
    walk = reported("misconduct", warning=True)
    walk.do(DM, step.DecideCaseToAnswer("misconduct", "Case to answer."))
    assert walk.refused(DM, step.ReferToProceedings("meeting", "x")) == (
        "The officer had a final written warning in force at the severity assessment, so misconduct cannot go to "
        "a misconduct meeting. It can go to a misconduct hearing instead."
    )
    walk.do(DM, step.ReferToProceedings("hearing", "Warning in force."))
    assert walk.state.forum == "hearing"


def test_a_meeting_cannot_go_above_a_final_written_warning_nor_find_gross_misconduct() -> None:
    walk = held("meeting")
    assert walk.refused(DM, step.RecordFinding("a1", "gross_misconduct", "x")) == (
        "A misconduct meeting cannot find gross misconduct; the most it can find is misconduct."
    )
    walk.do(DM, step.RecordFinding("a1", "misconduct", "Proven."))
    assert walk.refused(DM, step.RecordOutcome("dismissal_without_notice", "x")) == (
        "A misconduct meeting cannot impose dismissal without notice: the most it can impose is a final written "
        "warning."
    )
    assert walk.refused(DM, step.RecordOutcome("reduction_in_rank", "x")).startswith(
        "A misconduct meeting cannot impose reduction in rank"
    )
    walk.do(DM, step.RecordOutcome("final_written_warning", "Serious but not gross."))
    assert walk.state.status == "outcome"


def test_a_hearing_dismisses_for_misconduct_only_with_a_final_written_warning_in_force() -> None:
    with_warning = held("hearing", warning=True)
    with_warning.do(DM, step.RecordFinding("a1", "misconduct", "Proven."))
    decision = with_warning.do(DM, step.RecordOutcome("dismissal_without_notice", "Second serious breach."))
    assert [e.kind for e in decision.events] == ["outcome_recorded", "barred_list_entry_required"]
    assert with_warning.state.barred_list

    gross = held("hearing", "gross_misconduct")
    gross.do(DM, step.RecordFinding("a1", "misconduct", "Misconduct, not gross."))
    assert gross.refused(DM, step.RecordOutcome("dismissal_without_notice", "x")) == (
        "Dismissal without notice cannot follow a finding of misconduct for the officer; the outcome can be a "
        "written warning or a final written warning."
    )


def test_findings_on_every_allegation_come_before_the_outcome_and_the_day_before_the_date() -> None:
    walk = referred("meeting")
    walk.do(REPRESENTATIVE, step.RecordSubjectResponse(walk.today, accepts=True))
    walk.do(HANDLER, step.ScheduleProceedings(walk.today + timedelta(days=3), ("chair",)))
    assert walk.refused(DM, step.RecordFinding("a1", "misconduct", "x")).startswith(
        "Findings are recorded when the proceedings are held, on "
    )
    walk.wait(3)
    assert walk.refused(DM, step.RecordOutcome("written_warning", "x")) == (
        "Record a finding on every allegation first; 1 still need one."
    )


def test_the_meeting_waits_for_the_officers_fifteen_working_days_unless_they_have_responded() -> None:
    walk = referred("meeting")
    walk.on(date(2025, 6, 2))
    walk.do(HANDLER, step.ServeReferralNotice(date(2025, 6, 2)))
    assert walk.refused(HANDLER, step.ScheduleProceedings(date(2025, 6, 20), ("chair",))) == (
        "The officer has until 23 June 2025 to respond to the notice, so the misconduct meeting can be held from "
        "24 June 2025."
    )
    with pytest.raises(InvalidInput, match="has a panel of 1"):
        walk.do(HANDLER, step.ScheduleProceedings(date(2025, 6, 24), ("chair", "member-1")))
    walk.do(HANDLER, step.ScheduleProceedings(date(2025, 6, 24), ("chair",)))
    late = walk.on(date(2025, 6, 24)).do(REPRESENTATIVE, step.RecordSubjectResponse(date(2025, 6, 24)))
    assert late.events[0].fields["late"] is True


def test_an_accelerated_hearing_needs_the_special_conditions_and_its_date_window() -> None:
    walk = reported("gross_misconduct")
    assert walk.refused(DM, step.ReferToProceedings("accelerated_hearing", "x", True, False)).startswith(
        "An accelerated misconduct hearing needs both special conditions certified"
    )
    walk.do(DM, step.ReferToProceedings("accelerated_hearing", "Body-worn video.", True, True))
    walk.on(date(2025, 10, 2)).do(HANDLER, step.ServeReferralNotice(date(2025, 10, 2)))
    assert walk.refused(HANDLER, step.ScheduleProceedings(date(2025, 10, 15), ("chief-officer",))) == (
        "An accelerated misconduct hearing must be held between 16 October 2025 and 23 October 2025."
    )
    walk.do(HANDLER, step.ScheduleProceedings(date(2025, 10, 20), ("chief-officer",)))


def test_an_accelerated_hearing_is_for_gross_misconduct_only() -> None:
    walk = reported("misconduct")
    assert walk.refused(DM, step.ReferToProceedings("accelerated_hearing", "x", True, True)) == (
        "An accelerated misconduct hearing is for gross misconduct; this case is misconduct."
    )


# --- appeal and the end of proceedings ------------------------------------------------------------


def test_the_case_closes_after_the_appeal_period_or_the_appeal() -> None:
    walk = held("meeting")
    walk.do(DM, step.RecordFinding("a1", "misconduct", "Proven."))
    assert walk.today == date(2025, 6, 9)
    walk.do(DM, step.RecordOutcome("written_warning", "First breach."))
    assert walk.refused(DM, step.ProposeClosure("final_outcome", "Done.", "A written warning.")) == (
        "The officer can appeal until 18 June 2025; the case can be closed after that."
    )
    walk.on(date(2025, 6, 18)).do(REPRESENTATIVE, step.LodgeAppeal("The warning was unreasonable."))
    assert walk.events[-1].fields["body"] == "an appeal meeting"
    walk.do(DM, step.DecideAppeal(False, "The warning stands."))
    walk.do(DM, step.ProposeClosure("final_outcome", "Appeal dismissed.", "The warning stands after appeal."))
    walk.do(DM2, step.ConfirmClosure())
    assert walk.state.status == "closed"


def test_an_appeal_out_of_time_or_with_nothing_proven_is_refused() -> None:
    walk = held("meeting")
    walk.do(DM, step.RecordFinding("a1", "not_proven", "Not shown."))
    walk.do(DM, step.RecordOutcome("no_disciplinary_action", "Not proven."))
    assert walk.refused(REPRESENTATIVE, step.LodgeAppeal("x")) == (
        "No allegation was found proven, so there is nothing to appeal."
    )
    late = held("meeting")
    late.do(DM, step.RecordFinding("a1", "misconduct", "Proven."))
    late.do(DM, step.RecordOutcome("written_warning", "x"))
    assert late.on(date(2025, 6, 19)).refused(REPRESENTATIVE, step.LodgeAppeal("x")) == (
        "The time to appeal ended on 18 June 2025."
    )


# --- no silent closure ----------------------------------------------------------------------------------


def test_closing_takes_reasons_and_a_second_different_decision_maker_and_tells_the_reporter() -> None:
    walk = assessed("no_case_to_answer")
    with pytest.raises(InvalidInput, match=r"^Please give the reasons to propose closing the case\.$"):
        walk.do(DM, step.ProposeClosure("no_case_to_answer", "", "We found nothing."))
    with pytest.raises(InvalidInput, match=r"^Write what the reporter will be told, in plain words\.$"):
        walk.do(DM, step.ProposeClosure("no_case_to_answer", "Nothing to answer.", " "))
    walk.do(DM, step.ProposeClosure("no_case_to_answer", "Nothing to answer.", "The remark was not made."))
    assert walk.state.status == "closure_proposed"
    assert walk.refused(DM, step.ConfirmClosure()) == (
        "You proposed this closure. A different decision maker must confirm it."
    )
    assert "confirm_closure" not in walk.offered(DM)
    assert "confirm_closure" in walk.offered(DM2)
    walk.on(date(2025, 7, 1))
    decision = walk.do(DM2, step.ConfirmClosure("Agreed."))
    assert [e.kind for e in decision.events] == ["closure_confirmed", "reporter_told"]
    message = decision.events[1].fields["message"]
    assert isinstance(message, str)
    assert "no case to answer" in message
    assert "The remark was not made." in message
    assert "You can ask until 29 July 2025." in message
    closure = walk.state.closure
    assert closure is not None
    assert (closure.proposed_by, closure.confirmed_by) == ("dm-1", "dm-2")


def test_the_same_person_cannot_close_by_holding_two_roles() -> None:
    both = person("dm-and-handler", "decision_maker", "handler")
    walk = assessed("no_case_to_answer")
    walk.do(both, step.ProposeClosure("no_case_to_answer", "Nothing.", "Nothing was found."))
    assert walk.refused(both, step.ConfirmClosure()).startswith("You proposed this closure.")


def test_a_rejected_proposal_returns_the_case_to_where_it_was() -> None:
    walk = assessed("no_case_to_answer")
    walk.do(DM, step.ProposeClosure("no_case_to_answer", "Nothing.", "Nothing was found."))
    walk.do(DM2, step.RejectClosure("The assessment missed a witness."))
    assert walk.state.status == "assessed"
    assert walk.state.pending_closure is None


def test_withdrawal_needs_the_reporters_request() -> None:
    walk = Walk()
    walk.do(HANDLER, step.Acknowledge())
    assert walk.refused(DM, step.ProposeClosure("withdrawal", "x", "y")) == (
        "A case is closed as withdrawn only when the reporter has asked to withdraw."
    )
    walk.do(REPORTER, step.RequestWithdrawal("I do not want to go on."))
    walk.do(DM, step.ProposeClosure("withdrawal", "The reporter asked.", "We have closed it as you asked."))
    walk.do(DM2, step.ConfirmClosure())
    assert walk.state.status == "closed"


def test_the_reporter_may_ask_the_overseer_for_a_review_within_twenty_eight_days_once() -> None:
    walk = assessed("no_case_to_answer")
    walk.do(DM, step.ProposeClosure("no_case_to_answer", "Nothing.", "Nothing was found."))
    walk.on(date(2025, 7, 1)).do(DM2, step.ConfirmClosure())
    assert walk.on(date(2025, 7, 30)).refused(REPORTER, step.RequestReview("x")) == (
        "The time to ask for a review ended on 29 July 2025."
    )
    walk.on(date(2025, 7, 29)).do(REPORTER, step.RequestReview("The witness was not asked."))
    assert walk.state.status == "review_requested"
    walk.do(OVERSEER, step.UpholdClosure("The decision was reasonable."))
    assert walk.state.status == "closed"
    assert walk.refused(REPORTER, step.RequestReview("Again.")) == (
        "A review of this closure has already been asked for."
    )


def test_the_overseer_can_send_a_case_back() -> None:
    walk = assessed("no_case_to_answer")
    walk.do(DM, step.ProposeClosure("no_case_to_answer", "Nothing.", "Nothing was found."))
    walk.do(DM2, step.ConfirmClosure())
    walk.do(REPORTER, step.RequestReview("Not looked at properly."))
    walk.do(OVERSEER, step.ReopenCase("Assess again with the witness account."))
    assert walk.state.status == "assessed"
    assert walk.state.closure is None
    assert replay(EW, walk.events) == walk.state


# --- former officers ----------------------------------------------------------------------------------


def test_resigning_under_investigation_neither_closes_nor_pauses_and_lists_the_officer() -> None:
    walk = assessed("gross_misconduct")
    walk.do(HANDLER, step.AssignInvestigator("investigator-1"))
    offered_before = walk.offered(INVESTIGATOR)
    decision = walk.do(HANDLER, step.RecordEmploymentChange("resigned", walk.today))
    assert [e.kind for e in decision.events] == ["employment_changed", "advisory_list_entry_required"]
    assert walk.state.status == "investigation"
    assert walk.offered(INVESTIGATOR) == offered_before


def test_leaving_before_an_investigation_does_not_list_the_officer() -> None:
    walk = assessed("misconduct")
    decision = walk.do(HANDLER, step.RecordEmploymentChange("retired", walk.today))
    assert [e.kind for e in decision.events] == ["employment_changed"]


def test_against_a_former_officer_only_gross_misconduct_proceeds() -> None:
    walk = reported("misconduct")
    walk.do(HANDLER, step.RecordEmploymentChange("resigned", walk.today))
    walk.do(DM, step.DecideCaseToAnswer("misconduct", "Case to answer."))
    expected = "Against a former officer only gross misconduct can go to a misconduct hearing; this case is misconduct."
    assert walk.refused(DM, step.ReferToProceedings("meeting", "x")) == expected
    assert walk.refused(DM, step.ReferToProceedings("hearing", "x")) == expected
    assert "refer_to_proceedings" not in walk.offered(DM)
    assert forum_refusal(EW, walk.state, EW.forums["meeting"]) == (
        "A misconduct meeting cannot be held for a former officer."
    )


def test_a_former_officers_gross_misconduct_goes_on_to_would_have_been_dismissed() -> None:
    walk = reported("gross_misconduct")
    walk.do(HANDLER, step.RecordEmploymentChange("retired", walk.today))
    assert walk.refused(DM, step.ProposeClosure("no_further_action", "They have gone.", "They retired.")) == (
        "The officer has left, but a case of gross misconduct against a former officer still goes ahead. It "
        "cannot be closed as no further action."
    )
    walk.do(DM, step.DecideCaseToAnswer("gross_misconduct", "Case to answer."))
    walk.do(DM, step.ReferToProceedings("hearing", "Gross misconduct."))
    walk.do(HANDLER, step.ServeReferralNotice(walk.today))
    walk.do(REPRESENTATIVE, step.RecordSubjectResponse(walk.today))
    walk.do(HANDLER, step.ScheduleProceedings(walk.today + timedelta(days=5), ("chair", "m1", "m2")))
    walk.wait(5).do(DM, step.RecordFinding("a1", "gross_misconduct", "Proven."))
    assert walk.refused(DM, step.RecordOutcome("dismissal_without_notice", "x")).startswith(
        "Dismissal without notice cannot follow a finding of gross misconduct for a former officer"
    )
    decision = walk.do(DM, step.RecordOutcome("would_have_been_dismissed", "Would have been dismissed."))
    assert [e.kind for e in decision.events] == ["outcome_recorded", "barred_list_entry_required"]


# --- the EU pack: a jurisdiction is data --------------------------------------------------------------


def test_the_eu_pack_runs_on_the_same_engine_without_police_stages() -> None:
    walk = Walk(EU)
    walk.do(HANDLER, step.Acknowledge())
    walk.do(HANDLER, step.AssignInvestigator("investigator-1"))
    assert walk.state.status == "follow_up"
    walk.do(INVESTIGATOR, step.LogEvidence("e1", "Spoke to the team manager."))
    walk.do(HANDLER, step.GiveFeedback("We are following up."))
    walk.do(DM, step.ProposeClosure("follow_up_completed", "Policy changed.", "We changed the rota policy."))
    assert walk.refused(DM, step.ConfirmClosure()).startswith("You proposed this closure.")
    decision = walk.do(DM2, step.ConfirmClosure())
    assert walk.state.status == "closed"
    message = decision.events[-1].fields["message"]
    assert isinstance(message, str)
    assert "review" not in message  # this pack has no review by an overseer
    assert replay(EU, walk.events) == walk.state


# --- events ------------------------------------------------------------------------------------------


def test_every_step_is_an_event_with_who_in_what_role_from_where_to_where() -> None:
    walk = assessed("misconduct")
    for event in walk.events:
        assert event.fields["role"]
        assert "from_status" in event.fields or event.kind == "overseer_referral_required"
    acknowledged = next(e for e in walk.events if e.kind == "report_acknowledged")
    assert (acknowledged.actor_id, acknowledged.fields["role"]) == ("handler-1", "handler")
    assert (acknowledged.fields["from_status"], acknowledged.fields["to_status"]) == (
        "received",
        "acknowledged",
    )
    assert replay(EW, walk.events) == walk.state
