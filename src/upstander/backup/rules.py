"""What a snapshot holds and when one may be restored: decided on values, no I/O.

A snapshot is one tar archive, encrypted to the operator's backup public key (the age format):
a manifest, the database (an SQLite copy made with the online backup API, or a plain-SQL
pg_dump), and the key files the database was made with. The keys travel only inside the
encryption; the manifest names each key by its fingerprint, never by its value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

FORMAT = "upstander-snapshot"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE = "sqlite"
POSTGRESQL = "postgresql"
DATABASE_MEMBER = {SQLITE: "database/upstander.sqlite", POSTGRESQL: "database/upstander.sql"}
KEY_MEMBER_PREFIX = "keys/"
# The server secret may come from UPSTANDER_SECRET_KEY instead of a file: the snapshot then says
# so, and holds nothing for it (the operator keeps that secret where they keep the environment).
FROM_ENVIRONMENT = "environment"


class SnapshotRefused(Exception):
    """A snapshot that cannot be taken or restored here; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    backend: str
    taken_at: datetime
    schema_revision: str | None
    # Fingerprint of every key the database has recorded (see store/key_fingerprints.py).
    fingerprints: Mapping[str, str]
    # Each key file in the archive: key name → member name, or FROM_ENVIRONMENT.
    key_members: Mapping[str, str]
    # Files beside the keys that are not fingerprinted (the escrow's), by member name.
    other_members: tuple[str, ...] = field(default=())

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "backend": self.backend,
                "taken_at": self.taken_at.isoformat(),
                "schema_revision": self.schema_revision,
                "fingerprints": dict(self.fingerprints),
                "key_members": dict(self.key_members),
                "other_members": list(self.other_members),
            },
            indent=2,
            sort_keys=True,
        ).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data: dict[str, Any] = json.loads(raw)
            if data.get("format") != FORMAT:
                raise SnapshotRefused("This file is not an Upstander snapshot.")
            if data.get("version") != FORMAT_VERSION:
                raise SnapshotRefused(
                    f"This snapshot is in format version {data.get('version')}; this version of "
                    f"Upstander restores version {FORMAT_VERSION}. Restore it with the version that took it."
                )
            backend = str(data["backend"])
            if backend not in DATABASE_MEMBER:
                raise SnapshotRefused(f"This snapshot is of an unknown database kind ({backend}).")
            return cls(
                backend=backend,
                taken_at=datetime.fromisoformat(data["taken_at"]),
                schema_revision=data.get("schema_revision"),
                fingerprints={str(k): str(v) for k, v in data["fingerprints"].items()},
                key_members={str(k): str(v) for k, v in data["key_members"].items()},
                other_members=tuple(str(m) for m in data.get("other_members", [])),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise SnapshotRefused("This snapshot's manifest is damaged; it cannot be restored.") from error


def key_mismatches(recorded: Mapping[str, str], found: Mapping[str, str]) -> list[str]:
    """The names of the keys whose fingerprint in `found` differs from the one `recorded`, or that
    `recorded` has and `found` lacks. A database restored with any of them would refuse to start
    (or, worse, start with new keys and lose every sealed secret), so a snapshot with one is refused."""
    return sorted(name for name, fingerprint in recorded.items() if found.get(name) != fingerprint)


def backend_of(url: str) -> str:
    """Which kind of database an SQLAlchemy URL names."""
    if url.startswith("sqlite"):
        return SQLITE
    if url.startswith("postgresql"):
        return POSTGRESQL
    raise SnapshotRefused(f"Backups are made of SQLite or PostgreSQL databases, not {url.split(':', 1)[0]}.")


def check_restorable(manifest: Manifest, target_backend: str, known_revisions: frozenset[str]) -> None:
    """A snapshot goes back into the kind of database it was taken from (an SQLite copy is not
    a PostgreSQL dump: translating one into the other is a migration, not a restore), at a schema
    revision this version knows, with every key its database recorded."""
    if manifest.backend != target_backend:
        raise SnapshotRefused(
            f"This snapshot is of a {manifest.backend} database; UPSTANDER_DATABASE_URL names a "
            f"{target_backend} one. Restore it into the kind of database it was taken from."
        )
    # A database from a later version would be run by code that does not know its tables.
    if manifest.schema_revision is not None and manifest.schema_revision not in known_revisions:
        raise SnapshotRefused(
            f"This snapshot's database has schema revision {manifest.schema_revision}, which this version "
            "of Upstander does not know: restore it with the version that took it, or a later one."
        )
    missing = [name for name in manifest.fingerprints if name not in manifest.key_members]
    if missing:
        raise SnapshotRefused(
            f"This snapshot lacks the {', '.join(missing)} its database was made with; it cannot be restored."
        )


def key_member(file_name: str) -> str:
    return KEY_MEMBER_PREFIX + file_name
