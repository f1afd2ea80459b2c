"""Working days, months and every due date, derived from the events of a case."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upstander.cases.engine import actions as step
from upstander.cases.engine.clocks import (
    Deadline,
    add_months,
    add_working_days,
    deadlines,
    is_working_day,
    local_date,
    progress_periods_ended,
    progress_report_due,
)
from upstander.cases.engine.rules import Actor, decide, open_case
from upstander.cases.engine.state import CaseState
from upstander.cases.policy.packs import Calendar, Policy, load_policy

POLICIES = Path(__file__).resolve().parents[3] / "policies"
EW = load_policy(POLICIES / "england-wales.toml")
EU = load_policy(POLICIES / "eu-whistleblower.toml")
ENGLAND = EW.calendar

REPORTER = Actor("reporter-1", frozenset({"reporter"}))
HANDLER = Actor("handler-1", frozenset({"handler"}))
DM = Actor("dm-1", frozenset({"decision_maker"}))
DM2 = Actor("dm-2", frozenset({"decision_maker"}))
INVESTIGATOR = Actor("investigator-1", frozenset({"investigator"}))


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def by_clock(state: CaseState, policy: Policy = EW) -> dict[str, Deadline]:
    return {d.clock: d for d in deadlines(policy, state)}


# --- the calendar -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 4, 17), True),  # Maundy Thursday
        (date(2025, 4, 18), False),  # Good Friday
        (date(2025, 4, 21), False),  # Easter Monday
        (date(2025, 4, 19), False),  # Saturday
        (date(2025, 5, 5), False),  # Early May bank holiday
        (date(2025, 12, 25), False),
        (date(2025, 12, 26), False),
        (date(2027, 12, 27), False),  # Christmas Day falls on a Saturday: the substitute day
        (date(2027, 12, 28), False),  # and Boxing Day's
        (date(2027, 12, 29), True),
    ],
)
def test_working_days_skip_weekends_and_england_and_wales_bank_holidays(day: date, working: bool) -> None:
    assert is_working_day(day, ENGLAND) is working


def test_fifteen_working_days_over_easter() -> None:
    # Reg. 31(1): beginning with the first working day after the notice; Easter takes two days out.
    assert add_working_days(date(2025, 4, 3), 15, ENGLAND) == date(2025, 4, 28)


def test_one_working_day_after_maundy_thursday_is_the_tuesday() -> None:
    assert add_working_days(date(2025, 4, 17), 1, ENGLAND) == date(2025, 4, 22)


def test_scotland_is_not_england() -> None:
    # 2 January is a bank holiday in Scotland only; the engine takes the pack's subdivision.
    scotland = Calendar("Europe/London", "GB", "SCT")
    assert is_working_day(date(2025, 1, 2), ENGLAND)
    assert not is_working_day(date(2025, 1, 2), scotland)


@given(start=st.dates(date(2020, 1, 1), date(2035, 12, 31)), count=st.integers(1, 40))
@settings(max_examples=150, deadline=None)
def test_adding_working_days_counts_exactly_that_many(start: date, count: int) -> None:
    end = add_working_days(start, count, ENGLAND)
    assert is_working_day(end, ENGLAND)
    days = [start + timedelta(days=n) for n in range(1, (end - start).days + 1)]
    assert sum(is_working_day(d, ENGLAND) for d in days) == count


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 10, 15), 12, date(2026, 10, 15)),
        (date(2025, 12, 1), 1, date(2026, 1, 1)),
    ],
)
def test_months_end_on_the_corresponding_day_or_the_last_of_a_short_month(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


@given(start=st.dates(date(2000, 1, 1), date(2090, 12, 31)), months=st.integers(0, 60))
@settings(max_examples=150, deadline=None)
def test_adding_months_moves_the_month_and_never_the_day_forward(start: date, months: int) -> None:
    end = add_months(start, months)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    assert end.day <= start.day


def test_days_are_counted_in_london_time() -> None:
    assert local_date(datetime(2025, 3, 29, 23, 30, tzinfo=UTC), ENGLAND) == date(2025, 3, 29)  # GMT
    assert local_date(datetime(2025, 6, 1, 23, 30, tzinfo=UTC), ENGLAND) == date(2025, 6, 2)  # BST


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date(datetime(2025, 6, 1, 12), ENGLAND)


# --- deadlines from events ------------------------------------------------------------------------


def opened(received: date, policy: Policy = EW, actor: Actor = REPORTER) -> CaseState:
    return open_case(policy, step.OpenCase("case-1", ("bullying",)), actor, noon(received)).state


def test_acknowledgement_is_due_seven_days_after_receipt_and_stops_once_sent() -> None:
    state = opened(date(2025, 6, 2))
    ack = by_clock(state)["acknowledgement"]
    assert ack.due_on == date(2025, 6, 9)
    assert ack.duty
    assert ack.overdue(date(2025, 6, 10))
    assert not ack.overdue(date(2025, 6, 9))
    state = decide(EW, state, step.Acknowledge(), HANDLER, noon(date(2025, 6, 4))).state
    assert "acknowledgement" not in by_clock(state)


def test_feedback_is_due_three_months_after_acknowledgement_then_after_each_feedback() -> None:
    state = opened(date(2025, 6, 2))
    # Not acknowledged: three months from the end of the seven days (art. 9(1)(f)).
    assert by_clock(state)["reporter_feedback"].due_on == date(2025, 9, 9)
    state = decide(EW, state, step.Acknowledge(), HANDLER, noon(date(2025, 6, 4))).state
    assert by_clock(state)["reporter_feedback"].due_on == date(2025, 9, 4)
    state = decide(
        EW, state, step.GiveFeedback("Still looking into it."), HANDLER, noon(date(2025, 8, 20))
    ).state
    assert by_clock(state)["reporter_feedback"].due_on == date(2025, 11, 20)


def test_a_matter_the_force_recorded_itself_has_no_reporter_clocks() -> None:
    state = opened(date(2025, 6, 2), actor=HANDLER)
    assert not state.has_reporter
    assert by_clock(state) == {}


def test_the_eu_pack_runs_only_the_two_directive_clocks() -> None:
    state = opened(date(2025, 6, 2), policy=EU)
    assert set(by_clock(state, EU)) == {"acknowledgement", "reporter_feedback"}
    assert by_clock(state, EU)["acknowledgement"].due_on == date(2025, 6, 9)


def investigated(received: date, *, facts: frozenset[str] = frozenset()) -> CaseState:
    state = opened(received)
    at = noon(received)
    state = decide(EW, state, step.Acknowledge(), HANDLER, at).state
    state = decide(
        EW, state, step.AddAllegation("a1", "use_of_force", "Pushed a colleague."), HANDLER, at
    ).state
    state = decide(EW, state, step.AssessSeverity("gross_misconduct", "Serious.", facts), DM, at).state
    return decide(EW, state, step.AssignInvestigator("investigator-1"), HANDLER, at).state


def test_progress_reports_fall_due_at_twelve_months_then_every_six() -> None:
    state = investigated(date(2024, 8, 31))
    assert progress_report_due(EW, state) == date(2025, 8, 31)
    assert progress_periods_ended(EW, state, date(2025, 8, 30)) == 0
    assert progress_periods_ended(EW, state, date(2025, 8, 31)) == 1
    # Each later period of six months begins the day after the previous one ended (reg. 19(2)(b)).
    assert progress_periods_ended(EW, state, date(2026, 2, 28)) == 2
    assert progress_periods_ended(EW, state, date(2026, 8, 27)) == 2
    assert progress_periods_ended(EW, state, date(2026, 8, 28)) == 3
    state = decide(
        EW, state, step.SendProgressReport("Interviews done."), HANDLER, noon(date(2025, 9, 1))
    ).state
    assert progress_report_due(EW, state) == date(2026, 2, 28)
    assert by_clock(state)["progress_report"].due_on == date(2026, 2, 28)


def test_referral_notice_starts_the_fifteen_working_day_response() -> None:
    state = investigated(date(2025, 1, 6))
    at = noon(date(2025, 3, 3))
    state = decide(EW, state, step.ServeRegulation17Notice(date(2025, 1, 7)), INVESTIGATOR, at).state
    state = decide(EW, state, step.SubmitInvestigationReport("Report."), INVESTIGATOR, at).state
    state = decide(EW, state, step.DecideCaseToAnswer("gross_misconduct", "Case to answer."), DM, at).state
    state = decide(EW, state, step.ReferToProceedings("hearing", "Gross misconduct."), DM, at).state
    state = decide(
        EW, state, step.ServeReferralNotice(date(2025, 4, 3)), HANDLER, noon(date(2025, 4, 3))
    ).state
    response = by_clock(state)["subject_response"]
    assert response.due_on == date(2025, 4, 28)
    assert not response.duty  # the officer's window, not a task for staff
    state = decide(
        EW,
        state,
        step.RecordSubjectResponse(date(2025, 4, 25), accepts=False),
        HANDLER,
        noon(date(2025, 4, 25)),
    ).state
    assert "subject_response" not in by_clock(state)


def test_accelerated_hearing_window_is_ten_to_fifteen_working_days_after_notice() -> None:
    state = investigated(date(2025, 1, 6))
    at = noon(date(2025, 3, 3))
    state = decide(
        EW, state, step.ReferToProceedings("accelerated_hearing", "CCTV shows it.", True, True), DM, at
    ).state
    state = decide(
        EW, state, step.ServeReferralNotice(date(2025, 4, 3)), HANDLER, noon(date(2025, 4, 3))
    ).state
    window = by_clock(state)["hearing_window"]
    assert (window.opens_on, window.due_on) == (date(2025, 4, 17), date(2025, 4, 28))  # Easter between
    assert window.duty


def test_the_review_window_is_twenty_eight_days_from_telling_the_reporter() -> None:
    state = opened(date(2025, 6, 2))
    at = noon(date(2025, 6, 3))
    state = decide(EW, state, step.Acknowledge(), HANDLER, at).state
    state = decide(
        EW, state, step.AddAllegation("a1", "confidentiality", "Shared a file."), HANDLER, at
    ).state
    state = decide(EW, state, step.AssessSeverity("no_case_to_answer", "Was authorised."), DM, at).state
    state = decide(
        EW, state, step.ProposeClosure("no_case_to_answer", "Authorised.", "The sharing was allowed."), DM, at
    ).state
    state = decide(EW, state, step.ConfirmClosure(), DM2, noon(date(2025, 6, 10))).state
    clocks = by_clock(state)
    assert set(clocks) == {"review_request"}
    assert clocks["review_request"].due_on == date(2025, 7, 8)
    assert not clocks["review_request"].duty
