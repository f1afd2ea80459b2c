from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from upstander.db import Base, SealedText


class LegalHold(Base):
    """A decision maker's hold on a case and its reports: the retention job leaves them alone while it
    stands (``lifted_at`` empty). Lifted holds stay, with both reasons, as the record of why."""

    __tablename__ = "legal_holds"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    reason: Mapped[str] = mapped_column(SealedText)
    set_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime]
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    lift_reason: Mapped[str | None] = mapped_column(SealedText)

    # The job asks "which of these cases has a standing hold" for every closed case.
    __table_args__ = (Index("ix_legal_holds_case_id_lifted_at", "case_id", "lifted_at"),)
