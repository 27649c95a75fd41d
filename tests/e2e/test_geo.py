"""geo through the gateway on the real stack (story 2 of STORIES.md): a mobile member finds the office tower's
branch 800 m away, is hosted there, and checks in at its theme party day from inside the fence (a concave
polygon) on a registered, signing device with her consent — orgs records her present, method geo; a flagged
check-in waits for the organizer; live sharing shows only to those who share and to organizers; consent
revoked drops the points; her export shows everything kept about her."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import secrets

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.geo.domain import reports as signing
from tests.conftest import Person, register
from tests.e2e.corner import error
from tests.e2e.test_life_rosters import eventually, ok
from tests.e2e.test_transfers import COMMITTEE, person_in

pytestmark = pytest.mark.e2e

# The office tower's branch, somewhere no other test puts orgs (Urumqi), and her office 800 m east of it.
TOWER = (87.6168, 43.8256)
M_PER_DEG = 111_320.0


def east(point: tuple[float, float], metres: float, north: float = 0.0) -> tuple[float, float]:
    lng, lat = point
    return lng + metres / (M_PER_DEG * math.cos(math.radians(lat))), lat + north / M_PER_DEG


OFFICE = east(TOWER, 800)
# An L around the tower: 120 m × 120 m with the north-east 60 m × 60 m cut out (the notch is outside).
L_SHAPE = [east(TOWER, x, y) for x, y in [(-60, -60), (60, -60), (60, 0), (0, 0), (0, 60), (-60, 60)]]
NOTCH = east(TOWER, 30, 30)
INSIDE = east(TOWER, -30, 30)


class Phone:
    """A member's device: an Ed25519 key pair registered with geo; it signs each report."""

    def __init__(self, api: httpx.Client, person: Person):
        self.api, self.person = api, person
        self.key = Ed25519PrivateKey.generate()
        public = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        body = {"name": "华为手机", "platform": "android", "public_key": base64.b64encode(public).decode()}
        self.id = ok(api.post("/api/v1/geo/devices", json=body, headers=person.auth), 201)["id"]
        self.seq = 0

    def report(self, purpose: str, ref: str, point, accuracy: float = 12.0, division: str = "") -> dict:
        self.seq += 1
        at_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
        text = signing.canonical(self.id, self.seq, at_ms, purpose, ref, point[0], point[1], accuracy, "", division)
        return {
            "device_id": self.id,
            "seq": self.seq,
            "at_ms": at_ms,
            "lng": point[0],
            "lat": point[1],
            "accuracy_m": accuracy,
            "division": division,
            "signature": signing.sign(self.key, text),
        }

    def check_in(self, meeting_id: str, point) -> httpx.Response:
        body = {"report": self.report("check_in", meeting_id, point)}
        return self.api.post(f"/api/v1/meetings/{meeting_id}/geo-check-ins", json=body, headers=self.person.auth)

    def share(self, meeting_id: str, point) -> httpx.Response:
        body = {"purpose": "live_sharing", "ref": meeting_id, "report": self.report("live_sharing", meeting_id, point)}
        return self.api.post("/api/v1/geo/reports", json=body, headers=self.person.auth)


def consent(api: httpx.Client, who: Person, purpose: str, granted: bool = True) -> dict:
    if granted:
        return ok(api.post(f"/api/v1/geo/consents/{purpose}", json={"version": 1}, headers=who.auth))
    return ok(api.delete(f"/api/v1/geo/consents/{purpose}", headers=who.auth))


def roster_of(api: httpx.Client, sec: Person, meeting_id: str) -> dict[str, tuple[str, str]]:
    rows = ok(api.get(f"/api/v1/meetings/{meeting_id}/roster", headers=sec.auth))["attendance"]
    return {r["account_id"]: (r["status"], r.get("method", "")) for r in rows}


