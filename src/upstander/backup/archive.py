"""The encrypted archive: a tar stream encrypted to age recipients, written and read without the
plaintext ever touching the disk (the tar goes through a pipe into the encryption, and back).

The only module that touches pyrage (an import contract says so)."""

from __future__ import annotations

import contextlib
import io
import os
import tarfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import pyrage

from upstander.backup.rules import SnapshotRefused

# The private key a restore decrypts with, named here so no other module needs pyrage.
BackupIdentity = pyrage.x25519.Identity


@dataclass(frozen=True)
class BackupKeyPair:
    public_key: str  # age1…, safe to give to every machine that takes backups
    private_key_text: str  # the age identity file's text: written only where the operator says


def generate_backup_key(now: datetime) -> BackupKeyPair:
    identity = pyrage.x25519.Identity.generate()
    public = str(identity.to_public())
    # The layout age-keygen writes, so the operator's age tools read the same file.
    text = f"# created: {now.astimezone(UTC).isoformat(timespec='seconds')}\n# public key: {public}\n{identity}\n"
    return BackupKeyPair(public, text)


def write_private_key(path: Path, text: str) -> None:
    """Owner-only, and never over an existing file (that would lose the key to older backups)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as error:
        raise SnapshotRefused(
            f"{path} already exists; it may be the key to older backups. Choose another file."
        ) from error
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def parse_recipient(public_key: str) -> pyrage.x25519.Recipient:
    try:
        return pyrage.x25519.Recipient.from_str(public_key.strip())
    except pyrage.RecipientError as error:
        raise SnapshotRefused(
            "The backup public key is not an age public key (age1…); `upstander backup-key create` makes one."
        ) from error


def read_identity(path: Path) -> pyrage.x25519.Identity:
    try:
        lines = [line.strip() for line in path.read_text().splitlines()]
    except OSError as error:
        raise SnapshotRefused(f"Cannot read the backup private key {path}: {error.strerror}.") from error
    keys = [line for line in lines if line and not line.startswith("#")]
    try:
        return pyrage.x25519.Identity.from_str(keys[0])
    except (IndexError, pyrage.IdentityError) as error:
        raise SnapshotRefused(f"{path} does not hold an age private key (AGE-SECRET-KEY-1…).") from error


@dataclass
class _Pump:
    """Runs pyrage on one end of a pipe in a thread while the caller works the other end."""

    work: Callable[[], object]
    error: BaseException | None = None
    thread: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self._run, name="snapshot-crypto", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.work()
        except BaseException as error:  # handed to the caller's thread by join
            self.error = error

    def join(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


class SnapshotWriter:
    """Adds members to the tar stream; only ciphertext reaches `out`."""

    def __init__(self, tar: tarfile.TarFile, now: datetime) -> None:
        self._tar = tar
        self._mtime = int(now.timestamp())

    def add_bytes(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o600
        info.mtime = self._mtime
        self._tar.addfile(info, io.BytesIO(data))

    def add_file(self, name: str, path: Path) -> None:
        info = tarfile.TarInfo(name)
        info.size = path.stat().st_size
        info.mode = 0o600
        info.mtime = self._mtime
        with path.open("rb") as handle:
            self._tar.addfile(info, handle)


@contextmanager
def encrypted_tar(out: IO[bytes], public_key: str, now: datetime) -> Iterator[SnapshotWriter]:
    recipient = parse_recipient(public_key)
    read_fd, write_fd = os.pipe()
    reader = os.fdopen(read_fd, "rb")
    writer = os.fdopen(write_fd, "wb")

    def encrypt() -> None:
        try:
            pyrage.encrypt_io(reader, out, [recipient])  # type: ignore[arg-type]
        finally:
            reader.close()  # a failed encryption breaks the pipe instead of leaving the writer waiting

    pump = _Pump(encrypt)
    try:
        with tarfile.open(fileobj=writer, mode="w|") as tar:
            yield SnapshotWriter(tar, now)
    finally:
        writer.close()
        pump.join()


@dataclass(frozen=True)
class Member:
    name: str
    data: IO[bytes]


@contextmanager
def decrypted_tar(source: Path, identity: pyrage.x25519.Identity) -> Iterator[Iterator[Member]]:
    """The archive's members in order; the caller must read them all before trusting any of them,
    since age only knows the stream was not cut short once it reaches its end."""
    read_fd, write_fd = os.pipe()
    reader = os.fdopen(read_fd, "rb")
    writer = os.fdopen(write_fd, "wb")

    def decrypt() -> None:
        try:
            with source.open("rb") as encrypted:
                pyrage.decrypt_io(encrypted, writer, [identity])
        finally:
            writer.close()

    pump = _Pump(decrypt)

    def members() -> Iterator[Member]:
        with tarfile.open(fileobj=reader, mode="r|") as tar:
            for info in tar:
                if not info.isfile():
                    continue
                extracted = tar.extractfile(info)
                if extracted is not None:
                    yield Member(info.name, extracted)

    try:
        yield members()
    except tarfile.TarError as error:
        _finish(pump, reader)  # a decryption failure is the better explanation, when there is one
        raise SnapshotRefused("The snapshot is damaged or cut short; it cannot be restored.") from error
    except BaseException:
        reader.close()  # the caller gave up: the broken pipe ends the decryption too
        pump.thread.join()
        raise
    _finish(pump, reader)


def _finish(pump: _Pump, reader: IO[bytes]) -> None:
    """Read to the end (age authenticates the stream's last chunk only there), then hand on
    the decryption's own failure."""
    with contextlib.suppress(OSError, ValueError):
        while reader.read(1 << 16):
            pass
    reader.close()
    try:
        pump.join()
    # pyrage reports a stream that ends before its last authenticated chunk as an OSError.
    except (pyrage.DecryptError, OSError) as error:
        raise SnapshotRefused(
            "The snapshot cannot be decrypted with this private key: it was encrypted to another backup "
            "key, or it is damaged or cut short."
        ) from error
