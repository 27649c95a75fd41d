"""What every SMS provider gives the sender: submit a message, and hear of receipts and replies.

The sender (services/sms/sender.py) owns the queue, the rate and the retries; a provider only speaks its
wire protocol. Two implementations: `smpp.py` (SMPP 3.4, the carriers' protocol) and `http.py` (a cloud
SMS API with signed requests and template codes). Both run in the sender's asyncio loop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

# Final states a receipt reports (the sender maps them onto a message's status).
DELIVERED = "delivered"
UNDELIVERABLE = "undeliverable"  # the number exists no more, is barred, the handset refused it
EXPIRED = "expired"  # the handset stayed unreachable until the validity period ended
REJECTED = "rejected"  # the carrier refused it after accepting it (content, number, spam rules)
RECEIPT_STATES = (DELIVERED, UNDELIVERABLE, EXPIRED, REJECTED)


@dataclass(frozen=True)
class Outgoing:
    """One message to one phone, as a provider needs it."""

    message_id: str  # ours; providers that take a reference (HTTP: SessionContext) echo it
    phone: str  # 11-digit mainland mobile number, national form
    text: str  # the whole text, signature included: 【签名】… (what SMPP sends and a handset shows)
    signature: str  # the signature alone, without brackets (HTTP providers take it apart)
    template_code: str  # the provider's approved template (HTTP providers send code + params, not text)
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Submitted:
    """The provider accepted the message: one id per part it will report a receipt for."""

    message_id: str
    provider_ids: tuple[str, ...]


@dataclass(frozen=True)
class Receipt:
    provider_id: str
    state: str  # one of RECEIPT_STATES
    error: str = ""  # the provider's own code for a failure ("" when delivered)
    at: dt.datetime | None = None


@dataclass(frozen=True)
class Inbound:
    """A message a handset sent to the region's number (a reply, 退订, …)."""

    phone: str  # national form
    text: str
    at: dt.datetime


class TransientError(Exception):
    """Try again later: not connected, throttled, the provider's queue is full, a timeout. Nothing was sent
    (for a timeout after the request left, the provider may have it; the sender retries anyway)."""


class PermanentError(Exception):
    """The provider refused this message for good (bad number, rejected text); `code` is its reason."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


OnReceipt = Callable[[Receipt], Awaitable[None]]
OnInbound = Callable[[Inbound], Awaitable[None]]


class Provider(Protocol):
    name: str

    async def start(self, on_receipt: OnReceipt, on_inbound: OnInbound) -> None:
        """Connect (and keep reconnecting with backoff in the background); never raises when the provider is
        down: submit() then raises TransientError until it is back."""

    @property
    def ready(self) -> bool:
        """Connected and bound: a submit now is likely to go through."""

    async def submit(self, message: Outgoing) -> Submitted:
        """Hand one message over; raises TransientError or PermanentError. Safe to call concurrently: the
        provider bounds what is outstanding (SMPP's window) and makes extra callers wait."""

    async def close(self) -> None:
        """Unbind and stop background tasks."""