def test_story_2_a_mobile_member_checks_in_at_her_host_branch(api, admin, identity_events):
    tag = secrets.token_hex(3)
    home = ok(
        api.post(
            "/api/v1/orgs",
            json={"parent_id": COMMITTEE, "name": f"天津支部{tag}", "type": "branch"},
            headers=admin.auth,
        ),
        201,
    )["id"]
    tower_body = {
        "parent_id": COMMITTEE,
        "name": f"大厦联合支部{tag}",
        "type": "branch",
        "address": "乌鲁木齐市某大厦 18 层",
        "location": {"lng": TOWER[0], "lat": TOWER[1]},
    }
    host = ok(api.post("/api/v1/orgs", json=tower_body, headers=admin.auth), 201)["id"]
    sec_host, _ = person_in(api, identity_events, admin, host, "大厦书记", secretary=True)
    li_na, _ = person_in(api, identity_events, admin, home, "李娜", status="probationary")
    colleague, _ = person_in(api, identity_events, admin, host, "同事")

    # On her phone she finds the tower's branch 800 m away (geo's copy of org places follows orgs' events).
    def nearest() -> list[dict]:
        params = {"lng": OFFICE[0], "lat": OFFICE[1], "limit": 3, "radius_m": 5000}
        return ok(api.get("/api/v1/geo/orgs/nearest", params=params, headers=li_na.auth))["orgs"]

    eventually(lambda: any(o["org_id"] == host for o in nearest()), "geo never learned where the branch is")
    found = nearest()[0]
    assert found["org_id"] == host and found["name"] == tower_body["name"]
    assert abs(found["distance_m"] - 800) < 5, found
    shown = ok(
        api.get(
            "/api/v1/geo/orgs/nearest",
            params={"lng": OFFICE[0], "lat": OFFICE[1], "datum": "gcj02", "limit": 1},
            headers=li_na.auth,
        )
    )["orgs"][0]
    assert shown["org_id"] == host and shown["location"]["lng"] != TOWER[0]  # in the Chinese maps' datum
    error(
        api.get("/api/v1/geo/orgs/nearest", params={"lng": 200, "lat": 0}, headers=li_na.auth),
        400,
        "invalid_argument",
        "lng",
    )

    # She registers as a mobile member; the tower's branch accepts her inflow.
    registration = {
        "destination": "乌鲁木齐市",
        "reason": "外出务工",
        "left_on": dt.date.today().isoformat(),
        "host_org_id": host,
    }
    rid = ok(api.post("/api/v1/mobile-registrations", json=registration, headers=li_na.auth), 201)["id"]
    ok(api.post(f"/api/v1/mobile-registrations/{rid}/accept", headers=sec_host.auth))

    # The host's theme party day, on now; its organizer draws the fence (members may not).
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    day = {
        "type": "theme_party_day",
        "title": "主题党日：走进社区",
        "starts_at": (now - dt.timedelta(minutes=10)).isoformat(),
        "ends_at": (now + dt.timedelta(hours=2)).isoformat(),
        "place": "大厦一层广场",
    }
    meeting = ok(api.post(f"/api/v1/orgs/{host}/meetings", json=day, headers=sec_host.auth), 201)["meetings"][0]["id"]
    eventually(lambda: li_na.account_id in roster_of(api, sec_host, meeting), "the hosted member is not invited")
    fence = {"shape": "polygon", "ring": [{"lng": p[0], "lat": p[1]} for p in L_SHAPE]}
    error(api.put(f"/api/v1/meetings/{meeting}/geofence", json=fence, headers=li_na.auth), 403, "permission_denied")
    crossed = {"shape": "polygon", "ring": [fence["ring"][i] for i in (0, 2, 1, 3)]}
    error(
        api.put(f"/api/v1/meetings/{meeting}/geofence", json=crossed, headers=sec_host.auth),
        400,
        "invalid_argument",
        "ring",
    )
    drawn = ok(api.put(f"/api/v1/meetings/{meeting}/geofence", json=fence, headers=sec_host.auth))
    assert drawn["shape"] == "polygon" and drawn["geojson"]["geometry"]["type"] == "Polygon"
    assert ok(api.get(f"/api/v1/meetings/{meeting}/geofence", headers=li_na.auth))["ring"] == drawn["ring"]

    # Her phone checks in: not without consent, not from the notch of the L, yes from inside it.
    phone = Phone(api, li_na)
    error(phone.check_in(meeting, INSIDE), 409, "failed_precondition", "purpose")
    granted = consent(api, li_na, "check_in")
    assert granted["granted"] and "90" in granted["text"]
    outside = error(phone.check_in(meeting, NOTCH), 409, "failed_precondition", "report")
    assert "米" in outside["message"]
    tampered = phone.report("check_in", meeting, INSIDE)
    tampered["lat"] += 0.001
    error(
        api.post(f"/api/v1/meetings/{meeting}/geo-check-ins", json={"report": tampered}, headers=li_na.auth),
        403,
        "permission_denied",
        "report.signature",
    )
    checked = ok(phone.check_in(meeting, INSIDE), 201)
    assert (checked["status"], checked["flags"], checked["has_point"]) == ("accepted", [], True)
    assert ok(phone.check_in(meeting, INSIDE), 201)["id"] == checked["id"]  # once

    # orgs records her present, method geo.
    eventually(
        lambda: roster_of(api, sec_host, meeting)[li_na.account_id] == ("present", "geo"),
        "orgs never recorded the geo check-in",
    )
    mine = ok(api.get(f"/api/v1/meetings/{meeting}", headers=li_na.auth))["mine"]
    assert mine["status"] == "present"

    # A colleague's phone reports the very same coordinates twice: held for the organizer, who accepts it.
    other = Phone(api, colleague)
    consent(api, colleague, "check_in")
    consent(api, colleague, "live_sharing")
    spot = east(TOWER, -10, -10)
    ok(other.share(meeting, spot))
    held = ok(other.check_in(meeting, spot), 201)
    assert (held["status"], held["flags"]) == ("flagged", ["repeated_coordinates"])
    assert roster_of(api, sec_host, meeting)[colleague.account_id][0] != "present"
    listed = ok(api.get(f"/api/v1/meetings/{meeting}/geo-check-ins", headers=sec_host.auth))["check_ins"]
    assert [c["status"] for c in listed] == ["flagged", "accepted"]
    error(api.get(f"/api/v1/meetings/{meeting}/geo-check-ins", headers=li_na.auth), 403, "permission_denied")
    error(
        api.post(f"/api/v1/geo/check-ins/{held['id']}/review", json={"accept": True}, headers=colleague.auth),
        404,
        "not_found",
    )
    reviewed = ok(api.post(f"/api/v1/geo/check-ins/{held['id']}/review", json={"accept": True}, headers=sec_host.auth))
    assert (reviewed["status"], reviewed["reviewed_by"]) == ("accepted", sec_host.account_id)
    eventually(
        lambda: roster_of(api, sec_host, meeting)[colleague.account_id] == ("present", "geo"),
        "orgs never recorded the accepted check-in",
    )

    # Live sharing: the colleague shares; Li Na sees nobody until she shares too; the organizer sees both.
    live = f"/api/v1/meetings/{meeting}/live-locations"
    error(api.get(live, headers=li_na.auth), 403, "permission_denied")
    error(phone.share(meeting, INSIDE), 409, "failed_precondition", "purpose")  # no consent for live sharing
    consent(api, li_na, "live_sharing")
    ok(phone.share(meeting, INSIDE))
    assert {p["account_id"] for p in ok(api.get(live, headers=li_na.auth))["locations"]} == {
        li_na.account_id,
        colleague.account_id,
    }
    assert len(ok(api.get(live, headers=sec_host.auth))["locations"]) == 2
    ok(api.delete(f"{live}/me", headers=li_na.auth))
    error(api.get(live, headers=li_na.auth), 403, "permission_denied")

    # Everything kept about her; revoking consent for check-in keeps only that she attended.
    data = ok(api.get("/api/v1/me/geo-data", headers=li_na.auth))
    assert [c["meeting_id"] for c in data["check_ins"]] == [meeting] and data["check_ins"][0]["point"]
    assert {c["purpose"] for c in data["consents"] if c["granted"]} == {"check_in", "live_sharing"}
    consent(api, li_na, "check_in", granted=False)
    data = ok(api.get("/api/v1/me/geo-data", headers=li_na.auth))
    assert data["check_ins"][0]["point"] is None and data["check_ins"][0]["status"] == "accepted"
    assert [h["action"] for h in data["consent_history"] if h["purpose"] == "check_in"] == ["revoked", "granted"]
    assert roster_of(api, sec_host, meeting)[li_na.account_id] == ("present", "geo")
    listed = ok(api.get(f"/api/v1/meetings/{meeting}/geo-check-ins", headers=sec_host.auth))["check_ins"]
    assert {c["account_id"]: c["has_point"] for c in listed}[li_na.account_id] is False


