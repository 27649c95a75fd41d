"""My data and consent settings (隐私与授权) in the browser: a location consent granted then revoked with
both in the history, SMS notifications stopped, a notification preference changed, my location data
downloaded as a JSON file; everything the region holds about me downloaded (下载我的数据, and its hourly
limit); my account deleted (注销账号) after a wrong password, and a secretary told to hand over first."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.pages import members_of_new_branch, sign_in
from tests.e2e.corner import create_org, make_secretary

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


def test_a_member_downloads_everything_the_region_holds_about_them(open_page, api, identity_events, admin):
    name = "孙丽" + secrets.token_hex(2)
    (member,) = members_of_new_branch(api, identity_events, admin, [name])
    page = open_page("phone").page
    sign_in(page, member.phone, member.password)
    page.goto("/app/privacy")

    export = page.get_by_role("region", name="下载我的数据")
    expect(export.locator("dt")).to_have_count(6)  # a line per service's part
    expect(export).to_contain_text("手机号、姓名、实名信息和身份证号")
    expect(export).to_contain_text("每小时最多下载 5 次")
    export.scroll_into_view_if_needed()
    screenshot(page, "privacy-export-phone")
    with page.expect_download() as started:
        export.get_by_role("button", name="下载我的数据", exact=True).click()
    download = started.value
    assert download.suggested_filename == f"jiceng-my-data-{dt.date.today().isoformat()}.json"
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["account_id"] == member.account_id
    assert set(data["services"]) == {"identity", "orgs", "content", "media", "sms", "geo"}
    identity = data["services"]["identity"]["account"]
    assert (identity["phone"], identity["display_name"]) == (member.phone, name)
    memberships = data["services"]["orgs"]["records"]["memberships"]
    assert [m["account_id"] for m in memberships] == [member.account_id]
    expect(export.get_by_role("status")).to_have_text("已开始下载。")

    # five an hour: the sixth is refused, in words
    for _ in range(4):
        assert api.get("/api/v1/me/export", headers=member.auth).status_code == 200
    export.get_by_role("button", name="下载我的数据", exact=True).click()
    expect(export.get_by_role("alert")).to_contain_text("操作过于频繁")
    expect(export.get_by_role("status")).to_have_count(0)


def test_a_member_deletes_their_account_after_a_wrong_password(open_page, api, identity_events, admin):
    (member,) = members_of_new_branch(api, identity_events, admin, ["周杰" + secrets.token_hex(2)])
    page = open_page("desktop").page
    sign_in(page, member.phone, member.password)
    page.goto("/app/privacy")

    zone = page.get_by_role("region", name="注销账号")
    expect(zone).to_contain_text("已注销用户")  # what is kept, anonymized
    submit = zone.get_by_role("button", name="注销账号")
    zone.get_by_label("登录密码").fill("not-" + member.password)
    expect(submit).to_be_disabled()  # not without the confirmation
    zone.get_by_label("我已了解注销后账号无法恢复").check()
    submit.click()
    password = zone.get_by_label("登录密码")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description("密码不正确。")
    expect(zone.get_by_role("alert")).to_have_count(0)  # said at the field, not twice
    assert api.get("/api/v1/me", headers=member.auth).status_code == 200  # nothing happened
    zone.scroll_into_view_if_needed()
    screenshot(page, "privacy-deletion-desktop")
    assert accessibility_violations(page) == []

    password.fill(member.password)
    submit.click()
    expect(page).to_have_url(re.compile(r"/app/login/deleted$"))
    expect(page.get_by_role("status")).to_have_text("您的账号已注销。如需继续使用，可用此手机号重新注册。")
    expect(page.get_by_role("heading", name="登录", level=1)).to_be_visible()
    assert page.evaluate("localStorage.getItem('jiceng.session')") is None
    screenshot(page, "privacy-deleted-desktop")
    assert accessibility_violations(page) == []

    again = api.post("/api/v1/auth/login", json={"phone": member.phone, "password": member.password})
    assert again.status_code == 401, again.text
    assert api.get("/api/v1/me", headers=member.auth).status_code == 401


def test_a_secretary_is_told_to_hand_over_the_office_before_deleting(open_page, api, identity_events, admin):
    branch = create_org(api, admin, "demo-committee", f"注销测试支部{secrets.token_hex(3)}", "branch")
    secretary = make_secretary(api, identity_events, admin, branch["id"])
    page = open_page("phone").page
    sign_in(page, secretary.phone, secretary.password)
    page.goto("/app/privacy")

    zone = page.get_by_role("region", name="注销账号")
    zone.get_by_role("tab", name="用短信验证码确认").click()  # the login-code flow instead of the password
    zone.get_by_label("手机号").fill(secretary.phone)
    zone.get_by_role("button", name="获取验证码").click()
    expect(zone.get_by_role("status")).to_have_text("验证码已发送，请查收短信。")
    zone.get_by_label("短信验证码").fill(identity_events.code_for(secretary.phone, "login"))
    zone.get_by_label("我已了解注销后账号无法恢复").check()
    zone.get_by_role("button", name="注销账号").click()
    expect(zone.get_by_role("alert")).to_contain_text("请先交接职务再注销账号")
    expect(zone.get_by_label("短信验证码")).not_to_have_attribute("aria-invalid", "true")
    screenshot(page, "privacy-deletion-phone")
    expect(page).to_have_url(re.compile(r"/app/privacy$"))
    assert api.get("/api/v1/me", headers=secretary.auth).status_code == 200  # still there
