"""The snapshot's manifest and the rules for restoring one, on values alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstander.backup.rules import (
    DATABASE_MEMBER,
    FROM_ENVIRONMENT,
    POSTGRESQL,
    SQLITE,
    Manifest,
    SnapshotRefused,
    backend_of,
    check_restorable,
    key_mismatches,
)

names = st.sampled_from(["server secret", "audit signing key", "escrow key"])
KNOWN = frozenset({"0011", "0012"})
fingerprints = st.dictionaries(names, st.text("0123456789abcdef", min_size=64, max_size=64))


def manifest(**changes: object) -> Manifest:
    values: dict[str, object] = {
        "backend": SQLITE,
        "taken_at": datetime(2026, 3, 4, 10, 0, tzinfo=UTC),
        "schema_revision": "0012",
        "fingerprints": {"server secret": "aa" * 32, "audit signing key": "bb" * 32},
        "key_members": {"server secret": FROM_ENVIRONMENT, "audit signing key": "keys/audit-signing.key"},
        "other_members": ("keys/escrow-oprf.key",),
    }
    values.update(changes)
    return Manifest(**values)  # type: ignore[arg-type]


@given(recorded=fingerprints, backend=st.sampled_from(sorted(DATABASE_MEMBER)))
def test_a_manifest_reads_back_as_it_was_written(recorded: dict[str, str], backend: str) -> None:
    written = manifest(backend=backend, fingerprints=recorded, key_members=dict.fromkeys(recorded, "keys/x"))
    assert Manifest.from_json(written.to_json()) == written


@given(recorded=fingerprints)
def test_the_same_keys_always_match(recorded: dict[str, str]) -> None:
    assert key_mismatches(recorded, recorded) == []
    assert key_mismatches(recorded, {**recorded, "extra": "00" * 32}) == [], (
        "a key the database never recorded"
    )


@given(recorded=fingerprints.filter(bool), data=st.data())
def test_any_key_changed_or_missing_is_named(recorded: dict[str, str], data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(recorded)))
    changed = {**recorded, name: "ff" * 32 if recorded[name] != "ff" * 32 else "ee" * 32}
    assert key_mismatches(recorded, changed) == [name]
    missing = {key: value for key, value in recorded.items() if key != name}
    assert key_mismatches(recorded, missing) == [name]


@pytest.mark.parametrize(
    "raw",
    [
        b"{}",
        b'{"format": "upstander-snapshot", "version": 99}',
        b"not json",
        b'{"format": "upstander-snapshot", "version": 1}',
    ],
    ids=["not ours", "a later format", "not json", "fields missing"],
)
def test_a_manifest_that_is_not_ours_or_is_damaged_is_refused(raw: bytes) -> None:
    with pytest.raises(SnapshotRefused):
        Manifest.from_json(raw)


def test_a_snapshot_goes_back_into_the_kind_of_database_it_came_from() -> None:
    check_restorable(manifest(), SQLITE, KNOWN)
    with pytest.raises(
        SnapshotRefused, match="is of a sqlite database; UPSTANDER_DATABASE_URL names a postgresql"
    ):
        check_restorable(manifest(), POSTGRESQL, KNOWN)


def test_a_snapshot_without_a_key_its_database_recorded_is_refused() -> None:
    with pytest.raises(SnapshotRefused, match="lacks the audit signing key"):
        check_restorable(manifest(key_members={"server secret": FROM_ENVIRONMENT}), SQLITE, KNOWN)


@pytest.mark.parametrize(
    ("url", "backend"),
    [("sqlite:///data/upstander.db", SQLITE), ("postgresql+psycopg://u@h/db", POSTGRESQL)],
)
def test_the_kind_of_database_comes_from_its_url(url: str, backend: str) -> None:
    assert backend_of(url) == backend


def test_another_kind_of_database_is_refused() -> None:
    with pytest.raises(SnapshotRefused, match="not mysql"):
        backend_of("mysql://u@h/db")


def test_a_database_from_a_later_schema_is_refused_and_an_earlier_one_is_not() -> None:
    check_restorable(manifest(schema_revision="0011"), SQLITE, KNOWN)
    with pytest.raises(
        SnapshotRefused, match="schema revision 0099, which this version of Upstander does not know"
    ):
        check_restorable(manifest(schema_revision="0099"), SQLITE, KNOWN)
