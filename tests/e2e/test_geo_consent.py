"""The consent matrix, through the gateway: for each purpose (check-in, live sharing, current city), each state
of the member's consent (never given, granted, granted then revoked) and each reader (the member, the meeting's
organizer, another member), what is stored and what is shown. Nothing without an active consent; revoking drops
what was kept; others never see anyone's city, only counts of at least k."""

from __future__ import annotations

import datetime as dt
import secrets

import httpx
import pytest

from devstack import demo
from tests.conftest import Person, _client_numbers, login
from tests.e2e.corner import error
from tests.e2e.test_geo import TOWER, Phone, consent, east
from tests.e2e.test_life_rosters import ok
from tests.e2e.test_transfers import COMMITTEE, person_in

pytestmark = pytest.mark.e2e

PURPOSES = ("check_in", "live_sharing", "mobile_city")
STATES = ("never", "granted", "revoked")
CENTER = east(TOWER, 5000, 5000)
SPOT = east(CENTER, 20, -15)


def _client(gateway_url: str) -> httpx.Client:
    """A client of its own address (the gateway limits code requests per address)."""
    address = f"2001:db8::{next(_client_numbers):x}, 10.0.0.1"
    return httpx.Client(base_url=gateway_url, headers={"X-Forwarded-For": address}, timeout=15)


@pytest.fixture(scope="module")
def corner(gateway_url, identity_events):
    with _client(gateway_url) as http:
        body = login(http, demo.ADMIN_PHONE, demo.ADMIN_PASSWORD)
        admin = Person(demo.ADMIN_PHONE, demo.ADMIN_PASSWORD, body["account"]["id"], body["access_token"], "")
        body = {"parent_id": COMMITTEE, "name": f"同意矩阵支部{secrets.token_hex(3)}", "type": "branch"}
        branch = ok(http.post("/api/v1/orgs", json=body, headers=admin.auth), 201)["id"]

    def person(name: str, secretary: bool = False) -> Person:
        with _client(gateway_url) as http:
            return person_in(http, identity_events, admin, branch, name, secretary=secretary)[0]

    organizer, peer = person("组织者", secretary=True), person("旁观者")
    members = {(p, s): person(f"成员{p}{s}") for p in PURPOSES for s in STATES}
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    meeting = {
        "type": "party_lecture",
        "title": "党小组会",
        "starts_at": (now - dt.timedelta(minutes=5)).isoformat(),
        "ends_at": (now + dt.timedelta(hours=2)).isoformat(),
        "place": "活动室",
    }
    fence = {"shape": "circle", "center": {"lng": CENTER[0], "lat": CENTER[1]}, "radius_m": 200}
    with _client(gateway_url) as http:
        scheduled = ok(http.post(f"/api/v1/orgs/{branch}/meetings", json=meeting, headers=organizer.auth), 201)
        meeting_id = scheduled["meetings"][0]["id"]
        ok(http.put(f"/api/v1/meetings/{meeting_id}/geofence", json=fence, headers=organizer.auth))
    return {"branch": branch, "organizer": organizer, "peer": peer, "members": members, "meeting": meeting_id}


def _write(api, phone: Phone, purpose: str, meeting: str):
    if purpose == "check_in":
        return phone.check_in(meeting, SPOT)
    if purpose == "live_sharing":
        return phone.share(meeting, SPOT)
    body = {"purpose": "mobile_city", "report": phone.report("mobile_city", "", SPOT, division="650102")}
    return api.post("/api/v1/geo/reports", json=body, headers=phone.person.auth)


def _kept_for_self(api, member, purpose: str) -> bool:
    data = ok(api.get("/api/v1/me/geo-data", headers=member.auth))
    if purpose == "check_in":
        return any(c["point"] for c in data["check_ins"])
    if purpose == "live_sharing":
        return bool(data["live_locations"])
    return data["city"] is not None


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("purpose", PURPOSES)
def test_what_is_kept_and_shown(api, corner, purpose, state):
    member, organizer, peer, meeting = (
        corner["members"][(purpose, state)],
        corner["organizer"],
        corner["peer"],
        corner["meeting"],
    )
    phone = Phone(api, member)
    if state != "never":
        consent(api, member, purpose)
    if state == "revoked":
        assert _write(api, phone, purpose, meeting).status_code in (200, 201)  # kept while granted …
        assert _kept_for_self(api, member, purpose)
        revoked = consent(api, member, purpose, granted=False)
        assert revoked["granted"] is False
    reply = _write(api, phone, purpose, meeting)
    if state == "granted":
        assert reply.status_code in (200, 201), reply.text
    else:  # no new point without consent (revoked: not even for a check-in already made)
        error(reply, 409, "failed_precondition", "purpose")

    # the member: their export holds a point (or city) exactly when consent is active
    assert _kept_for_self(api, member, purpose) is (state == "granted")

    # the organizer and another member
    if purpose == "check_in":
        listed = ok(api.get(f"/api/v1/meetings/{meeting}/geo-check-ins", headers=organizer.auth))["check_ins"]
        mine = [c for c in listed if c["account_id"] == member.account_id]
        assert [c["has_point"] for c in mine] == ({"never": [], "granted": [True], "revoked": [False]}[state])
        error(api.get(f"/api/v1/meetings/{meeting}/geo-check-ins", headers=peer.auth), 403, "permission_denied")
    elif purpose == "live_sharing":
        shown = ok(api.get(f"/api/v1/meetings/{meeting}/live-locations", headers=organizer.auth))["locations"]
        assert (member.account_id in {p["account_id"] for p in shown}) is (state == "granted")
        error(api.get(f"/api/v1/meetings/{meeting}/live-locations", headers=peer.auth), 403, "permission_denied")
    else:
        spread = ok(
            api.get(f"/api/v1/orgs/{corner['branch']}/geo/distribution", params={"by": "city"}, headers=organizer.auth)
        )
        assert spread["groups"] == [] and spread["others"] == 0 and spread["k"] == 10  # one person: never shown
        error(
            api.get(f"/api/v1/orgs/{corner['branch']}/geo/distribution", params={"by": "city"}, headers=peer.auth),
            403,
            "permission_denied",
        )
