"""What an escrow filing must contain, and the key service's ceiling. Pure: no I/O."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstander.errors import InvalidInput
from upstander.patterns.escrow import rules as escrow_rules
from upstander.patterns.escrow.filing import EscrowFiling, content_document, describe_person, validate
from upstander.patterns.escrow.keyd import Ceiling
from upstander.patterns.escrow.rules import IdentifierKind, NamedPerson
from upstander.reports.models import Category, ReporterRelation
from upstander.reports.rules import Limits

LIMITS = Limits(
    max_text_chars=100, max_short_text_chars=20, max_subjects=10, max_files=5, max_file_bytes=1000
)
FILING = EscrowFiling(
    category=Category.BULLYING,
    relation=ReporterRelation.WITNESS,
    what_happened="He shouts at the new recruits.",
    person=NamedPerson(staff_number="AB 12", name="Ray Stone", unit="Eastfield"),
)


def test_a_good_filing_gives_one_input_per_identifier() -> None:
    inputs = validate(FILING, LIMITS, max_threshold=5)
    assert set(inputs) == {IdentifierKind.STAFF_NUMBER, IdentifierKind.NAME_IN_UNIT}


def test_every_problem_is_reported_at_once_by_field() -> None:
    bad = replace(FILING, what_happened=" ", threshold=9, person=NamedPerson(name="Ray Stone"), when="w" * 21)
    with pytest.raises(InvalidInput) as refused:
        validate(bad, LIMITS, max_threshold=5)
    assert set(refused.value.fields) == {"what_happened", "threshold", "person", "when"}
    assert refused.value.fields["what_happened"] == "Say what happened."
    assert refused.value.fields["when"] == "This is too long: at most 20 characters."


@given(st.integers(min_value=-5, max_value=12), st.integers(min_value=2, max_value=5))
def test_k_is_accepted_exactly_between_two_and_the_setting(k: int, top: int) -> None:
    filing = replace(FILING, threshold=k)
    if 2 <= k <= top:
        validate(filing, LIMITS, max_threshold=top)
    else:
        with pytest.raises(InvalidInput) as refused:
            validate(filing, LIMITS, max_threshold=top)
        assert refused.value.fields == {"threshold": f"Choose between 2 and {top} reports."}


def test_too_long_a_statement_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        validate(replace(FILING, what_happened="x" * 101), LIMITS, max_threshold=5)
    assert refused.value.fields == {"what_happened": "This is too long: at most 100 characters."}


def test_the_document_reads_like_an_intake_report_and_names_the_person_for_the_reporter() -> None:
    document = content_document(FILING)
    assert document["what_happened"] == FILING.what_happened
    assert document["category"] == "bullying"
    assert document["subjects"] == [
        {"person_id": None, "name": "Ray Stone", "staff_number": "AB 12", "unit": "Eastfield"}
    ]
    assert describe_person(document) == "Ray Stone, AB 12, Eastfield"
    assert describe_person({"subjects": [{"staff_number": "Q1"}]}) == "Q1"


def test_the_default_k_is_two() -> None:
    assert FILING.threshold == escrow_rules.DEFAULT_THRESHOLD == 2


def test_the_ceiling_counts_every_caller_in_one_minute_window() -> None:
    now = [120.0]
    ceiling = Ceiling(3, clock=lambda: now[0])
    assert ceiling.take(2) is None
    assert ceiling.take(1) is None
    now[0] = 150.0
    assert ceiling.take(1) == 30  # refused, and told to come back at the next minute
    now[0] = 180.0
    assert ceiling.take(3) is None
    assert ceiling.take(1) == 60
