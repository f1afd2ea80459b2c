"""Writing one batch of read rows into each table, skipping what is already there.

Ids are made here (UUIDs), so rows of later files can point at rows of earlier ones without
reading them back. In a dry run the same decisions are made against the database as it is, and
nothing is written.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from upstander.cases.models import Allegation, Complainant, Complaint, ComplaintChannel
from upstander.db import Database, utcnow
from upstander.imports import bulk
from upstander.imports.records import (
    DATE_FIELDS,
    ComplaintRef,
    allegation_row,
    complaint_dates,
    link_row,
    person_row,
)
from upstander.imports.report import FileReport
from upstander.imports.rows import Problem, RowValues, differences
from upstander.imports.targets import (
    Duplicates,
    FieldRule,
    ImportMapping,
    MissingComplaint,
    TableMapping,
    Target,
)
from upstander.org.models import OrgUnit, OrgUnitKind, Person
from upstander.patterns.models import SubjectLink

Batch = list[tuple[int, RowValues]]
SOURCE_REF_CHARS = 80


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


class Run:
    """The state of one import run: the id maps later files join on, and how to write."""

    def __init__(self, database: Database, mapping: ImportMapping, dry_run: bool) -> None:
        self.database = database
        self.mapping = mapping
        self.dry_run = dry_run
        self.now = utcnow()
        self.people: dict[str, uuid.UUID] = {}
        # The first row of each key this run read, so that a repeat saying otherwise is caught.
        self.people_first: dict[str, tuple[int, RowValues]] = {}
        self.allegations_first: dict[str, tuple[int, RowValues]] = {}
        self.allegations_per_pair: dict[str, int] = {}
        self.unit_ids: dict[str, uuid.UUID] = {}
        self.complaints: dict[str, ComplaintRef] = {}
        self.flagged: set[str] = set()
        self.complainants_before: dict[uuid.UUID, int] = {}
        self.complainants_seen: dict[str, int] = {}
        self.nothing_yet = False

    def start(self, table: TableMapping) -> None:
        """Note whether the table holds anything of this source yet. When it does not, rows already
        there cannot be met, and the lookups for them are skipped (one run imports a source at a
        time; rows repeated within the run are caught by the id maps)."""
        source = Complaint.source == self.mapping.source
        queries = {
            Target.COMPLAINTS: select(Complaint.id).where(source),
            Target.ALLEGATIONS: select(Allegation.id).join(Complaint).where(source),
            Target.COMPLAINANTS: select(Complainant.id).join(Complaint).where(source),
        }
        query = queries.get(table.target)
        if query is None:
            self.nothing_yet = False
            return
        with self.database.transaction() as session:
            self.nothing_yet = session.scalar(query.limit(1)) is None

    # -- shared ---------------------------------------------------------------------------------

    def _file_of(self, target: Target) -> str:
        table = self.mapping.table(target)
        return table.file if table else target.value

    def _insert_new(
        self, session: Session, table: Table, rows: list[dict[str, Any]], unique: tuple[str, ...]
    ) -> int:
        if self.dry_run:
            return len(rows)
        return bulk.insert_new(session, table, rows, unique, source=self.mapping.source)

    def _duplicate(self, table: TableMapping, subject: str, key: str, line: int, report: FileReport) -> None:
        if table.duplicates is Duplicates.FIRST:
            report.merged += 1
        else:
            report.refuse(line, [Problem(subject, "appears more than once", key)])

    def _repeat(
        self,
        table: TableMapping,
        subject: str,
        first: tuple[int, RowValues],
        line: int,
        values: RowValues,
        report: FileReport,
    ) -> None:
        """A row repeating an earlier row's key: merged when it says the same, refused when it differs
        (the first row does not silently win), naming the first row's line and what differs."""
        first_line, earlier = first
        differing = differences(earlier, values)
        key = values.key or f"{values.complaint}/{values.person or ''}"
        if differing and table.duplicates is Duplicates.FIRST:
            problem = Problem(
                subject,
                "appears again with other values than its first row",
                key,
                f"line {first_line}; differs in {', '.join(differing)}",
            )
            report.refuse(line, [problem])
        else:
            self._duplicate(table, subject, key, line, report)

    def _complaint_of(
        self, table: TableMapping, line: int, values: RowValues, report: FileReport
    ) -> ComplaintRef | None:
        ref = self.complaints.get(values.complaint or "")
        if ref is None:
            subject = table.complaint.subject if table.complaint else "complaint"
            problem = Problem(
                subject,
                f"is not among the complaints imported from {self._file_of(Target.COMPLAINTS)}",
                values.complaint,
            )
            if table.missing_complaint is MissingComplaint.SKIP:
                report.skip(line, problem)
            else:
                report.refuse(line, [problem])
        return ref

    # -- people and units -----------------------------------------------------------------------

    def units(self, names: dict[str, str | None], report: FileReport) -> None:
        """The organisation and one unit per code the people file uses (those missing are created)."""
        organisation = self.mapping.organisation
        assert organisation is not None  # the mapping checks it
        with self.database.transaction() as session:
            force_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == organisation.code))
            if force_id is None:
                force_id = uuid.uuid4()
                if not self.dry_run:
                    session.add(
                        OrgUnit(
                            id=force_id,
                            kind=OrgUnitKind.FORCE,
                            code=organisation.code,
                            name=organisation.name,
                        )
                    )
                    session.flush()
            existing = dict(
                session.execute(select(OrgUnit.code, OrgUnit.id).where(OrgUnit.code.in_(list(names)))).all()
            )
            rows: list[dict[str, Any]] = [
                {
                    "id": uuid.uuid4(),
                    "parent_id": force_id,
                    "kind": OrgUnitKind.UNIT,
                    "code": code,
                    "name": name or code,
                }
                for code, name in names.items()
                if code not in existing
            ]
            created = self._insert_new(session, _table(OrgUnit), rows, ("code",))
        self.unit_ids = {**{row["code"]: row["id"] for row in rows}, **existing}
        report.note("new units", created)

    def people_batch(self, session: Session, table: TableMapping, batch: Batch, report: FileReport) -> None:
        fresh: dict[str, RowValues] = {}
        for line, values in batch:
            key = values.key or ""
            first = self.people_first.get(key)
            if first is not None:
                self._repeat(table, _subject(table.key, "key"), first, line, values, report)
            else:
                self.people_first[key] = (line, values)
                fresh[key] = values
        numbers = [str(values.fields["staff_number"]) for values in fresh.values()]
        existing = dict(
            session.execute(
                select(Person.staff_number, Person.id).where(Person.staff_number.in_(numbers))
            ).all()
        )
        rows = []
        for key, values in fresh.items():
            number = str(values.fields["staff_number"])
            if number in existing:
                self.people[key] = existing[number]
                continue
            row = person_row(values)
            row["unit_id"] = self.unit_ids.get(values.unit_code or "")
            self.people[key] = row["id"]
            rows.append(row)
        inserted = self._insert_new(session, _table(Person), rows, ("staff_number",))
        report.imported += inserted
        report.already_there += len(fresh) - inserted

    # -- complaints -----------------------------------------------------------------------------

    def complaints_batch(
        self, session: Session, table: TableMapping, batch: Batch, report: FileReport
    ) -> None:
        fresh: dict[str, RowValues] = {}
        for line, values in batch:
            key = values.key or ""
            first = self.complaints.get(key)
            first_dates = first.dates if first else (complaint_dates(fresh[key]) if key in fresh else None)
            if first_dates is None:
                fresh[key] = values
            elif first_dates != complaint_dates(values) and table.duplicates is Duplicates.FIRST:
                subject = table.key.subject if table.key else "key"
                report.refuse(
                    line, [Problem(subject, "appears again with other dates than its first row", key)]
                )
            else:
                self._duplicate(table, _subject(table.key, "key"), key, line, report)
        statement = select(
            Complaint.source_ref,
            Complaint.id,
            Complaint.received_on,
            Complaint.incident_on,
            Complaint.closed_on,
        )
        source = Complaint.source == self.mapping.source
        lookup = statement.where(source, Complaint.source_ref.in_(list(fresh)))
        found = [] if self.nothing_yet else session.execute(lookup).all()
        for ref, complaint_id, received, incident, closed in found:
            self.complaints[ref] = ComplaintRef(complaint_id, received, incident, closed)
            del fresh[ref]
            report.already_there += 1
        rows: list[dict[str, Any]] = [
            {
                "id": uuid.uuid4(),
                "source": self.mapping.source,
                "source_ref": key,
                "channel": ComplaintChannel.IMPORT,
                **dict(zip(DATE_FIELDS, complaint_dates(values), strict=True)),
                "filed_by_officer": False,
                "report_id": None,
                "case_id": None,
                "imported_at": self.now,
            }
            for key, values in fresh.items()
        ]
        for row in rows:
            self.complaints[row["source_ref"]] = ComplaintRef(row["id"], *(row[name] for name in DATE_FIELDS))
        report.imported += self._insert_new(session, _table(Complaint), rows, ("source", "source_ref"))

    def officer_filed_batch(
        self, session: Session, table: TableMapping, batch: Batch, report: FileReport
    ) -> None:
        ids: list[uuid.UUID] = []
        for line, values in batch:
            ref = self._complaint_of(table, line, values, report)
            if ref is None:
                continue
            if values.complaint in self.flagged:
                self._duplicate(
                    table, _subject(table.complaint, "complaint"), values.complaint or "", line, report
                )
                continue
            self.flagged.add(values.complaint or "")
            ids.append(ref.id)
        flagged = select(Complaint.id).where(Complaint.id.in_(ids), Complaint.filed_by_officer.is_(True))
        already = set(session.scalars(flagged))
        todo = [complaint_id for complaint_id in ids if complaint_id not in already]
        if todo and not self.dry_run:
            session.execute(update(Complaint).where(Complaint.id.in_(todo)).values(filed_by_officer=True))
        report.imported += len(todo)
        report.already_there += len(already)

    # -- accusations ----------------------------------------------------------------------------

    def _allegation_ref(self, table: TableMapping, values: RowValues) -> str:
        source_ref = values.key or f"{values.complaint}/{values.person or ''}"
        if not table.each_row:
            return source_ref
        # The n-th row of this complaint and person; the same file read again gives the same n.
        position = self.allegations_per_pair.get(source_ref, 0) + 1
        self.allegations_per_pair[source_ref] = position
        return f"{source_ref}#{position}"

    def allegations_batch(
        self, session: Session, table: TableMapping, batch: Batch, report: FileReport
    ) -> None:
        pending: list[tuple[RowValues, ComplaintRef, uuid.UUID | None, str]] = []
        for line, values in batch:
            ref = self._complaint_of(table, line, values, report)
            if ref is None:
                continue
            person_id = self.people.get(values.person) if values.person is not None else None
            if values.person is not None and person_id is None:
                subject = table.person.subject if table.person else "person"
                report.refuse(
                    line, [Problem(subject, f"is not in {self._file_of(Target.PEOPLE)}", values.person)]
                )
                continue
            source_ref = self._allegation_ref(table, values)
            if len(source_ref) > SOURCE_REF_CHARS:
                report.refuse(
                    line,
                    [
                        Problem(
                            "the accusation's reference",
                            f"is longer than {SOURCE_REF_CHARS} characters",
                            source_ref,
                        )
                    ],
                )
            elif (first := self.allegations_first.get(source_ref)) is not None:
                self._repeat(table, _allegation_key(table), first, line, values, report)
            else:
                self.allegations_first[source_ref] = (line, values)
                pending.append((values, ref, person_id, source_ref))
        complaint_ids = {ref.id for _, ref, _, _ in pending}
        known = select(Allegation.complaint_id, Allegation.source_ref).where(
            Allegation.complaint_id.in_(complaint_ids)
        )
        existing = set() if self.nothing_yet else set(session.execute(known).all())
        allegations, links = [], []
        for values, ref, person_id, source_ref in pending:
            if (ref.id, source_ref) in existing:
                report.already_there += 1
                continue
            allegation = allegation_row(table, values, ref, person_id, source_ref)
            allegations.append(allegation)
            if person_id is None:
                report.note("accusations naming no officer")
            else:
                links.append(
                    link_row(
                        self.mapping.source, table, allegation["id"], person_id, values.person or "", self.now
                    )
                )
        if not self.dry_run and allegations:
            bulk.bulk_insert(session, _table(Allegation), allegations)
            if links:
                bulk.bulk_insert(session, _table(SubjectLink), links)
        report.imported += len(allegations)

    # -- complainants ---------------------------------------------------------------------------

    def complainants_batch(
        self, session: Session, table: TableMapping, batch: Batch, report: FileReport
    ) -> None:
        found = [(line, values, self._complaint_of(table, line, values, report)) for line, values in batch]
        pending = [(values, ref) for _, values, ref in found if ref is not None]
        # How many each complaint had before this run, looked up before this batch adds any.
        first_seen = {ref.id for _, ref in pending if ref.id not in self.complainants_before}
        if first_seen and self.nothing_yet:
            self.complainants_before.update(dict.fromkeys(first_seen, 0))
        elif first_seen:
            counts = select(Complainant.complaint_id, func.count()).where(
                Complainant.complaint_id.in_(first_seen)
            )
            before = dict(session.execute(counts.group_by(Complainant.complaint_id)).all())
            self.complainants_before.update(
                {complaint_id: before.get(complaint_id, 0) for complaint_id in first_seen}
            )
        rows = []
        for values, ref in pending:
            position = self.complainants_seen.get(values.complaint or "", 0) + 1
            self.complainants_seen[values.complaint or ""] = position
            if position <= self.complainants_before[ref.id]:
                report.already_there += 1
            else:
                rows.append({"id": uuid.uuid4(), "complaint_id": ref.id, "person_id": None, **values.fields})
        if rows and not self.dry_run:
            bulk.bulk_insert(session, _table(Complainant), rows)
        report.imported += len(rows)


def _subject(rule: FieldRule | None, otherwise: str) -> str:
    return rule.subject if rule else otherwise


def _allegation_key(table: TableMapping) -> str:
    """What identifies an accusation: its own key column, else its complaint and person together."""
    if table.key is not None:
        return table.key.subject
    parts = [_subject(table.complaint, "complaint")]
    if table.person is not None:
        parts.append(table.person.subject)
    return " and ".join(parts)
