"""How accusations are spread over officers: the headline figures of a complaints dataset.

Definitions (those of the Invisible Institute's "Complaints Summary", which these reproduce for the
Chicago records):

* a *complaint* is one complaint record of the source; with a period, one whose incident date falls
  in it (both ends included; a complaint with no incident date is then left out);
* an *accusation* is one allegation of such a complaint that names a known officer (its
  ``person_id`` is set); allegations naming nobody known are counted apart and left out of the rest;
* a complaint *with an accused* has at least one accusation; an *accused officer* is a distinct
  person named by at least one accusation;
* the mean is accusations per accused officer; the shares are of accused officers (exactly one
  accusation; ``many`` or more) and of accusations (those held by officers with ``many`` or more).

Everything is counted by the database (SQL aggregates), never by reading rows into Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from upstander.cases.models import Allegation, Complaint

MANY_ACCUSATIONS = 10


@dataclass(frozen=True)
class Figures:
    source: str
    incident_from: date | None
    incident_to: date | None
    complaints: int
    complaints_with_accused: int
    accusations: int
    accusations_without_officer: int
    accused_officers: int
    mean_accusations_per_officer: float
    officers_with_one: int
    share_with_one: float  # of accused officers, 0 to 1
    many: int
    officers_with_many: int
    share_of_officers_with_many: float  # of accused officers, 0 to 1
    accusations_of_officers_with_many: int
    share_of_accusations_with_many: float  # of accusations, 0 to 1


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def complaint_figures(
    session: Session,
    *,
    source: str,
    incident_from: date | None = None,
    incident_to: date | None = None,
    many: int = MANY_ACCUSATIONS,
) -> Figures:
    """The figures of ``source`` (see the module docstring for each definition)."""
    conditions: list[ColumnElement[bool]] = [Complaint.source == source]
    if incident_from is not None:
        conditions.append(Complaint.incident_on >= incident_from)
    if incident_to is not None:
        conditions.append(Complaint.incident_on <= incident_to)

    complaints = session.scalar(select(func.count()).select_from(Complaint).where(*conditions)) or 0

    named = Allegation.person_id.is_not(None)
    with_accused, without_officer = session.execute(
        select(
            func.count(func.distinct(case((named, Allegation.complaint_id)))),
            func.coalesce(func.sum(case((named, 0), else_=1)), 0),
        )
        .select_from(Allegation)
        .join(Complaint, Complaint.id == Allegation.complaint_id)
        .where(*conditions)
    ).one()

    per_officer = (
        select(Allegation.person_id, func.count().label("n"))
        .join(Complaint, Complaint.id == Allegation.complaint_id)
        .where(*conditions, named)
        .group_by(Allegation.person_id)
        .subquery()
    )
    n = per_officer.c.n
    officers, accusations, with_one, with_many, held_by_many = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(n), 0),
            func.coalesce(func.sum(case((n == 1, 1), else_=0)), 0),
            func.coalesce(func.sum(case((n >= many, 1), else_=0)), 0),
            func.coalesce(func.sum(case((n >= many, n), else_=0)), 0),
        ).select_from(per_officer)
    ).one()

    return Figures(
        source=source,
        incident_from=incident_from,
        incident_to=incident_to,
        complaints=complaints,
        complaints_with_accused=int(with_accused),
        accusations=int(accusations),
        accusations_without_officer=int(without_officer),
        accused_officers=int(officers),
        mean_accusations_per_officer=_ratio(int(accusations), int(officers)),
        officers_with_one=int(with_one),
        share_with_one=_ratio(int(with_one), int(officers)),
        many=many,
        officers_with_many=int(with_many),
        share_of_officers_with_many=_ratio(int(with_many), int(officers)),
        accusations_of_officers_with_many=int(held_by_many),
        share_of_accusations_with_many=_ratio(int(held_by_many), int(accusations)),
    )
