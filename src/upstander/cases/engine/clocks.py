"""Clocks: working days, calendar months, and every due date derived from what the events record.

No deadline is ever typed in. Each one below is computed from dates the case's events carry, with
the pack's periods and its calendar (time zone and public holidays, via the ``holidays`` library).
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from upstander.cases.engine.state import CaseState
from upstander.cases.engine.vocabulary import (
    ACKNOWLEDGEMENT,
    DIRECTION_RESPONSE,
    REPORTER_FEEDBACK,
    REVIEW_REQUEST,
    with_article,
)
from upstander.cases.policy.packs import Calendar, ForumSpec, Period, Policy


@dataclass(frozen=True)
class Deadline:
    """A due date. ``duty`` is something staff must do (it shows as overdue and notifies); otherwise
    it is a window someone else may use (the officer's response, an appeal, a review request)."""

    clock: str
    label: str
    due_on: date
    duty: bool
    opens_on: date | None = None
    cite: str = ""

    def overdue(self, today: date) -> bool:
        return self.duty and today > self.due_on


def local_date(at: datetime, calendar: Calendar) -> date:
    """The legal date of a moment: days are counted in the pack's time zone, not in UTC."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("Times must be timezone-aware.")
    return at.astimezone(ZoneInfo(calendar.timezone)).date()


@lru_cache(maxsize=512)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year).keys())


def is_working_day(day: date, calendar: Calendar) -> bool:
    """Not a Saturday, Sunday, bank holiday or public holiday (Police (Conduct) Regulations 2020,
    reg. 2(1), "working day"; for England and Wales the pack's calendar is GB, subdivision ENG)."""
    if day.weekday() >= 5:
        return False
    return day not in _public_holidays(calendar.holidays_country, calendar.holidays_subdivision, day.year)


def add_working_days(start: date, count: int, calendar: Calendar) -> date:
    """The last day of a period of ``count`` working days beginning with the first working day after
    ``start`` (the regulations' usual form, e.g. Police (Conduct) Regulations 2020, reg. 31(1))."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, calendar):
            remaining -= 1
    return day


def add_months(start: date, months: int) -> date:
    """The corresponding day ``months`` later, or the last day of that month when it is shorter
    (31 January + 1 month = 28 or 29 February)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, monthrange(year, month)[1]))


def add_period(start: date, period: Period, calendar: Calendar) -> date:
    if period.working_days:
        return add_working_days(start, period.working_days, calendar)
    if period.months:
        return add_months(start, period.months)
    return start + timedelta(days=period.days)


def format_date(day: date) -> str:
    """'5 June 2025', for sentences."""
    return f"{day.day} {day:%B %Y}"


def is_open(policy: Policy, state: CaseState) -> bool:
    spec = policy.states.get(state.status)
    return spec is not None and spec.open


def acknowledgement_due(policy: Policy, state: CaseState) -> date | None:
    """Acknowledge within 7 days of receipt (Directive (EU) 2019/1937, art. 9(1)(b))."""
    clock = policy.clocks.get(ACKNOWLEDGEMENT)
    if clock is None or not state.has_reporter or state.acknowledged_on or not is_open(policy, state):
        return None
    return add_period(state.received_on, clock.period, policy.calendar)


def feedback_due(policy: Policy, state: CaseState) -> date | None:
    """Feedback within 3 months of the acknowledgement or, if none was sent, of the end of the 7 days
    after receipt (Directive (EU) 2019/1937, art. 9(1)(f)); then again within 3 of the last feedback."""
    clock = policy.clocks.get(REPORTER_FEEDBACK)
    if clock is None or not state.has_reporter or not is_open(policy, state):
        return None
    base = state.last_feedback_on or state.acknowledged_on
    if base is None:
        acknowledgement = policy.clocks.get(ACKNOWLEDGEMENT)
        base = state.received_on
        if acknowledgement is not None:
            base = add_period(base, acknowledgement.period, policy.calendar)
    return add_period(base, clock.period, policy.calendar)


def progress_report_dues(policy: Policy, state: CaseState) -> Iterator[date]:
    """The ends of the relevant periods: 12 months beginning with the day the matter came to the
    authority's attention, then each 6 months beginning the day after the previous one ended
    (Police (Conduct) Regulations 2020, reg. 19(2); Police (Complaints and Misconduct) Regulations
    2020, reg. 13(3)). Each period's report is due when it ends."""
    reports = policy.progress_reports
    if reports is None:
        return
    due = add_period(state.received_on, reports.first, policy.calendar)
    while True:
        yield due
        due = add_period(due, reports.then_every, policy.calendar)


def progress_periods_ended(policy: Policy, state: CaseState, today: date) -> int:
    """How many relevant periods have ended by ``today`` (0 when the first has not)."""
    count = 0
    for due in progress_report_dues(policy, state):
        if due > today:
            break
        count += 1
    return count


