"""Reading one source's records as the units an analysis counts (one query per unit; the
arithmetic is `analysis.rules`).

The attributes of an *allegation* record: ``complaint`` (the source's complaint id), ``person``
(the accused person's id, None when the source names nobody known), ``category``, ``finding``,
``outcome``, ``category_class`` (the ``category_class`` the mapping described the allegation
with, if any), the complaint's ``received_on``/``incident_on`` and their months
(``received_month``/``incident_month``, ``YYYY-MM``), ``filed_by`` (``staff`` when the complaint
was filed by a member of staff, else ``public``), its ``complainants`` (how many) and their
``complainant_sex`` and ``complainant_ethnicity`` (see `analysis.attributes`), and the accused
person's ``person_sex``, ``person_ethnicity``, ``person_rank``, ``person_unit`` (the unit's code)
and ``person_birth_year``. A *complaint* record has the complaint's attributes and
``accusations`` (how many of the kept allegations name a known person) and ``with_accused``
(``yes`` when that is one or more, else ``no``). A *complainant* record has its complaint's
attributes, with the complainant's own ``complainant_sex``, ``complainant_ethnicity`` and
``complainant_age``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander import access
from upstander.accounts.service import StaffPrincipal
from upstander.analysis.figures import Checked, FigureFile, computed
from upstander.analysis.queries import Query, Unit, Value, evaluate, kept_allegations
from upstander.analysis.rules import Record
from upstander.cases.models import Allegation, Complainant, Complaint
from upstander.db import Database
from upstander.errors import InvalidInput
from upstander.org.models import OrgUnit, Person

# One complainant's sex, ethnicity and age.
Characteristics = tuple[str | None, str | None, int | None]
SEVERAL = "several"


def _month(day: date | None) -> str | None:
    return None if day is None else f"{day:%Y-%m}"


def _agreed(values: Sequence[str | None]) -> str | None:
    """The complainants' one value, ``several`` when they differ (unknowns aside), else none."""
    given = {value for value in values if value is not None}
    return given.pop() if len(given) == 1 else (SEVERAL if given else None)


def _complaint_attributes(
    ref: str, received: date | None, incident: date | None, by_staff: bool, who: Sequence[Characteristics]
) -> dict[str, object]:
    return {
        "complaint": ref,
        "received_on": received,
        "incident_on": incident,
        "received_month": _month(received),
        "incident_month": _month(incident),
        "filed_by": "staff" if by_staff else "public",
        "complainants": len(who),
        "complainant_sex": _agreed([sex for sex, _, _ in who]),
        "complainant_ethnicity": _agreed([ethnicity for _, ethnicity, _ in who]),
    }


def complainants_by_complaint(session: Session, source: str) -> dict[str, list[Characteristics]]:
    """Each complaint's complainants (by the source's complaint id), in the order they were read."""
    query = (
        select(Complaint.source_ref, Complainant.sex, Complainant.ethnicity, Complainant.age)
        .join(Complaint, Complainant.complaint_id == Complaint.id)
        .where(Complaint.source == source)
        .order_by(Complaint.source_ref, Complainant.id)
    )
    found: dict[str, list[Characteristics]] = {}
    for ref, sex, ethnicity, age in session.execute(query):
        found.setdefault(ref, []).append((sex, ethnicity, age))
    return found


def allegations(
    session: Session, source: str, who: dict[str, list[Characteristics]] | None = None
) -> list[Record]:
    who = complainants_by_complaint(session, source) if who is None else who
    query = (
        select(
            Complaint.source_ref,
            Complaint.received_on,
            Complaint.incident_on,
            Complaint.filed_by_officer,
            Allegation.person_id,
            Allegation.category,
            Allegation.described["category_class"].as_string(),
            Allegation.finding,
            Allegation.outcome,
            Person.sex,
            Person.ethnicity,
            Person.rank,
            OrgUnit.code,
            Person.birth_year,
        )
        .join(Complaint, Allegation.complaint_id == Complaint.id)
        .outerjoin(Person, Allegation.person_id == Person.id)
        .outerjoin(OrgUnit, Person.unit_id == OrgUnit.id)
        .where(Complaint.source == source)
    )
    attributes: dict[str, dict[str, object]] = {}
    records: list[Record] = []
    for row in session.execute(query):
        ref, received, incident, by_staff, person_id, category, category_class, finding, outcome = row[:9]
        sex, ethnicity, rank, unit, birth_year = row[9:]
        if ref not in attributes:
            attributes[ref] = _complaint_attributes(ref, received, incident, by_staff, who.get(ref, ()))
        records.append(
            {
                **attributes[ref],
                "person": None if person_id is None else str(person_id),
                "category": category,
                "category_class": category_class,
                "finding": finding,
                "outcome": outcome,
                "person_sex": sex,
                "person_ethnicity": ethnicity,
                "person_rank": rank,
                "person_unit": unit,
                "person_birth_year": birth_year,
            }
        )
    return records


