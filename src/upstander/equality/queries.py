"""The counts behind equality statistics, each one GROUP BY in the database (SQLAlchemy Core).

Nothing here loads a row per allegation or per person into Python: every query returns one row per
group, and the same SQL runs on SQLite and PostgreSQL.

The rules
---------
- **Period.** An allegation is in the period when the date it was received falls between ``start`` and
  ``end`` inclusive; either may be open. Every channel records that date on the allegation (intake
  and imports copy the complaint's), so the filter is a plain range the planner can estimate; an
  allegation with no date at all counts only when the period is open at both ends.
- **Unit.** A unit stands for itself and every unit below it (``org_units`` is a tree by ``parent_id``,
  walked with a recursive CTE). Subjects are placed by their own unit; complainants by the units of
  the people their complaint accuses.
- **Stages of a subject.** A person counts once at each stage reached by any of their allegations in
  scope (``stage_rank``: 1 assessed, 2 investigated, 3 case to answer, 4 proven). A referral to the
  overseer counts only on an assessed allegation and a sanction only on a proven one, so every stage
  is a subset of the stage it is measured against (``stages.py``).
- **Workforce headcount.** Everyone on the staff record in scope of the unit who was serving at some
  point in the period (joined on or before its end, not left before its start, either date unknown
  counting as serving), together with anyone who was the subject of an allegation in the period (of
  any category), so the subjects are always a subset of the headcount and the headcount does not
  change with the category chosen.
- **Complainants.** Each complainant of a complaint in scope counts once, at every stage the furthest
  of the complaint's allegations in scope reached; a person who complains twice counts twice, since
  complainants are recorded without identity.
- **Bands.** Age and length of service are in completed years on ``as_of`` (the period's end), worked
  out in SQL from the date of birth or, failing that, the year of birth (the age reached in that
  year), and from the joining date. Ranks are grouped afterwards in Python, over one row per distinct
  rank, by ``stages.rank_group``; ranks it does not know are shown as recorded.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    SQLColumnExpression,
    Subquery,
    and_,
    case,
    distinct,
    func,
    or_,
    select,
    true,
)

from upstander.cases.models import Allegation, Complainant
from upstander.equality.stages import (
    AGE_BANDS,
    ASSESSED,
    CASE_TO_ANSWER,
    INVESTIGATED,
    NOT_RECORDED,
    PROVEN,
    REFERRED,
    REPORTED,
    SERVICE_BANDS,
    WORKFORCE,
    Characteristic,
)
from upstander.org.models import OrgUnit, Person

GroupKey = tuple[str, ...]
GroupCounts = dict[GroupKey, dict[str, int]]

# The column of the banded people (or complainants) subquery that holds each characteristic.
COLUMN = {
    Characteristic.ETHNICITY: "ethnicity",
    Characteristic.SEX: "sex",
    Characteristic.AGE_BAND: "age_band",
    Characteristic.RANK: "rank",
    Characteristic.LENGTH_OF_SERVICE: "service_band",
}
COMPLAINANT_CHARACTERISTICS = (Characteristic.ETHNICITY, Characteristic.SEX, Characteristic.AGE_BAND)
# stage_rank at or above which an allegation has reached each stage
RANKED_STAGES = ((ASSESSED, 1), (INVESTIGATED, 2), (CASE_TO_ANSWER, 3), (PROVEN, 4))
PROVEN_RANK = 4


@dataclass(frozen=True)
class Scope:
    """What the counts cover: a period (inclusive, either end open), a unit and its sub-units, a category."""

    as_of: date
    start: date | None = None
    end: date | None = None
    unit_id: uuid.UUID | None = None
    category: str | None = None


def _recorded(column: SQLColumnExpression[Any]) -> ColumnElement[str]:
    return func.coalesce(func.nullif(func.trim(column), ""), NOT_RECORDED)


def years_before(on: date, years: int) -> date:
    """The date ``years`` whole years before ``on`` (29 February falls back to the 28th): someone born or
    joining on or before it has completed at least ``years`` years on ``on`` (``stages.completed_years``)."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def _band(
    under: Callable[[int], ColumnElement[bool]],
    unknown: ColumnElement[bool],
    starts_of_next: Sequence[int],
    bands: Sequence[str],
) -> ColumnElement[str]:
    """The CASE twin of ``stages._band``: bands[i] holds values below starts_of_next[i]; ``under(n)`` says
    whether a value is below n. Comparing dates with dates worked out here keeps the SQL to plain
    comparisons (no date arithmetic per row, and the same on both databases)."""
    whens = [(unknown, NOT_RECORDED)]
    whens += [(under(upper), band) for upper, band in zip(starts_of_next, bands, strict=False)]
    return case(*whens, else_=bands[-1])