def test_check_in_outside_the_window_and_a_circle_fence_edge(api, admin, identity_events):
    tag = secrets.token_hex(3)
    body = {"parent_id": COMMITTEE, "name": f"圆形签到支部{tag}", "type": "branch"}
    branch = ok(api.post("/api/v1/orgs", json=body, headers=admin.auth), 201)["id"]
    sec, _ = person_in(api, identity_events, admin, branch, "签到书记", secretary=True)
    member, _ = person_in(api, identity_events, admin, branch, "签到党员")
    starts = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=1)

    def schedule(starts_at: dt.datetime) -> str:
        body = {
            "type": "branch_general_meeting",
            "title": "党员大会",
            "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + dt.timedelta(hours=1)).isoformat(),
            "place": "会议室",
        }
        return ok(api.post(f"/api/v1/orgs/{branch}/meetings", json=body, headers=sec.auth), 201)["meetings"][0]["id"]

    center = (TOWER[0] + 0.3, TOWER[1] + 0.2)
    circle = {"shape": "circle", "center": {"lng": center[0], "lat": center[1]}, "radius_m": 100}
    tomorrow, today = schedule(starts), schedule(dt.datetime.now(dt.UTC).replace(microsecond=0))
    for meeting in (tomorrow, today):
        ok(api.put(f"/api/v1/meetings/{meeting}/geofence", json=circle, headers=sec.auth))
    error(
        api.put(f"/api/v1/meetings/{today}/geofence", json={**circle, "radius_m": 5}, headers=sec.auth),
        400,
        "invalid_argument",
        "radius_m",
    )
    phone = Phone(api, member)
    consent(api, member, "check_in")
    error(phone.check_in(tomorrow, center), 409, "failed_precondition", "report.at_ms")  # not open yet
    beyond = east(center, 103)  # a few metres past the edge
    error(phone.check_in(today, beyond), 409, "failed_precondition", "report")
    on_edge = east(center, 99.9)
    assert ok(phone.check_in(today, on_edge), 201)["status"] == "accepted"
    gcj = ok(api.get(f"/api/v1/meetings/{today}/geofence", params={"datum": "gcj02"}, headers=member.auth))
    assert gcj["center"]["lng"] != round(center[0], 7)  # the map datum's shift
    assert json.dumps(gcj["geojson"])  # GeoJSON for the map


def test_the_demo_region_has_its_orgs_on_the_map(api, identity_events):
    """`make up`'s demo orgs have places (services/orgs/manage.py DEMO_PLACES): 李娜's branch finds the tower's."""
    member = register(api, identity_events, "看地图的人")
    params = {"lng": 117.2064, "lat": 39.1231, "limit": 5, "radius_m": 2000}

    def nearby() -> dict[str, float]:
        found = ok(api.get("/api/v1/geo/orgs/nearest", params=params, headers=member.auth))["orgs"]
        return {o["org_id"]: o["distance_m"] for o in found}

    eventually(lambda: "demo-tower" in nearby(), "geo never learned the demo orgs' places")
    assert nearby()["demo-branch-1"] == 0 and 830 < nearby()["demo-tower"] < 850
    reply = api.get("/api/v1/geo/orgs/map", params={"org_id": "demo-community"}, headers=member.auth)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/geo+json")
    names = {f["properties"]["org_id"] for f in reply.json()["features"]}
    assert names == {"demo-community", "demo-branch-1", "demo-branch-2"}  # the group has no place of its own
    assert reply.headers["X-Count"] == "3" and reply.headers["X-Truncated"] == "false"
