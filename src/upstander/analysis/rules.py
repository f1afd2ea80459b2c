"""The arithmetic of an analysis, exact and pure: no database, no floats.

Every measure is a `Fraction`; only `rounded` turns one into a decimal to show, by the one rule
stated there. A *record* is one unit being counted (a complaint, an accusation or an accused
person) as a mapping of attribute name → value; filters and groups read those attributes.

Definitions:

* ``share(part, whole)`` — part ÷ whole, 0 when the whole is empty;
* ``rate(records, numerator, denominator)`` — among the records the denominator keeps, the share
  the numerator keeps too (a rate with a defined denominator: "sustained among those with a
  finding, no-affidavit findings excluded" is numerator finding ∈ {SU}, denominator finding ∈
  {SU, NS, UN, EX});
* ``distribution(counts)`` — for each number of accusations, how many people have that many;
* ``median`` — the middle value, or the mean of the two middle ones for an even count;
* ``top_share(counts, fraction)`` — the people in the top ``fraction`` by count (their number is
  ``ceil(fraction × people)``; people tied at the boundary are ordered by their id, so the choice
  is reproducible), the share of all counts they hold, and the median count among them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

Record = Mapping[str, object]
Predicate = Callable[[Record], bool]


def rounded(value: Fraction, places: int) -> Decimal:
    """``value`` to ``places`` decimals, halves away from zero (4.505 → 4.51), as publications round.

    Decided on the exact fraction's integers, so no binary or decimal rounding can move a half."""
    scale = 10**places
    scaled = abs(value) * scale
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    sign = -1 if value < 0 else 1
    return (Decimal(sign * whole) / Decimal(scale)).quantize(Decimal(1).scaleb(-places))


def share(part: int, whole: int) -> Fraction:
    return Fraction(part, whole) if whole else Fraction(0)


def where(attribute: str, values: Iterable[object]) -> Predicate:
    """Keeps records whose ``attribute`` is one of ``values``."""
    wanted = frozenset(values)
    return lambda record: record.get(attribute) in wanted


def between(attribute: str, start: Any, end: Any) -> Predicate:
    """Keeps records whose ``attribute`` lies from ``start`` to ``end``, both included; a record with
    no value is left out once either end is given."""

    def keep(record: Record) -> bool:
        value: Any = record.get(attribute)
        if start is None and end is None:
            return True
        if value is None:
            return False
        return (start is None or start <= value) and (end is None or value <= end)

    return keep


def kept(records: Iterable[Record], predicates: Sequence[Predicate]) -> list[Record]:
    return [record for record in records if all(keep(record) for keep in predicates)]


def group(records: Iterable[Record], attribute: str | None) -> dict[object, list[Record]]:
    """Records by the value of ``attribute`` (None: one group, named "all")."""
    groups: dict[object, list[Record]] = {}
    for record in records:
        groups.setdefault("all" if attribute is None else record.get(attribute), []).append(record)
    return groups


def rate(
    records: Sequence[Record], numerator: Predicate, denominator: Predicate
) -> tuple[int, int, Fraction]:
    """(numerator count, denominator count, rate): among records the denominator keeps."""
    among = [record for record in records if denominator(record)]
    hits = sum(1 for record in among if numerator(record))
    return hits, len(among), share(hits, len(among))


def counts_per(records: Iterable[Record], attribute: str) -> Counter[Hashable]:
    """How many records each value of ``attribute`` has (records with none are left out)."""
    return Counter(value for record in records if (value := record.get(attribute)) is not None)


def distribution(counts: Mapping[Hashable, int]) -> dict[int, int]:
    """Number of records → how many people have exactly that many, smallest first."""
    return dict(sorted(Counter(counts.values()).items()))


def median(values: Sequence[int]) -> Fraction:
    if not values:
        return Fraction(0)
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[middle])
    return Fraction(ordered[middle - 1] + ordered[middle], 2)


@dataclass(frozen=True)
class TopShare:
    people: int  # in the top
    of_people: int
    held: int  # records they hold
    of_records: int
    share: Fraction  # held / of_records
    median: Fraction  # records per person among them


def top_share(counts: Mapping[Hashable, int], fraction: Fraction) -> TopShare:
    if not 0 < fraction <= 1:
        raise ValueError("the top share is of a fraction above 0 and at most 1")
    ordered = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    size = math.ceil(fraction * len(ordered))
    top = [count for _, count in ordered[:size]]
    total = sum(counts.values())
    return TopShare(size, len(ordered), sum(top), total, share(sum(top), total), median(top))


def at_least(counts: Mapping[Hashable, int], many: int) -> tuple[int, int]:
    """(people with ``many`` or more records, the records they hold)."""
    heavy = [count for count in counts.values() if count >= many]
    return len(heavy), sum(heavy)
