"""An analysis asked for in words becomes a query with typed values, or a mistake naming its field."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstander.analysis.attributes import OWN, QueryError, filterable
from upstander.analysis.forms import Asked, lines, parse
from upstander.analysis.queries import Unit


def test_values_are_read_as_their_attributes_kind() -> None:
    query = parse(
        Asked(
            unit="complaint",
            only=["accusations=0,1", "category=force"],
            ranges=["received_on=2015-01-01..", "complainant_sex=F..M"],
            group_by="complainant_sex",
            rate_of=["with_accused=yes"],
            top="0.25",
        )
    )
    assert query.unit is Unit.COMPLAINT
    assert query.only == {"accusations": [0, 1], "category": ["force"]}
    assert query.ranges == {"received_on": (date(2015, 1, 1), None), "complainant_sex": ("F", "M")}
    assert query.numerator == {"with_accused": ["yes"]}
    assert query.top == Fraction(1, 4)


def test_a_text_area_and_repeated_parameters_read_alike() -> None:
    assert lines(["finding=SU\r\n\n  filed_by=public  ", "category=force"]) == [
        "finding=SU",
        "filed_by=public",
        "category=force",
    ]
    assert parse(Asked(only=["finding=SU\nfiled_by=public"])).only == {
        "finding": ["SU"],
        "filed_by": ["public"],
    }


@pytest.mark.parametrize(
    ("asked", "field"),
    [
        (Asked(unit="officer"), "unit"),
        (Asked(group_by="complainant_age"), "group_by"),
        (Asked(unit="complaint", group_by="finding"), "group_by"),
        (Asked(unit="complaint", rate_of=["finding=SU"]), "rate_of"),
        (Asked(only=["finding"]), "only"),
        (Asked(ranges=["received_on=2015"]), "range"),
        (Asked(ranges=["received_on=yesterday.."]), "range"),
        (Asked(among=["finding=SU"]), "among"),
        (Asked(top="2"), "top"),
        (Asked(top="1/0"), "top"),
        (Asked(many=0), "many"),
    ],
)
def test_each_mistake_names_its_field(asked: Asked, field: str) -> None:
    with pytest.raises(QueryError) as error:
        parse(asked)
    assert error.value.field == field


@given(st.sampled_from(list(Unit)), st.data())
def test_every_attribute_a_unit_has_can_group_it_and_filter_it(unit: Unit, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(OWN[unit])))
    query = parse(Asked(unit=unit.value, group_by=name))
    assert query.group_by == name
    assert set(OWN[unit]) <= set(filterable(unit))
