"""Every use of libsodium (and Argon2) in Upstander lives here.

The model (DESIGN.md, "Keys"): each user holds an X25519 key pair whose private key is encrypted
under a key derived from their password; each report and each case has its own key pair whose
private key is sealed to every reader; content is sealed to the report's or case's public key.
A reporter's key pair is derived from their receipt key, so they can read replies without the
server ever holding their private key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import argon2
import nacl.exceptions
import nacl.hash
import nacl.pwhash
from nacl.encoding import RawEncoder
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox
from nacl.signing import SigningKey, VerifyKey

from upstander.config import KdfCost

KEY_BYTES = 32
SALT_BYTES = nacl.pwhash.argon2id.SALTBYTES


class DecryptionFailed(Exception):
    """Ciphertext was altered, or the key is not the one it was sealed with."""


@dataclass(frozen=True)
class KeyPair:
    public: bytes
    private: bytes


def random_bytes(size: int) -> bytes:
    return secrets.token_bytes(size)


def generate_key_pair() -> KeyPair:
    private = PrivateKey.generate()
    return KeyPair(public=bytes(private.public_key), private=bytes(private))


def key_pair_from_seed(seed: bytes) -> KeyPair:
    private = PrivateKey.from_seed(seed)
    return KeyPair(public=bytes(private.public_key), private=bytes(private))


def seal(public_key: bytes, plaintext: bytes) -> bytes:
    """Anonymous public-key encryption: only the holder of the private key can open it."""
    return bytes(SealedBox(PublicKey(public_key)).encrypt(plaintext))


def unseal(private_key: bytes, ciphertext: bytes) -> bytes:
    try:
        return bytes(SealedBox(PrivateKey(private_key)).decrypt(ciphertext))
    except nacl.exceptions.CryptoError as error:
        raise DecryptionFailed from error


def encrypt(key: bytes, plaintext: bytes) -> bytes:
    """Authenticated secret-key encryption (XSalsa20-Poly1305, random nonce)."""
    return bytes(SecretBox(key).encrypt(plaintext))


def decrypt(key: bytes, ciphertext: bytes) -> bytes:
    try:
        return bytes(SecretBox(key).decrypt(ciphertext))
    except nacl.exceptions.CryptoError as error:
        raise DecryptionFailed from error


def derive_key(secret: bytes, salt: bytes, cost: KdfCost, size: int = KEY_BYTES) -> bytes:
    """Argon2id. libsodium releases the GIL here, so derivations run in parallel across threads."""
    return bytes(
        nacl.pwhash.argon2id.kdf(
            size, secret, salt, opslimit=cost.opslimit, memlimit=cost.memlimit_kib * 1024, encoder=RawEncoder
        )
    )


def subkey(key: bytes, purpose: str, size: int = KEY_BYTES) -> bytes:
    """Independent keys from one secret, separated by purpose (keyed BLAKE2b)."""
    return bytes(nacl.hash.blake2b(purpose.encode(), digest_size=size, key=key, encoder=RawEncoder))


def fingerprint(data: bytes) -> str:
    """A non-secret identifier of a high-entropy value (never use it on guessable input)."""
    return hashlib.sha256(data).hexdigest()


def mac(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def constant_time_equal(left: str | bytes, right: str | bytes) -> bool:
    if isinstance(left, str):
        left = left.encode()
    if isinstance(right, str):
        right = right.encode()
    return hmac.compare_digest(left, right)


def token() -> str:
    return base64.urlsafe_b64encode(random_bytes(KEY_BYTES)).rstrip(b"=").decode()


def decode_token(value: str) -> bytes:
    padded = value + "=" * (-len(value) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as error:
        raise DecryptionFailed from error
    if len(raw) != KEY_BYTES:
        raise DecryptionFailed
    return raw


# --- staff passwords -------------------------------------------------------------------------


def password_hasher(cost: KdfCost) -> argon2.PasswordHasher:
    return argon2.PasswordHasher(
        time_cost=cost.opslimit, memory_cost=cost.memlimit_kib, parallelism=1, type=argon2.Type.ID
    )


def hash_password(password: str, cost: KdfCost) -> str:
    return password_hasher(cost).hash(password)


def verify_password(password_hash: str, password: str, cost: KdfCost) -> bool:
    try:
        return password_hasher(cost).verify(password_hash, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


def lock_private_key(private_key: bytes, secret: str, cost: KdfCost) -> tuple[bytes, bytes]:
    salt = random_bytes(SALT_BYTES)
    return salt, encrypt(derive_key(secret.encode(), salt, cost), private_key)


def unlock_private_key(locked: bytes, salt: bytes, secret: str, cost: KdfCost) -> bytes:
    return decrypt(derive_key(secret.encode(), salt, cost), locked)


# --- receipts --------------------------------------------------------------------------------

# Crockford's base32: no I, L, O or U, so a receipt read aloud or copied by hand survives.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_SYMBOLS = 28  # 140 bits
RECEIPT_GROUP = 4
_RECEIPT_TRANSLATION = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_receipt_key() -> str:
    symbols = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_SYMBOLS))
    return "-".join(symbols[i : i + RECEIPT_GROUP] for i in range(0, RECEIPT_SYMBOLS, RECEIPT_GROUP))


def receipt_key_symbols(value: str) -> str:
    """What was typed as a receipt key, without the spaces and dashes a person may add or leave out."""
    return "".join(ch for ch in value.upper() if ch not in " -\t\n").translate(_RECEIPT_TRANSLATION)


def normalise_receipt_key(value: str) -> str | None:
    """The canonical form of a typed receipt, or None if it cannot be one."""
    cleaned = receipt_key_symbols(value)
    if len(cleaned) != RECEIPT_SYMBOLS or any(ch not in RECEIPT_ALPHABET for ch in cleaned):
        return None
    return "-".join(cleaned[i : i + RECEIPT_GROUP] for i in range(0, RECEIPT_SYMBOLS, RECEIPT_GROUP))


# How a report's receipt hash and reporter key pair were derived from its receipt key. Reports
# received before keyed hashing keep theirs: their reporter key pair cannot change without the
# receipt key, which the server never keeps.
RECEIPT_KEYED = "blake2b"
RECEIPT_ARGON2ID = "argon2id"
_RECEIPT_PERSON = b"upstander rcpt"


@dataclass(frozen=True)
class ReceiptSecrets:
    lookup_hash: str
    key_pair: KeyPair
    scheme: str = RECEIPT_KEYED


def _receipt_secrets(master: bytes, scheme: str) -> ReceiptSecrets:
    return ReceiptSecrets(
        lookup_hash=subkey(master, "upstander receipt lookup").hex(),
        key_pair=key_pair_from_seed(subkey(master, "upstander receipt key pair")),
        scheme=scheme,
    )


def derive_receipt_secrets(receipt_key: str, installation_salt: bytes) -> ReceiptSecrets:
    """One keyed BLAKE2b gives both the stored lookup hash and the reporter's key pair.

    A receipt key is 140 random bits: whoever holds the database and the salt must still search
    2^140 keys, so a slow, memory-hard derivation would add nothing but a limit on how many reports
    the server can take. The salt is per installation, not per report, because the receipt is all
    the reporter brings: the hash must be computable before we know which report it opens.
    """
    master = bytes(
        nacl.hash.blake2b(
            receipt_key.encode(),
            digest_size=KEY_BYTES,
            key=installation_salt,
            person=_RECEIPT_PERSON,
            encoder=RawEncoder,
        )
    )
    return _receipt_secrets(master, RECEIPT_KEYED)


def derive_argon2id_receipt_secrets(
    receipt_key: str, installation_salt: bytes, cost: KdfCost
) -> ReceiptSecrets:
    """The derivation of reports received before keyed hashing (Argon2id at the receipt cost)."""
    return _receipt_secrets(derive_key(receipt_key.encode(), installation_salt, cost), RECEIPT_ARGON2ID)


# --- signatures ------------------------------------------------------------------------------


def signing_key_from_seed(seed: bytes) -> SigningKey:
    return SigningKey(seed)


def sign(signing_key: SigningKey, message: bytes) -> bytes:
    return bytes(signing_key.sign(message).signature)


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        VerifyKey(public_key).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
        return False
    return True


def public_signing_key(signing_key: SigningKey) -> bytes:
    return bytes(signing_key.verify_key)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
