"""Notices (通知公告) in the browser: a secretary publishes one to the branch, its members find it unread and
open it, and the secretary follows who has read it and reminds the others (once an hour)."""

from __future__ import annotations

import secrets

import pymongo
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.pages import png, sign_in
from tests.conftest import Person, register
from tests.e2e.corner import add_member, create_org, make_secretary, wait_until

pytestmark = pytest.mark.browser


def branch_with_members(api, identity_events, admin, stack, names: list[str]) -> tuple[dict, Person, list[Person]]:
    """A new branch with a secretary and members, once content's copy of its people has caught up (a
    notice reaches those content knows at publication)."""
    branch = create_org(api, admin, "demo-committee", f"通知测试支部{secrets.token_hex(3)}", "branch")
    secretary = make_secretary(api, identity_events, admin, branch["id"])
    members = []
    for name in names:
        person = register(api, identity_events, name)
        add_member(api, admin, branch["id"], person, name)
        members.append(person)
    client = pymongo.MongoClient(stack.env["MONGO_URI"])
    try:
        content = client[f"{stack.layout.region}_content"]
        for person in [secretary, *members]:
            wait_until(
                lambda p=person: content["mirror_people"].find_one(
                    {"account_id": p.account_id, "org_id": branch["id"]}
                ),
                timeout=30,
                what="content's copy of the branch's people",
            )
        wait_until(
            lambda: content["role_holders"].find_one({"account_id": secretary.account_id, "role": "secretary"}),
            timeout=30,
            what="content's copy of the secretary's role",
        )
    finally:
        client.close()
    return branch, secretary, members


def expect_counts(row, recipients: int, read: int, unread: int) -> None:
    """A row of the receipts table: its org, then recipients, readers and the unread."""
    cells = row.get_by_role("cell")
    for n, value in enumerate((recipients, read, unread)):
        expect(cells.nth(n)).to_have_text(str(value))


