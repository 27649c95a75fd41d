"""Accounts deleted a moment ago: their access tokens (signed, verified locally, valid up to
ACCESS_TTL_SECONDS) are refused at once instead of when they expire. Every gateway process learns of a
deletion from identity's `account_deleted` event on its live feed (gateway/live.py), the one that took the
request at once; remembered for longer than a token lives. Refresh tokens, revoked by identity, are what ends
a session everywhere in any case."""

from __future__ import annotations

import time

REMEMBER_SECONDS = 3600.0  # longer than any access token lives


class ErasedAccounts:
    def __init__(self) -> None:
        self._at: dict[str, float] = {}

    def add(self, account_id: str) -> None:
        now = time.monotonic()
        for gone in [a for a, at in self._at.items() if now - at > REMEMBER_SECONDS]:
            del self._at[gone]
        self._at[account_id] = now

    def __contains__(self, account_id: object) -> bool:
        at = self._at.get(account_id) if isinstance(account_id, str) else None
        return at is not None and time.monotonic() - at <= REMEMBER_SECONDS
