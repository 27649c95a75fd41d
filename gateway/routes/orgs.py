"""orgs over HTTP: the org tree, memberships, roles, dues. Permissions are decided by orgs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from gateway.auth import CallerDep
from gateway.clients import as_json, call_for
from gateway.routes.common import Body, Cursor, Id, PageSize
from jiceng.orgs.v1 import orgs_pb2 as pb

router = APIRouter(prefix="/api/v1", tags=["orgs"])

Day = Annotated[str, Field(max_length=10, examples=["2026-07-01"])]


class Point(Body):
    lng: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]


class CreateOrgBody(Body):
    parent_id: Annotated[str, Field(max_length=64)] = ""
    name: Annotated[str, Field(min_length=1, max_length=100)]
    type: Annotated[str, Field(max_length=32, examples=["branch"])]
    category: Annotated[str, Field(max_length=32, examples=["office_tower"])] = ""
    slug: Annotated[str, Field(max_length=64)] = ""
    address: Annotated[str, Field(max_length=200)] = ""
    location: Point | None = None


class UpdateOrgBody(Body):
    name: Annotated[str, Field(max_length=100)] = ""
    category: Annotated[str, Field(max_length=32)] = ""
    address: Annotated[str, Field(max_length=200)] = ""
    slug: Annotated[str, Field(max_length=64)] = ""
    location: Point | None = None


class MoveBody(Body):
    new_parent_id: Id


class MergeBody(Body):
    target_id: Id


class DissolveBody(Body):
    reason: Annotated[str, Field(max_length=500)] = ""


class AddMemberBody(Body):
    account_id: Id
    status: Annotated[str, Field(max_length=32)] = "applicant"
    effective_on: Day = ""
    display_name: Annotated[str, Field(max_length=64)] = ""
    note: Annotated[str, Field(max_length=500)] = ""


class StatusBody(Body):
    to_status: Annotated[str, Field(min_length=1, max_length=32, examples=["full"])]
    effective_on: Day = ""
    note: Annotated[str, Field(max_length=500)] = ""


class RoleBody(Body):
    role: Annotated[str, Field(min_length=1, max_length=32, examples=["secretary"])]


class DuesBody(Body):
    month: Annotated[str, Field(min_length=1, max_length=7, examples=["2026-11"])]
    amount_fen: Annotated[int, Field(ge=1, le=10_000_000)]


class OrgOut(BaseModel):
    id: str
    name: str
    type: str
    category: str
    parent_id: str
    path: list[str]
    slug: str
    address: str
    location: dict[str, float] | None = None
    dissolved: bool
    created_at: dt.datetime | None = None


class OrgPageOut(BaseModel):
    orgs: list[OrgOut]
    next_cursor: str = ""


class StatsOut(BaseModel):
    org_id: str
    members_by_status: dict[str, int]
    orgs_by_type: dict[str, int]
    members_total: int
    orgs_total: int


class ChangeOut(BaseModel):
    id: str
    org_id: str
    kind: str
    actor_id: str
    at: dt.datetime | None = None
    before_json: str
    after_json: str


class HistoryOut(BaseModel):
    changes: list[ChangeOut]
    next_cursor: str = ""


class AttendanceTallyOut(BaseModel):
    meeting_type: str = Field(description="Empty in the total")
    invited: int
    attended: int
    on_leave: int = Field(description="Excused: leave approved")
    absent: int
    rate: float = Field(description="attended / (invited - on_leave); 0 when nothing was expected")


class AttendanceOut(BaseModel):
    """Org life over the twelve months before a transfer's outgoing approval (held meetings only)."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    total: AttendanceTallyOut
    by_type: list[AttendanceTallyOut]


class StepOut(BaseModel):
    status: str
    effective_on: str
    approved_by: str
    org_id: str
    note: str
    recorded_at: dt.datetime | None = None
    attendance: AttendanceOut | None = Field(None, description="On a transfer's step: the org life brought along")


class MembershipOut(BaseModel):
    id: str
    account_id: str
    org_id: str
    status: str
    status_since: str
    roles: list[str]
    dues_paid_up_to: str
    display_name: str
    history: list[StepOut] = []


class MemberPageOut(BaseModel):
    members: list[MembershipOut]
    next_cursor: str = ""


class DuesOut(BaseModel):
    id: str
    membership_id: str
    account_id: str
    org_id: str
    month: str
    amount_fen: int
    recorded_by: str
    recorded_at: dt.datetime | None = None


