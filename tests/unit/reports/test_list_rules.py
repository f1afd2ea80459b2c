"""The inbox's filters on values: parsing what a form or query sends, and the clock windows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstander.errors import InvalidInput
from upstander.reports import rules
from upstander.reports.models import Category, Channel, ReportStatus

moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC))


@given(moments, st.timedeltas(min_value=timedelta(days=-30), max_value=timedelta(days=30)))
def test_the_due_windows_hold_exactly_the_reports_in_that_clock_state(now: datetime, age: timedelta) -> None:
    received = now - age
    state = rules.clock(rules.acknowledgement_due(received), now).state
    for due, expected in [
        (rules.DueFilter.OVERDUE, rules.ClockState.OVERDUE),
        (rules.DueFilter.DUE_SOON, rules.ClockState.DUE_SOON),
    ]:
        lower, upper = rules.acknowledgement_window(due, now)
        inside = (lower is None or received >= lower) and received < upper
        assert inside == (state is expected)


def test_the_filters_read_what_the_form_sends() -> None:
    wanted = rules.parse_inbox_filter(
        search="  r-bcd2345 ",
        status="received",
        category="bullying",
        channel="escrow",
        who="anonymous",
        due="soon",
        include_in_case=True,
    )
    assert wanted == rules.InboxFilter(
        search="r-bcd2345",
        status=ReportStatus.RECEIVED,
        category=Category.BULLYING,
        channel=Channel.ESCROW,
        anonymous=True,
        due=rules.DueFilter.DUE_SOON,
        include_in_case=True,
    )
    assert rules.parse_inbox_filter(who="named").anonymous is False
    assert rules.parse_inbox_filter(status="", who="") == rules.InboxFilter()


def test_every_unknown_filter_value_is_named_back() -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.parse_inbox_filter(
            status="lost", category="x", channel="fax", who="both", due="later", search="9" * 81
        )
    assert set(refused.value.fields) == {"status", "category", "channel", "who", "due", "q"}
    assert "received, acknowledged, in_case, closed" in refused.value.fields["status"]


def test_the_handler_filter_is_me_nobody_or_a_handler() -> None:
    someone = uuid.uuid4()
    assert rules.parse_inbox_filter(handler="me").mine is True
    assert rules.parse_inbox_filter(handler="none").unhandled is True
    assert rules.parse_inbox_filter(handler=str(someone)).handler_id == someone
    assert rules.parse_inbox_filter() == rules.InboxFilter()
    with pytest.raises(InvalidInput) as refused:
        rules.parse_inbox_filter(handler="everyone")
    assert set(refused.value.fields) == {"handler"}
