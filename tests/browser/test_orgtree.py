"""The org tree (组织架构) in the browser: a secretary opens the orgs below their committee, reads an org's
details and subtree counts, creates a branch below a general branch and renames it; the API has what they did."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.pages import sign_in
from tests.e2e.corner import create_org, make_secretary

pytestmark = pytest.mark.browser
API = "/api/v1"


def test_a_secretary_browses_the_tree_and_creates_a_branch_below_a_general_branch(
    open_page, api, identity_events, admin
):
    tag = secrets.token_hex(3)
    committee = create_org(api, admin, "demo-committee", f"网页树党委{tag}", "committee")
    general = create_org(api, admin, committee["id"], f"网页树总支{tag}", "general_branch")
    create_org(api, admin, committee["id"], f"网页树机关支部{tag}", "branch")
    secretary = make_secretary(api, identity_events, admin, committee["id"])

    page = open_page("desktop").page
    sign_in(page, secretary.phone, secretary.password)
    page.get_by_role("link", name="工作台").click()
    page.get_by_role("link", name="组织架构").click()
    expect(page.get_by_role("heading", name="组织架构", level=1)).to_be_visible()

    tree = page.get_by_role("navigation", name="组织树")

    def node(name: str, kind: str):  # an org's button in the tree: its name, then its type
        return tree.get_by_role("button", name=f"{name} {kind}", exact=True)

    root = node(committee["name"], "党委")
    expect(root).to_have_attribute("aria-current", "true")
    details = page.get_by_role("region", name=committee["name"])
    expect(details.get_by_role("heading", name=committee["name"])).to_be_visible()
    stats = api.get(f"{API}/orgs/{committee['id']}/stats", headers=secretary.auth).json()
    expect(details).to_contain_text(f"{stats['orgs_total']} 个党组织")

    # the only root opens by itself; its children came from GET /orgs/{id}/children
    toggle = tree.locator(f"[aria-controls='tree-children-{committee['id']}']")
    expect(toggle).to_have_accessible_name(f"收起“{committee['name']}”的下级组织")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(node(general["name"], "党总支")).to_be_visible()

    # the keyboard: ↓ to the general branch, Enter chooses it; → opens it (it has no orgs below yet)
    root.focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.dataset.orgId") == general["id"]
    page.keyboard.press("Enter")
    details = page.get_by_role("region", name=general["name"])
    expect(details.get_by_role("heading", name=general["name"])).to_be_visible()
    expect(details).to_contain_text("党总支")
    # ← from a closed org goes up to its parent; → opens a closed one
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("document.activeElement.dataset.orgId") == committee["id"]
    page.keyboard.press("ArrowLeft")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_accessible_name(f"展开“{committee['name']}”的下级组织")
    expect(node(general["name"], "党总支")).to_be_hidden()
    page.keyboard.press("ArrowRight")
    expect(node(general["name"], "党总支")).to_be_visible()

    # a new branch below the general branch (the only type allowed there)
    details.get_by_role("button", name="新建下级组织").click()
    name = f"网页新建支部{tag}"
    details.get_by_label("组织名称").fill(name)
    expect(details.get_by_label("组织类型")).to_have_value("branch")
    details.get_by_label("地址（选填）").fill("幸福路 8 号")
    details.get_by_role("button", name="创建").click()
    expect(details.get_by_role("status")).to_have_text("下级组织已创建。")
    new_node = node(name, "党支部")
    expect(new_node).to_be_visible()

    children = api.get(f"{API}/orgs/{general['id']}/children", headers=secretary.auth).json()["orgs"]
    (made,) = [o for o in children if o["name"] == name]
    assert made["type"] == "branch" and made["address"] == "幸福路 8 号"
    assert made["path"] == [*general["path"], made["id"]]

    # choose it and rename it
    new_node.click()
    details = page.get_by_role("region", name=name)
    expect(details).to_contain_text("幸福路 8 号")
    details.get_by_role("button", name="修改信息").click()
    details.get_by_label("组织名称").fill(name + "（已更名）")
    details.get_by_role("button", name="保存").click()
    details = page.get_by_role("region", name=name + "（已更名）")
    expect(details.get_by_role("status")).to_have_text("已保存。")
    expect(node(name + "（已更名）", "党支部")).to_be_visible()
    assert api.get(f"{API}/orgs/{made['id']}", headers=secretary.auth).json()["name"] == name + "（已更名）"
    after = api.get(f"{API}/orgs/{committee['id']}/stats", headers=secretary.auth).json()
    assert after["orgs_total"] == stats["orgs_total"] + 1 and after["orgs_by_type"]["branch"] == 2

    screenshot(page, "orgtree-desktop")
    assert accessibility_violations(page) == []

    # a phone: the details below the tree; the page opens again at the org in its address
    phone = open_page("phone").page
    sign_in(phone, secretary.phone, secretary.password)
    phone.goto(f"/app/manage/orgs?org={made['id']}")
    tree = phone.get_by_role("navigation", name="组织树")
    expect(node(name + "（已更名）", "党支部")).to_have_attribute("aria-current", "true")
    expect(phone.get_by_role("region", name=name + "（已更名）")).to_contain_text("党支部")
    screenshot(phone, "orgtree-phone")
    assert accessibility_violations(phone) == []
