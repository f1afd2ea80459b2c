"""Complaints and allegations from every channel, each allegation linked to the person it names.

An internal report, a public complaint and an imported historical record all become a
`Complaint` with one `Allegation` per person accused. The link from an allegation to a staff
record is its own row (`SubjectLink`): made automatically for an exact staff number, suggested
by similarity otherwise, then confirmed or rejected by a handler with a reason. Links are never
deleted, and nothing about an outcome ("no further action", "not sustained") removes one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from upstander.accounts.models import enum_column
from upstander.db import Base, SealedText, utcnow


class LinkStatus(StrEnum):
    LINKED = "linked"  # made automatically: an exact staff number, or a source's own officer id
    SUGGESTED = "suggested"  # a candidate waiting for a handler's decision
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


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
