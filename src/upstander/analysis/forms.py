"""An analysis asked for in words (the options of `upstander analyse`, the query of
`/api/v1/analysis`, the fields of the analyst's page) made into a `Query`, each mistake named by
the field it came in. Pure.

* ``only``: ``ATTRIBUTE=VALUE[,VALUE…]``; the same attribute twice adds values;
* ``range``: ``ATTRIBUTE=FIRST..LAST``, both included, either end may be left empty;
* ``rate_of`` / ``among``: as ``only``, the numerator and the denominator of a rate;
* ``top``: a fraction above 0 and at most 1, ``1/10`` or ``0.1``.

Values are read as their attribute's kind (`analysis.attributes`): days as YYYY-MM-DD, counts as
whole numbers, the rest as text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from upstander.analysis.attributes import OWN, Kind, QueryError, filterable, known, typed
from upstander.analysis.queries import Query, Unit

UNITS = ", ".join(unit.value for unit in Unit)


@dataclass(frozen=True)
class Asked:
    unit: str = Unit.ALLEGATION.value
    only: Sequence[str] = ()
    ranges: Sequence[str] = ()
    known_person: bool = False
    group_by: str | None = None
    rate_of: Sequence[str] = ()
    among: Sequence[str] = ()
    many: int = 10
    top: str = "1/10"


def lines(values: Sequence[str]) -> list[str]:
    """Each value split into its lines, blank ones left out: a repeated query parameter and a
    text area holding one condition a line read alike."""
    return [line.strip() for value in values for line in value.splitlines() if line.strip()]


def _unit(text: str) -> Unit:
    try:
        return Unit(text.strip())
    except ValueError:
        raise QueryError(f"unit {text!r} is not one of {UNITS}", "unit") from None


def _conditions(
    items: Sequence[str], field: str, unit: Unit, among: Mapping[str, Kind]
) -> dict[str, list[object]]:
    found: dict[str, list[object]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise QueryError(f"{item!r} is not ATTRIBUTE=VALUE[,VALUE…]", field)
        kind = known(name, among, unit, field)
        found.setdefault(name, []).extend(typed(name, kind, value, field) for value in values.split(","))
    return found


def _ranges(items: Sequence[str], unit: Unit) -> dict[str, tuple[object, object]]:
    found: dict[str, tuple[object, object]] = {}
    for item in items:
        name, sep, bounds = item.partition("=")
        first, dots, last = bounds.partition("..")
        name = name.strip()
        if not sep or not dots or not name:
            raise QueryError(f"{item!r} is not ATTRIBUTE=FIRST..LAST", "range")
        kind = known(name, filterable(unit), unit, "range")
        found[name] = tuple(  # type: ignore[assignment]
            typed(name, kind, end, "range") if end.strip() else None for end in (first, last)
        )
    return found


def _top(text: str) -> Fraction:
    try:
        top = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise QueryError(f"top {text!r} is not a fraction such as 1/10 or 0.1", "top") from None
    if not 0 < top <= 1:
        raise QueryError(f"top {text!r} must be a fraction above 0 and at most 1, e.g. 1/10", "top")
    return top


def parse(asked: Asked) -> Query:
    """The query asked for; `QueryError` names the first field that cannot be used."""
    unit = _unit(asked.unit)
    group_by = (asked.group_by or "").strip() or None
    if group_by is not None:
        known(group_by, OWN[unit], unit, "group_by")
    rate_of = lines(asked.rate_of)
    if lines(asked.among) and not rate_of:
        raise QueryError("among is the denominator of a rate: give rate_of as well", "among")
    if asked.many < 1:
        raise QueryError(f"many {asked.many} must be 1 or more", "many")
    return Query(
        unit=unit,
        only=_conditions(lines(asked.only), "only", unit, filterable(unit)),
        ranges=_ranges(lines(asked.ranges), unit),
        known_person=asked.known_person,
        group_by=group_by,
        numerator=_conditions(lines(asked.rate_of), "rate_of", unit, OWN[unit]) if rate_of else None,
        denominator=_conditions(lines(asked.among), "among", unit, OWN[unit]),
        many=asked.many,
        top=_top(asked.top),
    )
