"""Text messages (短信) in the browser: a secretary sends to the org's members after checking how many people
and parts it costs, sees the quota refusal when the org's quota is too small, follows the send to its
delivery, and the send is what was stored (the test region's SMSC delivers it)."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.pages import sign_in
from tests.conftest import register
from tests.e2e.corner import add_member, create_org, make_secretary, wait_until

pytestmark = pytest.mark.browser


def test_a_secretary_sends_a_text_to_the_org_after_confirming_its_cost(open_page, api, identity_events, admin):
    tag = secrets.token_hex(3)
    branch = create_org(api, admin, "demo-committee", f"网页短信支部{tag}", "branch")
    for name in ("周敏", "吴刚"):
        add_member(api, admin, branch["id"], register(api, identity_events, name), name)
    secretary = make_secretary(api, identity_events, admin, branch["id"])
    code = f"web_notice_{tag}"
    template = api.put(
        f"/api/v1/sms/templates/{code}",
        json={"name": f"支部通知{tag}", "text": "${org}通知：${content}。请相互转告。"},
        headers=admin.auth,
    )
    assert template.status_code == 200, template.text
    # a quota smaller than the org: the first try is refused before anything is sent or paid
    quota = api.put(f"/api/v1/orgs/{branch['id']}/sms/quota", json={"monthly_quota": 2}, headers=admin.auth)
    assert quota.status_code == 200, quota.text

    page = open_page("desktop").page
    sign_in(page, secretary.phone, secretary.password)
    page.get_by_role("link", name="工作台").click()
    page.get_by_role("link", name="短信通知").click()
    expect(page.get_by_role("heading", name="短信通知", level=1)).to_be_visible()
    expect(page.get_by_text(f"发送单位：{branch['name']}")).to_be_visible()
    expect(page.get_by_text("已用 0 条，本月额度 2 条")).to_be_visible()
    page.get_by_label("短信模板").select_option(label=f"支部通知{tag}")
    page.get_by_label("填写“org”").fill("第一党支部")
    page.get_by_label("填写“content”").fill("周五下午三点开展主题党日活动")
    expect(page.get_by_label("本组织及下级组织全体党员（约 3 人）")).to_be_checked()
    expect(page.get_by_text("第一党支部通知：周五下午三点开展主题党日活动。请相互转告。")).to_be_visible()
    expect(page.get_by_text(re.compile("每人按 1 条计费"))).to_be_visible()
    screenshot(page, "sms-compose-desktop")
    assert accessibility_violations(page) == []

    page.get_by_role("button", name="核对并发送").click()
    confirm = page.get_by_role("region", name="请核对后确认发送")
    expect(confirm).to_contain_text("将向最多 3 人发送，每人 1 条，共计最多 3 条短信")
    expect(confirm).to_contain_text("本月剩余额度 2 条")
    confirm.get_by_role("button", name="确认发送").click()
    expect(page.get_by_role("alert")).to_contain_text("短信额度不足")
    expect(page.get_by_role("alert")).to_contain_text("本次需要 3 条")
    assert api.get(f"/api/v1/orgs/{branch['id']}/sms/sends", headers=secretary.auth).json()["sends"] == []

    quota = api.put(f"/api/v1/orgs/{branch['id']}/sms/quota", json={"monthly_quota": 100}, headers=admin.auth)
    assert quota.status_code == 200, quota.text
    page.get_by_role("button", name="核对并发送").click()
    expect(confirm).to_contain_text("本月剩余额度 100 条")
    screenshot(page, "sms-confirm-desktop")
    confirm.get_by_role("button", name="确认发送").click()
    expect(page.get_by_role("status").filter(has_text="已提交发送")).to_be_visible()

    def delivered():
        sends = api.get(f"/api/v1/orgs/{branch['id']}/sms/sends", headers=secretary.auth).json()["sends"]
        return sends if sends and sends[0]["counts"]["delivered"] == 3 else None

    (stored,) = wait_until(delivered, timeout=60, what="the SMSC to deliver the three messages")
    assert stored["recipients"] == 3 and stored["parts"] == 1 and stored["template_code"] == code
    assert stored["text"].endswith("第一党支部通知：周五下午三点开展主题党日活动。请相互转告。")

    page.get_by_role("link", name="查看发送进度").click()
    expect(page.get_by_role("heading", name="短信发送详情")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="已完成")).to_be_visible(timeout=20_000)
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("已送达")
    expect(rows.first).to_contain_text(re.compile(r"1\d\d\*\*\*\*\d{4}"))  # masked phones only
    screenshot(page, "sms-send-desktop")
    assert accessibility_violations(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "sms-send-phone")

    page.get_by_role("link", name="返回短信通知").click()
    history = page.get_by_role("region", name="发送记录")
    expect(history.locator("tbody tr")).to_have_count(1)
    expect(history.locator("tbody tr")).to_contain_text("已完成")
    usage = api.get(f"/api/v1/orgs/{branch['id']}/sms/usage", headers=secretary.auth).json()
    assert usage["charged"] == 3 and usage["quota"] == 100
    expect(page.get_by_text("已用 3 条，本月额度 100 条")).to_be_visible()
    screenshot(page, "sms-compose-phone")
    assert accessibility_violations(page) == []
