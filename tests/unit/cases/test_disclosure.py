"""What reaches the subject (and their representative): only what the regulations give the officer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from upstander.cases.engine.state import EVENT_KINDS
from upstander.cases.representation.disclosure import DISCLOSED, Entry, disclosed_items


def entry(seq: int, kind: str, **data: object) -> Entry:
    texts = {k: str(v) for k, v in data.items() if k in {"summary", "reasons", "grounds", "message"}}
    return Entry(seq, kind, "2026-11-26T10:00:00+00:00", dict(data), texts)


def test_the_investigation_report_reaches_the_officer_with_the_notice_of_referral() -> None:
    timeline = [
        entry(1, "regulation_17_notice_served", served_on="2026-11-02"),
        entry(2, "investigation_report_submitted", summary="Supported by two witnesses."),
    ]
    assert [item.kind for item in disclosed_items(timeline)] == ["regulation_17_notice_served"]
    served = [*timeline, entry(3, "referral_notice_served", served_on="2026-11-20")]
    items = disclosed_items(served)
    assert [item.kind for item in items] == [
        "regulation_17_notice_served",
        "investigation_report_submitted",
        "referral_notice_served",
    ]
    assert items[1].texts == {"summary": "Supported by two witnesses."}


def test_only_the_listed_fields_of_a_disclosed_entry_are_shown() -> None:
    (item,) = disclosed_items(
        [
            entry(
                4,
                "case_to_answer_decided",
                finding="misconduct",
                reasons="Internal reasoning.",
                role="decision_maker",
            )
        ]
    )
    assert item.details == {"finding": "misconduct"}
    assert item.texts == {}


def test_what_the_reporter_wrote_or_was_told_is_never_disclosed() -> None:
    timeline = [
        entry(1, "reporter_told", message="We found no evidence."),
        entry(2, "review_requested", grounds="The reporter disagrees."),
        entry(3, "evidence_logged", description="Statement naming the complainant."),
        entry(4, "severity_assessed", severity="misconduct", reasons="Assessed."),
    ]
    assert disclosed_items(timeline) == []


@given(st.lists(st.sampled_from(sorted(EVENT_KINDS)), max_size=30))
def test_every_disclosed_item_is_of_a_listed_kind_in_timeline_order(kinds: list[str]) -> None:
    timeline = [
        entry(n, kind, reasons="r", summary="s", grounds="g", on="2026-11-26") for n, kind in enumerate(kinds)
    ]
    items = disclosed_items(timeline)
    assert all(item.kind in DISCLOSED for item in items)
    assert [item.seq for item in items] == sorted(item.seq for item in items)
    for item in items:
        plain, texts = DISCLOSED[item.kind]
        assert set(item.details) <= set(plain)
        assert set(item.texts) <= set(texts)


def test_every_disclosed_kind_is_a_kind_the_engine_knows() -> None:
    assert set(DISCLOSED) <= EVENT_KINDS
