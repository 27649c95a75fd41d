"""Service requests (服务) over HTTP: an org's counsellors per category; a member's private legal, policy,
psychological or business consultation request, the counsellors' queues, replies, closing and rating; who
read a request; the overdue report. Permissions, privacy and limits are decided by content.

Only `GET /service-requests/{id}` answers a request's text and replies, and `GET /service-requests` and
`/service-requests/assigned` its subject: each of those reads is audited (`GET /service-requests/{id}/reads`).
The queue and the overdue report are metadata only (their models have no subject or text)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from gateway.auth import CallerDep
from gateway.clients import call_for
from gateway.routes.common import Body, Cursor, PageSize, PathId, page_request
from jiceng.content.v1 import service_request_pb2 as pb

router = APIRouter(prefix="/api/v1", tags=["service requests"])

CATEGORIES = ["legal", "policy", "psychological", "business"]
CategoryPath = Annotated[str, Path(min_length=1, max_length=32, examples=CATEGORIES)]
CategoryFilter = Annotated[str, Query(max_length=32, examples=CATEGORIES, description="one category (default: all)")]


# -- bodies (limits here only bound what is carried; content names the field and its own limit) ----------


class CounsellorBody(Body):
    category: Annotated[str, Field(max_length=32, examples=CATEGORIES)]
    account_id: Annotated[str, Field(min_length=1, max_length=64)]


class RequestBody(Body):
    category: Annotated[str, Field(max_length=32, examples=CATEGORIES)]
    subject: Annotated[str, Field(max_length=400)]
    text: Annotated[str, Field(max_length=20_000)]
    attachment_ids: Annotated[list[Annotated[str, Field(max_length=128)]], Field(max_length=50)] = []


class AssignBody(Body):
    account_id: Annotated[str, Field(min_length=1, max_length=64)]


class ReplyBody(Body):
    text: Annotated[str, Field(max_length=20_000)]
    attachment_ids: Annotated[list[Annotated[str, Field(max_length=128)]], Field(max_length=50)] = []


class RatingBody(Body):
    rating: Annotated[int, Field(ge=-1_000, le=1_000, description="1 (poor) to 5 (very satisfied)")]
    comment: Annotated[str, Field(max_length=2_000)] = ""


# -- answers -------------------------------------------------------------------------------------------


class CounsellorOut(BaseModel):
    org_id: str
    org_name: str
    category: str
    account_id: str
    display_name: str
    appointed_by: str
    appointed_at: dt.datetime | None = None


class CounsellorsOut(BaseModel):
    counsellors: list[CounsellorOut]


class RemovedOut(BaseModel):
    requeued: int


class SummaryOut(BaseModel):
    """A request's metadata: never its member, subject or text."""

    id: str
    category: str
    state: str
    org_id: str
    org_name: str
    counsellor_id: str
    counsellor_name: str
    opened_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    first_reply_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    overdue: bool
    replies: int
    rating: int


class ListedOut(SummaryOut):
    """A request in its member's or its counsellor's own listing: with its subject."""

    subject: str


class SummariesOut(BaseModel):
    requests: list[SummaryOut]
    next_cursor: str = ""


class ListedPageOut(BaseModel):
    requests: list[ListedOut]
    next_cursor: str = ""


class ReplyOut(BaseModel):
    author_id: str
    author_name: str
    role: str
    text: str
    attachment_ids: list[str]
    at: dt.datetime | None = None


class RequestOut(BaseModel):
    summary: SummaryOut
    member_id: str
    member_name: str
    subject: str
    text: str
    attachment_ids: list[str]
    replies: list[ReplyOut]
    rating_comment: str
    role: str


class ReadOut(BaseModel):
    reader_id: str
    reader_name: str
    role: str
    view: str
    at: dt.datetime | None = None
    call_id: str


class ReadsOut(BaseModel):
    reads: list[ReadOut]
    next_cursor: str = ""


class OverdueOut(BaseModel):
    request: SummaryOut
    hours_overdue: float


class OverdueReportOut(BaseModel):
    org_id: str
    requests: list[OverdueOut]
    next_cursor: str = ""


async def call(request: Request, who, method_name: str, message) -> dict:
    return await call_for(request, who, "service_requests", method_name, message)


# -- counsellors ---------------------------------------------------------------------------------------


@router.post(
    "/orgs/{org_id}/counsellors",
    response_model=CounsellorOut,
    status_code=201,
    summary="Appoint a counsellor of the org for a category",
)
async def appoint_counsellor(org_id: PathId, body: CounsellorBody, request: Request, who: CallerDep):
    message = pb.CounsellorRef(org_id=org_id, category=body.category, account_id=body.account_id)
    return await call(request, who, "AppointCounsellor", message)


