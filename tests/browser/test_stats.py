"""The statistics dashboard (统计分析) in the browser: a committee secretary sees their subtree's members by
status and orgs by type as the API counts them, drawn as charts (ECharts, SVG) with the numbers in tables,
org life for a period, and this month's text messages."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.pages import sign_in
from tests.conftest import register
from tests.e2e.corner import client_for, create_org, make_secretary, wait_until

pytestmark = pytest.mark.browser
API = "/api/v1"
STATUS = {"applicant": "入党申请人", "activist": "入党积极分子", "probationary": "预备党员", "full": "正式党员"}
TYPE = {"committee": "党委", "general_branch": "党总支", "branch": "党支部", "group": "党小组"}


def charts_drawn(page, count: int) -> None:
    """At least `count` charts are drawn: an <svg> of non-zero size in each chart's box."""
    charts = page.locator(".chart svg")
    expect(charts.nth(count - 1)).to_be_visible()
    for n in range(charts.count()):
        box = charts.nth(n).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, box


def test_the_dashboard_shows_the_subtrees_counts_as_the_api_has_them_and_draws_them(
    open_page, api, identity_events, admin, gateway_url
):
    tag = secrets.token_hex(3)
    committee = create_org(api, admin, "demo-committee", f"网页统计党委{tag}", "committee")
    branches = [create_org(api, admin, committee["id"], f"网页统计支部{tag}{n}", "branch") for n in (1, 2)]
    create_org(api, admin, branches[0]["id"], f"网页统计小组{tag}", "group")
    for n, status in enumerate(["full", "probationary", "activist", "applicant"]):
        with client_for(gateway_url) as own:  # codes are limited per address
            person = register(own, identity_events, f"统计{tag}{n}")

        def add(person=person, status=status, n=n):
            reply = api.post(
                f"{API}/orgs/{branches[n % 2]['id']}/members",
                json={"account_id": person.account_id, "status": status},
                headers=admin.auth,
            )
            return reply if reply.status_code != 404 else None

        assert wait_until(add, what="orgs to learn the account").status_code == 201
    secretary = make_secretary(api, identity_events, admin, committee["id"])
    stats = api.get(f"{API}/orgs/{committee['id']}/stats", headers=secretary.auth).json()
    assert stats["members_by_status"] == {"full": 2, "probationary": 1, "activist": 1, "applicant": 1}

    page = open_page("desktop").page
    sign_in(page, secretary.phone, secretary.password)
    page.get_by_role("link", name="工作台").click()
    page.get_by_role("link", name="统计分析").click()
    expect(page.get_by_role("heading", name="统计分析", level=1)).to_be_visible()
    expect(page.get_by_label("党组织", exact=True)).to_have_value(committee["id"])

    people = page.get_by_role("region", name="党员与组织")
    expect(people.locator("[data-figure=members]")).to_have_text(str(stats["members_total"]))
    expect(people.locator("[data-figure=orgs]")).to_have_text(str(stats["orgs_total"]))
    by_status = people.get_by_role("table", name="按党员状态")
    expect(by_status.locator("tbody tr")).to_have_count(len(stats["members_by_status"]))
    for status, n in stats["members_by_status"].items():
        expect(by_status.locator(f"[data-status={status}]")).to_have_text(f"{STATUS[status]}{n}")
    by_type = people.get_by_role("table", name="按组织类型")
    for kind, label in TYPE.items():
        expect(by_type.locator(f"[data-type={kind}]")).to_have_text(f"{label}{stats['orgs_by_type'].get(kind, 0)}")
    # the charts, and what a screen reader hears of them
    expect(people.get_by_role("img", name="按党员状态统计：")).to_have_attribute(
        "aria-label", "按党员状态统计：入党申请人 1，入党积极分子 1，预备党员 1，正式党员 2"
    )
    expect(people.get_by_role("img", name="按组织类型统计：")).to_have_attribute(
        "aria-label", "按组织类型统计：党委 1，党总支 0，党支部 2，党小组 1"
    )

    # org life: this quarter by default, then the whole year
    life = page.get_by_role("region", name="组织生活")
    page_period = life.get_by_label("统计期间")
    period = page_period.input_value()
    report = api.get(
        f"{API}/orgs/{committee['id']}/meeting-compliance", params={"period": period}, headers=secretary.auth
    ).json()
    expect(life.get_by_role("table", name="各组织情况").locator("tbody tr")).to_have_count(len(report["orgs"]))
    expect(life).to_contain_text(f"有未开会议的组织{len(report['missing_org_ids'])}")
    charts_drawn(page, 3)
    year = period[:4]
    page_period.select_option(year)
    expect(life.get_by_role("table", name=f"{year}年规定会议召开情况")).to_be_visible()
    report = api.get(
        f"{API}/orgs/{committee['id']}/meeting-compliance", params={"period": year}, headers=secretary.auth
    ).json()
    missed = sum(len(o["missed"]) for o in report["orgs"])
    required = sum(len(o["required"]) for o in report["orgs"])
    due = sum(1 for o in report["orgs"] for r in o["required"] if r["open"] and not r["held"])
    totals = life.get_by_role("table", name=f"{year}年规定会议召开情况").locator("tbody td.num")
    shown = [int(t) for t in totals.all_inner_texts()]  # required, held, missed, due per meeting type
    assert sum(shown[0::4]) == required and sum(shown[2::4]) == missed and sum(shown[3::4]) == due
    assert due > 0  # the year is not over: this month's and later months' meetings are due, not missed

    # text messages: the secretary may send them, so sees this month's use
    usage = api.get(f"{API}/orgs/{committee['id']}/sms/usage", headers=secretary.auth).json()
    sms = page.get_by_role("region", name="本月短信")
    expect(sms).to_contain_text(f"{usage['month']} 已用 {usage['charged']} 条，本月额度 {usage['quota']} 条。")
    screenshot(page, "stats-desktop")
    assert accessibility_violations(page) == []

    phone = open_page("phone").page
    sign_in(phone, secretary.phone, secretary.password)
    phone.goto(f"/app/manage/stats?org={branches[0]['id']}")
    branch_stats = api.get(f"{API}/orgs/{branches[0]['id']}/stats", headers=secretary.auth).json()
    people = phone.get_by_role("region", name="党员与组织")
    expect(people.locator("[data-figure=members]")).to_have_text(str(branch_stats["members_total"]))
    expect(people.locator("[data-figure=orgs]")).to_have_text("2")  # the branch and its group
    charts_drawn(phone, 3)
    screenshot(phone, "stats-phone")
    assert accessibility_violations(phone) == []
