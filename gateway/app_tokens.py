"""Webhook apps' callback tokens at the gateway: an app token (`jcapp_…`) is exchanged with identity for a short
access token of the app's actor (services/identity/app_tokens.py), which then travels to the services like
anyone's. An exchange is kept in this process at most `app_token_cache_seconds` (and never past the access
token's own expiry less a margin), so a revoked app token stops working everywhere within that time.
Exchanges that miss the cache count against the caller address's sign-in rate limit: guessing tokens costs
what guessing passwords costs."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from jiceng.identity.v1 import identity_pb2 as pb
from kernel.tokens import TokenVerifier, VerifiedToken

PREFIX = "jcapp_"
MARGIN_SECONDS = 30.0
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class Exchanged:
    access_token: str
    verified: VerifiedToken
    until: float  # time.monotonic()


class AppTokenExchanger:
    def __init__(self, cache_seconds: float):
        self.cache_seconds = cache_seconds
        self._cache: dict[str, Exchanged] = {}

    def cached(self, raw: str) -> Exchanged | None:
        key = hashlib.sha256(raw.encode()).hexdigest()
        hit = self._cache.get(key)
        if hit is not None and hit.until > time.monotonic():
            return hit
        self._cache.pop(key, None)
        return None

    async def exchange(self, services, verifier: TokenVerifier, raw: str, client_ip: str) -> Exchanged:
        """The cached exchange, or a new one from identity (a DomainError for an unknown or revoked token)."""
        hit = self.cached(raw)
        if hit is not None:
            return hit
        reply = await services.call(
            services.identity.ExchangeAppToken, pb.ExchangeAppTokenRequest(token=raw), client_ip=client_ip
        )
        verified = verifier.verify(reply.access_token)
        lifetime = reply.access_expires_at.seconds - time.time() - MARGIN_SECONDS
        until = time.monotonic() + max(0.0, min(self.cache_seconds, lifetime))
        if len(self._cache) >= MAX_ENTRIES:
            now = time.monotonic()
            self._cache = {k: v for k, v in self._cache.items() if v.until > now}
            if len(self._cache) >= MAX_ENTRIES:
                self._cache.clear()
        exchanged = Exchanged(reply.access_token, verified, until)
        self._cache[hashlib.sha256(raw.encode()).hexdigest()] = exchanged
        return exchanged
