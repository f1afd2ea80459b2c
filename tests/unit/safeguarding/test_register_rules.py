"""The register's pure rules: suspension only after redeployment, reviews, the detriment window, and
which end conditions mean "until the case closes"."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstander.cases.engine.vocabulary import RestrictionKind
from upstander.errors import InvalidInput
from upstander.safeguarding.register.rules import (
    MAX_REVIEW_DAYS,
    NewRestriction,
    RegisterFilter,
    ReviewOutcome,
    check_event_day,
    check_new_restriction,
    check_review,
    count_label,
    ends_with_case,
    parse_register_filter,
    review_overdue,
    within_window,
)

TODAY = date(2027, 3, 10)
CATEGORIES = frozenset({"sexual_misconduct", "corruption"})
REASONS = "Allegation of sexual misconduct towards a member of the public."
CONSIDERED = "Redeployment considered: every alternative role is in the complainant's station."


def new(kind: str = "restricted_duties", **overrides: object) -> NewRestriction:
    values: dict[str, object] = {
        "kind": kind,
        "category": "sexual_misconduct",
        "categories": CATEGORIES,
        "reasons": REASONS,
        "redeployment_considered": None,
        "starts_on": None,
        "review_due": None,
        "today": TODAY,
        "review_days": 28,
    }
    values.update(overrides)
    return check_new_restriction(**values)  # type: ignore[arg-type]


def test_restricted_duties_start_today_with_a_review_in_four_weeks() -> None:
    made = new()
    assert made == check_new_restriction(
        RestrictionKind.RESTRICTED_DUTIES,
        "sexual_misconduct",
        CATEGORIES,
        REASONS,
        None,
        TODAY,
        None,
        TODAY,
        28,
    )
    assert (made.starts_on, made.review_due) == (TODAY, TODAY + timedelta(days=28))


@given(st.one_of(st.none(), st.text(max_size=19), st.just(" " * 40)))
def test_a_suspension_without_the_redeployment_considered_is_refused(considered: str | None) -> None:
    with pytest.raises(InvalidInput) as refused:
        new("suspended", redeployment_considered=considered)
    assert refused.value.fields == {"redeployment_considered": "too short"}


def test_a_suspension_with_the_redeployment_considered_is_recorded_with_it() -> None:
    made = new("suspended", redeployment_considered="  " + CONSIDERED)
    assert made.redeployment_considered == CONSIDERED
    assert made.kind is RestrictionKind.SUSPENDED


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "sacked"}, "kind"),
        ({"category": "parking"}, "category"),
        ({"reasons": "short"}, "reasons"),
        ({"reasons": "x" * 4001}, "reasons"),
        ({"starts_on": TODAY + timedelta(days=1)}, "starts_on"),
        ({"starts_on": TODAY - timedelta(days=367)}, "starts_on"),
        ({"review_due": TODAY}, "review_due"),
        ({"review_due": TODAY + timedelta(days=MAX_REVIEW_DAYS + 1)}, "review_due"),
    ],
)
def test_bad_entries_say_which_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        new(**overrides)
    assert field in refused.value.fields


def test_a_review_kept_sets_the_next_and_a_lift_has_none() -> None:
    duties = RestrictionKind.RESTRICTED_DUTIES
    kept = check_review(duties, "kept", REASONS, None, TODAY, 28)
    assert (kept.outcome, kept.next_review_due) == (ReviewOutcome.KEPT, TODAY + timedelta(days=28))
    assert kept.kind is duties
    assert check_review(duties, "lifted", REASONS, None, TODAY, 28).next_review_due is None
    with pytest.raises(InvalidInput, match="no next review"):
        check_review(duties, "lifted", REASONS, TODAY + timedelta(days=3), TODAY, 28)
    with pytest.raises(InvalidInput, match="kept, changed or lifted"):
        check_review(duties, "ignored", REASONS, None, TODAY, 28)
    with pytest.raises(InvalidInput, match="restricted duties or suspension"):
        check_review(duties, "changed", REASONS, None, TODAY, 28, kind="dismissed")


def test_a_suspension_may_be_eased_to_restricted_duties_by_a_change() -> None:
    eased = check_review(
        RestrictionKind.SUSPENDED, "changed", REASONS, None, TODAY, 28, kind="restricted_duties"
    )
    assert eased.kind is RestrictionKind.RESTRICTED_DUTIES
    with pytest.raises(InvalidInput, match="Only a review that changes the entry"):
        check_review(RestrictionKind.SUSPENDED, "kept", REASONS, None, TODAY, 28, kind="restricted_duties")


@given(st.one_of(st.none(), st.text(max_size=19)))
def test_restricted_duties_become_a_suspension_only_with_the_redeployment_considered(
    considered: str | None,
) -> None:
    duties = RestrictionKind.RESTRICTED_DUTIES
    with pytest.raises(InvalidInput) as refused:
        check_review(
            duties, "changed", REASONS, None, TODAY, 28, kind="suspended", redeployment_considered=considered
        )
    assert refused.value.fields == {"redeployment_considered": "too short"}
    made = check_review(
        duties, "changed", REASONS, None, TODAY, 28, kind="suspended", redeployment_considered=CONSIDERED
    )
    assert (made.kind, made.redeployment_considered) == (RestrictionKind.SUSPENDED, CONSIDERED)


@given(st.dates(), st.integers(min_value=-400, max_value=400), st.booleans())
def test_overdue_means_in_force_and_past_its_review_day(due: date, offset: int, lifted: bool) -> None:
    today = (
        due + timedelta(days=offset)
        if date.min + timedelta(days=400) < due < date.max - timedelta(days=400)
        else due
    )
    assert review_overdue(due, TODAY if lifted else None, today) is (not lifted and due < today)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    st.integers(-1000, 1000),
    st.integers(1, 3650),
)
def test_the_window_runs_from_the_report_to_window_days_after(
    reported: date, offset: int, window: int
) -> None:
    event = reported + timedelta(days=offset)
    assert within_window(reported, event, window) is (0 <= offset <= window)


@pytest.mark.parametrize(
    "condition",
    ["until the case closes", "Until the case is closed", "until case closure",
     "until the conclusion of the investigation", "till the proceedings end"],
)  # fmt: skip
def test_end_conditions_that_mean_the_case_closing(condition: str) -> None:
    assert ends_with_case(condition)


@pytest.mark.parametrize(
    "condition", ["until further notice", "until 2027-06-01", "until the subject retires", "case by case"]
)
def test_end_conditions_that_do_not(condition: str) -> None:
    assert not ends_with_case(condition)


def test_published_labels_name_the_measure_and_the_category() -> None:
    assert (
        count_label(RestrictionKind.RESTRICTED_DUTIES, "sexual_misconduct")
        == "restricted duties: sexual misconduct"
    )
    assert count_label(RestrictionKind.SUSPENDED, "corruption") == "suspended: corruption"


def test_an_hr_decision_is_recorded_once_made_and_within_a_year() -> None:
    assert check_event_day(TODAY, TODAY) == TODAY
    with pytest.raises(InvalidInput, match="once it is made"):
        check_event_day(TODAY + timedelta(days=1), TODAY)
    with pytest.raises(InvalidInput, match="more than a year old"):
        check_event_day(TODAY - timedelta(days=367), TODAY)


def test_the_register_filters_read_what_the_form_sends() -> None:
    assert parse_register_filter(search=" NS001 ", kind="suspended", category="bullying", due="overdue") == (
        RegisterFilter("NS001", RestrictionKind.SUSPENDED, "bullying", overdue=True)
    )
    assert parse_register_filter(due="soon").overdue is False
    assert parse_register_filter() == RegisterFilter()
    with pytest.raises(InvalidInput) as refused:
        parse_register_filter(kind="exile", category="a; b", due="later")
    assert set(refused.value.fields) == {"kind", "category", "due"}
