"""Membership transfers (组织关系转接) and mobile members (流动党员) over HTTP. Permissions are decided by orgs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from gateway.auth import CallerDep
from gateway.clients import call_for
from gateway.federation import routes as federation
from gateway.routes.orgs import AttendanceOut, Body, Cursor, Day, Id, PageSize, page_request
from jiceng.orgs.v1 import transfer_pb2 as pb
from kernel.errors import DomainError, ErrorCode

router = APIRouter(prefix="/api/v1", tags=["transfers"])

Step = Literal["approve_out", "reject_out", "accept_in", "reject_in", "cancel"]
Reason = Annotated[str, Field(max_length=500)]


class RequestTransferBody(Body):
    membership_id: Annotated[str, Field(max_length=64, description="Empty: your own membership")] = ""
    to_org_id: Id
    reason: Reason = ""
    to_region: Annotated[
        str, Field(max_length=32, description="Another region the org is in (a registered peer); empty: this region")
    ] = ""


class StepBody(Body):
    reason: Annotated[str, Field(max_length=500, description="Required to reject")] = ""


class RegisterOutflowBody(Body):
    membership_id: Annotated[str, Field(max_length=64, description="Empty: your own membership")] = ""
    destination: Annotated[str, Field(min_length=1, max_length=100, examples=["北京市朝阳区"])]
    reason: Reason = ""
    left_on: Day
    expected_return_on: Day = ""
    host_org_id: Annotated[str, Field(max_length=64)] = ""
    host_region: Annotated[
        str, Field(max_length=32, description="Another region the host org is in (a registered peer); empty: here")
    ] = ""


class EndPeriodBody(Body):
    returned_on: Day = ""
    note: Reason = ""


class ReportBody(Body):
    text: Annotated[str, Field(min_length=1, max_length=5000)]


class TransferStepOut(BaseModel):
    step: str
    actor_id: str
    from_state: str
    to_state: str
    reason: str
    at: dt.datetime | None = None


class TransferOut(BaseModel):
    id: str
    membership_id: str
    account_id: str
    display_name: str
    from_org_id: str
    to_org_id: str
    to_region: str
    state: str
    version: int
    letter_no: str
    reason: str
    requested_by: str
    requested_at: dt.datetime | None = None
    steps: list[TransferStepOut]
    allowed_steps: list[str]
    attendance: AttendanceOut | None = Field(
        None, description="The dossier's attendance summary, taken when the outgoing org approves"
    )
    to_org_name: str = Field("", description="Out to another region: the incoming org's name there")
    from_region: str = Field("", description="Into this region from another: the region deciding it")
    from_org_name: str = ""
    awaiting_peer: str = Field("", description="A step taken here, waiting for the outgoing region to take it")


class TransferPageOut(BaseModel):
    transfers: list[TransferOut]
    next_cursor: str = ""


class RegistrationOut(BaseModel):
    id: str
    membership_id: str
    account_id: str
    display_name: str
    home_org_id: str
    host_org_id: str
    destination: str
    reason: str
    left_on: str
    expected_return_on: str
    state: str
    registered_by: str
    accepted_by: str
    ended_by: str
    returned_on: str
    end_note: str
    created_at: dt.datetime | None = None
    host_region: str = Field("", description="Hosted in another region: that region")
    host_org_name: str = ""
    from_region: str = Field("", description="A member of another region hosted here: their home region")
    home_org_name: str = ""
    awaiting_peer: str = Field("", description="A step taken here, waiting for the home region to take it")


class RegistrationPageOut(BaseModel):
    registrations: list[RegistrationOut]
    next_cursor: str = ""


class ReportOut(BaseModel):
    id: str
    registration_id: str
    account_id: str
    home_org_id: str
    text: str
    submitted_at: dt.datetime | None = None


class ReportPageOut(BaseModel):
    reports: list[ReportOut]
    next_cursor: str = ""


async def call(request: Request, who, method_name: str, message):
    return await call_for(request, who, "transfers", method_name, message)


# -- transfers -------------------------------------------------------------------------------------------


@router.post(
    "/transfers",
    response_model=TransferOut,
    status_code=201,
    summary="Request a transfer (your own, or of a member of an org you manage)",
)
async def request_transfer(body: RequestTransferBody, request: Request, who: CallerDep):
    to_region = body.to_region if body.to_region != request.app.state.config.region else ""
    to_org_name = await _remote_org_name(request, to_region, body.to_org_id, who.account_id) if to_region else ""
    message = pb.RequestTransferRequest(
        membership_id=body.membership_id,
        to_org_id=body.to_org_id,
        reason=body.reason,
        to_region=to_region,
        to_org_name=to_org_name,
    )
    return await call(request, who, "RequestTransfer", message)


async def _remote_org_name(request: Request, region: str, org_id: str, who: str, field: str = "to_org_id") -> str:
    """Ask the incoming org's region about it (signed, audited both sides): its name, if it takes members."""
    path = f"/orgs/{quote(org_id, safe='')}"
    region_field = "host_region" if field == "host_org_id" else "to_region"
    status, body = await federation.peers_of(request).call(region, "GET", path, field=region_field)
    await federation.audit_outbound(request, region, "GET", path, status, "orgs.describe", who)
    if status == 404:
        raise DomainError(ErrorCode.NOT_FOUND, "org_unknown", field, org_id=org_id)
    if status != 200:
        raise DomainError(ErrorCode.UNAVAILABLE, "federation_peer_unavailable", region=region)
    if body.get("dissolved"):
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "org_dissolved", field)
    return str(body.get("name", ""))


