from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

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

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CaseKeyGrant(Base):
    __tablename__ = "case_key_grants"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseEvent(Base):
    """The case timeline: every step, in order. Never updated or deleted."""

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
