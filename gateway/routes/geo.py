"""Location (人员物理位置及移动终端定位) over HTTP: consent per purpose, the caller's devices and their signed
reports, a meeting's geofence and check-ins inside it, live locations during a meeting, orgs near a point and on
the map, a subtree's member distribution (aggregates only), and the caller's own location data. Who may see or
do what, and what is kept for how long, is decided by geo.

Points are `{lng, lat}`, WGS-84 unless `datum` says `gcj02` (what Chinese maps show); answers come back in the
datum asked. Out-of-range coordinates, radii, rings and limits are refused here with 400 naming the field,
before anything is sent to geo. GeoJSON from geo is answered as JSON, not as a string.

The org map (`GET /api/v1/geo/orgs/map`) answers the GeoJSON FeatureCollection itself (application/geo+json);
how many features it holds and whether more matched are in the headers `X-Count` and `X-Truncated`
("true"/"false").
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationInfo, field_validator

from gateway.auth import CallerDep
from gateway.clients import call_for
from gateway.routes.common import Body, Id, PathId
from jiceng.geo.v1 import geo_pb2 as pb
from kernel import messages
from kernel.errors import DomainError, ErrorCode

router = APIRouter(prefix="/api/v1", tags=["geo"])

Lng = Annotated[float, Field(ge=-180, le=180, description="longitude, degrees")]
Lat = Annotated[float, Field(ge=-90, le=90, description="latitude, degrees")]
Datum = Literal["", "wgs84", "gcj02"]
DatumQuery = Annotated[Datum, Query(description="the datum of the points answered: wgs84 (default) or gcj02")]
Purpose = Annotated[Literal["check_in", "mobile_city", "live_sharing"], Path()]
GEO_JSON = "application/geo+json"
MAX_RING = 200  # vertices of a polygon fence (geo's domain); a closed ring repeats the first once more
CELL_SIZES = (1000, 5000, 20000)
BBOX_PATTERN = r"^(-?\d+(\.\d+)?,){3}-?\d+(\.\d+)?$|^$"
OrgTypes = Annotated[
    tuple[Annotated[str, Field(max_length=32)], ...], Query(max_length=20, description="only these org types")
]


class LngLatBody(Body):
    lng: Lng
    lat: Lat


class LngLatOut(BaseModel):
    lng: float
    lat: float


# -- consent ------------------------------------------------------------------------------------------------


class ConsentOut(BaseModel):
    purpose: str
    text: str = Field(description="what the member reads before granting, in the request's language")
    current_version: int
    granted: bool
    granted_version: int = Field(description="the version accepted; 0 when never granted")
    changed_at: str | None = None
    retention: str = Field(description="how long what is kept for this purpose is kept, in words")


class ConsentRecordOut(BaseModel):
    purpose: str
    action: str = Field(description="granted or revoked")
    version: int
    at: str | None = None


class ConsentsOut(BaseModel):
    consents: list[ConsentOut]
    history: list[ConsentRecordOut]


class GrantBody(Body):
    version: Annotated[int, Field(ge=1, le=1000, description="the version of the text read (the current one)")]


# -- devices ------------------------------------------------------------------------------------------------


class DeviceBody(Body):
    name: Annotated[str, Field(min_length=1, max_length=40, examples=["我的手机"])]
    platform: Literal["android", "ios", "web", "other"]
    public_key: Annotated[str, Field(min_length=1, max_length=100, description="Ed25519, 32 bytes, base64")]


class DeviceOut(BaseModel):
    id: str
    name: str
    platform: str
    registered_at: str | None = None
    unregistered_at: str | None = None
    active: bool
    last_seq: int = Field(description="the last report's sequence number (the next must be greater)")


class DevicesOut(BaseModel):
    devices: list[DeviceOut]


# -- signed reports -------------------------------------------------------------------------------------------


class SignedReportBody(Body):
    """A report signed by the device's key over geo's canonical text (services/geo/domain/reports.py)."""

    device_id: Id
    seq: Annotated[int, Field(ge=1, le=2**62, description="greater than every earlier report's of the device")]
    at_ms: Annotated[int, Field(ge=0, description="when the device took the fix, ms since the epoch")]
    lng: Lng
    lat: Lat
    accuracy_m: Annotated[float, Field(gt=0, le=5000)]
    datum: Datum = ""
    division: Annotated[str, Field(pattern=r"^(\d{6})?$", description="mobile_city: GB/T 2260 code")] = ""
    signature: Annotated[str, Field(min_length=1, max_length=200, description="Ed25519, base64")]


class ReportBody(Body):
    purpose: Literal["mobile_city", "live_sharing"]
    ref: Annotated[str, Field(max_length=64, description="live_sharing: the meeting id")] = ""
    report: SignedReportBody


class ReportOut(BaseModel):
    purpose: str
    kept: str = Field(description='"city" (the city code, not the point) or "live" (the latest point)')
    city: str
    expires_at: str | None = None
    flags: list[str]


# -- geofences and check-ins ------------------------------------------------------------------------------------


class GeofenceBody(Body):
    shape: Literal["circle", "polygon"]
    center: LngLatBody | None = Field(None, description="circle: its center")
    radius_m: Annotated[float, Field(ge=0, le=5000, validate_default=True, description="circle: 10 to 5,000 m")] = 0
    ring: Annotated[
        list[LngLatBody],
        Field(max_length=MAX_RING + 1, description="polygon: 3 to 200 vertices, not closed (concave allowed)"),
    ] = []
    datum: Datum = ""

    @field_validator("radius_m")
    @classmethod
    def _circle_radius(cls, value: float, info: ValidationInfo) -> float:
        if info.data.get("shape") == "circle" and value < 10:
            raise ValueError("a circle's radius is 10 to 5,000 m")
        return value


class GeofenceOut(BaseModel):
    meeting_id: str
    org_id: str
    shape: str
    center: LngLatOut | None = None
    radius_m: float
    ring: list[LngLatOut]
    set_by: str
    set_at: str | None = None
    geojson: dict[str, Any] | None = Field(
        None, description="a Polygon; a circle as a Point with radius_m in properties; in the datum asked"
    )


class CheckInBody(Body):
    report: SignedReportBody


class CheckInOut(BaseModel):
    id: str
    meeting_id: str
    account_id: str
    status: str = Field(description="accepted (attendance recorded), flagged (held for the organizer), rejected")
    flags: list[str]
    at: str | None = None
    point: LngLatOut | None = Field(None, description="absent once reduced to attended (90 days, or consent revoked)")
    has_point: bool
    accuracy_m: float
    reviewed_by: str


class CheckInsOut(BaseModel):
    check_ins: list[CheckInOut]


class ReviewBody(Body):
    accept: bool


# -- live sharing -------------------------------------------------------------------------------------------------


class LiveLocationOut(BaseModel):
    account_id: str
    point: LngLatOut | None = None
    accuracy_m: float
    at: str | None = None


class LiveLocationsOut(BaseModel):
    locations: list[LiveLocationOut]
    ends_at: str | None = None


class StoppedOut(BaseModel):
    stopped: bool


# -- orgs on the map, aggregates ------------------------------------------------------------------------------


class NearbyOrgOut(BaseModel):
    org_id: str
    name: str
    type: str
    location: LngLatOut | None = None
    distance_m: float


class NearbyOrgsOut(BaseModel):
    orgs: list[NearbyOrgOut]


class GroupOut(BaseModel):
    key: str = Field(description="cell: the cell id; city: the 6-digit city code")
    name: str
    count: int
    south_west: LngLatOut | None = None
    north_east: LngLatOut | None = None


class DistributionOut(BaseModel):
    groups: list[GroupOut]
    others: int = Field(description="people in groups smaller than k, together (0 when that is itself below k)")
    k: int
    total: int


# -- helpers --------------------------------------------------------------------------------------------------


def _ints(data: dict) -> dict:
    """int64 fields arrive as strings in JSON from protobuf: numbers again."""
    if "last_seq" in data:
        data["last_seq"] = int(data["last_seq"])
    return data


def _geojson(data: dict) -> dict:
    """geo's GeoJSON string as JSON (None when there is none)."""
    data["geojson"] = json.loads(data["geojson"]) if data.get("geojson") else None
    return data


