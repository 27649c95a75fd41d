"""Signed device reports: what a device signs, checking keys and signatures (Ed25519), sequence numbers,
accuracy, the report's time against the server's clock, and the per-device rate. Pure: no I/O.

A device registers its public key once; every report is signed over canonical(...), so neither a replayed
report (seq must grow) nor one changed on the way (any field) is accepted.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kernel.errors import DomainError, ErrorCode

PREFIX = "jiceng-geo-1"
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64
SEQ_MAX = 2**62
ACCURACY_MAX_M = 5000.0
CHECK_IN_MAX_ACCURACY_M = 200.0
MAX_SKEW = dt.timedelta(minutes=5)
REPORTS_PER_MINUTE = 12
RATE_WINDOW = dt.timedelta(seconds=60)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def canonical(
    device_id: str,
    seq: int,
    at_ms: int,
    purpose: str,
    ref: str,
    lng: float,
    lat: float,
    accuracy_m: float,
    datum: str,
    division: str,
) -> bytes:
    """The bytes a device signs: the fields one per line, numbers in a fixed format, UTF-8."""
    lines = (
        PREFIX,
        device_id,
        str(seq),
        str(at_ms),
        purpose,
        ref,
        f"{lng:.7f}",
        f"{lat:.7f}",
        f"{accuracy_m:.1f}",
        datum,
        division,
    )
    return "\n".join(lines).encode("utf-8")


def _b64(value: str) -> bytes:
    return base64.b64decode(value.encode("ascii"), validate=True)


def check_public_key(b64: str, field: str = "public_key") -> bytes:
    """The raw 32 bytes of an Ed25519 public key sent as standard base64."""
    try:
        raw = _b64(b64)
        if len(raw) != PUBLIC_KEY_BYTES:
            raise ValueError("not 32 bytes")
        Ed25519PublicKey.from_public_bytes(raw)
    except (AttributeError, UnicodeEncodeError, binascii.Error, ValueError):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_public_key_invalid", field) from None
    return raw


def verify(public_key: bytes, message: bytes, signature_b64: str) -> bool:
    """The signature (base64) is the key's over message; False for a malformed one too."""
    try:
        signature = _b64(signature_b64)
        if len(signature) != SIGNATURE_BYTES:
            return False
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (AttributeError, TypeError, UnicodeEncodeError, binascii.Error, ValueError, InvalidSignature):
        return False
    return True


def sign(private_key: Ed25519PrivateKey, message: bytes) -> str:
    """The base64 signature of message (what a device does; tests and the bench use it)."""
    return base64.b64encode(private_key.sign(message)).decode("ascii")


def check_seq(seq: int, field: str = "report.seq") -> int:
    """A report's sequence number: 1..2**62."""
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= SEQ_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_seq_invalid", field)
    return seq


def check_accuracy(m: float, field: str = "report.accuracy_m") -> float:
    """A fix's accuracy radius in metres: finite, above 0, at most 5000."""
    valid = isinstance(m, int | float) and not isinstance(m, bool) and math.isfinite(m)
    if not valid or not 0 < m <= ACCURACY_MAX_M:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_accuracy_invalid", field, max=int(ACCURACY_MAX_M))
    return float(m)


def check_time(at_ms: int, now: dt.datetime, field: str = "report.at_ms") -> dt.datetime:
    """When the fix was taken (aware UTC), if within MAX_SKEW of now either way."""
    skew_ms = MAX_SKEW // dt.timedelta(milliseconds=1)
    now_ms = (now - _EPOCH) // dt.timedelta(milliseconds=1)
    # Compared in integers first, so an absurd at_ms is refused instead of overflowing a datetime.
    if isinstance(at_ms, bool) or not isinstance(at_ms, int) or abs(at_ms - now_ms) > skew_ms:
        raise DomainError(
            ErrorCode.FAILED_PRECONDITION, "geo_report_stale", field, minutes=int(MAX_SKEW.total_seconds() // 60)
        )
    return _EPOCH + dt.timedelta(milliseconds=at_ms)


@dataclass(frozen=True)
class Window:
    start: dt.datetime | None  # when the device's current minute began (None: no report yet)
    count: int  # reports admitted in it


def admit(window: Window, now: dt.datetime) -> Window | None:
    """The device's window after admitting one more report, or None when it has used up this minute."""
    if window.start is None or now - window.start >= RATE_WINDOW:
        return Window(start=now, count=1)
    if window.count >= REPORTS_PER_MINUTE:
        return None
    return Window(start=window.start, count=window.count + 1)
