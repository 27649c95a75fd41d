"""Search (搜索) in the browser: a post found by a Chinese word, grouped by kind; a colleague found by name
gets a friend request and a message straight from the results."""

from __future__ import annotations

import secrets
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.pages import members_of_new_branch, sign_in
from tests.e2e.corner import wait_until

pytestmark = pytest.mark.browser

GIVEN = "明远思齐嘉懿博文浩然子涵语桐沐阳梓萱"


def found(api, person, q: str, kind: str, item_id: str) -> bool:
    reply = api.get(f"/api/v1/search?q={quote(q)}&kind={kind}&page_size=50", headers=person.auth)
    assert reply.status_code == 200, reply.text
    return any(h["id"] == item_id for h in reply.json()["hits"])


def test_a_member_finds_a_post_by_a_chinese_word_and_befriends_a_colleague_from_the_results(
    open_page, api, identity_events, admin
):
    bob_name = "司马" + "".join(secrets.choice(GIVEN) for _ in range(2))
    ann, bob = members_of_new_branch(api, identity_events, admin, ["欧阳" + secrets.choice(GIVEN), bob_name])
    tag = secrets.token_hex(3)
    text = f"社区开展垃圾分类志愿服务活动，欢迎党员报名 {tag}"
    created = api.post("/api/v1/posts", json={"text": text, "visibility": "public"}, headers=bob.auth)
    assert created.status_code == 201, created.text
    # search's worker indexes the post and the people from their events, a moment later
    wait_until(lambda: found(api, ann, "志愿服务", "post", created.json()["id"]), timeout=30, what="the post indexed")
    wait_until(lambda: found(api, ann, bob_name, "person", bob.account_id), timeout=30, what="the person indexed")

    page = open_page("desktop").page
    sign_in(page, ann.phone, ann.password)
    page.get_by_role("link", name="工作台").click()
    page.get_by_role("link", name="搜索").click()
    expect(page.get_by_role("heading", name="搜索", level=1)).to_be_visible()
    page.get_by_label("搜索内容").fill("志愿服务")
    page.get_by_role("button", name="搜索", exact=True).click()
    posts = page.get_by_role("region", name="动态")
    hit = posts.get_by_role("listitem").filter(has_text=tag)
    expect(hit).to_be_visible()
    expect(hit.locator("em").first).to_have_text("志愿服务")  # the matched word is marked
    expect(hit).to_contain_text(bob_name)
    screenshot(page, "search-results-desktop")
    assert accessibility_violations(page) == []

    # only people: a filter of its own, kept in the address
    page.get_by_label("搜索内容").fill(bob_name)
    page.get_by_label("搜索范围").select_option(label="党员")
    people = page.get_by_role("region", name="党员")
    expect(people.get_by_role("button", name=f"加好友：{bob_name}")).to_be_visible()
    assert "kind=person" in page.url
    page.reload()
    expect(page.get_by_label("搜索范围")).to_have_value("person")
    people.get_by_role("button", name=f"加好友：{bob_name}").click()
    expect(page.get_by_role("status")).to_have_text(f"已向 {bob_name} 发送好友申请。")
    expect(people).to_contain_text("等待对方同意")
    incoming = api.get("/api/v1/network/friend-requests?direction=incoming", headers=bob.auth).json()["requests"]
    assert [(r["from_id"], r["state"]) for r in incoming] == [(ann.account_id, "pending")]

    people.get_by_role("button", name=f"关注：{bob_name}").click()
    expect(page.get_by_role("status")).to_have_text(f"已关注 {bob_name}。")
    expect(people.get_by_role("button", name=f"取消关注：{bob_name}")).to_be_visible()
    following = api.get("/api/v1/accounts/me/network/following", headers=ann.auth).json()["entries"]
    assert [(e["kind"], e["id"]) for e in following] == [("person", bob.account_id)]

    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "search-results-phone")
    assert accessibility_violations(page) == []
    people.get_by_role("button", name=f"发消息：{bob_name}").click()
    expect(page.get_by_role("heading", name=bob_name)).to_be_visible()
    expect(page.get_by_label("输入消息")).to_be_visible()
    conversations = api.get("/api/v1/chat/conversations", headers=ann.auth).json()["conversations"]
    assert [c["kind"] for c in conversations] == ["direct"]
