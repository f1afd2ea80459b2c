"""Loading synthetic data: the bulk of it by each database's fast path, a few reports and cases through
the product's own services, so that the inbox opens real sealed statements and cases have real events.

Bulk rows (units, people, complaints, complainants, allegations) go in one transaction: PostgreSQL's
``COPY``, SQLite's ``executemany`` in batches on the same connection. Nothing there is sealed, so
nothing is lost by bypassing the column types; values are written as the columns store them. The
load is audited as one entry (the seed, the sizes), in the same transaction.
"""

from __future__ import annotations

import json
import operator
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from psycopg.types.json import Json
from sqlalchemy import Table as SqlTable
from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import Actor, AuditLog
from upstander.cases.service import CaseService
from upstander.cases.workflow import WorkflowService
from upstander.db import Database
from upstander.errors import InvalidInput
from upstander.org.models import OrgUnit
from upstander.reports.handling import HandlingService
from upstander.reports.models import Category, ReporterRelation
from upstander.reports.rules import SubjectInput, Submission
from upstander.reports.service import ReportService
from upstander.store.tables import metadata
from upstander.synth import rules

BATCH = 5_000
Progress = Callable[[str, int, int], None]
"""Told (table, rows written so far, rows in all) after every batch."""


def _quiet(_table: str, _done: int, _total: int) -> None:
    return None


@dataclass(frozen=True)
class SynthResult:
    data: rules.SynthData
    report_ids: tuple[uuid.UUID, ...] = ()
    case_ids: tuple[uuid.UUID, ...] = ()


class SynthService:
    def __init__(self, database: Database, audit: AuditLog) -> None:
        self._db = database
        self._audit = audit

    def load(self, spec: rules.SynthSpec, progress: Progress = _quiet) -> rules.SynthData:
        """Generate ``spec``'s rows and write them in one transaction; refused when this seed is loaded."""
        data = rules.generate(spec)
        first_code = data.table("org_units").rows[0][3]
        with self._db.transaction() as session:
            if session.scalar(select(OrgUnit.id).where(OrgUnit.code == first_code)) is not None:
                raise InvalidInput(
                    f"Synthetic data with seed {spec.seed} is already in this database (unit {first_code}); "
                    "choose another seed or an empty database.",
                    fields={"seed": "taken"},
                )
            for table in data.tables:
                write_rows(session, table, progress)
            self._audit.record(
                session,
                Actor.system("synth"),
                "synth.loaded",
                "synth",
                spec.seed,
                {"sizes": {table.name: len(table.rows) for table in data.tables}},
            )
        return data


def write_rows(session: Session, table: rules.Table, progress: Progress = _quiet) -> None:
    """Rows that cannot be there yet, by the database's fast path, in the session's transaction."""
    target = metadata.tables[table.name]
    if session.get_bind().dialect.name == "postgresql":
        _copy(session, target, table, progress)
    else:
        _insert_batches(session, target, table, progress)


def _copy(session: Session, target: SqlTable, table: rules.Table, progress: Progress) -> None:
    json_columns = [column in _json_columns(target) for column in table.columns]
    names = ", ".join(f'"{name}"' for name in table.columns)
    raw = session.connection().connection.dbapi_connection
    assert isinstance(raw, psycopg.Connection)
    total = len(table.rows)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        wrapped = [position for position, is_json in enumerate(json_columns) if is_json]
        for start in range(0, total, BATCH):
            for row in table.rows[start : start + BATCH]:
                if wrapped:
                    values = list(row)
                    for position in wrapped:
                        values[position] = Json(values[position])
                    copy.write_row(values)
                else:
                    copy.write_row(row)
            progress(table.name, min(start + BATCH, total), total)
    progress(table.name, total, total)


def _insert_batches(session: Session, target: SqlTable, table: rules.Table, progress: Progress) -> None:
    marks = ", ".join("?" for _ in table.columns)
    statement = f'INSERT INTO "{table.name}" ({", ".join(table.columns)}) VALUES ({marks})'  # noqa: S608 - names are the generator's constants
    convert = _sqlite_converters(target, table)
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    total = len(table.rows)
    try:
        for start in range(0, total, BATCH):
            batch = table.rows[start : start + BATCH]
            cursor.executemany(statement, convert(batch))
            progress(table.name, min(start + BATCH, total), total)
    finally:
        cursor.close()
    if not total:
        progress(table.name, 0, 0)


def _json_columns(target: SqlTable) -> set[str]:
    return {column.name for column in target.columns if column.type.__class__.__name__ == "JSON"}


