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


def canonical(fields: EntryFields) -> bytes:
    """The exact bytes an entry's hash covers: every column, in a fixed order and encoding."""
    document = {
        "seq": fields.seq,
        "at": fields.at.isoformat(timespec="microseconds"),
        "actor": fields.actor,
        "action": fields.action,
        "subject_type": fields.subject_type,
        "subject_id": fields.subject_id,
        "details": fields.details,
        "prev_hash": fields.prev_hash,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


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


def verify_chain(  # noqa: PLR0911 - one return per way a chain can break, each named
    entries: Iterable[StoredEntry],
    checkpoints: Mapping[int, StoredCheckpoint],
    trusted_public_key: str,
    signature_valid: Any,
) -> Verdict:
    """Walk the chain in order; the first entry whose hash, link or checkpoint fails is named.

    `signature_valid(public_key_hex, message, signature_hex) -> bool` is passed in so this module
    stays free of cryptographic libraries.
    """
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    checkpoints_checked = 0
    for entry in entries:
        fields = entry.fields
        if fields.seq != expected_seq:
            return Verdict(
                False, checked, checkpoints_checked, expected_seq, "entry is missing from the chain"
            )
        if fields.prev_hash != prev_hash:
            return Verdict(
                False, checked, checkpoints_checked, fields.seq, "does not link to the entry before it"
            )
        if entry_hash(fields) != entry.entry_hash:
            return Verdict(
                False, checked, checkpoints_checked, fields.seq, "its content does not match its hash"
            )
        checkpoint = checkpoints.get(fields.seq)
        if checkpoint is not None:
            if checkpoint.public_key != trusted_public_key:
                return Verdict(
                    False, checked, checkpoints_checked, fields.seq, "checkpoint signed by an unknown key"
                )
            if checkpoint.entry_hash != entry.entry_hash or not signature_valid(
                trusted_public_key, checkpoint_message(fields.seq, entry.entry_hash), checkpoint.signature
            ):
                return Verdict(
                    False,
                    checked,
                    checkpoints_checked,
                    fields.seq,
                    "signed checkpoint does not match the chain",
                )
            checkpoints_checked += 1
        prev_hash = entry.entry_hash
        expected_seq += 1
        checked += 1
    dangling = sorted(seq for seq in checkpoints if seq >= expected_seq)
    if dangling:
        return Verdict(
            False,
            checked,
            checkpoints_checked,
            dangling[0],
            "a signed checkpoint names an entry that is gone",
        )
    return Verdict(True, checked, checkpoints_checked)
