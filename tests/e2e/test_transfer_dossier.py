"""The attendance summary in a transfer's dossier, through the gateway on the real stack.

The outgoing branch holds its org life (one lecture attended, one general meeting missed, one theme
day excused, one meeting that left no trace); the member transfers, and the incoming branch reads the
figures on the transfer before accepting and on the member's dossier after.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from tests.conftest import register
from tests.e2e.test_transfers import join, new_branch, ok, person_in, step

pytestmark = pytest.mark.e2e

CST = dt.timezone(dt.timedelta(hours=8))


def schedule(api, secretary, org_id: str, meeting_type: str, starts: dt.datetime, ends: dt.datetime) -> dict:
    body = {
        "type": meeting_type,
        "title": f"{meeting_type} 转接测试",
        "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(),
        "place": "党员活动室",
    }
    return ok(api.post(f"/api/v1/orgs/{org_id}/meetings", json=body, headers=secretary.auth), 201)["meetings"][0]


def tally(meeting_type: str, invited: int, attended: int, on_leave: int, absent: int, rate: float) -> dict:
    return {
        "meeting_type": meeting_type,
        "invited": invited,
        "attended": attended,
        "on_leave": on_leave,
        "absent": absent,
        "rate": rate,
    }


def test_the_incoming_org_sees_the_members_attendance_before_accepting_and_keeps_it(api, admin, identity_events):
    out_id, in_id = new_branch(api, admin, "考勤转出支部"), new_branch(api, admin, "考勤转入支部")
    sec_out, _ = person_in(api, identity_events, admin, out_id, "考勤转出书记", secretary=True)
    sec_in, _ = person_in(api, identity_events, admin, in_id, "考勤转入书记", secretary=True)
    member, membership = person_in(api, identity_events, admin, out_id, "考勤党员")
    now = dt.datetime.now(CST).replace(microsecond=0)

    # A theme day under way: the member asks for leave, the secretary grants it, minutes are kept.
    theme_ends = now + dt.timedelta(seconds=20)
    theme = schedule(api, sec_out, out_id, "theme_party_day", now - dt.timedelta(hours=1), theme_ends)
    theme_url = f"/api/v1/meetings/{theme['id']}"
    ok(api.post(f"{theme_url}/leave", json={"reason": "外出培训"}, headers=member.auth))
    ok(api.post(f"{theme_url}/leave/{member.account_id}/decision", json={"approve": True}, headers=sec_out.auth))
    ok(api.put(f"{theme_url}/minutes", json={"minutes": "重温入党誓词。"}, headers=sec_out.auth))
    # A lecture just over (check-in stays open half an hour): the member checks in with the code.
    lecture = schedule(api, sec_out, out_id, "party_lecture", now - dt.timedelta(minutes=100), now)
    code = ok(api.get(f"/api/v1/meetings/{lecture['id']}/check-in-code", headers=sec_out.auth))["code"]
    ok(api.post(f"/api/v1/meetings/{lecture['id']}/check-in", json={"code": code}, headers=member.auth))
    # A general meeting three days ago, held (minutes) without the member: absent.
    general_starts = now - dt.timedelta(days=3)
    general = schedule(
        api, sec_out, out_id, "branch_general_meeting", general_starts, general_starts + dt.timedelta(hours=1)
    )
    ok(api.put(f"/api/v1/meetings/{general['id']}/minutes", json={"minutes": "讨论发展对象。"}, headers=sec_out.auth))
    # A meeting that left no trace (no minutes, nobody present) is nobody's absence.
    bare_starts = now - dt.timedelta(days=2)
    schedule(api, sec_out, out_id, "organizational_life_meeting", bare_starts, bare_starts + dt.timedelta(hours=1))
    # Someone who joined after all of it was invited to nothing.
    newcomer = register(api, identity_events, "考勤新党员")
    newcomer_membership = join(api, admin, out_id, newcomer)

    tid = ok(api.post("/api/v1/transfers", json={"to_org_id": in_id}, headers=member.auth), 201)["id"]
    requested = ok(api.get(f"/api/v1/transfers/{tid}", headers=sec_out.auth))
    assert requested["attendance"] is None  # taken on approval, not before
    newcomer_tid = ok(
        api.post(
            "/api/v1/transfers",
            json={"membership_id": newcomer_membership["id"], "to_org_id": in_id},
            headers=sec_out.auth,
        ),
        201,
    )["id"]

    time.sleep(max(0.0, (theme_ends - dt.datetime.now(CST)).total_seconds() + 1))  # the theme day is over
    approved = ok(step(api, sec_out, tid, "approve_out"))
    ok(step(api, sec_out, newcomer_tid, "approve_out"))

    # The incoming org reads the figures before it accepts.
    seen = ok(api.get(f"/api/v1/transfers/{tid}", headers=sec_in.auth))
    assert seen["allowed_steps"] == ["accept_in", "reject_in"]
    attendance = seen["attendance"]
    assert attendance == approved["attendance"]
    assert attendance["total"] == tally("", 3, 1, 1, 1, 0.5)
    assert attendance["by_type"] == [
        tally("branch_general_meeting", 1, 0, 0, 1, 0.0),
        tally("party_lecture", 1, 1, 0, 0, 1.0),
        tally("theme_party_day", 1, 0, 1, 0, 0.0),
    ]
    since, until = (dt.datetime.fromisoformat(attendance[k].replace("Z", "+00:00")) for k in ("since", "until"))
    assert abs(until - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    assert dt.timedelta(days=365) <= until - since <= dt.timedelta(days=366)
    listed = ok(api.get(f"/api/v1/orgs/{in_id}/transfers", params={"direction": "incoming"}, headers=sec_in.auth))
    assert {t["id"]: t["attendance"] for t in listed["transfers"]}[tid] == attendance
    # A retried approval keeps the first snapshot.
    assert ok(step(api, sec_out, tid, "approve_out"))["attendance"] == attendance

    newcomer_seen = ok(api.get(f"/api/v1/transfers/{newcomer_tid}", headers=sec_in.auth))["attendance"]
    assert (newcomer_seen["total"], newcomer_seen["by_type"]) == (tally("", 0, 0, 0, 0, 0.0), [])

    # After acceptance the summary stays with the membership: on the history step the transfer added,
    # which the new org (and the member) read in the dossier.
    ok(step(api, sec_in, tid, "accept_in"))
    ok(step(api, sec_in, newcomer_tid, "accept_in"))
    for reader in (sec_in, member):
        dossier = ok(api.get(f"/api/v1/accounts/{member.account_id}/dossier", headers=reader.auth))["membership"]
        assert dossier["id"] == membership["id"] and dossier["org_id"] == in_id
        arrived = dossier["history"][-1]
        assert (arrived["org_id"], arrived["attendance"]) == (in_id, attendance)
        assert all(s["attendance"] is None for s in dossier["history"][:-1])
    newcomer_dossier = ok(api.get(f"/api/v1/accounts/{newcomer.account_id}/dossier", headers=sec_in.auth))
    assert newcomer_dossier["membership"]["history"][-1]["attendance"]["total"] == tally("", 0, 0, 0, 0, 0.0)
