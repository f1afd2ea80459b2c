"""What the retention job chooses: only closed cases past their period, never under a hold, never
a kind kept for ever, never twice."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstander.cases.policy.model import KEPT_FOR_EVER_KINDS, RETENTION_KINDS, RetentionSpec
from upstander.retention import rules

PACK = "england-wales"
SIX_YEARS = {kind: RetentionSpec(kind, months=72) for kind in RETENTION_KINDS} | {
    kind: RetentionSpec(kind, forever=True) for kind in KEPT_FOR_EVER_KINDS
}


def closed(
    on: date, *, held: bool = False, erased: frozenset[str] = frozenset(), ref: str = "C-1"
) -> rules.ClosedCase:
    return rules.ClosedCase(uuid.uuid4(), ref, on, PACK, held, erased)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2020, 3, 4), 72, date(2026, 3, 4)),
        (date(2020, 1, 31), 1, date(2020, 2, 29)),
        (date(2021, 1, 31), 1, date(2021, 2, 28)),
        (date(2020, 2, 29), 12, date(2021, 2, 28)),
        (date(2020, 12, 24), 13, date(2022, 1, 24)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month(
    start: date, months: int, expected: date
) -> None:
    assert rules.add_months(start, months) == expected


def test_a_case_closed_six_years_ago_today_is_due_and_one_a_day_short_is_not() -> None:
    today = date(2026, 3, 4)
    due = rules.choose_due([closed(date(2020, 3, 4), ref="C-due"), closed(date(2020, 3, 5), ref="C-not")],
                           {PACK: SIX_YEARS}, today)  # fmt: skip
    assert {(d.reference, d.kind) for d in due} == {("C-due", kind) for kind in RETENTION_KINDS}
    assert all(d.due_since == today and d.closed_on == date(2020, 3, 4) for d in due)


def test_a_hold_a_pack_without_a_section_and_what_was_erased_are_never_chosen() -> None:
    long_ago = date(2000, 1, 1)
    today = date(2026, 3, 4)
    assert rules.choose_due([closed(long_ago, held=True)], {PACK: SIX_YEARS}, today) == []
    assert rules.choose_due([closed(long_ago)], {PACK: None}, today) == []
    assert rules.choose_due([closed(long_ago)], {}, today) == []
    partly = rules.choose_due(
        [closed(long_ago, erased=frozenset({"report_content"}))], {PACK: SIX_YEARS}, today
    )
    assert {d.kind for d in partly} == set(RETENTION_KINDS) - {"report_content"}


def test_batches_keep_a_case_whole() -> None:
    cases = [closed(date(2000, 1, day), ref=f"C-{day}") for day in range(1, 6)]
    due = rules.choose_due(cases, {PACK: SIX_YEARS}, date(2026, 1, 1))
    grouped = rules.batches(due, 2)
    assert [len({d.case_id for d in batch}) for batch in grouped] == [2, 2, 1]
    assert [d for batch in grouped for d in batch] == due
    with pytest.raises(ValueError, match="at least one case"):
        rules.batches(due, 0)


def test_a_subject_may_know_of_a_case_once_notified_or_closed() -> None:
    closed_stages = frozenset({"closed", "review_requested"})
    assert not rules.subject_may_know({"severity_assessed"}, "investigation", closed_stages)
    assert rules.subject_may_know({"regulation_17_notice_served"}, "investigation", closed_stages)
    assert rules.subject_may_know(set(), "closed", closed_stages)


specs = st.one_of(
    st.builds(lambda months: RetentionSpec("k", months=months), st.integers(1, 1200)),
    st.just(RetentionSpec("k", forever=True)),
)
cases_strategy = st.lists(
    st.builds(
        rules.ClosedCase,
        st.uuids(),
        st.text(min_size=1, max_size=6),
        st.dates(date(1950, 1, 1), date(2100, 1, 1)),
        st.just(PACK),
        st.booleans(),
        st.frozensets(st.sampled_from(RETENTION_KINDS)),
    ),
    max_size=20,
)


@given(
    cases=cases_strategy.filter(lambda found: len({case.case_id for case in found}) == len(found)),
    pack_rules=st.fixed_dictionaries(dict.fromkeys((*RETENTION_KINDS, *KEPT_FOR_EVER_KINDS), specs)),
    today=st.dates(date(1950, 1, 1), date(2150, 1, 1)),
)
def test_nothing_held_within_its_period_kept_for_ever_or_erased_is_ever_chosen(
    cases: list[rules.ClosedCase], pack_rules: dict[str, RetentionSpec], today: date
) -> None:
    chosen = rules.choose_due(cases, {PACK: pack_rules}, today)
    by_id = {case.case_id: case for case in cases}
    for due in chosen:
        case = by_id[due.case_id]
        spec = pack_rules[due.kind]
        assert not case.held
        assert not spec.forever
        assert due.kind not in case.erased_kinds
        assert due.kind not in KEPT_FOR_EVER_KINDS
        assert due.due_since == rules.add_months(case.closed_on, spec.months) <= today
        assert due.due_since > case.closed_on
    # And everything that should go is chosen: the job never forgets a record.
    expected = {
        (case.case_id, kind)
        for case in cases
        if not case.held
        for kind in RETENTION_KINDS
        if not pack_rules[kind].forever
        and kind not in case.erased_kinds
        and rules.add_months(case.closed_on, pack_rules[kind].months) <= today
    }
    assert {(due.case_id, due.kind) for due in chosen} == expected


@given(cases=cases_strategy, today=st.dates(date(1950, 1, 1), date(2150, 1, 1)))
def test_a_later_day_never_chooses_less(cases: list[rules.ClosedCase], today: date) -> None:
    earlier = {(d.case_id, d.kind) for d in rules.choose_due(cases, {PACK: SIX_YEARS}, today)}
    later = {
        (d.case_id, d.kind) for d in rules.choose_due(cases, {PACK: SIX_YEARS}, today + timedelta(days=1))
    }
    assert earlier <= later
