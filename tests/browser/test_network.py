"""My network (我的人脉) in the browser: a friend request from "people you may know" accepted in another
browser, ending the friendship; external contacts; the network's privacy settings."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.pages import members_of_new_branch, sign_in
from tests.conftest import new_phone
from tests.e2e.corner import wait_until

pytestmark = pytest.mark.browser


def open_network(page) -> None:
    page.get_by_role("link", name="工作台").click()
    page.get_by_role("link", name="我的人脉").click()
    expect(page.get_by_role("heading", name="我的人脉", level=1)).to_be_visible()


def relation_names(api, person, relation: str) -> set[str]:
    reply = api.get(f"/api/v1/accounts/me/network/{relation}", headers=person.auth)
    assert reply.status_code == 200, reply.text
    return {e["id"] for e in reply.json()["entries"]}


def test_a_friend_request_from_people_you_may_know_is_accepted_in_another_browser(
    open_page, api, identity_events, admin
):
    ann_name, bob_name = "刘芳" + secrets.token_hex(2), "张伟" + secrets.token_hex(2)
    ann, bob = members_of_new_branch(api, identity_events, admin, [ann_name, bob_name])
    wait_until(lambda: bob.account_id in relation_names(api, ann, "colleagues"), what="colleagues")

    a = open_page("desktop").page
    sign_in(a, ann.phone, ann.password)
    open_network(a)
    suggestions = a.get_by_role("list", name="可能认识的人")
    expect(suggestions).to_contain_text(bob_name)
    expect(suggestions).to_contain_text("同一党组织")
    suggestions.get_by_role("button", name=f"加好友：{bob_name}").click()
    expect(a.get_by_role("status")).to_have_text(f"已向 {bob_name} 发送好友申请。")
    expect(a.get_by_role("list", name="我发出的申请")).to_contain_text(bob_name)
    a.get_by_role("tab", name="同事").click()
    expect(a.get_by_role("tabpanel")).to_contain_text(bob_name)
    screenshot(a, "network-network-desktop")
    assert accessibility_violations(a) == []

    incoming = api.get("/api/v1/network/friend-requests?direction=incoming", headers=bob.auth).json()["requests"]
    assert [(r["from_id"], r["state"]) for r in incoming] == [(ann.account_id, "pending")]

    b = open_page("phone").page
    sign_in(b, bob.phone, bob.password)
    open_network(b)
    received = b.get_by_role("list", name="收到的好友申请")
    expect(received).to_contain_text(ann_name)
    screenshot(b, "network-network-phone")
    assert accessibility_violations(b) == []
    received.get_by_role("button", name=f"同意：{ann_name}").click()
    expect(b.get_by_role("status")).to_have_text(f"已同意 {ann_name} 的好友申请。")
    expect(b.get_by_text("暂时没有新的好友申请。")).to_be_visible()
    b.get_by_role("tab", name="好友").click()
    expect(b.get_by_role("tabpanel")).to_contain_text(ann_name)
    b.get_by_role("button", name=f"关注：{ann_name}").click()
    expect(b.get_by_role("status")).to_have_text(f"已关注 {ann_name}。")
    expect(b.get_by_role("button", name=f"取消关注：{ann_name}")).to_be_visible()

    a.reload()
    expect(a.get_by_role("tabpanel")).to_contain_text(bob_name)  # the friends tab is the first
    expect(a.get_by_role("region", name="人脉概况")).to_contain_text("1")
    assert relation_names(api, ann, "friends") == {bob.account_id}
    assert relation_names(api, bob, "friends") == {ann.account_id}

    # Bob follows Ann: she follows him back from her followers
    a.get_by_role("tab", name="粉丝").click()
    a.get_by_role("tabpanel").get_by_role("button", name=f"回关：{bob_name}").click()
    expect(a.get_by_role("status")).to_have_text(f"已关注 {bob_name}。")
    assert relation_names(api, ann, "following") == {bob.account_id}
    assert relation_names(api, ann, "followers") == {bob.account_id}
    a.get_by_role("tab", name="好友").click()

    # Ann ends the friendship (asked to confirm first); both lists are empty again.
    a.get_by_role("button", name=f"解除好友：{bob_name}").click()
    a.get_by_role("button", name="确定解除").click()
    expect(a.get_by_role("status")).to_have_text(f"已解除与 {bob_name} 的好友关系。")
    expect(a.get_by_role("tabpanel")).to_contain_text("还没有好友")
    assert relation_names(api, ann, "friends") == set()
    assert relation_names(api, bob, "friends") == set()


def test_a_member_keeps_external_contacts_and_sets_network_privacy(open_page, api, identity_events, admin):
    (member,) = members_of_new_branch(api, identity_events, admin, ["陈静" + secrets.token_hex(2)])
    page = open_page("phone").page
    sign_in(page, member.phone, member.password)
    open_network(page)
    page.get_by_role("link", name="外部联系人").click()
    expect(page.get_by_role("heading", name="外部联系人", level=1)).to_be_visible()
    expect(page.get_by_text("还没有外部联系人。")).to_be_visible()

    page.get_by_label("姓名").fill("王大爷")
    page.get_by_label("手机号").fill("12345")
    page.get_by_role("button", name="添加", exact=True).click()
    expect(page.locator("#contact-phone-error")).to_be_visible()  # the gateway's message, next to the field
    expect(page.get_by_label("手机号")).to_have_attribute("aria-invalid", "true")

    phone = new_phone()
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("备注（可选）").fill("社区志愿者")
    page.get_by_role("button", name="添加", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("已添加联系人 王大爷。")
    listed = page.get_by_role("region", name="联系人列表")
    expect(listed).to_contain_text(phone)
    expect(listed).to_contain_text("社区志愿者")
    screenshot(page, "network-contacts-phone")
    assert accessibility_violations(page) == []

    listed.get_by_role("button", name="修改：王大爷").click()
    listed.get_by_label("备注（可选）").fill("社区志愿者，楼栋长")
    listed.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_have_text("已保存联系人 王大爷。")
    stored = api.get("/api/v1/accounts/me/contacts", headers=member.auth).json()["contacts"]
    assert [(c["name"], c["phone"], c["note"]) for c in stored] == [("王大爷", phone, "社区志愿者，楼栋长")]

    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "network-contacts-desktop")
    listed.get_by_role("button", name="删除：王大爷").click()
    listed.get_by_role("button", name="确定删除").click()
    expect(page.get_by_role("status")).to_have_text("已删除联系人 王大爷。")
    assert api.get("/api/v1/accounts/me/contacts", headers=member.auth).json()["contacts"] == []

    page.get_by_role("link", name="返回我的人脉").click()
    page.get_by_role("link", name="人脉隐私设置").click()
    expect(page.get_by_label("所有人")).to_be_checked()
    page.get_by_label("相近党组织的党员").check()
    page.get_by_label("向上几级以内的党组织").fill("1")
    page.get_by_label("仅自己").check()
    page.get_by_role("button", name="保存设置").click()
    expect(page.get_by_role("status")).to_have_text("设置已保存。")
    screenshot(page, "network-settings-desktop")
    assert accessibility_violations(page) == []
    settings = api.get("/api/v1/network/settings", headers=member.auth).json()
    assert settings == {"friend_requests_from": "org_within", "org_levels": 1, "friends_visible_to": "only_me"}
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "network-settings-phone")
