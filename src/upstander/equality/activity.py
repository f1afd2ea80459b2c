"""What the public page shows beside the stage statistics: open allegations, suspensions and restricted
duties, time taken.

Each is one GROUP BY in the database (SQLAlchemy Core), the same on SQLite and PostgreSQL except for
date arithmetic, which is the one expression written per dialect.

The rules
---------
- **Open** on a day: received by then (the allegation's date, else its complaint's), and neither the
  allegation nor its complaint closed by then. Counted per allegation, by category.
- **Suspended or on restricted duties** on a day: entries of the register (``restrictions``) started by
  then and not lifted by then, by measure and by the category of the matter.
- **Time to acknowledge**: reports received in the period (``reports.received_at``), banded by the time
  to ``acknowledged_at``; **time to close**: complaints received in the period (``received_on``),
  banded by the days to ``closed_on``. Those not yet acknowledged or closed have a band of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    SQLColumnExpression,
    Subquery,
    case,
    extract,
    func,
    or_,
    select,
    type_coerce,
)

from upstander.cases.engine.vocabulary import RestrictionKind
from upstander.cases.models import Allegation, Complaint
from upstander.reports.models import Report
from upstander.safeguarding.models import Restriction
from upstander.safeguarding.register.rules import count_label

ACKNOWLEDGE_BANDS = ("within 1 day", "1 to 2 days", "2 to 7 days", "more than 7 days", "not acknowledged yet")
CLOSE_BANDS = (
    "within 30 days",
    "31 to 90 days",
    "91 to 180 days",
    "181 to 365 days",
    "more than a year",
    "not closed yet",
)


def open_by_category(connection: Connection, on: date) -> dict[str, int]:
    """Allegations open on ``on``: received by then, and neither they nor their complaint closed by then."""
    received = func.coalesce(Allegation.received_on, Complaint.received_on)
    query = (
        select(Allegation.category, func.count())
        .select_from(Allegation)
        .join(Complaint, Complaint.id == Allegation.complaint_id)
        .where(
            received <= on,
            or_(Allegation.closed_on.is_(None), Allegation.closed_on > on),
            or_(Complaint.closed_on.is_(None), Complaint.closed_on > on),
        )
        .group_by(Allegation.category)
    )
    return {str(category): int(count) for category, count in connection.execute(query)}


def restrictions_by_kind_and_category(connection: Connection, on: date) -> dict[str, int]:
    """Register entries in force on ``on`` (started by then, not lifted by then), labelled
    "<measure>: <category>" (``register_rules.count_label``), restricted duties first."""
    query = (
        select(Restriction.kind, Restriction.category, func.count())
        .where(
            Restriction.starts_on <= on,
            or_(Restriction.ended_on.is_(None), Restriction.ended_on > on),
        )
        .group_by(Restriction.kind, Restriction.category)
    )
    counts = {
        (RestrictionKind(kind), str(category)): int(count)
        for kind, category, count in connection.execute(query)
    }
    ordered = sorted(counts, key=lambda key: (key[0] is RestrictionKind.SUSPENDED, -counts[key], key[1]))
    return {count_label(kind, category): counts[(kind, category)] for kind, category in ordered}


def _days_between_dates(
    connection: Connection, start: SQLColumnExpression[Any], end: SQLColumnExpression[Any]
) -> ColumnElement[Any]:
    """Days from one date column to another; date arithmetic is the one thing that differs by dialect."""
    if connection.dialect.name == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return type_coerce(end - start, Float)


def _days_between_times(
    connection: Connection, start: SQLColumnExpression[Any], end: SQLColumnExpression[Any]
) -> ColumnElement[Any]:
    if connection.dialect.name == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return extract("epoch", end - start) / 86400.0


def _banded_days(
    days: ColumnElement[float], bounds: Sequence[float], bands: Sequence[str]
) -> ColumnElement[str]:
    whens: list[tuple[ColumnElement[bool], str]] = [(days.is_(None), bands[-1])]
    whens += [(days <= bound, band) for bound, band in zip(bounds, bands, strict=False)]
    return case(*whens, else_=bands[-2])


def time_to_acknowledge(connection: Connection, start: date, end: date) -> dict[str, int]:
    """Reports received in the period, by how long they waited for acknowledgement (``reports`` table)."""
    days = _days_between_times(connection, Report.received_at, Report.acknowledged_at)
    from_, until = (
        datetime.combine(start, time(), UTC),
        datetime.combine(end + timedelta(days=1), time(), UTC),
    )
    banded = (
        select(_banded_days(days, (1, 2, 7), ACKNOWLEDGE_BANDS).label("band"))
        .where(Report.received_at >= from_, Report.received_at < until)
        .subquery()
    )
    return _band_counts(connection, banded, ACKNOWLEDGE_BANDS)


def time_to_close(connection: Connection, start: date, end: date) -> dict[str, int]:
    """Complaints received in the period, by days from receipt to closure (``complaints`` table)."""
    days = _days_between_dates(connection, Complaint.received_on, Complaint.closed_on)
    banded = (
        select(_banded_days(days, (30, 90, 180, 365), CLOSE_BANDS).label("band"))
        .where(Complaint.received_on >= start, Complaint.received_on <= end)
        .subquery()
    )
    return _band_counts(connection, banded, CLOSE_BANDS)


def _band_counts(connection: Connection, banded: Subquery, bands: Sequence[str]) -> dict[str, int]:
    query = select(banded.c.band, func.count()).group_by(banded.c.band)
    found = {str(band): int(count) for band, count in connection.execute(query)}
    return {band: found.get(band, 0) for band in bands}


def data_years(connection: Connection) -> tuple[int, ...]:
    """The calendar years from the first complaint received to the last (for the annual report links)."""
    first, last = connection.execute(
        select(func.min(Complaint.received_on), func.max(Complaint.received_on))
    ).one()
    if first is None or last is None:
        return ()
    return tuple(range(_year(first), _year(last) + 1))


def _year(value: date | str) -> int:
    return value.year if isinstance(value, date) else int(str(value)[:4])
