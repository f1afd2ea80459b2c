"""The escrow key service: the VOPRF key that turns a named person into a match token.

The key belongs to a separate service run by the overseer. The PSD server sends it only blinded
elements (RFC 9497 Section 3.3.2 `Blind`), so the service never learns who is named, and checks
each answer's proof against the service's public key, which the PSD pins in its configuration,
so the service cannot quietly switch keys. Without the service the PSD cannot compute a token,
so it cannot test names against the escrow on its own.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from upstander.patterns.escrow import oprf
from upstander.patterns.escrow.ristretto import Element

KEY_INFO = b"upstander escrow key service v1"
"""RFC 9497 Section 3.2.1 DeriveKeyPair `info`: binds the key to this use."""

MAX_ELEMENTS_PER_REQUEST = 16


class KeyFileError(Exception):
    """The key file is missing, malformed or readable by others; the message says which."""


@runtime_checkable
class EscrowKeyService(Protocol):
    """Evaluates blinded elements with the escrow key, proving each answer (RFC 9497 VOPRF)."""

    @property
    def public_key(self) -> Element: ...

    def evaluate(self, blinded_elements: Sequence[Element]) -> tuple[list[Element], oprf.Proof]: ...


class LocalEscrowKeyService:
    """An in-process escrow key service holding a key derived from a 32-byte seed."""

    def __init__(self, key_pair: oprf.KeyPair) -> None:
        self._server = oprf.VoprfServer(key_pair)

    @classmethod
    def from_key_file(cls, path: Path) -> LocalEscrowKeyService:
        """Load the seed from `path`, creating it (mode 0600) if it does not exist."""
        seed = load_or_create_seed(path)
        return cls(oprf.derive_key_pair(seed, KEY_INFO, oprf.Mode.VOPRF))

    @property
    def public_key(self) -> Element:
        return self._server.public_key

    def evaluate(self, blinded_elements: Sequence[Element]) -> tuple[list[Element], oprf.Proof]:
        """RFC 9497 Section 3.3.2 `BlindEvaluate` over a small batch, with one proof."""
        if not 1 <= len(blinded_elements) <= MAX_ELEMENTS_PER_REQUEST:
            raise oprf.InvalidInputError(f"send 1 to {MAX_ELEMENTS_PER_REQUEST} blinded elements")
        return self._server.blind_evaluate_batch(blinded_elements)


def oprf_outputs(service: EscrowKeyService, inputs: Sequence[bytes], *, public_key: Element) -> list[bytes]:
    """The PSD side: the VOPRF outputs for `inputs`, which the service never sees.

    `public_key` is the one pinned in configuration, never the one the service reports.
    Raises oprf.VerifyError if the service's answer is not proven under that key.
    """
    client = oprf.VoprfClient(public_key)
    blinded = [client.blind(data) for data in inputs]
    evaluated, proof = service.evaluate([b.blinded_element for b in blinded])
    return client.finalize_batch(blinded, evaluated, proof)


def load_or_create_seed(path: Path) -> bytes:
    """The 32-byte key seed at `path`; created with mode 0600 (atomically) if absent.

    Refuses a file of the wrong size, not a regular file, or open to group or others.
    """
    try:
        return _read_seed(path)
    except FileNotFoundError:
        pass
    seed = secrets.token_bytes(oprf.SEED_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write a private temporary file beside the target, then link it into place: the seed is
    # never visible half-written, and a concurrent creator's seed wins rather than being replaced.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".escrow-seed-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(seed)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return _read_seed(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    _fsync_directory(path.parent)
    return seed


def _read_seed(path: Path) -> bytes:
    try:
        handle = path.open("rb")
    except IsADirectoryError as exc:
        raise KeyFileError(f"{path} is not a regular file") from exc
    with handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileError(f"{path} is not a regular file")
        if info.st_mode & 0o077:
            raise KeyFileError(f"{path} is readable by others; restrict it to its owner (chmod 600)")
        seed = handle.read(oprf.SEED_BYTES + 1)
    if len(seed) != oprf.SEED_BYTES:
        raise KeyFileError(f"{path} must hold exactly {oprf.SEED_BYTES} bytes")
    return seed


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