class DuesListOut(BaseModel):
    records: list[DuesOut]


class DossierOut(BaseModel):
    membership: MembershipOut
    dues: list[DuesOut]


class ArrearOut(BaseModel):
    membership: MembershipOut
    months_owed: int


class ArrearsOut(BaseModel):
    arrears: list[ArrearOut]
    next_cursor: str = ""
    total_in_arrears: int


def as_dict(message) -> dict:
    """A reply as JSON-ready data, with every field present, and orgs without a location saying so."""
    return with_locations(as_json(message))


def with_locations(data: dict) -> dict:
    for org in ([data] if "path" in data else []) + data.get("orgs", []):
        if not org.pop("has_location", False):
            org["location"] = None
    return data


async def call(request: Request, who, method_name: str, message):
    return with_locations(await call_for(request, who, "orgs", method_name, message))


def _point(body) -> dict:
    if body.location is None:
        return {}
    return {"location": pb.GeoPoint(lng=body.location.lng, lat=body.location.lat), "has_location": True}


def page_request(page_size: int, cursor: str) -> pb.Page:
    """The Page message every listing route sends (the orgs contract's shared paging)."""
    return pb.Page(page_size=page_size, cursor=cursor)


@router.post("/orgs", response_model=OrgOut, status_code=201, summary="Create an org (under a parent you manage)")
async def create_org(body: CreateOrgBody, request: Request, who: CallerDep):
    message = pb.CreateOrgRequest(
        parent_id=body.parent_id,
        name=body.name,
        type=body.type,
        category=body.category,
        slug=body.slug,
        address=body.address,
        **_point(body),
    )
    return await call(request, who, "CreateOrg", message)


@router.get("/orgs/{org_id}", response_model=OrgOut)
async def get_org(org_id: Id, request: Request, who: CallerDep):
    return await call(request, who, "GetOrg", pb.GetOrgRequest(org_id=org_id))


@router.patch("/orgs/{org_id}", response_model=OrgOut, summary="Rename or edit an org")
async def update_org(org_id: Id, body: UpdateOrgBody, request: Request, who: CallerDep):
    message = pb.UpdateOrgRequest(
        org_id=org_id, name=body.name, category=body.category, address=body.address, slug=body.slug, **_point(body)
    )
    return await call(request, who, "UpdateOrg", message)


@router.post("/orgs/{org_id}/move", response_model=OrgOut, summary="Move an org and its subtree")
async def move_org(org_id: Id, body: MoveBody, request: Request, who: CallerDep):
    return await call(request, who, "MoveOrg", pb.MoveOrgRequest(org_id=org_id, new_parent_id=body.new_parent_id))


@router.post("/orgs/{org_id}/merge", response_model=OrgOut, summary="Merge this org into another")
async def merge_org(org_id: Id, body: MergeBody, request: Request, who: CallerDep):
    return await call(request, who, "MergeOrg", pb.MergeOrgRequest(source_id=org_id, target_id=body.target_id))


@router.post("/orgs/{org_id}/dissolve", response_model=OrgOut, summary="Dissolve an org with no members left")
async def dissolve_org(org_id: Id, body: DissolveBody, request: Request, who: CallerDep):
    return await call(request, who, "DissolveOrg", pb.DissolveOrgRequest(org_id=org_id, reason=body.reason))


