"""The web app in a real browser (Debian's Chromium, headless) against the session's region: what members
and secretaries do with it, on a phone-sized and a desktop-sized screen, in Chinese first."""

from __future__ import annotations

import secrets
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.pages import members_of_new_branch, png, sign_in
from tests.conftest import Person, xlsx_bytes
from tests.e2e.corner import create_org, make_secretary

pytestmark = pytest.mark.browser


def test_a_member_signs_in_posts_with_an_image_and_sees_it_on_the_timeline(open_page, api, identity_events, admin):
    (member,) = members_of_new_branch(api, identity_events, admin, ["李明"])
    watched = open_page("phone")
    page = watched.page

    page.goto("/app/login")
    page.get_by_label("手机号").fill(member.phone)
    page.get_by_label("密码", exact=True).fill("not-the-password")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("手机号或密码错误")  # the gateway's message, in Chinese

    sign_in(page, member.phone, member.password)
    text = f"今天支部组织学习，收获很大 #{secrets.token_hex(3)}"
    page.get_by_label("发动态").fill(text)
    page.locator("#compose-images").set_input_files(
        [{"name": "学习.png", "mimeType": "image/png", "buffer": png((200, 30, 40))}]
    )
    expect(page.get_by_alt_text("待发布的第 1 张图片")).to_be_visible()
    page.get_by_role("button", name="发布").click()
    post = page.get_by_role("article").filter(has_text=text)
    expect(post).to_be_visible()
    expect(page.get_by_label("发动态")).to_have_value("")

    # From the server, not from the page's memory: the author's own inbox has the post as soon as it is
    # stored (the followers' come from content's worker a moment later).
    page.reload()
    post = page.get_by_role("article").filter(has_text=text)
    expect(post).to_be_visible()
    image = post.get_by_role("img")
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    screenshot(page, "timeline-phone")

    body = api.get("/api/v1/accounts/me/posts", headers=member.auth).json()
    stored = [i["post"] for i in body["items"] if i["post"] and i["post"]["text"] == text]
    assert len(stored) == 1 and len(stored[0]["media_ids"]) == 1

    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "timeline-desktop")
    assert accessibility_violations(page) == []


def test_a_secretary_imports_a_roster_with_mistakes_and_reads_the_report(open_page, api, identity_events, admin):
    tag = secrets.token_hex(3)
    committee = create_org(api, admin, "demo-committee", f"网页导入党委{tag}", "committee")
    secretary = make_secretary(api, identity_events, admin, committee["id"])
    members = [
        ["姓名", "手机号", "所在党组织", "党员状态"],
        ["赵一", "139" + str(secrets.randbelow(10**8)).zfill(8), committee["id"], "正式党员"],
        ["钱二", "1380000", committee["id"], "正式党员"],  # row 3: not a phone number
        ["孙三", "139" + str(secrets.randbelow(10**8)).zfill(8), "nowhere", "正式党员"],  # row 4: no such org
    ]
    before = api.get(f"/api/v1/orgs/{committee['id']}/stats", headers=secretary.auth).json()

    watched = open_page("desktop")
    page = watched.page
    sign_in(page, secretary.phone, secretary.password)
    page.get_by_role("link", name="工作台").click()
    page.get_by_role("link", name="导入党员名册").click()
    expect(page.get_by_role("heading", name="导入党员名册")).to_be_visible()
    expect(page.get_by_label("导入到")).to_have_value(committee["id"])
    page.get_by_label("名册文件").set_input_files(
        [{"name": "花名册.xlsx", "mimeType": "application/octet-stream", "buffer": xlsx_bytes({"党员": members})}]
    )
    page.get_by_label("只检查，不导入").uncheck()
    page.get_by_role("button", name="导入", exact=True).click()

    expect(page.get_by_role("alert")).to_contain_text("发现 2 个问题，文件未导入")
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("3")
    expect(rows.nth(0)).to_contain_text("手机号")
    expect(rows.nth(1)).to_contain_text("4")
    expect(rows.nth(1)).to_contain_text("所在党组织")
    screenshot(page, "import-report-desktop")
    assert accessibility_violations(page) == []

    after = api.get(f"/api/v1/orgs/{committee['id']}/stats", headers=secretary.auth).json()
    assert after == before  # all or nothing: the good row was not imported either

    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "import-report-phone")


