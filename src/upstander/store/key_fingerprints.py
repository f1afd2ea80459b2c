"""Which keys a database was made with, so that it is never run with others.

A database restored without its key files would otherwise start with new keys: staff could no
longer sign in (their TOTP secrets are sealed under the old server secret) and the audit log's
checkpoints would no longer verify. So the first start records a fingerprint of each key, and
every later start refuses keys that are missing or do not match, naming the file.

A fingerprint is keyed BLAKE2b of a fixed label under the key: it identifies the key and tells
nothing about it (the key has 256 bits; there is nothing to guess).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import String, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from upstander import crypto
from upstander.audit.models import AuditEntry
from upstander.config import Settings
from upstander.db import Base, Database, utcnow
from upstander.store.keyfiles import ServerSecrets, audit_signing_seed, read_key_file

SERVER_SECRET = "server secret"  # noqa: S105 (the name of a key, not a key)
AUDIT_SIGNING_KEY = "audit signing key"


class KeyFingerprint(Base):
    __tablename__ = "key_fingerprints"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class KeysDoNotMatchDatabase(Exception):
    """The key files (or UPSTANDER_SECRET_KEY) are not the ones this database was made with."""


def key_fingerprint(key: bytes) -> str:
    return crypto.subkey(key, "upstander key fingerprint").hex()


@dataclass(frozen=True)
class ServerKeys:
    secrets: ServerSecrets
    audit_seed: bytes


@dataclass(frozen=True)
class _KeySource:
    name: str
    where: str  # how the message names it: a path, or the environment variable
    read: Callable[[], bytes | None]  # None: the file is not there
    create: Callable[[], bytes]


def _sources(settings: Settings) -> list[_KeySource]:
    if settings.secret_key is not None:
        server = _KeySource(
            SERVER_SECRET,
            "UPSTANDER_SECRET_KEY",
            lambda: ServerSecrets.master_key(settings),
            lambda: ServerSecrets.master_key(settings),
        )
    else:
        server = _file_source(
            SERVER_SECRET, settings.server_secret_file, lambda: ServerSecrets.master_key(settings)
        )
    audit = _file_source(
        AUDIT_SIGNING_KEY, settings.resolved_audit_signing_key_file, lambda: audit_signing_seed(settings)
    )
    return [server, audit]


def _file_source(name: str, path: Path, create: Callable[[], bytes]) -> _KeySource:
    return _KeySource(name, f"Key file {path}", lambda: read_key_file(path), create)


def open_server_keys(settings: Settings, database: Database) -> ServerKeys:
    """The server's keys, refusing any that this database was not made with.

    Keys are created only for a database that has recorded none (a fresh one); a database that has
    recorded them must be given the same ones back."""
    found = _recorded_fingerprints(database)
    if found is None:  # the schema is not there yet: nothing to compare with or record in
        return _loaded(settings, database)
    recorded, has_history = found
    keys: dict[str, bytes] = {}
    for source in _sources(settings):
        expected = recorded.get(source.name)
        key = source.read()
        # A database older than the fingerprints has none recorded; its audit log says it is not new.
        if key is None and (expected is not None or has_history):
            raise KeysDoNotMatchDatabase(
                f"{source.where} is missing, but this database was made with one. "
                "Restore it from the backup that goes with this database."
            )
        if key is None:
            key = source.create()
        if expected is not None and not crypto.constant_time_equal(key_fingerprint(key), expected):
            raise KeysDoNotMatchDatabase(
                f"{source.where} does not match this database: the database was made with another key. "
                "Restore the one from the backup that goes with this database."
            )
        keys[source.name] = key
    _record(database, {name: key_fingerprint(key) for name, key in keys.items() if name not in recorded})
    # A second process starting on the same fresh database may have recorded its own first.
    if recorded.keys() != keys.keys():
        return open_server_keys(settings, database)
    return _loaded(settings, database)


def _loaded(settings: Settings, database: Database) -> ServerKeys:
    keys = ServerKeys(secrets=ServerSecrets.load(settings), audit_seed=audit_signing_seed(settings))
    database.seal_free_text_with(keys.secrets.free_text)
    return keys


def _recorded_fingerprints(database: Database) -> tuple[dict[str, str], bool] | None:
    """The fingerprints recorded, and whether the database has been used (its audit log has begun)."""
    with database.transaction() as session:
        if not inspect(session.connection()).has_table(KeyFingerprint.__tablename__):
            return None
        recorded = {row.name: row.fingerprint for row in session.scalars(select(KeyFingerprint))}
        has_history = session.scalar(select(AuditEntry.seq).limit(1)) is not None
        return recorded, has_history


def _record(database: Database, fingerprints: dict[str, str]) -> None:
    if not fingerprints:
        return
    with database.transaction() as session:
        insert = postgresql.insert if database.is_postgresql else sqlite.insert
        for name, fingerprint in fingerprints.items():
            session.execute(
                insert(KeyFingerprint)
                .values(name=name, fingerprint=fingerprint, recorded_at=utcnow())
                .on_conflict_do_nothing(index_elements=["name"])
            )
