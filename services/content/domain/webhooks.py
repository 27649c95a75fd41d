"""Webhook apps' rules: which events an external endpoint may subscribe to, which endpoints are allowed, how a
delivery is signed, and when a failed one is tried again. Pure: no I/O.

A delivery is a POST of JSON to the app's endpoint with

    X-Jiceng-Event: notice_published
    X-Jiceng-Delivery: <delivery id>            (the same on every retry of it: receivers dedupe by it)
    X-Jiceng-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

signed with the secret the installing org received once, at install. A receiver recomputes v1 over the raw
body and refuses a stale t (replays). Endpoints are https; addresses inside private, loopback or link-local
networks are refused (the region's own servers are not a webhook's to call) unless the deployment allows
them (the local stack does, for its tests).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

from kernel.errors import DomainError, ErrorCode

# What an org's endpoint may hear of, from its subtree; each event names the org it belongs to.
EVENTS = ("notice_published", "course_assigned", "course_finished", "exam_submitted", "site_published")
URL_MAX = 500
# Seconds to wait after the n-th failed try (n = 1, 2, …); after the last, the delivery is given up.
BACKOFF = (5, 30, 120, 600, 3_600, 6 * 3_600)
TIMEOUT_SECONDS = 5.0


def events(raw: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(raw))
    if not chosen or any(e not in EVENTS for e in chosen):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "webhook_events_invalid", "events", events=", ".join(EVENTS))
    return chosen


def endpoint(url: str, allow_private: bool = False) -> str:
    """The endpoint as given: https (http only where private addresses are allowed), with a host."""
    url = (url or "").strip()
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_private else ("https",)
    if len(url) > URL_MAX or parts.scheme not in schemes or not parts.hostname or parts.username or parts.password:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "webhook_endpoint_invalid", "endpoint")
    literal = _ip(parts.hostname)
    if literal is not None and not allow_private and not public(literal):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "webhook_endpoint_private", "endpoint")
    return url


def _ip(host: str):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def public(address) -> bool:
    """An address on the internet (not private, loopback, link-local, multicast, reserved or unspecified)."""
    return address.is_global and not address.is_multicast


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def next_try(failures: int, now: dt.datetime) -> dt.datetime | None:
    """When to try again after `failures` failed tries; None: give up."""
    if failures > len(BACKOFF):
        return None
    return now + dt.timedelta(seconds=BACKOFF[failures - 1])
