"""Mobile members (流动党员) as pure rules: a registration's states, who may take each step, its fields.

    outflow_registered ──accept_inflow──▶ hosted ──end──▶ ended
            └────────────────end──────────────────────────▲

The home org keeps the membership throughout; a host org only hosts the member's org life. The member
(or an admin of the home org) registers the outflow naming a destination and, if known, the host org;
an admin of that host org accepts the inflow. The member reports back (思想汇报) to the home org while
the period lasts; the member or the home org ends it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kernel.errors import DomainError, ErrorCode

OUTFLOW_REGISTERED = "outflow_registered"
HOSTED = "hosted"
ENDED = "ended"

STATES = (OUTFLOW_REGISTERED, HOSTED, ENDED)
ACTIVE = (OUTFLOW_REGISTERED, HOSTED)  # one active registration per member

ACCEPT_INFLOW = "accept_inflow"
END = "end"

TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    ACCEPT_INFLOW: ((OUTFLOW_REGISTERED,), HOSTED),
    END: (ACTIVE, ENDED),
}

MAX_DESTINATION = 100
MAX_REASON = 500
MAX_REPORT = 5000


@dataclass(frozen=True)
class Parties:
    is_member: bool = False
    manages_home: bool = False  # member.manage on the home org
    manages_host: bool = False  # member.manage on the (named) host org


def may_register(is_member: bool, manages_home: bool) -> bool:
    return is_member or manages_home


def may_take(step: str, parties: Parties) -> bool:
    if step == ACCEPT_INFLOW:
        return parties.manages_host and not parties.is_member
    if step == END:
        return parties.is_member or parties.manages_home
    return False


def next_state(state: str, step: str, parties: Parties) -> str | None:
    """The state step leads to, or None if the registration is already there (a retry); raise if refused."""
    if not may_take(step, parties):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "mobile_step_forbidden", "registration_id")
    sources, target = TRANSITIONS[step]
    if state == target:
        return None
    if state not in sources:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "mobile_state_invalid", "registration_id", state=state)
    return target


def check_text(value: str, field: str, limit: int, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "field_required", field)
    if len(value) > limit:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "mobile_text_too_long", field, limit=limit)
    return value


def check_period(left_on: dt.date, expected_return_on: dt.date | None) -> None:
    if expected_return_on is not None and expected_return_on < left_on:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "mobile_return_before_leaving", "expected_return_on")


def check_return(left_on: dt.date, returned_on: dt.date, today: dt.date) -> None:
    if returned_on > today:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "date_in_future", "returned_on")
    if returned_on < left_on:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "mobile_return_before_leaving", "returned_on")
