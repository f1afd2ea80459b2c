"""What a mapping can describe: the tables an import fills, the fields each accepts, and the
frozen dataclasses a mapping is read into (by `upstander.imports.mapping`). Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

CONVERTERS: Mapping[str, str] = MappingProxyType(
    {
        "strip": "removes spaces around the value",
        "upper": "upper case",
        "lower": "lower case",
        "none_if_empty": "an empty value means no value",
        "date": "a date written YYYY-MM-DD (empty: no value)",
        "int": "a whole number (empty: no value)",
        "int_from_float": 'a whole number written as a decimal, like "600.0" (empty: no value)',
    }
)


class Target(StrEnum):
    PEOPLE = "people"
    COMPLAINTS = "complaints"
    OFFICER_FILED = "officer_filed"
    ALLEGATIONS = "allegations"
    COMPLAINANTS = "complainants"


IMPORT_ORDER = (
    Target.PEOPLE,
    Target.COMPLAINTS,
    Target.OFFICER_FILED,
    Target.ALLEGATIONS,
    Target.COMPLAINANTS,
)


class FieldType(StrEnum):
    TEXT = "text"
    DATE = "date"
    INT = "whole number"
    BOOL = "true or false"
    CHOICE = "choice"
    ANY = "any"


class MissingComplaint(StrEnum):
    REFUSE = "refuse"
    SKIP = "skip"


class Duplicates(StrEnum):
    FIRST = "first"
    REFUSE = "refuse"


@dataclass(frozen=True)
class TargetField:
    """What a field of a table accepts."""

    type: FieldType
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    bounds: tuple[int, int] | None = None
    required: bool = False  # the mapping must give it, and every row must have a value


_TEXT = {n: TargetField(FieldType.TEXT, n) for n in (40, 80, 120, 200)}
_DATE = TargetField(FieldType.DATE)
DATE_PART_FIELD = TargetField(FieldType.INT, bounds=(1, 9999))
KEY_FIELD = TargetField(FieldType.TEXT, 80)
DESCRIBED_FIELD = TargetField(FieldType.ANY)
EMPLOYMENT_STATUSES = ("serving", "suspended", "resigned", "retired", "dismissed")

TARGET_FIELDS: Mapping[Target, Mapping[str, TargetField]] = MappingProxyType(
    {
        Target.PEOPLE: {
            "staff_number": TargetField(FieldType.TEXT, 40, required=True),
            "given_name": TargetField(FieldType.TEXT, 120, required=True),
            "family_name": TargetField(FieldType.TEXT, 120, required=True),
            "rank": TargetField(FieldType.TEXT, 80, required=True),
            "employment_status": TargetField(FieldType.CHOICE, choices=EMPLOYMENT_STATUSES),
            "date_of_birth": _DATE,
            "birth_year": TargetField(FieldType.INT, bounds=(1850, 2100)),
            "joined_on": _DATE,
            "left_on": _DATE,
            "ethnicity": _TEXT[80],
            "sex": _TEXT[40],
        },
        Target.COMPLAINTS: {"received_on": _DATE, "incident_on": _DATE, "closed_on": _DATE},
        Target.OFFICER_FILED: {},
        Target.ALLEGATIONS: {
            "category": TargetField(FieldType.TEXT, 120, required=True),
            "received_on": _DATE,
            "incident_on": _DATE,
            "closed_on": _DATE,
            "recommended_finding": _TEXT[40],
            "finding": _TEXT[40],
            "outcome": _TEXT[120],
            "stage_rank": TargetField(FieldType.INT, bounds=(0, 4)),
            "referred_to_overseer": TargetField(FieldType.BOOL),
            "sanction": _TEXT[120],
        },
        Target.COMPLAINANTS: {
            "sex": _TEXT[40],
            "ethnicity": _TEXT[80],
            "age": TargetField(FieldType.INT, bounds=(0, 130)),
        },
    }
)
# A person's unit is optional: a row without a unit code is a person without a unit.
UNIT_FIELDS: Mapping[str, TargetField] = MappingProxyType({"code": _TEXT[40], "name": _TEXT[200]})
# Which join keys each table takes: name → whether the mapping must give it.
TARGET_KEYS: Mapping[Target, Mapping[str, bool]] = MappingProxyType(
    {
        Target.PEOPLE: {"key": True},
        Target.COMPLAINTS: {"key": True},
        Target.OFFICER_FILED: {"complaint": True},
        Target.ALLEGATIONS: {"complaint": True, "person": False, "key": False},
        Target.COMPLAINANTS: {"complaint": True},
    }
)


@dataclass(frozen=True)
class Condition:
    column: str
    values: frozenset[str]


@dataclass(frozen=True)
class FieldRule:
    """How one value is read from a row (see the module docstring for the order of the steps)."""

    name: str  # the mapping key, for messages: "allegations.fields.stage_rank"
    target: TargetField
    column: str | None = None
    value: object = None
    first: tuple[FieldRule, ...] = ()
    only_when: Condition | None = None
    convert: tuple[str, ...] = ()
    none_for: frozenset[str] = frozenset()
    values: Mapping[str, object] | None = None
    present: object = None  # stored whenever the cell has a value, whatever it is
    template: str | None = None
    default: object = None
    required: bool = False
    # A key made of several columns: each part read as a text, joined with "/".
    parts: tuple[FieldRule, ...] = ()
    # A date built from a year, a month and (optionally) a day column; with no day, the 1st.
    date_parts: tuple[FieldRule, ...] = ()

    @property
    def columns(self) -> frozenset[str]:
        own = {self.column} if self.column else set()
        if self.only_when:
            own.add(self.only_when.column)
        nested = (*self.first, *self.parts, *self.date_parts)
        return frozenset(own).union(*(rule.columns for rule in nested))

    @property
    def subject(self) -> str:
        """What a problem with this value is called: the source column(s), else the field."""
        if self.parts or self.date_parts:
            return " and ".join(part.subject for part in (*self.parts, *self.date_parts))
        return self.column or self.name.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class UnitRule:
    """A person's unit: its code (units are created under the organisation) and name."""

    code: FieldRule
    name: FieldRule | None


