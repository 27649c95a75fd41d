"""One-time codes (验证码): generation, hashing, and the rules for sending and checking them."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass

PURPOSES = ("login", "register", "reset_password")


@dataclass(frozen=True)
class CodePolicy:
    length: int = 6
    ttl: dt.timedelta = dt.timedelta(minutes=5)
    resend_after: dt.timedelta = dt.timedelta(seconds=60)
    max_per_hour: int = 5
    max_attempts: int = 5


def generate(length: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))


def digest(pepper: bytes, phone: str, purpose: str, code: str) -> str:
    """Codes are stored as keyed hashes: a database dump doesn't reveal live codes."""
    return hmac.new(pepper, f"{phone}:{purpose}:{code}".encode(), hashlib.sha256).hexdigest()


def matches(pepper: bytes, phone: str, purpose: str, code: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(pepper, phone, purpose, code), stored_digest)


def send_wait(sent_at: list[dt.datetime], now: dt.datetime, policy: CodePolicy) -> int:
    """Seconds to wait before another code may be sent, given recent send times (0: may send now)."""
    recent = sorted(t for t in sent_at if now - t < dt.timedelta(hours=1))
    waits = [0.0]
    if recent:
        waits.append((recent[-1] + policy.resend_after - now).total_seconds())
    if len(recent) >= policy.max_per_hour:
        waits.append((recent[-policy.max_per_hour] + dt.timedelta(hours=1) - now).total_seconds())
    return max(0, math.ceil(max(waits)))