def _bbox(text: str) -> list[float]:
    """ "w,s,e,n" as numbers in range (order and size are geo's to judge); "" for no box."""
    if not text:
        return []
    west, south, east, north = (float(v) for v in text.split(","))
    if not (all(-180 <= v <= 180 for v in (west, east)) and all(-90 <= v <= 90 for v in (south, north))):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "field_invalid", "bbox", detail="west,south,east,north")
    return [west, south, east, north]


# geo names the point of a nearest-orgs request as the message does; the HTTP caller sent lng and lat.
_NEAREST_FIELDS = {"point": "lng", "point.lng": "lng", "point.lat": "lat"}


async def call(request: Request, who, method_name: str, message) -> dict:
    return await call_for(request, who, "geo", method_name, message)


def _point(body: LngLatBody | None) -> pb.LngLat | None:
    return pb.LngLat(lng=body.lng, lat=body.lat) if body is not None else None


def _report(body: SignedReportBody) -> pb.SignedReport:
    return pb.SignedReport(**body.model_dump())


# -- consent ------------------------------------------------------------------------------------------------


def _localized(request: Request, consent: dict) -> dict:
    """The consent's text and retention in the reader's language (geo sends zh-CN and the catalog keys)."""
    locale = messages.negotiate(request.headers.get("accept-language"))
    for field in ("text", "retention"):
        key = consent.pop(f"{field}_key", "")
        if key:
            consent[field] = messages.render(key, locale)
    return consent


