"""Custom apps (个性化应用) in the browser: a secretary installs apps from the region's catalog on the org's
menu and arranges it; a member of the org finds them under 组织应用, opens a page of links and fills in a
form (a missing required answer named next to its field), and the submission is what was stored."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.pages import sign_in
from tests.conftest import register
from tests.e2e.corner import add_member, create_org, make_secretary

pytestmark = pytest.mark.browser


def catalog_app(api, admin, body: dict) -> dict:
    reply = api.post("/api/v1/apps", json=body, headers=admin.auth)
    assert reply.status_code == 201, reply.text
    return reply.json()


def test_a_secretary_installs_apps_and_a_member_fills_in_the_form(open_page, api, identity_events, admin):
    tag = secrets.token_hex(3)
    branch = create_org(api, admin, "demo-committee", f"网页应用支部{tag}", "branch")
    member = register(api, identity_events, "郑华")
    add_member(api, admin, branch["id"], member, "郑华")
    secretary = make_secretary(api, identity_events, admin, branch["id"])
    form_name, links_name = f"志愿服务报名{tag}", f"学习资料{tag}"
    form = catalog_app(
        api,
        admin,
        {
            "kind": "form",
            "name": form_name,
            "description": "报名参加本月的志愿服务活动",
            "one_per_member": True,
            "fields": [
                {
                    "key": "service",
                    "label": "服务项目",
                    "type": "choice",
                    "required": True,
                    "options": ["社区清洁", "关爱老人"],
                },
                {
                    "key": "hours",
                    "label": "可服务小时数",
                    "type": "number",
                    "required": True,
                    "min_value": 1,
                    "max_value": 8,
                },
                {"key": "note", "label": "备注", "type": "textarea"},
            ],
        },
    )
    links = catalog_app(
        api,
        admin,
        {"kind": "links", "name": links_name, "links": [{"title": "学习强国", "url": "https://www.xuexi.cn/"}]},
    )

    page = open_page("desktop").page
    sign_in(page, secretary.phone, secretary.password)
    page.get_by_role("link", name="工作台").click()
    page.get_by_role("link", name="应用菜单管理").click()
    expect(page.get_by_role("heading", name="应用菜单管理", level=1)).to_be_visible()
    expect(page.get_by_text("菜单中还没有应用")).to_be_visible()
    page.get_by_role("button", name=f"安装 {form_name}").click()
    expect(page.get_by_role("status")).to_have_text(f"已安装“{form_name}”。")
    page.get_by_role("button", name=f"安装 {links_name}").click()
    expect(page.get_by_role("status")).to_have_text(f"已安装“{links_name}”。")
    menu = page.get_by_role("region", name="本组织的应用菜单").get_by_role("listitem")
    expect(menu).to_have_count(2)
    expect(menu.first).to_contain_text(form_name)
    page.get_by_role("button", name=f"将“{links_name}”上移").click()
    expect(page.get_by_role("status")).to_have_text(f"“{links_name}”已移到第 1 位。")
    expect(menu.first).to_contain_text(links_name)
    screenshot(page, "apps-manage-desktop")
    assert accessibility_violations(page) == []
    stored = api.get(f"/api/v1/orgs/{branch['id']}/menu", headers=secretary.auth).json()
    assert [a["id"] for a in stored["apps"]] == [links["id"], form["id"]]
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "apps-manage-phone")

    phone = open_page("phone").page
    sign_in(phone, member.phone, member.password)
    phone.get_by_role("link", name="工作台").click()
    phone.get_by_role("link", name="组织应用").click()
    expect(phone.get_by_role("heading", name="组织应用", level=1)).to_be_visible()
    cards = phone.get_by_role("heading", level=2)
    expect(cards).to_have_count(2)
    expect(cards.first).to_have_text(links_name)  # in the order the secretary arranged
    expect(phone.get_by_role("link", name="学习强国")).to_have_attribute("href", "https://www.xuexi.cn/")
    screenshot(phone, "apps-menu-phone")
    assert accessibility_violations(phone) == []

    phone.get_by_role("link", name=form_name, exact=True).click()
    expect(phone.get_by_role("heading", name=form_name, level=1)).to_be_visible()
    phone.get_by_label("关爱老人").check()
    phone.get_by_role("button", name="提交").click()
    # the form's checks are content's: the answer missing is named next to its field
    expect(phone.locator(".field-error")).to_have_count(1)
    expect(phone.get_by_label("可服务小时数")).to_have_attribute("aria-invalid", "true")
    phone.get_by_label("可服务小时数").fill("3")
    phone.get_by_label("备注").fill("周末都有空")
    screenshot(phone, "apps-form-phone")
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_role("status")).to_have_text("提交成功。")
    mine = phone.get_by_role("region", name="我提交的内容")
    expect(mine).to_contain_text("关爱老人")
    expect(mine).to_contain_text("周末都有空")
    expect(phone.get_by_text("此表单每人只能填写一次")).to_be_visible()
    assert accessibility_violations(phone) == []
    phone.set_viewport_size({"width": 1280, "height": 800})
    screenshot(phone, "apps-form-desktop")

    (submission,) = api.get(f"/api/v1/apps/{form['id']}/submissions/mine", headers=member.auth).json()["submissions"]
    values = {v["key"]: v["values"] for v in submission["values"]}
    assert values == {"service": ["关爱老人"], "hours": ["3"], "note": ["周末都有空"]}
    assert submission["org_id"] == branch["id"]

    # the secretary reads the answers of the org's subtree, and downloads them as a spreadsheet
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("link", name=f"查看填写情况 {form_name}").click()
    expect(page.get_by_role("heading", name=f"“{form_name}”填写情况")).to_be_visible()
    row = page.get_by_role("table").locator("tbody tr")
    expect(row).to_have_count(1)
    for text in ("郑华", "关爱老人", "3", "周末都有空"):
        expect(row).to_contain_text(text)
    with page.expect_download() as download:
        page.get_by_role("button", name="导出 Excel").click()
    assert download.value.suggested_filename == f"{form_name}.xlsx"
    screenshot(page, "apps-submissions-desktop")
    assert accessibility_violations(page) == []
