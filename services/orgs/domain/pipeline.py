"""The development pipeline (发展党员): applicant → activist → development target → probationary → full.

Each step is dated; the rules between steps are the party's: an activist is educated and observed for
at least a year before becoming a development target, and probation lasts a year before conversion.
"""

from __future__ import annotations

import datetime as dt

from kernel.errors import DomainError, ErrorCode

APPLICANT = "applicant"  # 申请人
ACTIVIST = "activist"  # 积极分子
DEVELOPMENT_TARGET = "development_target"  # 发展对象
PROBATIONARY = "probationary"  # 预备党员
FULL = "full"  # 正式党员
SUSPENDED = "suspended"  # 停止党籍
TRANSFERRED_OUT = "transferred_out"  # 转出
DECEASED = "deceased"  # 去世

STATUSES = (APPLICANT, ACTIVIST, DEVELOPMENT_TARGET, PROBATIONARY, FULL, SUSPENDED, TRANSFERRED_OUT, DECEASED)
# Statuses an imported roster may start at (a person already along the way).
INITIAL = (APPLICANT, ACTIVIST, DEVELOPMENT_TARGET, PROBATIONARY, FULL)
# Statuses of people who belong to the org's life (counted as members of a meeting, etc.).
ACTIVE = (APPLICANT, ACTIVIST, DEVELOPMENT_TARGET, PROBATIONARY, FULL)

NEXT: dict[str, tuple[str, ...]] = {
    APPLICANT: (ACTIVIST, DECEASED),
    ACTIVIST: (DEVELOPMENT_TARGET, DECEASED),
    DEVELOPMENT_TARGET: (PROBATIONARY, DECEASED),
    PROBATIONARY: (FULL, DECEASED),
    FULL: (SUSPENDED, DECEASED),
    SUSPENDED: (FULL, DECEASED),
    TRANSFERRED_OUT: (),
    DECEASED: (),
}

# (from, to) -> the least time between the two steps
MIN_TIME = {
    (ACTIVIST, DEVELOPMENT_TARGET): 365,
    (PROBATIONARY, FULL): 365,
}


def parse_date(value: str, field: str = "effective_on") -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "date_invalid", field) from None


def check_status(status: str, allowed: tuple[str, ...] = STATUSES, field: str = "status") -> str:
    if status not in allowed:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "status_invalid", field)
    return status


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_step(current: str, since: dt.date, to: str, effective_on: dt.date, today: dt.date) -> None:
    """Raise unless current → to on effective_on is a legal step of the pipeline."""
    check_status(to, field="to_status")
    if to not in NEXT[current]:
        raise DomainError(
            ErrorCode.FAILED_PRECONDITION,
            "status_step_invalid",
            "to_status",
            current=f"status.{current}",
            to=f"status.{to}",
        )
    if effective_on > today:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "date_in_future", "effective_on")
    if effective_on < since:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "date_before_current_step", "effective_on")
    days = MIN_TIME.get((current, to))
    if days is not None and effective_on < add_years(since, days // 365):
        earliest = add_years(since, days // 365)
        raise DomainError(
            ErrorCode.FAILED_PRECONDITION, "status_step_too_early", "effective_on", earliest=earliest.isoformat()
        )
