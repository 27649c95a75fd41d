"""Membership transfers and mobile members through the gateway, on the real stack.

Each test builds its own branches under demo-committee with their own secretaries and members, so the
shared demo data stays as it is. "One home org" is checked at every step from two sides: the member's
dossier and the member lists of both branches.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
import time

import httpx
import mongoengine as me
import pytest

from kernel import store
from kernel.config import StoreConfig
from tests.conftest import Person, login, register

pytestmark = pytest.mark.e2e

COMMITTEE = "demo-committee"


def ok(reply: httpx.Response, status: int = 200) -> dict:
    assert reply.status_code == status, reply.text
    return reply.json()


def error(reply: httpx.Response, status: int, field: str | None = None) -> dict:
    assert reply.status_code == status, reply.text
    body = reply.json()["error"]
    assert body["message"]
    if field is not None:
        assert body["field"] == field, body
    return body


def poll(check, timeout: float = 10.0):
    """check() until it returns something truthy (the identity worker applies roles asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def new_branch(api, admin: Person, label: str) -> str:
    name = f"{label}{secrets.token_hex(3)}"
    body = ok(
        api.post("/api/v1/orgs", json={"parent_id": COMMITTEE, "name": name, "type": "branch"}, headers=admin.auth), 201
    )
    return body["id"]


def join(api, admin: Person, org_id: str, person: Person, status: str = "full", since: str = "2015-07-01") -> dict:
    """Add person to org_id as admin, once orgs has heard of the account (identity's event)."""
    payload = {"account_id": person.account_id, "status": status, "effective_on": since}

    def attempt():
        reply = api.post(f"/api/v1/orgs/{org_id}/members", json=payload, headers=admin.auth)
        return reply if reply.status_code != 404 else None

    reply = poll(attempt)
    assert reply is not None, "orgs never learned of the account"
    return ok(reply, 201)


def may(api, admin: Person, account_id: str, action: str, org_id: str) -> bool:
    reply = api.get(
        "/api/v1/authz/check",
        params={"action": action, "org_id": org_id, "account_id": account_id},
        headers=admin.auth,
    )
    return reply.status_code == 200 and reply.json()["allowed"]


def make_secretary(api, admin: Person, membership: dict, person: Person) -> Person:
    ok(api.post(f"/api/v1/memberships/{membership['id']}/roles", json={"role": "secretary"}, headers=admin.auth))
    assert poll(lambda: may(api, admin, person.account_id, "member.manage", membership["org_id"]))
    fresh = login(api, person.phone, person.password)  # a token that carries the new grant
    return Person(person.phone, person.password, person.account_id, fresh["access_token"], fresh["refresh_token"])


def person_in(api, identity_events, admin, org_id: str, name: str, secretary: bool = False, **kw):
    person = register(api, identity_events, name)
    membership = join(api, admin, org_id, person, **kw)
    if secretary:
        person = make_secretary(api, admin, membership, person)
    return person, membership


def stats(api, admin: Person, org_id: str) -> dict:
    return ok(api.get(f"/api/v1/orgs/{org_id}/stats", headers=admin.auth))["members_by_status"]


def assert_one_home(api, admin: Person, account_id: str, home: str, orgs: tuple[str, ...]) -> dict:
    """The member has exactly one home org, home: per the dossier and per the member lists."""
    dossier = ok(api.get(f"/api/v1/accounts/{account_id}/dossier", headers=admin.auth))
    assert dossier["membership"]["org_id"] == home
    listed = []
    for org_id in orgs:
        members = ok(api.get(f"/api/v1/orgs/{org_id}/members", headers=admin.auth))["members"]
        listed += [org_id for m in members if m["account_id"] == account_id]
    assert listed == [home]
    return dossier


def step(api, who: Person, transfer_id: str, name: str, reason: str = "") -> httpx.Response:
    body = {"reason": reason} if reason else {}
    return api.post(f"/api/v1/transfers/{transfer_id}/{name}", json=body, headers=who.auth)


@pytest.fixture
def two_branches(api, admin, identity_events):
    """Outgoing and incoming branches with a secretary each, and a full member of the outgoing one
    (with dues, a pipeline history and a committee role) who will move."""
    out_id, in_id = new_branch(api, admin, "转出支部"), new_branch(api, admin, "转入支部")
    sec_out, _ = person_in(api, identity_events, admin, out_id, "转出书记", secretary=True)
    sec_in, _ = person_in(api, identity_events, admin, in_id, "转入书记", secretary=True)
    member, membership = person_in(
        api, identity_events, admin, out_id, "转接党员", status="probationary", since="2024-01-02"
    )
    mid = membership["id"]
    ok(
        api.post(
            f"/api/v1/memberships/{mid}/status",
            json={"to_status": "full", "effective_on": "2025-01-03"},
            headers=admin.auth,
        )
    )
    for month in ("2025-01", "2025-02", "2025-03"):
        ok(
            api.post(f"/api/v1/memberships/{mid}/dues", json={"month": month, "amount_fen": 2000}, headers=admin.auth),
            201,
        )
    ok(api.post(f"/api/v1/memberships/{mid}/roles", json={"role": "committee_member"}, headers=admin.auth))
    assert poll(lambda: may(api, admin, member.account_id, "member.read", out_id))
    return {"out": out_id, "in": in_id, "sec_out": sec_out, "sec_in": sec_in, "member": member, "membership": mid}


def test_a_transfer_moves_the_dossier_counts_and_roles_with_one_home_at_every_step(api, admin, two_branches):
    w = two_branches
    member, sec_out, sec_in, out_id, in_id = w["member"], w["sec_out"], w["sec_in"], w["out"], w["in"]
    orgs = (out_id, in_id)
    before = {o: stats(api, admin, o) for o in (*orgs, COMMITTEE)}
    dossier_before = assert_one_home(api, admin, member.account_id, out_id, orgs)
    assert dossier_before["membership"]["dues_paid_up_to"] == "2025-03"

    # the member asks for themselves
    transfer = ok(
        api.post("/api/v1/transfers", json={"to_org_id": in_id, "reason": "工作调动"}, headers=member.auth), 201
    )
    tid = transfer["id"]
    assert (transfer["state"], transfer["letter_no"], transfer["allowed_steps"]) == ("requested", "", ["cancel"])
    assert [t["id"] for t in ok(api.get("/api/v1/transfers", headers=member.auth))["transfers"]] == [tid]
    assert_one_home(api, admin, member.account_id, out_id, orgs)
    # a second open transfer of the same member is refused
    error(api.post("/api/v1/transfers", json={"to_org_id": in_id}, headers=member.auth), 409, "membership_id")

    # the wrong secretary (of the incoming org) and the member can't approve for the outgoing org
    error(step(api, sec_in, tid, "approve_out"), 403)
    error(step(api, member, tid, "approve_out"), 403)
    seen_out = ok(api.get(f"/api/v1/transfers/{tid}", headers=sec_out.auth))
    assert seen_out["allowed_steps"] == ["approve_out", "reject_out"]

    approved = ok(step(api, sec_out, tid, "approve_out"))
    assert approved["state"] == "approved_out"
    assert re.fullmatch(rf"{dt.date.today().year}-\d{{6}}", approved["letter_no"]), approved["letter_no"]
    assert_one_home(api, admin, member.account_id, out_id, orgs)

    # a retried approval is a no-op: same letter, same version, one step recorded
    again = ok(step(api, sec_out, tid, "approve_out"))
    assert (again["letter_no"], again["version"]) == (approved["letter_no"], approved["version"])
    assert [s["step"] for s in again["steps"]] == ["approve_out"]

    # the member can't accept their own transfer; the outgoing secretary can't accept for the incoming org
    error(step(api, member, tid, "accept_in"), 403)
    error(step(api, sec_out, tid, "accept_in"), 403)
    incoming = ok(api.get(f"/api/v1/orgs/{in_id}/transfers", params={"direction": "incoming"}, headers=sec_in.auth))
    assert [t["id"] for t in incoming["transfers"]] == [tid]
    outgoing = ok(api.get(f"/api/v1/orgs/{out_id}/transfers", params={"direction": "outgoing"}, headers=sec_out.auth))
    assert [t["id"] for t in outgoing["transfers"]] == [tid]
    error(api.get(f"/api/v1/orgs/{out_id}/transfers", params={"direction": "outgoing"}, headers=sec_in.auth), 403)

    done = ok(step(api, sec_in, tid, "accept_in"))
    assert done["state"] == "completed" and done["allowed_steps"] == []
    assert [s["step"] for s in done["steps"]] == ["approve_out", "accept_in"]
    # completing again changes nothing
    assert ok(step(api, sec_in, tid, "accept_in"))["version"] == done["version"]
    error(step(api, member, tid, "cancel"), 409)

    # the dossier moved with the membership: history, status, dues paid-up-to and records kept
    dossier = assert_one_home(api, admin, member.account_id, in_id, orgs)
    moved = dossier["membership"]
    assert moved["id"] == w["membership"]
    assert (moved["status"], moved["dues_paid_up_to"], moved["roles"]) == ("full", "2025-03", ["member"])
    assert len(moved["history"]) == len(dossier_before["membership"]["history"]) + 1
    last = moved["history"][-1]
    assert (last["status"], last["org_id"], last["approved_by"]) == ("full", in_id, sec_in.account_id)
    assert approved["letter_no"] in last["note"]
    assert [d["month"] for d in dossier["dues"]] == ["2025-01", "2025-02", "2025-03"]

    # the counters moved: one full member out of the outgoing branch, into the incoming; the common
    # ancestor unchanged by the transfer (other tests may change it meanwhile, so compare this branch only)
    after = {o: stats(api, admin, o) for o in orgs}
    assert after[out_id].get("full", 0) == before[out_id].get("full", 0) - 1
    assert after[in_id].get("full", 0) == before[in_id].get("full", 0) + 1

    # identity moved the grants: the committee role and membership of the old branch are gone, the new one is there
    assert poll(lambda: not may(api, admin, member.account_id, "member.read", out_id))
    assert poll(lambda: may(api, admin, member.account_id, "org.read", in_id))
    assert not may(api, admin, member.account_id, "org.read", out_id)

    # both sides and the member still read the transfer; a secretary elsewhere doesn't
    for reader in (member, sec_out, sec_in):
        assert ok(api.get(f"/api/v1/transfers/{tid}", headers=reader.auth))["state"] == "completed"


def test_concurrent_approvals_apply_once_and_letters_stay_unique(
    api, admin, two_branches, gateway_url, identity_events
):
    w = two_branches
    sec_out = w["sec_out"]
    second = join(api, admin, w["out"], register(api, identity_events, "另一转接党员"))
    tids = [
        ok(
            api.post(
                "/api/v1/transfers",
                json={"membership_id": membership_id, "to_org_id": w["in"]},
                headers=sec_out.auth,
            ),
            201,
        )["id"]
        for membership_id in (w["membership"], second["id"])
    ]
    replies: dict[str, list[httpx.Response]] = {tid: [] for tid in tids}

    def approve(tid: str):
        with httpx.Client(base_url=gateway_url, headers=api.headers, timeout=15) as client:
            replies[tid].append(step(client, sec_out, tid, "approve_out"))

    # two transfers, each approved four times at once: each applies once, and they get different letters
    threads = [threading.Thread(target=approve, args=(tid,)) for tid in tids for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    letters = set()
    for tid in tids:
        assert [r.status_code for r in replies[tid]] == [200] * 4, [r.text for r in replies[tid]]
        assert len({r.json()["letter_no"] for r in replies[tid]}) == 1
        final = ok(api.get(f"/api/v1/transfers/{tid}", headers=sec_out.auth))
        assert [s["step"] for s in final["steps"]] == ["approve_out"]
        assert final["version"] == 2
        letters.add(final["letter_no"])
    assert len(letters) == 2


def test_rejections_need_reasons_and_leave_the_member_at_home(api, admin, two_branches):
    w = two_branches
    member, sec_out, sec_in, out_id, in_id = w["member"], w["sec_out"], w["sec_in"], w["out"], w["in"]
    orgs = (out_id, in_id)
    before = {o: stats(api, admin, o) for o in orgs}

    # requested by the outgoing secretary, rejected by them with a reason
    tid = ok(
        api.post(
            "/api/v1/transfers", json={"membership_id": w["membership"], "to_org_id": in_id}, headers=sec_out.auth
        ),
        201,
    )["id"]
    assert ok(api.get(f"/api/v1/transfers/{tid}", headers=member.auth))["requested_by"] == sec_out.account_id
    error(step(api, sec_out, tid, "reject_out"), 400, "reason")
    rejected = ok(step(api, sec_out, tid, "reject_out", "材料不全"))
    assert rejected["state"] == "rejected_out" and rejected["steps"][-1]["reason"] == "材料不全"
    error(step(api, sec_out, tid, "approve_out"), 409, "step")
    assert_one_home(api, admin, member.account_id, out_id, orgs)

    # a new request: approved out, then rejected by the incoming org
    tid = ok(api.post("/api/v1/transfers", json={"to_org_id": in_id}, headers=member.auth), 201)["id"]
    ok(step(api, sec_out, tid, "approve_out"))
    error(step(api, sec_in, tid, "reject_in"), 400, "reason")
    rejected = ok(step(api, sec_in, tid, "reject_in", "接收单位不符"))
    assert rejected["state"] == "rejected_in" and rejected["letter_no"]
    error(step(api, sec_in, tid, "accept_in"), 409)
    assert_one_home(api, admin, member.account_id, out_id, orgs)

    # a third: only the requester cancels
    tid = ok(api.post("/api/v1/transfers", json={"to_org_id": in_id}, headers=member.auth), 201)["id"]
    error(step(api, sec_out, tid, "cancel"), 403)
    assert ok(step(api, member, tid, "cancel"))["state"] == "cancelled"
    assert_one_home(api, admin, member.account_id, out_id, orgs)

    states = [t["state"] for t in ok(api.get(f"/api/v1/orgs/{out_id}/transfers", headers=sec_out.auth))["transfers"]]
    assert states == ["rejected_out", "rejected_in", "cancelled"]
    rejected_only = ok(
        api.get(
            f"/api/v1/orgs/{in_id}/transfers",
            params={"direction": "incoming", "state": "rejected_in"},
            headers=sec_in.auth,
        )
    )
    assert len(rejected_only["transfers"]) == 1
    assert {o: stats(api, admin, o) for o in orgs} == before


def test_transfer_bad_input_and_strangers(api, admin, two_branches, identity_events):
    w = two_branches
    member, sec_in = w["member"], w["sec_in"]
    post = lambda body, who=member: api.post("/api/v1/transfers", json=body, headers=who.auth)  # noqa: E731
    error(post({}), 400, "to_org_id")
    error(post({"to_org_id": "no-such-org"}), 404, "to_org_id")
    error(post({"to_org_id": w["out"]}), 400, "to_org_id")
    error(post({"to_org_id": w["in"], "reason": "x" * 501}), 400, "reason")
    error(post({"to_org_id": w["in"], "tenant": "beijing"}), 400, "tenant")
    error(post({"membership_id": "nope", "to_org_id": w["in"]}), 404, "membership_id")
    # the incoming secretary can't send someone else's member away
    error(post({"membership_id": w["membership"], "to_org_id": w["in"]}, sec_in), 403)

    tid = ok(post({"to_org_id": w["in"]}), 201)["id"]
    error(api.post(f"/api/v1/transfers/{tid}/approve", json={}, headers=member.auth), 400, "step")
    error(api.get("/api/v1/transfers/0123456789abcdef01234567", headers=member.auth), 404, "transfer_id")
    error(
        api.get(f"/api/v1/orgs/{w['out']}/transfers", params={"direction": "sideways"}, headers=admin.auth),
        400,
        "direction",
    )
    error(api.get(f"/api/v1/orgs/{w['out']}/transfers", params={"state": "lost"}, headers=admin.auth), 400, "state")

    stranger = register(api, identity_events, "路人")
    error(api.get(f"/api/v1/transfers/{tid}", headers=stranger.auth), 403)
    error(step(api, stranger, tid, "approve_out"), 403)
    assert ok(api.get("/api/v1/transfers", headers=stranger.auth))["transfers"] == []
    error(api.post("/api/v1/transfers", json={"to_org_id": w["in"]}, headers=stranger.auth), 404, "membership_id")


def _hosted_members(stack, org_id: str) -> list[str]:
    """Call mobile.hosted_members (the org-life area's entry point) in-process against the stack's database."""
    from services.orgs import mobile

    me.disconnect(alias="default")
    store.connect(StoreConfig(region=stack.layout.region, mongo_uri=stack.env["MONGO_URI"]), "orgs")
    try:
        return mobile.hosted_members(org_id, tenant=stack.layout.region)
    finally:
        me.disconnect(alias="default")


def test_mobile_members_seen_from_home_and_host_with_reports_and_a_return(api, admin, identity_events, stack):
    home_id, host_id = new_branch(api, admin, "流出支部"), new_branch(api, admin, "流入支部")
    sec_home, _ = person_in(api, identity_events, admin, home_id, "流出书记", secretary=True)
    sec_host, _ = person_in(api, identity_events, admin, host_id, "流入书记", secretary=True)
    member, _ = person_in(api, identity_events, admin, home_id, "流动党员")
    other, other_membership = person_in(api, identity_events, admin, home_id, "另一流动党员")
    left_on = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    register_ = lambda body, who=member: api.post("/api/v1/mobile-registrations", json=body, headers=who.auth)  # noqa: E731
    base = {"destination": "北京市朝阳区", "reason": "外出务工", "left_on": left_on, "host_org_id": host_id}

    # bad input names the field
    error(register_({**base, "destination": ""}), 400, "destination")
    error(register_({k: v for k, v in base.items() if k != "left_on"}), 400, "left_on")
    error(register_({**base, "left_on": "2026-13-01"}), 400, "left_on")
    error(register_({**base, "expected_return_on": "2000-01-01"}), 400, "expected_return_on")
    error(register_({**base, "host_org_id": home_id}), 400, "host_org_id")
    error(register_({**base, "host_org_id": "no-such-org"}), 404, "host_org_id")
    error(register_({**base, "membership_id": other_membership["id"]}), 403)  # not theirs to register

    mine = ok(register_(base), 201)
    rid = mine["id"]
    assert (mine["state"], mine["home_org_id"], mine["host_org_id"]) == ("outflow_registered", home_id, host_id)
    error(register_(base), 409, "membership_id")
    # the home secretary registers the other member
    other_reg = ok(register_({**base, "membership_id": other_membership["id"]}, sec_home), 201)

    # a transfer waits for the end of the mobile period
    error(api.post("/api/v1/transfers", json={"to_org_id": host_id}, headers=member.auth), 409, "membership_id")

    # only the host accepts the inflow; twice is once
    error(api.post(f"/api/v1/mobile-registrations/{rid}/accept", headers=sec_home.auth), 403)
    error(api.post(f"/api/v1/mobile-registrations/{rid}/accept", headers=member.auth), 403)
    hosted = ok(api.post(f"/api/v1/mobile-registrations/{rid}/accept", headers=sec_host.auth))
    assert (hosted["state"], hosted["accepted_by"]) == ("hosted", sec_host.account_id)
    assert ok(api.post(f"/api/v1/mobile-registrations/{rid}/accept", headers=sec_host.auth))["state"] == "hosted"
    ok(api.post(f"/api/v1/mobile-registrations/{other_reg['id']}/accept", headers=sec_host.auth))

    # both sides see them; the host's list pages by cursor
    home_list = ok(api.get(f"/api/v1/orgs/{home_id}/mobile-members", params={"side": "home"}, headers=sec_home.auth))
    assert {r["id"] for r in home_list["registrations"]} == {rid, other_reg["id"]}
    first = ok(
        api.get(
            f"/api/v1/orgs/{host_id}/mobile-members", params={"side": "host", "page_size": 1}, headers=sec_host.auth
        )
    )
    assert len(first["registrations"]) == 1 and first["next_cursor"]
    second = ok(
        api.get(
            f"/api/v1/orgs/{host_id}/mobile-members",
            params={"side": "host", "page_size": 1, "cursor": first["next_cursor"]},
            headers=sec_host.auth,
        )
    )
    assert {first["registrations"][0]["id"], second["registrations"][0]["id"]} == {rid, other_reg["id"]}
    error(api.get(f"/api/v1/orgs/{host_id}/mobile-members", params={"side": "host"}, headers=member.auth), 403)
    error(
        api.get(f"/api/v1/orgs/{host_id}/mobile-members", params={"side": "away"}, headers=sec_host.auth), 400, "side"
    )
    assert [r["id"] for r in ok(api.get("/api/v1/mobile-registrations", headers=member.auth))["registrations"]] == [rid]
    assert sorted(_hosted_members(stack, host_id)) == sorted([member.account_id, other.account_id])

    # the host branch includes its mobile members in its org life
    starts = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=1)
    lecture = {
        "type": "party_lecture",
        "title": "党课",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(hours=2)).isoformat(),
        "place": "大厦会议室",
    }
    scheduled = ok(api.post(f"/api/v1/orgs/{host_id}/meetings", json=lecture, headers=sec_host.auth), 201)
    meeting_id = scheduled["meetings"][0]["id"]
    roster = ok(api.get(f"/api/v1/meetings/{meeting_id}/roster", headers=sec_host.auth))["attendance"]
    assert {member.account_id, other.account_id} <= {r["account_id"] for r in roster}

    # reporting back home: the member writes, the home org reads, the host doesn't
    error(api.post(f"/api/v1/mobile-registrations/{rid}/reports", json={"text": ""}, headers=member.auth), 400, "text")
    error(api.post(f"/api/v1/mobile-registrations/{rid}/reports", json={"text": "代写"}, headers=sec_home.auth), 403)
    report = ok(
        api.post(f"/api/v1/mobile-registrations/{rid}/reports", json={"text": "本季度思想汇报"}, headers=member.auth),
        201,
    )
    listed = ok(api.get(f"/api/v1/mobile-registrations/{rid}/reports", headers=sec_home.auth))["reports"]
    assert [(r["id"], r["text"]) for r in listed] == [(report["id"], "本季度思想汇报")]
    error(api.get(f"/api/v1/mobile-registrations/{rid}/reports", headers=sec_host.auth), 403)

    # the end of the period: the host no longer hosts them, no more reports, and a new period may start
    error(
        api.post(f"/api/v1/mobile-registrations/{rid}/end", json={"returned_on": "2000-01-01"}, headers=member.auth),
        400,
        "returned_on",
    )
    error(api.post(f"/api/v1/mobile-registrations/{rid}/end", json={}, headers=sec_host.auth), 403)
    ended = ok(api.post(f"/api/v1/mobile-registrations/{rid}/end", json={"note": "已返回"}, headers=member.auth))
    assert (ended["state"], ended["returned_on"], ended["ended_by"]) == (
        "ended",
        dt.date.today().isoformat(),
        member.account_id,
    )
    assert ok(api.post(f"/api/v1/mobile-registrations/{rid}/end", json={}, headers=member.auth))["state"] == "ended"
    error(
        api.post(f"/api/v1/mobile-registrations/{rid}/reports", json={"text": "迟到的汇报"}, headers=member.auth), 409
    )
    still_hosted = ok(
        api.get(
            f"/api/v1/orgs/{host_id}/mobile-members", params={"side": "host", "state": "hosted"}, headers=sec_host.auth
        )
    )
    assert [r["id"] for r in still_hosted["registrations"]] == [other_reg["id"]]
    assert _hosted_members(stack, host_id) == [other.account_id]
    ok(register_({**base, "host_org_id": ""}), 201)
