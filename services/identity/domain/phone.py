"""Mainland China mobile numbers: accounts are keyed by them."""

from __future__ import annotations

import re

from kernel.errors import DomainError, ErrorCode

# 1 + a second digit 3-9 + nine digits (China's mobile numbering plan).
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_SEPARATORS = re.compile(r"[\s\-()]")


def normalize(raw: str, field: str = "phone") -> str:
    """Return the 11-digit national form; accept +86 / 0086 / 86 prefixes, spaces and dashes."""
    digits = _SEPARATORS.sub("", raw or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not _MOBILE.match(digits):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "phone_invalid", field)
    return digits


def mask(phone: str) -> str:
    """138****5678: enough to recognise one's own number, not enough to call it."""
    return f"{phone[:3]}****{phone[-4:]}"
