"""A vetting officer's own past checks, read back from the audit chain where each is recorded.

Only what the chain keeps is shown (the purpose, the staff number asked about, the verdict and how
many records matched); the names asked about were never kept, only their hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander.audit.models import AuditEntry

CHECKED = "vetting.checked"
PAGE_SIZE = 20


@dataclass(frozen=True)
class PastCheck:
    seq: int
    checked_at: datetime
    purpose: str
    staff_number: str | None
    by_name: bool
    verdict: str
    matches: int


@dataclass(frozen=True)
class PastChecks:
    checks: list[PastCheck]
    next_before: int | None


def checks_by(session: Session, actor: str, before: int | None, limit: int = PAGE_SIZE) -> PastChecks:
    """One page of the checks `actor` ran, newest first (keyset on the chain's sequence)."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.action == CHECKED, AuditEntry.actor == actor)
        .order_by(AuditEntry.seq.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(AuditEntry.seq < before)
    rows = list(session.scalars(query))
    page = [
        PastCheck(
            seq=row.seq,
            checked_at=row.at,
            purpose=str(row.details.get("purpose", "")),
            staff_number=row.details.get("staff_number"),
            by_name=bool(row.details.get("name_hash")),
            verdict=str(row.details.get("verdict", "")),
            matches=int(row.details.get("matches", 0)),
        )
        for row in rows[:limit]
    ]
    return PastChecks(page, page[-1].seq if len(rows) > limit and page else None)
