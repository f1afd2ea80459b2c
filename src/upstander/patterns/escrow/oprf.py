"""Oblivious pseudorandom functions: RFC 9497, suite ristretto255-SHA512, OPRF and VOPRF modes.

The client blinds its input, the server evaluates the blinded element with its private key
(and, in VOPRF mode, proves with a DLEQ proof that it used the key behind its public key), and
the client unblinds and hashes the result. The server never sees the input or the output; the
client never learns the key.

Sections cited are those of RFC 9497. The partially oblivious mode (POPRF) is not implemented.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

from upstander.patterns.escrow import ristretto
from upstander.patterns.escrow.ristretto import Element, GroupError, Scalar

IDENTIFIER = b"ristretto255-SHA512"
"""RFC 9497 Section 4.1: the ciphersuite identifier."""

MAX_INPUT_BYTES = 2**16 - 1
MAX_BATCH = 2**16 - 1
SEED_BYTES = 32
PROOF_BYTES = 2 * ristretto.SCALAR_BYTES
OUTPUT_BYTES = 64

RandomScalar = Callable[[], Scalar]


class Mode(IntEnum):
    """RFC 9497 Section 3.1: protocol modes."""

    OPRF = 0x00
    VOPRF = 0x01


class OprfError(Exception):
    """A failure named by RFC 9497 Section 5.1 (Error Considerations)."""


class DeserializeError(OprfError):
    """Bytes that are not a valid group element, scalar or proof."""


class InvalidInputError(OprfError):
    """An input that cannot be evaluated (too long, or hashes to the identity)."""


class VerifyError(OprfError):
    """The server's proof does not show that it used the key behind its public key."""


class DeriveKeyPairError(OprfError):
    """DeriveKeyPair found no non-zero key in 256 attempts (probability negligible)."""


def context_string(mode: Mode) -> bytes:
    """RFC 9497 Section 3.1: `"OPRFV1-" || I2OSP(mode, 1) || "-" || identifier`."""
    return b"OPRFV1-" + bytes([mode]) + b"-" + IDENTIFIER


def _i2osp2(value: int) -> bytes:
    return value.to_bytes(2, "big")


def _prefixed(data: bytes) -> bytes:
    return _i2osp2(len(data)) + data


def _hash_to_scalar(msg: bytes, mode: Mode) -> Scalar:
    # RFC 9497 Section 4.1: HashToScalar's default DST is "HashToScalar-" || contextString.
    return ristretto.hash_to_scalar(msg, b"HashToScalar-" + context_string(mode))


def _hash_to_group(data: bytes, mode: Mode) -> Element:
    if len(data) > MAX_INPUT_BYTES:
        raise InvalidInputError(f"an input is at most {MAX_INPUT_BYTES} bytes")
    try:
        return ristretto.hash_to_group(data, b"HashToGroup-" + context_string(mode))
    except GroupError as exc:
        raise InvalidInputError("the input maps to the identity element") from exc


def deserialize_element(data: bytes) -> Element:
    """RFC 9497 Section 2.1 `DeserializeElement`, raising DeserializeError."""
    try:
        return ristretto.element_from_bytes(data)
    except GroupError as exc:
        raise DeserializeError(str(exc)) from exc


def deserialize_scalar(data: bytes) -> Scalar:
    """RFC 9497 Section 2.1 `DeserializeScalar`, raising DeserializeError."""
    try:
        return ristretto.scalar_from_bytes(data)
    except GroupError as exc:
        raise DeserializeError(str(exc)) from exc


@dataclass(frozen=True)
class KeyPair:
    """A server key pair; `public_key = secret_key * G`."""

    secret_key: Scalar = field(repr=False)
    public_key: Element


def derive_key_pair(seed: bytes, info: bytes, mode: Mode = Mode.VOPRF) -> KeyPair:
    """RFC 9497 Section 3.2.1 `DeriveKeyPair`: a key pair determined by a 32-byte seed and `info`."""
    if len(seed) != SEED_BYTES:
        raise InvalidInputError(f"the seed is {SEED_BYTES} bytes")
    if len(info) > MAX_INPUT_BYTES:
        raise InvalidInputError(f"info is at most {MAX_INPUT_BYTES} bytes")
    derive_input = seed + _prefixed(info)
    dst = b"DeriveKeyPair" + context_string(mode)
    for counter in range(256):
        secret = ristretto.hash_to_scalar(derive_input + bytes([counter]), dst)
        if not ristretto.scalar_is_zero(secret):
            return KeyPair(secret_key=secret, public_key=ristretto.scalar_mult_base(secret))
    raise DeriveKeyPairError("no usable key derived from this seed")


def generate_key_pair() -> KeyPair:
    """RFC 9497 Section 3.2.1 `GenerateKeyPair`: a random key pair."""
    secret = ristretto.random_scalar()
    return KeyPair(secret_key=secret, public_key=ristretto.scalar_mult_base(secret))