def progress_report_due(policy: Policy, state: CaseState) -> date | None:
    """The next report owed while the investigation is still open, or None."""
    spec = policy.states.get(state.status)
    if spec is None or not spec.investigation_open or policy.progress_reports is None:
        return None
    dues = progress_report_dues(policy, state)
    for _ in range(state.progress_reports_sent):
        next(dues)
    return next(dues)


def current_forum(policy: Policy, state: CaseState) -> ForumSpec | None:
    return policy.forums.get(state.forum or "")


def response_due(policy: Policy, state: CaseState) -> date | None:
    """The officer's written response: 15 working days beginning with the first working day after the
    notice of referral (Police (Conduct) Regulations 2020, reg. 31(1))."""
    forum = current_forum(policy, state)
    if forum is None or forum.response_period is None or state.referral_notice_served_on is None:
        return None
    return add_period(state.referral_notice_served_on, forum.response_period, policy.calendar)


def hearing_window(policy: Policy, state: CaseState) -> tuple[date, date] | None:
    """An accelerated misconduct hearing is held not less than 10 and not more than 15 working days
    after the notice (Police (Conduct) Regulations 2020, reg. 52(1))."""
    forum = current_forum(policy, state)
    if forum is None or forum.hearing_window is None or state.referral_notice_served_on is None:
        return None
    earliest, latest = forum.hearing_window
    served = state.referral_notice_served_on
    return add_period(served, earliest, policy.calendar), add_period(served, latest, policy.calendar)


def appeal_window_end(policy: Policy, state: CaseState) -> date | None:
    """The last day to appeal: 7 working days after a meeting (Police (Conduct) Regulations 2020,
    reg. 45(3)); after a hearing, the Police Appeals Tribunals Rules 2020 period."""
    forum = current_forum(policy, state)
    if forum is None or forum.appeal is None or state.outcome_on is None:
        return None
    return add_period(state.outcome_on, forum.appeal.period, policy.calendar)


def review_window_end(policy: Policy, state: CaseState) -> date | None:
    """The last day the reporter may ask for a review: 28 days starting with the day after they were
    told (Police (Complaints and Misconduct) Regulations 2020, reg. 29(2))."""
    clock = policy.clocks.get(REVIEW_REQUEST)
    if clock is None or state.closure is None or state.closure.reporter_told_on is None:
        return None
    return add_period(state.closure.reporter_told_on, clock.period, policy.calendar)


def direction_due(policy: Policy, state: CaseState) -> date | None:
    """The day the answer to the overseer's direction to review is due."""
    clock = policy.clocks.get(DIRECTION_RESPONSE)
    if clock is None or state.direction != "review" or state.direction_on is None:
        return None
    return add_period(state.direction_on, clock.period, policy.calendar)


def deadlines(policy: Policy, state: CaseState) -> tuple[Deadline, ...]:
    """Every due date running on the case now, soonest first; a pure function of the events."""
    review_open = state.review_requested_on is None and not is_open(policy, state)
    found = [
        *_from_clock(policy, ACKNOWLEDGEMENT, acknowledgement_due(policy, state), duty=True),
        *_from_clock(policy, REPORTER_FEEDBACK, feedback_due(policy, state), duty=True),
        *_from_clock(
            policy, REVIEW_REQUEST, review_window_end(policy, state) if review_open else None, duty=False
        ),
        *_proceedings_deadlines(policy, state),
        *_from_clock(policy, DIRECTION_RESPONSE, direction_due(policy, state), duty=True),
    ]
    reports, due = policy.progress_reports, progress_report_due(policy, state)
    if reports is not None and due is not None:
        found.append(Deadline("progress_report", reports.label, due, True, cite=reports.cite))
    return tuple(sorted(found, key=lambda d: (d.due_on, d.clock)))


def _from_clock(policy: Policy, clock: str, due: date | None, *, duty: bool) -> list[Deadline]:
    spec = policy.clocks.get(clock)
    if spec is None or due is None:
        return []
    return [Deadline(clock, spec.label, due, duty, cite=spec.cite)]


def _proceedings_deadlines(policy: Policy, state: CaseState) -> Iterator[Deadline]:
    forum = current_forum(policy, state)
    if forum is None or not is_open(policy, state):
        return
    if state.outcome_on is None:
        if state.subject_response_on is None and (due := response_due(policy, state)) is not None:
            yield Deadline(
                "subject_response",
                f"The officer's response to the notice of {with_article(forum.label)}",
                due,
                False,
                cite=forum.cite,
            )
        window = hearing_window(policy, state)
        if window is not None and state.proceedings_on is None:
            yield Deadline(
                "hearing_window",
                f"Hold the {forum.label}",
                window[1],
                True,
                opens_on=window[0],
                cite=forum.cite,
            )
    elif state.appeal_lodged_on is None and state.pending_closure is None and forum.appeal is not None:
        due = appeal_window_end(policy, state)
        if due is not None:
            yield Deadline("appeal", f"An appeal to {forum.appeal.body}", due, False, cite=forum.appeal.cite)
