"""Escrow threshold rules: k reporters open a person's reports, k - 1 learn nothing, duplicates count once."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Sequence

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from upstander.errors import InvalidInput
from upstander.patterns.escrow import rules
from upstander.patterns.escrow.rules import EscrowEntry, NamedPerson, Share

P = rules.FIELD_PRIME

oprf_outputs = st.binary(min_size=64, max_size=64)
thresholds = st.integers(rules.MIN_THRESHOLD, rules.MAX_THRESHOLD)
field_elements = st.integers(0, P - 1)
modest = settings(max_examples=25, deadline=None)


def reporters(count: int) -> list[str]:
    return [f"reporter-{i}" for i in range(count)]


def entry_for(output: bytes, reporter: str, threshold: int, report_id: str | None = None) -> EscrowEntry:
    return rules.escrow(
        output,
        reporter_id=reporter,
        report_id=report_id or f"report-{secrets.token_hex(8)}",
        data_key=secrets.token_bytes(rules.DATA_KEY_BYTES),
        threshold=threshold,
    )


def shares(entries: Sequence[EscrowEntry], k: int) -> list[Share]:
    return [s for e in entries if (s := e.share(k)) is not None]


def polynomial_through(points: Sequence[tuple[int, int]]) -> list[int]:
    """Coefficients (lowest first) of the polynomial of least degree through `points`, over GF(P)."""
    coefficients = [0] * len(points)
    for i, (xi, yi) in enumerate(points):
        basis, denominator = [1], 1
        for j, (xj, _) in enumerate(points):
            if i != j:
                # basis *= (X - xj)
                basis = [
                    ((basis[d - 1] if d else 0) - xj * (basis[d] if d < len(basis) else 0)) % P
                    for d in range(len(basis) + 1)
                ]
                denominator = denominator * (xi - xj) % P
        scale = yi * pow(denominator, -1, P) % P
        for d, c in enumerate(basis):
            coefficients[d] = (coefficients[d] + c * scale) % P
    return coefficients


def evaluate(coefficients: Sequence[int], x: int) -> int:
    return sum(c * pow(x, d, P) for d, c in enumerate(coefficients)) % P


# --- Threshold properties -------------------------------------------------------------------


@modest
@given(output=oprf_outputs, k=thresholds, extra=st.integers(0, 2))
def test_k_distinct_reporters_always_open_the_reports(output: bytes, k: int, extra: int) -> None:
    entries = [entry_for(output, r, k) for r in reporters(k + extra)]

    secret = rules.try_match(shares(entries, k), k, expected_check=entries[0].key_check)

    assert secret is not None
    assert rules.key_check(secret) == entries[0].key_check
    opened = rules.release(entries)
    assert set(opened.data_keys) == {e.report_id for e in entries}
    assert opened.unreadable == ()


@modest
@given(output=oprf_outputs, k=thresholds)
def test_k_minus_one_reporters_never_open_anything(output: bytes, k: int) -> None:
    entries = [entry_for(output, r, k) for r in reporters(k - 1)]

    assert rules.try_match(shares(entries, k), k, expected_check=entries[0].key_check) is None
    assert rules.release(entries).data_keys == {}


@modest
@given(output=oprf_outputs, k=thresholds, candidate=field_elements)
def test_k_minus_one_shares_are_consistent_with_every_possible_key(
    output: bytes, k: int, candidate: int
) -> None:
    """Perfect secrecy: for any candidate key there is exactly one polynomial of degree < k through
    (0, candidate) and the k - 1 shares, so the shares do not favour any key. One more share pins
    the key down: then only the true key fits a polynomial of degree < k."""
    entries = [entry_for(output, r, k) for r in reporters(k)]
    points = [(s.x, s.y) for s in shares(entries, k)]
    known, extra = points[: k - 1], points[k - 1]

    fitted = polynomial_through([(0, candidate), *known])
    assert len(fitted) <= k  # degree at most k - 1
    assert evaluate(fitted, 0) == candidate
    assert all(evaluate(fitted, x) == y for x, y in known)

    true_key = rules.try_match(shares(entries, k), k, expected_check=entries[0].key_check)
    assert true_key is not None
    with_extra = polynomial_through([(0, candidate), *known, extra])
    fits_degree_below_k = with_extra[k] == 0
    assert fits_degree_below_k == (candidate == true_key)


@modest
@given(
    first=oprf_outputs,
    second=oprf_outputs,
    k=thresholds,
    data=st.data(),
)
def test_shares_of_different_people_never_combine(
    first: bytes, second: bytes, k: int, data: st.DataObject
) -> None:
    assume(first != second)
    on_first = data.draw(st.integers(1, k - 1), label="reporters naming the first person")
    on_second = data.draw(st.integers(max(1, k - on_first), k - 1), label="reporters naming the second")
    names = reporters(on_first + on_second)
    entries = [entry_for(first, r, k) for r in names[:on_first]] + [
        entry_for(second, r, k) for r in names[on_first:]
    ]
    mixed = shares(entries, k)
    assert len(rules.distinct_reporters(mixed)) >= k

    assert entries[0].match_token != entries[-1].match_token
    assert rules.try_match(mixed, k, expected_check=entries[0].key_check) is None
    assert rules.try_match(mixed, k, expected_check=entries[-1].key_check) is None
    # Even forced into one group, nothing opens.
    same_group = [dataclasses.replace(e, match_token=bytes(32)) for e in entries]
    assert rules.release(same_group).data_keys == {}


@modest
@given(output=oprf_outputs, k=thresholds, repeats=st.integers(1, 3))
def test_a_reporter_naming_the_same_person_again_counts_once(output: bytes, k: int, repeats: int) -> None:
    names = reporters(k - 1)
    entries = [entry_for(output, r, k) for r in names]
    entries += [entry_for(output, names[0], k) for _ in range(repeats)]
    assert len(entries) >= k

    assert rules.release(entries).data_keys == {}

    entries.append(entry_for(output, "one-more-reporter", k))
    assert set(rules.release(entries).data_keys) == {e.report_id for e in entries}


def test_the_same_reporter_always_lands_on_the_same_share() -> None:
    output = secrets.token_bytes(64)
    a, b = entry_for(output, "alice", 3), entry_for(output, "alice", 2)
    assert (a.x, a.ys) == (b.x, b.ys)
    assert entry_for(output, "bob", 3).x != a.x


def test_each_threshold_opens_when_its_own_count_is_reached() -> None:
    output = secrets.token_bytes(64)
    first = entry_for(output, "alice", 2)
    second = entry_for(output, "bob", 3)
    third = entry_for(output, "carol", 2)

    assert rules.release([first]).data_keys == {}
    assert set(rules.release([first, second]).data_keys) == {first.report_id}
    assert set(rules.release([first, second, third]).data_keys) == {
        first.report_id,
        second.report_id,
        third.report_id,
    }


def test_released_data_keys_are_the_escrowed_ones() -> None:
    output = secrets.token_bytes(64)
    keys = {f"report-{i}": secrets.token_bytes(32) for i in range(2)}
    entries = [
        rules.escrow(output, reporter_id=f"r{i}", report_id=rid, data_key=key, threshold=2)
        for i, (rid, key) in enumerate(keys.items())
    ]
    assert rules.release(entries).data_keys == keys


def test_a_damaged_wrapped_key_is_reported_not_opened() -> None:
    output = secrets.token_bytes(64)
    good, damaged = entry_for(output, "alice", 2), entry_for(output, "bob", 2)
    flipped = bytes([damaged.wrapped_key[0] ^ 1]) + damaged.wrapped_key[1:]
    damaged = dataclasses.replace(damaged, wrapped_key=flipped)

    opened = rules.release([good, damaged])
    assert set(opened.data_keys) == {good.report_id}
    assert opened.unreadable == (damaged.report_id,)


def test_a_damaged_share_is_outvoted_when_enough_reporters_remain() -> None:
    output = secrets.token_bytes(64)
    entries = [entry_for(output, r, 2) for r in reporters(3)]
    bad = entries[0]
    entries[0] = dataclasses.replace(bad, ys=(bad.ys[0] + 1, *bad.ys[1:]))
    secret = rules.try_match(shares(entries, 2), 2, expected_check=entries[1].key_check)
    assert secret is not None
    assert rules.key_check(secret) == entries[1].key_check


def test_a_reporter_whose_shares_disagree_is_left_out() -> None:
    assert rules.distinct_reporters([Share(5, 1), Share(5, 2), Share(7, 3), Share(7, 3)]) == [Share(7, 3)]


def test_wrong_person_key_does_not_unwrap() -> None:
    entry = entry_for(secrets.token_bytes(64), "alice", 2)
    assert rules.unwrap_data_key(12345, entry) is None


@pytest.mark.parametrize("threshold", [0, 1, rules.MAX_THRESHOLD + 1])
def test_threshold_outside_the_allowed_range_is_refused(threshold: int) -> None:
    with pytest.raises(InvalidInput):
        entry_for(secrets.token_bytes(64), "alice", threshold)


def test_escrow_refuses_malformed_inputs() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        rules.escrow(b"short", reporter_id="a", report_id="r", data_key=bytes(32))
    with pytest.raises(ValueError, match="data key"):
        rules.escrow(bytes(64), reporter_id="a", report_id="r", data_key=bytes(16))
    with pytest.raises(ValueError, match="required"):
        rules.escrow(bytes(64), reporter_id="", report_id="r", data_key=bytes(32))


@given(value=field_elements)
def test_field_elements_round_trip(value: int) -> None:
    assert rules.field_from_bytes(rules.field_to_bytes(value)) == value


def test_non_canonical_field_bytes_are_refused() -> None:
    with pytest.raises(ValueError, match="canonical"):
        rules.field_from_bytes(P.to_bytes(32, "little"))


# --- Normalisation and OPRF inputs --------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("  José   ÁLVAREZ-Núñez ", "jose alvarez nunez"),
        ("O'Brien", "obrien"),
        ("O\u2019Brien", "obrien"),
        ("Zoë\tSmith\n", "zoe smith"),
        ("ＪＯＨＮ ＳＭＩＴＨ", "john smith"),  # full-width forms
        ("Straße", "strasse"),
        ("Smith, John.", "smith john"),
        ("Ægir Øvergaard", "ægir øvergaard"),  # no decomposition: kept, only case-folded
    ],
)
def test_normalise_name(written: str, normalised: str) -> None:
    assert rules.normalise_name(written) == normalised


@given(text=st.text(max_size=40))
def test_normalise_name_is_idempotent(text: str) -> None:
    once = rules.normalise_name(text)
    assert rules.normalise_name(once) == once


@pytest.mark.parametrize("written", ["ab 1234", "AB-1234", " Ab1234 ", "AB\u00a01234"])
def test_normalise_staff_number(written: str) -> None:
    assert rules.normalise_staff_number(written) == "AB1234"


def test_spellings_of_one_person_give_the_same_inputs() -> None:
    first = rules.match_inputs(NamedPerson(staff_number="ab 1234", name="José Álvarez", unit="Response Team"))
    second = rules.match_inputs(
        NamedPerson(staff_number="AB1234", name="jose  alvarez", unit="response-team")
    )
    assert first == second
    assert set(first) == {rules.IdentifierKind.STAFF_NUMBER, rules.IdentifierKind.NAME_IN_UNIT}


def test_a_name_needs_a_unit() -> None:
    assert set(rules.match_inputs(NamedPerson(staff_number="1234", name="Jane Doe"))) == {
        rules.IdentifierKind.STAFF_NUMBER
    }
    with pytest.raises(InvalidInput):
        rules.match_inputs(NamedPerson(name="Jane Doe"))
    with pytest.raises(InvalidInput):
        rules.match_inputs(NamedPerson(staff_number=" - ", name="  ", unit="x"))


def test_identifier_kinds_and_fields_are_kept_apart() -> None:
    # The same text as a staff number and as a name never collide; nor do shifted field boundaries.
    staff = rules.match_inputs(NamedPerson(staff_number="A1", name="a", unit="1"))
    assert staff[rules.IdentifierKind.STAFF_NUMBER] != staff[rules.IdentifierKind.NAME_IN_UNIT]
    one = rules.match_inputs(NamedPerson(name="ann lee", unit="x"))[rules.IdentifierKind.NAME_IN_UNIT]
    two = rules.match_inputs(NamedPerson(name="ann", unit="lee x"))[rules.IdentifierKind.NAME_IN_UNIT]
    assert one != two
