"""Escrowed reports and their match entries (see `escrow_rules` for the scheme).

An escrowed report's content is encrypted under a fresh data key that is stored nowhere in the
clear and sealed to nobody: only the threshold scheme wraps it. Nothing here names the reporter:
`reporter_ref` is derived from the reporter's own private key, which the server holds only
while they are signed in. OPRF outputs are never stored; only values derived from them one way.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from upstander.accounts.models import enum_column
from upstander.db import Base


class EscrowStatus(StrEnum):
    ESCROWED = "escrowed"
    OPENED = "opened"
    WITHDRAWN = "withdrawn"


class EscrowedReport(Base):
    __tablename__ = "escrowed_reports"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    reporter_ref: Mapped[str] = mapped_column(String(64), index=True)
    threshold: Mapped[int]
    status: Mapped[EscrowStatus] = mapped_column(enum_column(EscrowStatus, 16))
    # The day only: a filing time could be matched against the times staff were signed in.
    filed_on: Mapped[date]
    opened_at: Mapped[datetime | None]
    withdrawn_on: Mapped[date | None]
    # Encrypted under the data key (wrapped only by the entries); wiped on withdrawal.
    encrypted_content: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The reporter's own key pair for this report: the private half sealed to their account key,
    # their copy of what they wrote sealed to the public half (it becomes the report's reporter key).
    reporter_public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    sealed_reporter_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    reporter_copy: Mapped[bytes | None] = mapped_column(LargeBinary)
    report_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reports.id"))


class EscrowMatchEntry(Base):
    """One identifier of the named person: a match token and this reporter's shares."""

    __tablename__ = "escrow_match_entries"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    escrowed_report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("escrowed_reports.id", ondelete="CASCADE"), index=True
    )
    match_token: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    share_x: Mapped[bytes] = mapped_column(LargeBinary(32))
    share_ys: Mapped[bytes] = mapped_column(LargeBinary)
    key_check: Mapped[bytes] = mapped_column(LargeBinary(32))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary(64))


class EscrowKeyPin(Base):
    """The escrow key service's public key, pinned on first contact: a changed key is refused."""

    __tablename__ = "escrow_key_pins"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    pinned_at: Mapped[datetime]
