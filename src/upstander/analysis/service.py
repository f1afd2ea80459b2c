"""Reading one source's records as the units an analysis counts (one query per unit; the
arithmetic is `analysis.rules`).

The attributes of an *allegation* record: ``complaint`` (the source's complaint id), ``person``
(the accused person's id, None when the source names nobody known), ``category``, ``finding``,
``outcome``, the complaint's ``received_on``/``incident_on`` and their months
(``received_month``/``incident_month``, ``YYYY-MM``), ``filed_by`` (``staff`` when the complaint
was filed by a member of staff, else ``public``), and the accused person's ``person_sex``,
``person_ethnicity`` and ``person_rank``. A *complaint* record has the complaint's attributes and
``accusations`` (how many of the kept allegations name a known person) and ``with_accused``
(``yes`` when that is one or more, else ``no``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander.analysis.figures import Checked, FigureFile, computed
from upstander.analysis.queries import Query, Unit, Value, evaluate, kept_allegations
from upstander.analysis.rules import Record
from upstander.cases.models import Allegation, Complaint
from upstander.org.models import Person


def _month(day: date | None) -> str | None:
    return None if day is None else f"{day:%Y-%m}"


def _complaint_attributes(
    ref: str, received: date | None, incident: date | None, by_staff: bool
) -> dict[str, object]:
    return {
        "complaint": ref,
        "received_on": received,
        "incident_on": incident,
        "received_month": _month(received),
        "incident_month": _month(incident),
        "filed_by": "staff" if by_staff else "public",
    }


def allegations(session: Session, source: str) -> list[Record]:
    query = (
        select(
            Complaint.source_ref,
            Complaint.received_on,
            Complaint.incident_on,
            Complaint.filed_by_officer,
            Allegation.person_id,
            Allegation.category,
            Allegation.finding,
            Allegation.outcome,
            Person.sex,
            Person.ethnicity,
            Person.rank,
        )
        .join(Complaint, Allegation.complaint_id == Complaint.id)
        .outerjoin(Person, Allegation.person_id == Person.id)
        .where(Complaint.source == source)
    )
    return [
        {
            **_complaint_attributes(ref, received, incident, by_staff),
            "person": None if person_id is None else str(person_id),
            "category": category,
            "finding": finding,
            "outcome": outcome,
            "person_sex": sex,
            "person_ethnicity": ethnicity,
            "person_rank": rank,
        }
        for ref, received, incident, by_staff, person_id, category, finding, outcome, sex, ethnicity, rank in (
            session.execute(query)
        )
    ]


def complaints(session: Session, source: str, accusations: list[Record]) -> list[Record]:
    """Every complaint of the source, with how many of ``accusations`` (already filtered) it has."""
    per_complaint = Counter(record["complaint"] for record in accusations if record.get("person") is not None)
    query = select(
        Complaint.source_ref, Complaint.received_on, Complaint.incident_on, Complaint.filed_by_officer
    ).where(Complaint.source == source)
    return [
        {
            **_complaint_attributes(*row),
            "accusations": per_complaint.get(row[0], 0),
            "with_accused": "yes" if per_complaint.get(row[0], 0) else "no",
        }
        for row in session.execute(query)
    ]


def run(session: Session, source: str, query: Query) -> dict[object, dict[str, Value]]:
    """One query's result over the source's records."""
    return run_all(session, source, [query])[0]


def run_all(session: Session, source: str, queries: Sequence[Query]) -> list[dict[object, dict[str, Value]]]:
    """Several queries over one reading of the source's allegations."""
    read = allegations(session, source)
    results = []
    for query in queries:
        kept = (
            complaints(session, source, kept_allegations(query, read)) if query.unit is Unit.COMPLAINT else []
        )
        results.append(evaluate(query, read, kept))
    return results


def check_figures(session: Session, sheet: FigureFile) -> list[Checked]:
    """Each published figure of ``sheet`` with the value the records give."""
    results = run_all(session, sheet.source, [figure.query for figure in sheet.figures])
    return [
        Checked(figure, computed(figure, result))
        for figure, result in zip(sheet.figures, results, strict=True)
    ]
