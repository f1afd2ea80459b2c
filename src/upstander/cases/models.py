from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from upstander.accounts.models import enum_column
from upstander.db import Base, utcnow


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    opened_at: Mapped[datetime]
    opened_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    handler_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    stage: Mapped[str] = mapped_column(String(40), default="open")
    policy_pack: Mapped[str] = mapped_column(String(60))
    policy_version: Mapped[str] = mapped_column(String(20))
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    # Moves on with every change to the case, its timeline included (see `workflow.lock_case`):
    # each UPDATE is `... WHERE version = <the one read>`, and what a person saw is checked against it.
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    # What the case waits for, kept from its events by the workflow (`engine/owed.py`) so lists and
    # dashboards filter and sort on it in SQL: the first duty's date (9999-12-31 when none is owed),
    # what that duty is, and the roles owed the next step, each between commas (",decision_maker,").
    next_due_on: Mapped[date] = mapped_column(server_default="9999-12-31")
    next_due_label: Mapped[str | None] = mapped_column(String(200))
    owed_by: Mapped[str] = mapped_column(String(200), server_default="")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    # The case list pages by (opened_at, id) (migration 0013) and by (next_due_on, id) (0018).
    __table_args__ = (
        Index("ix_cases_opened_at_id", "opened_at", "id"),
        Index("ix_cases_next_due_on_id", "next_due_on", "id"),
    )


class CaseEvent(Base):
    """The case timeline: every step, in order. Never deleted; updated only by the retention job,
    which strips the sealed free text once the pack's period after closure has passed."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(60))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RepresentativeConsent(Base):
    """A subject's consent for a named staff-association representative to see their case.

    Recorded by the case handler or a decision maker from the subject's signed consent (subjects
    are often not users, and hold no case key). Withdrawal, by the same people, by the subject's
    own account or by the representative stepping down, ends it at once: the copies sealed to the
    representative are deleted in the same transaction. Never deleted itself."""

    __tablename__ = "representative_consents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    representative_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    given_on: Mapped[datetime]
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class DisclosedCopy(Base):
    """One timeline entry disclosed to the subject, sealed to one consented representative's own
    public key: the representative never holds the case key, so cannot open anything else."""

    __tablename__ = "disclosed_copies"
    __table_args__ = (UniqueConstraint("case_id", "representative_id", "seq"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    representative_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class ComplaintChannel(StrEnum):
    INTERNAL_REPORT = "internal_report"
    PUBLIC_COMPLAINT = "public_complaint"
    IMPORT = "import"


class Complaint(Base):
    """One complaint record, whatever its source; `source` + `source_ref` identify it there."""

    __tablename__ = "complaints"
    __table_args__ = (UniqueConstraint("source", "source_ref"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    source: Mapped[str] = mapped_column(String(60))
    source_ref: Mapped[str] = mapped_column(String(80))
    channel: Mapped[ComplaintChannel] = mapped_column(enum_column(ComplaintChannel))
    received_on: Mapped[date | None] = mapped_column(index=True)
    incident_on: Mapped[date | None] = mapped_column(index=True)
    closed_on: Mapped[date | None]
    filed_by_officer: Mapped[bool] = mapped_column(default=False)
    report_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reports.id"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), index=True)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class Complainant(Base):
    """Who complained, for equality monitoring only: characteristics, never a name."""

    __tablename__ = "complainants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    complaint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    sex: Mapped[str | None] = mapped_column(String(40))
    ethnicity: Mapped[str | None] = mapped_column(String(80))
    age: Mapped[int | None]


class Allegation(Base):
    """One accusation: one complaint against one person. `person_id` mirrors the standing link."""

    __tablename__ = "allegations"
    __table_args__ = (Index("ix_allegations_person_received", "person_id", "received_on"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    complaint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    source_ref: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(120))
    received_on: Mapped[date | None] = mapped_column(index=True)
    incident_on: Mapped[date | None]
    recommended_finding: Mapped[str | None] = mapped_column(String(40))
    finding: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str | None] = mapped_column(String(120))
    closed_on: Mapped[date | None]
    # How far through the process the allegation went, for stage statistics (equality/stages.py):
    # 0 reported, 1 assessed, 2 investigated, 3 case to answer, 4 proven; `sanction` once imposed.
    stage_rank: Mapped[int] = mapped_column(default=0)
    referred_to_overseer: Mapped[bool] = mapped_column(default=False)
    sanction: Mapped[str | None] = mapped_column(String(120))
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    described: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
