"""Escrowed matching: a report naming a person opens only once k reporters have named that person.

Inputs and tokens. The named person's identifiers are normalised and encoded as OPRF inputs,
one per kind of identifier (staff number; name within unit). Each is evaluated with the VOPRF
of RFC 9497 under the escrow key service's key (see `escrow_keys`), giving a 64-byte output
`R` per identifier. `R` is a secret: it exists only while a report is being escrowed and must
never be stored. Everything stored is derived from it one way.

Threshold scheme (Shamir secret sharing over GF(P), P = 2**255 - 19). For each threshold
k in MIN_THRESHOLD..MAX_THRESHOLD, `R` determines a polynomial of degree k - 1,

    f_k(x) = a_k0 + a_k1 x + ... + a_k(k-1) x^(k-1),   a_ki = KDF(R, "coefficient", k, i) mod P,

so every report naming the same person gets the same polynomials, while f_k(0), the person's
key for threshold k, stays hidden. A report contributes one point on every polynomial, at

    x = KDF(R, "reporter", reporter id) mod P   (non-zero),

so a reporter always lands on the same point for the same person: naming someone twice adds no
new share, which makes the per-reporter deduplication a property of the shares themselves, not
only of a database check. k distinct points determine f_k(0) by Lagrange interpolation; any
k - 1 of them are consistent with every possible value of f_k(0), so they reveal nothing about
it. Coefficients for different k are independent, so opening f_2 tells nothing about f_3.

A report escrowed with threshold k stores its data key wrapped under a key derived from f_k(0)
and its report id (one-time pad plus a keyed BLAKE2b tag; the key is never reused because the
report id is unique), plus `key_check = KDF(f_k(0), "check")`, which confirms a recovered
secret without revealing it. The match token `KDF(R, "match-token")` groups a person's entries.

What this protects: someone holding the database (and not the key service) can neither test a
name nor open a report below its threshold. What it does not: the server knows `R` while it
escrows a report, and anyone holding k matching entries can open them; seal released keys to
their readers as well if that matters.

KDF is keyed BLAKE2b-512 with length-prefixed, labelled inputs.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from upstander.errors import InvalidInput
from upstander.org.people import normalise_name, normalise_staff_number

FIELD_PRIME = 2**255 - 19
FIELD_BYTES = 32
DATA_KEY_BYTES = 32
TOKEN_BYTES = 32
TAG_BYTES = 32
MIN_THRESHOLD = 2
MAX_THRESHOLD = 5
DEFAULT_THRESHOLD = 2
MAX_INTERPOLATION_ATTEMPTS = 256

_PERSONALISATION = b"upstander-escrow"  # BLAKE2b allows 16 bytes
_INPUT_PREFIX = b"upstander/escrow/v1\x00"


class IdentifierKind(StrEnum):
    STAFF_NUMBER = "staff_number"
    NAME_IN_UNIT = "name_in_unit"


# --- Normalisation -------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedPerson:
    """The person a report names, as the reporter gave them; any field may be missing."""

    staff_number: str | None = None
    name: str | None = None
    unit: str | None = None


def _prefixed(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def match_inputs(person: NamedPerson) -> dict[IdentifierKind, bytes]:
    """The OPRF inputs for a named person: one per kind of identifier the reporter gave.

    A staff number alone identifies; a name does only together with a unit. Reports match
    when they share any one of these. Raises InvalidInput when neither is given.
    """
    inputs: dict[IdentifierKind, bytes] = {}
    staff = normalise_staff_number(person.staff_number or "")
    if staff:
        inputs[IdentifierKind.STAFF_NUMBER] = (
            _INPUT_PREFIX + _prefixed(IdentifierKind.STAFF_NUMBER.encode()) + _prefixed(staff.encode())
        )
    name = normalise_name(person.name or "")
    unit = normalise_name(person.unit or "")
    if name and unit:
        inputs[IdentifierKind.NAME_IN_UNIT] = (
            _INPUT_PREFIX
            + _prefixed(IdentifierKind.NAME_IN_UNIT.encode())
            + _prefixed(name.encode())
            + _prefixed(unit.encode())
        )
    if not inputs:
        raise InvalidInput(
            "To be matched with other reports, the person needs a staff number, or a name and a unit."
        )
    return inputs


# --- Derivation ----------------------------------------------------------------------------


def _kdf(key: bytes, label: bytes, *parts: bytes, size: int = 64) -> bytes:
    digest = hashlib.blake2b(key=key, digest_size=size, person=_PERSONALISATION)
    digest.update(_prefixed(label))
    for part in parts:
        digest.update(_prefixed(part))
    return digest.digest()


def _field_element(data: bytes) -> int:
    return int.from_bytes(data, "little") % FIELD_PRIME


def field_to_bytes(value: int) -> bytes:
    """A field element as 32 little-endian bytes (how shares are stored)."""
    return (value % FIELD_PRIME).to_bytes(FIELD_BYTES, "little")


def field_from_bytes(data: bytes) -> int:
    value = int.from_bytes(data, "little")
    if len(data) != FIELD_BYTES or value >= FIELD_PRIME:
        raise ValueError("not a canonical field element")
    return value


def _check_oprf_output(oprf_output: bytes) -> None:
    if len(oprf_output) != 64:
        raise ValueError("an OPRF output (RFC 9497, ristretto255-SHA512) is 64 bytes")


def _check_threshold(threshold: int) -> None:
    if not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
        raise InvalidInput(
            f"The number of reports needed must be between {MIN_THRESHOLD} and {MAX_THRESHOLD}."
        )


def match_token(oprf_output: bytes) -> bytes:
    """The stored token that groups every entry about the same person (same identifier)."""
    _check_oprf_output(oprf_output)
    return _kdf(oprf_output, b"match-token", size=TOKEN_BYTES)


def _coefficients(oprf_output: bytes, threshold: int) -> list[int]:
    k = threshold.to_bytes(1, "big")
    return [
        _field_element(_kdf(oprf_output, b"coefficient", k, i.to_bytes(1, "big"))) for i in range(threshold)
    ]


def _evaluate(coefficients: Sequence[int], x: int) -> int:
    result = 0
    for coefficient in reversed(coefficients):
        result = (result * x + coefficient) % FIELD_PRIME
    return result


def reporter_point(oprf_output: bytes, reporter_id: str) -> int:
    """The non-zero x at which a reporter's shares for this person lie; the same every time."""
    _check_oprf_output(oprf_output)
    for counter in itertools.count():
        x = _field_element(_kdf(oprf_output, b"reporter", reporter_id.encode(), counter.to_bytes(4, "big")))
        if x:
            return x
    raise AssertionError("unreachable")  # pragma: no cover


