"""My data and consent settings (隐私与授权) in the browser: a location consent granted then revoked with
both in the history, SMS notifications stopped, a notification preference changed, my location data
downloaded as a JSON file."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.pages import members_of_new_branch, sign_in

pytestmark = pytest.mark.browser


def test_a_member_grants_and_revokes_a_location_consent_and_manages_notifications(
    open_page, api, identity_events, admin
):
    (member,) = members_of_new_branch(api, identity_events, admin, ["赵敏" + secrets.token_hex(2)])
    page = open_page("phone").page
    sign_in(page, member.phone, member.password)
    page.get_by_role("link", name="工作台").click()
    page.get_by_role("link", name="隐私与授权").click()
    expect(page.get_by_role("heading", name="隐私与授权", level=1)).to_be_visible()

    location = page.get_by_role("region", name="位置信息授权")
    check_in = location.get_by_role("article", name="定位签到")
    expect(check_in).to_contain_text("未授权")
    expect(check_in).to_contain_text("签到位置保存 90 天")  # the consent text itself, from geo
    expect(location).to_contain_text("还没有授权记录。")
    screenshot(page, "privacy-privacy-phone")
    assert accessibility_violations(page) == []

    check_in.get_by_role("button", name="同意并授权：定位签到").click()
    expect(location.get_by_role("status")).to_have_text("已授权“定位签到”。")
    expect(check_in).to_contain_text("已授权（第 1 版）")
    rows = location.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(1)

    check_in.get_by_role("button", name="撤回授权：定位签到").click()
    expect(location.get_by_role("status")).to_contain_text("已撤回“定位签到”的授权")
    expect(check_in).to_contain_text("未授权")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("撤回")  # newest first
    expect(rows.nth(1)).to_contain_text("授权")
    for row in (rows.nth(0), rows.nth(1)):
        expect(row).to_contain_text("定位签到")
    stored = api.get("/api/v1/geo/consents", headers=member.auth).json()
    assert [(h["purpose"], h["action"]) for h in stored["history"]] == [
        ("check_in", "revoked"),
        ("check_in", "granted"),
    ]
    assert not next(c for c in stored["consents"] if c["purpose"] == "check_in")["granted"]

    # SMS notifications off
    sms = page.get_by_role("region", name="短信通知")
    sms.get_by_role("button", name="不再接收通知短信").click()
    expect(sms.get_by_role("status")).to_have_text("已停止接收通知短信。")
    expect(sms).to_contain_text("在应用中退订")
    assert api.get("/api/v1/me/sms-opt-out", headers=member.auth).json()["opted_out"] is True

    # no more likes in the app; comments by SMS
    prefs = page.get_by_role("region", name="消息提醒设置")
    prefs.get_by_label("点赞：站内").uncheck()
    prefs.get_by_label("评论：短信").check()
    prefs.get_by_role("button", name="保存提醒设置").click()
    expect(prefs.get_by_role("status")).to_have_text("提醒设置已保存。")
    kinds = {k["kind"]: k for k in api.get("/api/v1/notifications/preferences", headers=member.auth).json()["kinds"]}
    assert kinds["like"]["in_app"] is False and kinds["comment"]["sms"] is True
    assert kinds["mention"]["in_app"] is True  # the others keep theirs

    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "privacy-privacy-desktop")
    assert accessibility_violations(page) == []

    # my location data, as a file
    with page.expect_download() as started:
        page.get_by_role("button", name="下载我的位置数据").click()
    download = started.value
    assert download.suggested_filename.endswith(".json")
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["account_id"] == member.account_id
    assert sorted((h["purpose"], h["action"]) for h in data["consent_history"]) == [
        ("check_in", "granted"),
        ("check_in", "revoked"),
    ]
    expect(page.get_by_role("region", name="我的位置数据").get_by_role("status")).to_have_text("已开始下载。")

    # after a reload, what was stored is shown
    page.reload()
    expect(page.get_by_role("region", name="短信通知")).to_contain_text("已停止向")
    expect(page.get_by_role("region", name="消息提醒设置").get_by_label("点赞：站内")).not_to_be_checked()
