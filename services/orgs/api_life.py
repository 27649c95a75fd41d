"""The gRPC servicer of org life: messages ↔ calls of life.py."""

from __future__ import annotations

import datetime as dt

from jiceng.orgs.v1 import life_pb2 as pb
from jiceng.orgs.v1 import life_pb2_grpc
from kernel.errors import DomainError, ErrorCode
from kernel.wire import timestamp
from services.orgs import life
from services.orgs.domain import life as rules

SERVICE = "jiceng.orgs.v1.OrgLifeService"


def _time(request, name: str) -> dt.datetime:
    if not request.HasField(name):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "field_required", name)
    return getattr(request, name).ToDatetime(tzinfo=dt.UTC)


def meeting_message(m: life.Meeting) -> pb.Meeting:
    return pb.Meeting(
        id=str(m.id),
        org_id=m.org_id,
        type=m.type,
        title=m.title,
        agenda=m.agenda,
        starts_at=timestamp(m.starts_at),
        ends_at=timestamp(m.ends_at),
        place=m.place,
        online_url=m.online_url,
        sms_invite=m.sms_invite,
        series_id=m.series_id,
        status=m.status,
        cancel_reason=m.cancel_reason,
        minutes=m.minutes,
        attachments=list(m.attachments),
        minutes_by=m.minutes_by,
        minutes_at=timestamp(m.minutes_at) if m.minutes_at else None,
        invitee_count=m.invitee_count,
        present_count=m.present_count,
        held=life.is_held(m),
        created_by=m.created_by,
        created_at=timestamp(m.created_at),
    )


def attendance_message(meeting: life.Meeting, a: life.Attendance) -> pb.Attendance:
    return pb.Attendance(
        meeting_id=a.meeting_id,
        account_id=a.account_id,
        display_name=a.display_name,
        status=life.effective_status(meeting, a),
        source=a.source,
        answered_at=timestamp(a.answered_at) if a.answered_at else None,
        leave_reason=a.leave_reason,
        leave_decided_by=a.leave_decided_by,
        leave_note=a.leave_note,
        method=a.method,
        checked_in_at=timestamp(a.checked_in_at) if a.checked_in_at else None,
    )


def detail(meeting: life.Meeting, mine: life.Attendance | None) -> pb.MeetingDetail:
    return pb.MeetingDetail(
        meeting=meeting_message(meeting),
        mine=attendance_message(meeting, mine) if mine else None,
        has_mine=mine is not None,
    )


def rate_message(rate: rules.Rate) -> pb.AttendanceRate:
    return pb.AttendanceRate(
        invited=rate.invited, present=rate.present, on_leave=rate.on_leave, expected=rate.expected, rate=rate.rate
    )


def _required(items: list[rules.Requirement]) -> list[pb.RequiredMeeting]:
    return [pb.RequiredMeeting(meeting_type=i.meeting_type, slot=i.slot, held=i.held, open=i.open) for i in items]


class OrgLifeApi(life_pb2_grpc.OrgLifeServiceServicer):
    def __init__(self) -> None:
        # The server connects to the database before it registers servicers (kernel/grpc_server.run).
        life.ensure_indexes()

    def ScheduleMeeting(self, request, context):
        recurrence = None
        if request.HasField("recurrence"):
            r = request.recurrence
            recurrence = rules.check_recurrence(r.freq, r.interval, r.by, r.until)
        meetings = life.schedule(
            life.Schedule(
                org_id=request.org_id,
                type=request.type,
                title=request.title,
                agenda=request.agenda,
                starts_at=_time(request, "starts_at"),
                ends_at=_time(request, "ends_at"),
                place=request.place,
                online_url=request.online_url,
                recurrence=recurrence,
                sms_invite=request.sms_invite,
            )
        )
        return pb.ScheduleMeetingResponse(
            meetings=[meeting_message(m) for m in meetings], series_id=meetings[0].series_id
        )

    def CancelMeeting(self, request, context):
        meetings = life.cancel(request.meeting_id, request.reason, request.following)
        return pb.CancelMeetingResponse(meetings=[meeting_message(m) for m in meetings])

    def RecordMinutes(self, request, context):
        return meeting_message(life.record_minutes(request.meeting_id, request.minutes, list(request.attachments)))

    def RevealCheckInCode(self, request, context):
        code, opens, closes = life.reveal_code(request.meeting_id)
        return pb.CheckInCode(
            meeting_id=request.meeting_id, code=code, valid_from=timestamp(opens), valid_until=timestamp(closes)
        )

    def DecideLeave(self, request, context):
        return attendance_message(
            *life.decide_leave(request.meeting_id, request.account_id, request.approve, request.note)
        )

    def GetMeeting(self, request, context):
        return detail(*life.read(request.meeting_id))

    def ListOrgMeetings(self, request, context):
        meetings, cursor = life.list_org_meetings(request.org_id, request.page.page_size, request.page.cursor)
        return pb.ListMeetingsResponse(meetings=[meeting_message(m) for m in meetings], next_cursor=cursor)

    def ListRoster(self, request, context):
        meeting, rows, cursor = life.roster(request.meeting_id, request.page.page_size, request.page.cursor)
        return pb.ListRosterResponse(
            meeting=meeting_message(meeting),
            attendance=[attendance_message(meeting, a) for a in rows],
            next_cursor=cursor,
        )

    def ListMyMeetings(self, request, context):
        pairs, cursor = life.my_meetings(request.upcoming, request.page.page_size, request.page.cursor)
        return pb.ListMyMeetingsResponse(meetings=[detail(m, a) for m, a in pairs], next_cursor=cursor)

    def Rsvp(self, request, context):
        return detail(*life.rsvp(request.meeting_id, request.attending))

    def RequestLeave(self, request, context):
        return detail(*life.request_leave(request.meeting_id, request.reason))

    def CheckIn(self, request, context):
        return detail(*life.check_in(request.meeting_id, request.code))

    def JoinOnline(self, request, context):
        return detail(*life.join_online(request.meeting_id))

    def ComplianceReport(self, request, context):
        report = life.compliance(request.org_id, request.period)
        return pb.ComplianceReportResponse(
            org_id=request.org_id,
            period=report.period.label,
            as_of=timestamp(report.as_of),
            orgs=[
                pb.OrgCompliance(
                    org_id=o.org_id,
                    name=o.name,
                    type=o.type,
                    required=_required(o.compliance.items),
                    missed=_required(o.compliance.missed),
                    attendance=rate_message(o.attendance),
                    meetings_held=o.meetings_held,
                )
                for o in report.orgs
            ],
            missing_org_ids=[o.org_id for o in report.orgs if o.compliance.missed],
            total=rate_message(report.total),
            members=[
                pb.MemberAttendance(account_id=a, display_name=name, attendance=rate_message(r))
                for a, name, r in report.members
            ],
        )
