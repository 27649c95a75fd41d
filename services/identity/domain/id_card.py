"""Resident ID-card numbers (居民身份证号码, GB 11643-1999): validation and masking."""

from __future__ import annotations

import datetime as dt
import re

from kernel.errors import DomainError, ErrorCode

_FORMAT = re.compile(r"^[0-9]{17}[0-9X]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize(raw: str, field: str = "id_card_number") -> str:
    """Validate format, birth date and checksum; return the number with an upper-case X."""
    number = (raw or "").strip().upper()
    if not _FORMAT.match(number):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "id_card_invalid", field)
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "id_card_invalid", field) from None
    if not dt.date(1900, 1, 1) <= born <= dt.date.today():
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "id_card_invalid", field)
    if check_digit(number[:17]) != number[17]:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "id_card_invalid", field)
    return number


def mask(number: str) -> str:
    """Keep the first 3 and last 4 characters: 120***********123X."""
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
