"""Every read of someone's ID-card number, location or service-request content leaves an audit entry naming
who read whose data, when, why and under which request id (docs/privacy.md): read through the gateway here,
the entries checked where each service keeps them. A member reading their own data: their masked personal
data and their own points are not audited (nobody else's data was read); unmasking their own ID-card number
is, and so is each read of a service request, theirs included (the member sees who read it)."""

from __future__ import annotations

import datetime as dt
import io
import secrets

import httpx
import pymongo
import pytest
from PIL import Image

from tests.conftest import REGION
from tests.e2e.test_geo import TOWER, Phone, consent, east
from tests.e2e.test_life_rosters import ok
from tests.e2e.test_transfers import COMMITTEE, person_in

pytestmark = pytest.mark.e2e

API = "/api/v1"
ID_CARD = "110105198001010016"


def _audit(api, admin, action: str, target_id: str) -> list[dict]:
    query = {"action": action, "target_id": target_id}
    return ok(api.get(f"{API}/audit", params=query, headers=admin.auth))["entries"]


def test_reads_of_id_cards_locations_and_service_requests_are_audited(stack, api, admin, identity_events):
    tag = secrets.token_hex(3)
    body = {"parent_id": COMMITTEE, "name": f"审计支部{tag}", "type": "branch"}
    branch = ok(api.post(f"{API}/orgs", json=body, headers=admin.auth), 201)["id"]
    sec, _ = person_in(api, identity_events, admin, branch, "审计书记", secretary=True)
    member, _ = person_in(api, identity_events, admin, branch, "审计党员")

    # -- the ID-card number: the member's own masked read is not audited, an unmasked one and anyone else's are
    ok(
        api.put(
            f"{API}/me/personal-data", json={"real_name": "审计党员", "id_card_number": ID_CARD}, headers=member.auth
        )
    )
    own = ok(api.get(f"{API}/accounts/me/personal-data", headers=member.auth))
    assert own["id_card_number"] != ID_CARD and not own["unmasked"]
    assert _audit(api, admin, "personal_data.read", member.account_id) == []
    own_unmasked = api.get(
        f"{API}/accounts/me/personal-data", params={"unmask": "true", "reason": "核对本人信息"}, headers=member.auth
    )
    assert ok(own_unmasked)["id_card_number"] == ID_CARD
    read = api.get(
        f"{API}/accounts/{member.account_id}/personal-data",
        params={"unmask": "true", "reason": "组织关系转接核对"},
        headers=admin.auth,
    )
    assert ok(read)["id_card_number"] == ID_CARD
    entries = _audit(api, admin, "personal_data.read", member.account_id)
    by_request = {e["request_id"]: e for e in entries}
    assert set(by_request) == {own_unmasked.headers["x-request-id"], read.headers["x-request-id"]}
    theirs = by_request[read.headers["x-request-id"]]
    assert (theirs["actor_id"], theirs["details"]["reason"], theirs["details"]["unmask"]) == (
        admin.account_id,
        "组织关系转接核对",
        "True",
    )
    assert abs(dt.datetime.fromisoformat(theirs["at"]) - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)

    # -- locations: a check-in with its point, read by the organizer (listing, review) and live positions
    starts = dt.datetime.now(dt.UTC).replace(microsecond=0)
    meeting_body = {
        "type": "branch_general_meeting",
        "title": "党员大会",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(hours=1)).isoformat(),
        "place": "会议室",
    }
    meeting = ok(api.post(f"{API}/orgs/{branch}/meetings", json=meeting_body, headers=sec.auth), 201)["meetings"][0]
    center = (TOWER[0] - 0.4, TOWER[1] - 0.3)
    fence = {"shape": "circle", "center": {"lng": center[0], "lat": center[1]}, "radius_m": 100}
    ok(api.put(f"{API}/meetings/{meeting['id']}/geofence", json=fence, headers=sec.auth))
    phone = Phone(api, member)
    consent(api, member, "check_in")
    consent(api, member, "live_sharing")
    spot = east(center, 20)
    ok(phone.share(meeting["id"], spot))
    held = ok(phone.check_in(meeting["id"], spot), 201)  # the same coordinates twice: held for the organizer
    assert held["status"] == "flagged"
    ok(api.get(f"{API}/me/geo-data", headers=member.auth))  # their own points: not audited
    listed = api.get(f"{API}/meetings/{meeting['id']}/geo-check-ins", headers=sec.auth)
    assert ok(listed)["check_ins"][0]["point"]
    reviewed = api.post(f"{API}/geo/check-ins/{held['id']}/review", json={"accept": True}, headers=sec.auth)
    assert ok(reviewed)["point"]
    live = api.get(f"{API}/meetings/{meeting['id']}/live-locations", headers=sec.auth)
    assert ok(live)
    with pymongo.MongoClient(stack.env["MONGO_URI"]) as client:
        rows = list(client[f"{REGION}_geo"]["location_reads"].find({"ref": meeting["id"]}))
    seen = {(r["view"], r["reader"], tuple(r["subjects"]), r["request_id"]) for r in rows}
    assert seen == {
        ("check_ins", sec.account_id, (member.account_id,), listed.headers["x-request-id"]),
        ("check_in_review", sec.account_id, (member.account_id,), reviewed.headers["x-request-id"]),
        ("live_locations", sec.account_id, (member.account_id,), live.headers["x-request-id"]),
    }

    # -- a service request's content: every read, the counsellor's and the member's own, is on its list
    appoint = {"category": "legal", "account_id": sec.account_id}
    ok(api.post(f"{API}/orgs/{branch}/counsellors", json=appoint, headers=admin.auth), 201)
    body = {"category": "legal", "subject": "劳动纠纷" + tag, "text": "公司拖欠工资，如何维权？"}
    opened = ok(api.post(f"{API}/service-requests", json=body, headers=member.auth), 201)
    ok(api.post(f"{API}/service-requests/{opened['id']}/take", headers=sec.auth))
    counsellor_read = api.get(f"{API}/service-requests/{opened['id']}", headers=sec.auth)
    assert ok(counsellor_read)["text"] == body["text"]
    member_read = api.get(f"{API}/service-requests/{opened['id']}", headers=member.auth)
    assert ok(member_read)["text"] == body["text"]
    reads = ok(api.get(f"{API}/service-requests/{opened['id']}/reads", headers=member.auth))["reads"]
    full = {(r["reader_id"], r["role"], r["call_id"]) for r in reads if r["view"] == "request"}
    assert full == {
        (sec.account_id, "counsellor", counsellor_read.headers["x-request-id"]),
        (member.account_id, "member", member_read.headers["x-request-id"]),
    }
    assert all(r["at"] for r in reads)

    # -- an attachment of theirs, private: the org's media manager reading it is audited, the owner is not
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(picture, "JPEG")
    data = picture.getvalue()
    start = {"org_id": branch, "filename": "证明.jpg", "content_type": "image/jpeg", "size": len(data)}
    upload = ok(api.post(f"{API}/media/uploads", json={**start, "visibility": "private"}, headers=member.auth), 201)
    assert httpx.put(upload["put_url"], content=data, headers={"Content-Type": "image/jpeg"}, timeout=30).is_success
    media_id = upload["media"]["id"]
    ok(api.post(f"{API}/media/{media_id}/finalize", headers=member.auth))
    ok(api.get(f"{API}/media/{media_id}", headers=member.auth))
    managed = api.get(f"{API}/media/{media_id}", headers=sec.auth)
    assert ok(managed)["id"] == media_id
    with pymongo.MongoClient(stack.env["MONGO_URI"]) as client:
        rows = list(client[f"{REGION}_media"]["private_reads"].find({"media_id": media_id}))
    assert [(r["reader"], r["owner"], r["request_id"]) for r in rows] == [
        (sec.account_id, member.account_id, managed.headers["x-request-id"])
    ]
