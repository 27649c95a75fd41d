"""Meetings as orgs shows them to the caller: geo asks orgs (OrgLifeService.GetMeeting, the caller's token
forwarded) whether the meeting exists, when it runs, whether it is cancelled and whether the caller is on its
roster. orgs remains the system of record for meetings and attendance; geo keeps only fences and points."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import grpc

from jiceng.orgs.v1 import life_pb2, life_pb2_grpc
from kernel import context
from kernel.errors import DomainError, ErrorCode

ORGS_TIMEOUT = 5.0
# orgs' check-in window (services/orgs/domain/life.py CHECK_IN_MARGIN): half an hour either side
CHECK_IN_MARGIN = dt.timedelta(minutes=30)

_orgs: life_pb2_grpc.OrgLifeServiceStub | None = None


def configure(orgs_addr: str) -> None:
    global _orgs
    _orgs = life_pb2_grpc.OrgLifeServiceStub(grpc.insecure_channel(orgs_addr))


@dataclass(frozen=True)
class Meeting:
    meeting_id: str
    org_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    cancelled: bool
    invited: bool  # the caller is on its roster

    def check_in_open(self, at: dt.datetime) -> bool:
        return self.starts_at - CHECK_IN_MARGIN <= at <= self.ends_at + CHECK_IN_MARGIN

    def in_progress(self, at: dt.datetime) -> bool:
        """Live sharing: from half an hour before it starts until it ends."""
        return self.starts_at - CHECK_IN_MARGIN <= at <= self.ends_at


def get(meeting_id: str, field: str = "meeting_id") -> Meeting:
    """The meeting as orgs shows it to the caller (NOT_FOUND and PERMISSION_DENIED come from orgs)."""
    if _orgs is None:
        raise RuntimeError("meetings.configure was not called")
    if not meeting_id or len(meeting_id) > 64:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "geo_meeting_id_invalid", field)
    detail = context.call_as_caller(_orgs.GetMeeting, life_pb2.GetMeetingRequest(meeting_id=meeting_id), ORGS_TIMEOUT)
    m = detail.meeting
    return Meeting(
        m.id,
        m.org_id,
        m.starts_at.ToDatetime(tzinfo=dt.UTC),
        m.ends_at.ToDatetime(tzinfo=dt.UTC),
        m.status == "cancelled",
        detail.has_mine,
    )
