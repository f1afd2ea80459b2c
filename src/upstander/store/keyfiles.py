"""Secrets kept in files outside the database, created on first run with owner-only permissions."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from upstander import crypto
from upstander.config import Settings


def read_key_file(path: Path) -> bytes | None:
    """The key a file holds, or None if there is no such file."""
    if not path.exists():
        return None
    try:
        key = bytes.fromhex(path.read_text().strip())
    except ValueError:
        key = b""
    if len(key) != crypto.KEY_BYTES:
        raise ValueError(f"{path} does not hold a 32-byte key in hex")
    return key


def load_or_create_key_file(path: Path) -> bytes:
    key = read_key_file(path)
    if key is not None:
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = crypto.random_bytes(crypto.KEY_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process created it first: use theirs.
        return load_or_create_key_file(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex())
    return key


@dataclass(frozen=True)
class ServerSecrets:
    """Keys derived from the one server secret, each for one purpose."""

    csrf: bytes
    totp: bytes
    idempotency: bytes
    detriment: bytes
    free_text: bytes
    enrolment: bytes

    @classmethod
    def from_master(cls, master: bytes) -> ServerSecrets:
        return cls(
            csrf=crypto.subkey(master, "upstander csrf"),
            totp=crypto.subkey(master, "upstander totp at rest"),
            idempotency=crypto.subkey(master, "upstander idempotency"),
            detriment=crypto.subkey(master, "upstander detriment watch"),
            free_text=crypto.subkey(master, "upstander free text at rest"),
            enrolment=crypto.subkey(master, "upstander enrolment codes"),
        )

    @classmethod
    def load(cls, settings: Settings) -> ServerSecrets:
        return cls.from_master(cls.master_key(settings))

    @staticmethod
    def master_key(settings: Settings) -> bytes:
        """The one server secret: from UPSTANDER_SECRET_KEY if set, else the key file (made if absent)."""
        if settings.secret_key is not None:
            value = settings.secret_key.get_secret_value().encode()
            if len(value) < crypto.KEY_BYTES:
                raise ValueError("UPSTANDER_SECRET_KEY must be at least 32 characters")
            return crypto.subkey(value, "upstander master")
        return load_or_create_key_file(settings.server_secret_file)


def audit_signing_seed(settings: Settings) -> bytes:
    return load_or_create_key_file(settings.resolved_audit_signing_key_file)
