"""RFC 9497 OPRF/VOPRF (ristretto255-SHA512) against the RFC's own test vectors, and its failure modes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from upstander.patterns.escrow import oprf, ristretto
from upstander.patterns.escrow.ristretto import Element, Scalar

# Test vectors: RFC 9497, Appendix A.1 (ristretto255-SHA512).
# A.1.1 is OPRF mode, A.1.2 is VOPRF mode; every vector of both is below. POPRF (A.1.3) is not
# implemented. The values are the RFC's, copied as data.
SEED = bytes.fromhex("a3" * 32)
KEY_INFO = bytes.fromhex("74657374206b6579")
OPRF_SK = "5ebcea5ee37023ccb9fc2d2019f9d7737be85591ae8652ffa9ef0f4d37063b0e"
VOPRF_SK = "e6f73f344b79b379f1a0dd37e07ff62e38d9f71345ce62ae3a9bc60b04ccd909"
VOPRF_PK = "c803e2cc6b05fc15064549b5920659ca4a77b2cca6f04f6b357009335476ad4e"
BLIND_1 = "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706"
BLIND_2 = "222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e"
OUTPUT_00 = (
    "b58cfbe118e0cb94d79b5fd6a6dafb98764dff49c14e1770b566e42402da1a7d"
    "a4d8527693914139caee5bd03903af43a491351d23b430948dd50cde10d32b3c"
)
OUTPUT_5A = (
    "8a9a2f3c7f085b65933594309041fc1898d42d0858e59f90814ae90571a6df60"
    "356f4610bf816f27afdd84f47719e480906d27ecd994985890e5f539e7ea74b6"
)


@dataclass(frozen=True)
class Vector:
    name: str
    inputs: tuple[str, ...]
    blinds: tuple[str, ...]
    blinded_elements: tuple[str, ...]
    evaluation_elements: tuple[str, ...]
    outputs: tuple[str, ...]
    proof: str = ""
    proof_random_scalar: str = ""


OPRF_VECTORS = [
    Vector(
        name="A.1.1 test vector 1",
        inputs=("00",),
        blinds=(BLIND_1,),
        blinded_elements=("609a0ae68c15a3cf6903766461307e5c8bb2f95e7e6550e1ffa2dc99e412803c",),
        evaluation_elements=("7ec6578ae5120958eb2db1745758ff379e77cb64fe77b0b2d8cc917ea0869c7e",),
        outputs=(
            "527759c3d9366f277d8c6020418d96bb393ba2afb20ff90df23fb7708264e2f3"
            "ab9135e3bd69955851de4b1f9fe8a0973396719b7912ba9ee8aa7d0b5e24bcf6",
        ),
    ),
    Vector(
        name="A.1.1 test vector 2",
        inputs=("5a" * 17,),
        blinds=(BLIND_1,),
        blinded_elements=("da27ef466870f5f15296299850aa088629945a17d1f5b7f5ff043f76b3c06418",),
        evaluation_elements=("b4cbf5a4f1eeda5a63ce7b77c7d23f461db3fcab0dd28e4e17cecb5c90d02c25",),
        outputs=(
            "f4a74c9c592497375e796aa837e907b1a045d34306a749db9f34221f7e750cb4"
            "f2a6413a6bf6fa5e19ba6348eb673934a722a7ede2e7621306d18951e7cf2c73",
        ),
    ),
]

VOPRF_VECTORS = [
    Vector(
        name="A.1.2 test vector 1",
        inputs=("00",),
        blinds=(BLIND_1,),
        blinded_elements=("863f330cc1a1259ed5a5998a23acfd37fb4351a793a5b3c090b642ddc439b945",),
        evaluation_elements=("aa8fa048764d5623868679402ff6108d2521884fa138cd7f9c7669a9a014267e",),
        proof=(
            "ddef93772692e535d1a53903db24367355cc2cc78de93b3be5a8ffcc6985dd06"
            "6d4346421d17bf5117a2a1ff0fcb2a759f58a539dfbe857a40bce4cf49ec600d"
        ),
        proof_random_scalar=BLIND_2,
        outputs=(OUTPUT_00,),
    ),
    Vector(
        name="A.1.2 test vector 2",
        inputs=("5a" * 17,),
        blinds=(BLIND_1,),
        blinded_elements=("cc0b2a350101881d8a4cba4c80241d74fb7dcbfde4a61fde2f91443c2bf9ef0c",),
        evaluation_elements=("60a59a57208d48aca71e9e850d22674b611f752bed48b36f7a91b372bd7ad468",),
        proof=(
            "401a0da6264f8cf45bb2f5264bc31e109155600babb3cd4e5af7d181a2c9dc0a"
            "67154fabf031fd936051dec80b0b6ae29c9503493dde7393b722eafdf5a50b02"
        ),
        proof_random_scalar=BLIND_2,
        outputs=(OUTPUT_5A,),
    ),
    Vector(
        name="A.1.2 test vector 3 (batch of 2)",
        inputs=("00", "5a" * 17),
        blinds=(BLIND_1, BLIND_2),
        blinded_elements=(
            "863f330cc1a1259ed5a5998a23acfd37fb4351a793a5b3c090b642ddc439b945",
            "90a0145ea9da29254c3a56be4fe185465ebb3bf2a1801f7124bbbadac751e654",
        ),
        evaluation_elements=(
            "aa8fa048764d5623868679402ff6108d2521884fa138cd7f9c7669a9a014267e",
            "cc5ac221950a49ceaa73c8db41b82c20372a4c8d63e5dded2db920b7eee36a2a",
        ),
        proof=(
            "cc203910175d786927eeb44ea847328047892ddf8590e723c37205cb74600b0a"
            "5ab5337c8eb4ceae0494c2cf89529dcf94572ed267473d567aeed6ab873dee08"
        ),
        proof_random_scalar="419c4f4f5052c53c45f3da494d2b67b220d02118e0857cdbcf037f9ea84bbe0c",
        outputs=(OUTPUT_00, OUTPUT_5A),
    ),
]


def fixed_scalars(*hex_values: str) -> oprf.RandomScalar:
    """A scalar source that yields the vector's blinds (or proof nonce) in order."""
    values: Iterator[Scalar] = iter(ristretto.scalar_from_bytes(bytes.fromhex(h)) for h in hex_values)
    return lambda: next(values)


