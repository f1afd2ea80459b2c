"""Random sequences of steps, by random people at random times, keep every invariant of the lifecycle.

The machine runs over both packs. One rule takes a step the engine offers to a random person (so runs
reach deep into the process); another tries any step at all (so refusals are exercised). After every
step it checks what DESIGN.md promises: no closure without two different decision makers and written
reasons; recording that an officer has left never closes or pauses a case; a mandatory-referral case
never leaves assessment unreferred; forums keep to their sanction limits; every transition is an event
and the events alone rebuild the case; every refusal says why in plain words.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import ClassVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from upstander.cases.engine import actions as step
from upstander.cases.engine.actions import ACTION_TYPES, Action
from upstander.cases.engine.clocks import deadlines, hearing_window, is_open, local_date, response_due
from upstander.cases.engine.closure import available_closures
from upstander.cases.engine.rules import (
    Actor,
    Decision,
    available_actions,
    decide,
    open_case,
    replay,
    why_not,
)
from upstander.cases.engine.sanctions import available_sanctions, eligible_forums, highest_finding
from upstander.cases.engine.state import CaseState, Event
from upstander.cases.engine.vocabulary import EMPLOYMENT_LABELS
from upstander.cases.policy.packs import ActionSpec, Policy, load_policy
from upstander.errors import DomainError, InvalidInput, NotAllowed, TransitionRefused

POLICIES = Path(__file__).resolve().parents[3] / "policies"
START = datetime(2025, 3, 29, 23, 30, tzinfo=UTC)  # the night the clocks go forward in London


def person(name: str, *roles: str) -> Actor:
    return Actor(name, frozenset(roles))


PEOPLE = (
    person("reporter-1", "reporter"),
    person("reporter-2", "reporter"),
    person("operator-1", "operator"),
    person("handler-1", "handler"),
    person("handler-and-dm", "handler", "decision_maker"),
    person("dm-1", "decision_maker"),
    person("dm-2", "decision_maker"),
    person("investigator-1", "investigator"),
    person("investigator-2", "investigator"),
    person("overseer-1", "overseer"),
    person("representative-1", "representative"),
    person("welfare-1", "welfare"),
    person("custodian-1", "custodian"),
    person("analyst-1", "analyst"),
    person("admin-1", "admin"),
)
OPENERS = (
    (person("reporter-1", "reporter"), ()),
    (person("operator-1", "operator"), ("reporter-1",)),
    (person("handler-1", "handler"), ()),
)
REASONS = "Written reasons, in plain words."
JUNK = "not-a-choice"


def pick(ids: Iterable[str], noisy: bool) -> st.SearchStrategy[str]:
    """One of the pack's ids; a noisy form sometimes sends one that is not."""
    choices = sorted(ids)
    if noisy or not choices:
        choices.append(JUNK)
    return st.sampled_from(choices)


def words(noisy: bool) -> st.SearchStrategy[str]:
    return st.sampled_from([REASONS, REASONS, "", "   "]) if noisy else st.just(REASONS)


def recent(state: CaseState, today: date, noisy: bool) -> st.SearchStrategy[date]:
    if noisy:
        return st.integers(-20, 5).map(lambda days: today + timedelta(days=days))
    earliest = max((today - state.received_on).days, 0)
    return st.integers(0, min(earliest, 10)).map(lambda days: today - timedelta(days=days))


def hearing_dates(policy: Policy, state: CaseState, today: date, noisy: bool) -> st.SearchStrategy[date]:
    window = hearing_window(policy, state)
    due = response_due(policy, state)
    if noisy or (window is None and due is None):
        return st.integers(-1, 40).map(lambda days: today + timedelta(days=days))
    first, last = window if window else (max(today, due + timedelta(days=1) if due else today), today)
    first = max(first, today)
    last = max(last, first + timedelta(days=20)) if window is None else last
    return st.integers(0, max((last - first).days, 0)).map(lambda days: first + timedelta(days=days))


def panel(policy: Policy, state: CaseState, noisy: bool) -> st.SearchStrategy[tuple[str, ...]]:
    forum = policy.forums.get(state.forum or "")
    names = ["chair", "member-1", "member-2", "member-3"]
    if noisy or forum is None:
        return st.lists(st.sampled_from(names), max_size=4, unique=True).map(tuple)
    return st.just(tuple(names[: forum.panel_size]))


