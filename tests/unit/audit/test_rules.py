"""The audit chain: each entry hashes its content and its predecessor; signed checkpoints pin the chain."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upstander.audit.rules import (
    GENESIS_HASH,
    ChainWalk,
    EntryFields,
    StoredCheckpoint,
    StoredEntry,
    Verdict,
    as_row,
    canonical,
    checkpoint_message,
    entry_hash,
    verify_chain,
)

TRUSTED_KEY = "a1" * 32
OTHER_KEY = "b2" * 32
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def fake_signature(public_key_hex: str, message: bytes) -> str:
    """Stands in for Ed25519: 64 bytes that only this key and this message produce."""
    return hashlib.sha512(bytes.fromhex(public_key_hex) + message).hexdigest()


def fake_signature_valid(public_key_hex: str, message: bytes, signature_hex: str) -> bool:
    return fake_signature(public_key_hex, message) == signature_hex


def checkpoint_for(entry: StoredEntry, public_key: str = TRUSTED_KEY) -> StoredCheckpoint:
    seq = entry.fields.seq
    return StoredCheckpoint(
        seq=seq,
        entry_hash=entry.entry_hash,
        public_key=public_key,
        signature=fake_signature(public_key, checkpoint_message(seq, entry.entry_hash)),
    )


def build_chain(contents: list[Mapping[str, Any]]) -> list[StoredEntry]:
    """Entries as the audit service would store them: seq from 1, each linked to the one before."""
    entries: list[StoredEntry] = []
    prev_hash = GENESIS_HASH
    for index, content in enumerate(contents):
        fields = EntryFields(
            seq=index + 1,
            at=START + timedelta(minutes=index),
            actor=content.get("actor", f"user-{index}"),
            action=content.get("action", "report.read"),
            subject_type=content.get("subject_type", "report"),
            subject_id=content.get("subject_id", f"R-{index:07d}"),
            details=content.get("details", {"n": index}),
            prev_hash=prev_hash,
        )
        entry = StoredEntry(fields=fields, entry_hash=entry_hash(fields))
        entries.append(entry)
        prev_hash = entry.entry_hash
    return entries


def checkpoints_every(entries: list[StoredEntry], every: int) -> dict[int, StoredCheckpoint]:
    return {entry.fields.seq: checkpoint_for(entry) for entry in entries if entry.fields.seq % every == 0}


def verify(entries: list[StoredEntry], checkpoints: Mapping[int, StoredCheckpoint] | None = None) -> Verdict:
    return verify_chain(entries, checkpoints or {}, TRUSTED_KEY, fake_signature_valid)


def with_fields(entry: StoredEntry, **changes: Any) -> StoredEntry:
    return StoredEntry(fields=dataclasses.replace(entry.fields, **changes), entry_hash=entry.entry_hash)


json_scalars = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=8)
json_details = st.dictionaries(
    st.text(max_size=6), json_scalars | st.lists(json_scalars, max_size=3), max_size=4
)
entry_contents = st.fixed_dictionaries(
    {},
    optional={
        "actor": st.text(max_size=10),
        "action": st.text(max_size=10),
        "subject_type": st.text(max_size=10),
        "subject_id": st.text(max_size=10),
        "details": json_details,
    },
)
chains = st.lists(entry_contents, min_size=1, max_size=8).map(build_chain)
HASH_FIELDS = (
    "seq",
    "at",
    "actor",
    "action",
    "subject_type",
    "subject_id",
    "details",
    "prev_hash",
    "entry_hash",
)


def altered(entry: StoredEntry, field: str, data: st.DataObject) -> StoredEntry:
    """The entry with exactly one stored value changed to any other value."""
    fields = entry.fields
    if field == "entry_hash":
        new_hash = data.draw(
            st.text("0123456789abcdef", min_size=64, max_size=64).filter(lambda h: h != entry.entry_hash)
        )
        return StoredEntry(fields=fields, entry_hash=new_hash)
    if field == "seq":
        return with_fields(entry, seq=data.draw(st.integers(-5, 50).filter(lambda s: s != fields.seq)))
    if field == "at":
        shift = data.draw(st.integers(-(10**9), 10**9).filter(bool))
        return with_fields(entry, at=fields.at + timedelta(microseconds=shift))
    if field == "details":
        return with_fields(entry, details=data.draw(json_details.filter(lambda d: d != fields.details)))
    if field == "prev_hash":
        new_prev = data.draw(
            st.text("0123456789abcdef", min_size=64, max_size=64).filter(lambda h: h != fields.prev_hash)
        )
        return with_fields(entry, prev_hash=new_prev)
    current = getattr(fields, field)
    return with_fields(entry, **{field: data.draw(st.text(max_size=12).filter(lambda t: t != current))})


# --- a sound chain --------------------------------------------------------------------------


def test_a_sound_chain_with_checkpoints_verifies() -> None:
    entries = build_chain([{}] * 10)
    verdict = verify(entries, checkpoints_every(entries, 5))
    assert verdict == Verdict(ok=True, entries_checked=10, checkpoints_checked=2)


def test_an_empty_chain_verifies() -> None:
    assert verify([]) == Verdict(ok=True, entries_checked=0, checkpoints_checked=0)


def test_the_first_entry_links_to_the_genesis_hash() -> None:
    entries = build_chain([{}])
    assert entries[0].fields.prev_hash == GENESIS_HASH == "0" * 64


@settings(max_examples=50)
@given(entries=chains)
def test_any_chain_built_by_the_rules_verifies(entries: list[StoredEntry]) -> None:
    verdict = verify(entries, checkpoints_every(entries, 3))
    assert verdict.ok, verdict.describe()
    assert verdict.entries_checked == len(entries)
    assert verdict.checkpoints_checked == len(entries) // 3


def test_canonical_form_is_independent_of_details_key_order() -> None:
    fields = build_chain([{"details": {"a": 1, "b": 2}}])[0].fields
    reordered = dataclasses.replace(fields, details={"b": 2, "a": 1})
    assert canonical(fields) == canonical(reordered)
    assert entry_hash(fields) == entry_hash(reordered)


def test_canonical_form_keeps_non_ascii_text_as_utf8() -> None:
    fields = build_chain([{"actor": "Zoë"}])[0].fields
    assert "Zoë".encode() in canonical(fields)


# --- tampering ------------------------------------------------------------------------------


@settings(max_examples=100)
@given(entries=chains, field=st.sampled_from(HASH_FIELDS), data=st.data())
def test_changing_any_field_of_any_entry_breaks_the_chain_at_that_entry(
    entries: list[StoredEntry], field: str, data: st.DataObject
) -> None:
    position = data.draw(st.integers(0, len(entries) - 1), label="position")
    tampered = list(entries)
    tampered[position] = altered(entries[position], field, data)
    verdict = verify(tampered, checkpoints_every(entries, 3))
    assert not verdict.ok
    assert verdict.first_broken_seq == position + 1
    assert verdict.entries_checked == position


@settings(max_examples=50)
@given(entries=chains, data=st.data())
def test_rehashing_an_edited_entry_breaks_the_link_of_the_next_entry(
    entries: list[StoredEntry], data: st.DataObject
) -> None:
    position = data.draw(st.integers(0, len(entries) - 1), label="position")
    fields = dataclasses.replace(entries[position].fields, actor=entries[position].fields.actor + "x")
    tampered = list(entries)
    tampered[position] = StoredEntry(fields=fields, entry_hash=entry_hash(fields))
    verdict = verify(tampered)
    if position == len(entries) - 1:
        # Without a checkpoint, a re-hashed last entry cannot be told from a genuine one.
        assert verdict.ok
    else:
        assert not verdict.ok
        assert verdict.first_broken_seq == position + 2
        assert verdict.reason == "does not link to the entry before it"


def test_rehashing_an_edited_entry_under_a_checkpoint_is_caught_by_the_checkpoint() -> None:
    entries = build_chain([{}] * 4)
    checkpoints = checkpoints_every(entries, 4)
    fields = dataclasses.replace(entries[3].fields, actor="someone else")
    tampered = [*entries[:3], StoredEntry(fields=fields, entry_hash=entry_hash(fields))]
    verdict = verify(tampered, checkpoints)
    assert (verdict.ok, verdict.first_broken_seq) == (False, 4)
    assert verdict.reason == "signed checkpoint does not match the chain"


@settings(max_examples=50)
@given(entries=chains.filter(lambda chain: len(chain) >= 2), data=st.data())
def test_deleting_an_entry_names_the_missing_seq(entries: list[StoredEntry], data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(entries) - 2), label="position")
    verdict = verify(entries[:position] + entries[position + 1 :])
    assert not verdict.ok
    assert verdict.first_broken_seq == position + 1
    assert verdict.reason == "entry is missing from the chain"


def test_swapping_two_entries_is_named_at_the_first_out_of_place() -> None:
    entries = build_chain([{}] * 5)
    swapped = [entries[0], entries[2], entries[1], entries[3], entries[4]]
    verdict = verify(swapped)
    assert (verdict.ok, verdict.first_broken_seq) == (False, 2)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("seq", 7, "entry is missing from the chain"),
        ("prev_hash", "f" * 64, "does not link to the entry before it"),
        ("actor", "someone else", "its content does not match its hash"),
    ],
)
def test_each_kind_of_tampering_gives_its_own_reason(field: str, value: Any, reason: str) -> None:
    entries = build_chain([{}] * 3)
    entries[1] = with_fields(entries[1], **{field: value})
    verdict = verify(entries)
    assert (verdict.ok, verdict.first_broken_seq, verdict.reason) == (False, 2, reason)


# --- checkpoints ----------------------------------------------------------------------------


def test_a_checkpoint_with_a_bad_signature_is_named() -> None:
    entries = build_chain([{}] * 6)
    checkpoints = checkpoints_every(entries, 3)
    checkpoints[6] = dataclasses.replace(checkpoints[6], signature="00" * 64)
    verdict = verify(entries, checkpoints)
    assert (verdict.ok, verdict.first_broken_seq) == (False, 6)
    assert verdict.reason == "signed checkpoint does not match the chain"
    assert verdict.checkpoints_checked == 1


def test_a_checkpoint_signed_over_another_seq_is_refused() -> None:
    entries = build_chain([{}] * 3)
    genuine = checkpoint_for(entries[2])
    moved = dataclasses.replace(
        genuine, signature=fake_signature(TRUSTED_KEY, checkpoint_message(2, entries[2].entry_hash))
    )
    verdict = verify(entries, {3: moved})
    assert (verdict.ok, verdict.first_broken_seq) == (False, 3)


def test_a_checkpoint_recording_another_hash_is_named() -> None:
    entries = build_chain([{}] * 3)
    checkpoint = dataclasses.replace(checkpoint_for(entries[1]), entry_hash="e" * 64)
    verdict = verify(entries, {2: checkpoint})
    assert (verdict.ok, verdict.first_broken_seq) == (False, 2)
    assert verdict.reason == "signed checkpoint does not match the chain"


def test_a_checkpoint_signed_by_an_unknown_key_is_named_even_if_its_signature_is_valid() -> None:
    entries = build_chain([{}] * 3)
    verdict = verify(entries, {2: checkpoint_for(entries[1], public_key=OTHER_KEY)})
    assert (verdict.ok, verdict.first_broken_seq) == (False, 2)
    assert verdict.reason == "checkpoint signed by an unknown key"


def test_a_checkpoint_naming_a_vanished_entry_is_named() -> None:
    entries = build_chain([{}] * 6)
    checkpoints = checkpoints_every(entries, 3)
    verdict = verify(entries[:4], checkpoints)
    assert (verdict.ok, verdict.first_broken_seq) == (False, 6)
    assert verdict.reason == "a signed checkpoint names an entry that is gone"
    assert (verdict.entries_checked, verdict.checkpoints_checked) == (4, 1)


def test_truncating_the_chain_before_the_last_checkpoint_names_the_earliest_lost_checkpoint() -> None:
    entries = build_chain([{}] * 9)
    verdict = verify(entries[:2], checkpoints_every(entries, 3))
    assert (verdict.ok, verdict.first_broken_seq) == (False, 3)


def test_signature_check_receives_the_trusted_key_and_the_checkpoint_message() -> None:
    entries = build_chain([{}] * 2)
    seen: list[tuple[str, bytes, str]] = []

    def recording(public_key_hex: str, message: bytes, signature_hex: str) -> bool:
        seen.append((public_key_hex, message, signature_hex))
        return True

    checkpoint = checkpoint_for(entries[1])
    assert verify_chain(entries, {2: checkpoint}, TRUSTED_KEY, recording).ok
    assert seen == [(TRUSTED_KEY, checkpoint_message(2, entries[1].entry_hash), checkpoint.signature)]


def test_checkpoint_message_names_seq_and_hash() -> None:
    assert checkpoint_message(100, "ab" * 32) == f"upstander-audit-checkpoint:100:{'ab' * 32}".encode()


# --- describing a verdict -------------------------------------------------------------------


def test_describe_a_sound_chain() -> None:
    assert Verdict(True, 10, 2).describe() == "OK: 10 entries chained, 2 signed checkpoints verified"


def test_describe_a_broken_chain_names_the_entry_and_the_reason() -> None:
    verdict = Verdict(False, 3, 0, 4, "its content does not match its hash")
    assert verdict.describe() == "BROKEN at entry 4: its content does not match its hash"


def test_describe_a_real_verdict_of_a_tampered_chain() -> None:
    entries = build_chain([{}] * 3)
    entries[2] = with_fields(entries[2], actor="forged")
    assert verify(entries).describe() == "BROKEN at entry 3: its content does not match its hash"


# --- streaming in batches -------------------------------------------------------------------


def walk_in_batches(
    entries: list[StoredEntry], checkpoints: Mapping[int, StoredCheckpoint], cuts: list[int]
) -> Verdict:
    """Feed the chain the way the service does: consecutive slices, each with its own checkpoints."""
    walk = ChainWalk(TRUSTED_KEY, fake_signature_valid)
    bounds = [0, *sorted(set(cuts)), len(entries)]
    for start, end in itertools.pairwise(bounds):
        batch = entries[start:end]
        seqs = {entry.fields.seq for entry in batch}
        inside = {seq: checkpoint for seq, checkpoint in checkpoints.items() if seq in seqs}
        if walk.feed([as_row(entry) for entry in batch], inside) is not None:
            break
    return walk.finish(seq for seq in checkpoints if seq >= walk.next_seq)


@settings(max_examples=100)
@given(entries=chains, field=st.sampled_from(HASH_FIELDS), data=st.data())
def test_a_chain_fed_in_any_batches_gets_the_verdict_of_the_whole_chain(
    entries: list[StoredEntry], field: str, data: st.DataObject
) -> None:
    position = data.draw(st.integers(0, len(entries) - 1), label="position")
    tampered = list(entries)
    if data.draw(st.booleans(), label="tamper"):
        tampered[position] = altered(entries[position], field, data)
    cuts = data.draw(st.lists(st.integers(0, len(entries)), max_size=5), label="cuts")
    checkpoints = checkpoints_every(entries, 3)
    assert walk_in_batches(tampered, checkpoints, cuts) == verify(tampered, checkpoints)


def test_a_walk_that_found_a_break_keeps_it_whatever_is_fed_next() -> None:
    entries = build_chain([{}] * 4)
    walk = ChainWalk(TRUSTED_KEY, fake_signature_valid)
    first = walk.feed([as_row(entries[0]), as_row(entries[2])], {})
    assert first is not None
    assert first.first_broken_seq == 2
    assert walk.feed([as_row(entries[3])], {}) == first
    assert walk.finish([]) == first
