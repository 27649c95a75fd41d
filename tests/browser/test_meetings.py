"""Org life (组织生活) in the browser: a secretary schedules a Party lecture, members answer, ask for leave,
check in with the code the secretary shows or join online, the secretary decides the leave request and
reads the roster and the 三会一课 report."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.pages import sign_in
from tests.conftest import register
from tests.e2e.corner import add_member, create_org, make_secretary

pytestmark = pytest.mark.browser

LOCAL_TIME = """minutes => {
  const d = new Date(Date.now() + minutes * 60000)
  const p = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
}"""


def local_time(page, minutes: int) -> str:
    """A datetime-local value `minutes` from now in the browser's own time zone."""
    return page.evaluate(LOCAL_TIME, minutes)


def both_sizes(page, name: str, size: str) -> None:
    """Screenshots at this size and the other one, ending at the size it started with."""
    other = "desktop" if size == "phone" else "phone"
    screenshot(page, f"{name}-{size}")
    page.set_viewport_size({"width": 1280, "height": 800} if other == "desktop" else {"width": 390, "height": 844})
    screenshot(page, f"{name}-{other}")
    page.set_viewport_size({"width": 1280, "height": 800} if size == "desktop" else {"width": 390, "height": 844})


def test_a_secretary_schedules_a_meeting_members_answer_and_check_in(open_page, api, identity_events, admin):
    tag = secrets.token_hex(2)
    branch = create_org(api, admin, "demo-committee", f"会议测试支部{tag}", "branch")
    secretary = make_secretary(api, identity_events, admin, branch["id"])
    names = {"a": f"周到{tag}", "b": f"吴假{tag}", "c": f"郑线{tag}"}
    people = {}
    for key, name in names.items():
        people[key] = register(api, identity_events, name)
        add_member(api, admin, branch["id"], people[key], name)
    title = f"十一月党课：学习党章 {tag}"

    boss = open_page("desktop").page
    sign_in(boss, secretary.phone, secretary.password)
    boss.get_by_role("link", name="工作台").click()
    boss.get_by_role("link", name="会议管理").click()
    expect(boss.get_by_role("heading", name="会议管理")).to_be_visible()
    expect(boss.get_by_label("党组织")).to_have_value(branch["id"])
    types = boss.get_by_label("会议类型").locator("option")
    expect(types).to_have_text(["支部党员大会", "支委会", "党课", "主题党日", "组织生活会"])  # no group meeting
    boss.get_by_label("会议类型").select_option(label="党课")
    boss.get_by_label("会议名称").fill(title)
    boss.get_by_label("开始时间").fill(local_time(boss, -5))
    boss.get_by_label("结束时间").fill(local_time(boss, 55))
    boss.get_by_label("地点", exact=True).fill("支部活动室")
    boss.get_by_label("线上会议链接或会议号（可选）").fill("https://meeting.example.cn/j/2026")
    boss.get_by_label("议程").fill("一、学习党章第一章\n二、交流学习体会")
    boss.get_by_role("button", name="安排会议").click()
    expect(boss.get_by_text("已安排 1 次会议，参会人员可在“我的会议”中看到。")).to_be_visible()
    listed = boss.get_by_role("link").filter(has_text=title)
    expect(listed).to_contain_text("已签到 0 / 应到 4 人")
    both_sizes(boss, "meetings-manage", "desktop")
    assert accessibility_violations(boss) == []

    meetings = api.get(f"/api/v1/orgs/{branch['id']}/meetings", headers=secretary.auth).json()["meetings"]
    assert [(m["title"], m["type"], m["place"]) for m in meetings] == [(title, "party_lecture", "支部活动室")]
    meeting = meetings[0]
    assert meeting["agenda"] == "一、学习党章第一章\n二、交流学习体会" and meeting["invitee_count"] == 4

    listed.click()
    expect(boss.get_by_role("heading", name="参会名单")).to_be_visible()
    boss.get_by_role("button", name="显示签到码").click()
    code = boss.get_by_test_id("check-in-code")
    expect(code).to_have_text(
        api.get(f"/api/v1/meetings/{meeting['id']}/check-in-code", headers=secretary.auth).json()["code"]
    )
    code = code.inner_text()

    # a member answers and checks in on a phone: a wrong code first
    a = open_page("phone").page
    sign_in(a, people["a"].phone, people["a"].password)
    a.get_by_role("link", name="工作台").click()
    a.get_by_role("link", name="我的会议").click()
    mine = a.get_by_role("link").filter(has_text=title)
    expect(mine).to_contain_text("待回复")
    both_sizes(a, "meetings-mine", "phone")
    assert accessibility_violations(a) == []
    mine.click()
    expect(a.get_by_role("heading", name=title)).to_be_visible()
    a.get_by_role("button", name="参加", exact=True).click()
    expect(a.get_by_role("status")).to_contain_text("已回复参加。")
    expect(a.get_by_role("button", name="参加", exact=True)).to_have_attribute("aria-pressed", "true")
    a.get_by_label("签到码").fill("000000" if code != "000000" else "111111")
    a.get_by_role("button", name="签到", exact=True).click()
    expect(a.locator(".field-error")).to_have_text("签到码错误")  # the gateway's message, next to the field
    expect(a.get_by_label("签到码")).to_have_attribute("aria-invalid", "true")
    a.get_by_label("签到码").fill(code)
    a.get_by_role("button", name="签到", exact=True).click()
    expect(a.get_by_role("status")).to_contain_text("已签到")
    expect(a.get_by_label("签到码")).to_have_count(0)
    both_sizes(a, "meetings-meeting", "phone")
    assert accessibility_violations(a) == []

    # another asks for leave
    b = open_page("desktop").page
    sign_in(b, people["b"].phone, people["b"].password)
    b.goto(f"/app/meetings/{meeting['id']}")
    b.get_by_label("请假事由").fill("在外地出差，无法参加")
    b.get_by_role("button", name="提交请假").click()
    expect(b.get_by_role("status")).to_contain_text("请假待审批")
    expect(b.get_by_text("请假事由：在外地出差，无法参加")).to_be_visible()

    # a third joins online
    c = open_page("phone").page
    sign_in(c, people["c"].phone, people["c"].password)
    c.goto(f"/app/meetings/{meeting['id']}")
    c.get_by_role("button", name="线上参会").click()
    expect(c.get_by_role("status")).to_contain_text("已签到")
    expect(c.get_by_role("link", name="进入线上会议室")).to_have_attribute("href", "https://meeting.example.cn/j/2026")

    # the secretary sees the roster and approves the leave
    boss.get_by_role("button", name="刷新").click()
    table = boss.get_by_role("table")
    expect(table.get_by_role("row").filter(has_text=names["a"])).to_contain_text("已签到")
    expect(table.get_by_role("row").filter(has_text=names["a"])).to_contain_text("签到码签到")
    expect(table.get_by_role("row").filter(has_text=names["c"])).to_contain_text("线上参会")
    expect(table.get_by_role("row").filter(has_text=names["b"])).to_contain_text("请假待审批")
    requests = boss.get_by_role("region", name="请假审批")
    expect(requests).to_contain_text("在外地出差，无法参加")
    both_sizes(boss, "meetings-roster", "desktop")
    assert accessibility_violations(boss) == []
    boss.get_by_label(f"给{names['b']}的审批意见（可选）").fill("同意，请会后补学")
    boss.get_by_role("button", name=f"批准{names['b']}的请假", exact=True).click()
    expect(boss.get_by_text(f"已批准{names['b']}的请假。")).to_be_visible()
    expect(table.get_by_role("row").filter(has_text=names["b"])).to_contain_text("已准假")

    roster = api.get(f"/api/v1/meetings/{meeting['id']}/roster", headers=secretary.auth).json()
    stored = {r["account_id"]: (r["status"], r["method"]) for r in roster["attendance"]}
    assert stored == {
        people["a"].account_id: ("present", "code"),
        people["b"].account_id: ("on_leave", ""),
        people["c"].account_id: ("present", "online"),
        secretary.account_id: ("invited", ""),
    }
    assert roster["meeting"]["present_count"] == 2

    boss.get_by_label("会议内容及决定事项").fill("学习了党章第一章，大家交流了体会。")
    boss.get_by_role("button", name="保存会议记录").click()
    expect(boss.get_by_text("会议记录已保存。")).to_be_visible()
    stored = api.get(f"/api/v1/meetings/{meeting['id']}", headers=secretary.auth).json()["meeting"]
    assert stored["minutes"] == "学习了党章第一章，大家交流了体会。" and stored["held"]

    b.reload()
    expect(b.get_by_role("status")).to_contain_text("已准假")
    expect(b.get_by_text("审批意见：同意，请会后补学")).to_be_visible()

    # the lecture counts as held in the 三会一课 report
    boss.get_by_role("link", name="返回会议管理").click()
    boss.get_by_role("link", name="三会一课落实情况").click()
    expect(boss.get_by_role("heading", name="三会一课落实情况")).to_be_visible()
    org = boss.get_by_role("region", name="各组织情况").get_by_role("article", name=branch["name"])
    expect(org).to_contain_text("已开会议 1 次")
    expect(org.get_by_role("listitem").filter(has_text="党课")).to_contain_text("季度）：已开 1 次")
    # the quarter is not over: a general meeting not held yet is due, not missed
    expect(org.get_by_role("listitem").filter(has_text="支部党员大会")).to_contain_text("尚未到期")
    members = boss.get_by_role("table", name="党员出勤")
    expect(members.get_by_role("row").filter(has_text=names["a"])).to_contain_text("100%")
    both_sizes(boss, "meetings-compliance", "desktop")
    assert accessibility_violations(boss) == []


