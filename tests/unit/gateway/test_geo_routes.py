"""gateway/routes/geo.py without a geo server: the routes and their request schemas are in the OpenAPI document,
bad input is refused with 400 naming the field before geo is called, and geo's replies are shaped for HTTP
(GeoJSON parsed, int64 as numbers, the org map as application/geo+json with its count in headers)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import GatewayConfig
from jiceng.geo.v1 import geo_pb2 as pb
from kernel.context import Actor
from kernel.errors import DomainError, ErrorCode
from kernel.tokens import TokenIssuer, generate_signing_key

pytestmark = pytest.mark.unit

REGION = "unitregion"
ROUTES = {
    ("get", "/api/v1/geo/consents"),
    ("post", "/api/v1/geo/consents/{purpose}"),
    ("delete", "/api/v1/geo/consents/{purpose}"),
    ("post", "/api/v1/geo/devices"),
    ("get", "/api/v1/geo/devices"),
    ("delete", "/api/v1/geo/devices/{device_id}"),
    ("post", "/api/v1/geo/reports"),
    ("put", "/api/v1/meetings/{meeting_id}/geofence"),
    ("get", "/api/v1/meetings/{meeting_id}/geofence"),
    ("post", "/api/v1/meetings/{meeting_id}/geo-check-ins"),
    ("get", "/api/v1/meetings/{meeting_id}/geo-check-ins"),
    ("post", "/api/v1/geo/check-ins/{check_in_id}/review"),
    ("get", "/api/v1/meetings/{meeting_id}/live-locations"),
    ("delete", "/api/v1/meetings/{meeting_id}/live-locations/me"),
    ("get", "/api/v1/geo/orgs/nearest"),
    ("get", "/api/v1/geo/orgs/map"),
    ("get", "/api/v1/orgs/{org_id}/geo/distribution"),
    ("get", "/api/v1/me/geo-data"),
}


class Geo:
    """Stands in for the geo stub: `geo.<Method>` is the method's name, answered from `replies`."""

    def __getattr__(self, name: str) -> str:
        return name


class Client:
    """Requests to the ASGI app in this process (starlette's TestClient warns about its httpx; this does not)."""

    def __init__(self, app, headers: dict[str, str]):
        self.app, self.headers = app, headers

    def request(self, method: str, url: str, headers: dict[str, str] | None = None, **more) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
                return await client.request(method, url, headers={**self.headers, **(headers or {})}, **more)

        return asyncio.run(go())

    def get(self, url: str, **more) -> httpx.Response:
        return self.request("GET", url, **more)

    def post(self, url: str, **more) -> httpx.Response:
        return self.request("POST", url, **more)

    def put(self, url: str, **more) -> httpx.Response:
        return self.request("PUT", url, **more)


class FakeServices:
    def __init__(self):
        self.geo = Geo()
        self.calls: list[tuple[str, object]] = []
        self.replies: dict[str, object] = {}

    def on_behalf_of(self, client_ip: str) -> FakeServices:
        return self

    async def call(self, method: str, message, token: str | None = None, timeout: float | None = None):
        self.calls.append((method, message))
        reply = self.replies[method]
        if isinstance(reply, Exception):
            raise reply
        return reply


@pytest.fixture(scope="module")
def app_and_token(tmp_path_factory):
    keys = tmp_path_factory.mktemp("keys")
    generate_signing_key(keys)
    wrapped = create_app(GatewayConfig(region=REGION, jwks_path=keys / "jwks.json"))
    return wrapped, TokenIssuer(keys, REGION, 600).issue(Actor(account_id="geo-unit-test")).token


@pytest.fixture
def gateway(app_and_token):
    wrapped, token = app_and_token
    services = FakeServices()
    wrapped.app.state.services = services  # no lifespan: nothing connects anywhere
    client = Client(wrapped, {"Authorization": f"Bearer {token}"})
    client.openapi = wrapped.app.openapi
    client.services = services
    return client


def refused(reply, field: str) -> None:
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["field"] == field, reply.json()


