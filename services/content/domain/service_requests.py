"""Service requests' rules (服务): legal, policy, psychological and business consultation.

A member opens a private request in a category; it is routed to the nearest org on the member's home path
(home first, then upwards) that has counsellors for the category, and waits open in that org's queue of the
category. A counsellor of the queue takes it (or one with service.manage on the org assigns one); the
assigned counsellor's reply answers it; a member's reply to an answered request puts it back with the
counsellor; the member (or the assigned counsellor) closes it; the member rates it once.

Who reads a request's content (subject, text, replies) is decided here (`reader_role`): the member, the
assigned counsellor, the queue's counsellors while it is open and unassigned (not for psychological
requests: their queue shows only metadata until one of them takes it), and auditors (not psychological
requests). Everyone else is told it does not exist.

Each category has a response-time target for the first counsellor reply; a request whose first counsellor
reply came after it, or that is still waiting past it, is overdue. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from kernel.clock import aware
from kernel.errors import DomainError, ErrorCode
from services.content.domain import inputs

LEGAL, POLICY, PSYCHOLOGICAL, BUSINESS = "legal", "policy", "psychological", "business"
CATEGORIES = (LEGAL, POLICY, PSYCHOLOGICAL, BUSINESS)
# The first counsellor reply is due this long after the request was opened.
TARGETS: dict[str, dt.timedelta] = {
    PSYCHOLOGICAL: dt.timedelta(hours=24),
    LEGAL: dt.timedelta(hours=48),
    POLICY: dt.timedelta(hours=48),
    BUSINESS: dt.timedelta(hours=72),
}

OPEN, ASSIGNED, ANSWERED, CLOSED = "open", "assigned", "answered", "closed"
STATES = (OPEN, ASSIGNED, ANSWERED, CLOSED)
MEMBER, COUNSELLOR, AUDITOR = "member", "counsellor", "auditor"  # a reader's role in a request

SUBJECT_MAX = 100
TEXT_MAX = 5_000
COMMENT_MAX = 500
RATING_MIN, RATING_MAX = 1, 5
REPLIES_MAX = 200  # replies kept on one request: a conversation longer than this is a new request


# -- input ---------------------------------------------------------------------------------------------


def category(value: str) -> str:
    if value not in CATEGORIES:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "service_category_invalid", "category")
    return value


def subject(value: str) -> str:
    return inputs.text(value, "subject", SUBJECT_MAX)


def text(value: str) -> str:
    return inputs.text(value, "text", TEXT_MAX)


def attachments(values: Sequence[str]) -> list[str]:
    return inputs.media_ids(values, "attachment_ids")


def rating(value: int) -> int:
    if not RATING_MIN <= value <= RATING_MAX:
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT, "service_rating_invalid", "rating", min=RATING_MIN, max=RATING_MAX
        )
    return value


def comment(value: str) -> str:
    return inputs.text(value, "comment", COMMENT_MAX, required=False)


# -- routing -------------------------------------------------------------------------------------------


def route(home_path: Sequence[str], counselled: Collection[str]) -> str:
    """The org a request goes to: the nearest on the member's home path (home first, then upwards) among
    those with counsellors of its category (counselled); FAILED_PRECONDITION when there is none."""
    for org_id in reversed(home_path):
        if org_id in counselled:
            return org_id
    raise DomainError(ErrorCode.FAILED_PRECONDITION, "service_no_counsellors", "category")


# -- who reads -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What reading and acting on a request depend on."""

    category: str
    state: str
    member_id: str
    counsellor_id: str  # "" while unassigned


@dataclass(frozen=True)
class Caller:
    account_id: str
    counsels_queue: bool = False  # a counsellor of the request's queue (its routed org and category), now
    auditor: bool = False  # platform role central_auditor


