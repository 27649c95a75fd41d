"""An org's page in the browser: "my party org" from the workbench shows the member's branch, the orgs above
it and its official posts; following and unfollowing it; an org above opens from the page."""

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


def following_orgs(api, person) -> set[str]:
    reply = api.get("/api/v1/accounts/me/network/following", headers=person.auth)
    assert reply.status_code == 200, reply.text
    return {e["id"] for e in reply.json()["entries"] if e["kind"] == "org"}


def test_a_member_opens_their_org_reads_its_official_post_and_follows_it(open_page, api, identity_events, admin):
    name = f"网页组织主页支部{secrets.token_hex(3)}"
    branch = create_org(api, admin, "demo-committee", name, "branch")
    secretary = make_secretary(api, identity_events, admin, branch["id"])
    member = register(api, identity_events, "孙丽")
    add_member(api, admin, branch["id"], member, "孙丽")
    text = f"本支部将于周五下午开展主题党日活动，请全体党员准时参加 {secrets.token_hex(3)}"
    posted = api.post(
        "/api/v1/posts", json={"text": text, "visibility": "public", "as_org_id": branch["id"]}, headers=secretary.auth
    )
    assert posted.status_code == 201, posted.text

    def listed():
        reply = api.get(f"/api/v1/orgs/{branch['id']}/posts", headers=member.auth)
        return reply.status_code == 200 and any(i["post"] and i["post"]["text"] == text for i in reply.json()["items"])

    wait_until(listed, what="the org's post listed")

    page = open_page("phone").page
    sign_in(page, member.phone, member.password)
    page.get_by_role("link", name="工作台").click()
    page.get_by_role("link", name="我的党组织").click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(f"/app/org/{branch['id']}$"))
    expect(page.get_by_text("党支部", exact=True)).to_be_visible()
    expect(page.get_by_text("我所在的党组织")).to_be_visible()
    above = page.get_by_role("navigation", name="上级党组织")
    expect(above.get_by_role("link", name="中共示范街道工作委员会")).to_be_visible()
    posts = page.get_by_role("region", name="官方动态")
    expect(posts.get_by_role("article").filter(has_text=text)).to_be_visible()
    screenshot(page, "org-page-phone")
    assert accessibility_violations(page) == []

    page.get_by_role("button", name="关注", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"已关注 {name}")
    assert following_orgs(api, member) == {branch["id"]}
    page.reload()
    expect(page.get_by_text("我所在的党组织 · 已关注")).to_be_visible()  # known again from my following list
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "org-page-desktop")
    assert accessibility_violations(page) == []

    page.get_by_role("button", name="取消关注").click()
    expect(page.get_by_role("status")).to_have_text(f"已取消关注 {name}。")
    assert following_orgs(api, member) == set()

    above.get_by_role("link", name="中共示范街道工作委员会").click()
    expect(page.get_by_role("heading", name="中共示范街道工作委员会", level=1)).to_be_visible()
    expect(page.get_by_text("党委", exact=True)).to_be_visible()
    expect(page.get_by_text("我所在的党组织")).to_have_count(0)
