"""The gRPC servicer of service requests (服务): messages ↔ calls of service_requests.py.

Two renderings: `_summary` (metadata, for everyone concerned with a request; a subject only where the caller's
listing was audited) and `_request` (the content, only after service_requests.get audited the read).
"""

from __future__ import annotations

import datetime as dt

from jiceng.content.v1 import service_request_pb2 as pb
from jiceng.content.v1 import service_request_pb2_grpc
from kernel.wire import timestamp
from services.content import people
from services.content import service_requests as requests
from services.content.domain import service_requests as rules

SERVICE = "jiceng.content.v1.ServiceRequestService"


def _when(moment: dt.datetime | None):
    return timestamp(moment) if moment else None


def _names(rows: list[requests.ServiceRequest]) -> tuple[dict[str, str], dict[str, str]]:
    return people.names(r.counsellor_id for r in rows if r.counsellor_id), people.org_names(
        r.routed_org_id for r in rows
    )


def _summary(row: requests.ServiceRequest, names, org_names, with_subject: bool = False) -> pb.ServiceRequestSummary:
    return pb.ServiceRequestSummary(
        id=str(row.id),
        category=row.category,
        state=row.state,
        org_id=row.routed_org_id,
        org_name=org_names.get(row.routed_org_id, ""),
        counsellor_id=row.counsellor_id,
        counsellor_name=names.get(row.counsellor_id, ""),
        opened_at=_when(row.opened_at),
        due_at=_when(row.due_at),
        first_reply_at=_when(row.first_reply_at),
        closed_at=_when(row.closed_at),
        updated_at=_when(row.updated_at),
        overdue=requests.overdue_by(row) is not None,
        replies=row.reply_count,
        rating=row.rating,
        subject=row.subject if with_subject else "",
    )


def _one(row: requests.ServiceRequest) -> pb.ServiceRequestSummary:
    names, org_names = _names([row])
    return _summary(row, names, org_names)


def _page(rows, cursor: str, with_subject: bool = False) -> pb.ServiceRequestSummaries:
    names, org_names = _names(rows)
    return pb.ServiceRequestSummaries(
        requests=[_summary(r, names, org_names, with_subject) for r in rows], next_cursor=cursor
    )


def _request(row: requests.ServiceRequest, role: str) -> pb.ServiceRequest:
    names, org_names = _names([row])
    authors = people.names([row.member_id, *(x["author_id"] for x in row.replies)])
    return pb.ServiceRequest(
        summary=_summary(row, names, org_names),
        member_id=row.member_id,
        member_name=authors.get(row.member_id, ""),
        subject=row.subject,
        text=row.text,
        attachment_ids=row.attachment_ids,
        replies=[
            pb.ServiceReply(
                author_id=x["author_id"],
                author_name=authors.get(x["author_id"], ""),
                role=x["role"],
                text=x["text"],
                attachment_ids=x.get("attachment_ids", []),
                at=_when(x["at"]),
            )
            for x in row.replies
        ],
        rating_comment=row.rating_comment,
        role=role,
    )


def _counsellor(row: requests.Counsellor, names, org_names) -> pb.Counsellor:
    return pb.Counsellor(
        org_id=row.org_id,
        org_name=org_names.get(row.org_id, ""),
        category=row.category,
        account_id=row.account_id,
        display_name=names.get(row.account_id, ""),
        appointed_by=row.appointed_by,
        appointed_at=_when(row.appointed_at),
    )


class ServiceRequestApi(service_request_pb2_grpc.ServiceRequestServiceServicer):
    # -- counsellors -----------------------------------------------------------------------------------
    def AppointCounsellor(self, request, context):
        row = requests.appoint(request.org_id, request.category, request.account_id)
        return _counsellor(row, people.names([row.account_id]), people.org_names([row.org_id]))

    def RemoveCounsellor(self, request, context):
        return pb.CounsellorRemoved(requeued=requests.remove(request.org_id, request.category, request.account_id))

    def ListCounsellors(self, request, context):
        rows = requests.counsellors_of(request.org_id, request.category)
        names, org_names = people.names(r.account_id for r in rows), people.org_names([request.org_id])
        return pb.Counsellors(counsellors=[_counsellor(r, names, org_names) for r in rows])

    # -- requests --------------------------------------------------------------------------------------
    def OpenServiceRequest(self, request, context):
        r = request
        return _one(requests.open_request(r.category, r.subject, r.text, list(r.attachment_ids)))

    def ListMyServiceRequests(self, request, context):
        rows, cursor = requests.mine(request.page.page_size, request.page.cursor)
        return _page(rows, cursor, with_subject=True)

    def ListAssignedServiceRequests(self, request, context):
        rows, cursor = requests.assigned(request.page.page_size, request.page.cursor)
        return _page(rows, cursor, with_subject=True)

    def ListServiceQueue(self, request, context):
        rows, cursor = requests.queue(request.org_id, request.category, request.page.page_size, request.page.cursor)
        return _page(rows, cursor)

    def GetServiceRequest(self, request, context):
        return _request(*requests.get(request.request_id))

    def TakeServiceRequest(self, request, context):
        return _one(requests.take(request.request_id))

    def AssignServiceRequest(self, request, context):
        return _one(requests.assign(request.request_id, request.account_id))

    def ReplyToServiceRequest(self, request, context):
        return _one(requests.reply(request.request_id, request.text, list(request.attachment_ids)))

    def CloseServiceRequest(self, request, context):
        return _one(requests.close(request.request_id))

    def RateServiceRequest(self, request, context):
        return _one(requests.rate(request.request_id, request.rating, request.comment))

    # -- audit and reports -----------------------------------------------------------------------------
    def ListServiceRequestReads(self, request, context):
        rows, cursor = requests.reads(request.request_id, request.page.page_size, request.page.cursor)
        names = people.names(r.reader_id for r in rows)
        return pb.ServiceRequestReads(
            reads=[
                pb.ServiceRequestRead(
                    reader_id=r.reader_id,
                    reader_name=names.get(r.reader_id, ""),
                    role=r.role,
                    view=r.view,
                    at=_when(r.at),
                    call_id=r.call_id,
                )
                for r in rows
            ],
            next_cursor=cursor,
        )

    def GetOverdueReport(self, request, context):
        rows, cursor = requests.overdue(request.org_id, request.page.page_size, request.page.cursor)
        names, org_names = _names([row for row, _ in rows])
        return pb.OverdueReport(
            org_id=request.org_id,
            requests=[
                pb.OverdueRequest(request=_summary(row, names, org_names), hours_overdue=rules.hours(late))
                for row, late in rows
            ],
            next_cursor=cursor,
        )