def element(hex_value: str) -> Element:
    return oprf.deserialize_element(bytes.fromhex(hex_value))


def voprf_key_pair() -> oprf.KeyPair:
    return oprf.derive_key_pair(SEED, KEY_INFO, oprf.Mode.VOPRF)


# --- RFC 9380 K.3: expand_message_xmd(SHA-512), which HashToGroup and HashToScalar rest on ---

XMD_DST = b"QUUX-V01-CS02-with-expander-SHA512-256"


@pytest.mark.parametrize(
    ("msg", "length", "expected"),
    [
        (b"", 0x20, "6b9a7312411d92f921c6f68ca0b6380730a1a4d982c507211a90964c394179ba"),
        (b"abc", 0x20, "0da749f12fbe5483eb066a5f595055679b976e93abe9be6f0f6318bce7aca8dc"),
        (
            b"abc",
            0x80,
            "7f1dddd13c08b543f2e2037b14cefb255b44c83cc397c1786d975653e36a6b11"
            "bdd7732d8b38adb4a0edc26a0cef4bb45217135456e58fbca1703cd6032cb134"
            "7ee720b87972d63fbf232587043ed2901bce7f22610c0419751c065922b48843"
            "1851041310ad659e4b23520e1772ab29dcdeb2002222a363f0c2b1c972b3efe1",
        ),
    ],
)
def test_expand_message_xmd_matches_rfc_9380(msg: bytes, length: int, expected: str) -> None:
    assert ristretto.expand_message_xmd(msg, XMD_DST, length).hex() == expected


# --- RFC 9496 Appendix A: the ristretto255 group as the bundled libsodium provides it ---

# A.1: encodings of 0*B .. 5*B.
SMALL_MULTIPLES = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76",
    "6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919",
    "94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259",
    "da80862773358b466ffadfe0b3293ab3d9fd53c5ea6c955358f568322daf6a57",
    "e882b131016b52c1d3337080187cf768423efccbb517bb495ab812c4160ff44e",
]

