"""Keys derived from the one secret: field encryption, keyed look-up hashes, signed tokens.

Ciphertexts carry the version of the key that sealed them (``\\x02`` + a 4-byte key id +
nonce + AES-GCM output), so a key rotation can find what is still sealed under the old key and
reads keep working meanwhile: a vault opened with the previous secret(s) decrypts both. Blobs
written before key ids existed (``\\x01`` + nonce + …) are opened by trying each known key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE_BYTES = 12
_LEGACY = b"\x01"  # nonce + sealed, no key id
_VERSION = b"\x02"  # key id + nonce + sealed
_KEY_ID_BYTES = 4
MIN_SECRET_BYTES = 16


def _derive(secret: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=purpose.encode()).derive(secret)


def key_version(secret: bytes) -> bytes:
    """The 4-byte version a secret's ciphertexts (and backups) are marked with."""
    return _derive(secret, "safecommunity/key-id")[:_KEY_ID_BYTES]


@dataclass(frozen=True)
class _Key:
    id: bytes
    aead: AESGCM
    lookup: bytes
    signing: bytes

    @classmethod
    def of(cls, secret: bytes) -> _Key:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError("the secret key must be at least 16 bytes")
        return cls(
            id=key_version(secret),
            aead=AESGCM(_derive(secret, "safecommunity/field-encryption")),
            lookup=_derive(secret, "safecommunity/lookup-hash"),
            signing=_derive(secret, "safecommunity/signing"),
        )


class Vault:
    """AES-GCM for personal data at rest, HMAC-SHA256 for look-ups and signatures.

    `previous` secrets (during a key rotation) only open and verify; everything new is sealed,
    hashed and signed with `secret`. `retired_signing` are the signing keys of secrets already
    rotated away: printed house cards keep verifying, while nothing can be decrypted with them.
    """

    def __init__(
        self,
        secret: bytes,
        *,
        previous: Sequence[bytes] = (),
        retired_signing: Sequence[bytes] = (),
    ) -> None:
        self._current = _Key.of(secret)
        self._keys = [self._current, *(_Key.of(old) for old in previous if old != secret)]
        self._by_id = {key.id: key for key in reversed(self._keys)}
        self._retired_signing = [k for k in retired_signing if k != self._current.signing]

    @property
    def key_id(self) -> str:
        """The version of the key new ciphertexts are sealed with (hex, 8 characters)."""
        return self._current.id.hex()

    @property
    def rotating(self) -> bool:
        return len(self._keys) > 1

    # --- sealing ---------------------------------------------------------------------------

    def encrypt(self, plaintext: str, *, context: str) -> bytes:
        """Encrypt; `context` (e.g. "person.id_number") is bound as associated data."""
        return self.encrypt_bytes(plaintext.encode(), context=context)

    def decrypt(self, blob: bytes, *, context: str) -> str:
        return self.decrypt_bytes(blob, context=context).decode()

    def encrypt_bytes(self, data: bytes, *, context: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._current.aead.encrypt(nonce, data, context.encode())
        return _VERSION + self._current.id + nonce + sealed

    def decrypt_bytes(self, blob: bytes, *, context: str) -> bytes:
        if blob[:1] == _VERSION:
            key = self._by_id.get(blob[1 : 1 + _KEY_ID_BYTES])
            if key is None:
                raise ValueError("sealed with an unknown key (is the previous key configured?)")
            body = blob[1 + _KEY_ID_BYTES :]
            return key.aead.decrypt(body[:_NONCE_BYTES], body[_NONCE_BYTES:], context.encode())
        if blob[:1] == _LEGACY:
            nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
            for key in self._keys:
                try:
                    return key.aead.decrypt(nonce, sealed, context.encode())
                except InvalidTag:
                    continue
            raise InvalidTag("no known key opens this ciphertext")
        raise ValueError("unknown ciphertext version")

    def key_of(self, blob: bytes) -> str | None:
        """The key version a ciphertext names; None for blobs from before key versions."""
        if blob[:1] == _VERSION:
            return blob[1 : 1 + _KEY_ID_BYTES].hex()
        return None

    def is_current(self, blob: bytes) -> bool:
        return self.key_of(blob) == self.key_id

    # --- look-ups and signatures ------------------------------------------------------------

    def lookup_hash(self, value: str, *, context: str) -> str:
        """Deterministic keyed hash, so equal values can be found without storing them."""
        return _lookup(self._current.lookup, value, context)

    def lookup_hashes(self, value: str, *, context: str) -> list[str]:
        """The hash under every known key (a search during a rotation finds both)."""
        return [_lookup(key.lookup, value, context) for key in self._keys]

    def sign(self, message: str, *, length: int = 16) -> str:
        """A URL-safe HMAC tag of `length` bytes (truncated; 128 bits by default)."""
        return _sign(self._current.signing, message, length)

    def verify(self, message: str, tag: str, *, length: int = 16) -> bool:
        keys = [key.signing for key in self._keys] + self._retired_signing
        return any(hmac.compare_digest(_sign(key, message, length), tag) for key in keys)

    def old_signing_keys(self) -> list[bytes]:
        """Signing keys of previous and retired secrets (kept after a rotation for cards)."""
        keys = [key.signing for key in self._keys[1:]] + self._retired_signing
        return list(dict.fromkeys(keys))


def _lookup(key: bytes, value: str, context: str) -> str:
    return hmac.new(key, f"{context}\x00{value}".encode(), hashlib.sha256).hexdigest()


def _sign(key: bytes, message: str, length: int) -> str:
    tag = hmac.new(key, message.encode(), hashlib.sha256).digest()[:length]
    return base64.urlsafe_b64encode(tag).decode().rstrip("=")


def token_hash(token: str) -> str:
    """Plain SHA-256 for random high-entropy tokens (camera and invitation tokens)."""
    return hashlib.sha256(token.encode()).hexdigest()