def key_check(secret: int) -> bytes:
    """A value that confirms a recovered person key without revealing it."""
    return _kdf(field_to_bytes(secret), b"check", size=TOKEN_BYTES)


def _wrapping_keys(secret: int, threshold: int, report_id: str) -> tuple[bytes, bytes]:
    material = _kdf(field_to_bytes(secret), b"wrap", threshold.to_bytes(1, "big"), report_id.encode())
    return material[:DATA_KEY_BYTES], material[DATA_KEY_BYTES:]


def _tag(mac_key: bytes, ciphertext: bytes) -> bytes:
    return hashlib.blake2b(ciphertext, key=mac_key, digest_size=TAG_BYTES, person=_PERSONALISATION).digest()


# --- Escrow --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """One point (x, f_k(x)) on a person's polynomial for one threshold."""

    x: int
    y: int


@dataclass(frozen=True)
class EscrowEntry:
    """What is stored for one report about one identifier of a person.

    `ys[i]` is the reporter's share for threshold MIN_THRESHOLD + i. The report's own data key
    opens once `threshold` distinct reporters' entries with this `match_token` exist.
    """

    report_id: str
    match_token: bytes
    threshold: int
    x: int
    ys: tuple[int, ...]
    key_check: bytes
    wrapped_key: bytes = field(repr=False)

    def share(self, threshold: int) -> Share | None:
        index = threshold - MIN_THRESHOLD
        if not 0 <= index < len(self.ys):
            return None
        return Share(self.x, self.ys[index])


def escrow(
    oprf_output: bytes,
    *,
    reporter_id: str,
    report_id: str,
    data_key: bytes,
    threshold: int = DEFAULT_THRESHOLD,
) -> EscrowEntry:
    """The entry that escrows one report's data key under a person's OPRF output.

    `reporter_id` must be the signed-in reporter's stable account id and `report_id` unique
    per report (a UUID); never escrow two different data keys under one report id (the
    wrapping key would repeat). The OPRF output must be discarded afterwards.
    """
    _check_oprf_output(oprf_output)
    _check_threshold(threshold)
    if len(data_key) != DATA_KEY_BYTES:
        raise ValueError(f"a data key is {DATA_KEY_BYTES} bytes")
    if not reporter_id or not report_id:
        raise ValueError("a reporter id and a report id are required")
    x = reporter_point(oprf_output, reporter_id)
    ys = tuple(_evaluate(_coefficients(oprf_output, k), x) for k in range(MIN_THRESHOLD, MAX_THRESHOLD + 1))
    secret = _coefficients(oprf_output, threshold)[0]
    pad, mac_key = _wrapping_keys(secret, threshold, report_id)
    ciphertext = bytes(a ^ b for a, b in zip(data_key, pad, strict=True))
    return EscrowEntry(
        report_id=report_id,
        match_token=match_token(oprf_output),
        threshold=threshold,
        x=x,
        ys=ys,
        key_check=key_check(secret),
        wrapped_key=ciphertext + _tag(mac_key, ciphertext),
    )


