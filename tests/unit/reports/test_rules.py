"""Intake rules: what a report must contain, its limits, its reference, and the reporter's clocks."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upstander.errors import InvalidInput, PayloadTooLarge
from upstander.reports.models import Category, ReporterRelation
from upstander.reports.rules import (
    REFERENCE_ALPHABET,
    Clock,
    ClockState,
    FileInput,
    Identity,
    Limits,
    SubjectInput,
    Submission,
    acknowledgement_due,
    add_months,
    clock,
    feedback_due,
    new_reference,
    validate_message,
    validate_submission,
)

LIMITS = Limits(max_text_chars=100, max_short_text_chars=20, max_subjects=2, max_files=2, max_file_bytes=1024)
GOOD = Submission(
    category=Category.BULLYING, what_happened="He shouted at me.", relation=ReporterRelation.VICTIM
)
PHOTO = FileInput("photo.jpg", "image/jpeg", b"\xff\xd8 not really a photo")
NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)


def field_errors(submission: Submission, limits: Limits = LIMITS) -> dict[str, str]:
    with pytest.raises(InvalidInput) as refused:
        validate_submission(submission, limits)
    return refused.value.fields


# --- validate_submission --------------------------------------------------------------------


def test_a_complete_submission_within_limits_is_accepted() -> None:
    validate_submission(
        dataclasses.replace(
            GOOD,
            when="last Tuesday",
            where="the custody suite",
            subjects=(SubjectInput(name="PC Smith"), SubjectInput(staff_number="1234")),
            identity=Identity(name="A. Reporter", contact="a@example.org"),
            files=(PHOTO, PHOTO),
        ),
        LIMITS,
    )


def test_a_submission_exactly_at_every_limit_is_accepted() -> None:
    validate_submission(
        dataclasses.replace(
            GOOD,
            what_happened="x" * 100,
            when="w" * 20,
            subjects=(SubjectInput(name="n" * 20), SubjectInput()),
            files=(FileInput("big.bin", "application/octet-stream", b"\0" * 1024),),
        ),
        LIMITS,
    )


@pytest.mark.parametrize("text", ["", "   ", "\n\t "], ids=["empty", "spaces", "whitespace"])
def test_an_empty_what_happened_is_refused_under_its_field(text: str) -> None:
    errors = field_errors(dataclasses.replace(GOOD, what_happened=text))
    assert errors == {"what_happened": "Please say what happened. A few words are enough to start."}


def test_a_too_long_what_happened_names_its_length_and_the_limit() -> None:
    limits = dataclasses.replace(LIMITS, max_text_chars=20_000)
    errors = field_errors(dataclasses.replace(GOOD, what_happened="x" * 20_001), limits)
    assert errors == {"what_happened": "What happened is too long: 20,001 characters, the limit is 20,000."}


@pytest.mark.parametrize("field", ["when", "where"])
def test_too_long_short_answers_are_refused_under_their_field(field: str) -> None:
    errors = field_errors(dataclasses.replace(GOOD, **{field: "x" * 21}))
    assert list(errors) == [field]
    assert "21 characters, the limit is 20" in errors[field]


def test_too_many_subjects_is_refused_under_subjects() -> None:
    errors = field_errors(dataclasses.replace(GOOD, subjects=(SubjectInput(name="a"),) * 3))
    assert errors == {"subjects": "A report can name at most 2 people; add more in a message later."}


@pytest.mark.parametrize("detail", ["name", "staff_number", "unit"])
def test_a_too_long_subject_detail_is_refused_under_that_subject_and_detail(detail: str) -> None:
    subjects = (SubjectInput(name="ok"), SubjectInput(**{detail: "x" * 21}))
    errors = field_errors(dataclasses.replace(GOOD, subjects=subjects))
    assert list(errors) == [f"subjects.1.{detail}"]


def test_too_many_files_is_refused_under_files() -> None:
    errors = field_errors(dataclasses.replace(GOOD, files=(PHOTO,) * 3))
    assert errors == {"files": "At most 2 files can be sent at once; send the rest in a message later."}


def test_a_named_report_without_a_name_is_refused_under_identity_name() -> None:
    errors = field_errors(dataclasses.replace(GOOD, identity=Identity(name="  ", contact="a@example.org")))
    assert errors == {
        "identity.name": "To report in your name, give your name — or choose to stay anonymous."
    }


@pytest.mark.parametrize("detail", ["name", "staff_number", "contact"])
def test_a_too_long_identity_detail_is_refused_under_that_detail(detail: str) -> None:
    identity = dataclasses.replace(Identity(name="A. Reporter"), **{detail: "x" * 21})
    errors = field_errors(dataclasses.replace(GOOD, identity=identity))
    assert list(errors) == [f"identity.{detail}"]


def test_an_anonymous_submission_is_one_without_identity() -> None:
    assert GOOD.anonymous
    assert not dataclasses.replace(GOOD, identity=Identity(name="A. Reporter")).anonymous


def test_every_field_problem_is_reported_together() -> None:
    submission = dataclasses.replace(
        GOOD,
        what_happened="",
        when="x" * 21,
        where="x" * 21,
        subjects=(SubjectInput(unit="x" * 21),) * 3,
        identity=Identity(name="", contact="x" * 21),
        files=(PHOTO,) * 3,
    )
    errors = field_errors(submission)
    assert set(errors) == {
        "what_happened",
        "when",
        "where",
        "subjects",
        "subjects.0.unit",
        "subjects.1.unit",
        "subjects.2.unit",
        "identity.name",
        "identity.contact",
        "files",
    }


def test_the_overall_message_asks_for_corrections() -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_submission(dataclasses.replace(GOOD, what_happened=""), LIMITS)
    assert refused.value.detail == "Some of the report needs correcting before it can be sent."
    assert refused.value.status == 422


def test_an_empty_file_is_refused_under_files_naming_the_file() -> None:
    submission = dataclasses.replace(GOOD, files=(PHOTO, FileInput("blank.pdf", "application/pdf", b"")))
    with pytest.raises(InvalidInput) as refused:
        validate_submission(submission, LIMITS)
    assert refused.value.fields == {
        "files": "The file “blank.pdf” is empty. Choose it again, or leave it out."
    }


def test_an_empty_file_is_reported_together_with_other_field_problems() -> None:
    submission = dataclasses.replace(
        GOOD, what_happened="", files=(FileInput("blank.pdf", "application/pdf", b""),)
    )
    errors = field_errors(submission)
    assert set(errors) == {"what_happened", "files"}


def test_an_oversized_file_is_payload_too_large_naming_the_file_and_the_limit() -> None:
    limits = dataclasses.replace(LIMITS, max_file_bytes=10 * 1_048_576)
    big = FileInput("dashcam.mp4", "video/mp4", b"\0" * (12 * 1_048_576))
    with pytest.raises(PayloadTooLarge) as refused:
        validate_submission(dataclasses.replace(GOOD, files=(big,)), limits)
    assert refused.value.detail == "The file 'dashcam.mp4' is 12.0 MB; the limit is 10 MB per file."
    assert refused.value.status == 413


def test_a_file_one_byte_over_the_limit_is_too_large() -> None:
    with pytest.raises(PayloadTooLarge):
        validate_submission(dataclasses.replace(GOOD, files=(FileInput("a", "b/c", b"\0" * 1025),)), LIMITS)


# --- validate_message -----------------------------------------------------------------------


def test_a_message_with_text_or_a_file_is_accepted() -> None:
    validate_message("Any news?", (), LIMITS)
    validate_message("", (PHOTO,), LIMITS)


def test_an_empty_message_without_files_is_refused_under_text() -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_message("  \n", (), LIMITS)
    assert refused.value.detail == "Please write a message or add a file."
    assert refused.value.fields == {"text": "empty message"}


def test_a_too_long_message_and_too_many_files_are_reported_together() -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_message("x" * 101, (PHOTO,) * 3, LIMITS)
    assert refused.value.fields == {
        "text": "The message is too long: 101 characters, the limit is 100.",
        "files": "At most 2 files can be sent at once.",
    }


def test_a_message_with_an_empty_file_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_message("see attached", (FileInput("x.txt", "text/plain", b""),), LIMITS)
    assert refused.value.fields == {"files": "empty file"}


def test_a_message_with_an_oversized_file_is_payload_too_large() -> None:
    with pytest.raises(PayloadTooLarge):
        validate_message("see attached", (FileInput("x.bin", "a/b", b"\0" * 1025),), LIMITS)


# --- deadlines ------------------------------------------------------------------------------


def test_acknowledgement_is_due_seven_days_after_receipt() -> None:
    received = datetime(2025, 12, 28, 23, 30, tzinfo=UTC)
    assert acknowledgement_due(received) == datetime(2026, 1, 4, 23, 30, tzinfo=UTC)


def test_feedback_is_due_three_months_after_acknowledgement() -> None:
    received = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
    acknowledged = datetime(2025, 1, 12, 14, 5, tzinfo=UTC)
    assert feedback_due(received, acknowledged, None) == datetime(2025, 4, 12, 14, 5, tzinfo=UTC)


def test_feedback_without_acknowledgement_is_due_three_months_after_the_seven_days() -> None:
    received = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
    assert feedback_due(received, None, None) == datetime(2025, 4, 17, 9, 0, tzinfo=UTC)


def test_feedback_after_earlier_feedback_is_due_three_months_after_it() -> None:
    received = datetime(2025, 1, 10, tzinfo=UTC)
    acknowledged = datetime(2025, 1, 12, tzinfo=UTC)
    last_feedback = datetime(2025, 3, 1, tzinfo=UTC)
    assert feedback_due(received, acknowledged, last_feedback) == datetime(2025, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("acknowledged", "due"),
    [
        (datetime(2024, 11, 30, tzinfo=UTC), datetime(2025, 2, 28, tzinfo=UTC)),
        (datetime(2023, 11, 30, tzinfo=UTC), datetime(2024, 2, 29, tzinfo=UTC)),
        (datetime(2099, 11, 30, tzinfo=UTC), datetime(2100, 2, 28, tzinfo=UTC)),
        (datetime(2399, 11, 30, tzinfo=UTC), datetime(2400, 2, 29, tzinfo=UTC)),
        (datetime(2025, 3, 31, tzinfo=UTC), datetime(2025, 6, 30, tzinfo=UTC)),
        (datetime(2025, 10, 31, tzinfo=UTC), datetime(2026, 1, 31, tzinfo=UTC)),
    ],
    ids=[
        "nov-30-to-feb-28",
        "nov-30-to-leap-feb-29",
        "century-not-leap",
        "400-year-leap",
        "31-to-30",
        "year-end",
    ],
)
def test_feedback_due_keeps_to_calendar_months_at_month_ends(acknowledged: datetime, due: datetime) -> None:
    assert feedback_due(acknowledged - timedelta(days=2), acknowledged, None) == due


def test_feedback_due_keeps_the_time_of_day_and_zone() -> None:
    acknowledged = datetime(2024, 11, 30, 17, 45, 12, 123456, tzinfo=UTC)
    assert feedback_due(acknowledged, acknowledged, None) == datetime(
        2025, 2, 28, 17, 45, 12, 123456, tzinfo=UTC
    )


@settings(max_examples=100)
@given(
    moment=st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2200, 12, 31), timezones=st.just(UTC)
    ),
    months=st.integers(min_value=-36, max_value=36),
)
def test_add_months_moves_exactly_n_months_and_never_a_later_day(moment: datetime, months: int) -> None:
    result = add_months(moment, months)
    assert (result.year * 12 + result.month) - (moment.year * 12 + moment.month) == months
    assert result.day <= moment.day
    assert result.time() == moment.time()
    assert result.tzinfo is moment.tzinfo


@settings(max_examples=100)
@given(
    moment=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2200, 12, 31)),
    months=st.integers(min_value=0, max_value=36),
)
def test_add_months_keeps_the_day_when_the_target_month_has_it(moment: datetime, months: int) -> None:
    result = add_months(moment, months)
    if moment.day <= 28:
        assert result.day == moment.day
    else:
        # Either the same day or the last day of a shorter month.
        assert result.day == moment.day or (result + timedelta(days=1)).day == 1


# --- clocks ---------------------------------------------------------------------------------


def test_a_clock_that_is_done_stays_done_even_when_late() -> None:
    assert clock(NOW - timedelta(days=30), NOW, done=True).state is ClockState.DONE


@pytest.mark.parametrize(
    ("until_due", "state"),
    [
        (timedelta(days=10), ClockState.ON_TIME),
        (timedelta(days=2, microseconds=1), ClockState.ON_TIME),
        (timedelta(days=2), ClockState.DUE_SOON),
        (timedelta(hours=1), ClockState.DUE_SOON),
        (timedelta(0), ClockState.DUE_SOON),
        (-timedelta(microseconds=1), ClockState.OVERDUE),
        (-timedelta(days=3), ClockState.OVERDUE),
    ],
    ids=["ten-days", "just-over-two-days", "two-days", "one-hour", "due-now", "just-past", "three-days-late"],
)
def test_clock_state_depends_on_time_left(until_due: timedelta, state: ClockState) -> None:
    assert clock(NOW + until_due, NOW) == Clock(NOW + until_due, state)


@pytest.mark.parametrize(
    ("until_due", "text"),
    [
        (timedelta(days=10), "due in 10 days"),
        (timedelta(days=2), "due in 2 days"),
        (timedelta(days=1, hours=3), "due in 1 day"),
        (timedelta(hours=5), "due today"),
        (timedelta(0), "due today"),
        (-timedelta(hours=5), "overdue"),
        (-timedelta(days=1, hours=2), "overdue by 1 day"),
        (-timedelta(days=4), "overdue by 4 days"),
    ],
)
def test_clock_describe_wording_with_singular_and_plural(until_due: timedelta, text: str) -> None:
    assert clock(NOW + until_due, NOW).describe(NOW) == text


def test_a_done_clock_describes_itself_as_done() -> None:
    assert clock(NOW + timedelta(days=3), NOW, done=True).describe(NOW) == "done"


def test_clock_states_are_stored_by_value() -> None:
    assert [state.value for state in ClockState] == ["done", "on_time", "due_soon", "overdue"]


# --- references -----------------------------------------------------------------------------


def test_reference_alphabet_has_no_vowels_and_no_confusable_symbols() -> None:
    assert not set("AEIOUY01L") & set(REFERENCE_ALPHABET)
    assert len(set(REFERENCE_ALPHABET)) == len(REFERENCE_ALPHABET)


def test_new_reference_is_prefix_dash_and_seven_symbols() -> None:
    pattern = re.compile(rf"R-[{REFERENCE_ALPHABET}]{{7}}")
    references = {new_reference() for _ in range(50)}
    assert all(pattern.fullmatch(reference) for reference in references)
    assert len(references) > 1


@settings(max_examples=50)
@given(prefix=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=3))
def test_new_reference_uses_only_the_reference_alphabet_after_any_prefix(prefix: str) -> None:
    reference = new_reference(prefix)
    head, _, body = reference.partition("-")
    assert head == prefix
    assert len(body) == 7
    assert set(body) <= set(REFERENCE_ALPHABET)
    assert not set(body) & set("AEIOU")
