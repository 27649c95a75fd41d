"""Resident ID-card numbers (居民身份证号码, GB 11643-1999): the rule lives in kernel/identifiers.py."""

from __future__ import annotations

from kernel import identifiers
from kernel.errors import DomainError, ErrorCode

check_digit = identifiers.id_card_check_digit
mask = identifiers.mask_id_card


def normalize(raw: str, field: str = "id_card_number") -> str:
    """Validate format, birth date and checksum; return the number with an upper-case X."""
    number = identifiers.resident_id_card(raw)
    if number is None:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "id_card_invalid", field)
    return number
