"""The ristretto255 prime-order group (RFC 9496) and its hashing (RFC 9380), as RFC 9497 uses them.

This is the only module that imports the ristretto255 library (`rbcl`, which bundles its own
libsodium). Elements and scalars cross this boundary as canonical 32-byte strings:

- an `Element` is a canonical ristretto255 encoding (RFC 9496 Section 4.3.2) of a non-identity
  element, as RFC 9497 Section 2.1 `DeserializeElement` requires;
- a `Scalar` is the 32-byte little-endian encoding of an integer below the group order
  (RFC 9497 Section 4.1, `SerializeScalar`).

Scalar arithmetic is done by libsodium rather than on Python integers, so that operations on
secret scalars (keys, blinds, proof nonces) take time that does not depend on their value.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import sys
from typing import NewType

import rbcl  # type: ignore[import-untyped, unused-ignore]

Element = NewType("Element", bytes)
Scalar = NewType("Scalar", bytes)

ELEMENT_BYTES = 32
SCALAR_BYTES = 32
# RFC 9496 Section 4.1: the order of the ristretto255 group.
GROUP_ORDER = 2**252 + 27742317777372353535851937790883648493

# RFC 9496 Section 4.4: the encoding of the canonical generator.
GENERATOR = Element(bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"))

_IDENTITY_ENCODING = bytes(ELEMENT_BYTES)
_SHA512_BLOCK_BYTES = 128
_SHA512_DIGEST_BYTES = 64


class GroupError(ValueError):
    """Bytes that do not encode what they claim to (RFC 9497 Section 2.1 `DeserializeError`)."""


def _release_library_copy() -> None:
    # rbcl writes its bundled libsodium to a fresh temporary file on every import and never
    # removes it. Once loaded, the mapping outlives the file on POSIX, so remove it here rather
    # than leave one copy per process in the temporary directory.
    module = sys.modules.get("rbcl._sodium")
    path = getattr(module, "lib_path", None)
    if isinstance(path, str):
        with contextlib.suppress(OSError):
            os.unlink(path)


_release_library_copy()


def element_from_bytes(data: bytes) -> Element:
    """RFC 9497 Section 2.1 `DeserializeElement`: accept only a canonical, non-identity encoding."""
    if len(data) != ELEMENT_BYTES:
        raise GroupError(f"a group element is {ELEMENT_BYTES} bytes, not {len(data)}")
    if hmac.compare_digest(data, _IDENTITY_ENCODING):
        raise GroupError("the identity element is not accepted")
    # RFC 9496 Section 4.3.1 rejects any encoding whose integer is >= p, hence any with the top
    # bit set. The libsodium bundled with rbcl (1.0.18) ignores that bit, so that each element
    # would have a second encoding; refuse it here.
    if data[-1] & 0x80:
        raise GroupError("not a canonical ristretto255 encoding")
    if not rbcl.crypto_core_ristretto255_is_valid_point(bytes(data)):
        raise GroupError("not a canonical ristretto255 encoding")
    return Element(bytes(data))


def scalar_from_bytes(data: bytes) -> Scalar:
    """RFC 9497 Section 2.1 `DeserializeScalar`: accept only 32 bytes encoding an integer below the order."""
    if len(data) != SCALAR_BYTES:
        raise GroupError(f"a scalar is {SCALAR_BYTES} bytes, not {len(data)}")
    if int.from_bytes(data, "little") >= GROUP_ORDER:
        raise GroupError("the scalar is not reduced modulo the group order")
    return Scalar(bytes(data))


def scalar_from_int(value: int) -> Scalar:
    """The scalar `value mod order`; for public values and tests (Python integers are not constant-time)."""
    return Scalar((value % GROUP_ORDER).to_bytes(SCALAR_BYTES, "little"))


def scalar_is_zero(s: Scalar) -> bool:
    return hmac.compare_digest(s, bytes(SCALAR_BYTES))


def random_scalar() -> Scalar:
    """RFC 9497 Section 2.1 `RandomScalar`: a uniformly random non-zero scalar."""
    while True:
        s = Scalar(bytes(rbcl.crypto_core_ristretto255_scalar_random()))
        if not scalar_is_zero(s):
            return s


def scalar_add(a: Scalar, b: Scalar) -> Scalar:
    return Scalar(bytes(rbcl.crypto_core_ristretto255_scalar_add(a, b)))


def scalar_sub(a: Scalar, b: Scalar) -> Scalar:
    return Scalar(bytes(rbcl.crypto_core_ristretto255_scalar_sub(a, b)))


def scalar_mul(a: Scalar, b: Scalar) -> Scalar:
    return Scalar(bytes(rbcl.crypto_core_ristretto255_scalar_mul(a, b)))


def scalar_invert(a: Scalar) -> Scalar:
    """RFC 9497 Section 2.1 `ScalarInverse`; the zero scalar has no inverse."""
    if scalar_is_zero(a):
        raise GroupError("zero has no inverse")
    return Scalar(bytes(rbcl.crypto_core_ristretto255_scalar_invert(a)))


def scalar_mult(s: Scalar, element: Element) -> Element:
    """`s * element`. Raises GroupError when the product is the identity (only if s is zero)."""
    try:
        return Element(bytes(rbcl.crypto_scalarmult_ristretto255(s, element)))
    except RuntimeError as exc:  # libsodium refuses an identity result
        raise GroupError("the product is the identity element") from exc


def scalar_mult_base(s: Scalar) -> Element:
    """RFC 9497 Section 2.1 `ScalarMultGen`: `s * G` for the ristretto255 generator."""
    try:
        return Element(bytes(rbcl.crypto_scalarmult_ristretto255_base(s)))
    except RuntimeError as exc:
        raise GroupError("the product is the identity element") from exc


def add(a: Element, b: Element) -> Element:
    """`a + b`. Raises GroupError when the sum is the identity."""
    total = bytes(rbcl.crypto_core_ristretto255_add(a, b))
    if hmac.compare_digest(total, _IDENTITY_ENCODING):
        raise GroupError("the sum is the identity element")
    return Element(total)


def expand_message_xmd(msg: bytes, dst: bytes, len_in_bytes: int) -> bytes:
    """RFC 9380 Section 5.3.1 `expand_message_xmd` with SHA-512 (b_in_bytes 64, s_in_bytes 128).

    A DST longer than 255 bytes is first hashed, as RFC 9380 Section 5.3.3 specifies.
    """
    if len(dst) > 255:
        dst = hashlib.sha512(b"H2C-OVERSIZE-DST-" + dst).digest()
    ell = -(-len_in_bytes // _SHA512_DIGEST_BYTES)
    if ell > 255 or len_in_bytes > 65535 or len_in_bytes <= 0:
        raise ValueError("expand_message_xmd: requested length out of range")
    dst_prime = dst + len(dst).to_bytes(1, "big")
    msg_prime = bytes(_SHA512_BLOCK_BYTES) + msg + len_in_bytes.to_bytes(2, "big") + b"\x00" + dst_prime
    b0 = hashlib.sha512(msg_prime).digest()
    b_i = hashlib.sha512(b0 + b"\x01" + dst_prime).digest()
    uniform = bytearray(b_i)
    for i in range(2, ell + 1):
        mixed = bytes(x ^ y for x, y in zip(b0, b_i, strict=True))
        b_i = hashlib.sha512(mixed + i.to_bytes(1, "big") + dst_prime).digest()
        uniform += b_i
    return bytes(uniform[:len_in_bytes])


def hash_to_group(msg: bytes, dst: bytes) -> Element:
    """RFC 9497 Section 4.1 `HashToGroup` for ristretto255: RFC 9380 `hash_to_ristretto255`.

    64 uniform bytes from `expand_message_xmd` (SHA-512) fed to the RFC 9496 Section 4.3.4
    one-way map (libsodium `crypto_core_ristretto255_from_hash`). The result is the identity
    only with negligible probability; callers that must refuse it (RFC 9497 `Blind`) do so.
    """
    uniform = expand_message_xmd(msg, dst, 64)
    encoded = bytes(rbcl.crypto_core_ristretto255_from_hash(uniform))
    if hmac.compare_digest(encoded, _IDENTITY_ENCODING):
        raise GroupError("the input hashes to the identity element")
    return Element(encoded)


def hash_to_scalar(msg: bytes, dst: bytes) -> Scalar:
    """RFC 9497 Section 4.1 `HashToScalar` for ristretto255.

    64 bytes from `expand_message_xmd` (SHA-512), read as a little-endian integer and reduced
    modulo the group order.
    """
    uniform = expand_message_xmd(msg, dst, 64)
    return Scalar(bytes(rbcl.crypto_core_ristretto255_scalar_reduce(uniform)))
