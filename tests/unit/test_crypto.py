"""The one module that touches libsodium and Argon2: sealing, secret-key encryption, receipts, signatures."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upstander import crypto
from upstander.config import KdfCost

CHEAP = KdfCost(opslimit=1, memlimit_kib=8)
SALT = bytes(range(crypto.SALT_BYTES))
OTHER_SALT = bytes(reversed(range(crypto.SALT_BYTES)))
RECEIPT_SYMBOL = f"[{re.escape(crypto.RECEIPT_ALPHABET)}]"
RECEIPT_FORMAT = re.compile(rf"{RECEIPT_SYMBOL}{{4}}(-{RECEIPT_SYMBOL}{{4}}){{6}}")

receipt_symbols = st.lists(st.sampled_from(crypto.RECEIPT_ALPHABET), min_size=28, max_size=28).map("".join)


def grouped(symbols: str) -> str:
    return "-".join(symbols[i : i + 4] for i in range(0, len(symbols), 4))


def flip_byte(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


# --- sealing and secret-key encryption ------------------------------------------------------


def test_seal_then_unseal_with_the_matching_private_key_returns_the_plaintext() -> None:
    pair = crypto.generate_key_pair()
    sealed = crypto.seal(pair.public, b"what happened on the night shift")
    assert sealed != b"what happened on the night shift"
    assert crypto.unseal(pair.private, sealed) == b"what happened on the night shift"


def test_unseal_with_another_private_key_is_refused() -> None:
    sealed = crypto.seal(crypto.generate_key_pair().public, b"secret")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unseal(crypto.generate_key_pair().private, sealed)


def test_unseal_of_an_altered_sealed_box_is_refused() -> None:
    pair = crypto.generate_key_pair()
    sealed = crypto.seal(pair.public, b"secret")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unseal(pair.private, flip_byte(sealed, len(sealed) - 1))


def test_sealing_the_same_plaintext_twice_gives_different_ciphertexts() -> None:
    pair = crypto.generate_key_pair()
    assert crypto.seal(pair.public, b"same") != crypto.seal(pair.public, b"same")


def test_encrypt_then_decrypt_with_the_same_key_returns_the_plaintext() -> None:
    key = crypto.random_bytes(crypto.KEY_BYTES)
    assert crypto.decrypt(key, crypto.encrypt(key, b"note")) == b"note"


def test_decrypt_with_another_key_is_refused() -> None:
    ciphertext = crypto.encrypt(crypto.random_bytes(crypto.KEY_BYTES), b"note")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(crypto.random_bytes(crypto.KEY_BYTES), ciphertext)


@settings(max_examples=60)
@given(plaintext=st.binary(max_size=64), data=st.data())
def test_decrypt_refuses_a_ciphertext_with_any_single_byte_altered(
    plaintext: bytes, data: st.DataObject
) -> None:
    key = bytes(crypto.KEY_BYTES)
    ciphertext = crypto.encrypt(key, plaintext)
    index = data.draw(st.integers(min_value=0, max_value=len(ciphertext) - 1), label="index")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(key, flip_byte(ciphertext, index))


def test_decrypt_refuses_a_truncated_ciphertext() -> None:
    key = crypto.random_bytes(crypto.KEY_BYTES)
    ciphertext = crypto.encrypt(key, b"note")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(key, ciphertext[:-1])


def test_key_pair_from_seed_is_deterministic_and_differs_by_seed() -> None:
    seed = bytes(range(32))
    first, again = crypto.key_pair_from_seed(seed), crypto.key_pair_from_seed(seed)
    other = crypto.key_pair_from_seed(bytes(32))
    assert first == again
    assert first.public != other.public
    assert first.private != other.private


def test_key_pair_from_seed_gives_a_working_pair() -> None:
    pair = crypto.key_pair_from_seed(bytes(range(32)))
    assert crypto.unseal(pair.private, crypto.seal(pair.public, b"reply")) == b"reply"


def test_subkeys_differ_by_purpose_and_are_stable() -> None:
    key = bytes(range(32))
    assert crypto.subkey(key, "one") == crypto.subkey(key, "one")
    assert crypto.subkey(key, "one") != crypto.subkey(key, "two")
    assert len(crypto.subkey(key, "one", size=16)) == 16


# --- tokens ---------------------------------------------------------------------------------


def test_token_decodes_to_its_random_bytes() -> None:
    value = crypto.token()
    assert "=" not in value
    assert len(crypto.decode_token(value)) == crypto.KEY_BYTES
    assert crypto.token() != value


@pytest.mark.parametrize(
    "junk",
    ["", "!!!", "é", "not-a-token", "AAAA", "A" * 42, "A" * 44],
    ids=["empty", "punctuation", "non-ascii", "short-word", "too-short", "one-symbol-short", "too-long"],
)
def test_decode_token_refuses_junk(junk: str) -> None:
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decode_token(junk)


@settings(max_examples=100)
@given(value=st.text(max_size=60))
def test_decode_token_either_gives_a_key_or_refuses_never_anything_else(value: str) -> None:
    try:
        raw = crypto.decode_token(value)
    except crypto.DecryptionFailed:
        return
    assert len(raw) == crypto.KEY_BYTES


# --- receipt keys ---------------------------------------------------------------------------


def test_receipt_alphabet_is_crockford_base32_without_confusable_letters() -> None:
    assert len(crypto.RECEIPT_ALPHABET) == 32
    assert len(set(crypto.RECEIPT_ALPHABET)) == 32
    assert not set("ILOU") & set(crypto.RECEIPT_ALPHABET)


def test_receipt_key_carries_at_least_128_bits_by_construction() -> None:
    bits_per_symbol = len(crypto.RECEIPT_ALPHABET).bit_length() - 1
    assert bits_per_symbol == 5
    assert crypto.RECEIPT_SYMBOLS * bits_per_symbol >= 128


def test_new_receipt_key_is_seven_groups_of_four_crockford_symbols() -> None:
    for _ in range(20):
        receipt = crypto.new_receipt_key()
        assert RECEIPT_FORMAT.fullmatch(receipt), receipt
        assert len(receipt.replace("-", "")) == 28


def test_new_receipt_keys_are_unique_and_already_canonical() -> None:
    receipts = {crypto.new_receipt_key() for _ in range(50)}
    assert len(receipts) == 50
    assert all(crypto.normalise_receipt_key(receipt) == receipt for receipt in receipts)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("abcd-efgh-jkmn-pqrs-tvwx-yz01-2345", "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345"),
        ("ABCD EFGH JKMN PQRS TVWX YZ01 2345", "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345"),
        ("ABCDEFGHJKMNPQRSTVWXYZ012345", "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345"),
        ("  abcd\tefgh\njkmn-pqrs tvwx-yz01 2345  ", "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345"),
        ("OOOO-IIII-LLLL-oooo-iiii-llll-0000", "0000-1111-1111-0000-1111-1111-0000"),
    ],
    ids=["lower-case", "spaces", "no-dashes", "mixed-whitespace", "confusable-letters"],
)
def test_normalise_receipt_key_accepts_how_people_type_it(typed: str, canonical: str) -> None:
    assert crypto.normalise_receipt_key(typed) == canonical


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-234",
        "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-23456",
        "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-234U",
        "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-234!",
        "ABCD.EFGH.JKMN.PQRS.TVWX.YZ01.2345",
        "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-234Ä",
    ],
    ids=["empty", "one-short", "one-long", "letter-u", "punctuation", "dots", "accented"],
)
def test_normalise_receipt_key_refuses_wrong_length_or_characters(typed: str) -> None:
    assert crypto.normalise_receipt_key(typed) is None


@settings(max_examples=100)
@given(symbols=receipt_symbols, data=st.data())
def test_any_recasing_or_respacing_of_a_receipt_normalises_back_to_it(
    symbols: str, data: st.DataObject
) -> None:
    receipt = grouped(symbols)
    typed = []
    for symbol in symbols:
        typed.append(data.draw(st.sampled_from(sorted({symbol, symbol.lower()}))))
        typed.append(data.draw(st.text(alphabet=" -\t\n", max_size=2)))
    assert crypto.normalise_receipt_key("".join(typed)) == receipt


@settings(max_examples=100)
@given(value=st.text(max_size=40))
def test_normalise_receipt_key_gives_none_or_a_canonical_receipt(value: str) -> None:
    result = crypto.normalise_receipt_key(value)
    if result is not None:
        assert RECEIPT_FORMAT.fullmatch(result)
        assert crypto.normalise_receipt_key(result) == result


def test_derive_receipt_secrets_is_deterministic_for_the_same_receipt_and_salt() -> None:
    receipt = "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345"
    first = crypto.derive_receipt_secrets(receipt, SALT)
    again = crypto.derive_receipt_secrets(receipt, SALT)
    assert first == again
    assert re.fullmatch(r"[0-9a-f]{64}", first.lookup_hash)


def test_derive_receipt_secrets_differs_across_receipts() -> None:
    first = crypto.derive_receipt_secrets("ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345", SALT)
    other = crypto.derive_receipt_secrets("ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2346", SALT)
    assert first.lookup_hash != other.lookup_hash
    assert first.key_pair.public != other.key_pair.public
    assert first.key_pair.private != other.key_pair.private


def test_derive_receipt_secrets_differs_across_installation_salts() -> None:
    receipt = "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345"
    first = crypto.derive_receipt_secrets(receipt, SALT)
    other = crypto.derive_receipt_secrets(receipt, OTHER_SALT)
    assert first.lookup_hash != other.lookup_hash
    assert first.key_pair.private != other.key_pair.private


def test_receipt_lookup_hash_is_not_the_reporter_key_pair() -> None:
    secrets_ = crypto.derive_receipt_secrets("ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345", SALT)
    lookup = bytes.fromhex(secrets_.lookup_hash)
    assert lookup not in {secrets_.key_pair.private, secrets_.key_pair.public}
    assert crypto.key_pair_from_seed(lookup) != secrets_.key_pair


def test_receipt_key_pair_opens_what_is_sealed_to_it() -> None:
    pair = crypto.derive_receipt_secrets("ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345", SALT).key_pair
    assert crypto.unseal(pair.private, crypto.seal(pair.public, b"reply")) == b"reply"


# --- staff passwords and locked private keys ------------------------------------------------


def test_private_key_unlocks_with_the_right_password() -> None:
    private = crypto.generate_key_pair().private
    salt, locked = crypto.lock_private_key(private, "correct horse battery", CHEAP)
    assert len(salt) == crypto.SALT_BYTES
    assert private not in locked
    assert crypto.unlock_private_key(locked, salt, "correct horse battery", CHEAP) == private


def test_private_key_does_not_unlock_with_a_wrong_password() -> None:
    salt, locked = crypto.lock_private_key(crypto.generate_key_pair().private, "correct horse battery", CHEAP)
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unlock_private_key(locked, salt, "correct horse batterY", CHEAP)


def test_locking_the_same_key_twice_uses_fresh_salts() -> None:
    private = crypto.generate_key_pair().private
    first_salt, first = crypto.lock_private_key(private, "pw", CHEAP)
    second_salt, second = crypto.lock_private_key(private, "pw", CHEAP)
    assert first_salt != second_salt
    assert first != second


def test_hash_password_verifies_the_right_password_only() -> None:
    password_hash = crypto.hash_password("a long staff password", CHEAP)
    assert password_hash.startswith("$argon2id$")
    assert "a long staff password" not in password_hash
    assert crypto.verify_password(password_hash, "a long staff password", CHEAP)
    assert not crypto.verify_password(password_hash, "a long staff passworD", CHEAP)


def test_hash_password_salts_each_hash() -> None:
    assert crypto.hash_password("same", CHEAP) != crypto.hash_password("same", CHEAP)


def test_verify_password_against_a_malformed_hash_is_false_not_an_error() -> None:
    assert not crypto.verify_password("not an argon2 hash", "anything", CHEAP)


# --- signatures -----------------------------------------------------------------------------


def test_signature_verifies_for_its_message_and_key() -> None:
    signing_key = crypto.signing_key_from_seed(bytes(range(32)))
    signature = crypto.sign(signing_key, b"checkpoint 100")
    assert len(signature) == 64
    assert crypto.verify_signature(crypto.public_signing_key(signing_key), b"checkpoint 100", signature)


def test_signing_key_from_seed_is_deterministic() -> None:
    first = crypto.public_signing_key(crypto.signing_key_from_seed(bytes(range(32))))
    again = crypto.public_signing_key(crypto.signing_key_from_seed(bytes(range(32))))
    assert first == again
    assert first != crypto.public_signing_key(crypto.signing_key_from_seed(bytes(32)))


def test_signature_fails_for_another_message_key_or_altered_signature() -> None:
    signing_key = crypto.signing_key_from_seed(bytes(range(32)))
    public = crypto.public_signing_key(signing_key)
    other_public = crypto.public_signing_key(crypto.signing_key_from_seed(bytes(32)))
    signature = crypto.sign(signing_key, b"checkpoint 100")
    assert not crypto.verify_signature(public, b"checkpoint 101", signature)
    assert not crypto.verify_signature(other_public, b"checkpoint 100", signature)
    assert not crypto.verify_signature(public, b"checkpoint 100", flip_byte(signature, 0))


# --- small helpers --------------------------------------------------------------------------


def test_constant_time_equal_compares_str_and_bytes_alike() -> None:
    assert crypto.constant_time_equal("abc", b"abc")
    assert crypto.constant_time_equal(b"abc", "abc")
    assert not crypto.constant_time_equal("abc", "abd")


def test_mac_depends_on_key_and_message() -> None:
    assert crypto.mac(b"k", b"m") == crypto.mac(b"k", b"m")
    assert crypto.mac(b"k", b"m") != crypto.mac(b"K", b"m")
    assert crypto.mac(b"k", b"m") != crypto.mac(b"k", b"M")


def test_the_keyed_and_the_argon2id_receipt_derivations_never_give_the_same_secrets() -> None:
    receipt = "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345"
    keyed = crypto.derive_receipt_secrets(receipt, SALT)
    older = crypto.derive_argon2id_receipt_secrets(receipt, SALT, CHEAP)
    assert (keyed.scheme, older.scheme) == (crypto.RECEIPT_KEYED, crypto.RECEIPT_ARGON2ID)
    assert keyed.lookup_hash != older.lookup_hash
    assert keyed.key_pair != older.key_pair
    assert older == crypto.derive_argon2id_receipt_secrets(receipt, SALT, CHEAP)