def reader_role(request: Facts, caller: Caller) -> str | None:
    """The caller's role in reading the request's content, or None: they may not know it exists."""
    if caller.account_id == request.member_id:
        return MEMBER
    if caller.counsels_queue:
        # The assigned counsellor reads it while they counsel its queue: removal ends their reading.
        if request.counsellor_id == caller.account_id:
            return COUNSELLOR
        # Unassigned, the queue's counsellors read it to choose what to take, except psychological requests.
        if request.state == OPEN and not request.counsellor_id and request.category != PSYCHOLOGICAL:
            return COUNSELLOR
    if caller.auditor and request.category != PSYCHOLOGICAL:
        return AUDITOR
    return None


def is_assigned_counsellor(request: Facts, caller: Caller) -> bool:
    return caller.counsels_queue and bool(request.counsellor_id) and request.counsellor_id == caller.account_id


# -- transitions ---------------------------------------------------------------------------------------
# Each returns the state after the step or raises FAILED_PRECONDITION naming the field at fault. The store
# applies the step with an update conditional on the state it read (a race loses, and is told so).


def take(request: Facts, counsellor_id: str) -> str:
    """A counsellor of the queue takes an open request (the member can't take their own)."""
    if counsellor_id == request.member_id:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "service_own_request", "account_id")
    if request.state != OPEN:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "service_request_not_open", "request_id")
    return ASSIGNED


def assign(request: Facts, counsellor_id: str) -> str:
    """A manager gives an open or assigned request to a counsellor of its queue (reassigning keeps its
    state: an answered request stays answered with the new counsellor)."""
    if counsellor_id == request.member_id:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "service_own_request", "account_id")
    if request.state == CLOSED:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "service_request_closed", "request_id")
    if counsellor_id == request.counsellor_id:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "service_already_assigned", "account_id")
    return ASSIGNED if request.state == OPEN else request.state


def reply(request: Facts, role: str) -> str:
    """A reply of the member or of the assigned counsellor: the counsellor's answers the request; the
    member's to an answered request puts it back with the counsellor (to an open or assigned one: no change)."""
    if request.state == CLOSED:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "service_request_closed", "request_id")
    if role == COUNSELLOR:
        if request.state == OPEN:
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "service_request_not_taken", "request_id")
        return ANSWERED
    return ASSIGNED if request.state == ANSWERED else request.state


def close(request: Facts) -> str:
    if request.state == CLOSED:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "service_request_closed", "request_id")
    return CLOSED


def rate(request: Facts, rated: bool) -> None:
    """The member rates once, when the request is answered or closed."""
    if rated:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "service_already_rated", "rating")
    if request.state not in (ANSWERED, CLOSED):
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "service_request_not_answered", "rating")


# -- response-time targets -----------------------------------------------------------------------------


def due_at(category_id: str, opened_at: dt.datetime) -> dt.datetime:
    """When the first counsellor reply is due (the target of the category when the request was opened)."""
    return aware(opened_at) + TARGETS[category_id]


def clock_stopped(first_reply_at: dt.datetime | None, closed_at: dt.datetime | None) -> dt.datetime | None:
    """When the response clock stopped: the first counsellor reply, or a close before any (None: running)."""
    return first_reply_at or closed_at


def late_by(
    due: dt.datetime, first_reply_at: dt.datetime | None, closed_at: dt.datetime | None, now: dt.datetime
) -> dt.timedelta | None:
    """How long past its target the request was first answered (or closed unanswered), or still waits;
    None when it is not overdue."""
    stopped = clock_stopped(first_reply_at, closed_at)
    late = aware(stopped or now) - aware(due)
    return late if late > dt.timedelta(0) else None


def watched(due: dt.datetime, first_reply_at: dt.datetime | None, closed_at: dt.datetime | None) -> bool:
    """Whether the request belongs on the overdue report once its due time has passed: still waiting for
    a first counsellor reply, or its clock stopped late. (Stored, so the report is one indexed range.)"""
    stopped = clock_stopped(first_reply_at, closed_at)
    return stopped is None or aware(stopped) > aware(due)


def hours(late: dt.timedelta) -> float:
    """Hours overdue, to a tenth."""
    return round(late.total_seconds() / 3600, 1)
