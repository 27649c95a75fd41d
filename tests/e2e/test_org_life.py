"""Org life through the gateway on the real stack: a branch holds its 三会一课, members answer, check in
on site or online, the secretary records minutes, and the compliance report tells what was held."""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import itertools
import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from devstack import demo
from tests.conftest import EventTap, Person, login, register, tap_events

pytestmark = pytest.mark.e2e

CST = dt.timezone(dt.timedelta(hours=8))
DEMO_PASSWORD = "Jiceng-demo-2026"  # noqa: S105 - the demo members' password
_addresses = itertools.count(1 + secrets.randbelow(2**16))


def client(gateway_url: str) -> httpx.Client:
    """A client speaking from an address of its own (the gateway limits sign-ups per address)."""
    address = f"2001:db8:11fe::{next(_addresses):x}, 10.0.0.1"
    return httpx.Client(base_url=gateway_url, headers={"X-Forwarded-For": address}, timeout=15)


def grants_of(token: str) -> list[list[str]]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["gr"]


def relogin(http: httpx.Client, person: Person, role: str, org_id: str, timeout: float = 15.0) -> Person:
    """Log in again once identity has granted the role orgs announced (tokens carry the grants)."""
    deadline = time.monotonic() + timeout
    while True:
        body = login(http, person.phone, person.password)
        if [role, org_id] in grants_of(body["access_token"]):
            person.access_token = body["access_token"]
            return person
        assert time.monotonic() < deadline, f"identity never granted {role} on {org_id}"
        time.sleep(0.2)


def ok(reply: httpx.Response, status: int = 200) -> dict:
    assert reply.status_code == status, reply.text
    return reply.json()


def refused(reply: httpx.Response, status: int, code: str, field: str | None = None) -> dict:
    assert reply.status_code == status, reply.text
    error = reply.json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    if field is not None:
        assert error["field"] == field, error
    return error


def add_member(http: httpx.Client, admin: Person, org_id: str, person: Person) -> str:
    """Add person to org (orgs learns of new accounts from identity's event: retry until it has)."""
    deadline = time.monotonic() + 15
    while True:
        reply = http.post(
            f"/api/v1/orgs/{org_id}/members",
            json={"account_id": person.account_id, "status": "full", "effective_on": "2020-07-01"},
            headers=admin.auth,
        )
        if reply.status_code != 404 or time.monotonic() > deadline:
            return ok(reply, 201)["id"]
        time.sleep(0.2)


@dataclass
class Branch:
    """A fresh branch with a group, a secretary (s), a committee member (a) and members b…e (e in the
    group); and a second branch with its own member (outsider)."""

    http: httpx.Client
    admin: Person
    branch_id: str
    group_id: str
    other_branch_id: str
    s: Person
    a: Person
    b: Person
    c: Person
    d: Person
    e: Person
    outsider: Person


@pytest.fixture(scope="module")
def orgs_events(stack) -> Iterator[EventTap]:
    """The events orgs publishes, heard on the real broker."""
    with tap_events(stack.env["AMQP_URI"], "orgs") as tap:
        yield tap


@pytest.fixture(scope="module")
def branch(gateway_url, identity_events) -> Iterator[Branch]:
    with client(gateway_url) as http:
        body = login(http, demo.ADMIN_PHONE, demo.ADMIN_PASSWORD)
        admin = Person(demo.ADMIN_PHONE, demo.ADMIN_PASSWORD, body["account"]["id"], body["access_token"], "")
        tag = secrets.token_hex(3)

        def new_org(parent: str, name: str, org_type: str) -> str:
            reply = http.post(
                "/api/v1/orgs", json={"parent_id": parent, "name": name, "type": org_type}, headers=admin.auth
            )
            return ok(reply, 201)["id"]

        branch_id = new_org("demo-committee", f"组织生活测试支部 {tag}", "branch")
        group_id = new_org(branch_id, f"组织生活测试党小组 {tag}", "group")
        other_id = new_org("demo-committee", f"组织生活另一支部 {tag}", "branch")
        people = {}
        for key, name in zip("sabcde", ("书记", "委员", "党员乙", "党员丙", "党员丁", "党员戊"), strict=True):
            with client(gateway_url) as own:
                people[key] = register(own, identity_events, display_name=name)
        with client(gateway_url) as own:
            outsider = register(own, identity_events, display_name="外支部党员")
        memberships = {k: add_member(http, admin, group_id if k == "e" else branch_id, p) for k, p in people.items()}
        add_member(http, admin, other_id, outsider)
        for key, role in (("s", "secretary"), ("a", "committee_member")):
            reply = http.post(f"/api/v1/memberships/{memberships[key]}/roles", json={"role": role}, headers=admin.auth)
            ok(reply)
        relogin(http, people["s"], "secretary", branch_id)
        yield Branch(http, admin, branch_id, group_id, other_id, outsider=outsider, **people)