def wait_until_colleagues(api, person: Person, other: Person, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = api.get("/api/v1/accounts/me/network/colleagues", headers=person.auth)
        if reply.status_code == 200 and any(e["id"] == other.account_id for e in reply.json()["entries"]):
            return
        time.sleep(0.2)
    raise AssertionError("the network never made them colleagues")


def test_two_members_chat_live_in_two_browsers(open_page, api, identity_events, admin):
    bob_name = "张伟" + secrets.token_hex(2)
    ann, bob = members_of_new_branch(api, identity_events, admin, ["刘芳", bob_name])
    wait_until_colleagues(api, ann, bob)

    a = open_page("desktop").page
    b = open_page("phone").page
    sign_in(a, ann.phone, ann.password)
    sign_in(b, bob.phone, bob.password)

    a.get_by_role("link", name="消息").click()
    a.get_by_role("button", name="发起聊天").click()
    a.get_by_role("button", name=bob_name).click()
    expect(a.get_by_role("heading", name=bob_name)).to_be_visible()
    expect(a.get_by_role("status")).to_have_text("在线")
    a.get_by_label("输入消息").fill("你好，周五的主题党日你参加吗？")
    a.get_by_role("button", name="发送").click()
    expect(a.get_by_role("list", name="聊天记录")).to_contain_text("你好，周五的主题党日你参加吗？")

    b.get_by_role("link", name="消息").click()
    b.get_by_role("link").filter(has_text="你好，周五的主题党日你参加吗？").click()
    expect(b.get_by_role("list", name="聊天记录")).to_contain_text("你好，周五的主题党日你参加吗？")
    expect(b.get_by_role("status")).to_have_text("在线")
    b.get_by_label("输入消息").fill("参加，我已经报名了。")
    b.get_by_role("button", name="发送").click()

    # Ann's page was not reloaded: Bob's answer arrives over the live WebSocket
    expect(a.get_by_role("list", name="聊天记录")).to_contain_text("参加，我已经报名了。")
    a.get_by_label("输入消息").fill("好的，到时见！")
    a.get_by_role("button", name="发送").click()
    expect(b.get_by_role("list", name="聊天记录")).to_contain_text("好的，到时见！")
    bubbles = b.locator(".bubble")
    expect(bubbles).to_have_count(3)
    screenshot(a, "chat-desktop")
    screenshot(b, "chat-phone")
    assert accessibility_violations(b) == []


def test_a_member_signs_in_with_the_keyboard_alone(open_page, api, identity_events, admin):
    (member,) = members_of_new_branch(api, identity_events, admin, ["陈静"])
    page = open_page("desktop").page
    page.goto("/app/login")
    expect(page.get_by_label("手机号")).to_be_visible()  # the app has started (its scripts come after the page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "跳到正文"
    page.keyboard.press("Enter")  # the skip link takes the focus to the content
    assert page.evaluate("document.activeElement.id") == "main"
    for _ in range(3):  # the two ways of signing in, then the phone field
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "phone"
    page.keyboard.type(member.phone)
    page.keyboard.press("Tab")
    page.keyboard.type(member.password)
    page.keyboard.press("Enter")
    expect(page.get_by_label("发动态")).to_be_visible()
    # the new view has the focus: the next stop is its first field, not somewhere in the old form
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "compose-text"
    page.keyboard.type("用键盘发的动态")
    for _ in range(6):  # on to the post button (past the images, once the member's org is known, and who may read)
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "发布":
            break
    assert page.evaluate("document.activeElement.textContent.trim()") == "发布"
    page.keyboard.press("Enter")
    expect(page.get_by_role("article").filter(has_text="用键盘发的动态")).to_be_visible()


def test_english_is_the_second_language_and_unknown_pages_say_so(open_page):
    page = open_page("phone").page
    page.goto("/app/login")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    page.get_by_label("Phone number").fill("12")
    page.get_by_label("Password", exact=True).fill("x")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator(".field-error, [role=alert]").first).to_be_visible()
    assert accessibility_violations(page) == []
    page.goto("/app/no/such/page")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()  # the choice is remembered


def test_a_member_starts_a_group_and_joins_the_org_group_chat(open_page, api, identity_events, admin):
    tag = secrets.token_hex(2)
    ann, bob, cat = members_of_new_branch(api, identity_events, admin, [f"甲{tag}", f"乙{tag}", f"丙{tag}"])
    wait_until_colleagues(api, ann, bob)
    wait_until_colleagues(api, ann, cat)
    branch = api.get("/api/v1/accounts/me/dossier", headers=ann.auth).json()["membership"]["org_id"]
    opened = api.post(f"/api/v1/orgs/{branch}/chat", json={"title": f"支部群{tag}"}, headers=admin.auth)
    assert opened.status_code == 200, opened.text

    a = open_page("desktop").page
    sign_in(a, ann.phone, ann.password)
    a.get_by_role("link", name="消息").click()
    expect(a.get_by_text(f"本支部已开通群聊“支部群{tag}”。")).to_be_visible()
    a.get_by_role("button", name="发起群聊").click()
    a.get_by_label(f"乙{tag}").check()
    a.get_by_label(f"丙{tag}").check()
    a.get_by_label("群聊名称").fill(f"读书小组{tag}")
    a.get_by_role("button", name="建群（已选 2 人）").click()
    expect(a.get_by_role("heading", name=f"读书小组{tag}")).to_be_visible()
    a.get_by_label("输入消息").fill("这周读《习近平谈治国理政》第一卷")
    a.get_by_role("button", name="发送").click()

    b = open_page("phone").page
    sign_in(b, bob.phone, bob.password)
    b.get_by_role("link", name="消息").click()
    b.get_by_role("link").filter(has_text=f"读书小组{tag}").click()
    expect(b.get_by_role("list", name="聊天记录")).to_contain_text("第一卷")
    expect(b.locator(".bubble .who").first).to_have_text(f"甲{tag}")  # a group names its senders

    b.get_by_role("link", name="消息").click()
    b.get_by_role("button", name="加入").click()
    expect(b.get_by_role("heading", name=f"支部群{tag}")).to_be_visible()
    conversations = api.get("/api/v1/chat/conversations", headers=bob.auth).json()["conversations"]
    assert {c["title"] for c in conversations} >= {f"读书小组{tag}", f"支部群{tag}"}
