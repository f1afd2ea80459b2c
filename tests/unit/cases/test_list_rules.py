"""The case list's filters on values."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstander.cases import rules
from upstander.cases.engine.owed import NOTHING_DUE
from upstander.errors import InvalidInput
from upstander.reports.models import Category
from upstander.reports.rules import DueFilter


def test_the_case_filters_read_what_the_form_sends() -> None:
    someone = uuid.uuid4()
    assert rules.parse_case_filter(
        search=" C-BCD ", stage="assessment", category="bullying", handler="me"
    ) == (rules.CaseFilter("C-BCD", "assessment", Category.BULLYING, None, mine=True))
    assert rules.parse_case_filter(handler=str(someone)).handler_id == someone
    assert rules.parse_case_filter() == rules.CaseFilter()


def test_every_bad_case_filter_is_named_back() -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.parse_case_filter(search="x" * 81, stage="open'--", category="nothing", handler="boss")
    assert set(refused.value.fields) == {"q", "stage", "category", "handler"}


@given(st.text(max_size=50))
def test_any_stage_text_is_taken_as_a_word_or_refused(text: str) -> None:
    if all(c.isalnum() or c == "_" for c in text.strip()) and len(text.strip()) <= 40:
        assert rules.parse_case_filter(stage=text).stage == text.strip()
    else:
        with pytest.raises(InvalidInput) as refused:
            rules.parse_case_filter(stage=text)
        assert set(refused.value.fields) == {"stage"}


def test_the_due_and_unread_filters_and_the_dashboard_roles_are_read() -> None:
    wanted = rules.parse_case_filter(due="overdue", unread=True, for_you=("handler", "decision_maker"))
    assert wanted.due is DueFilter.OVERDUE
    assert wanted.unread is True
    assert wanted.owed_to_or_unread == ("decision_maker", "handler")
    with pytest.raises(InvalidInput) as refused:
        rules.parse_case_filter(due="yesterday")
    assert refused.value.fields == {"due": "choose one of overdue, soon"}


@given(st.dates(max_value=date(9000, 1, 1)), st.integers(-30, 30))
def test_a_first_duty_is_in_exactly_the_window_its_date_says(today: date, offset: int) -> None:
    due_on = today + timedelta(days=offset)

    def inside(due: DueFilter) -> bool:
        lower, upper = rules.due_window(due, today)
        return (lower is None or due_on >= lower) and due_on < upper

    assert inside(DueFilter.OVERDUE) == (due_on < today)
    assert inside(DueFilter.DUE_SOON) == (today <= due_on <= today + timedelta(days=7))


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9000, 1, 1)), st.integers(-400, 400))
def test_a_case_is_in_one_board_bucket_by_its_first_duty(today: date, offset: int) -> None:
    due_on = today + timedelta(days=offset)
    expected = (
        rules.Bucket.OVERDUE
        if due_on < today
        else rules.Bucket.DUE_SOON
        if due_on <= today + timedelta(days=7)
        else rules.Bucket.LATER
    )
    assert rules.bucket_of(due_on, today) is expected
    assert rules.bucket_of(None, today) is None
    assert rules.bucket_of(NOTHING_DUE, today) is None, "nothing owed by a date is in no bucket"


def test_the_handler_picker_is_narrowed_to_a_unit_nobodys_unit_or_a_name() -> None:
    unit = uuid.uuid4()
    assert rules.parse_handler_filter(str(unit)) == rules.HandlerFilter(unit_id=unit)
    assert rules.parse_handler_filter("none", " ali ") == rules.HandlerFilter(no_unit=True, search="ali")
    assert rules.parse_handler_filter("none").unit_token == "none"
    assert rules.parse_handler_filter().unit_token == ""
    with pytest.raises(InvalidInput) as refused:
        rules.parse_handler_filter("north", "x" * 81)
    assert set(refused.value.fields) == {"handler_unit", "handler_q"}
