"""Custom apps (个性化应用) over HTTP: the catalog and orgs' own apps, installs and pushes, menus, forms and
their submissions (with an .xlsx export), link pages. Permissions and limits are decided by content."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from gateway.auth import CallerDep, client_address
from gateway.clients import call_for
from gateway.errors import ErrorOut
from gateway.routes.common import Body, Cursor, PageSize, PathId, page_request
from jiceng.content.v1 import app_pb2 as pb
from jiceng.identity.v1 import identity_pb2 as identity_pb

router = APIRouter(prefix="/api/v1", tags=["apps"])


class FieldBody(Body):
    key: Annotated[str, Field(max_length=64)]
    label: Annotated[str, Field(max_length=400)]
    type: Annotated[
        str, Field(max_length=16, examples=["text", "textarea", "number", "date", "choice", "multichoice", "phone"])
    ]
    required: bool = False
    options: Annotated[list[Annotated[str, Field(max_length=400)]], Field(max_length=100)] = []
    max_length: Annotated[int, Field(ge=0, le=100_000)] = 0
    min_value: float | None = None
    max_value: float | None = None
    max_choices: Annotated[int, Field(ge=0, le=1_000)] = 0


class LinkBody(Body):
    title: Annotated[str, Field(max_length=400)]
    url: Annotated[str, Field(max_length=2_000)]
    description: Annotated[str, Field(max_length=1_000)] = ""


class AppBody(Body):
    kind: Annotated[str, Field(max_length=16, examples=["form", "links", "webhook"])]
    name: Annotated[str, Field(max_length=400)]
    description: Annotated[str, Field(max_length=2_000)] = ""
    fields: Annotated[list[FieldBody], Field(max_length=200)] = []
    links: Annotated[list[LinkBody], Field(max_length=200)] = []
    one_per_member: bool = False
    # webhook apps: the HTTPS endpoint content POSTs signed events to, and which events
    endpoint: Annotated[str, Field(max_length=2_000)] = ""
    events: Annotated[
        list[Annotated[str, Field(max_length=64)]],
        Field(max_length=20, examples=[["notice_published", "course_assigned"]]),
    ] = []


class InstallBody(Body):
    app_id: Annotated[str, Field(min_length=1, max_length=64)]
    subtree: bool = False


class ArrangeBody(Body):
    app_ids: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=200)]


class SubmitBody(Body):
    # field key -> a value, or a list of values (multiple choice)
    values: Annotated[dict[Annotated[str, Field(max_length=64)], str | list[str]], Field(max_length=200)]


class FieldOut(BaseModel):
    key: str
    label: str
    type: str
    required: bool
    options: list[str]
    max_length: int
    min_value: float | None = None
    max_value: float | None = None
    max_choices: int


class LinkOut(BaseModel):
    title: str
    url: str
    description: str


class AppOut(BaseModel):
    id: str
    owner_org_id: str
    kind: str
    name: str
    description: str
    fields: list[FieldOut]
    links: list[LinkOut]
    one_per_member: bool
    state: str
    created_at: dt.datetime | None = None
    manageable: bool
    pushed_by: str
    webhook_endpoint: str = ""
    webhook_events: list[str] = []


class AppsOut(BaseModel):
    apps: list[AppOut]
    next_cursor: str = ""


class InstallOut(BaseModel):
    org_id: str
    app_id: str
    subtree: bool
    installed_at: dt.datetime | None = None
    webhook_secret: str = Field("", description="a webhook app's signing secret: shown here once, keep it")


class DeliveryOut(BaseModel):
    id: str
    event_id: str
    event_type: str
    state: str = Field(description="pending, delivered, failed (given up)")
    failures: int
    last_status: int
    last_error: str
    created_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    next_at: dt.datetime | None = None


class DeliveriesOut(BaseModel):
    deliveries: list[DeliveryOut]
    next_cursor: str = ""


class MenuOut(BaseModel):
    org_id: str
    apps: list[AppOut]


class ValueOut(BaseModel):
    key: str
    values: list[str]


class SubmissionOut(BaseModel):
    id: str
    app_id: str
    account_id: str
    display_name: str
    org_id: str
    values: list[ValueOut]
    submitted_at: dt.datetime | None = None


class SubmissionsOut(BaseModel):
    submissions: list[SubmissionOut]
    next_cursor: str = ""


async def call(request: Request, who, method_name: str, message) -> dict:
    return await call_for(request, who, "apps", method_name, message)


def _define(owner_org_id: str, body: AppBody) -> pb.DefineAppRequest:
    return pb.DefineAppRequest(
        owner_org_id=owner_org_id,
        kind=body.kind,
        name=body.name,
        description=body.description,
        fields=[pb.FormField(**f.model_dump(exclude_none=True)) for f in body.fields],
        links=[pb.AppLink(**x.model_dump()) for x in body.links],
        one_per_member=body.one_per_member,
        webhook_endpoint=body.endpoint,
        webhook_events=body.events,
    )


@router.post("/apps", response_model=AppOut, status_code=201, summary="Add an app to the region's catalog (admins)")
async def define_catalog_app(body: AppBody, request: Request, who: CallerDep):
    return await call(request, who, "DefineApp", _define("", body))


@router.get("/apps", response_model=AppsOut, summary="The region's app catalog")
async def catalog(request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    return await call(request, who, "ListCatalog", pb.ListCatalogRequest(page=page_request(page_size, cursor)))


@router.post("/orgs/{org_id}/apps", response_model=AppOut, status_code=201, summary="Define an app of the org's own")
async def define_org_app(org_id: PathId, body: AppBody, request: Request, who: CallerDep):
    return await call(request, who, "DefineApp", _define(org_id, body))


@router.get("/orgs/{org_id}/apps", response_model=AppsOut, summary="The org's own apps (managers)")
async def org_apps(org_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    message = pb.ListOrgAppsRequest(org_id=org_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListOrgApps", message)


@router.get("/apps/{app_id}", response_model=AppOut, summary="An app of your menu, of the catalog, or yours")
async def get_app(app_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetApp", pb.AppRef(app_id=app_id))


@router.post("/apps/{app_id}/retire", response_model=AppOut, summary="Take an app off every menu")
async def retire_app(app_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "RetireApp", pb.AppRef(app_id=app_id))


@router.post(
    "/orgs/{org_id}/installed-apps",
    response_model=InstallOut,
    status_code=201,
    summary="Install an app on the org's menu (subtree: push it to every org below)",
)
async def install(org_id: PathId, body: InstallBody, request: Request, who: CallerDep):
    message = pb.InstallAppRequest(org_id=org_id, app_id=body.app_id, subtree=body.subtree)
    return await call(request, who, "InstallApp", message)


@router.delete("/orgs/{org_id}/installed-apps/{app_id}", response_model=MenuOut, summary="Uninstall an app")
async def uninstall(org_id: PathId, app_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "UninstallApp", pb.UninstallAppRequest(org_id=org_id, app_id=app_id))


@router.get(
    "/orgs/{org_id}/installed-apps/{app_id}/deliveries",
    response_model=DeliveriesOut,
    summary="A webhook app's deliveries from this org's install, oldest first",
)
async def deliveries(
    org_id: PathId, app_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""
):
    message = pb.ListDeliveriesRequest(org_id=org_id, app_id=app_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListDeliveries", message)


@router.get("/orgs/{org_id}/menu", response_model=MenuOut, summary="The org's app menu, in its order")
async def org_menu(org_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetMenu", pb.MenuRequest(org_id=org_id))


@router.get("/menu", response_model=MenuOut, summary="Your home org's app menu")
async def my_menu(request: Request, who: CallerDep):
    return await call(request, who, "GetMenu", pb.MenuRequest())


@router.put("/orgs/{org_id}/menu", response_model=MenuOut, summary="Arrange the org's menu")
async def arrange(org_id: PathId, body: ArrangeBody, request: Request, who: CallerDep):
    return await call(request, who, "ArrangeMenu", pb.ArrangeMenuRequest(org_id=org_id, app_ids=body.app_ids))


@router.post("/apps/{app_id}/submissions", response_model=SubmissionOut, status_code=201, summary="Fill in a form")
async def submit(app_id: PathId, body: SubmitBody, request: Request, who: CallerDep):
    values = [
        pb.FieldValue(key=key, values=value if isinstance(value, list) else [value])
        for key, value in body.values.items()
    ]
    return await call(request, who, "SubmitForm", pb.SubmitFormRequest(app_id=app_id, values=values))


@router.get("/apps/{app_id}/submissions/mine", response_model=SubmissionsOut, summary="What you submitted")
async def my_submissions(app_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "ListMySubmissions", pb.AppRef(app_id=app_id))


@router.get(
    "/apps/{app_id}/submissions",
    response_model=SubmissionsOut,
    summary="Submissions by members of an org's subtree (app managers there)",
)
async def submissions(
    app_id: PathId,
    request: Request,
    who: CallerDep,
    org_id: Annotated[str, Query(min_length=1, max_length=64)],
    page_size: PageSize = 50,
    cursor: Cursor = "",
):
    message = pb.ListSubmissionsRequest(app_id=app_id, org_id=org_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListSubmissions", message)


@router.get(
    "/apps/{app_id}/submissions/export",
    summary="The submissions of an org's subtree as .xlsx (recorded)",
    responses={
        200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}},
        403: {"model": ErrorOut},
    },
    response_class=Response,
)
async def export(
    app_id: PathId, request: Request, who: CallerDep, org_id: Annotated[str, Query(min_length=1, max_length=64)]
):
    services = request.app.state.services.on_behalf_of(client_address(request))
    message = pb.ExportSubmissionsRequest(app_id=app_id, org_id=org_id)
    reply = await services.call(services.apps.ExportSubmissions, message, who.token)
    disposition = f"attachment; filename*=UTF-8''{urllib.parse.quote(reply.filename)}"
    return Response(reply.content, media_type=reply.media_type, headers={"Content-Disposition": disposition})


# -- a webhook app's callback tokens (kept by identity: services/identity/app_tokens.py) --------------------


class AppTokenBody(Body):
    app_id: Annotated[str, Field(max_length=64)] = ""
    label: Annotated[str, Field(max_length=200)] = ""
    scopes: Annotated[
        list[Annotated[str, Field(max_length=64)]],
        Field(max_length=20, examples=[["notice.publish", "org.read"]]),
    ]


class AppTokenOut(BaseModel):
    id: str
    org_id: str
    app_id: str
    label: str
    scopes: list[str]
    created_by: str
    created_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None


class IssuedAppTokenOut(BaseModel):
    info: AppTokenOut
    token: str = Field(description="jcapp_…: shown here once; the app sends it as its bearer token")


class AppTokensOut(BaseModel):
    tokens: list[AppTokenOut]


@router.post(
    "/orgs/{org_id}/app-tokens",
    response_model=IssuedAppTokenOut,
    status_code=201,
    summary="A token a webhook app calls the API back with, limited to the org's subtree and the scopes",
)
async def issue_app_token(org_id: PathId, body: AppTokenBody, request: Request, who: CallerDep):
    message = identity_pb.IssueAppTokenRequest(org_id=org_id, app_id=body.app_id, label=body.label, scopes=body.scopes)
    return await call_for(request, who, "identity", "IssueAppToken", message)


@router.get("/orgs/{org_id}/app-tokens", response_model=AppTokensOut, summary="The org's app tokens (never the secret)")
async def list_app_tokens(org_id: PathId, request: Request, who: CallerDep):
    return await call_for(request, who, "identity", "ListAppTokens", identity_pb.ListAppTokensRequest(org_id=org_id))


@router.delete("/app-tokens/{token_id}", response_model=AppTokenOut, summary="Revoke an app token")
async def revoke_app_token(token_id: PathId, request: Request, who: CallerDep):
    message = identity_pb.RevokeAppTokenRequest(token_id=token_id)
    return await call_for(request, who, "identity", "RevokeAppToken", message)
