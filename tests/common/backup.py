"""Empty places to restore into, and snapshots for the tests to take apart and tamper with."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from upstander.backup import archive
from upstander.backup.rules import MANIFEST, Manifest
from upstander.config import KdfCost, Settings

POSTGRES_ADMIN_URL = os.environ.get(
    "UPSTANDER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def empty_database(backend: str, folder: Path) -> Iterator[str]:
    """A new, empty database of the kind the test runs on, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'restored' / 'upstander.db'}"
        return
    name = f"upstander_restore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def target_settings(data_dir: Path, database_url: str, cost: KdfCost) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        password_cost=cost,
        receipt_cost=cost,
        audit_checkpoint_every=10,
    )


def members_of(snapshot: Path, private_key_file: Path) -> dict[str, bytes]:
    with archive.decrypted_tar(snapshot, archive.read_identity(private_key_file)) as entries:
        return {entry.name: entry.data.read() for entry in entries}


def rewrite(
    snapshot: Path,
    private_key_file: Path,
    public_key: str,
    out: Path,
    change: Callable[[dict[str, bytes]], dict[str, bytes]],
) -> Path:
    """The snapshot decrypted, changed by `change`, and encrypted again to the same key: what
    someone holding only the public key could make."""
    members = change(members_of(snapshot, private_key_file))
    manifest = Manifest.from_json(members[MANIFEST])
    with out.open("wb") as handle, archive.encrypted_tar(handle, public_key, manifest.taken_at) as tar:
        tar.add_bytes(MANIFEST, members.pop(MANIFEST))
        for name, data in members.items():
            tar.add_bytes(name, data)
    return out
