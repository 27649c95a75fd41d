"""Rosters follow membership, through the gateway: who joins an org after its meetings were scheduled is
invited to those still to come; who transfers out is withdrawn from them but stays on the held ones."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable

import httpx
import pytest

from tests.conftest import Person, register

pytestmark = pytest.mark.e2e

CST = dt.timezone(dt.timedelta(hours=8))


def ok(reply: httpx.Response, status: int = 200) -> dict:
    assert reply.status_code == status, reply.text
    return reply.json()


def eventually(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def add_member(api: httpx.Client, admin: Person, org_id: str, person: Person) -> str:
    body = {"account_id": person.account_id, "status": "full", "effective_on": "2020-07-01"}
    return ok(api.post(f"/api/v1/orgs/{org_id}/members", json=body, headers=admin.auth), 201)["id"]


def test_rosters_follow_who_joins_and_who_transfers_out(api, admin, identity_events):
    tag = secrets.token_hex(3)

    def new_branch(name: str) -> str:
        body = {"parent_id": "demo-committee", "name": f"{name} {tag}", "type": "branch"}
        return ok(api.post("/api/v1/orgs", json=body, headers=admin.auth), 201)["id"]

    branch, other = new_branch("名册接口支部"), new_branch("名册接口转入支部")
    old_hand, newcomer = (register(api, identity_events, display_name=n) for n in ("老党员", "新党员"))
    membership = add_member(api, admin, branch, old_hand)

    def schedule(starts: dt.datetime) -> dict:
        body = {
            "type": "party_lecture",
            "title": "党课",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(hours=1)).isoformat(),
            "place": "党员活动室",
        }
        return ok(api.post(f"/api/v1/orgs/{branch}/meetings", json=body, headers=admin.auth), 201)["meetings"][0]

    now = dt.datetime.now(CST).replace(microsecond=0)
    held, coming = schedule(now - dt.timedelta(hours=3)), schedule(now + dt.timedelta(days=1))

    def roster(meeting: dict) -> set[str]:
        rows = ok(api.get(f"/api/v1/meetings/{meeting['id']}/roster", headers=admin.auth))["attendance"]
        return {r["account_id"] for r in rows}

    def upcoming(person: Person) -> list[str]:
        mine = ok(api.get("/api/v1/meetings/mine", params={"upcoming": True}, headers=person.auth))
        return [m["meeting"]["id"] for m in mine["meetings"]]

    assert roster(held) == roster(coming) == {old_hand.account_id}

    # A member added afterwards is invited to the meeting to come (and sees it), not to the one held.
    add_member(api, admin, branch, newcomer)
    eventually(lambda: newcomer.account_id in roster(coming), "the new member was never invited")
    assert upcoming(newcomer) == [coming["id"]]
    assert roster(held) == {old_hand.account_id}
    assert ok(api.get(f"/api/v1/meetings/{coming['id']}", headers=admin.auth))["meeting"]["invitee_count"] == 2

    # The old hand transfers to the other branch: gone from the meeting to come, still on the held one.
    transfer = ok(
        api.post("/api/v1/transfers", json={"membership_id": membership, "to_org_id": other}, headers=admin.auth), 201
    )
    for step in ("approve_out", "accept_in"):
        ok(api.post(f"/api/v1/transfers/{transfer['id']}/{step}", json={}, headers=admin.auth))
    eventually(lambda: old_hand.account_id not in roster(coming), "the transferred member stayed invited")
    assert upcoming(old_hand) == []
    assert roster(held) == {old_hand.account_id}
    mine = ok(api.get("/api/v1/meetings/mine", headers=old_hand.auth))["meetings"]
    assert [m["meeting"]["id"] for m in mine] == [held["id"]]
