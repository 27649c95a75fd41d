"""Sliding-window rate limits, in process memory (one gateway process per pod; limits are per pod)."""

from __future__ import annotations

import math
import time
from collections import deque

from kernel.errors import DomainError, ErrorCode


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float = 60.0, max_keys: int = 100_000):
        if limit < 1 or max_keys < 2:
            raise ValueError("a rate limit needs limit >= 1 and max_keys >= 2")
        self.limit = limit
        self.window = window_seconds
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str, now: float | None = None) -> None:
        """Count one request for key; raise RATE_LIMITED with retry_after when over the limit."""
        now = time.monotonic() if now is None else now
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys:
                self._evict(now)
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            wait = max(1, math.ceil(hits[0] + self.window - now))
            raise DomainError(ErrorCode.RATE_LIMITED, "rate_limited", retry_after=wait)
        hits.append(now)

    def check(self, key: str, now: float | None = None) -> None:
        """Raise RATE_LIMITED if key is at its limit now, without counting a request (for limits on
        failures: counted by hit() only when a request fails, checked before each)."""
        now = time.monotonic() if now is None else now
        hits = self._hits.get(key)
        if hits is None:
            return
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            wait = max(1, math.ceil(hits[0] + self.window - now))
            raise DomainError(ErrorCode.RATE_LIMITED, "rate_limited", retry_after=wait)

    def _evict(self, now: float) -> None:
        stale = [k for k, h in self._hits.items() if not h or h[-1] <= now - self.window]
        for k in stale:
            del self._hits[k]
        if len(self._hits) >= self.max_keys:  # still full: forget the oldest half
            for k in list(self._hits)[: self.max_keys // 2]:
                del self._hits[k]
