"""Queries over records, without a database: which records each unit counts."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from upstander.analysis.queries import Query, Unit, evaluate

ALLEGATIONS = [
    {"complaint": "1", "person": "a", "finding": "SU", "incident_month": "2008-01"},
    {"complaint": "1", "person": "b", "finding": "NS", "incident_month": "2008-01"},
    {"complaint": "2", "person": "a", "finding": "NAF", "incident_month": "2016-03"},
    {"complaint": "3", "person": None, "finding": "SU", "incident_month": "2009-05"},
]


def test_the_person_unit_counts_only_allegations_naming_someone() -> None:
    [result] = evaluate(Query(Unit.PERSON, many=2), ALLEGATIONS).values()
    assert (result["count"], result["records"], result["mean"]) == (2, 3, Fraction(3, 2))
    assert (result["exactly"], result["at_least"], result["records_at_least"]) == (1, 1, 2)


def test_ranges_and_groups_apply_to_allegations() -> None:
    query = Query(Unit.ALLEGATION, ranges={"incident_month": ("2008-01", "2015-12")}, group_by="finding")
    result = evaluate(query, ALLEGATIONS)
    assert {name: values["count"] for name, values in result.items()} == {"NS": 1, "SU": 2}
    assert result["SU"]["share"] == Fraction(2, 3)


def test_complaint_attributes_choose_complaints_only() -> None:
    complaints = [
        {"complaint": "1", "with_accused": "yes", "incident_month": "2008-01"},
        {"complaint": "2", "with_accused": "no", "incident_month": "2016-03"},
    ]
    query = Query(Unit.COMPLAINT, only={"with_accused": ["yes"], "finding": ["SU"]})
    assert evaluate(query, ALLEGATIONS, complaints)["all"]["count"] == 1


@given(st.lists(st.sampled_from(["SU", "NS", "UN", "EX", "NAF", None]), min_size=1, max_size=40))
def test_a_rate_never_exceeds_one_and_counts_within_its_denominator(findings: list[str | None]) -> None:
    records = [
        {"complaint": str(index), "person": "p", "finding": finding} for index, finding in enumerate(findings)
    ]
    query = Query(
        Unit.ALLEGATION, numerator={"finding": ["SU"]}, denominator={"finding": ["SU", "NS", "UN", "EX"]}
    )
    result = evaluate(query, records)["all"]
    assert result["numerator"] == findings.count("SU")
    assert result["denominator"] == sum(1 for finding in findings if finding in {"SU", "NS", "UN", "EX"})
    assert 0 <= result["rate"] <= 1
