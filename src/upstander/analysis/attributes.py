"""The attributes an analysis filters and groups by, per unit, and how their values are read from
the text a person types. Pure.

A complaint's attributes belong to every unit (an allegation, an accused person and a
complainant each come from one complaint). An allegation's attributes choose allegations: for the
allegation and person units they choose what is counted; for the complaint and complainant units
they choose which accusations a complaint's ``accusations`` counts. ``complainant_sex`` and
``complainant_ethnicity`` of a complaint are its complainants' value when they all give the same
one, ``several`` when they differ, and none when no complainant is recorded; for the complainant
unit they are that complainant's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum

from upstander.analysis.queries import Unit


class Kind(StrEnum):
    TEXT = "text"
    DATE = "date"
    NUMBER = "number"


COMPLAINT: Mapping[str, Kind] = {
    "complaint": Kind.TEXT,
    "received_on": Kind.DATE,
    "incident_on": Kind.DATE,
    "received_month": Kind.TEXT,
    "incident_month": Kind.TEXT,
    "filed_by": Kind.TEXT,
    "complainants": Kind.NUMBER,
    "complainant_sex": Kind.TEXT,
    "complainant_ethnicity": Kind.TEXT,
}
# Counted per complaint among the kept allegations: the complaint and complainant units only.
COUNTED: Mapping[str, Kind] = {"accusations": Kind.NUMBER, "with_accused": Kind.TEXT}
ALLEGATION: Mapping[str, Kind] = {
    "category": Kind.TEXT,
    "category_class": Kind.TEXT,
    "finding": Kind.TEXT,
    "outcome": Kind.TEXT,
    "person": Kind.TEXT,
    "person_sex": Kind.TEXT,
    "person_ethnicity": Kind.TEXT,
    "person_rank": Kind.TEXT,
    "person_unit": Kind.TEXT,
    "person_birth_year": Kind.NUMBER,
}
COMPLAINANT: Mapping[str, Kind] = {"complainant_age": Kind.NUMBER}

# What each unit's own records carry: what it may be grouped by and what a rate may test.
OWN: Mapping[Unit, Mapping[str, Kind]] = {
    Unit.ALLEGATION: {**COMPLAINT, **ALLEGATION},
    Unit.PERSON: {**COMPLAINT, **ALLEGATION},
    Unit.COMPLAINT: {**COMPLAINT, **COUNTED},
    Unit.COMPLAINANT: {**COMPLAINT, **COUNTED, **COMPLAINANT},
}


def filterable(unit: Unit) -> Mapping[str, Kind]:
    """What a filter may name for ``unit``: its own attributes and, for complaints and
    complainants, the allegation attributes choosing which accusations count."""
    if unit in (Unit.COMPLAINT, Unit.COMPLAINANT):
        return {**OWN[unit], **ALLEGATION}
    return OWN[unit]


class QueryError(ValueError):
    """Input an analysis cannot use; ``field`` is the option or form field it came in."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def known(name: str, among: Mapping[str, Kind], unit: Unit, field: str) -> Kind:
    if name not in among:
        raise QueryError(
            f"{name!r} is not an attribute of the {unit.value} unit here (one of: {', '.join(sorted(among))})",
            field,
        )
    return among[name]


def typed(name: str, kind: Kind, text: str, field: str) -> object:
    """``text`` as a value of the attribute: a day (YYYY-MM-DD), a whole number or the text."""
    text = text.strip()
    try:
        if kind is Kind.DATE:
            return date.fromisoformat(text)
        if kind is Kind.NUMBER:
            return int(text)
    except ValueError:
        wanted = "a day written YYYY-MM-DD" if kind is Kind.DATE else "a whole number"
        raise QueryError(f"{name}: {text!r} is not {wanted}", field) from None
    return text