def action_for(
    kind: str, policy: Policy, state: CaseState, today: date, *, noisy: bool
) -> st.SearchStrategy[Action]:
    """A form for this kind of step: a careful person's, or (noisy) one with mistakes in it."""
    text = words(noisy)
    when = recent(state, today, noisy)
    forum = policy.forums.get(state.forum or "")
    facts = sorted(policy.referral.facts) if policy.referral else []
    sanctions = (
        policy.sanctions
        if noisy or forum is None
        else {s.id: s for s in available_sanctions(policy, state, forum)}
    )
    closures = policy.closures if noisy else {c.id: c for c in available_closures(policy, state, today)}
    findings = (
        policy.findings
        if noisy or forum is None
        else {k: f for k, f in policy.findings.items() if f.rank <= policy.findings[forum.max_finding].rank}
    )
    forums = policy.forums if noisy else {f.id: f for f in eligible_forums(policy, state)}
    # A careful form leans towards the serious outcomes, which lead furthest into the process.
    ranked = sorted(policy.severities.values(), key=lambda severity: severity.rank)
    serious = (
        st.sampled_from([s.id for s in ranked] + [s.id for s in ranked[-2:]] * 2) if ranked else st.just(JUNK)
    )
    forms: dict[str, Callable[[], st.SearchStrategy[Action]]] = {
        "link_report": lambda: st.builds(
            step.LinkReport,
            pick(policy.categories, noisy),
            st.sampled_from([None, "reporter-2"]),
            st.none() | when,
        ),
        "acknowledge": lambda: st.builds(step.Acknowledge, st.none() | when),
        "add_allegation": lambda: st.builds(
            step.AddAllegation,
            st.sampled_from(["a1", "a2", "a3", ""][: 4 if noisy else 3]),
            pick(policy.standards, noisy),
            text,
        ),
        "assess_severity": lambda: st.builds(
            step.AssessSeverity,
            pick(policy.severities, noisy) if noisy else serious,
            text,
            st.frozensets(st.sampled_from(facts), max_size=3) if facts else st.just(frozenset()),
            st.booleans(),
        ),
        "refer_to_overseer": lambda: st.builds(step.ReferToOverseer, text),
        "decide_investigation_mode": lambda: st.builds(
            step.DecideInvestigationMode, pick(policy.referral.modes if policy.referral else {}, noisy), text
        ),
        "assign_investigator": lambda: st.builds(
            step.AssignInvestigator,
            st.sampled_from(["investigator-1", "investigator-2", ""][: 3 if noisy else 2]),
        ),
        "serve_regulation_17_notice": lambda: st.builds(step.ServeRegulation17Notice, when),
        "log_evidence": lambda: st.builds(step.LogEvidence, st.sampled_from(["e1", "e2", "e3", ""]), text),
        "submit_interim_report": lambda: st.builds(step.SubmitInterimReport, text),
        "send_progress_report": lambda: st.builds(step.SendProgressReport, text),
        "submit_investigation_report": lambda: st.builds(step.SubmitInvestigationReport, text),
        "decide_case_to_answer": lambda: st.builds(
            step.DecideCaseToAnswer, pick(policy.severities, noisy) if noisy else serious, text
        ),
        "start_reflective_practice": lambda: st.builds(step.StartReflectivePractice, text),
        "refer_to_proceedings": lambda: st.builds(
            step.ReferToProceedings,
            pick(forums, noisy),
            text,
            st.booleans() if noisy else st.just(True),
            st.booleans(),
        ),
        "serve_referral_notice": lambda: st.builds(step.ServeReferralNotice, when),
        "record_subject_response": lambda: st.builds(step.RecordSubjectResponse, when, st.booleans()),
        "schedule_proceedings": lambda: st.builds(
            step.ScheduleProceedings, hearing_dates(policy, state, today, noisy), panel(policy, state, noisy)
        ),
        "record_finding": lambda: st.builds(
            step.RecordFinding, pick({a.id for a in state.allegations}, noisy), pick(findings, noisy), text
        ),
        "record_outcome": lambda: st.builds(step.RecordOutcome, pick(sanctions, noisy), text),
        "lodge_appeal": lambda: st.builds(step.LodgeAppeal, text),
        "decide_appeal": lambda: st.builds(
            step.DecideAppeal, st.booleans(), text, st.none() | pick(sanctions, noisy)
        ),
        "propose_closure": lambda: st.builds(step.ProposeClosure, pick(closures, noisy), text, text),
        "confirm_closure": lambda: st.builds(step.ConfirmClosure, text),
        "reject_closure": lambda: st.builds(step.RejectClosure, text),
        "request_withdrawal": lambda: st.builds(step.RequestWithdrawal, text),
        "record_employment_change": lambda: st.builds(
            step.RecordEmploymentChange,
            pick(set(EMPLOYMENT_LABELS) - ({state.employment} if not noisy else set()), noisy),
            when,
        ),
        "give_feedback": lambda: st.builds(step.GiveFeedback, text),
        "request_review": lambda: st.builds(step.RequestReview, text),
        "uphold_closure": lambda: st.builds(step.UpholdClosure, text),
        "reopen_case": lambda: st.builds(step.ReopenCase, text),
        "direct_reinvestigation": lambda: st.builds(step.DirectReinvestigation, text),
        "direct_review": lambda: st.builds(step.DirectReview, text),
        "answer_direction": lambda: st.builds(step.AnswerDirection, text),
    }
    return forms[kind]()


