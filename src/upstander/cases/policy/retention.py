"""Reading a pack's ``[retention]`` section: how long each kind of record is kept after its case closes.

    [retention.report_content]
    keep = { years = 6 }
    cite = "..."

    [retention.barred_list]
    keep = "forever"

``keep`` is ``"forever"`` or a table with ``years`` and/or ``months``. A section that is there must
give a rule for every kind the retention job deletes (a kind left out would silently be kept for
ever, or deleted by a default nobody chose); the kinds kept by their nature (the barred list, as
the Police Barred List and Police Advisory List Regulations 2017 require) can only be "forever".
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pydantic import BaseModel

from upstander.cases.policy.model import KEPT_FOR_EVER_KINDS, RETENTION_KINDS, RetentionSpec
from upstander.cases.policy.pack_file import KeepPeriod, RetentionRule
from upstander.cases.policy.reader import Place

FOREVER = "forever"
# A longer period is almost certainly a typo (months for years); for ever is said in words.
LONGEST_MONTHS = 100 * 12


def read_retention(t: BaseModel | None, place: Place) -> Mapping[str, RetentionSpec] | None:
    """The pack's retention rules by kind, each checked; no section means nothing is ever deleted."""
    if t is None:
        return None
    specs = {}
    for kind in (*RETENTION_KINDS, *KEPT_FOR_EVER_KINDS):
        rule: RetentionRule | None = getattr(t, kind)
        if rule is None:
            if kind in RETENTION_KINDS:
                raise place.error(
                    f'gives no rule for {kind!r}: give keep = {{ years = N }} or keep = "forever"', kind
                )
            specs[kind] = RetentionSpec(kind=kind, forever=True)
            continue
        specs[kind] = _rule(kind, rule, place.at(kind))
    return MappingProxyType(specs)


def _rule(kind: str, t: RetentionRule, place: Place) -> RetentionSpec:
    if not isinstance(t.keep, KeepPeriod):
        if t.keep != FOREVER:
            raise place.error(f'must be "forever" or a table such as {{ years = 6 }}, not {t.keep!r}', "keep")
        return RetentionSpec(kind=kind, forever=True, cite=t.cite)
    if kind in KEPT_FOR_EVER_KINDS:
        raise place.error(f'{kind} is kept for ever by its nature: write keep = "forever"', "keep")
    years, months = t.keep.years, t.keep.months
    total = years * 12 + months
    if years < 0 or months < 0 or total < 1:
        raise place.at("keep").error("give years and/or months, as positive whole numbers")
    if total > LONGEST_MONTHS:
        raise place.at("keep").error(
            f'is more than {LONGEST_MONTHS // 12} years: write keep = "forever" if that is meant'
        )
    return RetentionSpec(kind=kind, months=total, cite=t.cite)
