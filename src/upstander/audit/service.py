"""Appending to the audit chain (inside the caller's transaction) and verifying it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander import crypto
from upstander.audit import rules
from upstander.audit.models import AuditCheckpoint, AuditEntry, AuditHead
from upstander.db import Database

HEAD_ID = 1
# Which transaction of a session already holds the lock on the chain's head (see `_locked_head`).
_HEAD_LOCKED_IN = "upstander.audit.head_locked_in"


@dataclass(frozen=True)
class Actor:
    """Who did something, as the audit log names them (never an IP address or user agent)."""

    label: str

    @classmethod
    def user(cls, user_id: object) -> Actor:
        return cls(f"user:{user_id}")

    @classmethod
    def reporter(cls, report_id: object) -> Actor:
        return cls(f"reporter:{report_id}")

    @classmethod
    def system(cls, what: str = "system") -> Actor:
        return cls(f"system:{what}")


class AuditLog:
    def __init__(self, signing_seed: bytes, checkpoint_every: int) -> None:
        self._signing_key = crypto.signing_key_from_seed(signing_seed)
        self.public_key = crypto.public_signing_key(self._signing_key).hex()
        self._checkpoint_every = checkpoint_every

    def record(
        self,
        session: Session,
        actor: Actor,
        action: str,
        subject_type: str,
        subject_id: object,
        details: Mapping[str, Any] | None = None,
        at: datetime | None = None,
    ) -> AuditEntry:
        """Append one entry in the caller's transaction: it commits or vanishes with the change it records."""
        head = self._locked_head(session)
        # Round-trip through JSON so the hash covers exactly what the database will give back.
        clean_details = json.loads(json.dumps(dict(details or {}), default=str))
        fields = rules.EntryFields(
            seq=head.last_seq + 1,
            at=(at or datetime.now(UTC)).astimezone(UTC),
            actor=actor.label,
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            details=clean_details,
            prev_hash=head.last_hash,
        )
        entry = AuditEntry(
            seq=fields.seq,
            at=fields.at,
            actor=fields.actor,
            action=fields.action,
            subject_type=fields.subject_type,
            subject_id=fields.subject_id,
            details=clean_details,
            prev_hash=fields.prev_hash,
            entry_hash=rules.entry_hash(fields),
        )
        session.add(entry)
        head.last_seq = entry.seq
        head.last_hash = entry.entry_hash
        if entry.seq % self._checkpoint_every == 0:
            session.flush()
            self._sign(session, entry)
        return entry

    @staticmethod
    def _locked_head(session: Session) -> AuditHead:
        """The chain's head row, locked for the rest of the transaction.

        The first entry of a transaction locks the row (`SELECT ... FOR UPDATE`); later entries in the
        same transaction reuse it from the session without asking again, so a use case that writes
        many entries (a full scan raising thousands of flags) makes one round trip for the lock, not
        one per entry, and its inserts go out together at the next flush."""
        transaction = session.get_transaction()
        if transaction is not None and session.info.get(_HEAD_LOCKED_IN) is transaction:
            head = session.get(AuditHead, HEAD_ID)
            if head is not None:
                return head
        head = session.get(AuditHead, HEAD_ID, with_for_update=True)
        if head is None:
            head = AuditHead(id=HEAD_ID, last_seq=0, last_hash=rules.GENESIS_HASH)
            session.add(head)
        # A lock taken inside a savepoint goes if the savepoint is rolled back: remember only the others.
        session.info[_HEAD_LOCKED_IN] = None if session.in_nested_transaction() else transaction
        return head

    def checkpoint(self, session: Session) -> AuditCheckpoint | None:
        """Sign the current head now (for example at the end of an import or on a schedule)."""
        head = session.get(AuditHead, HEAD_ID, with_for_update=True)
        if head is None or head.last_seq == 0:
            return None
        existing = session.get(AuditCheckpoint, head.last_seq)
        if existing is not None:
            return existing
        entry = session.get(AuditEntry, head.last_seq)
        if entry is None:
            return None
        return self._sign(session, entry)

    def _sign(self, session: Session, entry: AuditEntry) -> AuditCheckpoint:
        signature = crypto.sign(self._signing_key, rules.checkpoint_message(entry.seq, entry.entry_hash))
        checkpoint = AuditCheckpoint(
            seq=entry.seq,
            entry_hash=entry.entry_hash,
            signed_at=datetime.now(UTC),
            public_key=self.public_key,
            signature=signature.hex(),
        )
        session.add(checkpoint)
        return checkpoint


def _signature_valid(public_key_hex: str, message: bytes, signature_hex: str) -> bool:
    try:
        return crypto.verify_signature(bytes.fromhex(public_key_hex), message, bytes.fromhex(signature_hex))
    except ValueError:
        return False


VERIFY_BATCH = 10_000
_CHAIN_COLUMNS = (
    AuditEntry.seq,
    AuditEntry.at,
    AuditEntry.actor,
    AuditEntry.action,
    AuditEntry.subject_type,
    AuditEntry.subject_id,
    AuditEntry.details,
    AuditEntry.prev_hash,
    AuditEntry.entry_hash,
)


def _checkpoints_between(session: Session, low: int, high: int) -> dict[int, rules.StoredCheckpoint]:
    return {
        seq: rules.StoredCheckpoint(seq, entry_hash, public_key, signature)
        for seq, entry_hash, public_key, signature in session.execute(
            select(
                AuditCheckpoint.seq,
                AuditCheckpoint.entry_hash,
                AuditCheckpoint.public_key,
                AuditCheckpoint.signature,
            ).where(AuditCheckpoint.seq.between(low, high))
        )
    }


def verify(database: Database, trusted_public_key: str, batch: int = VERIFY_BATCH) -> rules.Verdict:
    """Stream the chain in batches keyed on the sequence, so memory stays flat at any length.

    Rows come back as plain tuples (no ORM objects, no identity map), each batch with the
    checkpoints inside its range."""
    walk = rules.ChainWalk(trusted_public_key, _signature_valid)
    with database.transaction() as session:
        last = 0
        while True:
            rows = session.execute(
                select(*_CHAIN_COLUMNS).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
            ).all()
            if not rows:
                break
            high = rows[-1][0]
            broken = walk.feed(rows, _checkpoints_between(session, last + 1, high))
            if broken is not None:
                return broken
            last = high
        beyond = session.scalars(select(AuditCheckpoint.seq).where(AuditCheckpoint.seq >= walk.next_seq))
        verdict = walk.finish(beyond)
        head = session.get(AuditHead, HEAD_ID)
        if verdict.ok and head is not None and head.last_seq != verdict.entries_checked:
            return rules.Verdict(
                False,
                verdict.entries_checked,
                verdict.checkpoints_checked,
                verdict.entries_checked + 1,
                "entries after this point are missing",
            )
        return verdict