def test_a_secretary_publishes_a_notice_and_follows_who_has_read_it(open_page, api, identity_events, admin, stack):
    tag = secrets.token_hex(2)
    reader_name, other_name = f"赵读{tag}", f"钱未{tag}"
    branch, secretary, (reader, other) = branch_with_members(
        api, identity_events, admin, stack, [reader_name, other_name]
    )
    title = f"关于开展主题党日活动的通知 {tag}"

    boss = open_page("desktop").page
    sign_in(boss, secretary.phone, secretary.password)
    boss.get_by_role("link", name="工作台").click()
    boss.get_by_role("link", name="发布通知").click()
    expect(boss.get_by_role("heading", name="发布通知", exact=True)).to_be_visible()
    expect(boss.get_by_label("发布单位")).to_have_value(branch["id"])
    boss.get_by_label("标题").fill(title)
    boss.get_by_label("正文").fill("请各位党员本周五下午三点到支部活动室参加主题党日活动。")
    boss.get_by_label("附件（可选）").set_input_files(
        [{"name": "活动安排.png", "mimeType": "image/png", "buffer": png((180, 20, 30))}]
    )
    boss.get_by_role("button", name="发布", exact=True).click()
    expect(boss.get_by_role("status")).to_have_text("已发布，送达 3 人。")
    expect(boss.get_by_label("标题")).to_have_value("")
    screenshot(boss, "notices-manage-desktop")
    assert accessibility_violations(boss) == []
    boss.set_viewport_size({"width": 390, "height": 844})
    screenshot(boss, "notices-manage-phone")
    boss.set_viewport_size({"width": 1280, "height": 800})

    sent = api.get(f"/api/v1/orgs/{branch['id']}/notices", headers=secretary.auth).json()["notices"]
    assert [n["title"] for n in sent] == [title]
    notice = sent[0]
    assert notice["target_org_ids"] == [branch["id"]] and len(notice["attachment_ids"]) == 1

    # the receipts: nobody has read it yet
    boss.get_by_role("link").filter(has_text=title).click()
    expect(boss.get_by_role("heading", name="阅读情况", exact=True)).to_be_visible()
    row = boss.get_by_role("row").filter(has_text=branch["name"])
    expect_counts(row, 3, 0, 3)
    unread = boss.get_by_role("list", name="未读名单")
    expect(unread.get_by_role("listitem")).to_have_count(3)
    expect(unread).to_contain_text(reader_name)

    # a member opens it on a phone
    member = open_page("phone").page
    sign_in(member, reader.phone, reader.password)
    member.get_by_role("link", name="工作台").click()
    member.get_by_role("link", name="通知公告").click()
    item = member.get_by_role("link").filter(has_text=title)
    expect(item).to_contain_text("未读")
    expect(item).to_contain_text("1 个附件")
    screenshot(member, "notices-list-phone")
    assert accessibility_violations(member) == []
    item.click()
    expect(member.get_by_role("heading", name=title)).to_be_visible()
    expect(member.get_by_text("请各位党员本周五下午三点")).to_be_visible()
    expect(member.get_by_role("status")).to_have_text("已读")
    expect(member.get_by_role("link", name="活动安排.png")).to_be_visible()
    expect(member.get_by_role("link", name="查看阅读情况、提醒未读人员")).to_have_count(0)  # not for members
    screenshot(member, "notices-notice-phone")
    assert accessibility_violations(member) == []
    member.set_viewport_size({"width": 1280, "height": 800})
    screenshot(member, "notices-notice-desktop")
    member.get_by_role("link", name="返回通知列表").click()
    expect(member.get_by_role("link").filter(has_text=title)).not_to_contain_text("未读")
    screenshot(member, "notices-list-desktop")

    mine = api.get("/api/v1/notices", headers=reader.auth).json()["notices"]
    assert [(n["id"], n["read"]) for n in mine] == [(notice["id"], True)]

    # the secretary's list of those who have not read it shrinks
    boss.get_by_role("button", name="刷新").click()
    expect_counts(row, 3, 1, 2)
    expect(unread.get_by_role("listitem")).to_have_count(2)
    expect(unread).not_to_contain_text(reader_name)
    expect(unread).to_contain_text(other_name)
    boss.get_by_role("tab", name="已读").click()
    expect(boss.get_by_role("list", name="已读名单")).to_contain_text(reader_name)
    screenshot(boss, "notices-receipts-desktop")
    assert accessibility_violations(boss) == []

    # a reminder to the two who have not read it; a second one within the hour is refused by the gateway
    boss.get_by_role("button", name="提醒未读人员").click()
    expect(boss.get_by_text("已提醒 2 人。")).to_be_visible()
    boss.get_by_role("button", name="提醒未读人员").click()
    expect(boss.get_by_role("alert")).to_contain_text("每小时只能提醒一次")
    boss.set_viewport_size({"width": 390, "height": 844})
    screenshot(boss, "notices-receipts-phone")
    assert accessibility_violations(boss) == []

    receipts = api.get(f"/api/v1/notices/{notice['id']}/receipts", headers=secretary.auth).json()
    assert [(o["recipients"], o["read"]) for o in receipts["orgs"]] == [(3, 1)]


def test_a_notice_to_the_branch_secretaries_reaches_them_only(open_page, api, identity_events, admin, stack):
    tag = secrets.token_hex(2)
    branch, secretary, (member,) = branch_with_members(api, identity_events, admin, stack, [f"孙员{tag}"])
    title = f"支部书记例会通知 {tag}"

    page = open_page("desktop").page
    sign_in(page, secretary.phone, secretary.password)
    page.goto("/app/manage/notices")
    page.get_by_label("标题").fill(title)
    page.get_by_label("正文").fill("请各支部书记周一上午参加例会。")
    page.get_by_label("书记", exact=True).check()
    page.get_by_role("button", name="发布", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("已发布，送达 1 人。")

    sent = api.get(f"/api/v1/orgs/{branch['id']}/notices", headers=secretary.auth).json()["notices"]
    assert sent[0]["title"] == title and sent[0]["roles"] == ["secretary"]
    assert api.get("/api/v1/notices", headers=member.auth).json()["notices"] == []

    other = open_page("phone").page
    sign_in(other, member.phone, member.password)
    other.goto("/app/notices")
    expect(other.get_by_text("暂时没有发给您的通知。")).to_be_visible()