def _age_band(as_of: date) -> ColumnElement[str]:
    """From the date of birth, or failing that the year of birth (the age reached in ``as_of``'s year)."""
    born, year = Person.date_of_birth, Person.birth_year
    by_year = born.is_(None)

    def under(years: int) -> ColumnElement[bool]:
        return or_(born > years_before(as_of, years), and_(by_year, year > as_of.year - years))

    unknown = or_(and_(by_year, year.is_(None)), born > as_of, and_(by_year, year > as_of.year))
    return _band(under, unknown, (25, 35, 45, 55), AGE_BANDS)


def _service_band(as_of: date) -> ColumnElement[str]:
    joined = Person.joined_on
    return _band(
        lambda years: joined > years_before(as_of, years),
        or_(joined.is_(None), joined > as_of),
        (2, 5, 10, 20),
        SERVICE_BANDS,
    )


def unit_tree(unit_id: uuid.UUID) -> Select[tuple[uuid.UUID]]:
    """The ids of a unit and every unit below it (a recursive CTE, the same on both databases)."""
    tree = select(OrgUnit.id).where(OrgUnit.id == unit_id).cte("unit_tree", recursive=True)
    tree = tree.union_all(select(OrgUnit.id).join(tree, OrgUnit.parent_id == tree.c.id))
    return select(tree.c.id)


def banded_people(as_of: date) -> Subquery:
    """One row per person with each characteristic as a column, bands worked out in SQL."""
    return select(
        Person.id,
        Person.unit_id,
        Person.joined_on,
        Person.left_on,
        Person.employment_status,
        _recorded(Person.ethnicity).label("ethnicity"),
        _recorded(Person.sex).label("sex"),
        _age_band(as_of).label("age_band"),
        func.lower(_recorded(Person.rank)).label("rank"),
        _service_band(as_of).label("service_band"),
    ).subquery("banded_people")


def banded_complainants() -> Subquery:
    """One row per complainant, banded like people; a complainant's age is recorded in years."""
    age = Complainant.age
    return select(
        Complainant.id,
        Complainant.complaint_id,
        _recorded(Complainant.ethnicity).label("ethnicity"),
        _recorded(Complainant.sex).label("sex"),
        _band(lambda years: age < years, or_(age.is_(None), age < 0), (25, 35, 45, 55), AGE_BANDS).label(
            "age_band"
        ),
    ).subquery("banded_complainants")


def _allegation_filters(
    scope: Scope, units: Select[Any] | None, *, category: bool = True
) -> list[ColumnElement[bool]]:
    """The period, unit and (unless ``category`` is False) category of ``scope``; ``units`` is its unit
    tree, built once per statement (a statement may not hold two CTEs of the same name)."""
    filters: list[ColumnElement[bool]] = []
    if scope.start is not None:
        filters.append(Allegation.received_on >= scope.start)
    if scope.end is not None:
        filters.append(Allegation.received_on <= scope.end)
    if category and scope.category is not None:
        filters.append(Allegation.category == scope.category)
    if units is not None:
        in_unit = select(Person.id).where(Person.unit_id.in_(units))
        filters.append(Allegation.person_id.in_(in_unit))
    return filters


def _stage_columns(top: ColumnElement[int], referred: ColumnElement[int]) -> list[ColumnElement[int]]:
    ranked = [
        func.coalesce(func.sum(case((top >= rank, 1), else_=0)), 0).label(key) for key, rank in RANKED_STAGES
    ]
    return [*ranked, func.coalesce(func.sum(referred), 0).label(REFERRED)]


def _referred_flag(counted: ColumnElement[bool] | None = None) -> ColumnElement[int]:
    referred = and_(Allegation.referred_to_overseer.is_(true()), Allegation.stage_rank >= 1)
    return func.max(case((referred if counted is None else and_(counted, referred), 1), else_=0))


