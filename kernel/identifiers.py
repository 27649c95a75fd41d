"""Chinese identifiers every service validates the same way: mainland mobile numbers and resident
ID-card numbers (GB 11643-1999). Pure functions: None means "not valid"; callers raise their own error."""

from __future__ import annotations

import datetime as dt
import re

# 1, then 3-9, then nine digits (China's mobile numbering plan); ASCII digits only.
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_SEPARATORS = re.compile(r"[\s\-()]")
_ID_FORMAT = re.compile(r"^[0-9]{17}[0-9X]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def mainland_mobile(raw: str | None) -> str | None:
    """The 11-digit national form; +86 / 0086 / 86 prefixes, spaces, dashes and brackets are accepted."""
    digits = _SEPARATORS.sub("", raw or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    return digits if _MOBILE.match(digits) else None


def mask_mobile(phone: str) -> str:
    """138****5678: enough to recognise one's own number, not enough to call it."""
    return f"{phone[:3]}****{phone[-4:]}"


def id_card_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def resident_id_card(raw: str | None, today: dt.date | None = None) -> str | None:
    """A valid number (format, a birth date from 1900 to today, checksum) with an upper-case X."""
    number = (raw or "").strip().upper()
    if not _ID_FORMAT.match(number):
        return None
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    if not dt.date(1900, 1, 1) <= born <= (today or dt.date.today()):
        return None
    return number if id_card_check_digit(number[:17]) == number[17] else None


def mask_id_card(number: str) -> str:
    """Keep the first 3 and last 4 characters: 120***********123X."""
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
