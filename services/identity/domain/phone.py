"""Mainland China mobile numbers: accounts are keyed by them (the rule itself: kernel/identifiers.py)."""

from __future__ import annotations

from kernel import identifiers
from kernel.errors import DomainError, ErrorCode

mask = identifiers.mask_mobile


def normalize(raw: str, field: str = "phone") -> str:
    """Return the 11-digit national form; accept +86 / 0086 / 86 prefixes, spaces and dashes."""
    phone = identifiers.mainland_mobile(raw)
    if phone is None:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "phone_invalid", field)
    return phone
