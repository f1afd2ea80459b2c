"""The case list's filters on values."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstander.cases import rules
from upstander.errors import InvalidInput
from upstander.reports.models import Category


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