# A.2: encodings every decoder must refuse.
INVALID_ENCODINGS = [
    # non-canonical field encodings
    "00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    # negative field elements
    "0100000000000000000000000000000000000000000000000000000000000000",
    "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20",
    "c34c4e1826e5d403b78e246e88aa051c36ccf0aafebffe137d148a2bf9104562",
    "c940e5a4404157cfb1628b108db051a8d439e1a421394ec4ebccb9ec92a8ac78",
    "47cfc5497c53dc8e61c91d17fd626ffb1c49e2bca94eed052281b510b1117a24",
    "f1c6165d33367351b0da8f6e4511010c68174a03b6581212c71c0e1d026c3c72",
    "87260f7a2f12495118360f02c26a470f450dadf34a413d21042b43b9d93e1309",
    # non-square x^2
    "26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
    "4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f",
    "de6a7b00deadc788eb6b6c8d20c0ae96c2f2019078fa604fee5b87d6e989ad7b",
    "bcab477be20861e01e4a0e295284146a510150d9817763caf1a6f4b422d67042",
    "2a292df7e32cababbd9de088d1d1abec9fc0440f637ed2fba145094dc14bea08",
    "f4a9e534fc0d216c44b218fa0c42d99635a0127ee2e53c712f70609649fdff22",
    "8268436f8c4126196cf64b3c7ddbda90746a378625f9813dd9b8457077256731",
    "2810e5cbc2cc4d4eece54f61c6f69758e289aa7ab440b3cbeaa21995c2f4232b",
    # negative xy value
    "3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e",
    "a45fdc55c76448c049a1ab33f17023edfb2be3581e9c7aade8a6125215e04220",
    "d483fe813c6ba647ebbfd3ec41adca1c6130c2beeee9d9bf065c8d151c5f396e",
    "8a2e1d30050198c65a54483123960ccc38aef6848e1ec8f5f780e8523769ba32",
    "32888462f8b486c68ad7dd9610be5192bbeaf3b443951ac1a8118419d9fa097b",
    "227142501b9d4355ccba290404bde41575b037693cef1f438c47f8fbf35d1165",
    "5c37cc491da847cfeb9281d407efc41e15144c876e0170b499a96a22ed31e01e",
    "445425117cb8c90edcbc7c1cc0e74f747f2c1efa5630a967c64f287792a48a4b",
    # s = -1, which gives y = 0
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
]


@pytest.mark.parametrize("multiple", range(1, len(SMALL_MULTIPLES)))
def test_small_multiples_of_the_generator(multiple: int) -> None:
    encoded = ristretto.scalar_mult_base(ristretto.scalar_from_int(multiple))
    assert encoded.hex() == SMALL_MULTIPLES[multiple]
    assert ristretto.element_from_bytes(encoded) == encoded


@pytest.mark.parametrize("encoding", INVALID_ENCODINGS)
def test_rfc_9496_invalid_encodings_are_refused(encoding: str) -> None:
    with pytest.raises(ristretto.GroupError):
        ristretto.element_from_bytes(bytes.fromhex(encoding))


@pytest.mark.parametrize("multiple", range(1, len(SMALL_MULTIPLES)))
def test_a_second_encoding_with_the_top_bit_set_is_refused(multiple: int) -> None:
    # The bundled libsodium 1.0.18 would accept these as the same element.
    canonical = bytes.fromhex(SMALL_MULTIPLES[multiple])
    with pytest.raises(ristretto.GroupError):
        ristretto.element_from_bytes(canonical[:31] + bytes([canonical[31] | 0x80]))


def test_group_order_times_an_element_is_the_identity() -> None:
    # L reduces to zero: the product is the identity, which scalar_mult refuses to return.
    with pytest.raises(ristretto.GroupError):
        ristretto.scalar_mult(ristretto.scalar_from_int(ristretto.GROUP_ORDER), ristretto.GENERATOR)


def test_generator_is_the_ristretto255_base_point() -> None:
    assert ristretto.scalar_mult_base(ristretto.scalar_from_int(1)) == ristretto.GENERATOR


def test_context_strings() -> None:
    assert oprf.context_string(oprf.Mode.OPRF) == b"OPRFV1-\x00-ristretto255-SHA512"
    assert oprf.context_string(oprf.Mode.VOPRF) == b"OPRFV1-\x01-ristretto255-SHA512"


# --- RFC 9497 Appendix A.1: DeriveKeyPair ---


def test_derive_key_pair_oprf_mode() -> None:
    assert oprf.derive_key_pair(SEED, KEY_INFO, oprf.Mode.OPRF).secret_key.hex() == OPRF_SK


