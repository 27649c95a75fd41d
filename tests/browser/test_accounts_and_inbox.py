"""Signing up and signing in with SMS codes, and the notification inbox, in the browser: a new member signs
up with the code sent to their phone; a member signs in with a code instead of a password; a comment on a
post reaches its author's inbox live (the bell's count), and opening the notification leads to the post."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.pages import members_of_new_branch, sign_in
from tests.conftest import new_phone

pytestmark = pytest.mark.browser


def test_a_new_member_signs_up_with_the_code_sent_to_their_phone(open_page, api, identity_events):
    page = open_page("phone").page
    page.goto("/app/login")
    page.get_by_role("link", name="没有账号？用手机号注册").click()
    expect(page.get_by_role("heading", name="注册")).to_be_visible()
    phone, name = new_phone(), "新党员" + secrets.token_hex(2)
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("status")).to_have_text("验证码已发送，请查看短信。")
    expect(page.locator("button:disabled", has_text="秒后可重发")).to_be_visible()  # no second code at once
    page.get_by_label("短信验证码").fill(identity_events.code_for(phone, "register"))
    page.get_by_label("姓名").fill(name)
    page.get_by_label("设置密码").fill("abc")  # too weak: the gateway's message, next to the field
    page.get_by_role("button", name="注册", exact=True).click()
    expect(page.locator(".field-error")).to_contain_text("密码")
    screenshot(page, "register-phone")
    assert accessibility_violations(page) == []
    page.get_by_label("设置密码").fill("Jiceng-" + secrets.token_hex(4))
    page.get_by_role("button", name="注册", exact=True).click()
    expect(page.get_by_label("发动态")).to_be_visible()
    page.get_by_role("link", name="我的").click()
    expect(page.get_by_text(name)).to_be_visible()


def test_a_member_signs_in_with_an_sms_code(open_page, api, identity_events, admin):
    (member,) = members_of_new_branch(api, identity_events, admin, ["周敏"])
    page = open_page("desktop").page
    page.goto("/app/login")
    page.get_by_role("tab", name="验证码登录").click()
    page.get_by_label("手机号").fill(member.phone)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_label("短信验证码").fill("12345")  # a wrong code first
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator(".field-error, [role=alert]").first).to_be_visible()
    page.get_by_label("短信验证码").fill(identity_events.code_for(member.phone, "login"))
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_label("发动态")).to_be_visible()


def test_a_comment_reaches_the_authors_inbox_live_and_leads_to_the_post(open_page, api, identity_events, admin):
    author, reader = members_of_new_branch(api, identity_events, admin, ["吴刚", "郑丽"])
    text = f"支部读书角开放啦 {secrets.token_hex(3)}"
    created = api.post("/api/v1/posts", json={"text": text, "visibility": "public"}, headers=author.auth)
    assert created.status_code == 201, created.text
    post_id = created.json()["id"]

    mine = open_page("desktop").page
    sign_in(mine, author.phone, author.password)
    bell = mine.get_by_role("link", name="通知（0 条未读）")
    expect(bell).to_be_visible()

    theirs = open_page("phone").page
    sign_in(theirs, reader.phone, reader.password)
    theirs.goto(f"/app/post/{post_id}")
    expect(theirs.get_by_role("article")).to_contain_text(text)
    theirs.get_by_label("写评论").fill("我周末去看看！")
    theirs.get_by_role("button", name="发表").click()
    expect(theirs.get_by_role("list").filter(has_text="我周末去看看！")).to_be_visible()
    screenshot(theirs, "post-comments-phone")
    assert accessibility_violations(theirs) == []

    # the author's page was not reloaded: the inbox's count arrives over the live socket
    expect(mine.get_by_role("link", name="通知（1 条未读）")).to_be_visible(timeout=20_000)
    mine.get_by_role("link", name="通知（1 条未读）").click()
    expect(mine.get_by_role("heading", name="通知")).to_be_visible()
    notification = mine.get_by_role("button").filter(has_text="郑丽")
    expect(notification).to_be_visible()
    screenshot(mine, "inbox-desktop")
    assert accessibility_violations(mine) == []
    notification.click()
    expect(mine).to_have_url(f"{mine.url.split('/app/')[0]}/app/post/{post_id}")
    expect(mine.get_by_text("我周末去看看！")).to_be_visible()
    expect(mine.get_by_role("link", name="通知（0 条未读）")).to_be_visible()
    unread = api.get("/api/v1/notifications/unread-count", headers=author.auth).json()
    assert unread["unread"] == 0


def test_a_member_keeps_their_real_name_and_password_on_the_me_page(open_page, api, identity_events, admin):
    (member,) = members_of_new_branch(api, identity_events, admin, ["钱进"])
    page = open_page("phone").page
    sign_in(page, member.phone, member.password)
    page.get_by_role("link", name="我的").click()
    page.wait_for_load_state("networkidle")  # what identity holds is known: nothing yet
    page.get_by_role("button", name="填写实名信息").click()
    page.get_by_label("真实姓名").fill("钱进")
    page.get_by_label("身份证号").fill("110105194912310021")  # a wrong check digit
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".field-error")).to_be_visible()
    page.get_by_label("身份证号").fill("11010519491231002X")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_have_text("实名信息已保存。")
    shown = page.locator("dd").nth(1)
    expect(shown).not_to_have_text("11010519491231002X")  # masked, also for its owner
    expect(shown).to_contain_text("*")

    page.get_by_label("当前密码").fill("not-my-password-1")
    page.get_by_label("新密码").fill("Jiceng-new-2026")
    page.get_by_role("button", name="修改密码").click()
    expect(page.locator(".field-error, [role=alert]").first).to_be_visible()
    page.get_by_label("当前密码").fill(member.password)
    page.get_by_role("button", name="修改密码").click()
    expect(page.get_by_text("密码已修改。")).to_be_visible()
    screenshot(page, "me-phone")
    assert accessibility_violations(page) == []

    page.get_by_role("button", name="退出所有设备").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    sign_in(page, member.phone, "Jiceng-new-2026")
    assert api.post("/api/v1/auth/refresh", json={"refresh_token": member.refresh_token}).status_code == 401