REPORT = {
    "device_id": "d1",
    "seq": 7,
    "at_ms": 1_767_225_600_000,
    "lng": 117.2,
    "lat": 39.13,
    "accuracy_m": 12.5,
    "datum": "gcj02",
    "division": "120101",
    "signature": "c2lnbmF0dXJl",
}


def test_the_routes_and_their_request_schemas_are_in_the_openapi_document(gateway):
    spec = gateway.openapi()
    paths = spec["paths"]
    assert {(m, p) for p, ops in paths.items() for m in ops if "geo" in ops[m].get("tags", [])} == ROUTES
    schemas = spec["components"]["schemas"]

    def body_of(method: str, path: str) -> dict:
        ref = paths[path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return schemas[ref.rsplit("/", 1)[1]]

    device = body_of("post", "/api/v1/geo/devices")
    assert device["additionalProperties"] is False
    assert device["properties"]["public_key"]["maxLength"] == 100
    assert device["properties"]["platform"]["enum"] == ["android", "ios", "web", "other"]
    fence = body_of("put", "/api/v1/meetings/{meeting_id}/geofence")
    assert fence["additionalProperties"] is False and fence["properties"]["ring"]["maxItems"] == 201
    assert fence["properties"]["radius_m"]["maximum"] == 5000
    report = body_of("post", "/api/v1/geo/reports")
    signed = schemas[report["properties"]["report"]["$ref"].rsplit("/", 1)[1]]
    assert signed["properties"]["signature"]["maxLength"] == 200
    assert signed["properties"]["lng"]["minimum"] == -180 and signed["properties"]["lat"]["maximum"] == 90
    assert signed["properties"]["division"]["pattern"] == r"^(\d{6})?$"
    assert set(body_of("post", "/api/v1/meetings/{meeting_id}/geo-check-ins")["required"]) == {"report"}
    assert body_of("post", "/api/v1/geo/consents/{purpose}")["required"] == ["version"]
    assert body_of("post", "/api/v1/geo/check-ins/{check_in_id}/review")["required"] == ["accept"]

    nearest = {p["name"]: p for p in paths["/api/v1/geo/orgs/nearest"]["get"]["parameters"]}
    assert (nearest["lng"]["schema"]["minimum"], nearest["lng"]["schema"]["maximum"]) == (-180, 180)
    assert nearest["lng"]["required"] and nearest["lat"]["required"]
    assert nearest["limit"]["schema"]["maximum"] == 50 and nearest["types"]["schema"]["type"] == "array"
    org_map = paths["/api/v1/geo/orgs/map"]["get"]
    assert {p["name"]: p for p in org_map["parameters"]}["limit"]["schema"]["maximum"] == 5000
    assert "application/geo+json" in org_map["responses"]["200"]["content"]
    assert set(org_map["responses"]["200"]["headers"]) == {"X-Count", "X-Truncated"}


BAD = [
    ("post", "/api/v1/geo/consents/everything", {"version": 1}, "purpose"),
    ("post", "/api/v1/geo/consents/check_in", {"version": 0}, "version"),
    ("post", "/api/v1/geo/consents/check_in", {"version": 1, "text": "我同意"}, "text"),
    ("post", "/api/v1/geo/devices", {"name": "手机", "platform": "android", "public_key": "k" * 101}, "public_key"),
    ("post", "/api/v1/geo/devices", {"name": "手机", "platform": "symbian", "public_key": "k"}, "platform"),
    ("post", "/api/v1/geo/reports", {"purpose": "mobile_city", "report": {**REPORT, "lng": 180.5}}, "report.lng"),
    ("post", "/api/v1/geo/reports", {"purpose": "mobile_city", "report": {**REPORT, "lat": -91}}, "report.lat"),
    ("post", "/api/v1/geo/reports", {"purpose": "check_in", "report": REPORT}, "purpose"),
    ("post", "/api/v1/geo/reports", {"purpose": "mobile_city", "report": {**REPORT, "datum": "bd09"}}, "report.datum"),
    (
        "post",
        "/api/v1/geo/reports",
        {"purpose": "mobile_city", "report": {**REPORT, "division": "12010"}},
        "report.division",
    ),
    (
        "post",
        "/api/v1/geo/reports",
        {"purpose": "mobile_city", "report": {**REPORT, "signature": "s" * 201}},
        "report.signature",
    ),
    ("post", "/api/v1/meetings/m1/geo-check-ins", {"report": {**REPORT, "seq": 0}}, "report.seq"),
    ("post", "/api/v1/meetings/m1/geo-check-ins", {"report": {**REPORT, "extra": 1}}, "report.extra"),
    ("put", "/api/v1/meetings/m1/geofence", {"shape": "square"}, "shape"),
    (
        "put",
        "/api/v1/meetings/m1/geofence",
        {"shape": "circle", "center": {"lng": 117.2, "lat": 39.1}, "radius_m": 5},
        "radius_m",
    ),
    ("put", "/api/v1/meetings/m1/geofence", {"shape": "circle", "center": {"lng": 117.2, "lat": 39.1}}, "radius_m"),
    ("put", "/api/v1/meetings/m1/geofence", {"shape": "circle", "radius_m": 5001}, "radius_m"),
    (
        "put",
        "/api/v1/meetings/m1/geofence",
        {"shape": "polygon", "ring": [{"lng": 117.2, "lat": 39.1}] * 202},
        "ring",
    ),
    ("put", "/api/v1/meetings/m1/geofence", {"shape": "polygon", "ring": [{"lng": 117.2, "lat": 95}]}, "ring.0.lat"),
    ("get", "/api/v1/meetings/m1/geofence?datum=bd09", None, "datum"),
    ("get", "/api/v1/geo/orgs/nearest?lng=181&lat=39", None, "lng"),
    ("get", "/api/v1/geo/orgs/nearest?lng=117&lat=-90.5", None, "lat"),
    ("get", "/api/v1/geo/orgs/nearest?lat=39", None, "lng"),
    ("get", "/api/v1/geo/orgs/nearest?lng=117&lat=39&limit=51", None, "limit"),
    ("get", "/api/v1/geo/orgs/nearest?lng=117&lat=39&limit=0", None, "limit"),
    ("get", "/api/v1/geo/orgs/nearest?lng=117&lat=39&radius_m=5", None, "radius_m"),
    ("get", "/api/v1/geo/orgs/map?limit=5001", None, "limit"),
    ("get", "/api/v1/geo/orgs/map?bbox=1,2,3", None, "bbox"),
    ("get", "/api/v1/geo/orgs/map?bbox=117,39,190,40", None, "bbox"),
    ("get", "/api/v1/orgs/o1/geo/distribution?cell_m=2000", None, "cell_m"),
    ("get", "/api/v1/orgs/o1/geo/distribution?by=street", None, "by"),
]


@pytest.mark.parametrize(("method", "url", "body", "field"), BAD, ids=[f"{b[0]} {b[1]} {b[3]}" for b in BAD])
def test_bad_input_is_refused_naming_the_field_before_geo_is_called(gateway, method, url, body, field):
    refused(gateway.request(method, url, json=body), field)
    assert gateway.services.calls == []


def test_without_a_token_nothing_reaches_geo(gateway):
    reply = gateway.get("/api/v1/geo/consents", headers={"Authorization": ""})
    assert reply.status_code == 401 and gateway.services.calls == []


def test_a_geofence_is_sent_as_geo_expects_and_its_geojson_answered_as_json(gateway):
    ring = [{"lng": 117.2, "lat": 39.1}, {"lng": 117.21, "lat": 39.1}, {"lng": 117.21, "lat": 39.11}]
    polygon = {"type": "Polygon", "coordinates": [[[117.2, 39.1], [117.21, 39.1], [117.21, 39.11], [117.2, 39.1]]]}
    gateway.services.replies["SetGeofence"] = pb.Geofence(
        meeting_id="m1", shape="polygon", ring=[pb.LngLat(**p) for p in ring], geojson=json.dumps(polygon)
    )
    reply = gateway.put("/api/v1/meetings/m1/geofence", json={"shape": "polygon", "ring": ring, "datum": "gcj02"})
    assert reply.status_code == 200, reply.text
    out = reply.json()
    assert out["geojson"] == polygon and out["ring"] == ring and out["center"] is None and out["set_at"] is None
    ((method, message),) = gateway.services.calls
    assert method == "SetGeofence" and (message.meeting_id, message.shape, message.datum) == ("m1", "polygon", "gcj02")
    assert [(p.lng, p.lat) for p in message.ring] == [(p["lng"], p["lat"]) for p in ring]
    assert not message.HasField("center")


def test_a_check_in_carries_the_signed_report_and_answers_201(gateway):
    gateway.services.replies["CheckIn"] = pb.GeoCheckIn(id="c1", meeting_id="m1", status="accepted", has_point=True)
    reply = gateway.post("/api/v1/meetings/m1/geo-check-ins", json={"report": REPORT})
    assert reply.status_code == 201 and reply.json()["status"] == "accepted"
    ((_, message),) = gateway.services.calls
    assert message.meeting_id == "m1" and message.report == pb.SignedReport(**REPORT)


def test_a_device_answers_its_last_seq_as_a_number(gateway):
    device = pb.Device(id="d1", name="手机", platform="ios", active=True, last_seq=2**40)
    gateway.services.replies["RegisterDevice"] = device
    body = {"name": "手机", "platform": "ios", "public_key": "a2V5"}
    reply = gateway.post("/api/v1/geo/devices", json=body)
    assert reply.status_code == 201 and reply.json()["last_seq"] == 2**40
    assert gateway.services.calls[0][1] == pb.RegisterDeviceRequest(**body)


def test_the_org_map_is_geojson_with_its_count_in_headers(gateway):
    collection = {"type": "FeatureCollection", "features": []}
    gateway.services.replies["OrgMap"] = pb.OrgMapResponse(geojson=json.dumps(collection), count=0, truncated=True)
    reply = gateway.get("/api/v1/geo/orgs/map", params={"org_id": "o1", "bbox": "116.5,38.9,117.9,40.2", "limit": 2})
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/geo+json"
    assert reply.json() == collection
    assert (reply.headers["x-count"], reply.headers["x-truncated"]) == ("0", "true")
    ((_, message),) = gateway.services.calls
    assert list(message.bbox) == [116.5, 38.9, 117.9, 40.2] and (message.org_id, message.limit) == ("o1", 2)


def test_nearest_orgs_takes_repeated_types_and_names_geo_s_point_as_the_query_does(gateway):
    gateway.services.replies["NearestOrgs"] = pb.NearbyOrgs(orgs=[pb.NearbyOrg(org_id="o1", distance_m=12.5)])
    reply = gateway.get("/api/v1/geo/orgs/nearest?lng=117.2&lat=39.1&types=branch&types=general_branch&limit=3")
    assert reply.status_code == 200 and reply.json()["orgs"][0]["distance_m"] == 12.5
    message = gateway.services.calls[0][1]
    assert list(message.types) == ["branch", "general_branch"] and message.limit == 3
    assert (message.point.lng, message.point.lat, message.radius_m) == (117.2, 39.1, 50_000)

    gateway.services.replies["NearestOrgs"] = DomainError(ErrorCode.INVALID_ARGUMENT, "geo_point_invalid", "point.lat")
    refused(gateway.get("/api/v1/geo/orgs/nearest?lng=0&lat=0"), "lat")


def test_my_geo_data_is_the_export_itself(gateway):
    export = {"consents": [], "devices": [{"id": "d1"}], "city": None}
    gateway.services.replies["ExportMyData"] = pb.ExportMyDataResponse(json=json.dumps(export))
    reply = gateway.get("/api/v1/me/geo-data")
    assert reply.status_code == 200 and reply.json() == export
