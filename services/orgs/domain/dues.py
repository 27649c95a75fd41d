"""Dues (党费) months: YYYY-MM strings, and how many months a member owes."""

from __future__ import annotations

import re

from kernel.errors import DomainError, ErrorCode

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$", re.ASCII)
MAX_AMOUNT_FEN = 10_000_000  # 100,000 yuan: a larger monthly amount is a typing mistake


def check_month(month: str, field: str = "month") -> str:
    if not _MONTH.match(month or ""):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "month_invalid", field)
    return month


def check_amount(amount_fen: int, field: str = "amount_fen") -> int:
    if not 0 < amount_fen <= MAX_AMOUNT_FEN:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "amount_invalid", field)
    return amount_fen


def month_index(month: str) -> int:
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def months_owed(paid_up_to: str, as_of: str, since: str) -> int:
    """Months from the one after paid_up_to (or since, if never paid) through as_of."""
    start = month_index(paid_up_to) + 1 if paid_up_to else month_index(since)
    return max(0, month_index(as_of) - start + 1)
