"""Text messages end to end: the gateway, sms, its worker and sender, and the local SMSC over real SMPP 3.4
(devstack/smsc.py), whose handsets show what each phone received. Officers send to their subtree within
quotas; receipts mark messages delivered; bad numbers, quotas and permissions are refused before anything is
paid; a TD reply opts a phone out; with the SMSC down messages wait and go out once when it is back; login
codes arrive; a meeting's invitation is answered by replying 1."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from tests.e2e import content_corner
from tests.e2e.corner import error
from tests.e2e.test_transfers import ok

pytestmark = pytest.mark.e2e

SUBTREE_R = ("secR", "sec1", "m1", "m2", "m3", "sec2", "m4", "m5")
LECTURE = (
    "${org}定于${time}在党员活动室讲授专题党课，请携带党员证和笔记本提前十分钟到达签到。"
    "党课结束后召开支部委员会，研究第四季度发展党员工作和年度民主评议党员安排，请各位委员做好准备。"
)


@pytest.fixture(scope="module")
def world(gateway_url, identity_events, stack):
    for w in content_corner.build(gateway_url, identity_events, stack):
        db = w.content_db.client[f"{stack.layout.region}_sms"]
        for name, (home, _) in content_corner.HOMES.items():
            account = w.id(name)
            content_corner.eventually(
                lambda a=account, db=db: db["mirror_phones"].find_one({"account_id": a}), f"{name}'s phone in sms"
            )
            if home:
                content_corner.eventually(
                    lambda a=account, o=w.orgs[home], db=db: db["mirror_people"].find_one(
                        {"account_id": a, "org_id": o}
                    ),
                    f"{name}'s home org in sms",
                )
        ok(w.put("admin", "/sms/templates/rally", {"name": "集会通知", "text": "${org}定于${time}集合，${note}"}))
        ok(w.put("admin", "/sms/templates/lecture", {"name": "党课通知", "text": LECTURE}))
        yield w


@pytest.fixture(scope="module")
def smsc(stack):
    with httpx.Client(base_url=stack.env["SMSC_CONTROL_URL"], timeout=10) as client:
        yield client


def inbox(smsc: httpx.Client, phone: str) -> list[str]:
    return [m["text"] for m in ok(smsc.get(f"/handsets/{phone}/messages"))["messages"]]


def wait_send(world, who: str, send_id: str, done, timeout: float = 60.0) -> dict:
    def check():
        found = ok(world.get(who, f"/sms/sends/{send_id}"))
        return found if done(found) else None

    return content_corner.eventually(check, f"send {send_id}", timeout)


def rally(world, who: str, org: str, note: str, **audience) -> httpx.Response:
    variables = {"org": "党总支", "time": "周六上午八点", "note": note}
    return world.post(
        who, f"/orgs/{world.orgs[org]}/sms/sends", {"template_code": "rally", "variables": variables, **audience}
    )


def test_a_login_code_arrives_on_the_phone(world, smsc, identity_events):
    phone = world.people["loner"].phone
    ok(world.http.post("/api/v1/auth/codes", json={"phone": phone, "purpose": "login"}))
    code = identity_events.code_for(phone, "login")
    text = content_corner.eventually(
        lambda: next((t for t in inbox(smsc, phone) if code in t), None), "the code on the phone"
    )
    assert text.startswith("【基层】您的验证码为" + code)


def test_an_officer_sends_a_long_text_to_the_subtree_and_receipts_mark_it_delivered(world, smsc):
    body = {"template_code": "lecture", "variables": {"org": "党总支", "time": "周六上午八点"}, "to_subtree": True}
    sent = ok(world.post("secR", f"/orgs/{world.orgs['R']}/sms/sends", body), 201)
    assert sent["parts"] >= 2 and sent["status"] in ("resolving", "queued")
    done = wait_send(world, "secR", sent["send_id"], lambda s: s["counts"]["delivered"] == len(SUBTREE_R))
    assert done["status"] == "done" and done["recipients"] == len(SUBTREE_R)
    text = done["text"]
    assert text.startswith("【基层】党总支定于周六上午八点在党员活动室讲授专题党课")
    for name in SUBTREE_R:
        assert inbox(smsc, world.people[name].phone).count(text) == 1, name  # whole, and once
    for name in ("secS", "s1"):
        assert text not in inbox(smsc, world.people[name].phone)
    listed = ok(world.get("secR", f"/sms/sends/{sent['send_id']}/messages"))["messages"]
    assert {m["status"] for m in listed} == {"delivered"}
    assert all("****" in m["phone_masked"] for m in listed)
    expected = len(SUBTREE_R) * done["parts"]
    usage = content_corner.eventually(  # the sender adds what was sent every second
        lambda: (u := ok(world.get("secR", f"/orgs/{world.orgs['R']}/sms/usage")))["sent"] == expected and u,
        "usage counted",
    )
    assert usage["sent"] == len(SUBTREE_R) * done["parts"] == usage["charged"]
    assert usage["cost_li"] == usage["sent"] * 45 and usage["messages"] == len(SUBTREE_R)
    assert world.get("sec1", f"/sms/sends/{sent['send_id']}").status_code == 404  # not B1's send


def test_bad_numbers_quotas_and_permissions_are_refused_before_anything_is_sent(world):
    error(rally(world, "sec1", "B1", "测试", phones=["13800000000", "12345"]), 400, "invalid_argument", "phones[1]")
    error(rally(world, "m1", "B1", "测试", phones=["13800000000"]), 403, "permission_denied")
    error(rally(world, "sec1", "B1", "测试", account_ids=[world.id("m4")]), 400, "invalid_argument", "account_ids[0]")
    error(rally(world, "sec1", "B1", "测试"), 400, "invalid_argument", "account_ids")
    bad = world.post(
        "sec1",
        f"/orgs/{world.orgs['B1']}/sms/sends",
        {"template_code": "rally", "variables": {"org": "x"}, "phones": ["13800000000"]},
    )
    error(bad, 400, "invalid_argument", "variables.time")
    error(world.put("sec1", f"/orgs/{world.orgs['B2']}/sms/quota", {"monthly_quota": 1}), 403, "permission_denied")
    ok(world.put("admin", f"/orgs/{world.orgs['B2']}/sms/quota", {"monthly_quota": 1}))
    refused = error(rally(world, "sec2", "B2", "测试", to_subtree=True), 429, "rate_limited", "org_id")
    assert "额度" in refused["message"]
    usage = ok(world.get("sec2", f"/orgs/{world.orgs['B2']}/sms/usage"))
    assert (usage["charged"], usage["quota"]) == (0, 1)


def test_a_td_reply_opts_the_phone_out_from_then_on(world, smsc):
    phone = world.people["m2"].phone
    ok(smsc.post(f"/handsets/{phone}/reply", json={"text": "TD"}))
    try:
        mine = content_corner.eventually(
            lambda: (m := ok(world.get("m2", "/me/sms-opt-out")))["opted_out"] and m, "the opt-out recorded"
        )
        assert mine["via"] == "sms"
        before = len(inbox(smsc, phone))
        sent = ok(rally(world, "sec1", "B1", "退订之后", to_subtree=True), 201)
        done = wait_send(world, "sec1", sent["send_id"], lambda s: s["counts"]["delivered"] == 3)  # sec1, m1, m3
        assert (done["recipients"], done["counts"]["skipped"]) == (3, 1)
        assert len(inbox(smsc, phone)) == before
    finally:
        ok(world.put("m2", "/me/sms-opt-out", {"opted_out": False}))


def test_with_the_smsc_down_messages_wait_and_go_out_once_when_it_is_back(world, smsc):
    phones = [world.people[n].phone for n in ("sec1", "m1", "m2", "m3")]
    before = {p: len(inbox(smsc, p)) for p in phones}
    ok(smsc.post("/down"))
    try:
        sent = ok(rally(world, "sec1", "B1", "服务商中断", to_subtree=True), 201)
        waiting = wait_send(world, "sec1", sent["send_id"], lambda s: s["status"] == "queued" and s["recipients"] == 4)
        assert waiting["counts"]["queued"] == 4
        assert {p: len(inbox(smsc, p)) for p in phones} == before
    finally:
        ok(smsc.post("/up"))
    wait_send(world, "sec1", sent["send_id"], lambda s: s["counts"]["delivered"] == 4, timeout=90)
    assert {p: len(inbox(smsc, p)) for p in phones} == {p: n + 1 for p, n in before.items()}


def test_a_meeting_invitation_is_answered_by_replying_1(world, smsc):
    starts = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=3)
    body = {
        "type": "party_lecture",
        "title": "专题党课",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(hours=1)).isoformat(),
        "place": "三楼会议室",
        "sms_invite": True,
    }
    meeting = ok(world.post("sec1", f"/orgs/{world.orgs['B1']}/meetings", body), 201)["meetings"][0]
    phone = world.people["m1"].phone
    content_corner.eventually(
        lambda: any("专题党课" in t and "回复1参加" in t for t in inbox(smsc, phone)), "the invitation on m1's phone"
    )
    ok(smsc.post(f"/handsets/{phone}/reply", json={"text": "1"}))

    def attending():
        roster = ok(world.get("sec1", f"/meetings/{meeting['id']}/roster"))["attendance"]
        return any(r["account_id"] == world.id("m1") and r["status"] == "attending" for r in roster)

    content_corner.eventually(attending, "m1 attending after replying 1")
    ok(world.post("sec1", f"/meetings/{meeting['id']}/cancel", {"reason": "改期"}))