@router.get("/geo/consents", response_model=ConsentsOut, summary="Each purpose's consent text, my state and history")
async def list_consents(request: Request, who: CallerDep):
    data = await call(request, who, "ListConsents", pb.ListConsentsRequest())
    data["consents"] = [_localized(request, c) for c in data.get("consents", [])]
    return data


@router.post("/geo/consents/{purpose}", response_model=ConsentOut, summary="Grant consent for a purpose")
async def grant_consent(purpose: Purpose, body: GrantBody, request: Request, who: CallerDep):
    consent = pb.ConsentChange(purpose=purpose, version=body.version)
    return _localized(request, await call(request, who, "GrantConsent", consent))


@router.delete(
    "/geo/consents/{purpose}", response_model=ConsentOut, summary="Revoke consent (what was kept for it goes at once)"
)
async def revoke_consent(purpose: Purpose, request: Request, who: CallerDep):
    return _localized(request, await call(request, who, "RevokeConsent", pb.ConsentChange(purpose=purpose)))


# -- devices ------------------------------------------------------------------------------------------------


@router.post("/geo/devices", response_model=DeviceOut, status_code=201, summary="Register a device and its key")
async def register_device(body: DeviceBody, request: Request, who: CallerDep):
    return _ints(await call(request, who, "RegisterDevice", pb.RegisterDeviceRequest(**body.model_dump())))


@router.get("/geo/devices", response_model=DevicesOut, summary="My devices")
async def list_devices(request: Request, who: CallerDep):
    data = await call(request, who, "ListDevices", pb.ListDevicesRequest())
    return {"devices": [_ints(d) for d in data["devices"]]}


@router.delete("/geo/devices/{device_id}", response_model=DeviceOut, summary="Unregister a device")
async def unregister_device(device_id: PathId, request: Request, who: CallerDep):
    return _ints(await call(request, who, "UnregisterDevice", pb.DeviceRef(device_id=device_id)))


# -- reports ------------------------------------------------------------------------------------------------


@router.post("/geo/reports", response_model=ReportOut, summary="A signed report: my current city, or live sharing")
async def report(body: ReportBody, request: Request, who: CallerDep):
    message = pb.ReportRequest(purpose=body.purpose, ref=body.ref, report=_report(body.report))
    return await call(request, who, "Report", message)


# -- geofences and check-ins ------------------------------------------------------------------------------------


@router.put("/meetings/{meeting_id}/geofence", response_model=GeofenceOut, summary="Set a meeting's geofence")
async def set_geofence(meeting_id: PathId, body: GeofenceBody, request: Request, who: CallerDep):
    message = pb.SetGeofenceRequest(
        meeting_id=meeting_id,
        shape=body.shape,
        center=_point(body.center),
        radius_m=body.radius_m,
        ring=[_point(p) for p in body.ring],
        datum=body.datum,
    )
    return _geojson(await call(request, who, "SetGeofence", message))


@router.get("/meetings/{meeting_id}/geofence", response_model=GeofenceOut, summary="A meeting's geofence")
async def get_geofence(meeting_id: PathId, request: Request, who: CallerDep, datum: DatumQuery = ""):
    return _geojson(await call(request, who, "GetGeofence", pb.MeetingRef(meeting_id=meeting_id, datum=datum)))


@router.post(
    "/meetings/{meeting_id}/geo-check-ins",
    response_model=CheckInOut,
    status_code=201,
    summary="Check in with a signed report from inside the geofence",
)
async def check_in(meeting_id: PathId, body: CheckInBody, request: Request, who: CallerDep):
    message = pb.CheckInRequest(meeting_id=meeting_id, report=_report(body.report))
    return await call(request, who, "CheckIn", message)


@router.get(
    "/meetings/{meeting_id}/geo-check-ins", response_model=CheckInsOut, summary="A meeting's check-ins, flagged first"
)
async def list_check_ins(meeting_id: PathId, request: Request, who: CallerDep, datum: DatumQuery = ""):
    return await call(request, who, "ListCheckIns", pb.ListCheckInsRequest(meeting_id=meeting_id, datum=datum))


