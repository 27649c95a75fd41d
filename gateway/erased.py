"""Accounts deleted through this gateway a moment ago: their access tokens (signed, verified locally, valid up
to ACCESS_TTL_SECONDS) are refused at once instead of when they expire. Remembered for longer than a token
lives; per process, like the rate limits — refresh tokens, revoked by identity, are what ends a session
everywhere."""

from __future__ import annotations

import time

from fastapi import FastAPI

REMEMBER_SECONDS = 3600.0  # longer than any access token lives


def _table(app: FastAPI) -> dict[str, float]:
    table = getattr(app.state, "erased_accounts", None)
    if table is None:
        table = app.state.erased_accounts = {}
    return table


def add(app: FastAPI, account_id: str) -> None:
    table = _table(app)
    now = time.monotonic()
    for gone in [a for a, at in table.items() if now - at > REMEMBER_SECONDS]:
        del table[gone]
    table[account_id] = now


def contains(app: FastAPI, account_id: str) -> bool:
    at = _table(app).get(account_id)
    return at is not None and time.monotonic() - at <= REMEMBER_SECONDS
