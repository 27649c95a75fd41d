"""Mainland mobile numbers on the wire: SMSCs and cloud APIs write them as 138…, 86138… or +86138…; the
sender and the handsets know them in national form (11 digits, 1[3-9]…)."""

from __future__ import annotations

import re

_NATIONAL = re.compile(r"1[3-9]\d{9}")
_SEPARATORS = re.compile(r"[\s\-()]")


def national(address: str) -> str | None:
    """The 11-digit national form of a mainland mobile number, or None when it is not one."""
    digits = _SEPARATORS.sub("", address)
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    return digits if _NATIONAL.fullmatch(digits) else None