# Steps that can happen at any stage; taken often, they would keep runs from reaching the later stages.
SIDE_STEPS = frozenset({"link_report", "give_feedback", "record_employment_change", "request_withdrawal"})
CLOSING_STEPS = frozenset(
    {"propose_closure", "request_review", "reopen_case", "direct_reinvestigation", "direct_review"}
)


def done_already(kind: str, state: CaseState) -> bool:
    """Steps a careful person does not repeat (the noisy rule still tries them)."""
    repeated = {
        "add_allegation": len(state.allegations) >= 2,
        "assess_severity": state.severity is not None and state.status == "assessed",
        "decide_investigation_mode": state.investigation_mode is not None,
        "assign_investigator": state.investigator_id is not None,
        "serve_regulation_17_notice": state.regulation_17_served_on is not None,
        "log_evidence": len(state.evidence) >= 2,
        "submit_interim_report": state.interim_reports >= 1,
        "serve_referral_notice": state.referral_notice_served_on is not None,
        "schedule_proceedings": state.proceedings_on is not None,
    }
    return repeated.get(kind, False)


def says_why(detail: str) -> None:
    """A refusal is a sentence for a handler: not empty, no internal names, no leftovers."""
    assert detail.strip()
    assert detail.rstrip().endswith((".", "?")), detail
    assert "_" not in detail, detail
    assert "None" not in detail, detail
    assert "{" not in detail, detail