def unwrap_data_key(secret: int, entry: EscrowEntry) -> bytes | None:
    """The entry's data key, given its person key for its threshold; None if that key is wrong."""
    pad, mac_key = _wrapping_keys(secret, entry.threshold, entry.report_id)
    ciphertext, tag = entry.wrapped_key[:DATA_KEY_BYTES], entry.wrapped_key[DATA_KEY_BYTES:]
    if len(entry.wrapped_key) != DATA_KEY_BYTES + TAG_BYTES or not hmac.compare_digest(
        tag, _tag(mac_key, ciphertext)
    ):
        return None
    return bytes(a ^ b for a, b in zip(ciphertext, pad, strict=True))


# --- Matching ------------------------------------------------------------------------------


def interpolate(shares: Sequence[Share], at: int = 0) -> int:
    """Lagrange interpolation: the value at `at` of the polynomial of least degree through `shares`."""
    total = 0
    for i, share in enumerate(shares):
        numerator, denominator = 1, 1
        for j, other in enumerate(shares):
            if i != j:
                numerator = numerator * (at - other.x) % FIELD_PRIME
                denominator = denominator * (share.x - other.x) % FIELD_PRIME
        total = (total + share.y * numerator * pow(denominator, -1, FIELD_PRIME)) % FIELD_PRIME
    return total


def distinct_reporters(shares: Iterable[Share]) -> list[Share]:
    """One share per reporter (per x). A reporter whose shares disagree is left out entirely."""
    by_x: dict[int, set[int]] = {}
    for share in shares:
        by_x.setdefault(share.x % FIELD_PRIME, set()).add(share.y % FIELD_PRIME)
    return [Share(x, next(iter(ys))) for x, ys in sorted(by_x.items()) if x != 0 and len(ys) == 1]


def try_match(shares: Iterable[Share], k: int, *, expected_check: bytes) -> int | None:
    """The person key for threshold `k`, or None unless `k` distinct reporters' shares agree on it.

    Shares from one reporter count once. The recovered key must match `expected_check` (the
    `key_check` stored with the entries), so shares of another person, or a damaged share,
    never yield a key. With more than k reporters, subsets of k are tried (a bounded number).
    """
    _check_threshold(k)
    reporters = distinct_reporters(shares)
    if len(reporters) < k:
        return None
    for subset in itertools.islice(itertools.combinations(reporters, k), MAX_INTERPOLATION_ATTEMPTS):
        secret = interpolate(subset)
        if hmac.compare_digest(key_check(secret), expected_check):
            return secret
    return None


@dataclass(frozen=True)
class Release:
    """The outcome of matching: data keys now open, by report id, and entries that failed to open."""

    data_keys: dict[str, bytes] = field(repr=False)
    unreadable: tuple[str, ...] = ()


def release(entries: Sequence[EscrowEntry]) -> Release:
    """Open every entry whose threshold is met by distinct reporters naming the same person.

    Entries are grouped by match token; within a group, the entries of each threshold k open
    together once k distinct reporters have an entry in the group (whatever their own k).
    """
    data_keys: dict[str, bytes] = {}
    unreadable: list[str] = []
    groups: dict[bytes, list[EscrowEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.match_token, []).append(entry)
    for group in groups.values():
        for k in sorted({e.threshold for e in group}):
            shares = [s for e in group if (s := e.share(k)) is not None]
            waiting = [e for e in group if e.threshold == k]
            for check in {e.key_check for e in waiting}:
                secret = try_match(shares, k, expected_check=check)
                if secret is None:
                    continue
                for entry in (e for e in waiting if e.key_check == check):
                    key = unwrap_data_key(secret, entry)
                    if key is None:
                        unreadable.append(entry.report_id)
                    else:
                        data_keys[entry.report_id] = key
    return Release(data_keys=data_keys, unreadable=tuple(unreadable))