@router.get("/orgs/{org_id}/children", response_model=OrgPageOut)
async def list_children(org_id: Id, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    return await call(
        request, who, "ListChildren", pb.ListChildrenRequest(org_id=org_id, page=page_request(page_size, cursor))
    )


@router.get("/orgs/{org_id}/ancestors", response_model=OrgPageOut, summary="Root … parent")
async def list_ancestors(org_id: Id, request: Request, who: CallerDep):
    return await call(request, who, "ListAncestors", pb.ListAncestorsRequest(org_id=org_id))


@router.get("/orgs/{org_id}/subtree", response_model=OrgPageOut, summary="Every org below (and including) this one")
async def list_subtree(
    org_id: Id,
    request: Request,
    who: CallerDep,
    type: Annotated[str, Query(max_length=32)] = "",  # noqa: A002 - the API's field name
    page_size: PageSize = 50,
    cursor: Cursor = "",
):
    message = pb.ListSubtreeRequest(org_id=org_id, type=type, page=page_request(page_size, cursor))
    return await call(request, who, "ListSubtree", message)


@router.get("/orgs/{org_id}/stats", response_model=StatsOut, summary="Members by status and orgs by type, subtree")
async def subtree_stats(org_id: Id, request: Request, who: CallerDep):
    return await call(request, who, "GetSubtreeStats", pb.GetSubtreeStatsRequest(org_id=org_id))


@router.get("/orgs/{org_id}/history", response_model=HistoryOut)
async def org_history(org_id: Id, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    message = pb.ListOrgHistoryRequest(org_id=org_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListOrgHistory", message)


@router.get("/orgs/{org_id}/members", response_model=MemberPageOut)
async def list_members(
    org_id: Id,
    request: Request,
    who: CallerDep,
    subtree: bool = False,
    status: Annotated[str, Query(max_length=32)] = "",
    page_size: PageSize = 50,
    cursor: Cursor = "",
):
    message = pb.ListMembersRequest(org_id=org_id, subtree=subtree, status=status, page=page_request(page_size, cursor))
    return await call(request, who, "ListMembers", message)


@router.post("/orgs/{org_id}/members", response_model=MembershipOut, status_code=201, summary="Add a member")
async def add_member(org_id: Id, body: AddMemberBody, request: Request, who: CallerDep):
    message = pb.AddMemberRequest(
        org_id=org_id,
        account_id=body.account_id,
        status=body.status,
        effective_on=body.effective_on,
        display_name=body.display_name,
        note=body.note,
    )
    return await call(request, who, "AddMember", message)


@router.get("/orgs/{org_id}/arrears", response_model=ArrearsOut, summary="Members behind with dues")
async def arrears(
    org_id: Id,
    request: Request,
    who: CallerDep,
    as_of_month: Annotated[str, Query(min_length=1, max_length=7)],
    page_size: PageSize = 50,
    cursor: Cursor = "",
):
    message = pb.ArrearsReportRequest(org_id=org_id, as_of_month=as_of_month, page=page_request(page_size, cursor))
    return await call(request, who, "ArrearsReport", message)


@router.get("/memberships/{membership_id}", response_model=MembershipOut)
async def get_membership(membership_id: Id, request: Request, who: CallerDep):
    return await call(request, who, "GetMembership", pb.GetMembershipRequest(membership_id=membership_id))


@router.post("/memberships/{membership_id}/status", response_model=MembershipOut, summary="A step of the pipeline")
async def change_status(membership_id: Id, body: StatusBody, request: Request, who: CallerDep):
    message = pb.ChangeStatusRequest(
        membership_id=membership_id, to_status=body.to_status, effective_on=body.effective_on, note=body.note
    )
    return await call(request, who, "ChangeStatus", message)


@router.post("/memberships/{membership_id}/roles", response_model=MembershipOut, summary="Give a role in the org")
async def assign_role(membership_id: Id, body: RoleBody, request: Request, who: CallerDep):
    return await call(request, who, "AssignRole", pb.AssignRoleRequest(membership_id=membership_id, role=body.role))


@router.delete("/memberships/{membership_id}/roles/{role}", response_model=MembershipOut)
async def remove_role(membership_id: Id, role: Annotated[str, Field(max_length=32)], request: Request, who: CallerDep):
    return await call(request, who, "RemoveRole", pb.RemoveRoleRequest(membership_id=membership_id, role=role))


@router.post("/memberships/{membership_id}/dues", response_model=DuesOut, status_code=201)
async def record_dues(membership_id: Id, body: DuesBody, request: Request, who: CallerDep):
    message = pb.RecordDuesRequest(membership_id=membership_id, month=body.month, amount_fen=body.amount_fen)
    return await call(request, who, "RecordDues", message)


@router.get("/memberships/{membership_id}/dues", response_model=DuesListOut)
async def list_dues(membership_id: Id, request: Request, who: CallerDep):
    return await call(request, who, "ListDues", pb.ListDuesRequest(membership_id=membership_id))


@router.get("/accounts/{account_id}/dossier", response_model=DossierOut, summary="Pipeline history and dues ('me')")
async def dossier(account_id: Id, request: Request, who: CallerDep):
    target = "" if account_id == "me" else account_id
    return await call(request, who, "GetDossier", pb.GetDossierRequest(account_id=target))
