"""Notices (通知公告) over HTTP: publishing, read receipts per org, reminders. Permissions are decided by content."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from gateway.auth import CallerDep
from gateway.clients import call_for
from gateway.routes.common import Body, Cursor, Id, PageSize, PathId, page_request
from jiceng.content.v1 import notice_pb2 as pb

router = APIRouter(prefix="/api/v1", tags=["notices"])


class NoticeBody(Body):
    title: Annotated[str, Field(max_length=400)]
    body: Annotated[str, Field(max_length=20_000)]
    # more than the service's 9 are carried so that its message names the limit
    attachment_ids: Annotated[list[Id], Field(max_length=50)] = []
    target_org_ids: Annotated[list[Id], Field(max_length=100)] = []
    roles: Annotated[list[Annotated[str, Field(max_length=32)]], Field(max_length=10)] = []


class NoticeOut(BaseModel):
    id: str
    org_id: str
    author_id: str
    title: str
    body: str = ""
    attachment_ids: list[str]
    target_org_ids: list[str]
    roles: list[str]
    recipient_count: int = Field(description="so far, while publishing")
    published_at: dt.datetime | None = None
    recipient: bool
    read: bool
    read_at: dt.datetime | None = None
    publishing: bool = Field(False, description="still being delivered (a notice to many people)")


class NoticesOut(BaseModel):
    notices: list[NoticeOut]
    next_cursor: str = ""


class OrgCountOut(BaseModel):
    org_id: str
    org_name: str
    recipients: int
    read: int
    unread: int


class ReceiptsOut(BaseModel):
    orgs: list[OrgCountOut]
    below: list[OrgCountOut]
    next_cursor: str = ""


class ReaderOut(BaseModel):
    account_id: str
    display_name: str
    org_id: str
    read_at: dt.datetime | None = None


class ReadersOut(BaseModel):
    people: list[ReaderOut]
    next_cursor: str = ""


class ReminderOut(BaseModel):
    reminded: int


async def call(request: Request, who, method_name: str, message) -> dict:
    return await call_for(request, who, "notices", method_name, message)


@router.post(
    "/orgs/{org_id}/notices",
    response_model=NoticeOut,
    status_code=201,
    summary="Publish a notice to the org's subtree, or to chosen orgs of it and/or roles there",
)
async def publish_notice(org_id: PathId, body: NoticeBody, request: Request, who: CallerDep):
    message = pb.PublishNoticeRequest(
        org_id=org_id,
        title=body.title,
        body=body.body,
        attachment_ids=body.attachment_ids,
        target_org_ids=body.target_org_ids,
        roles=body.roles,
    )
    return await call(request, who, "PublishNotice", message)


@router.get("/orgs/{org_id}/notices", response_model=NoticesOut, summary="Notices an org sent, newest first")
async def list_org_notices(
    org_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""
):
    message = pb.ListOrgNoticesRequest(org_id=org_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListOrgNotices", message)


@router.get("/notices", response_model=NoticesOut, summary="Notices addressed to you, newest first")
async def list_my_notices(request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    return await call(request, who, "ListMyNotices", pb.ListMyNoticesRequest(page=page_request(page_size, cursor)))


@router.get("/notices/{notice_id}", response_model=NoticeOut)
async def get_notice(notice_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetNotice", pb.NoticeRef(notice_id=notice_id))


@router.post("/notices/{notice_id}/read", response_model=NoticeOut, summary="Mark a notice read (idempotent)")
async def mark_read(notice_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "MarkNoticeRead", pb.NoticeRef(notice_id=notice_id))


@router.get(
    "/notices/{notice_id}/receipts",
    response_model=ReceiptsOut,
    summary="Recipients and readers of the targets, or of one org and per org below it",
)
async def receipts(
    notice_id: PathId,
    request: Request,
    who: CallerDep,
    org_id: Annotated[str, Query(max_length=64)] = "",
    page_size: PageSize = 50,
    cursor: Cursor = "",
):
    message = pb.NoticeReceiptsRequest(notice_id=notice_id, org_id=org_id, page=page_request(page_size, cursor))
    return await call(request, who, "GetNoticeReceipts", message)


@router.get(
    "/notices/{notice_id}/readers",
    response_model=ReadersOut,
    summary="Who in an org's subtree has (read=true) or has not read it",
)
async def readers(
    notice_id: PathId,
    request: Request,
    who: CallerDep,
    org_id: Annotated[str, Query(min_length=1, max_length=64)],
    read: bool = False,
    page_size: PageSize = 50,
    cursor: Cursor = "",
):
    message = pb.NoticeReadersRequest(
        notice_id=notice_id, org_id=org_id, read=read, page=page_request(page_size, cursor)
    )
    return await call(request, who, "ListNoticeReaders", message)


@router.post(
    "/notices/{notice_id}/reminders",
    response_model=ReminderOut,
    summary="Remind those who have not read it (once an hour)",
)
async def remind(notice_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "RemindUnread", pb.NoticeRef(notice_id=notice_id))
