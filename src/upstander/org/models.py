from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from upstander.accounts.models import enum_column
from upstander.db import Base


class OrgUnitKind(StrEnum):
    FORCE = "force"
    COMMAND = "command"
    UNIT = "unit"
    TEAM = "team"


class EmploymentStatus(StrEnum):
    SERVING = "serving"
    SUSPENDED = "suspended"
    RESIGNED = "resigned"
    RETIRED = "retired"
    DISMISSED = "dismissed"


class OrgUnit(Base):
    __tablename__ = "org_units"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    kind: Mapped[OrgUnitKind] = mapped_column(enum_column(OrgUnitKind))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # A closed unit keeps its history (postings, cases, statistics name it) but takes no one new.
    closed_on: Mapped[date | None]

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])


class Person(Base):
    """A staff record. Protected characteristics are self-declared and optional (equality monitoring)."""

    __tablename__ = "people"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    staff_number: Mapped[str] = mapped_column(String(40), unique=True)
    given_name: Mapped[str] = mapped_column(String(120))
    family_name: Mapped[str] = mapped_column(String(120), index=True)
    other_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    rank: Mapped[str] = mapped_column(String(80))
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    employment_status: Mapped[EmploymentStatus] = mapped_column(
        enum_column(EmploymentStatus), default=EmploymentStatus.SERVING
    )
    date_of_birth: Mapped[date | None]
    # Some sources give only a year of birth (enough for age bands in equality statistics).
    birth_year: Mapped[int | None]
    joined_on: Mapped[date | None]
    left_on: Mapped[date | None]
    ethnicity: Mapped[str | None] = mapped_column(String(80))
    sex: Mapped[str | None] = mapped_column(String(40))
    protected_characteristics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    unit: Mapped[OrgUnit | None] = relationship()

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"