@dataclass(frozen=True)
class TableMapping:
    """One file feeding one table: its join keys, its fields and how to treat repeats and orphans."""

    target: Target
    file: str
    key: FieldRule | None = None
    complaint: FieldRule | None = None
    person: FieldRule | None = None
    fields: Mapping[str, FieldRule] = field(default_factory=dict)
    described: Mapping[str, FieldRule] = field(default_factory=dict)
    unit: UnitRule | None = None
    duplicates: Duplicates = Duplicates.FIRST
    missing_complaint: MissingComplaint = MissingComplaint.REFUSE
    dates_from_complaint: bool = False
    # Accusations only: each row is one accusation even when rows repeat a complaint and person
    # (a file with one row per accusation and no id for it); see `imports/mapping.py`.
    each_row: bool = False

    @property
    def rules(self) -> tuple[FieldRule, ...]:
        keys = (self.key, self.complaint, self.person)
        unit = (self.unit.code, self.unit.name) if self.unit else ()
        every = (*keys, *self.fields.values(), *self.described.values(), *unit)
        return tuple(rule for rule in every if rule is not None)

    @property
    def columns(self) -> frozenset[str]:
        """Every column the mapping reads from the file (its header must have them all)."""
        return frozenset().union(*(rule.columns for rule in self.rules))


@dataclass(frozen=True)
class Organisation:
    """The body the imported people work for (an org unit of kind force)."""

    code: str
    name: str


@dataclass(frozen=True)
class ImportMapping:
    """A whole source: its name (``Complaint.source``), its default folder and its tables in import order."""

    path: Path
    source: str
    title: str
    folder: str | None
    organisation: Organisation | None
    tables: tuple[TableMapping, ...]

    def table(self, target: Target) -> TableMapping | None:
        return next((table for table in self.tables if table.target is target), None)