@dataclass(frozen=True)
class Proof:
    """RFC 9497 Section 2.2: a DLEQ proof `(c, s)`, serialised as `c || s`."""

    c: Scalar
    s: Scalar

    def to_bytes(self) -> bytes:
        return self.c + self.s

    @classmethod
    def from_bytes(cls, data: bytes) -> Proof:
        if len(data) != PROOF_BYTES:
            raise DeserializeError(f"a proof is {PROOF_BYTES} bytes, not {len(data)}")
        half = ristretto.SCALAR_BYTES
        return cls(c=deserialize_scalar(data[:half]), s=deserialize_scalar(data[half:]))


def _composite_seed(b: Element, mode: Mode) -> bytes:
    seed_dst = b"Seed-" + context_string(mode)
    return hashlib.sha512(_prefixed(b) + _prefixed(seed_dst)).digest()


def _composite_weights(b: Element, cs: Sequence[Element], ds: Sequence[Element], mode: Mode) -> list[Scalar]:
    # RFC 9497 Section 2.2.1 ComputeComposites: one weight d_i per (C_i, D_i) pair.
    if not cs or len(cs) != len(ds):
        raise InvalidInputError("a proof covers one or more pairs of elements")
    if len(cs) > MAX_BATCH:
        raise InvalidInputError(f"a batch holds at most {MAX_BATCH} elements")
    seed = _composite_seed(b, mode)
    return [
        _hash_to_scalar(_prefixed(seed) + _i2osp2(i) + _prefixed(c) + _prefixed(d) + b"Composite", mode)
        for i, (c, d) in enumerate(zip(cs, ds, strict=True))
    ]


def _weighted_sum(weights: Sequence[Scalar], elements: Sequence[Element]) -> Element:
    total: Element | None = None
    for weight, element in zip(weights, elements, strict=True):
        term = ristretto.scalar_mult(weight, element)
        total = term if total is None else ristretto.add(total, term)
    assert total is not None  # weights is never empty
    return total


def _challenge(elements: tuple[Element, Element, Element, Element, Element], mode: Mode) -> Scalar:
    # RFC 9497 Section 2.2.1: the transcript is B, M, Z, t2, t3, each length-prefixed.
    transcript = b"".join(_prefixed(e) for e in elements) + b"Challenge"
    return _hash_to_scalar(transcript, mode)


def generate_proof(
    k: Scalar,
    a: Element,
    b: Element,
    cs: Sequence[Element],
    ds: Sequence[Element],
    *,
    mode: Mode = Mode.VOPRF,
    random_scalar: RandomScalar = ristretto.random_scalar,
) -> Proof:
    """RFC 9497 Section 2.2.1 `GenerateProof`: prove `B = k*A` and `D_i = k*C_i` for every i.

    Uses `ComputeCompositesFast` (Z = k*M), which only the key holder can compute.
    """
    weights = _composite_weights(b, cs, ds, mode)
    m = _weighted_sum(weights, cs)
    z = ristretto.scalar_mult(k, m)
    r = random_scalar()
    t2 = ristretto.scalar_mult(r, a)
    t3 = ristretto.scalar_mult(r, m)
    c = _challenge((b, m, z, t2, t3), mode)
    s = ristretto.scalar_sub(r, ristretto.scalar_mul(c, k))
    return Proof(c=c, s=s)


def verify_proof(
    a: Element,
    b: Element,
    cs: Sequence[Element],
    ds: Sequence[Element],
    proof: Proof,
    *,
    mode: Mode = Mode.VOPRF,
) -> bool:
    """RFC 9497 Section 2.2.2 `VerifyProof`: true only if the proof shows `log_A(B) = log_Ci(Di)`."""
    try:
        weights = _composite_weights(b, cs, ds, mode)
        m = _weighted_sum(weights, cs)
        z = _weighted_sum(weights, ds)
        t2 = ristretto.add(ristretto.scalar_mult(proof.s, a), ristretto.scalar_mult(proof.c, b))
        t3 = ristretto.add(ristretto.scalar_mult(proof.s, m), ristretto.scalar_mult(proof.c, z))
    except GroupError:
        # An identity along the way (a zero scalar or cancelling terms) never occurs for an
        # honest proof except with negligible probability.
        return False
    expected = _challenge((b, m, z, t2, t3), mode)
    return hmac.compare_digest(expected, proof.c)


def _finalize_hash(data: bytes, unblinded: Element) -> bytes:
    # RFC 9497 Section 3.3.1 Finalize / Evaluate: the output hash.
    return hashlib.sha512(_prefixed(data) + _prefixed(unblinded) + b"Finalize").digest()


@dataclass(frozen=True)
class BlindedInput:
    """What the client keeps between Blind and Finalize; only `blinded_element` is sent."""

    data: bytes = field(repr=False)
    blind: Scalar = field(repr=False)
    blinded_element: Element


