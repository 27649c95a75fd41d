"""The membership transfer (组织关系转接) as a pure state machine: states, steps, and who may take each.

    requested ──approve_out──▶ approved_out ──accept_in──▶ completed
        │                          │
        ├──reject_out──▶ rejected_out     ├──reject_in──▶ rejected_in
        └──cancel──▶ cancelled ◀──cancel──┘

The outgoing org approves first (and issues the letter number), then the incoming org accepts, which
moves the membership. Rejections need a reason. Only the requester cancels, and only before completion.
The member never decides a step of their own transfer, whatever roles they hold. The same machine runs
a cross-region transfer: only the incoming side's storage differs (services/orgs/transfers.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from kernel.errors import DomainError, ErrorCode

REQUESTED = "requested"
APPROVED_OUT = "approved_out"
COMPLETED = "completed"
REJECTED_OUT = "rejected_out"
REJECTED_IN = "rejected_in"
CANCELLED = "cancelled"

STATES = (REQUESTED, APPROVED_OUT, COMPLETED, REJECTED_OUT, REJECTED_IN, CANCELLED)
OPEN = (REQUESTED, APPROVED_OUT)  # a member has at most one open transfer

APPROVE_OUT = "approve_out"
REJECT_OUT = "reject_out"
ACCEPT_IN = "accept_in"
REJECT_IN = "reject_in"
CANCEL = "cancel"

STEPS = (APPROVE_OUT, REJECT_OUT, ACCEPT_IN, REJECT_IN, CANCEL)

# step -> (states it may start from, the state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    APPROVE_OUT: ((REQUESTED,), APPROVED_OUT),
    REJECT_OUT: ((REQUESTED,), REJECTED_OUT),
    ACCEPT_IN: ((APPROVED_OUT,), COMPLETED),
    REJECT_IN: ((APPROVED_OUT,), REJECTED_IN),
    CANCEL: (OPEN, CANCELLED),
}

NEEDS_REASON = frozenset({REJECT_OUT, REJECT_IN})
MAX_REASON = 500


@dataclass(frozen=True)
class Parties:
    """How the caller stands to one transfer (worked out by the service from the token and the orgs)."""

    is_member: bool = False  # the person being transferred
    is_requester: bool = False
    manages_outgoing: bool = False  # member.manage on the outgoing org
    manages_incoming: bool = False  # member.manage on the incoming org


def may_take(step: str, parties: Parties) -> bool:
    """Whether these parties may take step at all (regardless of the state)."""
    if step == CANCEL:
        return parties.is_requester
    if parties.is_member:  # nobody approves their own transfer
        return False
    if step in (APPROVE_OUT, REJECT_OUT):
        return parties.manages_outgoing
    if step in (ACCEPT_IN, REJECT_IN):
        return parties.manages_incoming
    return False


def may_request(is_member: bool, manages_outgoing: bool) -> bool:
    """The member asks for themselves, or an admin of the outgoing org asks for them."""
    return is_member or manages_outgoing


def check_step_name(step: str) -> str:
    if step not in STEPS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "transfer_step_invalid", "step")
    return step


def check_reason(step: str, reason: str) -> str:
    reason = (reason or "").strip()
    if step in NEEDS_REASON and not reason:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "transfer_reason_required", "reason")
    if len(reason) > MAX_REASON:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "transfer_reason_too_long", "reason", limit=MAX_REASON)
    return reason


@dataclass(frozen=True)
class Plan:
    """What taking a step means now: apply it (leading to `to`), or nothing, because it is already done."""

    apply: bool
    to: str = ""


def plan(state: str, step: str, taken: tuple[str, ...], parties: Parties) -> Plan:
    """Decide step on a transfer in state whose steps so far are taken; raise if it is not allowed.

    Permission comes first, so a retry by someone who may not take the step is refused, not ignored.
    A step already taken is a no-op (a retried request, or two people clicking at once), never twice."""
    check_step_name(step)
    if not may_take(step, parties):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "transfer_step_forbidden", "step", step=step)
    if step in taken:
        return Plan(False)
    sources, target = TRANSITIONS[step]
    if state not in sources:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "transfer_state_invalid", "step", state=state, step=step)
    return Plan(True, target)


def allowed_steps(state: str, parties: Parties) -> list[str]:
    """The steps these parties could take now (for a client to show the right buttons)."""
    return [s for s in STEPS if state in TRANSITIONS[s][0] and may_take(s, parties)]


def letter_number(year: int, sequence: int) -> str:
    """The introduction letter's number (介绍信编号): year and a per-region sequence, e.g. 2026-000042."""
    return f"{year:04d}-{sequence:06d}"