@router.get("/transfers", response_model=TransferPageOut, summary="Your own transfers")
async def my_transfers(request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    return await call(request, who, "ListMyTransfers", pb.ListMyTransfersRequest(page=page_request(page_size, cursor)))


@router.get("/transfers/{transfer_id}", response_model=TransferOut)
async def get_transfer(transfer_id: Id, request: Request, who: CallerDep):
    return await call(request, who, "GetTransfer", pb.GetTransferRequest(transfer_id=transfer_id))


@router.post(
    "/transfers/{transfer_id}/{step}",
    response_model=TransferOut,
    summary="Take a step: approve_out / reject_out (outgoing org), accept_in / reject_in (incoming org), cancel",
    description="Idempotent: repeating a step already taken answers the transfer unchanged.",
)
async def take_step(transfer_id: Id, step: Step, request: Request, who: CallerDep, body: StepBody | None = None):
    message = pb.TakeTransferStepRequest(transfer_id=transfer_id, step=step, reason=body.reason if body else "")
    return await call(request, who, "TakeTransferStep", message)


@router.get("/orgs/{org_id}/transfers", response_model=TransferPageOut, summary="Transfers out of or into a subtree")
async def org_transfers(
    org_id: Id,
    request: Request,
    who: CallerDep,
    direction: Literal["outgoing", "incoming"] = "outgoing",
    state: Annotated[str, Query(max_length=32)] = "",
    page_size: PageSize = 50,
    cursor: Cursor = "",
):
    message = pb.ListOrgTransfersRequest(
        org_id=org_id, direction=direction, state=state, page=page_request(page_size, cursor)
    )
    return await call(request, who, "ListOrgTransfers", message)


# -- mobile members --------------------------------------------------------------------------------------


@router.post(
    "/mobile-registrations",
    response_model=RegistrationOut,
    status_code=201,
    tags=["mobile members"],
    summary="Register an outflow (流出): yours, or of a member of an org you manage",
)
async def register_outflow(body: RegisterOutflowBody, request: Request, who: CallerDep):
    host_region = body.host_region if body.host_region != request.app.state.config.region else ""
    if host_region and not body.host_org_id:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "field_required", "host_org_id")
    host_org_name = (
        await _remote_org_name(request, host_region, body.host_org_id, who.account_id, "host_org_id")
        if host_region
        else ""
    )
    message = pb.RegisterOutflowRequest(
        host_region=host_region,
        host_org_name=host_org_name,
        membership_id=body.membership_id,
        destination=body.destination,
        reason=body.reason,
        left_on=body.left_on,
        expected_return_on=body.expected_return_on,
        host_org_id=body.host_org_id,
    )
    return await call(request, who, "RegisterOutflow", message)


@router.get(
    "/mobile-registrations",
    response_model=RegistrationPageOut,
    tags=["mobile members"],
    summary="Your own mobile-member registrations",
)
async def my_registrations(request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    message = pb.ListMyMobileRegistrationsRequest(page=page_request(page_size, cursor))
    return await call(request, who, "ListMyMobileRegistrations", message)


@router.get("/mobile-registrations/{registration_id}", response_model=RegistrationOut, tags=["mobile members"])
async def get_registration(registration_id: Id, request: Request, who: CallerDep):
    message = pb.GetMobileRegistrationRequest(registration_id=registration_id)
    return await call(request, who, "GetMobileRegistration", message)


@router.post(
    "/mobile-registrations/{registration_id}/accept",
    response_model=RegistrationOut,
    tags=["mobile members"],
    summary="Accept the inflow (流入) at the named host org",
)
async def accept_inflow(registration_id: Id, request: Request, who: CallerDep):
    return await call(request, who, "AcceptInflow", pb.AcceptInflowRequest(registration_id=registration_id))


@router.post(
    "/mobile-registrations/{registration_id}/end",
    response_model=RegistrationOut,
    tags=["mobile members"],
    summary="End the mobile period (the member is back)",
)
async def end_period(registration_id: Id, request: Request, who: CallerDep, body: EndPeriodBody | None = None):
    body = body or EndPeriodBody()
    message = pb.EndMobilePeriodRequest(registration_id=registration_id, returned_on=body.returned_on, note=body.note)
    return await call(request, who, "EndMobilePeriod", message)


@router.post(
    "/mobile-registrations/{registration_id}/reports",
    response_model=ReportOut,
    status_code=201,
    tags=["mobile members"],
    summary="Report back to the home org (思想汇报)",
)
async def submit_report(registration_id: Id, body: ReportBody, request: Request, who: CallerDep):
    message = pb.SubmitMobileReportRequest(registration_id=registration_id, text=body.text)
    return await call(request, who, "SubmitMobileReport", message)


@router.get(
    "/mobile-registrations/{registration_id}/reports",
    response_model=ReportPageOut,
    tags=["mobile members"],
    summary="Reports back (the member and the home org)",
)
async def list_reports(
    registration_id: Id, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""
):
    message = pb.ListMobileReportsRequest(registration_id=registration_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListMobileReports", message)


@router.get(
    "/orgs/{org_id}/mobile-members",
    response_model=RegistrationPageOut,
    tags=["mobile members"],
    summary="Members of the subtree who went out (side=home), or mobile members it hosts (side=host)",
)
async def org_mobile_members(
    org_id: Id,
    request: Request,
    who: CallerDep,
    side: Literal["home", "host"] = "home",
    state: Annotated[str, Query(max_length=32)] = "",
    page_size: PageSize = 50,
    cursor: Cursor = "",
):
    message = pb.ListOrgMobileMembersRequest(
        org_id=org_id, side=side, state=state, page=page_request(page_size, cursor)
    )
    return await call(request, who, "ListOrgMobileMembers", message)