class _Client:
    mode: Mode

    def __init__(self, *, random_scalar: RandomScalar = ristretto.random_scalar) -> None:
        self._random_scalar = random_scalar

    def blind(self, data: bytes) -> BlindedInput:
        """RFC 9497 Section 3.3.1 `Blind`: `blindedElement = blind * HashToGroup(input)`."""
        input_element = _hash_to_group(data, self.mode)
        blind = self._random_scalar()
        return BlindedInput(
            data=data, blind=blind, blinded_element=ristretto.scalar_mult(blind, input_element)
        )

    @staticmethod
    def _unblind(blinded: BlindedInput, evaluated_element: Element) -> bytes:
        unblinded = ristretto.scalar_mult(ristretto.scalar_invert(blinded.blind), evaluated_element)
        return _finalize_hash(blinded.data, unblinded)


class OprfClient(_Client):
    """RFC 9497 Section 3.3.1: the client in OPRF mode (no verification)."""

    mode = Mode.OPRF

    def finalize(self, blinded: BlindedInput, evaluated_element: Element) -> bytes:
        """RFC 9497 Section 3.3.1 `Finalize`: unblind and hash to the 64-byte output."""
        return self._unblind(blinded, evaluated_element)


class VoprfClient(_Client):
    """RFC 9497 Section 3.3.2: the client in VOPRF mode, pinned to the server's public key."""

    mode = Mode.VOPRF

    def __init__(self, public_key: Element, *, random_scalar: RandomScalar = ristretto.random_scalar) -> None:
        super().__init__(random_scalar=random_scalar)
        self.public_key = public_key

    def finalize(self, blinded: BlindedInput, evaluated_element: Element, proof: Proof) -> bytes:
        """RFC 9497 Section 3.3.2 `Finalize`: verify the proof, then unblind and hash."""
        return self.finalize_batch([blinded], [evaluated_element], proof)[0]

    def finalize_batch(
        self, blinded: Sequence[BlindedInput], evaluated_elements: Sequence[Element], proof: Proof
    ) -> list[bytes]:
        """RFC 9497 Section 3.3.2 `Finalize` over a batch covered by one proof.

        Raises VerifyError unless the proof shows every element was evaluated with the key
        behind `public_key`.
        """
        blinded_elements = [b.blinded_element for b in blinded]
        if len(blinded_elements) != len(evaluated_elements) or not blinded_elements:
            raise VerifyError("the evaluated elements do not match the blinded ones")
        if not verify_proof(
            ristretto.GENERATOR, self.public_key, blinded_elements, evaluated_elements, proof, mode=self.mode
        ):
            raise VerifyError("the server's proof does not verify against its public key")
        return [self._unblind(b, e) for b, e in zip(blinded, evaluated_elements, strict=True)]


def _evaluate(secret_key: Scalar, data: bytes, mode: Mode) -> bytes:
    # RFC 9497 Section 3.3.1 Evaluate: the PRF output computed directly with the key.
    element = ristretto.scalar_mult(secret_key, _hash_to_group(data, mode))
    return _finalize_hash(data, element)


class OprfServer:
    """RFC 9497 Section 3.3.1: the server in OPRF mode."""

    mode = Mode.OPRF

    def __init__(self, secret_key: Scalar) -> None:
        self._secret_key = secret_key

    def blind_evaluate(self, blinded_element: Element) -> Element:
        """RFC 9497 Section 3.3.1 `BlindEvaluate`: `skS * blindedElement`."""
        return ristretto.scalar_mult(self._secret_key, blinded_element)

    def evaluate(self, data: bytes) -> bytes:
        """RFC 9497 Section 3.3.1 `Evaluate`: the PRF output computed directly with the key."""
        return _evaluate(self._secret_key, data, self.mode)


class VoprfServer:
    """RFC 9497 Section 3.3.2: the server in VOPRF mode; every evaluation carries a DLEQ proof."""

    mode = Mode.VOPRF

    def __init__(self, key_pair: KeyPair, *, random_scalar: RandomScalar = ristretto.random_scalar) -> None:
        self._secret_key = key_pair.secret_key
        self.public_key = key_pair.public_key
        self._random_scalar = random_scalar

    def blind_evaluate(self, blinded_element: Element) -> tuple[Element, Proof]:
        """RFC 9497 Section 3.3.2 `BlindEvaluate` for one element: the evaluation and its proof."""
        evaluated, proof = self.blind_evaluate_batch([blinded_element])
        return evaluated[0], proof

    def blind_evaluate_batch(self, blinded_elements: Sequence[Element]) -> tuple[list[Element], Proof]:
        """RFC 9497 Section 3.3.2 `BlindEvaluate` over a batch, with one proof covering all of it."""
        if not blinded_elements or len(blinded_elements) > MAX_BATCH:
            raise InvalidInputError(f"a batch holds 1 to {MAX_BATCH} elements")
        evaluated = [ristretto.scalar_mult(self._secret_key, b) for b in blinded_elements]
        proof = generate_proof(
            self._secret_key,
            ristretto.GENERATOR,
            self.public_key,
            blinded_elements,
            evaluated,
            mode=self.mode,
            random_scalar=self._random_scalar,
        )
        return evaluated, proof

    def evaluate(self, data: bytes) -> bytes:
        """RFC 9497 Section 3.3.2 `Evaluate`: the PRF output computed directly with the key."""
        return _evaluate(self._secret_key, data, self.mode)
