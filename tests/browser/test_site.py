"""The org's website (组织网站) in the browser: a secretary creates the site, writes a page, adds a photo
album, previews the draft in the app and publishes it; the public address then serves the page to anyone
(without logging in), and taking it offline removes it."""

from __future__ import annotations

import re
import secrets

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.pages import png, sign_in
from tests.e2e.corner import create_org, make_secretary, wait_until

pytestmark = pytest.mark.browser


def test_a_secretary_builds_previews_and_publishes_the_org_website(open_page, api, identity_events, admin, gateway_url):
    tag = secrets.token_hex(3)
    branch = create_org(api, admin, "demo-committee", f"网页建站支部{tag}", "branch")
    secretary = make_secretary(api, identity_events, admin, branch["id"])
    slug, title = f"web-{tag}", f"红旗社区党支部{tag}"

    page = open_page("desktop").page
    sign_in(page, secretary.phone, secretary.password)
    page.get_by_role("link", name="工作台").click()
    page.get_by_role("link", name="组织网站").click()
    expect(page.get_by_role("heading", name="创建组织网站")).to_be_visible()
    page.get_by_label("网址名").fill("API")  # reserved: the gateway's own first segment
    page.get_by_label("网站名称").fill(title)
    page.get_by_role("button", name="创建网站").click()
    expect(page.get_by_label("网址名")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("网址名").fill(slug)
    page.get_by_label("简介").fill("不忘初心，牢记使命")
    page.get_by_label("主题色").select_option(label="藏青")
    page.get_by_label("电话").fill("010-12345678")
    page.get_by_role("button", name="创建网站").click()
    expect(page.get_by_role("status").filter(has_text="网站已创建（草稿）。")).to_be_visible()
    expect(page.get_by_text(re.compile("尚未发布"))).to_contain_text(f"/{slug}")

    page.get_by_role("tab", name="页面").click()
    page.get_by_role("button", name="新建页面").click()
    page.get_by_label("页面网址名").fill("about")
    page.get_by_label("页面标题").fill("支部简介")
    page.get_by_label("正文").fill("# 我们的支部\n\n支部现有党员 **12** 名。\n\n- 三会一课\n- 主题党日")
    page.get_by_role("button", name="保存页面").click()
    expect(page.get_by_role("status").filter(has_text="页面“支部简介”已保存到草稿。")).to_be_visible()
    expect(page.get_by_role("tabpanel").get_by_role("listitem")).to_contain_text("支部简介")
    screenshot(page, "site-pages-desktop")
    assert accessibility_violations(page) == []

    page.get_by_role("tab", name="相册").click()
    page.get_by_role("button", name="新建相册").click()
    page.get_by_label("相册名称").fill("主题党日")
    page.locator("#album-files").set_input_files(
        [
            {"name": "一.png", "mimeType": "image/png", "buffer": png((180, 20, 30))},
            {"name": "二.png", "mimeType": "image/png", "buffer": png((20, 60, 160))},
        ]
    )
    expect(page.get_by_label("第 2 张的说明")).to_be_visible()
    page.get_by_label("第 1 张的说明").fill("重温入党誓词")
    page.get_by_role("button", name="保存相册").click()
    expect(page.get_by_role("status").filter(has_text="相册“主题党日”已保存到草稿。")).to_be_visible()
    expect(page.get_by_role("tabpanel")).to_contain_text("2 张照片")

    page.get_by_role("tab", name="预览").click()
    preview = page.frame_locator("iframe[title='网站草稿预览']")
    expect(preview.get_by_role("heading", name=title)).to_be_visible()
    preview.get_by_role("link", name="支部简介").first.click()  # followed inside the frame, with the token
    expect(preview.get_by_role("heading", name="我们的支部")).to_be_visible()
    screenshot(page, "site-preview-desktop")

    page.get_by_role("button", name="发布", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="网站已发布。")).to_be_visible()
    public = page.get_by_role("link", name=re.compile("打开公开网站"))
    address = public.get_attribute("href")
    assert re.fullmatch(rf"/[a-z0-9-]+/{slug}", address), address
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("tab", name="设置").click()
    screenshot(page, "site-settings-phone")
    assert accessibility_violations(page) == []

    stored = api.get(f"/api/v1/orgs/{branch['id']}/site", headers=secretary.auth).json()
    assert stored["is_published"] and stored["address"] == address
    assert [p["slug"] for p in stored["published"]["pages"]] == ["about"]
    assert stored["published"]["colour"] == "navy"
    assert [p["caption"] for p in stored["published"]["albums"][0]["photos"]] == ["重温入党誓词", ""]

    with httpx.Client(base_url=gateway_url, timeout=15) as anyone:  # no token: the public site
        home = anyone.get(address)
        assert home.status_code == 200 and title in home.text and "支部简介" in home.text
        about = anyone.get(f"{address}/about")
        assert about.status_code == 200 and "<strong>12</strong>" in about.text

        page.get_by_role("button", name="停止公开").click()
        expect(page.get_by_role("status").filter(has_text="网站已停止公开。")).to_be_visible()
        wait_until(lambda: anyone.get(address).status_code == 404, what="the site to go offline")
