"""Equality statistics as a service: stage tables for analysts, and the published summary for everyone.

Who sees what
-------------
- **The public** (no sign-in: the transparency page, the annual report, the JSON API without a token)
  sees only published figures: every count through ``SuppressionPolicy`` (default: 1 to 9 suppressed,
  the rest rounded to the nearest 5, complementary cells suppressed; ``suppression.py``), and only
  for whole calendar years of the whole organisation, since tables that overlap (a unit and the unit
  below it, two periods a day apart) could be subtracted to undo the suppression.
- **Analysts and the overseer** (``Action.VIEW_STATISTICS``) see exact counts. They never see a
  person: every figure is a count of a group, and nothing here returns a row about anyone.
- **The command line** (``upstander stats``) is run by someone with the database itself in hand, so it
  gets exact counts unless ``--public`` asks for the published form.

The counts are aggregated in the database (``queries.py``). On SQLite they are read through their own
connection, which never takes the write lock the application's transactions take (``BEGIN
IMMEDIATE``), so a long report does not hold up reports being made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import NullPool

from upstander import access
from upstander.accounts.service import StaffPrincipal
from upstander.db import Database, unavailable_as_domain_error, utcnow
from upstander.equality import activity, queries
from upstander.equality.report import (
    Breakdown,
    PublicSummary,
    breakdown,
    largest_first,
    top_categories,
)
from upstander.equality.stages import Characteristic
from upstander.equality.suppression import DEFAULT_POLICY, SuppressionPolicy
from upstander.equality.tables import (
    Population,
    StageTable,
    build_table,
    rank_label,
    relabel,
)
from upstander.errors import InvalidInput, NotAllowed, NotFound

SUBJECT_CHARACTERISTICS = tuple(Characteristic)
SUMMARY_SECONDS = 300
MAX_KEPT_SUMMARIES = 32
# The names used in URLs and on the command line.
BY_NAMES: dict[str, Characteristic] = {
    "ethnicity": Characteristic.ETHNICITY,
    "sex": Characteristic.SEX,
    "age": Characteristic.AGE_BAND,
    "rank": Characteristic.RANK,
    "service": Characteristic.LENGTH_OF_SERVICE,
}


def characteristic_named(name: str) -> Characteristic:
    try:
        return BY_NAMES[name]
    except KeyError:
        raise InvalidInput(
            f"Break the figures down by one of: {', '.join(BY_NAMES)}.", fields={"by": "unknown"}
        ) from None


@dataclass(frozen=True)
class StatisticsFilters:
    """What a stage table covers: a period (inclusive; either end open), a unit code, a category."""

    start: date | None = None
    end: date | None = None
    unit: str | None = None
    category: str | None = None
    population: Population = Population.SUBJECTS
    by: Characteristic = Characteristic.ETHNICITY
    reference: str | None = None


class StatisticsService:
    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime] = utcnow,
        policy: SuppressionPolicy = DEFAULT_POLICY,
    ) -> None:
        self._db = database
        self._clock = clock
        self.policy = policy
        self._sqlite_reader: Engine | None = None
        self._summaries: dict[tuple[object, ...], tuple[datetime, PublicSummary]] = {}

    # --- stage tables ---------------------------------------------------------------------------

    def stage_table(
        self, principal: StaffPrincipal | None, filters: StatisticsFilters, *, published: bool = False
    ) -> StageTable:
        """Exact counts for a principal allowed VIEW_STATISTICS (published ones if they ask); the published
        form for everyone else (``principal`` None). A signed-in person without the role is refused."""
        if principal is None:
            return self._table(self._publishable(filters), self.policy)
        access.require(principal.roles, access.Action.VIEW_STATISTICS)
        return self._table(filters, self.policy if published else None)

    def _publishable(self, filters: StatisticsFilters) -> StatisticsFilters:
        """The public may ask for one whole calendar year of the whole organisation (the latest year
        with records if they name none), and no narrower table: two overlapping tables (a unit and the
        unit below it, or two periods a day apart) could be subtracted to reveal the small numbers that
        each of them suppresses."""
        if filters.unit or filters.category:
            raise NotAllowed(
                "Published figures cover the whole organisation; figures for one unit or one category "
                "are for analysts only.",
                code="not_allowed:narrow_statistics",
            )
        if filters.start is None and filters.end is None:
            latest, _ = self.transparency_period(None)
            return replace(filters, start=latest, end=date(latest.year, 12, 31))
        start, end = filters.start, filters.end
        if start is None or end is None or (start.month, start.day, end.month, end.day) != (1, 1, 12, 31):
            raise NotAllowed(
                "Published figures are for whole calendar years: from 1 January to 31 December of one year.",
                code="not_allowed:narrow_statistics",
            )
        if start.year != end.year:
            raise NotAllowed(
                "Published figures are for one calendar year at a time.", code="not_allowed:narrow_statistics"
            )
        return filters

    def exact_stage_table(self, filters: StatisticsFilters) -> StageTable:
        """Exact counts for the command line, whose user already holds the database."""
        return self._table(filters, None)

    def published_stage_table(self, filters: StatisticsFilters) -> StageTable:
        return self._table(filters, self.policy)

    def _table(self, filters: StatisticsFilters, policy: SuppressionPolicy | None) -> StageTable:
        if filters.population is Population.COMPLAINANTS and filters.by not in (
            queries.COMPLAINANT_CHARACTERISTICS
        ):
            raise InvalidInput(
                "Complainants are recorded by ethnicity, sex and age only.", fields={"by": "not recorded"}
            )
        with self._reading() as connection:
            scope = self._scope(connection, filters)
            counts = self._counts(connection, scope, filters.population, (filters.by,))
        by_group = queries.marginal(counts, 0)
        if filters.by is Characteristic.RANK:
            by_group = relabel(by_group, {rank: rank_label(rank) for rank in by_group})
        table = build_table(
            filters.population, filters.by, by_group, reference=filters.reference, policy=policy
        )
        return replace(table, start=filters.start, end=filters.end)

    def _scope(self, connection: Connection, filters: StatisticsFilters) -> queries.Scope:
        if filters.start and filters.end and filters.start > filters.end:
            raise InvalidInput(
                "The period must start on or before the day it ends.", fields={"from": "after to"}
            )
        unit_id = None
        if filters.unit:
            unit_id = queries.unit_id_for_code(connection, filters.unit.strip())
            if unit_id is None:
                raise NotFound(f"There is no unit with the code {filters.unit!r}.")
        return queries.Scope(
            as_of=filters.end or self._today(),
            start=filters.start,
            end=filters.end,
            unit_id=unit_id,
            category=filters.category or None,
        )

    @staticmethod
    def _counts(
        connection: Connection,
        scope: queries.Scope,
        population: Population,
        by: Sequence[Characteristic],
    ) -> queries.GroupCounts:
        if population is Population.SUBJECTS:
            return queries.subject_stage_counts(connection, scope, by)
        return queries.complainant_stage_counts(connection, scope, by)

    # --- what is published ----------------------------------------------------------------------

    def annual_report(self, year: int) -> PublicSummary:
        """Every published table for one calendar year: subjects by each characteristic, complainants by
        each of theirs, open allegations, suspensions and restricted duties at the year's end, and the time taken."""
        if not 1900 <= year < self._today().year:
            raise NotFound(f"There is no report for {year}: a year's report follows the year's end.")
        return self.public_summary(
            date(year, 1, 1),
            date(year, 12, 31),
            subject_by=SUBJECT_CHARACTERISTICS,
            complainant_by=queries.COMPLAINANT_CHARACTERISTICS,
            title=f"Misconduct and equality statistics, {year}",
        )

    def public_summary(
        self,
        start: date,
        end: date,
        *,
        subject_by: Sequence[Characteristic] = (Characteristic.ETHNICITY,),
        complainant_by: Sequence[Characteristic] = (),
        reference: str | None = None,
        title: str = "Misconduct and equality statistics",
    ) -> PublicSummary:
        """The published figures for a period. ``reference`` applies to the first subject table; the
        others compare with their largest group. Open allegations are counted on the period's last day
        (or today, if that is sooner), and so are suspensions and restricted duties (from the register).
        A summary is kept for ``SUMMARY_SECONDS``, so a page and its charts are worked out once."""
        if start > end:
            raise InvalidInput("The period must start on or before the day it ends.")
        key = (start, end, tuple(subject_by), tuple(complainant_by), reference, title)
        now = self._clock()
        kept = self._summaries.get(key)
        if kept is not None and now < kept[0]:
            return kept[1]
        summary = self._summary(start, end, subject_by, complainant_by, reference, title)
        if len(self._summaries) >= MAX_KEPT_SUMMARIES:
            self._summaries.clear()
        self._summaries[key] = (now + timedelta(seconds=SUMMARY_SECONDS), summary)
        return summary

    def _summary(
        self,
        start: date,
        end: date,
        subject_by: Sequence[Characteristic],
        complainant_by: Sequence[Characteristic],
        reference: str | None,
        title: str,
    ) -> PublicSummary:
        policy = self.policy
        open_on = min(end, self._today())
        with self._reading() as connection:
            scope = queries.Scope(as_of=end, start=start, end=end)
            subjects = self._published_tables(connection, scope, Population.SUBJECTS, subject_by, reference)
            complainants = self._published_tables(
                connection, scope, Population.COMPLAINANTS, complainant_by, None
            )
            open_counts = top_categories(activity.open_by_category(connection, open_on))
            restrictions = activity.restrictions_by_kind_and_category(connection, open_on)
            acknowledge = activity.time_to_acknowledge(connection, start, end)
            close = activity.time_to_close(connection, start, end)
        open_breakdown = breakdown("open_by_category", "open allegations", open_counts, policy)
        return PublicSummary(
            title=title,
            start=start,
            end=end,
            generated_at=self._clock(),
            policy=policy,
            subjects=subjects,
            complainants=complainants,
            open_on=open_on,
            open_by_category=largest_first(open_breakdown) if open_breakdown else None,
            restrictions=breakdown(
                "restrictions", "people suspended or on restricted duties", restrictions, policy
            ),
            acknowledge=breakdown(
                "time_to_acknowledge", "reports received", acknowledge, policy, median=True
            ),
            close=breakdown("time_to_close", "complaints received", close, policy, median=True),
        )

    def _published_tables(
        self,
        connection: Connection,
        scope: queries.Scope,
        population: Population,
        by: Sequence[Characteristic],
        reference: str | None,
    ) -> tuple[StageTable, ...]:
        """One query grouped by every characteristic at once, summed down to each in turn."""
        if not by:
            return ()
        counts = self._counts(connection, scope, population, by)
        tables = []
        for position, characteristic in enumerate(by):
            by_group = queries.marginal(counts, position)
            if characteristic is Characteristic.RANK:
                by_group = relabel(by_group, {rank: rank_label(rank) for rank in by_group})
            tables.append(
                build_table(
                    population,
                    characteristic,
                    by_group,
                    reference=reference if position == 0 else None,
                    policy=self.policy,
                )
            )
        return tuple(tables)

    def transparency_period(self, year: int | None) -> tuple[date, date]:
        """The year asked for, else the latest year with records. The current year runs to the end of the
        last complete month, so its figures change once a month rather than with every record, which
        would let someone watching them day by day subtract one day's figures from the next."""
        today = self._today()
        month_end = today.replace(day=1) - timedelta(days=1)
        if year is None:
            years = [y for y in self.years() if y <= month_end.year]
            year = years[-1] if years else month_end.year
        if not 1900 <= year <= month_end.year:
            raise NotFound(f"There are no figures for {year} yet.")
        return date(year, 1, 1), min(date(year, 12, 31), month_end)

    def years(self) -> tuple[int, ...]:
        today = self._today()
        with self._reading() as connection:
            return tuple(year for year in activity.data_years(connection) if year <= today.year)

    def choices(self) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        """The categories and the units (code, name) to filter by, for the analyst's form."""
        with self._reading() as connection:
            return queries.categories(connection), queries.units(connection)

    # --- plumbing -------------------------------------------------------------------------------

    def restriction_counts(self, principal: StaffPrincipal) -> Breakdown | None:
        """People suspended or on restricted duties today, by measure and category, as published
        (suppressed and rounded): the figures the transparency page shows."""
        access.require(principal.roles, access.Action.VIEW_STATISTICS)
        with self._reading() as connection:
            counts = activity.restrictions_by_kind_and_category(connection, self._today())
        return breakdown("restrictions", "people suspended or on restricted duties", counts, self.policy)

    def _today(self) -> date:
        return self._clock().date()

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        engine = self._reader_engine()
        with unavailable_as_domain_error(), engine.connect() as connection:
            yield connection

    def _reader_engine(self) -> Engine:
        engine = self._db.engine
        url = engine.url
        if engine.dialect.name != "sqlite" or not url.database or url.database == ":memory:":
            return engine
        if self._sqlite_reader is None:
            reader = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})

            @event.listens_for(reader, "connect")
            def read_only(dbapi_connection: Any, _record: Any) -> None:
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA query_only=ON")
                cursor.execute("PRAGMA busy_timeout=30000")
                cursor.close()

            self._sqlite_reader = reader
        return self._sqlite_reader
