"""Text messages (短信) over HTTP: the region's templates and signature, sends for an org (to people, phone
numbers or its whole subtree, now or scheduled), their messages and statuses, what each org's SMS cost this
month, and a member's own opt-out. Permissions, quotas and rate limits are decided by sms.

A send: `POST /api/v1/orgs/{org_id}/sms/sends` → 201 with the send (status `resolving` or `scheduled`);
`GET /api/v1/sms/sends/{id}` shows its counts going from queued to submitted to delivered. Phones are shown
masked. Quota or rate exceeded: 429 with `sms_quota_exceeded` / `sms_rate_limited`; a bad number: 400
naming `phones[i]`, before anything is sent or paid.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from gateway.auth import CallerDep
from gateway.clients import call_for
from gateway.routes.common import Body, Cursor, Id, PageSize, PathId, timestamp_of
from jiceng.sms.v1 import sms_pb2 as pb

router = APIRouter(prefix="/api/v1", tags=["sms"])

TemplateCode = Annotated[str, Path(min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9_]+$")]
Month = Annotated[str, Query(max_length=7, pattern=r"^(\d{4}-\d{2})?$", description="YYYY-MM; empty: this month")]


class TemplateBody(Body):
    name: Annotated[str, Field(min_length=1, max_length=40)]
    text: Annotated[str, Field(min_length=1, max_length=500, examples=["${org}定于${time}召开党员大会，请准时参加。"])]
    provider_code: Annotated[str, Field(max_length=40)] = ""
    active: bool = True


class TemplateOut(BaseModel):
    code: str
    name: str
    text: str
    variables: list[str]
    provider_code: str
    system: bool
    active: bool
    updated_at: str | None = None


class TemplatesOut(BaseModel):
    templates: list[TemplateOut]


class RegionSettingsBody(Body):
    signature: Annotated[str, Field(max_length=12, description="签名, without 【】; empty keeps it")] = ""
    monthly_quota: Annotated[int, Field(ge=0, description="parts per month for the region; 0 keeps it")] = 0


class RegionSettingsOut(BaseModel):
    signature: str
    monthly_quota: int
    price_li: int


class SendBody(Body):
    template_code: Annotated[str, Field(min_length=2, max_length=40)]
    variables: Annotated[dict[str, Annotated[str, Field(max_length=100)]], Field(max_length=20)] = {}
    account_ids: Annotated[list[Id], Field(max_length=1000)] = []
    phones: Annotated[list[Annotated[str, Field(max_length=20)]], Field(max_length=1000)] = []
    to_subtree: bool = Field(False, description="everyone whose home org is this org or below")
    scheduled_at: dt.datetime | None = Field(None, description="later (at most 30 days ahead); absent: now")
    idempotency_key: Annotated[str, Field(max_length=100)] = ""


class CountsOut(BaseModel):
    queued: int
    submitted: int
    delivered: int
    failed: int
    cancelled: int
    skipped: int


class SendOut(BaseModel):
    send_id: str
    org_id: str
    kind: str
    template_code: str
    text: str
    parts: int
    status: str
    recipients: int
    counts: CountsOut
    scheduled_at: str | None = None
    created_at: str
    created_by: str
    refusal: str


class SendsOut(BaseModel):
    sends: list[SendOut]
    next_cursor: str


class MessageOut(BaseModel):
    message_id: str
    phone_masked: str
    account_id: str
    status: str
    error: str
    parts: int
    attempts: int
    submitted_at: str | None = None
    final_at: str | None = None


class MessagesOut(BaseModel):
    messages: list[MessageOut]
    next_cursor: str


class UsageOut(BaseModel):
    org_id: str
    month: str
    charged: int = Field(description="parts counted against the quota")
    sent: int = Field(description="parts the provider accepted")
    cost_li: int = Field(description="厘 (0.001 yuan)")
    quota: int
    messages: int


class QuotaBody(Body):
    monthly_quota: Annotated[int, Field(ge=0, description="parts per month; 0: the default")]


class OptOutBody(Body):
    opted_out: bool


class OptOutOut(BaseModel):
    opted_out: bool
    via: str
    at: str | None = None
    phone_masked: str


INT_FIELDS = ("monthly_quota", "price_li", "recipients", "charged", "sent", "cost_li", "quota", "messages")


def _ints(data: dict) -> dict:
    """int64 fields arrive as strings in JSON from protobuf: numbers again."""
    for key in INT_FIELDS:
        if isinstance(data.get(key), str | int):  # (a listing's "messages" is a list, not a count)
            data[key] = int(data[key])
    if "counts" in data:
        data["counts"] = {k: int(v) for k, v in data["counts"].items()}
    for key in ("updated_at", "scheduled_at", "submitted_at", "final_at", "at"):
        if key in data and data[key] in ("", "1970-01-01T00:00:00Z"):
            data[key] = None
    return data


async def call(request: Request, who, method_name: str, message) -> dict:
    return _ints(await call_for(request, who, "sms", method_name, message))


@router.get("/sms/templates", response_model=TemplatesOut, summary="The region's SMS templates")
async def list_templates(request: Request, who: CallerDep):
    data = await call(request, who, "ListTemplates", pb.ListTemplatesRequest())
    return {"templates": [_ints(t) for t in data["templates"]]}


@router.put("/sms/templates/{code}", response_model=TemplateOut, summary="Add or change a template (region admins)")
async def put_template(code: TemplateCode, body: TemplateBody, request: Request, who: CallerDep):
    return await call(request, who, "PutTemplate", pb.PutTemplateRequest(code=code, **body.model_dump()))


@router.get("/sms/settings", response_model=RegionSettingsOut, summary="Signature and monthly limit (region admins)")
async def region_settings(request: Request, who: CallerDep):
    return await call(request, who, "GetRegionSettings", pb.GetRegionSettingsRequest())


@router.patch("/sms/settings", response_model=RegionSettingsOut, summary="Change the signature or monthly limit")
async def update_region_settings(body: RegionSettingsBody, request: Request, who: CallerDep):
    return await call(request, who, "UpdateRegionSettings", pb.UpdateRegionSettingsRequest(**body.model_dump()))


@router.post("/orgs/{org_id}/sms/sends", response_model=SendOut, status_code=201, summary="Send a text message")
async def send(org_id: PathId, body: SendBody, request: Request, who: CallerDep):
    fields = body.model_dump(exclude={"scheduled_at"})
    message = pb.SendRequest(org_id=org_id, **fields)
    if body.scheduled_at is not None:
        message.scheduled_at.CopyFrom(timestamp_of(body.scheduled_at))
    return await call(request, who, "Send", message)


@router.get("/orgs/{org_id}/sms/sends", response_model=SendsOut, summary="The org's sends, oldest first")
async def list_sends(org_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    data = await call(request, who, "ListSends", pb.ListSendsRequest(org_id=org_id, page_size=page_size, cursor=cursor))
    return {"sends": [_ints(s) for s in data["sends"]], "next_cursor": data["next_cursor"]}


@router.get("/sms/sends/{send_id}", response_model=SendOut, summary="A send and its counts")
async def get_send(send_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetSend", pb.SendRef(send_id=send_id))


@router.post("/sms/sends/{send_id}/cancel", response_model=SendOut, summary="Cancel what has not gone out")
async def cancel_send(send_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "CancelSend", pb.SendRef(send_id=send_id))


@router.get("/sms/sends/{send_id}/messages", response_model=MessagesOut, summary="A send's messages (phones masked)")
async def list_messages(
    send_id: PathId,
    request: Request,
    who: CallerDep,
    status: Annotated[str, Query(max_length=16)] = "",
    page_size: PageSize = 50,
    cursor: Cursor = "",
):
    message = pb.ListMessagesRequest(send_id=send_id, status=status, page_size=page_size, cursor=cursor)
    data = await call(request, who, "ListMessages", message)
    return {"messages": [_ints(m) for m in data["messages"]], "next_cursor": data["next_cursor"]}


@router.get("/orgs/{org_id}/sms/usage", response_model=UsageOut, summary="The org's SMS this month: parts and cost")
async def usage(org_id: PathId, request: Request, who: CallerDep, month: Month = ""):
    return await call(request, who, "GetUsage", pb.GetUsageRequest(org_id=org_id, month=month))


@router.get("/sms/usage", response_model=UsageOut, summary="The whole region's SMS this month (region admins)")
async def region_usage(request: Request, who: CallerDep, month: Month = ""):
    return await call(request, who, "GetUsage", pb.GetUsageRequest(org_id="", month=month))


@router.put("/orgs/{org_id}/sms/quota", response_model=UsageOut, summary="Set the org's monthly quota (region admins)")
async def set_quota(org_id: PathId, body: QuotaBody, request: Request, who: CallerDep):
    return await call(request, who, "SetQuota", pb.SetQuotaRequest(org_id=org_id, monthly_quota=body.monthly_quota))


@router.get("/me/sms-opt-out", response_model=OptOutOut, summary="Whether my phone gets notifications by SMS")
async def my_opt_out(request: Request, who: CallerDep):
    return await call(request, who, "GetMyOptOut", pb.GetMyOptOutRequest())


@router.put("/me/sms-opt-out", response_model=OptOutOut, summary="Stop (or restart) notifications by SMS")
async def set_my_opt_out(body: OptOutBody, request: Request, who: CallerDep):
    return await call(request, who, "SetMyOptOut", pb.SetMyOptOutRequest(opted_out=body.opted_out))
