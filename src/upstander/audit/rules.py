"""The audit chain's rules: how an entry is hashed and how a chain is judged. Pure, no I/O."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class EntryFields:
    seq: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    details: Mapping[str, Any]
    prev_hash: str


@dataclass(frozen=True)
class StoredEntry:
    fields: EntryFields
    entry_hash: str


@dataclass(frozen=True)
class StoredCheckpoint:
    seq: int
    entry_hash: str
    public_key: str
    signature: str


# One encoder made once: `json.dumps` with these options builds a new encoder on every call,
# which costs more than the hashing it feeds when a whole chain is verified.
_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def canonical(fields: EntryFields) -> bytes:
    """The exact bytes an entry's hash covers: every column, in a fixed order and encoding."""
    return canonical_values(
        fields.seq,
        fields.at,
        fields.actor,
        fields.action,
        fields.subject_type,
        fields.subject_id,
        fields.details,
        fields.prev_hash,
    )


def canonical_values(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    details: Mapping[str, Any],
    prev_hash: str,
) -> bytes:
    document = {
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "details": details,
        "prev_hash": prev_hash,
    }
    return _ENCODE(document).encode()


def entry_hash(fields: EntryFields) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()


def checkpoint_message(seq: int, hash_at_seq: str) -> bytes:
    return f"upstander-audit-checkpoint:{seq}:{hash_at_seq}".encode()


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries_checked: int
    checkpoints_checked: int
    first_broken_seq: int | None = None
    reason: str = ""

    def describe(self) -> str:
        if self.ok:
            return (
                f"OK: {self.entries_checked} entries chained, "
                f"{self.checkpoints_checked} signed checkpoints verified"
            )
        return f"BROKEN at entry {self.first_broken_seq}: {self.reason}"


# A stored entry as the database hands it back, column by column:
# (seq, at, actor, action, subject_type, subject_id, details, prev_hash, entry_hash).
ChainRow = tuple[int, datetime, str, str, str, str, Mapping[str, Any], str, str]


class ChainWalk:
    """Judges a chain fed to it batch by batch, in order, holding only the last hash.

    Memory stays constant however long the chain: each batch comes with the checkpoints that fall
    inside it, and `finish` is told which checkpoints lie beyond the last entry.
    `signature_valid(public_key_hex, message, signature_hex) -> bool` is passed in so this module
    stays free of cryptographic libraries.
    """

    def __init__(self, trusted_public_key: str, signature_valid: Any) -> None:
        self._trusted = trusted_public_key
        self._signature_valid = signature_valid
        self.next_seq = 1
        self._prev_hash = GENESIS_HASH
        self._checked = 0
        self._checkpoints_checked = 0
        self.broken: Verdict | None = None

    def _break(self, seq: int, reason: str, checked: int | None = None) -> Verdict:
        self._checked = self._checked if checked is None else checked
        self.broken = Verdict(False, self._checked, self._checkpoints_checked, seq, reason)
        return self.broken

    def feed(self, rows: Iterable[ChainRow], checkpoints: Mapping[int, StoredCheckpoint]) -> Verdict | None:
        """Check the next rows; the verdict naming the first broken entry, or None while sound."""
        if self.broken is not None:
            return self.broken
        sha256 = hashlib.sha256
        expected_seq = self.next_seq
        prev_hash = self._prev_hash
        checked = self._checked
        try:
            for seq, at, actor, action, subject_type, subject_id, details, row_prev, row_hash in rows:
                if seq != expected_seq:
                    return self._break(expected_seq, "entry is missing from the chain", checked)
                if row_prev != prev_hash:
                    return self._break(seq, "does not link to the entry before it", checked)
                encoded = canonical_values(
                    seq, at, actor, action, subject_type, subject_id, details, row_prev
                )
                if sha256(encoded).hexdigest() != row_hash:
                    return self._break(seq, "its content does not match its hash", checked)
                checkpoint = checkpoints.get(seq) if checkpoints else None
                if checkpoint is not None:
                    reason = self._checkpoint_fault(seq, row_hash, checkpoint)
                    if reason:
                        return self._break(seq, reason, checked)
                    self._checkpoints_checked += 1
                prev_hash = row_hash
                expected_seq += 1
                checked += 1
        finally:
            self.next_seq = expected_seq
            self._prev_hash = prev_hash
            self._checked = checked
        return None

    def _checkpoint_fault(self, seq: int, row_hash: str, checkpoint: StoredCheckpoint) -> str:
        if checkpoint.public_key != self._trusted:
            return "checkpoint signed by an unknown key"
        if checkpoint.entry_hash != row_hash or not self._signature_valid(
            self._trusted, checkpoint_message(seq, row_hash), checkpoint.signature
        ):
            return "signed checkpoint does not match the chain"
        return ""

    def finish(self, checkpoints_beyond: Iterable[int]) -> Verdict:
        """The verdict once every entry is fed; `checkpoints_beyond` are those past the last entry."""
        if self.broken is not None:
            return self.broken
        dangling = sorted(checkpoints_beyond)
        if dangling:
            return self._break(dangling[0], "a signed checkpoint names an entry that is gone")
        return Verdict(True, self._checked, self._checkpoints_checked)


def as_row(entry: StoredEntry) -> ChainRow:
    f = entry.fields
    return (
        f.seq,
        f.at,
        f.actor,
        f.action,
        f.subject_type,
        f.subject_id,
        f.details,
        f.prev_hash,
        entry.entry_hash,
    )


def verify_chain(
    entries: Iterable[StoredEntry],
    checkpoints: Mapping[int, StoredCheckpoint],
    trusted_public_key: str,
    signature_valid: Any,
) -> Verdict:
    """Walk the chain in order; the first entry whose hash, link or checkpoint fails is named."""
    walk = ChainWalk(trusted_public_key, signature_valid)
    broken = walk.feed((as_row(entry) for entry in entries), checkpoints)
    if broken is not None:
        return broken
    return walk.finish(seq for seq in checkpoints if seq >= walk.next_seq)