class CaseLifecycle(RuleBasedStateMachine):
    policy: ClassVar[Policy]

    def __init__(self) -> None:
        super().__init__()
        self.now = START
        self.events: list[Event] = []
        self._state: CaseState | None = None

    @property
    def state(self) -> CaseState:
        assert self._state is not None
        return self._state

    @property
    def today(self) -> date:
        return local_date(self.now, self.policy.calendar)

    @initialize(
        opener=st.sampled_from(OPENERS),
        categories=st.lists(
            st.sampled_from(
                [
                    "sexual_misconduct",
                    "discrimination",
                    "abuse_of_position",
                    "corruption",
                    "bullying",
                    "other",
                ]
            ),
            min_size=1,
            max_size=2,
            unique=True,
        ),
    )
    def open(self, opener: tuple[Actor, tuple[str, ...]], categories: list[str]) -> None:
        actor, reporters = opener
        decision = open_case(
            self.policy, step.OpenCase("case-1", tuple(categories), reporters), actor, self.now
        )
        assert decision.events[0].fields["policy_id"] == self.policy.id
        assert decision.events[0].fields["policy_version"] == self.policy.version
        self._state = decision.state
        self.events = list(decision.events)

    @rule(days=st.integers(0, 20) | st.integers(20, 200), hours=st.integers(0, 23))
    def time_passes(self, days: int, hours: int) -> None:
        self.now += timedelta(days=days, hours=hours)

    @rule(data=st.data())
    def someone_takes_a_step_the_case_is_ready_for(self, data: st.DataObject) -> None:
        """A step the engine offers now, to someone it offers it to, with a careful form; side steps
        (feedback, a change of employment, a withdrawal request) come through the noisy rule."""
        self.take_offered_step(data, forward_only=False)

    @rule(data=st.data(), hours=st.integers(0, 72))
    def the_case_moves_forward(self, data: st.DataObject, hours: int) -> None:
        """A little later, an offered step on the main path (not a side step, not closing), so that runs
        reach the later stages of the process."""
        self.now += timedelta(hours=hours)
        self.take_offered_step(data, forward_only=True)

    @rule(data=st.data())
    def something_happens_on_the_side(self, data: st.DataObject) -> None:
        """The officer resigns or returns, the reporter is given feedback or asks to withdraw, another
        report joins the case: things that can happen at any stage."""
        chance = random.Random(data.draw(st.integers(0, 2**32)))
        side = [
            s
            for s in self.policy.actions.values()
            if s.kind in SIDE_STEPS and self.state.status in s.from_states
        ]
        chance.shuffle(side)
        for spec in side:
            actor = chance.choice([a for a in PEOPLE if a.roles & set(spec.roles)])
            if why_not(self.policy, self.state, spec.kind, actor, self.now) is None:
                form = action_for(spec.kind, self.policy, self.state, self.today, noisy=False)
                self.attempt(actor, data.draw(form))
                return

    def take_offered_step(self, data: st.DataObject, *, forward_only: bool) -> None:
        # One drawn seed orders the candidates: far cheaper than a draw per candidate, still replayable.
        chance = random.Random(data.draw(st.integers(0, 2**32)))
        status = self.state.status
        here = [
            s
            for s in self.policy.actions.values()
            if status in s.from_states and s.kind not in SIDE_STEPS and not done_already(s.kind, self.state)
        ]
        if forward_only:
            here = [s for s in here if s.kind not in CLOSING_STEPS]
        chance.shuffle(here)
        # Mostly try the steps that move the case on first; now and then, closing first.
        closing_first = chance.random() < 0.2

        def priority(spec: ActionSpec) -> int:
            if spec.kind in CLOSING_STEPS or spec.target(status) == "closure_proposed" or spec.returns:
                return 0 if closing_first else 2
            return 1 if spec.target(status) != status else 3

        here.sort(key=priority)
        for spec in here:
            holders = [a for a in PEOPLE if a.roles & set(spec.roles)]
            actor = chance.choice(holders)
            if why_not(self.policy, self.state, spec.kind, actor, self.now) is None:
                form = action_for(spec.kind, self.policy, self.state, self.today, noisy=False)
                self.attempt(actor, data.draw(form))
                return

    @rule(data=st.data())
    def someone_tries_any_step(self, data: st.DataObject) -> None:
        actor = data.draw(st.sampled_from(PEOPLE))
        kind = data.draw(st.sampled_from(sorted(set(ACTION_TYPES) - {"open_case"})))
        self.attempt(actor, data.draw(action_for(kind, self.policy, self.state, self.today, noisy=True)))

    def attempt(self, actor: Actor, action: Action) -> None:
        before = self.state
        offered = {spec.kind for spec in available_actions(self.policy, before, actor, self.now)}
        refusal: DomainError | None = None
        try:
            decision = decide(self.policy, before, action, actor, self.now)
        except DomainError as error:
            refusal = error
        if refusal is not None:
            says_why(refusal.detail)
            assert isinstance(refusal, NotAllowed | TransitionRefused | InvalidInput)
            if action.kind in offered:
                assert not isinstance(refusal, NotAllowed), "an offered step is never refused for who asks"
            else:
                assert why_not(self.policy, before, action.kind, actor, self.now) is not None
            return
        assert action.kind in offered, "only an offered step may succeed"
        self.check_step(before, actor, action, decision)
        self._state = decision.state
        self.events.extend(decision.events)

    def check_step(self, before: CaseState, actor: Actor, action: Action, decision: Decision) -> None:
        after, spec = decision.state, self.policy.actions[action.kind]
        # Every transition is an event, and the events are the whole record.
        assert decision.events
        first = decision.events[0]
        assert first.fields["from_status"] == before.status
        assert first.fields["to_status"] == after.status
        for event in decision.events:
            assert event.at == self.now
            assert event.actor_id == actor.id
            assert event.fields["role"] in actor.roles
            assert json.loads(json.dumps(event.fields)) == event.fields
        expected = (
            before.pending_closure.resume_status
            if spec.returns and before.pending_closure
            else (spec.target(before.status))
        )
        assert after.status == expected
        assert replay(self.policy, [*self.events, *decision.events]) == after
        # Leaving the force never closes or pauses a case; leaving under investigation is listed.
        if action.kind == "record_employment_change":
            assert after.status == before.status
            assert deadlines(self.policy, after) == deadlines(self.policy, before)
            state_spec = self.policy.states[before.status]
            if (
                not before.former_officer
                and after.former_officer
                and state_spec.advisory_list_if_subject_leaves
            ):
                assert after.advisory_list
        # A mandatory-referral case leaves assessment only once referred and the mode decided.
        if self.policy.states[before.status].hold_until_referred and after.status != before.status:
            if before.referral_grounds:
                assert before.referred_on is not None
            if before.referred_on is not None:
                assert before.investigation_mode is not None
        self.check_directions(before, action, after)
        # Closing takes two different decision makers, and written reasons.
        if action.kind == "confirm_closure":
            proposal = before.pending_closure
            assert proposal is not None
            assert proposal.proposed_by != actor.id
            assert proposal.reasons.strip()
            assert "decision_maker" in actor.roles
        # Forums: the kind of proceedings follows severity, the warning in force, and former officers.
        if action.kind == "refer_to_proceedings":
            forum = self.policy.forums[after.forum or ""]
            if before.former_officer:
                assert before.severity in forum.former_officer_severities
            elif before.final_written_warning_in_force:
                assert before.severity in forum.severities_if_final_warning_in_force
            else:
                assert before.severity in forum.severities

    def check_directions(self, before: CaseState, action: Action, after: CaseState) -> None:
        """The overseer's directions are honoured: a re-investigation puts the case back into
        investigation with its investigator; a case under a direction is not closed; a direction to
        review is a duty with a due date until it is answered."""
        if action.kind == "direct_reinvestigation":
            assert after.status == "investigation"
            assert after.investigator_id == before.investigator_id is not None
            assert after.closure is None
            assert after.pending_closure is None
            assert after.investigation_reported_on is None
        if before.direction is not None:
            assert action.kind not in {"propose_closure", "confirm_closure"}
        if before.direction == "review":
            assert any(d.clock == "direction_response" and d.duty for d in deadlines(self.policy, before))

    @invariant()
    def closed_only_by_two_decision_makers_with_reasons(self) -> None:
        if self._state is None or is_open(self.policy, self.state):
            return
        closure = self.state.closure
        assert closure is not None
        assert closure.proposed_by
        assert closure.confirmed_by
        assert closure.proposed_by != closure.confirmed_by
        assert closure.reasons.strip()
        confirmed = [e for e in self.events if e.kind == "closure_confirmed"][-1]
        proposed = [e for e in self.events if e.kind == "closure_proposed"][-1]
        assert proposed.fields["role"] == confirmed.fields["role"] == "decision_maker"
        assert proposed.actor_id != confirmed.actor_id

    @invariant()
    def mandatory_referral_cases_are_referred_once_past_assessment(self) -> None:
        assess = self.policy.actions.get("assess_severity")
        if self._state is None or assess is None or not self.state.referral_grounds:
            return
        assessment = assess.from_states | {assess.target(self.state.status)}
        if self.state.status not in assessment:
            assert self.state.referred_on is not None
            assert self.state.investigation_mode is not None

    @invariant()
    def forums_keep_to_their_sanction_limits(self) -> None:
        if self._state is None or self.state.sanction is None:
            return
        forum = self.policy.forums[self.state.forum or ""]
        sanction = self.policy.sanctions[self.state.sanction]
        assert self.state.sanction in forum.sanctions
        assert sanction.rank <= self.policy.sanctions[forum.max_sanction].rank
        if forum.id == "meeting":
            assert sanction.rank <= self.policy.sanctions["final_written_warning"].rank
        highest = highest_finding(self.policy, self.state)
        if highest is not None:
            assert highest.rank <= self.policy.findings[forum.max_finding].rank


def machine_settings(examples: int, steps: int) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


class EnglandAndWalesLifecycle(CaseLifecycle):
    policy = load_policy(POLICIES / "england-wales.toml")


class EuWhistleblowerLifecycle(CaseLifecycle):
    policy = load_policy(POLICIES / "eu-whistleblower.toml")


# The England and Wales process is long: runs need more steps to reach outcomes and appeals.
TestEnglandAndWalesLifecycle = EnglandAndWalesLifecycle.TestCase
TestEnglandAndWalesLifecycle.settings = machine_settings(examples=100, steps=40)
TestEuWhistleblowerLifecycle = EuWhistleblowerLifecycle.TestCase
TestEuWhistleblowerLifecycle.settings = machine_settings(examples=50, steps=25)
