"""What of a case goes into the file for each recipient: pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstander.cases.case_file import RECIPIENTS, recipient_named, timeline_for
from upstander.cases.representation.disclosure import DISCLOSED
from upstander.cases.views import TEXT_LABELS, EventView
from upstander.errors import InvalidInput

AT = datetime(2026, 3, 4, 10, tzinfo=UTC)


def event(seq: int, kind: str, **texts: str) -> EventView:
    return EventView(seq, AT, kind, kind.replace("_", " "), "someone", [], texts)


TIMELINE = [
    event(1, "case_opened"),
    event(2, "severity_assessed", Reasons="Assessed on the report's account."),
    event(3, "regulation_17_notice_served"),
    event(4, "evidence_logged", Description="Statement of the shift sergeant."),
    event(5, "investigation_report_submitted", **{TEXT_LABELS.get("summary", "summary"): "Two witnesses."}),
    event(6, "case_to_answer_decided", Reasons="A panel could find it."),
]


def test_the_overseer_file_has_every_entry_with_every_text() -> None:
    assert timeline_for("overseer", TIMELINE) == TIMELINE


def test_a_panel_file_has_only_what_the_officer_is_given() -> None:
    before_notice = timeline_for("panel", TIMELINE)
    assert [e.kind for e in before_notice] == ["regulation_17_notice_served", "case_to_answer_decided"]
    assert before_notice[1].texts == {}, "the decision's internal reasons stay in the case"

    served = [*TIMELINE, event(7, "referral_notice_served")]
    after_notice = timeline_for("tribunal", served)
    assert "investigation_report_submitted" in [e.kind for e in after_notice]
    report = next(e for e in after_notice if e.kind == "investigation_report_submitted")
    assert list(report.texts.values()) == ["Two witnesses."]


@given(
    st.lists(
        st.sampled_from(sorted({*DISCLOSED, "case_opened", "note_added", "evidence_logged"})), max_size=12
    )
)
def test_a_panel_file_never_holds_an_entry_the_disclosure_rules_do_not_name(kinds: list[str]) -> None:
    timeline = [event(seq, kind, Secret="not for the panel") for seq, kind in enumerate(kinds)]
    for shown in timeline_for("panel", timeline):
        assert shown.kind in DISCLOSED
        assert "Secret" not in shown.texts


@pytest.mark.parametrize("value", ["overseer", " Panel ", "TRIBUNAL"])
def test_the_recipients_are_named_in_any_case(value: str) -> None:
    assert recipient_named(value) in RECIPIENTS


def test_an_unknown_recipient_is_refused_in_plain_words() -> None:
    with pytest.raises(InvalidInput, match="overseer, panel, tribunal"):
        recipient_named("the press")