def subject_stage_counts(connection: Connection, scope: Scope, by: Sequence[Characteristic]) -> GroupCounts:
    """Headcount and stage counts of people, grouped by ``by`` (one key per combination present)."""
    units = unit_tree(scope.unit_id) if scope.unit_id else None
    filters = _allegation_filters(scope, units)
    people = banded_people(scope.as_of)
    groups = [people.c[COLUMN[characteristic]] for characteristic in by]
    # Everyone named in the period is in the headcount whatever the category; ``top`` is NULL for a
    # person with no allegation in the category, so they are not counted as reported.
    in_category = Allegation.category == scope.category if scope.category is not None else true()
    per_person = (
        select(
            Allegation.person_id.label("person_id"),
            func.max(case((in_category, Allegation.stage_rank), else_=None)).label("top"),
            _referred_flag(in_category).label("referred"),
        )
        .where(Allegation.person_id.is_not(None), *_allegation_filters(scope, units, category=False))
        .group_by(Allegation.person_id)
        .subquery("per_person")
    )
    serving = [people.c.joined_on.is_(None) | (people.c.joined_on <= scope.end)] if scope.end else []
    serving += [people.c.left_on.is_(None) | (people.c.left_on >= scope.start)] if scope.start else []
    query = (
        select(
            *groups,
            func.count().label(WORKFORCE),
            func.count(per_person.c.top).label(REPORTED),
            *_stage_columns(per_person.c.top, per_person.c.referred),
        )
        .select_from(people)
        .outerjoin(per_person, per_person.c.person_id == people.c.id)
        .where(or_(and_(true(), *serving), per_person.c.person_id.is_not(None)))
        .group_by(*groups)
    )
    if units is not None:
        query = query.where(people.c.unit_id.in_(units))
    counts = _rows_to_counts(connection, query, len(groups))
    sanctions = (
        select(*groups, Allegation.sanction, func.count(distinct(Allegation.person_id)))
        .select_from(Allegation)
        .join(people, people.c.id == Allegation.person_id)
        .where(
            Allegation.stage_rank >= PROVEN_RANK,
            Allegation.sanction.is_not(None),
            *filters,
        )
        .group_by(*groups, Allegation.sanction)
    )
    _add_sanctions(connection, sanctions, counts, len(groups))
    return counts


def complainant_stage_counts(
    connection: Connection, scope: Scope, by: Sequence[Characteristic]
) -> GroupCounts:
    """Stage counts of complainants, grouped by ``by`` (ethnicity, sex or age band only)."""
    unknown = [c for c in by if c not in COMPLAINANT_CHARACTERISTICS]
    if unknown:
        raise ValueError(f"complainants have no {', '.join(unknown)}")
    filters = _allegation_filters(scope, unit_tree(scope.unit_id) if scope.unit_id else None)
    complainants = banded_complainants()
    groups = [complainants.c[COLUMN[characteristic]] for characteristic in by]
    per_complaint = (
        select(
            Allegation.complaint_id.label("complaint_id"),
            func.max(Allegation.stage_rank).label("top"),
            _referred_flag().label("referred"),
        )
        .where(*filters)
        .group_by(Allegation.complaint_id)
        .subquery("per_complaint")
    )
    query = (
        select(
            *groups,
            func.count().label(REPORTED),
            *_stage_columns(per_complaint.c.top, per_complaint.c.referred),
        )
        .select_from(complainants)
        .join(per_complaint, per_complaint.c.complaint_id == complainants.c.complaint_id)
        .group_by(*groups)
    )
    counts = _rows_to_counts(connection, query, len(groups))
    sanctions = (
        select(*groups, Allegation.sanction, func.count(distinct(complainants.c.id)))
        .select_from(complainants)
        .join(Allegation, Allegation.complaint_id == complainants.c.complaint_id)
        .where(
            Allegation.stage_rank >= PROVEN_RANK,
            Allegation.sanction.is_not(None),
            *filters,
        )
        .group_by(*groups, Allegation.sanction)
    )
    _add_sanctions(connection, sanctions, counts, len(groups))
    return counts


def _rows_to_counts(connection: Connection, query: Select[Any], width: int) -> GroupCounts:
    counts: GroupCounts = {}
    for row in connection.execute(query).mappings():
        values = list(row.values())
        key = tuple(str(value) for value in values[:width])
        counts[key] = {str(name): int(row[name]) for name in list(row.keys())[width:]}
    return counts


def _add_sanctions(connection: Connection, query: Select[Any], counts: GroupCounts, width: int) -> None:
    for row in connection.execute(query):
        key = tuple(str(value) for value in row[:width])
        sanction, people = str(row[width]), int(row[width + 1])
        counts.setdefault(key, {})[sanction] = people


def marginal(counts: Mapping[GroupKey, Mapping[str, int]], position: int) -> dict[str, dict[str, int]]:
    """Sum a many-way table down to one characteristic (a handful of aggregated rows, not records)."""
    result: dict[str, dict[str, int]] = {}
    for key, by_stage in counts.items():
        totals = result.setdefault(key[position], {})
        for stage, count in by_stage.items():
            totals[stage] = totals.get(stage, 0) + count
    return result


def unit_id_for_code(connection: Connection, code: str) -> uuid.UUID | None:
    return connection.execute(select(OrgUnit.id).where(OrgUnit.code == code)).scalar_one_or_none()


def categories(connection: Connection) -> tuple[str, ...]:
    query = select(Allegation.category).distinct().order_by(Allegation.category)
    return tuple(connection.execute(query).scalars())


def units(connection: Connection) -> tuple[tuple[str, str], ...]:
    query = select(OrgUnit.code, OrgUnit.name).order_by(OrgUnit.code)
    return tuple((str(code), str(name)) for code, name in connection.execute(query))