def schedule(b: Branch, body: dict, who: Person | None = None) -> httpx.Response:
    return b.http.post(f"/api/v1/orgs/{b.branch_id}/meetings", json=body, headers=(who or b.s).auth)


def meeting_body(meeting_type: str, starts: dt.datetime, hours: float = 2, **extra) -> dict:
    return {
        "type": meeting_type,
        "title": f"{meeting_type} {starts:%Y-%m}",
        "agenda": "学习党章；讨论本月工作",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(hours=hours)).isoformat(),
        "place": "社区党群服务中心二楼",
        **extra,
    }


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def test_a_branch_holds_its_meetings_and_the_report_tells_what_was_held(branch, orgs_events):
    b = branch
    starts = dt.datetime.now(CST).replace(microsecond=0) - dt.timedelta(minutes=5)
    day = starts.date()
    until = (day + dt.timedelta(days=70)).isoformat()

    # The secretary schedules the monthly committee meeting for three months, and a party lecture.
    series = ok(
        schedule(b, meeting_body("committee_meeting", starts, recurrence={"freq": "monthly", "until": until})), 201
    )
    committee = series["meetings"]
    assert len(committee) == 3 and series["series_id"]
    assert {m["series_id"] for m in committee} == {series["series_id"]}
    assert {m["invitee_count"] for m in committee} == {2}  # the committee: secretary and committee member
    local_starts = [dt.datetime.fromisoformat(m["starts_at"]).astimezone(CST) for m in committee]
    for t in local_starts:  # the same day of the month (or the month's last) at the same local time
        assert t.day == min(day.day, calendar.monthrange(t.year, t.month)[1])
        assert (t.hour, t.minute) == (starts.hour, starts.minute)
    assert len({(t.year, t.month) for t in local_starts}) == 3
    lecture = ok(
        schedule(b, meeting_body("party_lecture", starts, online_url="https://meet.example.org/room/42")), 201
    )["meetings"][0]
    assert lecture["invitee_count"] == 6  # the branch's members, its group's included
    assert lecture["series_id"] == "" and lecture["status"] == "scheduled" and lecture["held"] is False
    announced = orgs_events.wait_for(
        lambda m: m["type"] == "meeting_scheduled" and m["data"]["meeting_id"] == lecture["id"]
    )
    assert announced["data"]["invitee_count"] == 6 and announced["data"]["type"] == "party_lecture"
    assert b.e.account_id in announced["data"]["invitee_account_ids"]
    lecture_url = f"/api/v1/meetings/{lecture['id']}"
    first_committee_url = f"/api/v1/meetings/{committee[0]['id']}"

    # Members answer: a will come, b asks for leave (a member can't grant it, the secretary does).
    assert ok(b.http.post(f"{lecture_url}/rsvp", json={"attending": True}, headers=b.a.auth))["mine"]["status"] == (
        "attending"
    )
    asked = ok(b.http.post(f"{lecture_url}/leave", json={"reason": "出差在外地"}, headers=b.b.auth))["mine"]
    assert (asked["status"], asked["leave_reason"]) == ("leave_requested", "出差在外地")
    refused(
        b.http.post(f"{lecture_url}/leave/{b.b.account_id}/decision", json={"approve": True}, headers=b.c.auth),
        403,
        "permission_denied",
    )
    granted = ok(
        b.http.post(
            f"{lecture_url}/leave/{b.b.account_id}/decision", json={"approve": True, "note": "同意"}, headers=b.s.auth
        )
    )
    assert (granted["status"], granted["leave_decided_by"]) == ("on_leave", b.s.account_id)

    # Half check in on site with the code the secretary shows; d joins the online room; e stays away.
    code = ok(b.http.get(f"{lecture_url}/check-in-code", headers=b.s.auth))["code"]
    refused(b.http.get(f"{lecture_url}/check-in-code", headers=b.a.auth), 403, "permission_denied")
    for person in (b.s, b.a, b.c):
        mine = ok(b.http.post(f"{lecture_url}/check-in", json={"code": code}, headers=person.auth))["mine"]
        assert (mine["status"], mine["method"]) == ("present", "code")
    again = ok(b.http.post(f"{lecture_url}/check-in", json={"code": code}, headers=b.a.auth))  # idempotent
    assert again["meeting"]["present_count"] == 3
    online = ok(b.http.post(f"{lecture_url}/join-online", headers=b.d.auth))
    assert (online["mine"]["status"], online["mine"]["method"]) == ("present", "online")
    assert online["meeting"]["present_count"] == 4 and online["meeting"]["held"] is True
    recorded = orgs_events.wait_for(
        lambda m: m["type"] == "attendance_recorded" and m["data"]["account_id"] == b.d.account_id
    )
    assert recorded["data"] == {"meeting_id": lecture["id"], "account_id": b.d.account_id, "method": "online"}
    # At the committee meeting only the committee member checks in.
    committee_code = ok(b.http.get(f"{first_committee_url}/check-in-code", headers=b.s.auth))["code"]
    ok(b.http.post(f"{first_committee_url}/check-in", json={"code": committee_code}, headers=b.a.auth))

    # The roster, as the secretary reads it.
    roster = ok(b.http.get(f"{lecture_url}/roster", headers=b.s.auth))
    statuses = {r["account_id"]: r["status"] for r in roster["attendance"]}
    assert statuses == {
        b.s.account_id: "present",
        b.a.account_id: "present",
        b.b.account_id: "on_leave",
        b.c.account_id: "present",
        b.d.account_id: "present",
        b.e.account_id: "invited",
    }

    # Minutes and photos after the meeting.
    minutes = b.http.put(
        f"{lecture_url}/minutes",
        json={"minutes": "书记讲授党课《…》，到会 4 人。", "attachments": ["photo-1", "photo-2"]},
    )
    refused(minutes, 401, "unauthenticated")
    kept = ok(
        b.http.put(
            f"{lecture_url}/minutes",
            json={"minutes": "书记讲授党课，到会 4 人。", "attachments": ["photo-1", "photo-2"]},
            headers=b.s.auth,
        )
    )
    assert kept["minutes"].startswith("书记讲授党课") and kept["attachments"] == ["photo-1", "photo-2"]
    assert kept["minutes_by"] == b.s.account_id

    # The committee member's own meetings, a page at a time.
    first = ok(b.http.get("/api/v1/meetings/mine", params={"page_size": 3}, headers=b.a.auth))
    assert len(first["meetings"]) == 3 and first["next_cursor"]
    rest = ok(
        b.http.get("/api/v1/meetings/mine", params={"page_size": 3, "cursor": first["next_cursor"]}, headers=b.a.auth)
    )
    mine = first["meetings"] + rest["meetings"]
    assert rest["next_cursor"] == ""
    assert {m["meeting"]["id"] for m in mine} == {m["id"] for m in committee} | {lecture["id"]}
    assert {m["mine"]["status"] for m in mine if m["meeting"]["id"] in (lecture["id"], committee[0]["id"])} == {
        "present"
    }
    e_mine = ok(b.http.get("/api/v1/meetings/mine", params={"upcoming": True}, headers=b.e.auth))["meetings"]
    assert [m["meeting"]["id"] for m in e_mine] == [lecture["id"]]

    # Later committee meetings of the series are called off.
    cancelled = ok(
        b.http.post(
            f"/api/v1/meetings/{committee[1]['id']}/cancel",
            json={"reason": "与区委会议冲突", "following": True},
            headers=b.s.auth,
        )
    )["meetings"]
    assert [m["id"] for m in cancelled] == [committee[1]["id"], committee[2]["id"]]
    assert {m["status"] for m in cancelled} == {"cancelled"}
    orgs_events.wait_for(lambda m: m["type"] == "meeting_cancelled" and m["data"]["meeting_id"] == committee[2]["id"])
    refused(
        b.http.post(f"/api/v1/meetings/{committee[2]['id']}/rsvp", json={"attending": True}, headers=b.a.auth),
        409,
        "failed_precondition",
        "meeting_id",
    )

    # The quarter's compliance report: what was held, what is missing, who came.
    period = quarter_of(day)
    report = ok(
        b.http.get(f"/api/v1/orgs/{b.branch_id}/meeting-compliance", params={"period": period}, headers=b.s.auth)
    )
    by_org = {o["org_id"]: o for o in report["orgs"]}
    assert set(by_org) == {b.branch_id, b.group_id}
    branch_items = {(i["meeting_type"], i["slot"]): i["held"] for i in by_org[b.branch_id]["required"]}
    quarter_months = [f"{day.year}-{m:02d}" for m in range((day.month - 1) // 3 * 3 + 1, (day.month - 1) // 3 * 3 + 4)]
    assert branch_items == {
        ("branch_general_meeting", period): 0,
        ("party_lecture", period): 1,
        **{("committee_meeting", month): int(month == f"{day:%Y-%m}") for month in quarter_months},
    }
    # The quarter is not over: its quarterly meetings and the months from this one on are still due (open),
    # not missed; a month already over is missed when nothing was held in it.
    this_month = f"{day:%Y-%m}"
    over = [month for month in quarter_months if month < this_month]
    still_open = {(i["meeting_type"], i["slot"]) for i in by_org[b.branch_id]["required"] if i["open"]}
    assert still_open == {
        ("branch_general_meeting", period),
        ("party_lecture", period),
        *(("committee_meeting", month) for month in quarter_months if month >= this_month),
    }
    missed = {(i["meeting_type"], i["slot"]) for i in by_org[b.branch_id]["missed"]}
    assert missed == {("committee_meeting", month) for month in over}
    assert {i["slot"] for i in by_org[b.group_id]["missed"]} == set(over)
    assert set(report["missing_org_ids"]) == ({b.branch_id, b.group_id} if over else set())
    # The quarter before is over: everything required in it and not held is missed.
    before = quarter_of(dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1) - dt.timedelta(days=1))
    earlier = ok(
        b.http.get(f"/api/v1/orgs/{b.branch_id}/meeting-compliance", params={"period": before}, headers=b.s.auth)
    )
    assert set(earlier["missing_org_ids"]) == {b.branch_id, b.group_id}
    assert all(not i["open"] for o in earlier["orgs"] for i in o["required"])
    assert by_org[b.branch_id]["meetings_held"] == 2
    # lecture: 6 invited, 1 excused, 4 present; committee meeting: 2 invited, 1 present
    rate = by_org[b.branch_id]["attendance"]
    assert (rate["invited"], rate["present"], rate["on_leave"], rate["expected"]) == (8, 5, 1, 7)
    assert rate["rate"] == pytest.approx(5 / 7, abs=1e-4)
    assert report["total"] == rate
    members = {m["account_id"]: m["attendance"] for m in report["members"]}
    assert (members[b.a.account_id]["present"], members[b.a.account_id]["rate"]) == (2, 1.0)
    assert (members[b.s.account_id]["expected"], members[b.s.account_id]["rate"]) == (2, 0.5)
    assert (members[b.b.account_id]["on_leave"], members[b.b.account_id]["expected"]) == (1, 0)
    assert (members[b.e.account_id]["expected"], members[b.e.account_id]["rate"]) == (1, 0.0)
    assert report["members"][0]["attendance"]["rate"] == 0.0  # lowest first: who to talk to

    # The committee above sees the same branch in its own report.
    above = ok(
        b.http.get("/api/v1/orgs/demo-committee/meeting-compliance", params={"period": period}, headers=b.admin.auth)
    )
    assert (b.branch_id in above["missing_org_ids"]) == bool(over)
    assert {o["org_id"]: o["attendance"] for o in above["orgs"]}[b.branch_id] == rate


def test_absent_is_derived_after_the_meeting_and_check_in_is_then_closed(branch):
    b = branch
    starts = dt.datetime.now(CST).replace(microsecond=0) - dt.timedelta(hours=4)
    past = ok(schedule(b, meeting_body("theme_party_day", starts, hours=1)), 201)["meetings"][0]
    url = f"/api/v1/meetings/{past['id']}"
    roster = ok(b.http.get(f"{url}/roster", headers=b.s.auth))["attendance"]
    assert len(roster) == 6 and {r["status"] for r in roster} == {"absent"}
    code = ok(b.http.get(f"{url}/check-in-code", headers=b.s.auth))["code"]
    error = refused(b.http.post(f"{url}/check-in", json={"code": code}, headers=b.c.auth), 409, "failed_precondition")
    assert error["field"] == "meeting_id"
    refused(b.http.post(f"{url}/leave", json={"reason": "晚了"}, headers=b.c.auth), 409, "failed_precondition")
    # Not held (no minutes, nobody present) until the secretary enters its minutes.
    assert ok(b.http.get(url, headers=b.s.auth))["meeting"]["held"] is False
    assert ok(b.http.put(f"{url}/minutes", json={"minutes": "参观红色教育基地。"}, headers=b.s.auth))["held"] is True


def test_check_in_opens_shortly_before_the_meeting(branch):
    b = branch
    tomorrow = dt.datetime.now(CST).replace(microsecond=0) + dt.timedelta(days=1)
    meeting = ok(schedule(b, meeting_body("party_lecture", tomorrow, online_url="room-7")), 201)["meetings"][0]
    url = f"/api/v1/meetings/{meeting['id']}"
    code = ok(b.http.get(f"{url}/check-in-code", headers=b.s.auth))["code"]
    refused(
        b.http.post(f"{url}/check-in", json={"code": code}, headers=b.c.auth), 409, "failed_precondition", "meeting_id"
    )
    refused(b.http.post(f"{url}/join-online", headers=b.c.auth), 409, "failed_precondition", "meeting_id")
    # Minutes wait for the meeting; the invitee's answers don't.
    refused(b.http.put(f"{url}/minutes", json={"minutes": "提前写好"}, headers=b.s.auth), 409, "failed_precondition")
    assert ok(b.http.post(f"{url}/rsvp", json={"attending": False}, headers=b.c.auth))["mine"]["status"] == "declined"
    detail = ok(b.http.get(url, headers=b.c.auth))
    assert detail["mine"]["status"] == "declined" and "code" not in detail["meeting"]


def test_who_may_do_what(branch, gateway_url):
    b = branch
    starts = dt.datetime.now(CST).replace(microsecond=0) - dt.timedelta(minutes=5)
    meeting = ok(schedule(b, meeting_body("organizational_life_meeting", starts)), 201)["meetings"][0]
    url = f"/api/v1/meetings/{meeting['id']}"
    code = ok(b.http.get(f"{url}/check-in-code", headers=b.s.auth))["code"]

    # The secretary of another branch can't schedule here, nor read this branch's meetings.
    with client(gateway_url) as http:
        body = login(http, "13800000001", DEMO_PASSWORD)  # 王芳, secretary of demo-branch-2
    wang = Person("13800000001", DEMO_PASSWORD, body["account"]["id"], body["access_token"], "")
    refused(schedule(b, meeting_body("party_lecture", starts), who=wang), 403, "permission_denied")
    refused(b.http.get(f"/api/v1/orgs/{b.branch_id}/meetings", headers=wang.auth), 403, "permission_denied")
    refused(b.http.get(f"{url}/roster", headers=wang.auth), 403, "permission_denied")
    # A member of this branch can't schedule, cancel, reveal the code or read the roster.
    refused(schedule(b, meeting_body("party_lecture", starts), who=b.c), 403, "permission_denied")
    refused(b.http.post(f"{url}/cancel", json={}, headers=b.c.auth), 403, "permission_denied")
    refused(b.http.get(f"{url}/roster", headers=b.c.auth), 403, "permission_denied")
    refused(
        b.http.get(f"/api/v1/orgs/{b.branch_id}/meeting-compliance", params={"period": "2026"}, headers=b.c.auth),
        403,
        "permission_denied",
    )
    # An invitee of another org can't check in here even with the right code, nor see the meeting.
    refused(b.http.post(f"{url}/check-in", json={"code": code}, headers=b.outsider.auth), 403, "permission_denied")
    refused(b.http.post(f"{url}/join-online", headers=b.outsider.auth), 403, "permission_denied")
    refused(b.http.get(url, headers=b.outsider.auth), 403, "permission_denied")
    # The secretary runs this branch only: not the committee above it.
    refused(
        b.http.get("/api/v1/orgs/demo-committee/meeting-compliance", params={"period": "2026"}, headers=b.s.auth),
        403,
        "permission_denied",
    )
    # A secretary doesn't grant her own leave.
    ok(b.http.post(f"{url}/leave", json={"reason": "开会"}, headers=b.s.auth))
    refused(
        b.http.post(f"{url}/leave/{b.s.account_id}/decision", json={"approve": True}, headers=b.s.auth),
        409,
        "failed_precondition",
        "account_id",
    )
    # The committee above may decide it.
    decided = ok(b.http.post(f"{url}/leave/{b.s.account_id}/decision", json={"approve": False}, headers=b.admin.auth))
    assert decided["status"] == "invited"
    # A wrong code is refused, five wrong codes close check-in by code for that invitee.
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        refused(b.http.post(f"{url}/check-in", json={"code": wrong}, headers=b.d.auth), 400, "invalid_argument", "code")
    refused(b.http.post(f"{url}/check-in", json={"code": code}, headers=b.d.auth), 409, "failed_precondition", "code")
    assert ok(b.http.post(f"{url}/check-in", json={"code": code}, headers=b.c.auth))["mine"]["status"] == "present"


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"type": "tea_party"}, 400, "type"),
        ({"type": "group_meeting"}, 409, "type"),  # a branch doesn't hold a group meeting
        ({"ends_at": "2026-01-01T00:00:00+08:00"}, 400, "ends_at"),
        ({"starts_at": "2026-07-01T19:00:00"}, 400, "starts_at"),  # no time zone
        ({"title": ""}, 400, "title"),
        ({"place": "", "online_url": ""}, 400, "place"),
        ({"recurrence": {"freq": "monthly", "until": "2099-12-31"}}, 400, "recurrence.until"),
        ({"recurrence": {"freq": "daily", "until": "2099-12-31"}}, 400, "recurrence.freq"),
        ({"recurrence": {"freq": "monthly", "until": "tomorrow"}}, 400, "recurrence.until"),
        ({"organizer_id": "someone"}, 400, "organizer_id"),
    ],
)
def test_bad_schedules_name_the_field(branch, change, status, field):
    starts = dt.datetime.now(CST).replace(microsecond=0) + dt.timedelta(days=3)
    body = {**meeting_body("party_lecture", starts), **change}
    error = refused(schedule(branch, body), status, "invalid_argument" if status == 400 else "failed_precondition")
    assert error["field"] == field


def test_bad_check_ins_and_periods_name_the_field(branch):
    b = branch
    starts = dt.datetime.now(CST).replace(microsecond=0) - dt.timedelta(minutes=5)
    meeting = ok(schedule(b, meeting_body("party_lecture", starts)), 201)["meetings"][0]
    url = f"/api/v1/meetings/{meeting['id']}"
    refused(b.http.post(f"{url}/check-in", json={"code": "12ab56"}, headers=b.c.auth), 400, "invalid_argument", "code")
    refused(b.http.post(f"{url}/check-in", json={}, headers=b.c.auth), 400, "invalid_argument", "code")
    refused(
        b.http.post(f"{url}/join-online", headers=b.c.auth), 409, "failed_precondition", "meeting_id"
    )  # on site only
    refused(b.http.get("/api/v1/meetings/not-an-id", headers=b.c.auth), 404, "not_found", "meeting_id")
    for period in ("2026-Q5", "2026/07", "Q3"):
        refused(
            b.http.get(f"/api/v1/orgs/{b.branch_id}/meeting-compliance", params={"period": period}, headers=b.s.auth),
            400,
            "invalid_argument",
            "period",
        )
