"""Password policy and hashing with argon2id (memory-hard)."""

from __future__ import annotations

import argon2

from kernel.errors import DomainError, ErrorCode

MIN_LENGTH = 8
MAX_LENGTH = 128


def check_policy(password: str, field: str = "password") -> None:
    """8-128 characters of at least two kinds among letters, digits and symbols."""
    if not (MIN_LENGTH <= len(password or "") <= MAX_LENGTH):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "password_weak", field)
    kinds = sum(
        (
            any(c.isalpha() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if kinds < 2:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "password_weak", field)


class PasswordHasher:
    """argon2id; defaults follow OWASP's minimum (19 MiB, 2 passes, 1 lane)."""

    def __init__(self, time_cost: int = 2, memory_kib: int = 19 * 1024, parallelism: int = 1):
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=argon2.Type.ID
        )
        # Verifying against this when the account doesn't exist keeps the timing the same.
        self._decoy = self._hasher.hash("decoy-password-never-matches")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash or self._decoy, password) and bool(stored_hash)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)