@router.delete(
    "/orgs/{org_id}/counsellors/{category}/{account_id}",
    response_model=RemovedOut,
    summary="End an appointment (the counsellor's unfinished requests go back to the queue)",
)
async def remove_counsellor(
    org_id: PathId, category: CategoryPath, account_id: PathId, request: Request, who: CallerDep
):
    message = pb.CounsellorRef(org_id=org_id, category=category, account_id=account_id)
    return await call(request, who, "RemoveCounsellor", message)


@router.get("/orgs/{org_id}/counsellors", response_model=CounsellorsOut, summary="The org's counsellors")
async def list_counsellors(org_id: PathId, request: Request, who: CallerDep, category: CategoryFilter = ""):
    return await call(request, who, "ListCounsellors", pb.ListCounsellorsRequest(org_id=org_id, category=category))


# -- requests (the fixed paths before /service-requests/{request_id}) ------------------------------------


@router.post(
    "/service-requests",
    response_model=SummaryOut,
    status_code=201,
    summary="Open a private request (routed to the nearest org of your path with counsellors of its category)",
)
async def open_request(body: RequestBody, request: Request, who: CallerDep):
    return await call(request, who, "OpenServiceRequest", pb.ServiceRequestInput(**body.model_dump()))


@router.get("/service-requests", response_model=ListedPageOut, summary="Your requests, newest first")
async def my_requests(request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    message = pb.ListServiceRequestsRequest(page=page_request(page_size, cursor))
    return await call(request, who, "ListMyServiceRequests", message)


@router.get(
    "/service-requests/assigned", response_model=ListedPageOut, summary="Requests assigned to you, newest first"
)
async def assigned_requests(request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    message = pb.ListServiceRequestsRequest(page=page_request(page_size, cursor))
    return await call(request, who, "ListAssignedServiceRequests", message)


@router.get(
    "/service-requests/queue",
    response_model=SummariesOut,
    summary="Open requests waiting in your queues (or every queue of an org you manage), oldest first; metadata",
)
async def queue(
    request: Request,
    who: CallerDep,
    org_id: Annotated[str, Query(max_length=64, description="an org you manage (default: your own queues)")] = "",
    category: CategoryFilter = "",
    page_size: PageSize = 50,
    cursor: Cursor = "",
):
    message = pb.ServiceQueueRequest(org_id=org_id, category=category, page=page_request(page_size, cursor))
    return await call(request, who, "ListServiceQueue", message)


@router.get("/service-requests/{request_id}", response_model=RequestOut, summary="A request with its replies (audited)")
async def get_request(request_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetServiceRequest", pb.ServiceRequestRef(request_id=request_id))


@router.post(
    "/service-requests/{request_id}/take", response_model=SummaryOut, summary="Take an open request of your queue"
)
async def take(request_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "TakeServiceRequest", pb.ServiceRequestRef(request_id=request_id))


@router.post(
    "/service-requests/{request_id}/assign",
    response_model=SummaryOut,
    summary="Give a request to a counsellor of its queue (service.manage on its org)",
)
async def assign(request_id: PathId, body: AssignBody, request: Request, who: CallerDep):
    message = pb.AssignServiceRequestRequest(request_id=request_id, account_id=body.account_id)
    return await call(request, who, "AssignServiceRequest", message)


@router.post(
    "/service-requests/{request_id}/replies",
    response_model=SummaryOut,
    status_code=201,
    summary="Reply (the member, or the assigned counsellor: whose reply answers the request)",
)
async def reply(request_id: PathId, body: ReplyBody, request: Request, who: CallerDep):
    message = pb.ServiceReplyInput(request_id=request_id, text=body.text, attachment_ids=body.attachment_ids)
    return await call(request, who, "ReplyToServiceRequest", message)


@router.post("/service-requests/{request_id}/close", response_model=SummaryOut, summary="Close a request")
async def close(request_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "CloseServiceRequest", pb.ServiceRequestRef(request_id=request_id))


@router.post(
    "/service-requests/{request_id}/rating",
    response_model=SummaryOut,
    summary="Rate an answered or closed request of yours, once",
)
async def rate(request_id: PathId, body: RatingBody, request: Request, who: CallerDep):
    message = pb.ServiceRatingInput(request_id=request_id, rating=body.rating, comment=body.comment)
    return await call(request, who, "RateServiceRequest", message)


@router.get(
    "/service-requests/{request_id}/reads",
    response_model=ReadsOut,
    summary="Who read a request (its member; auditors and region admins)",
)
async def reads(request_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    message = pb.ListServiceRequestReadsRequest(request_id=request_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListServiceRequestReads", message)


@router.get(
    "/orgs/{org_id}/service-requests/overdue",
    response_model=OverdueReportOut,
    summary="Requests of the org's subtree answered later than their target or still waiting past it",
)
async def overdue(org_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    message = pb.OverdueReportRequest(org_id=org_id, page=page_request(page_size, cursor))
    return await call(request, who, "GetOverdueReport", message)
