"""The escrow key service boundary: the PSD sees only blinded elements and checks every proof."""

from __future__ import annotations

import secrets
import stat
from collections.abc import Sequence
from pathlib import Path

import pytest

from upstander.patterns.escrow import oprf, ristretto
from upstander.patterns.escrow import rules as escrow_rules
from upstander.patterns.escrow.keys import (
    KEY_INFO,
    MAX_ELEMENTS_PER_REQUEST,
    EscrowKeyService,
    KeyFileError,
    LocalEscrowKeyService,
    load_or_create_seed,
    oprf_outputs,
)
from upstander.patterns.escrow.ristretto import Element

INPUT = escrow_rules.match_inputs(escrow_rules.NamedPerson(staff_number="AB1234"))[
    escrow_rules.IdentifierKind.STAFF_NUMBER
]


class RecordingService:
    """Wraps a service and keeps what crossed the boundary, as the service would see it."""

    def __init__(self, inner: EscrowKeyService) -> None:
        self.inner = inner
        self.seen: list[Element] = []

    @property
    def public_key(self) -> Element:
        return self.inner.public_key

    def evaluate(self, blinded_elements: Sequence[Element]) -> tuple[list[Element], oprf.Proof]:
        self.seen.extend(blinded_elements)
        return self.inner.evaluate(blinded_elements)


class TamperingService(RecordingService):
    """A service whose answers have been altered on the way."""

    def __init__(self, inner: EscrowKeyService, how: str) -> None:
        super().__init__(inner)
        self.how = how

    def evaluate(self, blinded_elements: Sequence[Element]) -> tuple[list[Element], oprf.Proof]:
        evaluated, proof = super().evaluate(blinded_elements)
        if self.how == "proof":
            one = ristretto.scalar_from_int(1)
            return evaluated, oprf.Proof(c=ristretto.scalar_add(proof.c, one), s=proof.s)
        if self.how == "element":
            return [ristretto.add(e, ristretto.GENERATOR) for e in evaluated], proof
        return list(reversed(evaluated)), proof


@pytest.fixture
def key_pair() -> oprf.KeyPair:
    return oprf.derive_key_pair(secrets.token_bytes(32), KEY_INFO)


@pytest.fixture
def service(key_pair: oprf.KeyPair) -> LocalEscrowKeyService:
    return LocalEscrowKeyService(key_pair)


def test_local_service_implements_the_interface(service: LocalEscrowKeyService) -> None:
    assert isinstance(service, EscrowKeyService)


def test_psd_gets_the_prf_output_of_the_service_key(
    service: LocalEscrowKeyService, key_pair: oprf.KeyPair
) -> None:
    [output] = oprf_outputs(service, [INPUT], public_key=key_pair.public_key)
    assert output == oprf.VoprfServer(key_pair).evaluate(INPUT)


def test_service_sees_only_fresh_blinded_elements(service: LocalEscrowKeyService) -> None:
    recorder = RecordingService(service)
    first = oprf_outputs(recorder, [INPUT], public_key=service.public_key)
    second = oprf_outputs(recorder, [INPUT], public_key=service.public_key)

    assert first == second
    unblinded = ristretto.hash_to_group(INPUT, b"HashToGroup-" + oprf.context_string(oprf.Mode.VOPRF))
    assert len(set(recorder.seen)) == 2  # the same name twice looks like two unrelated requests
    assert unblinded not in recorder.seen


