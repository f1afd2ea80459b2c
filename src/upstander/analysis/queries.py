"""One analysis as data (`Query`) and its result, computed from records with `analysis.rules`.
Pure: the records are read by `analysis.service`.

A query counts one *unit*: ``allegation``, ``complaint``, ``person`` (an accused person: one
who is named by at least one allegation kept by the filters) or ``complainant`` (one person who
complained, with their complaint's attributes). Filters apply to allegations
(``only``: attribute → accepted values; ``ranges``: attribute → first and last value, both
included; ``known_person``: only allegations naming a known person); a complaint is kept by the
``ranges`` and ``only`` on its own attributes, and its ``accusations`` are counted among the kept
allegations. ``group_by`` splits by an attribute (of the allegation, or of the person:
``person_sex``...). Each group's result names its values:

* every unit: ``count``, and ``share`` (of all records kept, across the groups);
* ``rate``: ``numerator``, ``denominator`` and ``rate`` — among records the denominator
  (attribute → values; none: every record) keeps, those the numerator keeps too;
* person: ``records`` (allegations), ``mean`` and ``median`` per person, ``exactly`` and
  ``share_exactly`` (people with exactly ``many``), ``at_least``, ``share_at_least``,
  ``records_at_least`` and ``share_of_records_at_least`` (people with ``many`` or more and what
  they hold), ``top``, ``top_share`` and ``top_median`` (the top ``top`` fraction of people), and
  ``distribution`` (records per person → people).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from upstander.analysis import rules
from upstander.analysis.rules import Predicate, Record

Value = int | Fraction | dict[int, int]


class Unit(StrEnum):
    ALLEGATION = "allegation"
    COMPLAINT = "complaint"
    PERSON = "person"
    COMPLAINANT = "complainant"


COMPLAINT_ATTRIBUTES = frozenset(
    {
        "complaint",
        "received_on",
        "incident_on",
        "received_month",
        "incident_month",
        "filed_by",
        "complainants",
        "complainant_sex",
        "complainant_ethnicity",
        "accusations",
        "with_accused",
    }
)
COMPLAINANT_ATTRIBUTES = COMPLAINT_ATTRIBUTES | {"complainant_age"}


@dataclass(frozen=True)
class Query:
    unit: Unit
    only: Mapping[str, Sequence[object]] = field(default_factory=dict)
    ranges: Mapping[str, tuple[object, object]] = field(default_factory=dict)
    known_person: bool = False
    group_by: str | None = None
    numerator: Mapping[str, Sequence[object]] | None = None
    denominator: Mapping[str, Sequence[object]] = field(default_factory=dict)
    many: int = 10
    top: Fraction = Fraction(1, 10)


def _predicates(
    only: Mapping[str, Sequence[object]],
    ranges: Mapping[str, tuple[object, object]],
    keep: frozenset[str] | None = None,
) -> list[Predicate]:
    chosen = [rules.where(name, values) for name, values in only.items() if keep is None or name in keep]
    chosen += [
        rules.between(name, *bounds) for name, bounds in ranges.items() if keep is None or name in keep
    ]
    return chosen


# Attributes only a complaint has: they choose complaints, not the allegations counted in them.
COMPLAINT_ONLY = frozenset({"accusations", "with_accused", "complainant_age"})


def kept_allegations(query: Query, allegations: Sequence[Record]) -> list[Record]:
    only = {name: values for name, values in query.only.items() if name not in COMPLAINT_ONLY}
    ranges = {name: bounds for name, bounds in query.ranges.items() if name not in COMPLAINT_ONLY}
    predicates = _predicates(only, ranges)
    if query.known_person or query.unit is Unit.PERSON:
        predicates.append(lambda record: record.get("person") is not None)
    return rules.kept(allegations, predicates)


def evaluate(
    query: Query, allegations: Sequence[Record], complaints: Sequence[Record] = ()
) -> dict[object, dict[str, Value]]:
    """The result per group (one group, "all", without ``group_by``). For the complaint unit,
    ``complaints`` are the source's complaints with ``accusations`` counted among the kept
    allegations (see `analysis.service.complaints`); for the complainant unit, they are the
    source's complainants, each with their complaint's attributes and that count."""
    if query.unit is Unit.COMPLAINT:
        records = rules.kept(complaints, _predicates(query.only, query.ranges, COMPLAINT_ATTRIBUTES))
    elif query.unit is Unit.COMPLAINANT:
        records = rules.kept(complaints, _predicates(query.only, query.ranges, COMPLAINANT_ATTRIBUTES))
    else:
        records = kept_allegations(query, allegations)
    groups = rules.group(records, query.group_by)
    total = len(records) if query.unit is not Unit.PERSON else len(rules.counts_per(records, "person"))
    return {
        name: _measures(query, members, total)
        for name, members in sorted(groups.items(), key=lambda item: str(item[0]))
    }


def _measures(query: Query, records: list[Record], total: int) -> dict[str, Value]:
    if query.unit is not Unit.PERSON:
        result: dict[str, Value] = {"count": len(records), "share": rules.share(len(records), total)}
        if query.numerator is not None:
            numerator, denominator = _matcher(query.numerator), _matcher(query.denominator)
            hits, among, value = rules.rate(records, numerator, denominator)
            result |= {"numerator": hits, "denominator": among, "rate": value}
        return result
    counts = rules.counts_per(records, "person")
    people, held = len(counts), sum(counts.values())
    exactly = sum(1 for count in counts.values() if count == query.many)
    heavy, heavy_held = rules.at_least(counts, query.many)
    result = {
        "count": people,
        "share": rules.share(people, total),
        "records": held,
        "mean": rules.share(held, people),
        "median": rules.median(list(counts.values())),
        "exactly": exactly,
        "share_exactly": rules.share(exactly, people),
        "at_least": heavy,
        "share_at_least": rules.share(heavy, people),
        "records_at_least": heavy_held,
        "share_of_records_at_least": rules.share(heavy_held, held),
        "distribution": rules.distribution(counts),
    }
    if counts:
        top = rules.top_share(counts, query.top)
        result |= {"top": top.people, "top_share": top.share, "top_median": top.median}
    return result


def _matcher(condition: Mapping[str, Sequence[object]]) -> Predicate:
    predicates = [rules.where(name, values) for name, values in condition.items()]
    return lambda record: all(keep(record) for keep in predicates)
