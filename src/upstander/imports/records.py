"""The database rows each table receives from a read row (a dictionary per row, for executemany)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from upstander.imports.rows import RowValues
from upstander.imports.targets import TableMapping
from upstander.org.models import EmploymentStatus
from upstander.patterns.models import LinkStatus

DATE_FIELDS = ("received_on", "incident_on", "closed_on")


@dataclass(frozen=True)
class ComplaintRef:
    """A complaint the run knows: its id, and the dates its accusations take."""

    id: uuid.UUID
    received_on: date | None
    incident_on: date | None
    closed_on: date | None

    @property
    def dates(self) -> tuple[date | None, ...]:
        return (self.received_on, self.incident_on, self.closed_on)


def complaint_dates(values: RowValues) -> tuple[date | None, ...]:
    """Received, incident and closed dates of a read complaint row."""
    return tuple(_as_date(values.fields.get(name)) for name in DATE_FIELDS)


def _as_date(value: object) -> date | None:
    return value if isinstance(value, date) else None


def person_row(values: RowValues) -> dict[str, Any]:
    """A staff record; with no employment status in the source, the person is serving."""
    fields = dict(values.fields)
    status = fields.pop("employment_status", None)
    return {
        "id": uuid.uuid4(),
        "other_names": [],
        "protected_characteristics": {},
        "date_of_birth": None,
        "birth_year": None,
        "joined_on": None,
        "left_on": None,
        "ethnicity": None,
        "sex": None,
        **fields,
        "employment_status": EmploymentStatus(str(status)) if status else EmploymentStatus.SERVING,
    }


def allegation_row(
    table: TableMapping, values: RowValues, ref: ComplaintRef, person_id: uuid.UUID | None, source_ref: str
) -> dict[str, Any]:
    """An accusation. With ``dates_from_complaint``, a date the mapping does not give is its complaint's."""
    row: dict[str, Any] = dict.fromkeys(
        ("recommended_finding", "finding", "outcome", "sanction", *DATE_FIELDS)
    )
    if table.dates_from_complaint:
        row.update(zip(DATE_FIELDS, ref.dates, strict=True))
    row.update(
        {name: value for name, value in values.fields.items() if value is not None or name not in DATE_FIELDS}
    )
    row["stage_rank"] = row.get("stage_rank") or 0
    row["referred_to_overseer"] = bool(row.get("referred_to_overseer"))
    return {
        **row,
        "id": uuid.uuid4(),
        "complaint_id": ref.id,
        "source_ref": source_ref,
        "person_id": person_id,
        "described": {name: value for name, value in values.described.items() if value is not None},
    }


def link_row(
    source: str,
    table: TableMapping,
    allegation_id: uuid.UUID,
    person_id: uuid.UUID,
    officer: str,
    now: datetime,
) -> dict[str, Any]:
    """The standing link of an accusation to the officer the source names by its own id."""
    column = table.person.subject if table.person else "officer id"
    return {
        "id": uuid.uuid4(),
        "allegation_id": allegation_id,
        "person_id": person_id,
        "status": LinkStatus.LINKED,
        "method": "source_id",
        "score": 1.0,
        "reasons": f"{source} names the officer by its own id ({column} {officer}) in {table.file}",
        "decided_by_id": None,
        "decided_at": None,
        "created_at": now,
    }
