"""Keys derived from the one secret: field encryption, keyed look-up hashes, signed tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE_BYTES = 12
_VERSION = b"\x01"


def _derive(secret: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=purpose.encode()).derive(secret)


class Vault:
    """AES-GCM for personal fields at rest, HMAC-SHA256 for look-ups and signatures."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the secret key must be at least 16 bytes")
        self._aead = AESGCM(_derive(secret, "safecommunity/field-encryption"))
        self._lookup_key = _derive(secret, "safecommunity/lookup-hash")
        self._signing_key = _derive(secret, "safecommunity/signing")

    def encrypt(self, plaintext: str, *, context: str) -> bytes:
        """Encrypt; `context` (e.g. "person.id_number") is bound as associated data."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return _VERSION + nonce + sealed

    def decrypt(self, blob: bytes, *, context: str) -> str:
        if blob[:1] != _VERSION:
            raise ValueError("unknown ciphertext version")
        nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        return self._aead.decrypt(nonce, sealed, context.encode()).decode()

    def lookup_hash(self, value: str, *, context: str) -> str:
        """Deterministic keyed hash, so equal values can be found without storing them."""
        digest = hmac.new(self._lookup_key, f"{context}\x00{value}".encode(), hashlib.sha256)
        return digest.hexdigest()

    def sign(self, message: str, *, length: int = 16) -> str:
        """A URL-safe HMAC tag of `length` bytes (truncated; 128 bits by default)."""
        tag = hmac.new(self._signing_key, message.encode(), hashlib.sha256).digest()[:length]
        return base64.urlsafe_b64encode(tag).decode().rstrip("=")

    def verify(self, message: str, tag: str, *, length: int = 16) -> bool:
        return hmac.compare_digest(self.sign(message, length=length), tag)


def token_hash(token: str) -> str:
    """Plain SHA-256 for random high-entropy tokens (camera and invitation tokens)."""
    return hashlib.sha256(token.encode()).hexdigest()