def _counted(ref: str, per_complaint: Counter[object]) -> dict[str, object]:
    many = per_complaint.get(ref, 0)
    return {"accusations": many, "with_accused": "yes" if many else "no"}


def complaints(
    session: Session,
    source: str,
    accusations: list[Record],
    who: dict[str, list[Characteristics]] | None = None,
) -> list[Record]:
    """Every complaint of the source, with how many of ``accusations`` (already filtered) it has."""
    who = complainants_by_complaint(session, source) if who is None else who
    per_complaint = Counter(record["complaint"] for record in accusations if record.get("person") is not None)
    query = select(
        Complaint.source_ref, Complaint.received_on, Complaint.incident_on, Complaint.filed_by_officer
    ).where(Complaint.source == source)
    return [
        {**_complaint_attributes(*row, who.get(row[0], ())), **_counted(row[0], per_complaint)}
        for row in session.execute(query)
    ]


def complainants(complaint_records: Sequence[Record], who: dict[str, list[Characteristics]]) -> list[Record]:
    """One record per complainant, with their complaint's attributes and their own."""
    return [
        {
            **complaint,
            "complainant_sex": sex,
            "complainant_ethnicity": ethnicity,
            "complainant_age": age,
        }
        for complaint in complaint_records
        for sex, ethnicity, age in who.get(str(complaint["complaint"]), ())
    ]


def run(session: Session, source: str, query: Query) -> dict[object, dict[str, Value]]:
    """One query's result over the source's records."""
    return run_all(session, source, [query])[0]


def run_all(session: Session, source: str, queries: Sequence[Query]) -> list[dict[object, dict[str, Value]]]:
    """Several queries over one reading of the source's allegations."""
    who = complainants_by_complaint(session, source)
    read = allegations(session, source, who)
    results = []
    for query in queries:
        kept: list[Record] = []
        if query.unit in (Unit.COMPLAINT, Unit.COMPLAINANT):
            kept = complaints(session, source, kept_allegations(query, read), who)
        if query.unit is Unit.COMPLAINANT:
            kept = complainants(kept, who)
        results.append(evaluate(query, read, kept))
    return results


def check_figures(session: Session, sheet: FigureFile) -> list[Checked]:
    """Each published figure of ``sheet`` with the value the records give."""
    results = run_all(session, sheet.source, [figure.query for figure in sheet.figures])
    return [
        Checked(figure, computed(figure, result))
        for figure, result in zip(sheet.figures, results, strict=True)
    ]


class AnalysisService:
    """Analyses for the analyst's page and the API: exact figures, for analysts and the overseer."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def sources(self, reader: StaffPrincipal) -> list[str]:
        """The sources whose complaints have been imported, by name."""
        access.require(reader.roles, access.Action.VIEW_STATISTICS)
        with self._database.transaction() as session:
            return list(session.scalars(select(Complaint.source).distinct().order_by(Complaint.source)))

    def analyse(self, reader: StaffPrincipal, source: str, query: Query) -> dict[object, dict[str, Value]]:
        """``query`` over the records of ``source``; a source with no records is refused by name."""
        access.require(reader.roles, access.Action.VIEW_STATISTICS)
        with self._database.transaction() as session:
            if session.scalar(select(Complaint.id).where(Complaint.source == source).limit(1)) is None:
                known = list(session.scalars(select(Complaint.source).distinct().order_by(Complaint.source)))
                message = f"no complaints have been imported from source {source!r}"
                message += f" (sources: {', '.join(known)})" if known else " (none have been imported yet)"
                raise InvalidInput(message, fields={"source": message})
            return run(session, source, query)