def _sqlite_converters(
    target: SqlTable, table: rules.Table
) -> Callable[[Sequence[Any]], list[tuple[Any, ...]]]:
    """How each column's values are stored by SQLAlchemy on SQLite (UUIDs as 32 hex digits, dates as ISO
    text, datetimes as naive UTC), decided once per column from its values; a batch is converted a
    column at a time (``map`` of one function over the column), several times faster than row by row."""
    json_columns = _json_columns(target)
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for position, name in enumerate(table.columns):
        values = [row[position] for row in table.rows]
        sample = next((value for value in values if value is not None), None)
        converter: Callable[[Any], Any] | None = None
        if name in json_columns:
            converter = json.dumps
        elif isinstance(sample, uuid.UUID):
            converter = operator.attrgetter("hex")
        elif isinstance(sample, datetime):
            converter = _naive_utc
        elif isinstance(sample, date):
            converter = date.isoformat
        if converter is not None:
            converters.append((position, _keeping_none(converter) if None in values else converter))

    def convert(batch: Sequence[Any]) -> list[tuple[Any, ...]]:
        columns: list[Any] = list(zip(*batch, strict=True))
        for position, converter in converters:
            columns[position] = map(converter, columns[position])
        return list(zip(*columns, strict=True))

    return convert


def _keeping_none(converter: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        return None if value is None else converter(value)

    return convert


def _naive_utc(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


# --- reports and cases through the product's services --------------------------------------------------

STATEMENTS = (
    (
        Category.BULLYING,
        "My supervisor shouts at me in front of the team and gives me every late job since I raised a grievance.",
    ),
    (
        Category.DISCRIMINATION,
        "A colleague posted a racist joke in the team chat and two others replied with laughing faces.",
    ),
    (
        Category.SEXUAL_HARASSMENT,
        "An officer on my shift keeps commenting on my body and stands too close when nobody is around.",
    ),
    (
        Category.ABUSE_OF_POSITION,
        "An officer has been messaging a victim he met on a call, asking to meet her off duty.",
    ),
    (
        Category.CORRUPTION,
        "A custody sergeant told me he takes cash to look the other way when certain people are booked in.",
    ),
    (
        Category.DRINK_DRUG_DRIVING,
        "A constable left the leaving do clearly drunk and drove home in his own car.",
    ),
    (
        Category.OTHER,
        "Property seized in a search was not booked in and I saw it later in an officer's locker.",
    ),
)
PLACES = (
    "the report-writing room",
    "the custody suite",
    "the station car park",
    "the team chat",
    "a patrol car",
)
WHENS = ("last week", "over the past month", "on several night shifts", "on the Friday before last")


def submit_reports(
    reports: ReportService, data: rules.SynthData, count: int, progress: Progress = _quiet
) -> list[uuid.UUID]:
    """``count`` reports through intake, each sealed like a real one, about people of the synthetic force."""
    rng = random.Random(data.spec.seed + 1)  # noqa: S311 - fictional statements, reproducible
    people = data.table("people").rows
    ids = []
    for number in range(count):
        category, text = rng.choice(STATEMENTS)
        person = rng.choice(people)
        result = reports.submit(
            Submission(
                category=category,
                what_happened=f"{text} (synthetic report {number + 1})",
                relation=rng.choice(list(ReporterRelation)),
                when=rng.choice(WHENS),
                where=rng.choice(PLACES),
                subjects=(SubjectInput(name=f"{person[2]} {person[3]}", staff_number=person[1]),),
            )
        )
        ids.append(result.report_id)
        progress("reports", number + 1, count)
    return ids


def walk_cases(
    handling: HandlingService,
    cases: CaseService,
    workflow: WorkflowService,
    handler: StaffPrincipal,
    decision: StaffPrincipal | None,
    report_ids: Sequence[uuid.UUID],
    count: int,
    progress: Progress = _quiet,
) -> list[uuid.UUID]:
    """Cases opened from the first ``count`` reports and taken to several stages, a quarter at each:
    opened; an allegation recorded; its severity assessed (by ``decision``); referred to the overseer.
    Every step goes through the case workflow, so each case has its real events and audit entries."""
    opened = []
    for number, report_id in enumerate(report_ids[:count]):
        handling.acknowledge(handler, report_id)
        case = cases.open_case(handler, [report_id])
        opened.append(case.id)
        depth = number % 4
        if depth >= 1:
            workflow.act(
                handler,
                case.id,
                "add_allegation",
                {"standard": ["discreditable_conduct"], "summary": ["As described in the report."]},
            )
        if depth >= 2 and decision is not None:
            workflow.act(
                decision,
                case.id,
                "assess_severity",
                {
                    "severity": ["misconduct"],
                    "reasons": ["The report describes conduct that may be misconduct."],
                },
            )
        if depth >= 3 and decision is not None:
            workflow.act(
                handler, case.id, "refer_to_overseer", {"reasons": ["Conduct liable to discipline."]}
            )
        progress("cases", number + 1, count)
    return opened
