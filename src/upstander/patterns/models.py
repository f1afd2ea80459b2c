"""Complaints and allegations from every channel, each allegation linked to the person it names.

An internal report, a public complaint and an imported historical record all become a
`Complaint` with one `Allegation` per person accused. The link from an allegation to a staff
record is its own row (`SubjectLink`): made automatically for an exact staff number, suggested
by similarity otherwise, then confirmed or rejected by a handler with a reason. Links are never
deleted, and nothing about an outcome ("no further action", "not sustained") removes one.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from upstander.accounts.models import enum_column
from upstander.db import Base, SealedText, utcnow


class ComplaintChannel(StrEnum):
    INTERNAL_REPORT = "internal_report"
    PUBLIC_COMPLAINT = "public_complaint"
    IMPORT = "import"


class LinkStatus(StrEnum):
    LINKED = "linked"  # made automatically: an exact staff number, or a source's own officer id
    SUGGESTED = "suggested"  # a candidate waiting for a handler's decision
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


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


class SubjectLink(Base):
    """A decision that an allegation names a person (or a suggestion waiting for one). Never deleted."""

    __tablename__ = "subject_links"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    allegation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("allegations.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[LinkStatus] = mapped_column(enum_column(LinkStatus))
    method: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float, default=1.0)
    reasons: Mapped[str] = mapped_column(SealedText, default="")
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FlagStatus(StrEnum):
    OPEN = "open"  # waiting for a decision maker's response
    ANSWERED = "answered"


class FlagDecision(StrEnum):
    """What a decision maker decided on seeing the pattern."""

    NO_ACTION = "no_action"
    MANAGEMENT_ACTION = "management_action"
    REFERRED_FOR_ASSESSMENT = "referred_for_assessment"
    RESTRICTION_CONSIDERED = "restriction_considered"


class InterventionFlag(Base):
    """A pattern across one person's allegations that an early-intervention rule found.

    Open until a decision maker records a response; nothing about a case's outcome touches it.
    """

    __tablename__ = "intervention_flags"
    __table_args__ = (Index("ix_intervention_flags_person_rule", "person_id", "rule_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    rule_id: Mapped[str] = mapped_column(String(80))
    rule_title: Mapped[str] = mapped_column(String(200))
    pack_id: Mapped[str] = mapped_column(String(60))
    pack_version: Mapped[str] = mapped_column(String(40))
    raised_at: Mapped[datetime]
    raised_by: Mapped[str] = mapped_column(String(40))  # "new allegation" or "scan"
    allegation_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    detail: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[FlagStatus] = mapped_column(enum_column(FlagStatus), index=True)
    decision: Mapped[FlagDecision | None] = mapped_column(enum_column(FlagDecision))
    reasons: Mapped[str | None] = mapped_column(SealedText)
    responded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[datetime | None]
