"""The outbox of notifications and each person's choice of how to receive them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from upstander.accounts.models import enum_column
from upstander.db import Base, utcnow


class Delivery(StrEnum):
    PENDING = "pending"  # waiting for a worker to send it
    DIGEST = "digest"  # kept for the person's daily digest
    SENT = "sent"
    HELD = "held"  # could not be sent (no mail server configured, no address): kept, said in the log


class Notification(Base):
    """One content-free message for one person, written in the transaction of its cause.

    The row is the outbox: a job that sends it is only ever a pointer to it, so a rolled-back
    cause leaves nothing to send and a committed one is never lost. ``claimed_until`` is the
    lease a worker takes before sending; a worker killed mid-send lets it expire, and the row is
    sent by the next sweep.
    """

    __tablename__ = "notifications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    recipient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    link: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date | None]
    # The same reminder (this report's acknowledgement, due on this day) is written once per person.
    dedupe_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    delivery: Mapped[Delivery] = mapped_column(
        enum_column(Delivery, 16), default=Delivery.PENDING, index=True
    )
    claimed_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("recipient_id", "dedupe_key"),)


class NotificationChoice(Base):
    """Where a person's notifications go and whether at once or in one daily digest."""

    __tablename__ = "notification_choices"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # "email", not "address": no column may look as if it kept a client's network address (test_anonymity).
    address: Mapped[str] = mapped_column("email", String(254))
    daily_digest: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
