"""Org life (组织生活) over HTTP: meetings, rosters, RSVPs and leave, check-in, minutes, compliance.

Permissions are decided by orgs: organizers need member.manage on the meeting's org, readers member.read,
invitees act on their own roster row, the compliance report needs stats.read.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime, BaseModel, Field

from gateway.auth import CallerDep
from gateway.clients import call_for
from gateway.routes.orgs import Body, Cursor, Id, PageSize, page_request
from jiceng.orgs.v1 import life_pb2 as pb
from kernel.wire import timestamp

router = APIRouter(prefix="/api/v1", tags=["org life"])

Text = Annotated[str, Field(max_length=500)]


class RecurrenceBody(Body):
    freq: Annotated[str, Field(min_length=1, max_length=16, examples=["monthly"])]
    interval: Annotated[int, Field(ge=0, le=100)] = 1
    by: Annotated[str, Field(max_length=16, examples=["day_of_month", "weekday"])] = ""
    until: Annotated[str, Field(min_length=1, max_length=10, examples=["2026-12-31"])]


class ScheduleBody(Body):
    type: Annotated[str, Field(min_length=1, max_length=40, examples=["committee_meeting"])]
    title: Annotated[str, Field(min_length=1, max_length=100)]
    agenda: Annotated[str, Field(max_length=5000)] = ""
    starts_at: Annotated[AwareDatetime, Field(examples=["2026-07-01T19:00:00+08:00"])]
    ends_at: Annotated[AwareDatetime, Field(examples=["2026-07-01T21:00:00+08:00"])]
    place: Annotated[str, Field(max_length=200)] = ""
    online_url: Annotated[str, Field(max_length=500)] = ""
    recurrence: RecurrenceBody | None = None
    sms_invite: bool = False  # invite by text message too (invitees may answer 1: attend, 2: leave)


class CancelBody(Body):
    reason: Text = ""
    following: bool = False


class MinutesBody(Body):
    minutes: Annotated[str, Field(min_length=1, max_length=20000)]
    attachments: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=50)] = []


class RsvpBody(Body):
    attending: bool


class LeaveBody(Body):
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class DecisionBody(Body):
    approve: bool
    note: Text = ""


class CheckInBody(Body):
    code: Annotated[str, Field(min_length=1, max_length=16, examples=["042913"])]


class MeetingOut(BaseModel):
    id: str
    org_id: str
    type: str
    title: str
    agenda: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    online_url: str
    sms_invite: bool
    series_id: str
    status: str
    cancel_reason: str
    minutes: str
    attachments: list[str]
    minutes_by: str
    minutes_at: dt.datetime | None = None
    invitee_count: int
    present_count: int
    held: bool
    created_by: str
    created_at: dt.datetime | None = None


class AttendanceOut(BaseModel):
    meeting_id: str
    account_id: str
    display_name: str
    status: str
    source: str
    answered_at: dt.datetime | None = None
    leave_reason: str
    leave_decided_by: str
    leave_note: str
    method: str
    checked_in_at: dt.datetime | None = None


class MeetingDetailOut(BaseModel):
    meeting: MeetingOut
    mine: AttendanceOut | None = None


class ScheduledOut(BaseModel):
    meetings: list[MeetingOut]
    series_id: str


class MeetingsOut(BaseModel):
    meetings: list[MeetingOut]
    next_cursor: str = ""


class CancelledOut(BaseModel):
    meetings: list[MeetingOut]


class MyMeetingsOut(BaseModel):
    meetings: list[MeetingDetailOut]
    next_cursor: str = ""


class RosterOut(BaseModel):
    meeting: MeetingOut
    attendance: list[AttendanceOut]
    next_cursor: str = ""


class CheckInCodeOut(BaseModel):
    meeting_id: str
    code: str
    valid_from: dt.datetime
    valid_until: dt.datetime


class RateOut(BaseModel):
    invited: int
    present: int
    on_leave: int
    expected: int
    rate: float


class RequiredOut(BaseModel):
    meeting_type: str
    slot: str
    held: int
    open: bool = Field(False, description="The month or quarter is not over yet (not held is not missed yet)")


class OrgComplianceOut(BaseModel):
    org_id: str
    name: str
    type: str
    required: list[RequiredOut]
    missed: list[RequiredOut]
    attendance: RateOut
    meetings_held: int


class MemberRateOut(BaseModel):
    account_id: str
    display_name: str
    attendance: RateOut


class ComplianceOut(BaseModel):
    org_id: str
    period: str
    as_of: dt.datetime
    orgs: list[OrgComplianceOut]
    missing_org_ids: list[str]
    total: RateOut
    members: list[MemberRateOut]


def _mine(data: dict) -> dict:
    """A MeetingDetail as JSON: `mine` is null for someone not on the roster."""
    if not data.pop("has_mine", False):
        data["mine"] = None
    return data


async def call(request: Request, who, method_name: str, message) -> dict:
    """Call OrgLifeService as the caller; the reply as JSON-ready data with every field present."""
    return await call_for(request, who, "org_life", method_name, message)


@router.post(
    "/orgs/{org_id}/meetings",
    response_model=ScheduledOut,
    status_code=201,
    summary="Schedule a meeting, or a series (expanded into meetings, at most 24)",
)
async def schedule_meeting(org_id: Id, body: ScheduleBody, request: Request, who: CallerDep):
    recurrence = None
    if body.recurrence is not None:
        r = body.recurrence
        recurrence = pb.Recurrence(freq=r.freq, interval=r.interval, by=r.by, until=r.until)
    message = pb.ScheduleMeetingRequest(
        org_id=org_id,
        type=body.type,
        title=body.title,
        agenda=body.agenda,
        starts_at=timestamp(body.starts_at),
        ends_at=timestamp(body.ends_at),
        place=body.place,
        online_url=body.online_url,
        recurrence=recurrence,
        sms_invite=body.sms_invite,
    )
    return await call(request, who, "ScheduleMeeting", message)


@router.get("/orgs/{org_id}/meetings", response_model=MeetingsOut, summary="The org's meetings (member.read)")
async def list_org_meetings(
    org_id: Id, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""
):
    message = pb.ListOrgMeetingsRequest(org_id=org_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListOrgMeetings", message)


@router.get(
    "/orgs/{org_id}/meeting-compliance",
    response_model=ComplianceOut,
    summary="Required meetings held or missed, and attendance rates, in the subtree for a period",
)
async def compliance_report(
    org_id: Id,
    request: Request,
    who: CallerDep,
    period: Annotated[str, Query(min_length=1, max_length=7, examples=["2026-Q3", "2026-07", "2026"])],
):
    return await call(request, who, "ComplianceReport", pb.ComplianceReportRequest(org_id=org_id, period=period))


@router.get("/meetings/mine", response_model=MyMeetingsOut, summary="Meetings I am invited to, with my answers")
async def my_meetings(
    request: Request, who: CallerDep, upcoming: bool = False, page_size: PageSize = 50, cursor: Cursor = ""
):
    message = pb.ListMyMeetingsRequest(upcoming=upcoming, page=page_request(page_size, cursor))
    data = await call(request, who, "ListMyMeetings", message)
    data["meetings"] = [_mine(d) for d in data["meetings"]]
    return data


@router.get("/meetings/{meeting_id}", response_model=MeetingDetailOut)
async def get_meeting(meeting_id: Id, request: Request, who: CallerDep):
    return _mine(await call(request, who, "GetMeeting", pb.GetMeetingRequest(meeting_id=meeting_id)))


@router.get("/meetings/{meeting_id}/roster", response_model=RosterOut, summary="Invitees and attendance")
async def roster(meeting_id: Id, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    message = pb.ListRosterRequest(meeting_id=meeting_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListRoster", message)


@router.post(
    "/meetings/{meeting_id}/cancel", response_model=CancelledOut, summary="Cancel it (following: and the later ones)"
)
async def cancel_meeting(meeting_id: Id, body: CancelBody, request: Request, who: CallerDep):
    message = pb.CancelMeetingRequest(meeting_id=meeting_id, reason=body.reason, following=body.following)
    return await call(request, who, "CancelMeeting", message)


@router.put("/meetings/{meeting_id}/minutes", response_model=MeetingOut, summary="Minutes and attachments")
async def record_minutes(meeting_id: Id, body: MinutesBody, request: Request, who: CallerDep):
    message = pb.RecordMinutesRequest(meeting_id=meeting_id, minutes=body.minutes, attachments=body.attachments)
    return await call(request, who, "RecordMinutes", message)


@router.get(
    "/meetings/{meeting_id}/check-in-code", response_model=CheckInCodeOut, summary="The on-site code (organizers)"
)
async def check_in_code(meeting_id: Id, request: Request, who: CallerDep):
    return await call(request, who, "RevealCheckInCode", pb.RevealCheckInCodeRequest(meeting_id=meeting_id))


@router.post("/meetings/{meeting_id}/rsvp", response_model=MeetingDetailOut, summary="Attending or not")
async def rsvp(meeting_id: Id, body: RsvpBody, request: Request, who: CallerDep):
    message = pb.RsvpRequest(meeting_id=meeting_id, attending=body.attending)
    return _mine(await call(request, who, "Rsvp", message))


@router.post("/meetings/{meeting_id}/leave", response_model=MeetingDetailOut, summary="Ask for leave (请假)")
async def request_leave(meeting_id: Id, body: LeaveBody, request: Request, who: CallerDep):
    message = pb.RequestLeaveRequest(meeting_id=meeting_id, reason=body.reason)
    return _mine(await call(request, who, "RequestLeave", message))


@router.post(
    "/meetings/{meeting_id}/leave/{account_id}/decision",
    response_model=AttendanceOut,
    summary="Approve or reject an invitee's leave request (organizers)",
)
async def decide_leave(meeting_id: Id, account_id: Id, body: DecisionBody, request: Request, who: CallerDep):
    message = pb.DecideLeaveRequest(meeting_id=meeting_id, account_id=account_id, approve=body.approve, note=body.note)
    return await call(request, who, "DecideLeave", message)


@router.post("/meetings/{meeting_id}/check-in", response_model=MeetingDetailOut, summary="Check in with the code")
async def check_in(meeting_id: Id, body: CheckInBody, request: Request, who: CallerDep):
    message = pb.CheckInRequest(meeting_id=meeting_id, code=body.code)
    return _mine(await call(request, who, "CheckIn", message))


@router.post(
    "/meetings/{meeting_id}/join-online", response_model=MeetingDetailOut, summary="Join online (records presence)"
)
async def join_online(meeting_id: Id, request: Request, who: CallerDep):
    return _mine(await call(request, who, "JoinOnline", pb.JoinOnlineRequest(meeting_id=meeting_id)))
