"""Taking a snapshot and restoring one: each all or nothing, each recorded in the audit log.

The snapshot holds the key files the database was made with, or it would be useless (staff TOTP
secrets, free text and the audit checkpoints are sealed or signed under them); so it is only ever
written encrypted, to the operator's backup public key, and the private key is never needed to
take one. A restore goes only into an empty database and an empty data directory, and only with
keys that match the database in the snapshot: anything else is refused before a byte is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from upstander import crypto
from upstander.audit.rules import Verdict
from upstander.audit.service import Actor, AuditLog
from upstander.audit.service import verify as verify_audit_log
from upstander.backup import archive, databases
from upstander.backup.rules import (
    DATABASE_MEMBER,
    FROM_ENVIRONMENT,
    MANIFEST,
    POSTGRESQL,
    SQLITE,
    Manifest,
    SnapshotRefused,
    backend_of,
    check_restorable,
    key_member,
    key_mismatches,
)
from upstander.config import Settings
from upstander.db import Database
from upstander.store import schema
from upstander.store.key_fingerprints import (
    AUDIT_SIGNING_KEY,
    SERVER_SECRET,
    key_fingerprint,
    open_server_keys,
)
from upstander.store.keyfiles import ServerSecrets


@dataclass(frozen=True)
class _KeyFile:
    name: str  # as the fingerprints name it
    member: str  # its fixed name in the archive, whatever the settings call the file
    path: Path
    fingerprinted: bool


def _key_files(settings: Settings) -> list[_KeyFile]:
    """The files a database needs beside it, wherever the settings put them. The escrow's are
    not fingerprinted (its key may live in the key service instead), but without them no escrow
    filing made before the snapshot could ever be matched again."""
    files = [
        _KeyFile(
            AUDIT_SIGNING_KEY, key_member("audit-signing.key"), settings.resolved_audit_signing_key_file, True
        ),
        _KeyFile("escrow key", key_member("escrow-oprf.key"), settings.resolved_escrow_key_file, False),
        _KeyFile(
            "escrow client secret",
            key_member("escrow-client.secret"),
            settings.resolved_escrow_key_service_secret_file,
            False,
        ),
    ]
    if settings.secret_key is None:
        files.append(
            _KeyFile(SERVER_SECRET, key_member("server-secret.key"), settings.server_secret_file, True)
        )
    return files


def _member_name(key: _KeyFile) -> str:
    return key.member


@dataclass(frozen=True)
class TakenSnapshot:
    path: Path
    manifest: Manifest
    size_bytes: int
    sha256: str


def take(settings: Settings, output: Path, public_key: str, clock: Callable[[], datetime]) -> TakenSnapshot:
    """Write one consistent, encrypted snapshot of the database and its key files to `output`."""
    archive.parse_recipient(public_key)  # refuse a bad key before any work
    if output.exists():
        raise SnapshotRefused(f"{output} already exists; a snapshot is never written over another.")
    url = settings.resolved_database_url
    backend = backend_of(url)
    database = Database.from_url(url)
    try:
        keys = open_server_keys(
            settings, database
        )  # a backup of a database run with the wrong keys is refused
        held = {AUDIT_SIGNING_KEY: keys.audit_seed, SERVER_SECRET: ServerSecrets.master_key(settings)}
        with tempfile.TemporaryDirectory(prefix="upstander-backup-") as work:
            copy = Path(work) / "database"
            recorded = (
                databases.copy_sqlite(url, copy)
                if backend == SQLITE
                else databases.dump_postgresql(url, copy)
            )
            found = {name: key_fingerprint(key) for name, key in held.items()}
            if key_mismatches(recorded.fingerprints, found):
                raise SnapshotRefused("The keys changed while the snapshot was taken; take it again.")
            present = [key for key in _key_files(settings) if key.path.exists()]
            manifest = Manifest(
                backend=backend,
                taken_at=clock(),
                schema_revision=recorded.schema_revision,
                fingerprints=recorded.fingerprints,
                key_members={
                    **{key.name: _member_name(key) for key in present if key.fingerprinted},
                    **({SERVER_SECRET: FROM_ENVIRONMENT} if settings.secret_key is not None else {}),
                },
                other_members=tuple(_member_name(key) for key in present if not key.fingerprinted),
            )
            _write_encrypted(output, public_key, manifest, present, copy)
        log = AuditLog(keys.audit_seed, settings.audit_checkpoint_every)
        with database.transaction() as session:
            log.record(session, Actor.system("backup"), "backup.taken", "database", backend, at=clock())
    finally:
        database.dispose()
    return TakenSnapshot(output, manifest, output.stat().st_size, _sha256(output))


def _write_encrypted(
    output: Path, public_key: str, manifest: Manifest, keys: list[_KeyFile], copy: Path
) -> None:
    partial = output.with_name(output.name + ".partial")
    output.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            with archive.encrypted_tar(out, public_key, manifest.taken_at) as tar:
                tar.add_bytes(MANIFEST, manifest.to_json())
                for key in keys:
                    tar.add_bytes(_member_name(key), key.path.read_bytes())
                tar.add_file(DATABASE_MEMBER[manifest.backend], copy)
            out.flush()
            os.fsync(out.fileno())
        os.link(partial, output)  # never over a snapshot that appeared meanwhile
    finally:
        partial.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    audit: Verdict


def restore(
    settings: Settings, snapshot: Path, private_key_file: Path, clock: Callable[[], datetime]
) -> Restored:
    """Bring `snapshot` back into the empty database and data directory the settings name."""
    identity = archive.read_identity(private_key_file)
    url = settings.resolved_database_url
    backend = backend_of(url)
    _refuse_unless_empty(settings, url, backend)
    if not snapshot.is_file():
        raise SnapshotRefused(f"There is no snapshot at {snapshot}.")
    work_parent = databases.sqlite_path(url).parent if backend == SQLITE else None
    if work_parent is not None:
        work_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".upstander-restore-", dir=work_parent) as work:
        copy = Path(work) / "database"
        manifest, members = _read_snapshot(snapshot, identity, copy)
        check_restorable(manifest, backend, schema.known_revisions())
        found = _fingerprints_of(manifest, members, settings)
        _refuse_mismatch(key_mismatches(manifest.fingerprints, found), "the snapshot's manifest records")
        if backend == SQLITE:
            recorded = databases.recorded_in_sqlite(copy)
            _refuse_mismatch(key_mismatches(recorded.fingerprints, found), "the snapshot's database records")
        _put_back(settings, url, backend, manifest, members, copy, found, Path(work))
    return Restored(manifest, _after_restore(settings, url, manifest, clock))


def _refuse_unless_empty(settings: Settings, url: str, backend: str) -> None:
    data_dir = settings.data_dir
    if data_dir.exists() and any(data_dir.iterdir()):
        names = sorted(path.name for path in data_dir.iterdir())
        raise SnapshotRefused(
            f"The data directory {data_dir} is not empty ({', '.join(names[:3])}"
            f"{', …' if len(names) > 3 else ''}); a snapshot is restored only into an empty one."
        )
    taken = [key.path for key in _key_files(settings) if key.path.exists()]
    if taken:
        raise SnapshotRefused(f"{taken[0]} already exists; a snapshot is restored only where no keys are.")
    empty = databases.sqlite_is_empty(url) if backend == SQLITE else databases.postgresql_is_empty(url)
    if not empty:
        raise SnapshotRefused(
            "The database UPSTANDER_DATABASE_URL names is not empty; a snapshot is restored only into an "
            "empty database (create a new one)."
        )


def _read_snapshot(
    snapshot: Path, identity: archive.BackupIdentity, copy: Path
) -> tuple[Manifest, dict[str, bytes]]:
    manifest: Manifest | None = None
    members: dict[str, bytes] = {}
    with archive.decrypted_tar(snapshot, identity) as entries:
        for entry in entries:
            if manifest is None:
                if entry.name != MANIFEST:
                    raise SnapshotRefused(
                        "This snapshot does not begin with its manifest; it is not Upstander's."
                    )
                manifest = Manifest.from_json(entry.data.read())
            elif entry.name == DATABASE_MEMBER[manifest.backend]:
                with copy.open("wb") as out:
                    shutil.copyfileobj(entry.data, out, 1 << 20)
            else:
                members[entry.name] = entry.data.read()
    if manifest is None or not copy.exists():
        raise SnapshotRefused("The snapshot holds no database; it cannot be restored.")
    return manifest, members


def _fingerprints_of(manifest: Manifest, members: dict[str, bytes], settings: Settings) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, member in manifest.key_members.items():
        if member == FROM_ENVIRONMENT:
            if settings.secret_key is None:
                raise SnapshotRefused(
                    f"The snapshot's {name} came from UPSTANDER_SECRET_KEY; set it to the same value to restore."
                )
            found[name] = key_fingerprint(ServerSecrets.master_key(settings))
            continue
        key = _key_bytes(members.get(member))
        if key is not None:
            found[name] = key_fingerprint(key)
    return found


def _key_bytes(raw: bytes | None) -> bytes | None:
    if raw is None:
        return None
    try:
        key = bytes.fromhex(raw.decode().strip())
    except (UnicodeDecodeError, ValueError):
        return None
    return key if len(key) == crypto.KEY_BYTES else None


def _refuse_mismatch(names: list[str], source: str) -> None:
    if names:
        raise SnapshotRefused(
            f"The {', '.join(names)} in the snapshot do not match the ones {source}; nothing was restored. "
            "A database is only ever restored with the keys it was made with."
        )


def _put_back(
    settings: Settings,
    url: str,
    backend: str,
    manifest: Manifest,
    members: dict[str, bytes],
    copy: Path,
    found: dict[str, str],
    work: Path,
) -> None:
    """Write the key files, then the database; on any failure remove all this restore wrote."""
    by_member = {_member_name(key): key.path for key in _key_files(settings)}
    written: list[Path] = []
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        for member in [*manifest.key_members.values(), *manifest.other_members]:
            if member == FROM_ENVIRONMENT or member not in members or member not in by_member:
                continue
            path = by_member[member]
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            written.append(path)
            with os.fdopen(fd, "wb") as handle:
                handle.write(members[member])
        if backend == POSTGRESQL:
            databases.restore_postgresql(copy, url, found, work)
        else:
            written.append(databases.place_sqlite(copy, url))
    except BaseException:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        raise


def _after_restore(
    settings: Settings, url: str, manifest: Manifest, clock: Callable[[], datetime]
) -> Verdict:
    database = Database.from_url(url)
    try:
        keys = open_server_keys(settings, database)
        log = AuditLog(keys.audit_seed, settings.audit_checkpoint_every)
        verdict = verify_audit_log(database, log.public_key)
        with database.transaction() as session:
            log.record(
                session,
                Actor.system("restore"),
                "backup.restored",
                "database",
                manifest.backend,
                {"snapshot_taken_at": manifest.taken_at.isoformat(), "chain_verified": verdict.ok},
                at=clock(),
            )
    finally:
        database.dispose()
    return verdict
