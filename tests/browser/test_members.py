"""Members (党员管理) in the browser: a secretary finds a member of the branch, moves them one step along the
development pipeline, gives and removes a role, records dues; the gateway's refusals (a step too early, dues
recorded twice) appear next to the field; the API has what was done."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.pages import sign_in
from tests.conftest import Person, register
from tests.e2e.corner import create_org, make_secretary, wait_until

pytestmark = pytest.mark.browser
API = "/api/v1"


def join(api, admin: Person, org_id: str, person: Person, name: str, status: str, since: str) -> dict:
    """Add the person to the org at this step of the pipeline, since this day."""

    def add():
        reply = api.post(
            f"{API}/orgs/{org_id}/members",
            json={"account_id": person.account_id, "status": status, "effective_on": since, "display_name": name},
            headers=admin.auth,
        )
        return reply if reply.status_code != 404 else None

    reply = wait_until(add, what="orgs to learn the account")
    assert reply.status_code == 201, reply.text
    return reply.json()


def test_a_secretary_moves_a_member_along_the_pipeline_gives_a_role_and_records_dues(
    open_page, api, identity_events, admin
):
    tag = secrets.token_hex(3)
    branch = create_org(api, admin, "demo-committee", f"网页党员支部{tag}", "branch")
    secretary = make_secretary(api, identity_events, admin, branch["id"])
    activist_name, probationer_name = f"赵敏{tag}", f"钱进{tag}"
    long_ago = (dt.date.today() - dt.timedelta(days=800)).isoformat()
    activist = join(
        api, admin, branch["id"], register(api, identity_events, activist_name), activist_name, "activist", long_ago
    )
    recent = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    probationer = join(
        api,
        admin,
        branch["id"],
        register(api, identity_events, probationer_name),
        probationer_name,
        "probationary",
        recent,
    )

    page = open_page("desktop").page
    sign_in(page, secretary.phone, secretary.password)
    page.get_by_role("link", name="工作台").click()
    page.get_by_role("link", name="党员管理").click()
    expect(page.get_by_role("heading", name="党员管理", level=1)).to_be_visible()
    expect(page.get_by_label("党组织")).to_have_value(branch["id"])
    table = page.get_by_role("table", name="党员名单")
    expect(table.locator("tbody tr")).to_have_count(3)  # the secretary and the two
    expect(table.get_by_role("row", name=activist_name)).to_contain_text("入党积极分子")
    page.get_by_label("状态").select_option("probationary")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text(probationer_name)
    screenshot(page, "members-desktop")
    assert accessibility_violations(page) == []
    page.get_by_label("状态").select_option("")
    table.get_by_role("link", name=activist_name).click()

    # the pipeline: 入党积极分子 now, 发展对象 next (a year and more since the last step)
    expect(page.get_by_role("heading", name=activist_name, level=1)).to_be_visible()
    pipeline = page.get_by_role("region", name="发展阶段", exact=True)
    expect(pipeline.locator("[aria-current=step]")).to_contain_text("入党积极分子")
    expect(pipeline.get_by_label("转为")).to_have_value("development_target")
    pipeline.get_by_label("备注").fill("经支部委员会讨论，确定为发展对象")
    pipeline.get_by_role("button", name="确认办理").click()
    expect(pipeline.get_by_role("status")).to_have_text("已从“入党积极分子”转为“发展对象”。")
    expect(pipeline.locator("[aria-current=step]")).to_contain_text("发展对象")
    expect(pipeline.get_by_role("table", name="办理记录")).to_contain_text("经支部委员会讨论，确定为发展对象")
    stored = api.get(f"{API}/memberships/{activist['id']}", headers=secretary.auth).json()
    assert stored["status"] == "development_target" and stored["status_since"] == dt.date.today().isoformat()
    assert stored["history"][-1]["note"] == "经支部委员会讨论，确定为发展对象"

    # roles: give 组织委员, then take it away again
    roles = page.get_by_role("region", name="组织内职务", exact=True)
    roles.get_by_label("任命职务").select_option("organization_officer")
    roles.get_by_role("button", name="任命", exact=True).click()
    expect(roles.get_by_role("status")).to_have_text("已任命为组织委员。")
    expect(roles.get_by_role("listitem")).to_contain_text(["组织委员"])
    held = api.get(f"{API}/memberships/{activist['id']}", headers=secretary.auth).json()["roles"]
    assert "organization_officer" in held
    roles.get_by_role("button", name="免去组织委员").click()
    expect(roles.get_by_role("status")).to_have_text("已免去组织委员职务。")
    expect(roles).to_contain_text("暂无职务。")
    held = api.get(f"{API}/memberships/{activist['id']}", headers=secretary.auth).json()["roles"]
    assert "organization_officer" not in held

    # dues: a wrong amount is caught here, a month recorded twice by the gateway
    month = dt.date.today().strftime("%Y-%m")
    dues = page.get_by_role("region", name="党费", exact=True)
    dues.get_by_label("月份").fill(month)
    dues.get_by_label("金额（元）").fill("三十")
    dues.get_by_role("button", name="登记党费").click()
    expect(dues.get_by_role("alert")).to_have_text("请输入金额，例如 30 或 12.50。")
    dues.get_by_label("金额（元）").fill("12.5")
    dues.get_by_role("button", name="登记党费").click()
    expect(dues.get_by_role("status")).to_have_text(f"已登记 {month} 党费 12.50 元。")
    expect(dues.get_by_role("table", name="党费交纳记录")).to_contain_text("12.50")
    expect(dues).to_contain_text(f"党费已交至 {month}。")
    records = api.get(f"{API}/memberships/{activist['id']}/dues", headers=secretary.auth).json()["records"]
    assert [(r["month"], r["amount_fen"]) for r in records] == [(month, 1250)]
    dues.get_by_label("金额（元）").fill("12.5")
    dues.get_by_role("button", name="登记党费").click()
    expect(dues.get_by_role("alert")).to_have_text(f"{month} 的党费已经登记过了。")  # next to the month
    expect(dues.get_by_label("月份")).to_have_attribute("aria-invalid", "true")
    assert len(api.get(f"{API}/memberships/{activist['id']}/dues", headers=secretary.auth).json()["records"]) == 1
    screenshot(page, "member-desktop")
    assert accessibility_violations(page) == []

    # probation lasts a year: the gateway refuses the step and says from when it is possible
    phone = open_page("phone").page
    sign_in(phone, secretary.phone, secretary.password)
    phone.goto(f"/app/manage/members/{probationer['id']}")
    pipeline = phone.get_by_role("region", name="发展阶段", exact=True)
    expect(pipeline.get_by_label("转为")).to_have_value("full")
    pipeline.get_by_role("button", name="确认办理").click()
    earliest = (dt.date.fromisoformat(recent).replace(year=dt.date.fromisoformat(recent).year + 1)).isoformat()
    expect(pipeline.get_by_role("alert")).to_have_text(f"未满规定期限，最早可在 {earliest} 办理")
    expect(pipeline.get_by_label("生效日期")).to_have_attribute("aria-invalid", "true")
    assert api.get(f"{API}/memberships/{probationer['id']}", headers=secretary.auth).json()["status"] == "probationary"
    screenshot(phone, "member-phone")
    assert accessibility_violations(phone) == []

    # arrears: the probationary member never paid (the development target pays no dues yet)
    phone.goto(f"/app/manage/arrears?org={branch['id']}&month={month}")
    report = api.get(f"{API}/orgs/{branch['id']}/arrears", params={"as_of_month": month}, headers=secretary.auth).json()
    expect(phone.get_by_role("status")).to_have_text(f"截至 {month}，共 {report['total_in_arrears']} 人欠缴党费。")
    arrears = phone.get_by_role("table", name="党费欠缴")
    expect(arrears.get_by_role("row", name=probationer_name)).to_contain_text("未交")
    expect(arrears).not_to_contain_text(activist_name)
    screenshot(phone, "arrears-phone")
    assert accessibility_violations(phone) == []

    phone.goto(f"/app/manage/members?org={branch['id']}")
    expect(phone.get_by_role("table", name="党员名单").locator("tbody tr")).to_have_count(3)
    screenshot(phone, "members-phone")