def test_derive_key_pair_voprf_mode() -> None:
    key_pair = voprf_key_pair()
    assert key_pair.secret_key.hex() == VOPRF_SK
    assert key_pair.public_key.hex() == VOPRF_PK


def test_derive_key_pair_refuses_a_short_seed() -> None:
    with pytest.raises(oprf.InvalidInputError):
        oprf.derive_key_pair(SEED[:31], KEY_INFO)


def test_key_pair_repr_hides_the_secret() -> None:
    assert VOPRF_SK not in repr(voprf_key_pair())
    assert "secret" not in repr(voprf_key_pair())


# --- RFC 9497 Appendix A.1.1: OPRF mode ---


@pytest.mark.parametrize("vector", OPRF_VECTORS, ids=lambda v: v.name)
def test_oprf_mode_vectors(vector: Vector) -> None:
    secret = ristretto.scalar_from_bytes(bytes.fromhex(OPRF_SK))
    client = oprf.OprfClient(random_scalar=fixed_scalars(*vector.blinds))
    server = oprf.OprfServer(secret)
    data = bytes.fromhex(vector.inputs[0])

    blinded = client.blind(data)
    assert blinded.blinded_element.hex() == vector.blinded_elements[0]
    evaluated = server.blind_evaluate(blinded.blinded_element)
    assert evaluated.hex() == vector.evaluation_elements[0]
    assert client.finalize(blinded, evaluated).hex() == vector.outputs[0]
    assert server.evaluate(data).hex() == vector.outputs[0]


# --- RFC 9497 Appendix A.1.2: VOPRF mode, including the batch vector ---


@pytest.mark.parametrize("vector", VOPRF_VECTORS, ids=lambda v: v.name)
def test_voprf_mode_vectors(vector: Vector) -> None:
    key_pair = voprf_key_pair()
    client = oprf.VoprfClient(key_pair.public_key, random_scalar=fixed_scalars(*vector.blinds))
    server = oprf.VoprfServer(key_pair, random_scalar=fixed_scalars(vector.proof_random_scalar))
    inputs = [bytes.fromhex(h) for h in vector.inputs]

    blinded = [client.blind(data) for data in inputs]
    assert [b.blinded_element.hex() for b in blinded] == list(vector.blinded_elements)

    evaluated, proof = server.blind_evaluate_batch([b.blinded_element for b in blinded])
    assert [e.hex() for e in evaluated] == list(vector.evaluation_elements)
    assert proof.to_bytes().hex() == vector.proof

    outputs = client.finalize_batch(blinded, evaluated, proof)
    assert [o.hex() for o in outputs] == list(vector.outputs)
    assert [server.evaluate(data).hex() for data in inputs] == list(vector.outputs)


@pytest.mark.parametrize("vector", VOPRF_VECTORS, ids=lambda v: v.name)
def test_voprf_client_accepts_the_rfc_proof_as_received(vector: Vector) -> None:
    """The client side alone, from the vector's wire values (as a client receiving them would)."""
    client = oprf.VoprfClient(element(VOPRF_PK), random_scalar=fixed_scalars(*vector.blinds))
    blinded = [client.blind(bytes.fromhex(h)) for h in vector.inputs]
    evaluated = [element(h) for h in vector.evaluation_elements]
    proof = oprf.Proof.from_bytes(bytes.fromhex(vector.proof))
    assert [o.hex() for o in client.finalize_batch(blinded, evaluated, proof)] == list(vector.outputs)


def test_single_element_blind_evaluate_matches_batch_of_one() -> None:
    vector = VOPRF_VECTORS[0]
    server = oprf.VoprfServer(voprf_key_pair(), random_scalar=fixed_scalars(vector.proof_random_scalar))
    evaluated, proof = server.blind_evaluate(element(vector.blinded_elements[0]))
    assert evaluated.hex() == vector.evaluation_elements[0]
    assert proof.to_bytes().hex() == vector.proof


# --- Failure modes ---


def _vector_3_wire() -> tuple[oprf.VoprfClient, list[oprf.BlindedInput], list[Element], oprf.Proof]:
    vector = VOPRF_VECTORS[2]
    client = oprf.VoprfClient(element(VOPRF_PK), random_scalar=fixed_scalars(*vector.blinds))
    blinded = [client.blind(bytes.fromhex(h)) for h in vector.inputs]
    evaluated = [element(h) for h in vector.evaluation_elements]
    return client, blinded, evaluated, oprf.Proof.from_bytes(bytes.fromhex(vector.proof))