def test_psd_alone_cannot_compute_a_token(service: LocalEscrowKeyService) -> None:
    """Everything the PSD holds without the service (the public key, its own blinds, its own keys)
    yields some other value than the token, and an answer under any key but the pinned one is
    refused."""
    pinned = service.public_key
    [true_output] = oprf_outputs(service, [INPUT], public_key=pinned)
    token = escrow_rules.match_token(true_output)

    # Unblinding without the key's evaluation gives the hash of the input point, not the PRF.
    client = oprf.VoprfClient(pinned)
    blinded = client.blind(INPUT)
    guesses = [
        oprf.OprfClient().finalize(blinded, blinded.blinded_element),
        oprf.OprfClient().finalize(blinded, pinned),
    ]
    # A key of the PSD's own gives a different function, and its proofs do not verify.
    own = LocalEscrowKeyService(oprf.generate_key_pair())
    guesses.append(oprf_outputs(own, [INPUT], public_key=own.public_key)[0])
    assert all(escrow_rules.match_token(g) != token for g in guesses)
    with pytest.raises(oprf.VerifyError):
        oprf_outputs(own, [INPUT], public_key=pinned)


@pytest.mark.parametrize("how", ["proof", "element", "order"])
def test_an_altered_answer_is_rejected(service: LocalEscrowKeyService, how: str) -> None:
    other = escrow_rules.match_inputs(escrow_rules.NamedPerson(name="Jane Doe", unit="Traffic"))
    inputs = [INPUT, *other.values()]
    with pytest.raises(oprf.VerifyError):
        oprf_outputs(TamperingService(service, how), inputs, public_key=service.public_key)


def test_batch_size_is_bounded(service: LocalEscrowKeyService) -> None:
    client = oprf.VoprfClient(service.public_key)
    element = client.blind(INPUT).blinded_element
    with pytest.raises(oprf.InvalidInputError):
        service.evaluate([])
    with pytest.raises(oprf.InvalidInputError):
        service.evaluate([element] * (MAX_ELEMENTS_PER_REQUEST + 1))


def test_reports_spelled_differently_match_through_the_service(service: LocalEscrowKeyService) -> None:
    pinned = service.public_key
    named = [
        escrow_rules.NamedPerson(name="Seán  O'Neill", unit="Response Team B"),
        escrow_rules.NamedPerson(staff_number="4521", name="sean oneill", unit="response team b"),
    ]
    entries = []
    for number, person in enumerate(named):
        inputs = escrow_rules.match_inputs(person)
        for kind, output in zip(
            inputs, oprf_outputs(service, list(inputs.values()), public_key=pinned), strict=True
        ):
            entries.append(
                escrow_rules.escrow(
                    output,
                    reporter_id=f"reporter-{number}",
                    report_id=f"report-{number}-{kind}",
                    data_key=secrets.token_bytes(32),
                )
            )
    opened = escrow_rules.release(entries)
    assert set(opened.data_keys) == {"report-0-name_in_unit", "report-1-name_in_unit"}


# --- The key file -------------------------------------------------------------------------------


def test_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "escrow.key"
    first = LocalEscrowKeyService.from_key_file(path)

    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode == 0o600
    assert path.stat().st_size == 32
    assert LocalEscrowKeyService.from_key_file(path).public_key == first.public_key
    assert [p.name for p in tmp_path.iterdir()] == ["escrow.key"]  # no temporary file left


def test_existing_key_file_is_used_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "escrow.key"
    seed = secrets.token_bytes(32)
    path.write_bytes(seed)
    path.chmod(0o600)
    assert load_or_create_seed(path) == seed
    expected = oprf.derive_key_pair(seed, KEY_INFO).public_key
    assert LocalEscrowKeyService.from_key_file(path).public_key == expected


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "escrow.key"
    path.write_bytes(secrets.token_bytes(32))
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_or_create_seed(path)


@pytest.mark.parametrize("size", [0, 31, 33, 64])
def test_key_file_of_the_wrong_size_is_refused(tmp_path: Path, size: int) -> None:
    path = tmp_path / "escrow.key"
    path.write_bytes(bytes(size))
    path.chmod(0o600)
    with pytest.raises(KeyFileError, match="32 bytes"):
        load_or_create_seed(path)


def test_key_path_that_is_not_a_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "escrow.key"
    path.mkdir(mode=0o700)
    with pytest.raises(KeyFileError, match="regular file"):
        load_or_create_seed(path)