@router.post("/geo/check-ins/{check_in_id}/review", response_model=CheckInOut, summary="Accept or reject a flagged one")
async def review_check_in(check_in_id: PathId, body: ReviewBody, request: Request, who: CallerDep):
    message = pb.ReviewCheckInRequest(check_in_id=check_in_id, accept=body.accept)
    return await call(request, who, "ReviewCheckIn", message)


# -- live sharing -------------------------------------------------------------------------------------------------


@router.get(
    "/meetings/{meeting_id}/live-locations", response_model=LiveLocationsOut, summary="Live locations during a meeting"
)
async def live_locations(meeting_id: PathId, request: Request, who: CallerDep, datum: DatumQuery = ""):
    message = pb.ListLiveLocationsRequest(meeting_id=meeting_id, datum=datum)
    return await call(request, who, "ListLiveLocations", message)


@router.delete(
    "/meetings/{meeting_id}/live-locations/me", response_model=StoppedOut, summary="Stop sharing my location"
)
async def stop_sharing(meeting_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "StopSharing", pb.MeetingRef(meeting_id=meeting_id))


# -- orgs on the map, aggregates ------------------------------------------------------------------------------


@router.get("/geo/orgs/nearest", response_model=NearbyOrgsOut, summary="Orgs nearest a point, nearest first")
async def nearest_orgs(
    request: Request,
    who: CallerDep,
    lng: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    datum: Annotated[Datum, Query(description="of lng/lat and of the locations answered")] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    radius_m: Annotated[float, Query(ge=10, le=50_000, description="within this many metres")] = 50_000,
    types: OrgTypes = (),
):
    message = pb.NearestOrgsRequest(
        point=pb.LngLat(lng=lng, lat=lat), datum=datum, limit=limit, radius_m=radius_m, types=list(types)
    )
    try:
        return await call(request, who, "NearestOrgs", message)
    except DomainError as err:
        err.field = _NEAREST_FIELDS.get(err.field or "", err.field)
        raise


@router.get(
    "/geo/orgs/map",
    response_class=Response,
    summary="An org subtree's map as GeoJSON (X-Count, X-Truncated headers)",
    responses={
        200: {
            "description": "A FeatureCollection of Points (properties org_id, name, type)",
            "content": {GEO_JSON: {"schema": {"type": "object"}}},
            "headers": {
                "X-Count": {"description": "features in the collection", "schema": {"type": "integer"}},
                "X-Truncated": {"description": "true when more orgs matched than limit", "schema": {"type": "boolean"}},
            },
        }
    },
)
async def org_map(
    request: Request,
    who: CallerDep,
    org_id: Annotated[str, Query(max_length=64, description="the subtree's root; empty: the whole region")] = "",
    bbox: Annotated[str, Query(max_length=120, pattern=BBOX_PATTERN, description="west,south,east,north")] = "",
    datum: DatumQuery = "",
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
):
    message = pb.OrgMapRequest(org_id=org_id, bbox=_bbox(bbox), datum=datum, limit=limit)
    data = await call(request, who, "OrgMap", message)
    headers = {"X-Count": str(data["count"]), "X-Truncated": "true" if data["truncated"] else "false"}
    return Response(data["geojson"], media_type=GEO_JSON, headers=headers)


@router.get(
    "/orgs/{org_id}/geo/distribution",
    response_model=DistributionOut,
    summary="Where the subtree's members are, by grid cell or city (groups under k withheld)",
)
async def distribution(
    org_id: PathId,
    request: Request,
    who: CallerDep,
    by: Literal["cell", "city"] = "cell",
    cell_m: Annotated[int, Query(description="cell size: 1000, 5000 or 20000 m")] = 5000,
    mobile_only: bool = False,
    datum: DatumQuery = "",
):
    if cell_m not in CELL_SIZES:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "field_invalid", "cell_m", detail="1000, 5000, 20000")
    message = pb.DistributionRequest(org_id=org_id, by=by, cell_m=cell_m, mobile_only=mobile_only, datum=datum)
    return await call(request, who, "Distribution", message)


@router.get("/me/geo-data", response_model=dict[str, Any], summary="Everything geo keeps about me, as JSON")
async def my_geo_data(request: Request, who: CallerDep):
    data = await call(request, who, "ExportMyData", pb.ExportMyDataRequest())
    return json.loads(data["json"]) if data.get("json") else {}