def test_tampered_proof_is_rejected() -> None:
    client, blinded, evaluated, proof = _vector_3_wire()
    bumped = oprf.Proof(c=proof.c, s=ristretto.scalar_add(proof.s, ristretto.scalar_from_int(1)))
    with pytest.raises(oprf.VerifyError):
        client.finalize_batch(blinded, evaluated, bumped)


def test_swapped_evaluations_are_rejected() -> None:
    client, blinded, evaluated, proof = _vector_3_wire()
    with pytest.raises(oprf.VerifyError):
        client.finalize_batch(blinded, list(reversed(evaluated)), proof)


def test_evaluation_under_another_key_is_rejected() -> None:
    client, blinded, _, _ = _vector_3_wire()
    impostor = oprf.VoprfServer(oprf.generate_key_pair())
    evaluated, proof = impostor.blind_evaluate_batch([b.blinded_element for b in blinded])
    with pytest.raises(oprf.VerifyError):
        client.finalize_batch(blinded, evaluated, proof)


def test_a_batch_of_the_wrong_length_is_rejected() -> None:
    client, blinded, evaluated, proof = _vector_3_wire()
    with pytest.raises(oprf.VerifyError):
        client.finalize_batch(blinded, evaluated[:1], proof)
    with pytest.raises(oprf.VerifyError):
        client.finalize_batch([], [], proof)


def test_proof_with_a_zero_response_is_rejected_not_crashing() -> None:
    client, blinded, evaluated, proof = _vector_3_wire()
    with pytest.raises(oprf.VerifyError):
        client.finalize_batch(blinded, evaluated, oprf.Proof(c=proof.c, s=ristretto.scalar_from_int(0)))


@pytest.mark.parametrize(
    "data",
    [
        bytes(63),
        bytes(65),
        # s = group order: not reduced, so not a canonical scalar.
        ristretto.GROUP_ORDER.to_bytes(32, "little") + bytes(32),
    ],
)
def test_malformed_proof_bytes_are_rejected(data: bytes) -> None:
    with pytest.raises(oprf.DeserializeError):
        oprf.Proof.from_bytes(data)


@pytest.mark.parametrize(
    "data",
    [
        bytes(32),  # the identity
        bytes(31),
        b"\xff" * 32,  # not a field element
        bytes.fromhex(VOPRF_PK)[:31] + b"\x80",  # high bit set: never canonical
        (1).to_bytes(32, "little"),  # negative field element: not canonical
    ],
)
def test_invalid_element_encodings_are_rejected(data: bytes) -> None:
    with pytest.raises(oprf.DeserializeError):
        oprf.deserialize_element(data)


def test_input_longer_than_the_rfc_allows_is_refused() -> None:
    with pytest.raises(oprf.InvalidInputError):
        oprf.VoprfClient(element(VOPRF_PK)).blind(bytes(oprf.MAX_INPUT_BYTES + 1))


def test_server_refuses_an_empty_batch() -> None:
    with pytest.raises(oprf.InvalidInputError):
        oprf.VoprfServer(voprf_key_pair()).blind_evaluate_batch([])


# --- Properties with fresh randomness ---


def test_fresh_keys_round_trip_and_agree_with_direct_evaluation() -> None:
    key_pair = oprf.generate_key_pair()
    client = oprf.VoprfClient(key_pair.public_key)
    server = oprf.VoprfServer(key_pair)
    blinded = client.blind(b"staff:4521")
    evaluated, proof = server.blind_evaluate(blinded.blinded_element)
    assert client.finalize(blinded, evaluated, proof) == server.evaluate(b"staff:4521")


def test_blinding_the_same_input_twice_gives_unlinkable_elements() -> None:
    client = oprf.VoprfClient(element(VOPRF_PK))
    first, second = client.blind(b"same"), client.blind(b"same")
    assert first.blinded_element != second.blinded_element


def test_blinded_input_repr_hides_the_input_and_blind() -> None:
    blinded = oprf.VoprfClient(element(VOPRF_PK)).blind(b"PC Jane Doe")
    assert "Jane" not in repr(blinded)
    assert blinded.blind.hex() not in repr(blinded)
