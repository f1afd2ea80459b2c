from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from upstander.db import Base


class RetentionErasure(Base):
    """One kind of record of one case, deleted or anonymised by the retention job: never chosen again."""

    __tablename__ = "retention_erasures"
    __table_args__ = (UniqueConstraint("case_id", "kind"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    erased_at: Mapped[datetime]
