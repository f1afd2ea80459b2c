"""The audit trail as the overseer reads it: filtered, paged newest first, exported as CSV.

It lives with the accounts because it names the people who acted. Every entry shown says whether
the chain verifies up to it and which signed checkpoint covers it; every reading is itself written
to the chain, so the overseer's own reading is on the record too.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from upstander import access
from upstander.accounts.models import User
from upstander.accounts.service import StaffPrincipal
from upstander.audit import service as audit_service
from upstander.audit.models import AuditCheckpoint, AuditEntry
from upstander.audit.rules import Verdict
from upstander.audit.service import AuditLog
from upstander.db import Database, utcnow
from upstander.errors import InvalidInput

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
EXPORT_BATCH = 1000
CSV_COLUMNS = (
    "seq",
    "at",
    "actor",
    "actor_name",
    "action",
    "subject_type",
    "subject_id",
    "details",
    "entry_hash",
    "chain_verified",
    "signed_checkpoint",
)


@dataclass(frozen=True)
class TrailFilter:
    case_id: str = ""
    report_id: str = ""
    account: str = ""  # entries about one account, by username
    actor: str = ""  # a username, or a label as the chain writes it ("system:cli")
    action: str = ""  # an action, or the start of one ("user." for every account step)
    since: date | None = None
    until: date | None = None

    def named(self) -> dict[str, str]:
        return {name: str(value) for name, value in asdict(self).items() if value}


@dataclass(frozen=True)
class TrailEntry:
    seq: int
    at: datetime
    actor: str
    actor_name: str
    action: str
    subject_type: str
    subject_id: str
    details: dict[str, Any]
    entry_hash: str
    chain_verified: bool
    signed_checkpoint: int | None  # the first signed checkpoint at or after this entry


@dataclass(frozen=True)
class TrailPage:
    entries: list[TrailEntry]
    next_before: int | None
    verdict: Verdict
    last_checkpoint: int | None
    last_checkpoint_at: datetime | None


class AuditTrail:
    def __init__(self, database: Database, audit: AuditLog, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._audit = audit
        self._clock = clock

    def page(
        self, reader: StaffPrincipal, where: TrailFilter, before: int | None = None, limit: int = PAGE_SIZE
    ) -> TrailPage:
        access.require(reader.roles, access.Action.VIEW_AUDIT)
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        verdict = audit_service.verify(self._db, self._audit.public_key)
        now = self._clock()
        with self._db.transaction() as session:
            query = self._query(session, where)
            if before is not None:
                query = query.where(AuditEntry.seq < before)
            rows = list(session.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit + 1)))
            more = len(rows) > limit
            rows = rows[:limit]
            entries = self._described(session, rows, verdict)
            last = session.execute(
                select(AuditCheckpoint.seq, AuditCheckpoint.signed_at)
                .order_by(AuditCheckpoint.seq.desc())
                .limit(1)
            ).first()
            self._audit.record(
                session,
                reader.actor,
                "audit.viewed",
                "audit",
                "trail",
                {"filters": where.named(), "before": before, "shown": len(entries)},
                at=now,
            )
        return TrailPage(
            entries,
            entries[-1].seq if more and entries else None,
            verdict,
            last.seq if last else None,
            last.signed_at if last else None,
        )

    def export_csv(self, reader: StaffPrincipal, where: TrailFilter) -> Iterator[str]:
        """Every matching entry as CSV, newest first, read in keyset batches. The export is recorded
        before the first line is produced."""
        access.require(reader.roles, access.Action.VIEW_AUDIT)
        verdict = audit_service.verify(self._db, self._audit.public_key)
        with self._db.transaction() as session:
            self._query(session, where)  # refuses a bad filter before anything is recorded
            self._audit.record(
                session,
                reader.actor,
                "audit.exported",
                "audit",
                "trail",
                {"filters": where.named()},
                at=self._clock(),
            )
        return self._csv_lines(where, verdict)

    def _csv_lines(self, where: TrailFilter, verdict: Verdict) -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)

        def line(values: Any) -> str:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(values)
            return buffer.getvalue()

        yield line(CSV_COLUMNS)
        before: int | None = None
        while True:
            with self._db.transaction() as session:
                query = self._query(session, where)
                if before is not None:
                    query = query.where(AuditEntry.seq < before)
                rows = list(session.scalars(query.order_by(AuditEntry.seq.desc()).limit(EXPORT_BATCH)))
                entries = self._described(session, rows, verdict)
            for entry in entries:
                yield line(
                    (
                        entry.seq,
                        entry.at.isoformat(),
                        entry.actor,
                        entry.actor_name,
                        entry.action,
                        entry.subject_type,
                        entry.subject_id,
                        json.dumps(entry.details, sort_keys=True, ensure_ascii=False),
                        entry.entry_hash,
                        "yes" if entry.chain_verified else "no",
                        entry.signed_checkpoint or "",
                    )
                )
            if len(rows) < EXPORT_BATCH:
                return
            before = rows[-1].seq

    @staticmethod
    def _query(session: Session, where: TrailFilter) -> Select[AuditEntry]:
        query = select(AuditEntry)
        for subject_type, value in (("case", where.case_id), ("report", where.report_id)):
            if value:
                query = query.where(
                    AuditEntry.subject_type == subject_type,
                    AuditEntry.subject_id == _uuid(value, subject_type),
                )
        if where.account:
            query = query.where(
                AuditEntry.subject_type == "user", AuditEntry.subject_id == _user_id(session, where.account)
            )
        if where.actor:
            label = where.actor.strip()
            if ":" not in label:
                label = f"user:{_user_id(session, label)}"
            query = query.where(AuditEntry.actor == label)
        if where.action:
            action = where.action.strip()
            query = query.where(
                AuditEntry.action.startswith(action, autoescape=True)
                if action.endswith(".")
                else AuditEntry.action == action
            )
        if where.since and where.until and where.since > where.until:
            raise InvalidInput("The first day comes after the last.", fields={"since": "after until"})
        if where.since:
            query = query.where(AuditEntry.at >= datetime.combine(where.since, time(), UTC))
        if where.until:
            query = query.where(
                AuditEntry.at < datetime.combine(where.until + timedelta(days=1), time(), UTC)
            )
        return query

    @staticmethod
    def _described(session: Session, rows: list[AuditEntry], verdict: Verdict) -> list[TrailEntry]:
        """Names and checkpoints for one batch of entries, in two queries whatever its size."""
        if not rows:
            return []
        user_ids = {
            _parse_uuid(row.actor.removeprefix("user:")) for row in rows if row.actor.startswith("user:")
        }
        names = {
            f"user:{user_id}": username
            for user_id, username in session.execute(
                select(User.id, User.username).where(User.id.in_([u for u in user_ids if u is not None]))
            ).all()
        }
        lowest, highest = rows[-1].seq, rows[0].seq
        covering = sorted(
            session.scalars(select(AuditCheckpoint.seq).where(AuditCheckpoint.seq.between(lowest, highest)))
        )
        after = session.scalar(select(func.min(AuditCheckpoint.seq)).where(AuditCheckpoint.seq > highest))
        if after is not None:
            covering.append(after)
        broken = None if verdict.ok else verdict.first_broken_seq

        def checkpoint_of(seq: int) -> int | None:
            return next((signed for signed in covering if signed >= seq), None)

        return [
            TrailEntry(
                seq=row.seq,
                at=row.at,
                actor=row.actor,
                actor_name=names.get(row.actor, ""),
                action=row.action,
                subject_type=row.subject_type,
                subject_id=row.subject_id,
                details=dict(row.details),
                entry_hash=row.entry_hash,
                chain_verified=broken is None or row.seq < broken,
                signed_checkpoint=checkpoint_of(row.seq),
            )
            for row in rows
        ]


def _parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _uuid(value: str, what: str) -> str:
    parsed = _parse_uuid(value.strip())
    if parsed is None:
        raise InvalidInput(f"That is not a {what} id.", fields={f"{what}_id": "not an id"})
    return str(parsed)


def _user_id(session: Session, username: str) -> str:
    found = session.scalar(select(User.id).where(User.username == username.strip().lower()))
    if found is None:
        raise InvalidInput(f"There is no account named {username.strip()!r}.", fields={"account": "unknown"})
    return str(found)