def test_scheduling_mistakes_are_shown_next_to_their_field(open_page, api, identity_events, admin):
    branch = create_org(api, admin, "demo-committee", f"会议校验支部{secrets.token_hex(3)}", "branch")
    secretary = make_secretary(api, identity_events, admin, branch["id"])
    page = open_page("phone").page
    sign_in(page, secretary.phone, secretary.password)
    page.goto("/app/manage/meetings")
    page.get_by_label("会议类型").select_option(label="支委会")
    page.get_by_label("会议名称").fill("支委会")
    page.get_by_label("开始时间").fill(local_time(page, 24 * 60))
    page.get_by_label("结束时间").fill(local_time(page, 24 * 60 - 60))  # before it starts
    page.get_by_label("地点", exact=True).fill("会议室")
    page.get_by_role("button", name="安排会议").click()
    expect(page.get_by_label("结束时间")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field-error")).to_have_count(1)
    assert api.get(f"/api/v1/orgs/{branch['id']}/meetings", headers=secretary.auth).json()["meetings"] == []

    # put right, it is scheduled; then called off with a reason
    page.get_by_label("结束时间").fill(local_time(page, 24 * 60 + 90))
    page.get_by_role("button", name="安排会议").click()
    expect(page.locator(".field-error")).to_have_count(0)
    page.get_by_role("link").filter(has_text="支委会").last.click()
    expect(page.get_by_role("heading", name="参会名单")).to_be_visible()
    page.get_by_label("取消原因（可选）").fill("书记外出学习，改期召开")
    page.get_by_role("button", name="取消本次会议").click()
    expect(page.get_by_text("已取消 1 次会议。")).to_be_visible()
    expect(page.get_by_text("本次会议已取消。")).to_be_visible()
    (meeting,) = api.get(f"/api/v1/orgs/{branch['id']}/meetings", headers=secretary.auth).json()["meetings"]
    assert (meeting["status"], meeting["cancel_reason"]) == ("cancelled", "书记外出学习，改期召开")
