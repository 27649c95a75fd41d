"""Service requests (服务) in the browser: a member opens a private legal request; a counsellor, appointed
through the API, takes it from their queue and answers it in another browser; the member sees the answer and
rates it; the counsellor closes it. What each of them sees is what the API stored."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.pages import sign_in
from tests.conftest import register
from tests.e2e.corner import add_member, create_org

pytestmark = pytest.mark.browser

API = "/api/v1"


def ok(reply, status: int = 200) -> dict:
    assert reply.status_code == status, reply.text
    return reply.json()


def check(page, name: str) -> None:
    """A phone and a desktop screenshot of the view, and no serious accessibility finding on it."""
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, f"services-{name}-phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, f"services-{name}-desktop")
    assert accessibility_violations(page) == []


def test_a_member_asks_a_counsellor_answers_and_the_member_rates_it(open_page, api, identity_events, admin):
    tag = secrets.token_hex(2)
    branch = create_org(api, admin, "demo-committee", f"服务测试支部{tag}", "branch")
    member_name, counsellor_name, other_name = "孙问" + tag, "钱律师" + tag, "李旁" + tag
    member, counsellor, other = (register(api, identity_events, n) for n in (member_name, counsellor_name, other_name))
    add_member(api, admin, branch["id"], member, member_name)
    add_member(api, admin, branch["id"], other, other_name)
    appointed = api.post(
        f"{API}/orgs/{branch['id']}/counsellors",
        json={"category": "legal", "account_id": counsellor.account_id},
        headers=admin.auth,
    )
    ok(appointed, 201)

    asking = open_page("phone").page
    sign_in(asking, member.phone, member.password)
    asking.get_by_role("link", name="工作台").click()
    asking.get_by_role("link", name="服务诉求").click()
    expect(asking.get_by_role("heading", name="服务诉求")).to_be_visible()
    expect(asking.get_by_text("您还没有提出过诉求。")).to_be_visible()
    asking.get_by_role("link", name="提出诉求").click()
    # no psychological counsellors anywhere on the member's path: the form says so next to the category
    asking.get_by_label("咨询类别").select_option(label="心理疏导")
    asking.get_by_label("标题").fill("工作压力大")
    asking.get_by_label("具体情况").fill("最近睡不好。")
    asking.get_by_role("button", name="提交诉求").click()
    expect(asking.locator(".field-error")).to_be_visible()
    expect(asking.get_by_label("咨询类别")).to_have_attribute("aria-invalid", "true")
    check(asking, "new")

    subject = f"劳动合同纠纷{tag}"
    question = "公司拖欠工资三个月，应当如何维权？"
    asking.get_by_label("咨询类别").select_option(label="法律咨询")
    asking.get_by_label("标题").fill(subject)
    asking.get_by_label("具体情况").fill(question)
    asking.get_by_role("button", name="提交诉求").click()
    expect(asking.get_by_role("heading", name=subject)).to_be_visible()
    expect(asking.get_by_text("待受理")).to_be_visible()
    request_id = re.search(r"/services/([0-9a-f]+)$", asking.url).group(1)
    stored = ok(api.get(f"{API}/service-requests/{request_id}", headers=member.auth))
    assert (stored["summary"]["category"], stored["subject"], stored["text"]) == ("legal", subject, question)
    assert stored["summary"]["org_id"] == branch["id"]
    # private: another member of the branch is told it does not exist
    assert api.get(f"{API}/service-requests/{request_id}", headers=other.auth).status_code == 404

    desk = open_page("desktop").page
    sign_in(desk, counsellor.phone, counsellor.password)
    desk.get_by_role("link", name="工作台").click()
    desk.get_by_role("link", name="咨询接待").click()
    waiting = desk.get_by_role("region", name="待接单").get_by_role("listitem")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("法律咨询")
    expect(waiting).to_contain_text(branch["name"])
    expect(waiting).not_to_contain_text(subject)  # the queue is metadata only
    check(desk, "desk")
    waiting.get_by_role("button", name="接单").click()
    expect(desk.get_by_role("heading", name=subject)).to_be_visible()
    expect(desk.get_by_text(question)).to_be_visible()
    answer = "您好，可以先向劳动保障监察机构投诉，也可以申请劳动仲裁。"
    desk.get_by_label("答复").fill(answer)
    desk.get_by_role("button", name="发送").click()
    expect(desk.get_by_role("status")).to_have_text("已发送。")
    expect(desk.get_by_text("已答复")).to_be_visible()
    check(desk, "answer")

    asking.reload()
    expect(asking.get_by_role("list", name="诉求与回复")).to_contain_text(answer)
    expect(asking.get_by_text("已答复")).to_be_visible()
    expect(asking.get_by_text(f"咨询员：{counsellor_name}")).to_be_visible()
    asking.get_by_label("5 星 非常满意").check()
    asking.get_by_label("评价意见（选填）").fill("答复及时，很有帮助。")
    asking.get_by_role("button", name="提交评价").click()
    expect(asking.get_by_role("status")).to_have_text("感谢您的评价。")
    expect(asking.get_by_text("您的评价：5 星 非常满意")).to_be_visible()
    check(asking, "request")

    stored = ok(api.get(f"{API}/service-requests/{request_id}", headers=member.auth))
    assert stored["summary"]["state"] == "answered" and stored["summary"]["rating"] == 5
    assert stored["rating_comment"] == "答复及时，很有帮助。"
    assert [(r["role"], r["text"]) for r in stored["replies"]] == [("counsellor", answer)]

    asking.get_by_role("link", name="返回服务诉求").click()
    mine = asking.get_by_role("list", name="我的诉求").get_by_role("link").filter(has_text=subject)
    expect(mine).to_contain_text("评价 5 星")
    check(asking, "list")

    desk.get_by_role("button", name="关闭诉求").click()
    expect(desk.get_by_role("status")).to_have_text("诉求已关闭。")
    expect(desk.get_by_label("答复")).to_have_count(0)
    closed = ok(api.get(f"{API}/service-requests/{request_id}", headers=member.auth))
    assert closed["summary"]["state"] == "closed" and closed["summary"]["closed_at"]
