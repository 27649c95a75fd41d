"""Encryption at rest for personal data (AES-256-GCM with a configured key and a key id)."""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def parse_key(value: str) -> bytes:
    """PII_KEY is 32 random bytes in base64 (the local stack writes one; production sets a secret)."""
    key = base64.b64decode(value, validate=True)
    if len(key) != 32:
        raise ValueError("must be 32 bytes, base64-encoded")
    return key


class FieldCipher:
    def __init__(self, key: bytes, key_id: str = "1"):
        self._aead = AESGCM(key)
        self.key_id = key_id

    def seal(self, plaintext: str, context: str) -> bytes:
        """Encrypt; context (the account id) is bound as associated data so ciphertexts can't be swapped."""
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, plaintext.encode(), context.encode())

    def open(self, sealed: bytes, context: str) -> str:
        return self._aead.decrypt(sealed[:12], sealed[12:], context.encode()).decode()
